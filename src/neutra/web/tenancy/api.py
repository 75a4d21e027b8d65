"""REST endpoints of the tenancy app: organisations, their entity trees and their people.

Thin: the API's authentication -> one selector -> output schema. Tenancy is
the selectors' job; an endpoint must never filter organisations itself.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from ninja import Router, Schema, Status

from neutra.web.accounts.auth import require_scope
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.errors import NotAllowedError, NotFoundError, invalid
from neutra.web.schemas import InputSchema
from neutra.web.tenancy.models import Entity, Invitation, Membership, Organisation, Role
from neutra.web.tenancy.selectors import (
    consultancies_staffed_by,
    entity_tree,
    invitation_in,
    invitations_pending,
    invitations_waiting_for,
    members_of,
    membership_in,
    organisation_for,
    organisations_visible_to,
    roles_in,
)
from neutra.web.tenancy.services import (
    entity_create,
    invitation_accept,
    invitation_create,
    invitation_decline,
    invitation_withdraw,
    membership_revoke,
    organisation_create,
)

router = Router(tags=["organisations"])  # the API's auth: a session or an API token


class OrganisationOut(Schema):
    id: int
    name: str
    country: str  # ISO 3166-1 alpha-2
    consultancy: str  # the consultancy's name


def _out(organisation: Organisation) -> OrganisationOut:
    return OrganisationOut(
        id=organisation.id,
        name=organisation.name,
        country=organisation.country,
        consultancy=organisation.consultancy.name,
    )


@router.get("", response=list[OrganisationOut])
def list_organisations(request: AuthenticatedRequest) -> list[OrganisationOut]:
    """The organisations you may see."""
    return [_out(o) for o in organisations_visible_to(request.user, now=timezone.now())]


@router.get("/{organisation_id}", response=OrganisationOut)
def get_organisation(request: AuthenticatedRequest, organisation_id: int) -> OrganisationOut:
    """One organisation you may see (404 for any other)."""
    return _out(organisation_for(request.user, organisation_id, now=timezone.now()))


class OrganisationIn(InputSchema):
    consultancy_id: int  # a consultancy you work for
    name: str
    country: str  # ISO 3166-1 alpha-2, e.g. GB


@router.post("", response={201: OrganisationOut})
def create_organisation(
    request: AuthenticatedRequest, payload: OrganisationIn
) -> Status[OrganisationOut]:
    """Add a client organisation to a consultancy you work for (consultancy staff)."""
    require_scope(request, "write")
    consultancy = consultancies_staffed_by(request.user).filter(pk=payload.consultancy_id).first()
    if consultancy is None:
        raise NotFoundError("consultancy not found", consultancy_id=str(payload.consultancy_id))
    organisation = organisation_create(
        consultancy=consultancy, name=payload.name, country=payload.country, by=request.user
    )
    return Status(201, _out(organisation))


class EntityIn(InputSchema):
    name: str
    parent: str | None = None  # the parent entity's name; none for a root
    equity_share: float = 1.0  # the parent's holding, a fraction 0-1
    financial_control: str = "full"  # full, joint or none
    operational_control: str = "full"  # full, joint or none


class EntityOut(Schema):
    id: int
    name: str
    parent: str | None
    depth: int  # 0 for a root
    equity_share: float
    financial_control: str
    operational_control: str


def _entity_out(entity: Entity, depth: int) -> EntityOut:
    return EntityOut(
        id=entity.pk,
        name=entity.name,
        parent=None if entity.parent is None else entity.parent.name,
        depth=depth,
        equity_share=entity.equity_share,
        financial_control=entity.financial_control,
        operational_control=entity.operational_control,
    )


@router.get("/{organisation_id}/entities", response=list[EntityOut])
def list_entities(request: AuthenticatedRequest, organisation_id: int) -> list[EntityOut]:
    """The organisation's entity tree, depth-first from the roots."""
    organisation = organisation_for(request.user, organisation_id, now=timezone.now())
    return [_entity_out(e, depth) for e, depth in entity_tree(organisation=organisation)]


@router.post("/{organisation_id}/entities", response={201: EntityOut})
def create_entity(
    request: AuthenticatedRequest, organisation_id: int, payload: EntityIn
) -> Status[EntityOut]:
    """Add an entity or site to the tree (staff or client admin); the boundary rules are checked."""
    require_scope(request, "write")
    organisation = organisation_for(request.user, organisation_id, now=timezone.now())
    parent = None
    if payload.parent is not None:
        parent = Entity.objects.filter(organisation=organisation, name=payload.parent).first()
        if parent is None:
            raise invalid("entity", "parent", payload.parent, "no entity of this name here")
    entity = entity_create(
        organisation=organisation,
        name=payload.name,
        parent=parent,
        equity_share=payload.equity_share,
        financial_control=payload.financial_control,
        operational_control=payload.operational_control,
        by=request.user,
    )
    depth = next(d for e, d in entity_tree(organisation=organisation) if e.pk == entity.pk)
    return Status(201, _entity_out(entity, depth))


class MemberIn(InputSchema):
    email: str  # the person's e-mail address (their user name)
    role: str  # client_admin, contributor, viewer or auditor
    expires_at: datetime | None = None  # required for auditors, with a time zone


class MemberOut(Schema):
    id: int
    username: str
    role: str
    expires_at: datetime | None


def _member_out(membership: Membership) -> MemberOut:
    return MemberOut(
        id=membership.pk,
        username=membership.user.get_username(),
        role=membership.role,
        expires_at=membership.expires_at,
    )


class InvitationOut(Schema):
    id: int
    organisation_id: int
    organisation: str  # its name
    email: str  # the invited address, as kept (NFKC, lower case)
    role: str
    expires_at: datetime | None  # the access's end once accepted (auditors)
    valid_until: datetime  # the offer and its mailed link end here
    state: str  # pending, accepted, declined or withdrawn
    invited_by: str | None  # the inviter's user name


def _invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut(
        id=invitation.pk,
        organisation_id=invitation.organisation_id,
        organisation=invitation.organisation.name,
        email=invitation.email,
        role=invitation.role,
        expires_at=invitation.expires_at,
        valid_until=invitation.valid_until,
        state=invitation.state,
        invited_by=None if invitation.invited_by is None else invitation.invited_by.get_username(),
    )


def _people_manager(request: AuthenticatedRequest, organisation_id: int) -> Organisation:
    organisation = organisation_for(request.user, organisation_id, now=timezone.now())
    roles = roles_in(request.user, organisation, now=timezone.now())
    if not roles & {Role.CONSULTANCY_ADMIN, Role.CONSULTANT, Role.CLIENT_ADMIN}:
        raise NotAllowedError(f"only staff or a client admin see the people of {organisation}")
    return organisation


@router.get("/{organisation_id}/members", response=list[MemberOut])
def list_members(request: AuthenticatedRequest, organisation_id: int) -> list[MemberOut]:
    """The organisation's people and roles (staff or client admin)."""
    organisation = _people_manager(request, organisation_id)
    return [_member_out(m) for m in members_of(organisation=organisation)]


@router.get("/{organisation_id}/invitations", response=list[InvitationOut])
def list_invitations(request: AuthenticatedRequest, organisation_id: int) -> list[InvitationOut]:
    """The invitations still waiting for an answer (staff or client admin)."""
    organisation = _people_manager(request, organisation_id)
    return [
        _invitation_out(i)
        for i in invitations_pending(organisation=organisation, now=timezone.now())
    ]


@router.post("/{organisation_id}/invitations", response={201: InvitationOut})
def invite(
    request: AuthenticatedRequest, organisation_id: int, payload: MemberIn
) -> Status[InvitationOut]:
    """Offer a role to an e-mail address: it gets a link by e-mail and its owner accepts or
    declines after logging in. Nothing is granted before; the answer is the same whether
    the address has an account or not."""
    require_scope(request, "write")
    organisation = organisation_for(request.user, organisation_id, now=timezone.now())
    invitation = invitation_create(
        organisation=organisation,
        email=payload.email,
        role=payload.role,
        expires_at=payload.expires_at,
        by=request.user,
        site=request.build_absolute_uri("/"),
    )
    return Status(201, _invitation_out(invitation))


@router.delete("/{organisation_id}/invitations/{invitation_id}", response={204: None})
def withdraw_invitation(
    request: AuthenticatedRequest, organisation_id: int, invitation_id: int
) -> Status[None]:
    """Take back an invitation still waiting for an answer (staff, or a client admin)."""
    require_scope(request, "write")
    organisation = organisation_for(request.user, organisation_id, now=timezone.now())
    invitation = invitation_in(organisation=organisation, invitation_id=invitation_id)
    invitation_withdraw(invitation=invitation, by=request.user)
    return Status(204, None)


@router.delete("/{organisation_id}/members/{membership_id}", response={204: None})
def remove_member(
    request: AuthenticatedRequest, organisation_id: int, membership_id: int
) -> Status[None]:
    """End a person's access (staff, or a client admin for client roles)."""
    require_scope(request, "write")
    organisation = organisation_for(request.user, organisation_id, now=timezone.now())
    membership = membership_in(organisation=organisation, membership_id=membership_id)
    membership_revoke(membership=membership, by=request.user)
    return Status(204, None)


invitations_router = Router(tags=["invitations"])


@invitations_router.get("", response=list[InvitationOut])
def my_invitations(request: AuthenticatedRequest) -> list[InvitationOut]:
    """The invitations to your own address waiting for your answer."""
    return [_invitation_out(i) for i in invitations_waiting_for(request.user, now=timezone.now())]


class AcceptedOut(Schema):
    organisation_id: int
    organisation: str
    role: str
    expires_at: datetime | None


@invitations_router.post("/{invitation_id}/accept", response=AcceptedOut)
def accept_invitation(request: AuthenticatedRequest, invitation_id: int) -> AcceptedOut:
    """Take the role an invitation to your address offers (404 for anyone else's)."""
    require_scope(request, "write")
    membership = invitation_accept(invitation_id=invitation_id, by=request.user)
    return AcceptedOut(
        organisation_id=membership.organisation_id,
        organisation=membership.organisation.name,
        role=membership.role,
        expires_at=membership.expires_at,
    )


@invitations_router.post("/{invitation_id}/decline", response=InvitationOut)
def decline_invitation(request: AuthenticatedRequest, invitation_id: int) -> InvitationOut:
    """Say no to an invitation to your address: nothing is granted (404 for anyone else's)."""
    require_scope(request, "write")
    return _invitation_out(invitation_decline(invitation_id=invitation_id, by=request.user))
