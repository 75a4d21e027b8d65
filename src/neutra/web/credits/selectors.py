"""Reads of the credits ledger for pages and the API, scoped by tenancy.

A consultancy's staff see its stock and every client's units; a client's
people see only the units held or cancelled for their organisation. Every
read starts from `neutra.web.tenancy.selectors` (`organisation_for`,
`tenant_row_for`) or from the user's staff memberships here. It must never
write, and never answer differently for another tenant's row than for a
missing one (both are `NotFoundError`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from neutra.core.credits import Block, Ledger, Totals, UnitsSpec, ledger_totals, serial_label
from neutra.formats.numbers import whole_number
from neutra.web.credits.models import (
    CreditBlock,
    CreditProject,
    CreditTransaction,
    JournalEntry,
    RegistryAccount,
)
from neutra.web.credits.services import core_block
from neutra.web.errors import NotFoundError
from neutra.web.tenancy.models import Consultancy, ConsultancyMembership, Organisation
from neutra.web.tenancy.selectors import organisations_visible_to

__all__ = [
    "Holding",
    "accounts_of",
    "attestation_for",
    "block_for",
    "block_history",
    "blocks_of_consultancy",
    "blocks_of_organisation",
    "cancellations_of",
    "consultancy_for_staff",
    "find_serial",
    "holdings_by",
    "ledger_rows",
    "preview",
    "projects_of",
    "staff_consultancies",
]

_RELATED = ("account__registry", "made_by", "organisation", "project")


def staff_consultancies(user: User) -> QuerySet[Consultancy]:
    if not (user.is_authenticated and user.is_active):
        return Consultancy.objects.none()
    return Consultancy.objects.filter(staff__user=user).order_by("name").distinct()


def _key(value: object) -> int | None:
    """A row id as given (an int, or ASCII digits: `int()` read "١" as 1); None otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        key: int | None = value
    else:
        key = whole_number(str(value))
    return key if key is not None and 0 < key < 2**63 else None


def consultancy_for_staff(user: User, consultancy_id: object = None) -> Consultancy:
    """The consultancy whose ledger `user` keeps (the first they staff, or the one named)."""
    staffed = staff_consultancies(user)
    if consultancy_id not in (None, ""):
        key = _key(consultancy_id)
        found = None if key is None else staffed.filter(pk=key).first()
    else:
        found = staffed.first()
    if found is None:
        raise NotFoundError("credits ledger not found", consultancy_id=str(consultancy_id or ""))
    return found


def _current(rows: QuerySet[CreditBlock]) -> QuerySet[CreditBlock]:
    return (
        rows.filter(closed_by__isnull=True)
        .select_related(*_RELATED)
        .order_by("space_key", "serial_start", "id")
    )


def blocks_of_consultancy(*, consultancy: Consultancy) -> QuerySet[CreditBlock]:
    """Every current block of a consultancy (pass one from `consultancy_for_staff`)."""
    return _current(CreditBlock.objects.filter(consultancy=consultancy))


def blocks_of_organisation(*, organisation: Organisation) -> QuerySet[CreditBlock]:
    """The current blocks held or cancelled for one client (from `organisation_for`)."""
    return _current(CreditBlock.objects.filter(organisation=organisation))


def cancellations_of(*, organisation: Organisation) -> QuerySet[CreditTransaction]:
    return CreditTransaction.objects.filter(organisation=organisation, action="cancel").order_by(
        "-date", "-id"
    )


def _visible_blocks(user: User, *, now: datetime) -> QuerySet[CreditBlock]:
    staffed = ConsultancyMembership.objects.filter(user=user).values("consultancy_id")
    clients = organisations_visible_to(user, now=now).values("id")
    return CreditBlock.objects.filter(
        Q(consultancy_id__in=staffed) | Q(organisation_id__in=clients)
    )


def block_for(user: User, block_id: object, *, now: datetime) -> CreditBlock:
    """One block (current or history) the user may see; `NotFoundError` otherwise."""
    key = _key(block_id)
    if not (user.is_authenticated and user.is_active) or key is None:
        raise NotFoundError("block not found", block_id=str(block_id))
    found = _visible_blocks(user, now=now).filter(pk=key).select_related(*_RELATED).first()
    if found is None:
        raise NotFoundError("block not found", block_id=str(block_id))
    return found


@dataclass(frozen=True)
class History:
    lineage: list[CreditBlock]  # the block and its ancestors back to the purchase, newest first
    children: list[CreditBlock]  # what it was split into, if it was
    transactions: list[CreditTransaction]  # every transaction of the lineage, oldest first


def block_history(*, block: CreditBlock) -> History:
    chain = [block]
    while chain[-1].parent_id is not None:
        chain.append(CreditBlock.objects.select_related(*_RELATED).get(pk=chain[-1].parent_id))
    children = list(block.children.select_related(*_RELATED).order_by("serial_start"))
    txn_ids = {b.made_by_id for b in chain} | {b.closed_by_id for b in chain if b.closed_by_id}
    transactions = list(CreditTransaction.objects.filter(pk__in=txn_ids).order_by("date", "id"))
    return History(chain, children, transactions)


def attestation_for(user: User, transaction_id: object, *, now: datetime) -> CreditTransaction:
    """A cancellation the user may see (its client's people, or the consultancy's staff)."""
    key = _key(transaction_id)
    if not (user.is_authenticated and user.is_active) or key is None:
        raise NotFoundError("transaction not found", transaction_id=str(transaction_id))
    staffed = ConsultancyMembership.objects.filter(user=user).values("consultancy_id")
    clients = organisations_visible_to(user, now=now).values("id")
    found = (
        CreditTransaction.objects.filter(
            Q(consultancy_id__in=staffed) | Q(organisation_id__in=clients)
        )
        .filter(pk=key, action="cancel")
        .first()
    )
    if found is None:
        raise NotFoundError("transaction not found", transaction_id=str(transaction_id))
    return found


def find_serial(user: User, serial: int, *, now: datetime) -> list[CreditBlock]:
    """The current blocks the user may see that hold `serial` (any programme or space)."""
    if not (user.is_authenticated and user.is_active) or not 0 <= serial < 2**63:
        return []
    rows = _visible_blocks(user, now=now).filter(serial_start__lte=serial, serial_end__gte=serial)
    return list(_current(rows)[:50])


@dataclass(frozen=True)
class Holding:
    key: tuple[str, ...]
    held: int
    cancelled: int


def holdings_by(blocks: list[CreditBlock], *, by: str) -> list[Holding]:
    """Units held and cancelled grouped by `year` (of the date), `project`, `vintage` or `type`."""
    groups: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0])
    for block in blocks:
        key = {
            "year": (str(block.date.year),),
            "project": (block.programme, block.project_code),
            "vintage": (block.vintage,),
            "type": (block.unit_type,),
        }[by]
        if block.state == "held":
            groups[key][0] += block.quantity
        elif block.state == "cancelled":
            groups[key][1] += block.quantity
    return [Holding(k, h, c) for k, (h, c) in sorted(groups.items())]


def totals_of(blocks: list[CreditBlock]) -> Totals:
    return ledger_totals(core_block(b) for b in blocks)


def label_of(block: CreditBlock) -> str:
    """The block's serials in its programme's own format."""
    return serial_label(core_block(block))


def preview(*, consultancy: Consultancy, spec: UnitsSpec) -> list[tuple[CreditBlock, int, int]]:
    """The blocks and serials a policy (or explicit serials) would take; nothing changes."""
    rows = list(blocks_of_consultancy(consultancy=consultancy).filter(state="held"))
    by_id = {row.pk: row for row in rows}
    ledger = Ledger.from_blocks(core_block(row) for row in rows)
    return [
        (by_id[block.block_id], piece.start, piece.end) for block, piece in ledger.resolve(spec)
    ]


def projects_of(*, consultancy: Consultancy) -> QuerySet[CreditProject]:
    return CreditProject.objects.filter(consultancy=consultancy)


def accounts_of(*, consultancy: Consultancy) -> QuerySet[RegistryAccount]:
    return RegistryAccount.objects.filter(registry__consultancy=consultancy).select_related(
        "registry", "organisation"
    )


def ledger_rows(*, consultancy: Consultancy) -> list[dict[str, str]]:
    """Every transaction as a ledger-file row (cells by column), in order: the export."""
    return [t.row for t in CreditTransaction.objects.filter(consultancy=consultancy).order_by("id")]


def journal_length(*, consultancy: Consultancy) -> int:
    return JournalEntry.objects.filter(consultancy=consultancy).count()


def current_core_blocks(*, consultancy: Consultancy) -> list[Block]:
    return [core_block(b) for b in blocks_of_consultancy(consultancy=consultancy)]
