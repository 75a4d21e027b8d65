"""Reads for views and the API, scoped by the user's memberships.

This is the one place that decides which organisations a user may see:
every view, endpoint and later selector that shows client data starts from
`organisations_visible_to` or `organisation_for`. It must never write, and
never let a view filter by tenant on its own.

A user sees an organisation when they are on the staff of the consultancy
that serves it, or hold a membership of it that has not expired at `now`.
Django's superuser flag opens the admin back office, not client data.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import datetime
from typing import TypeVar

from django.contrib.auth.models import User
from django.db.models import Model, Q, QuerySet

from neutra.core.boundary import Boundary
from neutra.web.errors import NotFoundError
from neutra.web.tenancy.models import (
    AuditEntry,
    Consultancy,
    ConsultancyMembership,
    Entity,
    Invitation,
    InvitationState,
    Membership,
    Organisation,
    Role,
)

__all__ = [
    "account_with_password",
    "address_of",
    "audit_entries_for",
    "consultancies_staffed_by",
    "entity_tree",
    "invitation_by_link",
    "invitation_in",
    "invitations_pending",
    "invitations_waiting_for",
    "members_of",
    "membership_in",
    "memberships_ended",
    "organisation_boundary",
    "organisation_for",
    "organisations_visible_to",
    "roles_in",
    "tenant_row_for",
    "token_sha256",
]


_Row = TypeVar("_Row", bound=Model)


def _live(now: datetime) -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now)


def organisations_visible_to(user: User, *, now: datetime) -> QuerySet[Organisation]:
    """Every organisation `user` may see at `now`, by name."""
    if not (user.is_authenticated and user.is_active):
        return Organisation.objects.none()
    as_member = Membership.objects.filter(_live(now), user=user).values("organisation_id")
    as_staff = ConsultancyMembership.objects.filter(user=user).values("consultancy_id")
    return Organisation.objects.filter(
        Q(id__in=as_member) | Q(consultancy_id__in=as_staff)
    ).select_related("consultancy")


def organisation_for(user: User, organisation_id: object, *, now: datetime) -> Organisation:
    """The organisation `organisation_id` if `user` may see it at `now`.

    Raises `NotFoundError` (HTTP 404) when it does not exist and when the user
    may not see it, alike, so that nobody learns another tenant's ids.
    """
    try:
        key = int(str(organisation_id))
    except ValueError:
        key = None
    found = None if key is None else organisations_visible_to(user, now=now).filter(id=key).first()
    if found is None:
        raise NotFoundError("organisation not found", organisation_id=str(organisation_id))
    return found


def memberships_ended(user: User, *, now: datetime) -> list[Membership]:
    """The user's memberships whose access has ended at `now` (expired auditors), newest first."""
    if not (user.is_authenticated and user.is_active):
        return []
    return list(
        # The page says when, never whose: an ended access shows nothing of the client.
        Membership.objects.filter(user=user, expires_at__lte=now).order_by("-expires_at")
    )


def roles_in(user: User, organisation: Organisation, *, now: datetime) -> frozenset[Role]:
    """The roles `user` holds in `organisation` at `now` (staff roles included)."""
    if not (user.is_authenticated and user.is_active):
        return frozenset()
    roles = set(
        Membership.objects.filter(_live(now), user=user, organisation=organisation).values_list(
            "role", flat=True
        )
    )
    roles.update(
        ConsultancyMembership.objects.filter(
            user=user, consultancy_id=organisation.consultancy_id
        ).values_list("role", flat=True)
    )
    return frozenset(Role(role) for role in roles)


def organisation_boundary(*, organisation: Organisation) -> Boundary:
    """The organisation's entity tree as a core `Boundary` (which checks its invariants)."""
    entities = list(
        Entity.objects.filter(organisation=organisation).select_related("parent").order_by("id")
    )
    return Boundary(tuple(entity.as_link() for entity in entities))


def audit_entries_for(*, organisation: Organisation) -> QuerySet[AuditEntry]:
    """The organisation's audit log, newest first (pass an organisation from `organisation_for`)."""
    return AuditEntry.objects.filter(organisation=organisation).select_related("actor")


def consultancies_staffed_by(user: User) -> QuerySet[Consultancy]:
    """The consultancies `user` works for (where they may add client organisations)."""
    if not (user.is_authenticated and user.is_active):
        return Consultancy.objects.none()
    return Consultancy.objects.filter(staff__user=user).order_by("name").distinct()


def entity_tree(*, organisation: Organisation) -> list[tuple[Entity, int]]:
    """The organisation's entities depth-first from the roots, each with its depth (0 = root)."""
    entities = list(Entity.objects.filter(organisation=organisation).order_by("name", "id"))
    children: dict[int | None, list[Entity]] = {}
    for entity in entities:
        children.setdefault(entity.parent_id, []).append(entity)
    ordered: list[tuple[Entity, int]] = []
    stack = [(root, 0) for root in reversed(children.get(None, []))]
    while stack:
        entity, depth = stack.pop()
        ordered.append((entity, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(entity.pk, [])))
    return ordered


def members_of(*, organisation: Organisation) -> QuerySet[Membership]:
    """The organisation's memberships (expired auditors included, so they can be seen and removed)."""
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("role", "user__username")
    )


def membership_in(*, organisation: Organisation, membership_id: object) -> Membership:
    """One membership of an organisation already resolved for the user; 404 otherwise."""
    try:
        key = int(str(membership_id))
    except ValueError:
        key = None
    found = (
        None
        if key is None or not 0 < key < 2**63
        else members_of(organisation=organisation).filter(pk=key).first()
    )
    if found is None:
        raise NotFoundError("membership not found", membership_id=str(membership_id))
    return found


def tenant_row_for(
    user: User,
    rows: QuerySet[_Row],
    row_id: object,
    *,
    now: datetime,
    what: str,
    organisation_field: str = "organisation_id",
) -> _Row:
    """The row `row_id` of `rows` if `user` may see the organisation it belongs to at `now`.

    For every model that carries its client organisation. Raises
    `NotFoundError` (404) when the id is malformed, missing or another
    tenant's, alike, so nobody learns another tenant's ids. `what` names the
    thing in the message ("upload", "line").
    """
    try:
        key: int | None = int(str(row_id))
    except ValueError:
        key = None
    if key is not None and not 0 < key < 2**63:  # beyond any id, and beyond SQLite's integers
        key = None
    missing = NotFoundError(f"{what} not found", **{f"{what}_id": str(row_id)})
    organisation_id = (
        None
        if key is None
        else rows.filter(pk=key).values_list(organisation_field, flat=True).first()
    )
    if organisation_id is None:
        raise missing
    try:
        organisation = organisation_for(user, organisation_id, now=now)
    except NotFoundError:
        raise missing from None
    return rows.get(pk=key, **{organisation_field: organisation.pk})


def address_of(user: User) -> str:
    """The user's name as invitations name addresses (a name that is no address matches none)."""
    return unicodedata.normalize("NFKC", user.get_username()).strip().lower()


def token_sha256(secret: str) -> str:
    """What an invitation keeps of its link's secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _open_invitations(now: datetime) -> QuerySet[Invitation]:
    return Invitation.objects.filter(state=InvitationState.PENDING, valid_until__gt=now)


def invitations_waiting_for(user: User, *, now: datetime) -> QuerySet[Invitation]:
    """The invitations to the user's own address still open for an answer, newest first."""
    if not (user.is_authenticated and user.is_active):
        return Invitation.objects.none()
    return (
        _open_invitations(now)
        .filter(email=address_of(user))
        .select_related("organisation__consultancy", "invited_by")
    )


def invitations_pending(*, organisation: Organisation, now: datetime) -> QuerySet[Invitation]:
    """The organisation's invitations still waiting for an answer (pass a resolved organisation)."""
    return _open_invitations(now).filter(organisation=organisation).select_related("invited_by")


def invitation_in(*, organisation: Organisation, invitation_id: object) -> Invitation:
    """One invitation of an organisation already resolved for the user; 404 otherwise."""
    try:
        key = int(str(invitation_id))
    except ValueError:
        key = None
    found = (
        None
        if key is None or not 0 < key < 2**63
        else Invitation.objects.filter(organisation=organisation, pk=key)
        .select_related("organisation__consultancy")
        .first()
    )
    if found is None:
        raise NotFoundError("invitation not found", invitation_id=str(invitation_id))
    return found


def invitation_by_link(invitation_id: object, secret: str, *, now: datetime) -> Invitation:
    """The open invitation a mailed link names, when its secret is right; 404 otherwise.

    The secret is the credential: a wrong one, a used or withdrawn
    invitation and a missing one are the same 404.
    """
    try:
        key = int(str(invitation_id))
    except ValueError:
        key = None
    found = (
        None
        if key is None or not 0 < key < 2**63
        else _open_invitations(now).filter(pk=key).select_related("organisation").first()
    )
    if found is None or not hmac.compare_digest(found.token_sha256, token_sha256(secret)):
        raise NotFoundError("invitation not found", invitation_id=str(invitation_id))
    return found


def account_with_password(address: str) -> User | None:
    """The account of an address that can log in, or None: only for the holder of its link."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username__iexact=address).first()
    return user if user is not None and user.has_usable_password() else None
