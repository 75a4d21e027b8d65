"""The carbon-credit book of record: pure algebra over serial blocks (DESIGN.md §5, DOMAIN.md §6).

Public API (everything else is internal):

- Values: `SerialRange` (inclusive, `quantity` = end - start + 1), `SerialSpace`
  ((programme, unit_type, host_party) for Kyoto units, (programme,
  project_id) otherwise), `Block` (frozen: `state` held|cancelled|sold,
  `registry`, `account`, `client` ("" = the consultancy's stock), `programme`,
  `unit_type`, `host_party`, `project_id`, `vintage`, `serial_start`,
  `serial_end`, `quantity`, `beneficiary`, `date`, plus `for_period`,
  `purpose`, `txn_id`, `price`, `currency`, `seller`, `buyer`, `reference`,
  `block_id`, `parent_id`; `as_json()` is the `neutra.ledger/1` block),
  `Period` (`parse_period("2024")`), enums `Action`, `BlockState`,
  `UnitType`, `Policy` (fifo, one_project, cheapest).
- The aggregate: `Ledger` with `purchase/transfer/cancel/sell(spec)` (specs
  `Purchase`, `Transfer`, `Cancel`, `Sale`, `UnitsSpec`), `resolve(spec)` (a
  policy's choice, previewed), `blocks` (current blocks, sorted by serial space
  and serial_start), `lineage(id)`, `find(space, serial)`, `check_invariants()`.
  Refusals are `CreditError` (with `column`, `value`); nothing changes.
- Files: `LedgerRow` (one row of the ledger file, read by
  `neutra.formats.ledger_file.read_ledger`), `replay_ledger(rows, source=...)
  -> Ledger` (InvalidInputError with every problem), `ledger_totals(blocks)`.
- Rules: `REGISTRY_RULES` (dated transfer rules with sources), `broken_rule`.
- Display: `serial_label(block)`, `unit_identifier(block, serial)`.
- Reconciliation: `StatementLine`, `reconcile(blocks, lines)`.

It must never import a framework or a file format, and never edit a block.
"""

from neutra.core.credits.display import serial_label, unit_identifier
from neutra.core.credits.ledger import (
    Cancel,
    Event,
    Ledger,
    Operation,
    Purchase,
    Sale,
    Transfer,
    UnitsSpec,
)
from neutra.core.credits.model import (
    KYOTO_PROGRAMMES,
    Action,
    Block,
    BlockState,
    CreditError,
    InvariantError,
    KyotoParts,
    Period,
    Policy,
    SerialRange,
    SerialSpace,
    UnitType,
    parse_period,
    serial_space,
)
from neutra.core.credits.reconcile import (
    Match,
    Reconciliation,
    ReconciliationLine,
    StatementLine,
    reconcile,
)
from neutra.core.credits.replay import (
    COLUMNS,
    LedgerRow,
    Totals,
    ledger_totals,
    replay_ledger,
    row_operation,
)
from neutra.core.credits.rules import (
    REGISTRY_RULES,
    RegistryKind,
    TransferRule,
    broken_rule,
    registry_kind,
)

__all__ = [
    "COLUMNS",
    "KYOTO_PROGRAMMES",
    "REGISTRY_RULES",
    "Action",
    "Block",
    "BlockState",
    "Cancel",
    "CreditError",
    "Event",
    "InvariantError",
    "KyotoParts",
    "Ledger",
    "LedgerRow",
    "Match",
    "Operation",
    "Period",
    "Policy",
    "Purchase",
    "Reconciliation",
    "ReconciliationLine",
    "RegistryKind",
    "Sale",
    "SerialRange",
    "SerialSpace",
    "StatementLine",
    "Totals",
    "Transfer",
    "TransferRule",
    "UnitType",
    "UnitsSpec",
    "broken_rule",
    "ledger_totals",
    "parse_period",
    "reconcile",
    "registry_kind",
    "replay_ledger",
    "row_operation",
    "serial_label",
    "serial_space",
    "unit_identifier",
]
