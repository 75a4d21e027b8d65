"""Replay of a ledger file (DESIGN.md §5.1): rows in file order through the ledger's operations.

`LedgerRow` is one row as read (typed, not yet judged); `replay_ledger` turns
each into an operation and applies it, collecting every problem (row, column,
value, reason) in one pass. Totals per state and client are `ledger_totals`.

It must never return a ledger from rows with problems: it raises
`InvalidInputError` with all of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from neutra.core.credits.ledger import (
    Cancel,
    Ledger,
    Operation,
    Purchase,
    Sale,
    Transfer,
    UnitsSpec,
)
from neutra.core.credits.model import (
    Action,
    Block,
    BlockState,
    CreditError,
    KyotoParts,
    Policy,
    SerialRange,
    UnitType,
)
from neutra.core.credits.rules import REGISTRY_RULES, TransferRule
from neutra.core.errors import InvalidInputError, Problem

__all__ = ["COLUMNS", "LedgerRow", "Totals", "ledger_totals", "replay_ledger", "row_operation"]

# The columns of the ledger file, in the order it is written (DESIGN.md §5.1).
COLUMNS = (
    "txn_id",
    "date",
    "action",
    "programme",
    "unit_type",
    "host_party",
    "project_id",
    "vintage",
    "serial_start",
    "serial_end",
    "quantity",
    "policy",
    "registry",
    "account",
    "to_registry",
    "to_account",
    "client",
    "to_client",
    "beneficiary",
    "purpose",
    "for_period",
    "counterparty",
    "price",
    "currency",
    "reference",
)


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One row of a ledger file, typed but not yet judged. Blank text is ""."""

    row: int  # spreadsheet row number: the header is row 1
    txn_id: str
    date: dt.date
    action: Action
    programme: str = ""
    unit_type: UnitType | None = None
    host_party: str = ""
    project_id: str = ""
    vintage: str = ""
    serial_start: int | None = None
    serial_end: int | None = None
    quantity: int | None = None
    policy: Policy = Policy.FIFO
    registry: str = ""
    account: str = ""
    to_registry: str = ""
    to_account: str = ""
    client: str = ""
    to_client: str = ""
    beneficiary: str = ""
    purpose: str = ""
    for_period: str = ""
    counterparty: str = ""  # seller of a purchase, buyer of a sale
    price: Decimal | None = None  # per unit
    currency: str = ""
    reference: str = ""  # contract of a purchase or sale, attestation of a cancellation
    kyoto: KyotoParts | None = None  # optional columns original_cp, applicable_cp, lulucf_activity
    extra: tuple[tuple[str, str], ...] = ()  # unknown columns, passed through


def row_operation(row: LedgerRow) -> Operation:
    """The operation a row asks for; CreditError naming the column if the row cannot be one."""
    serials = _serials(row)
    if row.action is Action.PURCHASE:
        for column in ("programme", "vintage", "registry"):
            if not getattr(row, column):
                raise CreditError(f"a purchase needs its {column}", column=column, value="")
        if row.unit_type is None:
            raise CreditError("a purchase needs its unit_type", column="unit_type", value="")
        if serials is None:
            raise CreditError(
                "a purchase needs the serials bought: serial_start and serial_end",
                column="serial_start",
                value="",
            )
        if row.quantity is not None and row.quantity != serials.quantity:
            raise CreditError(
                f"quantity {row.quantity} disagrees with serials {serials} ({serials.quantity} units)",
                column="quantity",
                value=str(row.quantity),
            )
        return Purchase(
            txn_id=row.txn_id,
            date=row.date,
            registry=row.registry,
            account=row.account,
            client=row.client,
            programme=row.programme,
            unit_type=row.unit_type,
            host_party=row.host_party,
            project_id=row.project_id,
            vintage=row.vintage,
            serials=serials,
            price=row.price,
            currency=row.currency,
            seller=row.counterparty,
            reference=row.reference,
            kyoto=row.kyoto,
        )
    units = UnitsSpec(
        client=row.client,
        registry=row.registry,
        account=row.account,
        programme=row.programme,
        unit_type=row.unit_type,
        host_party=row.host_party,
        project_id=row.project_id,
        vintage=row.vintage,
        serials=serials,
        quantity=row.quantity,
        policy=row.policy,
    )
    if row.action is Action.TRANSFER:
        return Transfer(row.txn_id, row.date, units, row.to_registry, row.to_account, row.to_client)
    if row.action is Action.CANCEL:
        return Cancel(
            row.txn_id, row.date, units, row.beneficiary, row.purpose, row.for_period, row.reference
        )
    return Sale(
        row.txn_id, row.date, units, row.counterparty, row.price, row.currency, row.reference
    )


def _serials(row: LedgerRow) -> SerialRange | None:
    if row.serial_start is None and row.serial_end is None:
        return None
    if row.serial_start is None or row.serial_end is None:
        missing = "serial_start" if row.serial_start is None else "serial_end"
        raise CreditError("give both serial_start and serial_end", column=missing, value="")
    if row.serial_end < row.serial_start:
        raise CreditError(
            f"serial_end {row.serial_end} is before serial_start {row.serial_start}",
            column="serial_end",
            value=str(row.serial_end),
        )
    return SerialRange(row.serial_start, row.serial_end)


def replay_ledger(
    rows: Iterable[LedgerRow],
    *,
    source: str = "ledger",
    rules: tuple[TransferRule, ...] = REGISTRY_RULES,
    keep_history: bool = True,
    into: Ledger | None = None,
) -> Ledger:
    """The ledger after every row, in order; InvalidInputError with every problem found.

    `source` names the file in the problems. A refused row changes nothing and
    the replay goes on, so one pass lists every problem. `into` replays onto a
    ledger that already holds blocks (an import into the web ledger).
    """
    ledger = into if into is not None else Ledger(rules=rules, keep_history=keep_history)
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    last_date: dt.date | None = None
    for row in rows:
        if not row.txn_id:
            problems.append(Problem(source, row.row, "txn_id", "", "every row needs a txn_id"))
        elif row.txn_id in seen:
            reason = f"txn_id is not unique (first on row {seen[row.txn_id]})"
            problems.append(Problem(source, row.row, "txn_id", row.txn_id, reason))
            continue
        else:
            seen[row.txn_id] = row.row
        if last_date is not None and row.date < last_date:
            reason = f"dates must not go back: the row before is dated {last_date}"
            problems.append(Problem(source, row.row, "date", row.date.isoformat(), reason))
            continue
        last_date = row.date
        try:
            ledger.apply(row_operation(row))
        except CreditError as exc:
            problems.append(Problem(source, row.row, exc.column, exc.value, exc.message))
    if problems:
        raise InvalidInputError(problems)
    return ledger


@dataclass(frozen=True, slots=True)
class Totals:
    """Units per state, and held and cancelled per client ("" is the consultancy's stock)."""

    held: int
    cancelled: int
    sold: int
    by_client: tuple[tuple[str, int, int], ...]  # (client, held, cancelled), sorted by client

    def as_json(self) -> dict[str, object]:
        return {
            "held": self.held,
            "cancelled": self.cancelled,
            "sold": self.sold,
            "by_client": {c: {"held": h, "cancelled": x} for c, h, x in self.by_client},
        }


def ledger_totals(blocks: Iterable[Block]) -> Totals:
    per_state = dict.fromkeys(BlockState, 0)
    clients: dict[str, list[int]] = {}
    for block in blocks:
        per_state[block.state] += block.quantity
        counts = clients.setdefault(block.client, [0, 0])
        if block.state is BlockState.HELD:
            counts[0] += block.quantity
        elif block.state is BlockState.CANCELLED:
            counts[1] += block.quantity
    return Totals(
        per_state[BlockState.HELD],
        per_state[BlockState.CANCELLED],
        per_state[BlockState.SOLD],
        tuple((c, h, x) for c, (h, x) in sorted(clients.items())),
    )
