"""REST endpoints of neutrality claims: list, open, read, evaluate, issue, withdraw.

Thin: the API's authentication (writes need a token's write scope) -> input
schema -> the tenancy lookups (another tenant's claim is a 404 like a
missing one) -> one service or selector -> output. A claim's evaluation is
the `neutra.claim/1` document of DESIGN.md §9, as `neutra claim evaluate`
prints it. The management plan is attached on the page (a file upload).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from ninja import Router, Schema, Status

from neutra.web.accounts.auth import require_scope
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.claims import services
from neutra.web.claims.models import Claim
from neutra.web.claims.selectors import claim_for, claims_of
from neutra.web.schemas import InputSchema
from neutra.web.tenancy.selectors import organisation_for

router = Router(tags=["claims"])


class ClaimIn(InputSchema):
    period: str  # a year (2024) or YYYY-MM-DD/YYYY-MM-DD
    standard: str = "iso-14068-1"  # or pas-2060 (withdrawn; legacy claims)
    scope2: str = "market"  # the scope 2 basis of the residual: market or location


class IssueIn(InputSchema):
    verification: str  # self, second-party or third-party
    signatory: str  # who signs the claim


class WithdrawIn(InputSchema):
    reason: str


class ClaimOut(Schema):
    id: int
    period: str
    standard: str
    scope2: str
    state: str  # draft, evaluated, issued or withdrawn
    plan_sha256: str
    issued_at: str | None
    withdrawn_at: str | None
    evaluation: dict[str, Any] | None  # neutra.claim/1 of the last evaluation


def _out(claim: Claim) -> ClaimOut:
    return ClaimOut(
        id=claim.pk,
        period=claim.period,
        standard=claim.standard,
        scope2=claim.scope2,
        state=claim.state,
        plan_sha256=claim.plan_sha256,
        issued_at=claim.issued_at.isoformat() if claim.issued_at else None,
        withdrawn_at=claim.withdrawn_at.isoformat() if claim.withdrawn_at else None,
        evaluation=claim.evaluation,
    )


def _claim(request: AuthenticatedRequest, claim_id: int) -> Claim:
    return claim_for(request.user, claim_id, now=timezone.now())


@router.get("/organisations/{organisation_id}/claims", response=list[ClaimOut])
def list_claims(request: AuthenticatedRequest, organisation_id: int) -> list[ClaimOut]:
    """The client's claims, newest first."""
    organisation = organisation_for(request.user, organisation_id, now=timezone.now())
    return [_out(c) for c in claims_of(organisation=organisation)]


@router.post("/organisations/{organisation_id}/claims", response={201: ClaimOut})
def post_claim(
    request: AuthenticatedRequest, organisation_id: int, payload: ClaimIn
) -> Status[ClaimOut]:
    """Open a draft claim (staff, client admin)."""
    require_scope(request, "write")
    organisation = organisation_for(request.user, organisation_id, now=timezone.now())
    claim = services.claim_create(organisation=organisation, by=request.user, **payload.dict())
    return Status(201, _out(claim))


@router.get("/claims/{claim_id}", response=ClaimOut)
def get_claim(request: AuthenticatedRequest, claim_id: int) -> ClaimOut:
    """One claim with its last evaluation (every rule with evidence, source and shortfall)."""
    return _out(_claim(request, claim_id))


@router.post("/claims/{claim_id}/evaluate", response=ClaimOut)
def post_evaluate(request: AuthenticatedRequest, claim_id: int) -> ClaimOut:
    """Evaluate the claim against its rules now (staff, client admin)."""
    require_scope(request, "write")
    return _out(services.claim_evaluate(claim=_claim(request, claim_id), by=request.user))


@router.post("/claims/{claim_id}/issue", response=ClaimOut)
def post_issue(request: AuthenticatedRequest, claim_id: int, payload: IssueIn) -> ClaimOut:
    """Issue the claim when every rule is met: signed PDFs and its public page (staff)."""
    require_scope(request, "write")
    public_url = request.build_absolute_uri("/").rstrip("/")
    claim = services.claim_issue(
        claim=_claim(request, claim_id), public_url=public_url, by=request.user, **payload.dict()
    )
    return _out(claim)


@router.post("/claims/{claim_id}/withdraw", response=ClaimOut)
def post_withdraw(request: AuthenticatedRequest, claim_id: int, payload: WithdrawIn) -> ClaimOut:
    """Withdraw an issued claim; its public page says so (staff)."""
    require_scope(request, "write")
    claim = services.claim_withdraw(
        claim=_claim(request, claim_id), by=request.user, reason=payload.reason
    )
    return _out(claim)
