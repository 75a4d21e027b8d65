"""Writes of the tenancy app: the only code that creates or changes its rows.

Each service validates its whole input with clear errors (`InvalidInputError`
naming the field and value), checks that `by` may act (`NotAllowedError`),
writes in one transaction and records an `AuditEntry`. `by=None` is the
system itself (set-up commands such as `neutra demo`); views always pass the
logged-in user. Rules about boundaries live in `neutra.core.boundary`: the
entity service asks the core, it never re-checks trees by hand.
"""

from __future__ import annotations

import logging
import math
import secrets
import unicodedata
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from neutra.core.boundary import Boundary, EntityLink
from neutra.core.boundary import Control as CoreControl
from neutra.core.errors import InvalidInputError
from neutra.core.regions import is_country
from neutra.web.errors import NotAllowedError, NotFoundError, invalid
from neutra.web.tenancy.audit import audit_record
from neutra.web.tenancy.models import (
    STAFF_ROLES,
    Consultancy,
    ConsultancyMembership,
    Control,
    Entity,
    Invitation,
    InvitationState,
    Membership,
    Organisation,
    Role,
)
from neutra.web.tenancy.selectors import address_of, roles_in, token_sha256

__all__ = [
    "consultancy_create",
    "consultancy_membership_grant",
    "entity_create",
    "invitation_accept",
    "invitation_account_create",
    "invitation_create",
    "invitation_decline",
    "invitation_withdraw",
    "membership_grant",
    "membership_revoke",
    "organisation_create",
]

logger = logging.getLogger(__name__)

# How long an invitation's link and offer stay open.
INVITATION_VALID_DAYS = 14

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


def _may_manage(by: User | None, organisation: Organisation, role: Role | str) -> bool:
    """Whether `by` may give, withdraw or end `role` in `organisation` (None: the system)."""
    if by is None or _is_staff(by, organisation.consultancy):
        return True
    roles = roles_in(by, organisation, now=timezone.now())
    return Role.CLIENT_ADMIN in roles and role in _CLIENT_ADMIN_GRANTS


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


def _grant_checked(
    *,
    organisation: Organisation,
    role: Role | str,
    expires_at: datetime | None,
    by: User | None,
    subject: str,
) -> Role:
    """The role, once `by` is shown to be allowed to give it with this end date."""
    now = timezone.now()
    if role not in Role.values:
        raise invalid(subject, "role", role, f"unknown role; one of {', '.join(Role.values)}")
    role = Role(role)
    if not _may_manage(by, organisation, role):
        raise NotAllowedError(f"you may not grant the role {role.label} in {organisation}")
    if expires_at is None and role is Role.AUDITOR:
        raise invalid(subject, "expires_at", None, "an auditor's access needs an end date")
    if expires_at is not None and timezone.is_naive(expires_at):
        raise invalid(subject, "expires_at", expires_at, "give the time zone of the end date")
    if expires_at is not None and expires_at <= now:
        raise invalid(subject, "expires_at", expires_at, "the end date is in the past")
    longest = timedelta(days=settings.NEUTRA_MAX_AUDITOR_DAYS)
    if role is Role.AUDITOR and expires_at is not None and expires_at > now + longest:
        latest = (now + longest).date().isoformat()
        raise invalid(
            subject,
            "expires_at",
            expires_at.isoformat(),
            f"an auditor's access lasts at most {longest.days} days: "
            f"choose an end date up to {latest} (and extend it later if needed)",
        )
    return role


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
    role = _grant_checked(
        organisation=organisation, role=role, expires_at=expires_at, by=by, subject="membership"
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


def _address(email: object, subject: str = "invitation") -> str:
    """An e-mail address as user names are kept: NFKC, trimmed, lower case; or a 400."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    address = unicodedata.normalize("NFKC", email).strip().lower() if isinstance(email, str) else ""
    try:
        validate_email(address)
    except ValidationError:
        raise invalid(subject, "email", email, "not an e-mail address") from None
    return address


def invitation_create(
    *,
    organisation: Organisation,
    email: str,
    role: Role | str,
    expires_at: datetime | None = None,
    by: User | None,
    site: str,
) -> Invitation:
    """Offer a role in `organisation` to an e-mail address, and mail the address a link.

    Nothing is granted: the owner of the address accepts or declines after
    logging in (a new address chooses its password through the link first).
    The inviter learns nothing of whether the address has an account: this
    code never looks one up, so the answer, the mail and the work done are the
    same either way. Inviting an address that has a pending invitation here
    sends it again with the new role and a new link. `site` is the address
    the link starts with ("https://neutra.example").
    """
    address = _address(email)
    role = _grant_checked(
        organisation=organisation, role=role, expires_at=expires_at, by=by, subject="invitation"
    )
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    fields = {
        "role": role,
        "expires_at": expires_at,
        "invited_by": by,
        "created_at": now,
        "valid_until": now + timedelta(days=INVITATION_VALID_DAYS),
        "token_sha256": token_sha256(secret),
    }
    try:
        with transaction.atomic():
            # Two people inviting one address at once: the row lock orders them, and the
            # partial unique constraint refuses a second pending invitation made beside it.
            pending = (
                Invitation.objects.select_for_update()
                .filter(organisation=organisation, email=address, state=InvitationState.PENDING)
                .first()
            )
            if pending is None:
                invitation = Invitation.objects.create(
                    organisation=organisation, email=address, **fields
                )
            else:
                for name, value in fields.items():
                    setattr(pending, name, value)
                pending.save()
                invitation = pending
            audit_record(
                by=by,
                action="invitation.create",
                obj=invitation,
                organisation=organisation,
                detail={
                    "email": address,
                    "role": role.value,
                    "expires_at": None if expires_at is None else expires_at.isoformat(),
                    "valid_until": invitation.valid_until.isoformat(),
                    "sent_again": pending is not None,
                },
            )
    except IntegrityError:
        raise invalid(
            "invitation", "email", address, "an invitation to this address is being sent just now"
        ) from None
    _invitation_mail(invitation, f"{site.rstrip('/')}/invitations/{invitation.pk}/{secret}/")
    return invitation


def _invitation_mail(invitation: Invitation, link: str) -> None:
    """The one mail of an invitation, the same whether the address has an account or not."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    context = {"invitation": invitation, "link": link}
    subject = render_to_string("tenancy/invitation_subject.txt", context).strip()
    body = render_to_string("tenancy/invitation_email.txt", context)
    try:
        send_mail(subject, body, None, [invitation.email])
    except OSError:  # the invitation stands; the inviter may send it again
        logger.exception("the invitation mail to %s could not be sent", invitation.email)


def _answerable(invitation: Invitation | None, by: User, invitation_id: object) -> Invitation:
    """The invitation if `by` owns its address and may still answer it (locked by the caller)."""
    now = timezone.now()
    if invitation is None or invitation.email != address_of(by):
        raise NotFoundError("invitation not found", invitation_id=str(invitation_id))
    if invitation.state != InvitationState.PENDING:
        raise invalid(
            "invitation",
            "state",
            invitation.state,
            f"this invitation was {invitation.get_state_display().lower()} already",
        )
    if invitation.valid_until <= now:
        raise invalid(
            "invitation",
            "valid_until",
            invitation.valid_until.isoformat(),
            "this invitation has expired: ask whoever invited you for a new one",
        )
    if invitation.expires_at is not None and invitation.expires_at <= now:
        raise invalid(
            "invitation",
            "expires_at",
            invitation.expires_at.isoformat(),
            "the access this invitation offered has already ended",
        )
    return invitation


def _locked_invitation(invitation_id: object) -> Invitation | None:
    try:
        key = int(str(invitation_id))
    except ValueError:
        return None
    if not 0 < key < 2**63:
        return None
    return (
        # of=self: PostgreSQL locks no row of the outer join to the (nullable) inviter.
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation__consultancy", "invited_by")
        .filter(pk=key)
        .first()
    )


def invitation_accept(*, invitation_id: object, by: User) -> Membership:
    """The owner of the invited address takes the role offered (or changes the one they hold).

    Any other user gets a 404, as for an invitation that does not exist.
    """
    with transaction.atomic():
        # A double click, or accept and decline at once: the row lock lets one answer win,
        # and the other finds the invitation answered.
        invitation = _answerable(_locked_invitation(invitation_id), by, invitation_id)
        membership, created = Membership.objects.update_or_create(
            user=by,
            organisation=invitation.organisation,
            defaults={"role": invitation.role, "expires_at": invitation.expires_at},
        )
        invitation.state = InvitationState.ACCEPTED
        invitation.answered_at = timezone.now()
        invitation.save(update_fields=["state", "answered_at"])
        audit_record(
            by=by,
            action="invitation.accept",
            obj=invitation,
            organisation=invitation.organisation,
            detail={
                "email": invitation.email,
                "role": invitation.role,
                "expires_at": None
                if invitation.expires_at is None
                else invitation.expires_at.isoformat(),
                "invited_by": None
                if invitation.invited_by is None
                else invitation.invited_by.get_username(),
                "membership": membership.pk,
                "created": created,
            },
        )
    return membership


def invitation_decline(*, invitation_id: object, by: User) -> Invitation:
    """The owner of the invited address says no: nothing is granted."""
    with transaction.atomic():
        invitation = _answerable(_locked_invitation(invitation_id), by, invitation_id)
        invitation.state = InvitationState.DECLINED
        invitation.answered_at = timezone.now()
        invitation.save(update_fields=["state", "answered_at"])
        audit_record(
            by=by,
            action="invitation.decline",
            obj=invitation,
            organisation=invitation.organisation,
            detail={"email": invitation.email, "role": invitation.role},
        )
    return invitation


def invitation_withdraw(*, invitation: Invitation, by: User | None) -> None:
    """Take back a pending invitation (staff, or a client admin for client roles)."""
    organisation = invitation.organisation
    if not _may_manage(by, organisation, invitation.role):
        raise NotAllowedError(f"you may not withdraw invitations of {organisation}")
    with transaction.atomic():
        # Withdrawn while its owner accepts: the row lock orders the two; the later fails.
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.state != InvitationState.PENDING:
            raise invalid(
                "invitation",
                "state",
                locked.state,
                f"this invitation was {locked.get_state_display().lower()} already",
            )
        locked.state = InvitationState.WITHDRAWN
        locked.answered_at = timezone.now()
        locked.save(update_fields=["state", "answered_at"])
        audit_record(
            by=by,
            action="invitation.withdraw",
            obj=locked,
            organisation=organisation,
            detail={"email": locked.email, "role": locked.role},
        )


def invitation_account_create(*, invitation: Invitation, password: str) -> User:
    """The account of an invited address that has none (or none with a password yet).

    Called with an invitation its link's secret has opened, and a password
    the password validators passed. Grants nothing: the new owner then
    accepts or declines. Audited without the organisation, so that the
    inviter's log does not tell new accounts from old ones.
    """
    from django.contrib.auth import get_user_model

    users = get_user_model()
    with transaction.atomic():
        # The link opened twice at once: the lock makes the second find the account made.
        Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
        user = users.objects.filter(username__iexact=invitation.email).first()
        if user is not None and user.has_usable_password():
            raise invalid(
                "invitation",
                "email",
                invitation.email,
                "this address has an account: log in to answer the invitation",
            )
        created = user is None
        if user is None:
            user = users.objects.create_user(username=invitation.email, email=invitation.email)
        user.set_password(password)
        user.save()
        audit_record(
            by=user,
            action="user.create" if created else "user.password_set",
            obj=user,
            detail={"how": "invitation link"},
        )
    return user


def membership_revoke(*, membership: Membership, by: User | None) -> None:
    """End a person's role in an organisation (staff, or a client admin for client roles)."""
    organisation = membership.organisation
    if not _may_manage(by, organisation, membership.role):
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
