"""Writes of the tenancy app: the only code that creates or changes its rows.

Each service validates its whole input with clear errors (`InvalidInputError`
naming the field and value), checks that `by` may act (`NotAllowedError`),
writes in one transaction and records an `AuditEntry`. `by=None` is the
system itself (set-up commands such as `neutra demo`); views always pass the
logged-in user. Rules about boundaries live in `neutra.core.boundary`: the
entity service asks the core, it never re-checks trees by hand.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from neutra.core.boundary import Boundary, EntityLink
from neutra.core.boundary import Control as CoreControl
from neutra.core.errors import InvalidInputError
from neutra.core.regions import is_country
from neutra.web.errors import NotAllowedError, invalid
from neutra.web.tenancy.audit import audit_record
from neutra.web.tenancy.models import (
    STAFF_ROLES,
    Consultancy,
    ConsultancyMembership,
    Control,
    Entity,
    Membership,
    Organisation,
    Role,
)
from neutra.web.tenancy.selectors import roles_in

__all__ = [
    "consultancy_create",
    "consultancy_membership_grant",
    "entity_create",
    "membership_grant",
    "membership_invite",
    "membership_revoke",
    "organisation_create",
]

# Who may grant which organisation role. Staff grant any; a client admin runs
# their own organisation's people but cannot make anyone consultancy staff.
_CLIENT_ADMIN_GRANTS = frozenset({Role.CLIENT_ADMIN, Role.CONTRIBUTOR, Role.VIEWER, Role.AUDITOR})


def _name(subject: str, value: object) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        raise invalid(subject, "name", value, "a name is required")
    if len(name) > 200:
        raise invalid(subject, "name", name, "names are at most 200 characters")
    return name


def _is_staff(by: User, consultancy: Consultancy) -> bool:
    return ConsultancyMembership.objects.filter(user=by, consultancy=consultancy).exists()


def _require_staff(by: User | None, consultancy: Consultancy, *, admin: bool = False) -> None:
    if by is None:
        return
    staff = ConsultancyMembership.objects.filter(user=by, consultancy=consultancy)
    if admin:
        staff = staff.filter(role=Role.CONSULTANCY_ADMIN)
    if not staff.exists():
        needed = "a consultancy admin" if admin else "consultancy staff"
        raise NotAllowedError(f"only {needed} of {consultancy} may do this")


def consultancy_create(*, name: str, by: User | None) -> Consultancy:
    """A new consultancy. Only the system or a Django superuser creates one."""
    if by is not None and not getattr(by, "is_superuser", False):
        raise NotAllowedError("only an administrator of this installation may add a consultancy")
    name = _name("consultancy", name)
    if Consultancy.objects.filter(name=name).exists():
        raise invalid("consultancy", "name", name, "a consultancy of this name exists")
    with transaction.atomic():
        consultancy = Consultancy.objects.create(name=name)
        audit_record(
            by=by,
            action="consultancy.create",
            obj=consultancy,
            consultancy=consultancy,
            detail={"name": name},
        )
    return consultancy


def consultancy_membership_grant(
    *, consultancy: Consultancy, user: User, role: Role | str, by: User | None
) -> ConsultancyMembership:
    """Put `user` on the consultancy's staff (or change their staff role)."""
    if by is not None and not getattr(by, "is_superuser", False):
        _require_staff(by, consultancy, admin=True)
    if role not in [str(r) for r in STAFF_ROLES]:
        raise invalid(
            "consultancy membership",
            "role",
            role,
            "a staff role is consultancy_admin or consultant",
        )
    with transaction.atomic():
        membership, created = ConsultancyMembership.objects.update_or_create(
            user=user, consultancy=consultancy, defaults={"role": Role(role)}
        )
        audit_record(
            by=by,
            action="consultancy_membership.grant",
            obj=membership,
            consultancy=consultancy,
            detail={"user": user.get_username(), "role": str(role), "created": created},
        )
    return membership


def organisation_create(
    *, consultancy: Consultancy, name: str, country: str, by: User | None
) -> Organisation:
    """A new client organisation of `consultancy`; `by` must be on its staff."""
    _require_staff(by, consultancy)
    name = _name("organisation", name)
    code = country.strip().upper() if isinstance(country, str) else ""
    if not is_country(code):
        raise invalid(
            "organisation",
            "country",
            country,
            "not an ISO 3166-1 alpha-2 country code (e.g. GB, DE, US)",
        )
    if Organisation.objects.filter(consultancy=consultancy, name=name).exists():
        raise invalid(
            "organisation", "name", name, f"{consultancy} already has a client of this name"
        )
    with transaction.atomic():
        organisation = Organisation.objects.create(consultancy=consultancy, name=name, country=code)
        audit_record(
            by=by,
            action="organisation.create",
            obj=organisation,
            organisation=organisation,
            detail={"name": name, "country": code},
        )
    return organisation


def membership_grant(
    *,
    organisation: Organisation,
    user: User,
    role: Role | str,
    expires_at: datetime | None = None,
    by: User | None,
) -> Membership:
    """Give `user` a role in `organisation` (or change the one they hold).

    Auditors must have `expires_at`, at most NEUTRA_MAX_AUDITOR_DAYS ahead;
    any expiry must be timezone-aware and in the future. Staff may grant any role; a client admin may grant client
    roles in their own organisation.
    """
    now = timezone.now()
    if role not in Role.values:
        raise invalid("membership", "role", role, f"unknown role; one of {', '.join(Role.values)}")
    role = Role(role)
    if by is not None and not _is_staff(by, organisation.consultancy):
        client_admin = Role.CLIENT_ADMIN in roles_in(by, organisation, now=now)
        if not client_admin or role not in _CLIENT_ADMIN_GRANTS:
            raise NotAllowedError(f"you may not grant the role {role.label} in {organisation}")
    if expires_at is None and role is Role.AUDITOR:
        raise invalid("membership", "expires_at", None, "an auditor's access needs an end date")
    if expires_at is not None and timezone.is_naive(expires_at):
        raise invalid("membership", "expires_at", expires_at, "give the time zone of the end date")
    if expires_at is not None and expires_at <= now:
        raise invalid("membership", "expires_at", expires_at, "the end date is in the past")
    longest = timedelta(days=settings.NEUTRA_MAX_AUDITOR_DAYS)
    if role is Role.AUDITOR and expires_at is not None and expires_at > now + longest:
        latest = (now + longest).date().isoformat()
        raise invalid(
            "membership",
            "expires_at",
            expires_at.isoformat(),
            f"an auditor's access lasts at most {longest.days} days: "
            f"choose an end date up to {latest} (and extend it later if needed)",
        )
    with transaction.atomic():
        membership, created = Membership.objects.update_or_create(
            user=user, organisation=organisation, defaults={"role": role, "expires_at": expires_at}
        )
        audit_record(
            by=by,
            action="membership.grant",
            obj=membership,
            organisation=organisation,
            detail={
                "user": user.get_username(),
                "role": role.value,
                "expires_at": None if expires_at is None else expires_at.isoformat(),
                "created": created,
            },
        )
    return membership


def entity_create(
    *,
    organisation: Organisation,
    name: str,
    parent: Entity | None = None,
    equity_share: float = 1.0,
    financial_control: Control | str = CoreControl.FULL,
    operational_control: Control | str = CoreControl.FULL,
    by: User | None,
) -> Entity:
    """Add an entity to the organisation's boundary tree.

    The parent must be an entity of the same organisation. The tree with the
    new entity must still be a valid `neutra.core.boundary.Boundary` (the core
    decides: shares 0-1, a root holds all of itself, unique names).
    """
    if (
        by is not None
        and not _is_staff(by, organisation.consultancy)
        and Role.CLIENT_ADMIN not in roles_in(by, organisation, now=timezone.now())
    ):
        raise NotAllowedError(
            f"only staff or a client admin may change the entities of {organisation}"
        )
    name = _name("entity", name)
    if parent is not None and parent.organisation_id != organisation.id:
        raise invalid(
            "entity", "parent", parent.name, "the parent must be an entity of the same organisation"
        )
    try:
        share = float(equity_share)
    except (TypeError, ValueError):
        raise invalid("entity", "equity_share", equity_share, "not a number") from None
    if math.isnan(share):
        raise invalid("entity", "equity_share", equity_share, "not a number")
    controls = {}
    for field, value in (
        ("financial_control", financial_control),
        ("operational_control", operational_control),
    ):
        if value not in Control.values:
            raise invalid("entity", field, value, "control is full, joint or none")
        controls[field] = Control(value)

    with transaction.atomic():
        # Lock the organisation row: two requests adding entities at once would
        # each check the tree without the other's entity (duplicate names slip
        # past the check; the unique constraint then answers with a 500).
        Organisation.objects.select_for_update().get(pk=organisation.pk)
        existing = list(Entity.objects.filter(organisation=organisation).select_related("parent"))
        link = EntityLink(
            entity=name,
            parent=None if parent is None else parent.name,
            equity_share=share,
            financial_control=CoreControl(controls["financial_control"].value),
            operational_control=CoreControl(controls["operational_control"].value),
        )
        try:
            Boundary((*(entity.as_link() for entity in existing), link))
        except InvalidInputError as error:
            reasons = "; ".join(problem.reason for problem in error.problems)
            raise InvalidInputError(
                error.problems,
                message=f"entity {name!r} would break the boundary: {reasons}",
                omitted=error.omitted,
            ) from None
        try:
            entity = Entity.objects.create(
                organisation=organisation,
                name=name,
                parent=parent,
                equity_share=share,
                **controls,
            )
        except IntegrityError:
            raise invalid("entity", "name", name, "an entity of this name exists") from None
        audit_record(
            by=by,
            action="entity.create",
            obj=entity,
            organisation=organisation,
            detail={
                "name": name,
                "parent": None if parent is None else parent.name,
                "equity_share": share,
                "financial_control": controls["financial_control"].value,
                "operational_control": controls["operational_control"].value,
            },
        )
    return entity


def membership_invite(
    *,
    organisation: Organisation,
    email: str,
    role: Role | str,
    expires_at: datetime | None = None,
    by: User | None,
) -> tuple[Membership, str | None]:
    """Invite a person by e-mail address: their account (made if new) and their role.

    Returns the membership and, for a new account, the path of a one-time
    link where they choose their password (the inviter passes it on; Neutra
    sends no mail). An existing account keeps its password: None.
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.tokens import default_token_generator
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    address = email.strip().lower() if isinstance(email, str) else ""
    try:
        validate_email(address)
    except ValidationError:
        raise invalid("invitation", "email", email, "not an e-mail address") from None
    users = get_user_model()
    with transaction.atomic():
        user = users.objects.filter(username__iexact=address).first()
        new = user is None
        if user is None:
            user = users.objects.create_user(username=address, email=address)  # no password yet
        # membership_grant checks who may grant what; its error rolls the new account back.
        membership = membership_grant(
            organisation=organisation, user=user, role=role, expires_at=expires_at, by=by
        )
    if not new:
        return membership, None
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return membership, f"/invitations/{uid}/{default_token_generator.make_token(user)}/"


def membership_revoke(*, membership: Membership, by: User | None) -> None:
    """End a person's role in an organisation (staff, or a client admin for client roles)."""
    organisation = membership.organisation
    if by is not None and not _is_staff(by, organisation.consultancy):
        roles = roles_in(by, organisation, now=timezone.now())
        if Role.CLIENT_ADMIN not in roles or membership.role not in _CLIENT_ADMIN_GRANTS:
            raise NotAllowedError(f"you may not remove people from {organisation}")
    with transaction.atomic():
        audit_record(
            by=by,
            action="membership.revoke",
            obj=membership,
            organisation=organisation,
            detail={"user": membership.user.get_username(), "role": membership.role},
        )
        membership.delete()
