"""REST endpoints of the tenancy app: the organisations a user may see.

Thin: the API's authentication -> one selector -> output schema. Tenancy is
the selectors' job; an endpoint must never filter organisations itself.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from neutra.web.tenancy.models import Organisation
from neutra.web.tenancy.selectors import organisation_for, organisations_visible_to

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
def list_organisations(request: HttpRequest) -> list[OrganisationOut]:
    """The organisations you may see."""
    return [_out(o) for o in organisations_visible_to(request.user, now=timezone.now())]


@router.get("/{organisation_id}", response=OrganisationOut)
def get_organisation(request: HttpRequest, organisation_id: int) -> OrganisationOut:
    """One organisation you may see (404 for any other)."""
    return _out(organisation_for(request.user, organisation_id, now=timezone.now()))
