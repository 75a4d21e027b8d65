"""Reads of contractual instruments for views, the API and the calculation, scoped by tenancy.

An instrument is found only through `instrument_for` (tenancy's
`tenant_row_for`); the other reads take an inventory the caller already got
from `inventories.selectors.inventory_for`. `instrument_set` is what the
calculation hands the engine: the inventory's instruments as one instrument
file (`INSTRUMENT_FILE`, its bytes and hash for the provenance, and the
instruments `neutra.formats.instrument_file` reads from it), so the figures
and the output hash equal `neutra footprint --instruments instruments.csv`
on that file.

It must never write, and never answer differently for another tenant's
instrument than for a missing one (both are `NotFoundError`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import QuerySet

from neutra.core import workflow
from neutra.core.errors import InvalidInputError, NeutraError, Problem
from neutra.core.scope2 import Instrument
from neutra.formats.instrument_file import QUALITY_COLUMNS, instrument_csv, instruments_of
from neutra.web.errors import NotAllowedError, NotFoundError
from neutra.web.instruments.models import ContractualInstrument
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.selectors import inventory_visible_or_404
from neutra.web.tenancy.selectors import roles_in, tenant_row_for

__all__ = [
    "INSTRUMENT_FILE",
    "InstrumentRow",
    "InstrumentSet",
    "InstrumentsPage",
    "instrument_file",
    "instrument_for",
    "instrument_refusal",
    "instrument_set",
    "instruments_for",
    "instruments_page",
]

# The name the inventory's instruments go by as one file: in the provenance of
# its calculations, and as the export's file name.
INSTRUMENT_FILE = "instruments.csv"


@dataclass(frozen=True, slots=True)
class InstrumentSet:
    """An inventory's instruments as one instrument file, as the engine gets them."""

    file_name: str  # INSTRUMENT_FILE: the label in the provenance
    content: bytes  # the instrument file (CSV) the instruments read from
    sha256: str  # of `content`: what the provenance records
    instruments: tuple[Instrument, ...]  # as `read_instruments` reads `content`


@dataclass(frozen=True, slots=True)
class InstrumentRow:
    """One recorded instrument and what it is, read by the instrument-file rules."""

    record: ContractualInstrument  # as stored
    instrument: Instrument  # what the engine gets: kWh covered, t CO2e per kWh, quality fields


@dataclass(frozen=True, slots=True)
class InstrumentsPage:
    """What an inventory's instruments page shows one user."""

    rows: tuple[InstrumentRow, ...]  # in the order they were recorded
    total_kwh: float  # energy the instruments cover together, kWh
    refusal: NeutraError | None  # why this user may not change them now; None: they may
    # Why the stored rows no longer read as instruments (rules changed since they were
    # recorded); then `rows` is empty and `records` holds them as stored
    problem: InvalidInputError | None = None
    records: tuple[ContractualInstrument, ...] = ()


def instruments_for(*, inventory: Inventory) -> QuerySet[ContractualInstrument]:
    """The instruments of an inventory (pass one from `inventory_for`), in recorded order."""
    return ContractualInstrument.objects.filter(inventory=inventory).select_related("added_by")


def instrument_for(user: User, instrument_id: object, *, now: datetime) -> ContractualInstrument:
    """The instrument (by primary key) if `user` may see its organisation at `now`.

    Raises `NotFoundError` when it is missing and when it is another tenant's, alike.
    """
    rows = ContractualInstrument.objects.select_related(
        "inventory", "inventory__organisation", "added_by"
    )
    found: ContractualInstrument = tenant_row_for(
        user, rows, instrument_id, now=now, what="instrument"
    )
    try:  # an auditor sees no draft, nor anything in it
        inventory_visible_or_404(user, found.inventory, now=now)
    except NotFoundError:
        raise NotFoundError("instrument not found", instrument_id=str(instrument_id)) from None
    return found


def instrument_refusal(
    *, user: User | None, inventory: Inventory, now: datetime
) -> NeutraError | None:
    """Why `user` may not add or remove instruments of `inventory` now; None if they may.

    The same people who change activity data (not viewers, not auditors), and
    only while the inventory is a draft: a locked inventory's figures never
    change. `user=None` is the system itself.
    """
    # The workflow's rule for changing an inventory's data: who, and in which states.
    rule = workflow.RULES[workflow.Action.CHANGE_DATA]
    if user is not None and not roles_in(user, inventory.organisation, now=now) & rule.roles:
        return NotAllowedError(
            "your role lets you read this inventory's instruments, not change them"
        )
    if inventory.state not in rule.states:
        reason = (
            f"this inventory is {inventory.get_state_display().lower()}: its instruments "
            "change only while it is a draft"
        )
        return InvalidInputError(
            [Problem("inventory", None, "state", inventory.state, reason)], message=reason
        )
    return None


def quality_columns_of(records: Sequence[dict[str, str]]) -> frozenset[str]:
    """The quality columns a set of rows has: those any row gives (as one file would)."""
    return frozenset(c for c in QUALITY_COLUMNS if any(c in r for r in records))


def instrument_set(*, inventory: Inventory) -> InstrumentSet | None:
    """The inventory's instruments as one instrument file; None when it has none."""
    records = [dict(r.cells) for r in instruments_for(inventory=inventory)]
    if not records:
        return None
    columns = quality_columns_of(records)
    content = instrument_csv(records, columns)
    rows = [(number, record) for number, record in enumerate(records, start=2)]
    instruments = instruments_of(rows, columns, INSTRUMENT_FILE)
    return InstrumentSet(
        file_name=INSTRUMENT_FILE,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        instruments=instruments,
    )


def instrument_file(*, inventory: Inventory) -> tuple[str, bytes]:
    """The inventory's instruments as a download: (file name, CSV); a header only without any."""
    found = instrument_set(inventory=inventory)
    if found is None:
        return INSTRUMENT_FILE, instrument_csv([], frozenset())
    return found.file_name, found.content


def instruments_page(*, user: User, inventory: Inventory, now: datetime) -> InstrumentsPage:
    """The instruments of an inventory as its page shows them (pass one from `inventory_for`)."""
    stored = list(instruments_for(inventory=inventory))
    refusal = instrument_refusal(user=user, inventory=inventory, now=now)
    try:
        found = instrument_set(inventory=inventory)
    except InvalidInputError as error:
        return InstrumentsPage((), 0.0, refusal, error, tuple(stored))
    instruments = found.instruments if found is not None else ()
    rows = tuple(
        InstrumentRow(record, instrument)
        for record, instrument in zip(stored, instruments, strict=True)
    )
    return InstrumentsPage(
        rows=rows,
        total_kwh=sum(row.instrument.quantity_kwh for row in rows),
        refusal=refusal,
        records=tuple(stored),
    )
