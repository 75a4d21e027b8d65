"""Writes of the credits ledger: the only code that creates or changes its rows.

Every operation (purchase, allocation, transfer, sale, cancellation, import)
loads the blocks it touches under row locks, asks `neutra.core.credits` (the
same algebra `neutra credits check` uses) to resolve and apply it, then
persists what the core decided: the parents it closed and the children it
made, one `CreditTransaction`, one journal entry and one audit entry, all in
one database transaction. A refusal from the core becomes an
`InvalidInputError` naming the field; nothing is written.

It must never decide a ledger rule itself (the core does), never edit a
block's units or attributes (only close it), and never write outside
`transaction.atomic`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.contrib.auth.models import User
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import QuerySet

from neutra.core.credits import (
    Action,
    Block,
    BlockState,
    Cancel,
    CreditError,
    Event,
    KyotoParts,
    Ledger,
    LedgerRow,
    Operation,
    Policy,
    Purchase,
    Sale,
    SerialRange,
    Transfer,
    UnitsSpec,
    UnitType,
    registry_kind,
    replay_ledger,
    serial_space,
)
from neutra.core.errors import InvalidInputError, Problem
from neutra.core.money import plain_unit_price, unit_price_problem
from neutra.core.regions import is_country
from neutra.formats.ledger_file import row_cells
from neutra.formats.numbers import exact_decimal
from neutra.web.credits.journal import journal_append
from neutra.web.credits.models import (
    AccountKind,
    Adjustment,
    Authorisation,
    CreditBlock,
    CreditProject,
    CreditTransaction,
    ReductionOrRemoval,
    Registry,
    RegistryAccount,
)
from neutra.web.errors import NotAllowedError, invalid
from neutra.web.tenancy.audit import audit_record
from neutra.web.tenancy.models import Consultancy, ConsultancyMembership, Organisation

__all__ = [
    "MAX_ATTESTATION_BYTES",
    "Units",
    "account_create",
    "core_block",
    "credits_cancel",
    "credits_purchase",
    "credits_sell",
    "credits_transfer",
    "ledger_import",
    "project_create",
    "registry_create",
    "space_key",
]

MAX_ATTESTATION_BYTES = 10 * 1024 * 1024
SUBJECT = "credits"
_T = TypeVar("_T")


# ---------------------------------------------------------------- helpers


def space_key(programme: str, unit_type: str, host_party: str, project_id: str) -> str:
    """The serial space as one column, for the exclusion constraint and lookups."""
    space = serial_space(programme, unit_type, host_party, project_id)
    return "|".join((space.programme, space.unit_type, space.host_party, space.project_id))


def core_block(row: CreditBlock) -> Block:
    """A block row as the core's value (client: the organisation's name, unique in its
    consultancy; "" for the stock)."""
    kyoto = None
    if row.original_cp is not None and row.applicable_cp is not None:
        kyoto = KyotoParts(row.original_cp, row.applicable_cp, row.lulucf_activity or 0)
    return Block(
        state=BlockState(row.state),
        registry=row.account.registry.code,
        account=row.account.number,
        client="" if row.organisation is None else row.organisation.name,
        programme=row.programme,
        unit_type=UnitType(row.unit_type),
        host_party=row.host_party,
        project_id=row.project_code,
        vintage=row.vintage,
        serial_start=row.serial_start,
        serial_end=row.serial_end,
        beneficiary=row.beneficiary,
        date=row.date,
        block_id=row.pk,
        parent_id=row.parent_id,
        txn_id=row.made_by.txn_id,
        purpose=row.purpose,
        for_period=row.for_period,
        price=row.price,
        currency=row.currency,
        seller=row.seller,
        buyer=row.buyer,
        reference=row.reference,
        kyoto=kyoto,
    )


def _require_staff(by: User | None, consultancy: Consultancy) -> None:
    if by is None:
        return
    if not ConsultancyMembership.objects.filter(user=by, consultancy=consultancy).exists():
        raise NotAllowedError(f"only the staff of {consultancy} keep its credits ledger")


def _text(field: str, value: object, *, required: bool = False, limit: int = 200) -> str:
    text = value.strip() if isinstance(value, str) else ("" if value is None else str(value))
    if required and not text:
        raise invalid(SUBJECT, field, value, f"{field} is required")
    if len(text) > limit:
        raise invalid(SUBJECT, field, text, f"at most {limit} characters")
    return text


def _retrying(work: Callable[[], _T]) -> _T:
    """Run a write again when the database refused it for a concurrent writer.

    PostgreSQL may break a lock cycle between two writers (deadlock) and an
    SQLite database shared in memory answers "locked" instead of waiting:
    neither is the user's mistake, so the whole transaction runs again, and
    re-reads what the other writer committed.
    """
    for attempt in range(40):
        try:
            return work()
        except OperationalError as error:
            text = str(error).lower()
            if ("deadlock" not in text and "locked" not in text) or attempt == 39:
                raise
            time.sleep(0.005 * (attempt + 1))
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Units:
    """Which units an operation acts on, as a page or the API gives them.

    Explicit serials (with the project, or unit type and host party, that fix
    their serial space), or a quantity chosen by `policy` among the units of
    `organisation` (None: the stock) that match the optional filters.
    """

    organisation: Organisation | None = None
    account: RegistryAccount | None = None
    project: CreditProject | None = None
    unit_type: str = ""
    vintage: str = ""
    serial_start: int | None = None
    serial_end: int | None = None
    quantity: int | None = None
    policy: str = Policy.FIFO.value

    def spec(self) -> UnitsSpec:
        for field in ("serial_start", "serial_end", "quantity"):
            value = getattr(self, field)
            if value is not None and not 0 <= int(value) < 2**62:
                raise invalid(SUBJECT, field, value, "out of range for a serial number or quantity")
        if (self.serial_start is None) != (self.serial_end is None):
            missing = "serial_start" if self.serial_start is None else "serial_end"
            raise invalid(
                SUBJECT, missing, None, "give both serial_start and serial_end, or neither"
            )
        try:
            policy = Policy.parse(self.policy)
        except ValueError:
            raise invalid(
                SUBJECT, "policy", self.policy, "write fifo, one_project or cheapest"
            ) from None
        unit_type = None
        if self.unit_type:
            try:
                unit_type = UnitType.parse(self.unit_type)
            except ValueError:
                raise invalid(SUBJECT, "unit_type", self.unit_type, "unknown unit type") from None
        serials = None
        if self.serial_start is not None and self.serial_end is not None:
            try:
                serials = SerialRange(int(self.serial_start), int(self.serial_end))
            except CreditError as error:
                raise invalid(SUBJECT, "serial_end", self.serial_end, error.message) from None
            if self.project is None and unit_type is None:
                raise invalid(
                    SUBJECT,
                    "project",
                    None,
                    "serials need their project (or unit type and host party)",
                )
        project = self.project
        return UnitsSpec(
            client="" if self.organisation is None else self.organisation.name,
            registry=self.account.registry.code if self.account else "",
            account=self.account.number if self.account else "",
            programme=project.programme if project else "",
            unit_type=unit_type,
            host_party=project.host_party if project else "",
            project_id=project.project_id if project else "",
            vintage=self.vintage,
            serials=serials,
            quantity=self.quantity,
            policy=policy,
        )


def _refused(error: CreditError) -> InvalidInputError:
    field = {
        "client": "organisation",
        "registry": "account",
        "to_registry": "to_account",
        "programme": "project",
    }.get(error.column or "", error.column or "units")
    return InvalidInputError(
        [Problem(SUBJECT, None, field, error.value, error.message)],
        message=f"{field}: {error.message}",
    )


# ---------------------------------------------------------------- reference data


def project_create(
    *,
    consultancy: Consultancy,
    programme: str,
    project_id: str,
    title: str,
    host_party: str,
    project_type: str = "",
    methodology: str = "",
    reduction_or_removal: str = "reduction",
    authorisation: str = "not_applicable",
    corresponding_adjustment: str = "not_applicable",
    by: User | None,
) -> CreditProject:
    """Register a credit project (staff only)."""
    _require_staff(by, consultancy)
    programme = _text("programme", programme, required=True, limit=16).upper()
    project_id = _text("project_id", project_id, required=True, limit=64)
    title = _text("title", title, required=True, limit=300)
    host = _text("host_party", host_party, required=True, limit=2).upper()
    if not is_country(host):
        raise invalid(SUBJECT, "host_party", host_party, "not an ISO 3166 alpha-2 country code")
    for field, value, choices in (
        ("reduction_or_removal", reduction_or_removal, ReductionOrRemoval),
        ("authorisation", authorisation, Authorisation),
        ("corresponding_adjustment", corresponding_adjustment, Adjustment),
    ):
        if value not in choices.values:
            raise invalid(SUBJECT, field, value, f"write one of {', '.join(choices.values)}")
    if CreditProject.objects.filter(
        consultancy=consultancy, programme=programme, project_id=project_id
    ).exists():
        raise invalid(
            SUBJECT,
            "project_id",
            project_id,
            f"{programme} project {project_id} is registered already",
        )
    with transaction.atomic():
        project = CreditProject.objects.create(
            consultancy=consultancy,
            programme=programme,
            project_id=project_id,
            title=title,
            host_party=host,
            project_type=_text("project_type", project_type, limit=100),
            methodology=_text("methodology", methodology, limit=100),
            reduction_or_removal=reduction_or_removal,
            authorisation=authorisation,
            corresponding_adjustment=corresponding_adjustment,
        )
        audit_record(by=by, action="credits.project.create", obj=project, consultancy=consultancy,
               detail={"programme": programme, "project_id": project_id})  # fmt: skip
    return project


_REGISTRY_NAMES = {
    "CDM": "UN CDM registry",
    "A6.4": "Article 6.4 mechanism registry",
    "GS": "Gold Standard registry",
    "VERRA": "Verra registry",
}


def registry_create(
    *, consultancy: Consultancy, code: str, name: str = "", by: User | None
) -> Registry:
    """Add a registry by its code: CDM, A6.4, GS, VERRA, or a national registry's ISO code."""
    _require_staff(by, consultancy)
    code = _text("code", code, required=True, limit=16).upper()
    kind = registry_kind(code).value
    if kind == "national" and not is_country(code):
        raise invalid(
            SUBJECT, "code", code, "a national registry is named by its party's ISO 3166 code"
        )
    if Registry.objects.filter(consultancy=consultancy, code=code).exists():
        raise invalid(SUBJECT, "code", code, f"registry {code} exists already")
    with transaction.atomic():
        registry = Registry.objects.create(
            consultancy=consultancy,
            code=code,
            kind=kind,
            name=_text("name", name)
            or _REGISTRY_NAMES.get(
                code, f"National registry {code}" if kind == "national" else code
            ),
        )
        audit_record(
            by=by,
            action="credits.registry.create",
            obj=registry,
            consultancy=consultancy,
            detail={"code": code},
        )
    return registry


def account_create(
    *,
    registry: Registry,
    number: str,
    label: str = "",
    kind: str = "holding",
    organisation: Organisation | None = None,
    by: User | None,
) -> RegistryAccount:
    """Open an account in a registry: holding, a client's sub-account, or cancellation."""
    _require_staff(by, registry.consultancy)
    number = _text("number", number, required=True, limit=64)
    if kind not in AccountKind.values:
        raise invalid(SUBJECT, "kind", kind, f"write one of {', '.join(AccountKind.values)}")
    if (kind == "client") != (organisation is not None):
        raise invalid(
            SUBJECT,
            "organisation",
            organisation,
            "a client sub-account, and only one, names its client",
        )
    if organisation is not None and organisation.consultancy_id != registry.consultancy_id:
        raise invalid(SUBJECT, "organisation", organisation.pk, "not a client of this consultancy")
    if RegistryAccount.objects.filter(registry=registry, number=number).exists():
        raise invalid(
            SUBJECT, "number", number, f"account {number} exists in {registry.code} already"
        )
    with transaction.atomic():
        account = RegistryAccount.objects.create(
            registry=registry,
            number=number,
            label=_text("label", label),
            kind=kind,
            organisation=organisation,
        )
        audit_record(by=by, action="credits.account.create", obj=account, consultancy=registry.consultancy,
               organisation=organisation, detail={"registry": registry.code, "number": number})  # fmt: skip
    return account


# ---------------------------------------------------------------- operations


def _blocks(consultancy: Consultancy) -> QuerySet[CreditBlock]:
    return CreditBlock.objects.filter(
        consultancy=consultancy, closed_by__isnull=True
    ).select_related("account__registry", "made_by")


def _locked(rows: QuerySet[CreditBlock]) -> list[CreditBlock]:
    """The rows, locked, re-read until no writer changed them while we waited.

    A row another transaction closed while we waited for its lock drops out of
    the second read, and the children it made (committed by then) come in and
    get locked too: the core then judges the ledger as it is now.
    """
    seen: set[int] | None = None
    for _ in range(20):
        found = list(rows.select_for_update(of=("self",)).order_by("pk"))
        ids = {row.pk for row in found}
        if ids == seen:
            return found
        seen = ids
    return found


def _candidates(consultancy: Consultancy, spec: UnitsSpec) -> QuerySet[CreditBlock]:
    """The current blocks an operation may touch or must know about."""
    rows = _blocks(consultancy)
    if spec.serials is not None:
        key = space_key(
            spec.programme,
            spec.unit_type.value if spec.unit_type else "",
            spec.host_party,
            spec.project_id,
        )
        return rows.filter(
            space_key=key, serial_start__lte=spec.serials.end, serial_end__gte=spec.serials.start
        )
    rows = rows.filter(state=BlockState.HELD.value)
    rows = (
        rows.filter(organisation__name=spec.client)
        if spec.client
        else rows.filter(organisation__isnull=True)
    )
    if spec.project_id:
        rows = rows.filter(programme=spec.programme, project_code=spec.project_id)
    return rows


@dataclass
class _Persisted:
    rows: dict[int, CreditBlock]  # core block id -> row
    accounts: dict[tuple[str, str], RegistryAccount]
    projects: dict[tuple[str, str], CreditProject]
    organisations: dict[str, Organisation | None]


def _persist(
    consultancy: Consultancy, event: Event, txn: CreditTransaction, known: _Persisted
) -> list[CreditBlock]:
    closed_ids = [known.rows[b.block_id].pk for b in event.closed]
    if closed_ids:
        # Closing is the one change a block row ever gets: its units and attributes stay.
        CreditBlock.objects.filter(pk__in=closed_ids, closed_by__isnull=True).update(closed_by=txn)
    made = []
    for block in event.created:
        parent = None if block.parent_id is None else known.rows[block.parent_id]
        project = parent.project if parent else known.projects[(block.programme, block.project_id)]
        kyoto = block.kyoto
        row = CreditBlock.objects.create(
            consultancy=consultancy,
            organisation=known.organisations[block.client],
            project=project,
            account=known.accounts[(block.registry, block.account)],
            state=block.state.value,
            programme=block.programme,
            unit_type=block.unit_type.value,
            host_party=block.host_party,
            project_code=block.project_id,
            vintage=block.vintage,
            space_key=space_key(
                block.programme, block.unit_type.value, block.host_party, block.project_id
            ),
            serial_start=block.serial_start,
            serial_end=block.serial_end,
            quantity=block.quantity,
            date=block.date,
            beneficiary=block.beneficiary,
            purpose=block.purpose,
            for_period=block.for_period,
            price=block.price,
            currency=block.currency,
            seller=block.seller,
            buyer=block.buyer,
            reference=block.reference,
            original_cp=kyoto.original_cp if kyoto else None,
            applicable_cp=kyoto.applicable_cp if kyoto else None,
            lulucf_activity=kyoto.lulucf_activity if kyoto else None,
            parent=parent,
            made_by=txn,
        )
        known.rows[block.block_id] = row
        made.append(row)
    return made


def _row_of(event: Event, op: Operation) -> dict[str, str]:
    """The ledger-file row of an operation, as text (for export)."""
    units = getattr(op, "units", None)
    serials = op.serials if isinstance(op, Purchase) else (units.serials if units else None)
    row: dict[str, str] = {
        "txn_id": event.txn_id,
        "date": event.date.isoformat(),
        "action": event.action.value,
    }
    if isinstance(op, Purchase):
        row.update(programme=op.programme, unit_type=op.unit_type.value, host_party=op.host_party,
                   project_id=op.project_id, vintage=op.vintage, registry=op.registry, account=op.account,
                   client=op.client, counterparty=op.seller,
                   price="" if op.price is None else str(op.price), currency=op.currency, reference=op.reference)  # fmt: skip
        if op.kyoto:
            row.update(original_cp=str(op.kyoto.original_cp), applicable_cp=str(op.kyoto.applicable_cp),
                       lulucf_activity=str(op.kyoto.lulucf_activity))  # fmt: skip
    elif units is not None:
        row.update(programme=units.programme, unit_type=units.unit_type.value if units.unit_type else "",
                   host_party=units.host_party, project_id=units.project_id, vintage=units.vintage,
                   registry=units.registry, account=units.account, client=units.client,
                   quantity="" if units.quantity is None else str(units.quantity),
                   policy="" if serials else units.policy.value)  # fmt: skip
    if serials is not None:
        row.update(serial_start=str(serials.start), serial_end=str(serials.end))
    if isinstance(op, Transfer):
        row.update(
            to_registry=op.to_registry,
            to_account=op.to_account,
            to_client=op.to_client,
        )
    elif isinstance(op, Cancel):
        row.update(
            beneficiary=op.beneficiary,
            purpose=op.purpose,
            for_period=op.for_period,
            reference=op.reference,
        )
    elif isinstance(op, Sale):
        row.update(counterparty=op.buyer, price="" if op.price is None else str(op.price),
                   currency=op.currency, reference=op.reference)  # fmt: skip
    return {k: v for k, v in row.items() if v}


def _next_txn_id(consultancy: Consultancy, action: Action) -> str:
    count = CreditTransaction.objects.filter(consultancy=consultancy).count() + 1
    while True:
        candidate = f"{action.value[:1].upper()}{count:06d}"
        if not CreditTransaction.objects.filter(consultancy=consultancy, txn_id=candidate).exists():
            return candidate
        count += 1


def _organisations(consultancy: Consultancy) -> dict[str, Organisation | None]:
    found: dict[str, Organisation | None] = {"": None}
    for organisation in Organisation.objects.filter(consultancy=consultancy):
        found[organisation.name] = organisation
    return found


def _check_client(consultancy: Consultancy, organisation: Organisation | None, field: str) -> None:
    if organisation is not None and organisation.consultancy_id != consultancy.pk:
        raise invalid(SUBJECT, field, organisation.pk, "not a client of this consultancy")


FollowUp = Callable[[str, Event], list[Operation]]
_PENDING = "(new)"  # the core's name for a transaction whose id is not given out yet


def _apply(
    *,
    consultancy: Consultancy,
    by: User | None,
    make: Callable[[str], Operation],
    action: Action,
    spec: UnitsSpec | None,
    accounts: Iterable[RegistryAccount] = (),
    project: CreditProject | None = None,
    extra: dict[str, Any] | None = None,
    txn_id: str = "",
    then: tuple[Action, FollowUp, dict[str, Any]] | None = None,
) -> CreditTransaction:
    """Lock, judge with the core, persist: one operation, and optionally a follow-up
    (e.g. cancel what was just allocated) in the same database transaction."""
    _require_staff(by, consultancy)

    def work() -> CreditTransaction:
        with transaction.atomic():
            # The race: two cancellations (or allocations, transfers, sales) of
            # overlapping serials, or two policy choices from one client's units,
            # read the same held block; without a lock both would split it and
            # the units would be cancelled twice. select_for_update makes the
            # second writer wait for the first's commit, then re-read: the block
            # is closed, its children are what the core judges, and the loser is
            # refused with the core's reason. (SQLite serialises whole write
            # transactions instead: transaction_mode IMMEDIATE.)
            # The transaction's id is given out under the journal's lock (in _record):
            # two writers counting transactions at once would pick the same one.
            operation = make(txn_id or _PENDING)
            if isinstance(operation, Purchase):
                key = space_key(
                    operation.programme,
                    operation.unit_type.value,
                    operation.host_party,
                    operation.project_id,
                )
                rows = _locked(_blocks(consultancy).filter(
                    space_key=key, serial_start__lte=operation.serials.end, serial_end__gte=operation.serials.start
                ))  # fmt: skip
            else:
                assert spec is not None
                rows = _locked(_candidates(consultancy, spec))
            ledger = Ledger.from_blocks(core_block(row) for row in rows)
            try:
                event = ledger.apply(operation)
            except CreditError as error:
                raise _refused(error) from None
            known = _Persisted(
                rows={row.pk: row for row in rows},
                accounts={
                    (a.registry.code, a.number): a for a in [*accounts, *(r.account for r in rows)]
                },
                projects={}
                if project is None
                else {(project.programme, project.project_id): project},
                organisations=_organisations(consultancy),
            )
            txn = _record(consultancy, by, action, operation, [event], known, extra or {}, txn_id)
            if then is None:
                return txn
            follow_action, follow, follow_extra = then
            follow_ops = follow(_PENDING, event)
            try:
                events = [ledger.apply(op) for op in follow_ops]
            except CreditError as error:
                raise _refused(error) from None
            return _record(
                consultancy, by, follow_action, follow_ops[0], events, known, follow_extra, ""
            )

    return _retrying(work)


def _record(
    consultancy: Consultancy,
    by: User | None,
    action: Action,
    operation: Operation,
    events: list[Event],
    known: _Persisted,
    extra: dict[str, Any],
    txn_id: str,
) -> CreditTransaction:
    """Persist what the core did as one transaction row, its blocks, a journal and an audit entry."""
    row = _row_of(events[0], operation)
    moved = sum(b.quantity for event in events for b in event.moved)
    client = operation.client if isinstance(operation, Purchase) else operation.units.client
    first = events[0]
    try:
        with transaction.atomic():  # a savepoint: a refusal by a constraint stays readable
            txn = CreditTransaction.objects.create(
                consultancy=consultancy,
                # A given id is kept (its uniqueness is the constraint's to guard); a
                # new one is given out under the journal's lock below.
                txn_id=txn_id or f"{_PENDING} {uuid.uuid4().hex}",
                action=action.value,
                date=first.date,
                organisation=known.organisations.get(client or ""),
                policy="" if first.policy is None else first.policy.value,
                quantity=moved,
                row=row,
                created_by=by,
                **extra,
            )
    except IntegrityError:
        raise invalid(SUBJECT, "txn_id", txn_id, "a transaction with this id exists") from None
    closed = [known.rows[b.block_id].pk for event in events for b in event.closed]
    try:
        with transaction.atomic():  # a savepoint: the constraint's refusal stays readable
            made = [row for event in events for row in _persist(consultancy, event, txn, known)]
    except IntegrityError:
        # Only a writer that went around the services gets here (PostgreSQL's
        # exclusion constraint): refuse like the core would.
        raise invalid(
            SUBJECT, "serial_start", None, "these serials overlap units already in the ledger"
        ) from None
    # The race: two writers counting transactions, or reading the journal's last
    # entry, at once would give out one id twice or fork the chain. The journal's
    # lock (the consultancy's row) is taken as late as possible, so that writers
    # of other blocks wait for each other only here, until they commit.
    Consultancy.objects.select_for_update().filter(pk=consultancy.pk).first()
    ident = txn_id or _next_txn_id(consultancy, action)
    if ident != txn.txn_id:
        row["txn_id"] = ident
        CreditTransaction.objects.filter(pk=txn.pk).update(txn_id=ident, row=row)
        txn.txn_id, txn.row = ident, row
    payload = {
        "txn_id": ident,
        "action": action.value,
        "date": first.date.isoformat(),
        "closed": closed,
        "made": [
            {
                "block": row.pk,
                "state": row.state,
                "space": row.space_key,
                "serials": [row.serial_start, row.serial_end],
                "organisation": row.organisation_id,
                "account": row.account_id,
            }
            for row in made
        ],
    }
    journal_append(
        consultancy=consultancy,
        action=f"credits.{action.value}",
        payload=payload,
        by=by,
        transaction=txn,
    )
    audit_record(
        by=by,
        action=f"credits.{action.value}",
        obj=txn,
        consultancy=consultancy,
        organisation=txn.organisation or txn.to_organisation,
        detail={"txn_id": ident, "units": moved},
    )
    return txn


def _date(value: object, field: str = "date") -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise invalid(SUBJECT, field, value, "not an ISO date (YYYY-MM-DD)") from None


def _price(value: object) -> Decimal | None:
    """The exact price per unit of a purchase or sale; None when not given.

    Text is read by the one rule for outside numbers (`Decimal()` took "١٠" and
    "1_0"), a float by its shortest text (0.1 is 0.1); the bounds are core.money's.
    """
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        price: Decimal | None = value
    elif isinstance(value, str):
        price = exact_decimal(value.strip())
    elif isinstance(value, int) and not isinstance(value, bool):
        price = Decimal(value)
    elif isinstance(value, float):
        price = Decimal(repr(value))
    else:
        price = None
    if price is None:
        raise invalid(
            SUBJECT, "price", value,
            "not a price per unit: digits 0-9 with '.' as decimal point (e.g. 1.25), "
            "without currency sign or separators",
        )  # fmt: skip
    problem = unit_price_problem(price)
    if problem:
        raise invalid(SUBJECT, "price", value, problem)
    return plain_unit_price(price)


def _currency(value: str) -> str:
    currency = _text("currency", value, limit=3).upper()
    if currency and not (len(currency) == 3 and currency.isalpha()):
        raise invalid(SUBJECT, "currency", value, "an ISO 4217 code, e.g. EUR")
    return currency


def _unique_txn(consultancy: Consultancy, txn_id: str) -> str:
    txn_id = _text("txn_id", txn_id, limit=64)
    if txn_id and CreditTransaction.objects.filter(consultancy=consultancy, txn_id=txn_id).exists():
        raise invalid(SUBJECT, "txn_id", txn_id, "a transaction with this id exists")
    return txn_id


def credits_purchase(
    *,
    consultancy: Consultancy,
    account: RegistryAccount,
    project: CreditProject,
    unit_type: str,
    vintage: str,
    serial_start: int,
    serial_end: int,
    date: dt.date | str,
    quantity: int | None = None,
    organisation: Organisation | None = None,
    seller: str = "",
    price: object = None,
    currency: str = "",
    reference: str = "",
    original_cp: int | None = None,
    applicable_cp: int | None = None,
    txn_id: str = "",
    by: User | None,
) -> CreditTransaction:
    """Record a purchase of a serial block into the stock, or on behalf of a client."""
    if (
        account.registry.consultancy_id != consultancy.pk
        or project.consultancy_id != consultancy.pk
    ):
        raise invalid(SUBJECT, "account", account.pk, "not an account of this consultancy")
    _check_client(consultancy, organisation, "organisation")
    on = _date(date)
    try:
        kind = UnitType.parse(unit_type)
    except ValueError:
        raise invalid(SUBJECT, "unit_type", unit_type, "unknown unit type") from None
    vintage = _text("vintage", vintage, required=True, limit=21)
    try:
        from neutra.core.credits import parse_period

        parse_period(vintage)
    except ValueError as error:
        raise invalid(SUBJECT, "vintage", vintage, str(error)) from None
    try:
        serials = SerialRange(int(serial_start), int(serial_end))
    except (CreditError, TypeError, ValueError) as error:
        reason = error.message if isinstance(error, CreditError) else "whole numbers"
        raise invalid(SUBJECT, "serial_end", serial_end, reason) from None
    if quantity is not None and quantity != serials.quantity:
        raise invalid(
            SUBJECT,
            "quantity",
            quantity,
            f"quantity {quantity} disagrees with serials {serials} ({serials.quantity} units)",
        )
    kyoto = None
    if original_cp is not None and applicable_cp is not None:
        kyoto = KyotoParts(int(original_cp), int(applicable_cp), 0)
    client = "" if organisation is None else organisation.name
    cost, money = _price(price), _currency(currency)
    seller, reference = _text("seller", seller), _text("reference", reference)

    def make(ident: str) -> Operation:
        return Purchase(ident, on, account.registry.code, account.number, client, project.programme, kind,
                        project.host_party, project.project_id, vintage, serials, cost, money, seller, reference, kyoto)  # fmt: skip

    return _apply(
        consultancy=consultancy, by=by, make=make, action=Action.PURCHASE, spec=None, accounts=[account],
        project=project, txn_id=_unique_txn(consultancy, txn_id),
        extra={"counterparty": seller, "price": cost, "currency": money, "reference": reference},
    )  # fmt: skip


def credits_transfer(
    *,
    consultancy: Consultancy,
    units: Units,
    date: dt.date | str,
    to_account: RegistryAccount | None = None,
    to_organisation: Organisation | None = None,
    by: User | None,
    txn_id: str = "",
) -> CreditTransaction:
    """Move units to another account or registry, and/or allocate stock to a client."""
    _check_client(consultancy, units.organisation, "organisation")
    _check_client(consultancy, to_organisation, "to_organisation")
    if to_account is not None and to_account.registry.consultancy_id != consultancy.pk:
        raise invalid(SUBJECT, "to_account", to_account.pk, "not an account of this consultancy")
    spec, on = units.spec(), _date(date)
    to_client = "" if to_organisation is None else to_organisation.name

    def make(ident: str) -> Operation:
        return Transfer(ident, on, spec, to_account.registry.code if to_account else "",
                        to_account.number if to_account else "", to_client)  # fmt: skip

    return _apply(
        consultancy=consultancy, by=by, make=make, action=Action.TRANSFER, spec=spec,
        accounts=[to_account] if to_account else [], txn_id=_unique_txn(consultancy, txn_id),
        extra={"to_organisation": to_organisation},
    )  # fmt: skip


def credits_sell(
    *,
    consultancy: Consultancy,
    units: Units,
    date: dt.date | str,
    buyer: str = "",
    price: object = None,
    currency: str = "",
    reference: str = "",
    by: User | None,
    txn_id: str = "",
) -> CreditTransaction:
    """Record units leaving to a buyer: final for this ledger."""
    _check_client(consultancy, units.organisation, "organisation")
    spec, on = units.spec(), _date(date)
    cost, money, buyer, reference = (
        _price(price),
        _currency(currency),
        _text("buyer", buyer),
        _text("reference", reference),
    )

    def make(ident: str) -> Operation:
        return Sale(ident, on, spec, buyer, cost, money, reference)

    return _apply(
        consultancy=consultancy, by=by, make=make, action=Action.SALE, spec=spec, txn_id=_unique_txn(consultancy, txn_id),
        extra={"counterparty": buyer, "price": cost, "currency": money, "reference": reference},
    )  # fmt: skip


def credits_cancel(
    *,
    consultancy: Consultancy,
    units: Units,
    date: dt.date | str,
    beneficiary: str,
    purpose: str = "",
    for_period: str = "",
    reference: str = "",
    attestation: tuple[str, bytes] | None = None,
    for_organisation: Organisation | None = None,
    by: User | None,
    txn_id: str = "",
) -> CreditTransaction:
    """Cancel units for a client (voluntary cancellation): final. The attestation is a file or a reference.

    The units are the client's (`units.organisation`), or, with
    `for_organisation`, units of the stock that are allocated to that client
    and cancelled for it in one database transaction (two ledger transactions).
    """
    _check_client(consultancy, units.organisation, "organisation")
    spec, on = units.spec(), _date(date)
    beneficiary = _text("beneficiary", beneficiary, required=True)
    purpose, reference = _text("purpose", purpose, limit=300), _text("reference", reference)
    for_period = _text("for_period", for_period, limit=21)
    extra: dict[str, Any] = {
        "beneficiary": beneficiary,
        "purpose": purpose,
        "for_period": for_period,
        "reference": reference,
    }
    if attestation is not None:
        name, content = attestation
        if len(content) > MAX_ATTESTATION_BYTES:
            raise invalid(SUBJECT, "attestation", name, "the attestation is larger than 10 MB")
        extra.update(
            attestation_name=_text("attestation", name)[:200] or "attestation",
            attestation_sha256=hashlib.sha256(content).hexdigest(),
            attestation=content,
        )

    attested = reference or extra.get("attestation_name", "")

    def make(ident: str) -> Operation:
        return Cancel(ident, on, spec, beneficiary, purpose, for_period, attested)

    if for_organisation is not None:
        _check_client(consultancy, for_organisation, "for_organisation")
        if units.organisation is not None:
            raise invalid(
                SUBJECT,
                "for_organisation",
                for_organisation.pk,
                "only units of the stock are allocated and cancelled for a client",
            )
        client = for_organisation.name

        def allocate(ident: str) -> Operation:
            return Transfer(ident, on, spec, to_client=client)

        def cancel_moved(ident: str, allocated: Event) -> list[Operation]:
            return [
                Cancel(ident, on, UnitsSpec(client=client, programme=b.programme, unit_type=b.unit_type,
                       host_party=b.host_party, project_id=b.project_id, serials=b.serials),
                       beneficiary, purpose, for_period, attested)
                for b in allocated.moved
            ]  # fmt: skip

        return _apply(
            consultancy=consultancy, by=by, make=allocate, action=Action.TRANSFER, spec=spec,
            extra={"to_organisation": for_organisation}, then=(Action.CANCEL, cancel_moved, extra),
        )  # fmt: skip

    return _apply(consultancy=consultancy, by=by, make=make, action=Action.CANCEL, spec=spec,
                  txn_id=_unique_txn(consultancy, txn_id), extra=extra)  # fmt: skip


# ---------------------------------------------------------------- import


def ledger_import(
    *, consultancy: Consultancy, rows: list[LedgerRow], source: str, by: User | None
) -> list[CreditTransaction]:
    """Apply a ledger file to the web ledger: every row or none (InvalidInputError with every problem).

    Clients are named as the consultancy's organisations; registries,
    accounts and projects the file names are added as they are first used.
    """
    _require_staff(by, consultancy)
    by_name = {o.name: o for o in Organisation.objects.filter(consultancy=consultancy)}
    problems: list[Problem] = []
    mapped = list(rows)
    for row in rows:
        for column in ("client", "to_client"):
            name = getattr(row, column)
            if name and name not in by_name:
                problems.append(
                    Problem(
                        source, row.row, column, name, f"no client of this name at {consultancy}"
                    )
                )
        if (
            row.registry
            and registry_kind(row.registry).value == "national"
            and not is_country(row.registry)
        ):
            problems.append(
                Problem(source, row.row, "registry", row.registry, "not a registry code")
            )
        # The file's reader takes a price of any length; the ledger keeps one within
        # core.money's bounds. A 24-digit price was written, and every read of its row
        # after was a decimal.InvalidOperation (the column holds 14 digits).
        problem = "" if row.price is None else unit_price_problem(row.price)
        if problem:
            problems.append(Problem(source, row.row, "price", str(row.price), problem))
        if CreditTransaction.objects.filter(consultancy=consultancy, txn_id=row.txn_id).exists():
            problems.append(
                Problem(
                    source,
                    row.row,
                    "txn_id",
                    row.txn_id,
                    "a transaction with this id is in the ledger already",
                )
            )
    if problems:
        raise InvalidInputError(problems)

    def work() -> list[CreditTransaction]:
        with transaction.atomic():
            # The race: an import judged against blocks another writer changes
            # meanwhile. It locks every current block of the consultancy, so it
            # runs alone (imports are rare; a consultancy's ledger is small).
            current = _locked(_blocks(consultancy))
            ledger = Ledger.from_blocks(core_block(r) for r in current)
            replay_ledger(mapped, source=source, into=ledger)  # raises with every problem
            known = _Persisted(
                rows={r.pk: r for r in current},
                accounts={(a.registry.code, a.number): a for a in RegistryAccount.objects.filter(registry__consultancy=consultancy).select_related("registry")},
                projects={(p.programme, p.project_id): p for p in CreditProject.objects.filter(consultancy=consultancy)},
                organisations=_organisations(consultancy),
            )  # fmt: skip
            made: list[CreditTransaction] = []
            for row, event in zip(mapped, ledger.events, strict=True):
                _ensure_places(consultancy, event, known, by)
                op_fields = _import_fields(row, known)
                txn = CreditTransaction.objects.create(
                    consultancy=consultancy, txn_id=row.txn_id, action=row.action.value, date=row.date,
                    policy="" if event.policy is None else event.policy.value,
                    quantity=sum(b.quantity for b in event.moved), row=row_cells(row), created_by=by, **op_fields,
                )  # fmt: skip
                blocks = _persist(consultancy, event, txn, known)
                journal_append(
                    consultancy=consultancy, action=f"credits.{row.action.value}", by=by, transaction=txn,
                    payload={"txn_id": row.txn_id, "action": row.action.value, "date": row.date.isoformat(),
                             "import": source[-200:], "made": [b.pk for b in blocks]},
                )  # fmt: skip
                made.append(txn)
            audit_record(by=by, action="credits.import", obj=consultancy, consultancy=consultancy,
                   detail={"file": source[-200:], "transactions": len(made)})  # fmt: skip
            return made

    return _retrying(work)


def _ensure_places(
    consultancy: Consultancy, event: Event, known: _Persisted, by: User | None
) -> None:
    """Registries, accounts and projects an imported row names, added on first use."""
    for block in event.created:
        key = (block.registry, block.account)
        if key not in known.accounts:
            registry = Registry.objects.filter(consultancy=consultancy, code=block.registry).first()
            if registry is None:
                registry = registry_create(consultancy=consultancy, code=block.registry, by=by)
            known.accounts[key] = RegistryAccount.objects.create(
                registry=registry, number=block.account, label="imported"
            )
        project_key = (block.programme, block.project_id)
        if block.parent_id is None and project_key not in known.projects:
            known.projects[project_key] = CreditProject.objects.create(
                consultancy=consultancy, programme=block.programme, project_id=block.project_id,
                title=f"{block.programme} {block.project_id}", host_party=block.host_party,
            )  # fmt: skip


def _import_fields(row: LedgerRow, known: _Persisted) -> dict[str, Any]:
    return {
        "organisation": known.organisations.get(row.client),
        "to_organisation": known.organisations.get(row.to_client),
        "counterparty": row.counterparty[:200],
        "price": row.price,
        "currency": row.currency,
        "reference": row.reference[:200],
        "beneficiary": row.beneficiary[:200],
        "purpose": row.purpose[:300],
        "for_period": row.for_period,
    }
