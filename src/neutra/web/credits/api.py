"""REST endpoints of the credits ledger: holdings, blocks and their history, lookup, operations.

Thin: the API's authentication (writes need a token's write scope) -> input
schema -> one selector or service -> output schema. Tenancy is the
selectors' job: a client's people see their organisation's units only, the
consultancy's staff its stock and every client's; anything else is a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from ninja import Query, Router, Schema, Status

from neutra.web.accounts.auth import require_scope
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.credits import selectors
from neutra.web.credits.models import CreditBlock, CreditTransaction
from neutra.web.credits.services import (
    Units,
    credits_cancel,
    credits_purchase,
    credits_sell,
    credits_transfer,
)
from neutra.web.errors import invalid
from neutra.web.fields import Money, WholeNumber
from neutra.web.schemas import InputSchema
from neutra.web.tenancy.models import Consultancy, Organisation
from neutra.web.tenancy.selectors import organisation_for

router = Router(tags=["credits"])

_LIMIT = 2**62  # beyond any serial or id: refused as input, never sent to the database


class BlockOut(Schema):
    id: int
    state: str  # held, cancelled or sold
    organisation_id: int | None  # None: the consultancy's stock
    client: str  # the client's name; "" for the stock
    registry: str
    account: str
    programme: str
    unit_type: str
    host_party: str
    project_id: str
    vintage: str
    serial_start: int
    serial_end: int
    quantity: int
    serials: str  # the serials in the programme's own format
    beneficiary: str
    purpose: str
    for_period: str
    date: dt.date
    txn_id: str  # the transaction that made this block
    parent_id: int | None
    closed_by: str | None  # the transaction that split it, if it was


def _block(b: CreditBlock) -> BlockOut:
    return BlockOut(
        id=b.pk, state=b.state, organisation_id=b.organisation_id,
        client="" if b.organisation is None else b.organisation.name,
        registry=b.account.registry.code, account=b.account.number, programme=b.programme,
        unit_type=b.unit_type, host_party=b.host_party, project_id=b.project_code, vintage=b.vintage,
        serial_start=b.serial_start, serial_end=b.serial_end, quantity=b.quantity,
        serials=selectors.label_of(b), beneficiary=b.beneficiary, purpose=b.purpose,
        for_period=b.for_period, date=b.date, txn_id=b.made_by.txn_id, parent_id=b.parent_id,
        closed_by=None if b.closed_by is None else b.closed_by.txn_id,
    )  # fmt: skip


class HoldingOut(Schema):
    key: list[str]
    held: int
    cancelled: int


class CreditsOut(Schema):
    organisation_id: int
    held: int
    cancelled: int
    by_year: list[HoldingOut]
    by_project: list[HoldingOut]
    by_vintage: list[HoldingOut]
    by_type: list[HoldingOut]
    blocks: list[BlockOut]


class TransactionOut(Schema):
    id: int
    txn_id: str
    action: str
    date: dt.date
    quantity: int
    organisation_id: int | None
    to_organisation_id: int | None
    policy: str
    counterparty: str
    beneficiary: str
    purpose: str
    for_period: str
    reference: str
    attestation_name: str
    attestation_sha256: str


def _txn(t: CreditTransaction) -> TransactionOut:
    return TransactionOut(
        id=t.pk, txn_id=t.txn_id, action=t.action, date=t.date, quantity=t.quantity,
        organisation_id=t.organisation_id, to_organisation_id=t.to_organisation_id, policy=t.policy,
        counterparty=t.counterparty, beneficiary=t.beneficiary, purpose=t.purpose,
        for_period=t.for_period, reference=t.reference, attestation_name=t.attestation_name,
        attestation_sha256=t.attestation_sha256,
    )  # fmt: skip


class HistoryOut(Schema):
    block: BlockOut
    lineage: list[BlockOut]  # the block and its ancestors back to the purchase, newest first
    children: list[BlockOut]
    transactions: list[TransactionOut]


@router.get("/organisations/{organisation_id}/credits", response=CreditsOut)
def organisation_credits(request: AuthenticatedRequest, organisation_id: int) -> CreditsOut:
    """A client's units: held and cancelled in total, by year, project, vintage and type, and its blocks."""
    organisation = organisation_for(request.user, organisation_id, now=timezone.now())
    blocks = list(selectors.blocks_of_organisation(organisation=organisation))
    totals = selectors.totals_of(blocks)

    def grouped(by: str) -> list[HoldingOut]:
        return [
            HoldingOut(key=list(h.key), held=h.held, cancelled=h.cancelled)
            for h in selectors.holdings_by(blocks, by=by)
        ]

    return CreditsOut(
        organisation_id=organisation.pk, held=totals.held, cancelled=totals.cancelled,
        by_year=grouped("year"), by_project=grouped("project"), by_vintage=grouped("vintage"),
        by_type=grouped("type"), blocks=[_block(b) for b in blocks],
    )  # fmt: skip


@router.get("/organisations/{organisation_id}/credits/cancellations", response=list[TransactionOut])
def organisation_cancellations(
    request: AuthenticatedRequest, organisation_id: int
) -> list[TransactionOut]:
    """A client's cancellations, newest first, with their attestation's name and SHA-256."""
    organisation = organisation_for(request.user, organisation_id, now=timezone.now())
    return [_txn(t) for t in selectors.cancellations_of(organisation=organisation)]


@router.get("/credits/blocks/{block_id}", response=HistoryOut)
def block(request: AuthenticatedRequest, block_id: int) -> HistoryOut:
    """One block you may see, and its history from the purchase on."""
    found = selectors.block_for(request.user, block_id, now=timezone.now())
    history = selectors.block_history(block=found)
    return HistoryOut(
        block=_block(found), lineage=[_block(b) for b in history.lineage],
        children=[_block(b) for b in history.children], transactions=[_txn(t) for t in history.transactions],
    )  # fmt: skip


class FindIn(InputSchema):
    serial: WholeNumber


@router.get("/credits/find", response=list[BlockOut])
def find(request: AuthenticatedRequest, query: Query[FindIn]) -> list[BlockOut]:
    """The current blocks you may see that hold a serial number."""
    if not 0 <= query.serial < _LIMIT:
        raise invalid("credits", "serial", query.serial, "not a serial number")
    return [
        _block(b) for b in selectors.find_serial(request.user, query.serial, now=timezone.now())
    ]


@router.get("/credits/blocks", response=list[BlockOut])
def consultancy_blocks(request: AuthenticatedRequest) -> list[BlockOut]:
    """Every current block of the consultancy you staff: its stock and every client's (staff only)."""
    consultancy = selectors.consultancy_for_staff(request.user)
    return [_block(b) for b in selectors.blocks_of_consultancy(consultancy=consultancy)]


# Numbers are `WholeNumber` and `Money` (web.fields): pydantic's own int and Decimal took
# "1_0", "١٠" and `true`.
class UnitsIn(InputSchema):
    consultancy_id: WholeNumber | None = None  # default: the consultancy you staff
    organisation_id: WholeNumber | None = None  # whose units; None: the stock
    account_id: WholeNumber | None = None  # where the units must be
    project_id: WholeNumber | None = None  # with serials: fixes their serial space
    unit_type: str = ""
    vintage: str = ""
    serial_start: WholeNumber | None = None
    serial_end: WholeNumber | None = None
    quantity: WholeNumber | None = None  # a check with serials; otherwise how many to choose
    policy: str = "fifo"  # fifo, one_project or cheapest


def _key(value: int | None, field: str) -> int | None:
    if value is not None and not 0 <= value < _LIMIT:
        raise invalid("credits", field, value, "out of range")
    return value


def _row(rows: Any, key: int | None, field: str) -> Any:
    key = _key(key, field)
    if key is None:
        return None
    found = rows.filter(pk=key).first()
    if found is None:
        raise invalid("credits", field, key, f"no such {field.removesuffix('_id')} in this ledger")
    return found


def _units(consultancy: Consultancy, payload: UnitsIn) -> Units:
    for field in ("serial_start", "serial_end", "quantity"):
        _key(getattr(payload, field), field)
    return Units(
        organisation=_row(Organisation.objects.filter(consultancy=consultancy), payload.organisation_id, "organisation_id"),
        account=_row(selectors.accounts_of(consultancy=consultancy), payload.account_id, "account_id"),
        project=_row(selectors.projects_of(consultancy=consultancy), payload.project_id, "project_id"),
        unit_type=payload.unit_type[:8], vintage=payload.vintage[:21], serial_start=payload.serial_start,
        serial_end=payload.serial_end, quantity=payload.quantity, policy=payload.policy[:16],
    )  # fmt: skip


class ChosenOut(Schema):
    block: BlockOut
    serial_start: int
    serial_end: int
    quantity: int


@router.post("/credits/preview", response=list[ChosenOut])
def preview(request: AuthenticatedRequest, payload: UnitsIn) -> list[ChosenOut]:
    """The units a choice (serials or a policy) would take; nothing changes (staff only)."""
    consultancy = selectors.consultancy_for_staff(request.user, payload.consultancy_id)
    spec = _units(consultancy, payload).spec()
    return [
        ChosenOut(block=_block(b), serial_start=s, serial_end=e, quantity=e - s + 1)
        for b, s, e in selectors.preview(consultancy=consultancy, spec=spec)
    ]


class PurchaseIn(InputSchema):
    consultancy_id: WholeNumber | None = None
    account_id: WholeNumber
    project_id: WholeNumber
    unit_type: str
    vintage: str
    serial_start: WholeNumber
    serial_end: WholeNumber
    quantity: WholeNumber | None = None
    organisation_id: WholeNumber | None = None  # bought on behalf of this client; None: into stock
    date: dt.date
    seller: str = ""
    price: Money | None = None  # per unit, exact: 0 to below 1e10, at most 4 decimals
    currency: str = ""
    reference: str = ""  # the contract


@router.post("/credits/purchases", response={201: TransactionOut})
def purchase(request: AuthenticatedRequest, payload: PurchaseIn) -> Status[TransactionOut]:
    """Record a purchase of a serial block (staff only)."""
    require_scope(request, "write")
    consultancy = selectors.consultancy_for_staff(request.user, payload.consultancy_id)
    for field in ("serial_start", "serial_end", "quantity"):
        _key(getattr(payload, field), field)
    txn = credits_purchase(
        consultancy=consultancy,
        account=_row(selectors.accounts_of(consultancy=consultancy), payload.account_id, "account_id"),
        project=_row(selectors.projects_of(consultancy=consultancy), payload.project_id, "project_id"),
        unit_type=payload.unit_type[:8], vintage=payload.vintage[:21], serial_start=payload.serial_start,
        serial_end=payload.serial_end, quantity=payload.quantity,
        organisation=_row(Organisation.objects.filter(consultancy=consultancy), payload.organisation_id, "organisation_id"),
        date=payload.date, seller=payload.seller, price=payload.price, currency=payload.currency,
        reference=payload.reference, by=request.user,
    )  # fmt: skip
    return Status(201, _txn(txn))


class TransferIn(UnitsIn):
    date: dt.date
    to_account_id: WholeNumber | None = None
    to_organisation_id: WholeNumber | None = None  # allocate from stock to this client


@router.post("/credits/transfers", response={201: TransactionOut})
def transfer(request: AuthenticatedRequest, payload: TransferIn) -> Status[TransactionOut]:
    """Allocate stock to a client and/or move units to another account or registry (staff only)."""
    require_scope(request, "write")
    consultancy = selectors.consultancy_for_staff(request.user, payload.consultancy_id)
    txn = credits_transfer(
        consultancy=consultancy, units=_units(consultancy, payload), date=payload.date,
        to_account=_row(selectors.accounts_of(consultancy=consultancy), payload.to_account_id, "to_account_id"),
        to_organisation=_row(Organisation.objects.filter(consultancy=consultancy), payload.to_organisation_id, "to_organisation_id"),
        by=request.user,
    )  # fmt: skip
    return Status(201, _txn(txn))


class CancelIn(UnitsIn):
    date: dt.date
    beneficiary: str
    purpose: str = ""
    for_period: str = ""  # the claim period: 2024 or YYYY-MM-DD/YYYY-MM-DD
    reference: str = ""  # the registry's attestation reference


@router.post("/credits/cancellations", response={201: TransactionOut})
def cancel(request: AuthenticatedRequest, payload: CancelIn) -> Status[TransactionOut]:
    """Cancel units for a client: final (staff only)."""
    require_scope(request, "write")
    consultancy = selectors.consultancy_for_staff(request.user, payload.consultancy_id)
    txn = credits_cancel(
        consultancy=consultancy, units=_units(consultancy, payload), date=payload.date,
        beneficiary=payload.beneficiary, purpose=payload.purpose, for_period=payload.for_period,
        reference=payload.reference, by=request.user,
    )  # fmt: skip
    return Status(201, _txn(txn))


class SaleIn(UnitsIn):
    date: dt.date
    buyer: str = ""
    price: Money | None = None  # per unit, as a purchase's
    currency: str = ""
    reference: str = ""


@router.post("/credits/sales", response={201: TransactionOut})
def sale(request: AuthenticatedRequest, payload: SaleIn) -> Status[TransactionOut]:
    """Record units sold on to a buyer (staff only)."""
    require_scope(request, "write")
    consultancy = selectors.consultancy_for_staff(request.user, payload.consultancy_id)
    txn = credits_sell(
        consultancy=consultancy, units=_units(consultancy, payload), date=payload.date, buyer=payload.buyer,
        price=payload.price, currency=payload.currency, reference=payload.reference, by=request.user,
    )  # fmt: skip
    return Status(201, _txn(txn))
