"""Writes of neutrality claims: the only code that opens, evaluates, issues and withdraws claims
and makes signing keys.

The rules live in `neutra.core.claims` (evaluation) and the PDF in
`neutra.reports` (claim report, signature); services read the inputs from
their homes, call them, and write with the claim row locked and an audit
entry. `by=None` is the system (the demo).

| action                       | who                                 |
|------------------------------|-------------------------------------|
| open, evaluate               | consultancy staff, client admin     |
| issue, withdraw, rotate keys | consultancy staff                   |

Keys: a consultancy's private keys are kept in the database, PKCS #8
encrypted with a key derived from SECRET_KEY (so a database dump alone does
not give them away); they are decrypted only in `claim_issue`, never sent
anywhere. Rotating makes a new key and retires the old one, whose public key
stays published so that every claim it signed still verifies.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from neutra.core.claims import (
    ClaimEvaluation,
    ClaimPeriod,
    ClaimPeriodError,
    ClaimState,
    Scope2Basis,
    Standard,
    Verification,
    evaluate_claim,
)
from neutra.core.errors import InvalidInputError, Problem
from neutra.reports.claim_report import ClaimReport, claim_pdf, new_claim_token, verification_url
from neutra.reports.signing import public_key_id, public_pem
from neutra.web.claims.models import Claim, ClaimCredit, SigningKey
from neutra.web.claims.selectors import (
    cancelled_credits,
    claimed_ranges,
    footprint_and_history,
    space_key,
)
from neutra.web.errors import NotAllowedError, invalid
from neutra.web.tenancy.audit import audit_record
from neutra.web.tenancy.models import STAFF_ROLES, Consultancy, Organisation, Role
from neutra.web.tenancy.selectors import roles_in

__all__ = [
    "claim_create",
    "claim_evaluate",
    "claim_issue",
    "claim_withdraw",
    "signing_key_rotate",
]

_STAFF = frozenset(STAFF_ROLES)
_OPENERS = _STAFF | {Role.CLIENT_ADMIN}
MAX_PLAN_BYTES = 20 * 1024 * 1024


def _require(
    by: User | None, organisation: Organisation, allowed: frozenset[Any], what: str
) -> None:
    if by is not None and not (roles_in(by, organisation, now=timezone.now()) & allowed):
        raise NotAllowedError(f"your role in {organisation} does not allow you to {what}")


def _password() -> bytes:
    """The key that encrypts private keys at rest, derived from SECRET_KEY (never stored)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"neutra claim signing keys"
    ).derive(settings.SECRET_KEY.encode())


def _new_key(consultancy: Consultancy, by: User | None) -> SigningKey:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = public_pem(key.public_key())
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_password()),
    )
    row = SigningKey.objects.create(
        consultancy=consultancy,
        key_id=public_key_id(pem),
        public_pem=pem.decode("ascii"),
        private_pem_encrypted=encrypted,
        created_by=by,
    )
    audit_record(by=by, action="claims.signing_key.create", obj=row, consultancy=consultancy,
           detail={"key_id": row.key_id})  # fmt: skip
    return row


def signing_key_rotate(*, consultancy: Consultancy, by: User | None) -> SigningKey:
    """A new signing key for the consultancy; the current one is retired (and still verifies)."""
    if by is not None and not consultancy.staff.filter(user=by).exists():
        raise NotAllowedError("only the consultancy's staff may rotate its signing key")
    with transaction.atomic():
        # Locks the consultancy row: two rotations at once would leave two active keys.
        Consultancy.objects.select_for_update().get(pk=consultancy.pk)
        now = timezone.now()
        for old in SigningKey.objects.filter(consultancy=consultancy, retired_at__isnull=True):
            old.retired_at = now
            old.save(update_fields=["retired_at"])
            audit_record(by=by, action="claims.signing_key.retire", obj=old, consultancy=consultancy,
                   detail={"key_id": old.key_id})  # fmt: skip
        return _new_key(consultancy, by)


def _active_key(consultancy: Consultancy, by: User | None) -> SigningKey:
    # Called with the claim row locked; the consultancy row lock keeps two first
    # issues of one consultancy from making two keys.
    Consultancy.objects.select_for_update().get(pk=consultancy.pk)
    found = SigningKey.objects.filter(consultancy=consultancy, retired_at__isnull=True).first()
    return found or _new_key(consultancy, by)


def claim_create(
    *,
    organisation: Organisation,
    period: str,
    standard: str = Standard.ISO_14068_1.value,
    scope2: str = Scope2Basis.MARKET.value,
    by: User | None,
) -> Claim:
    """Open a draft claim of a client for a period."""
    _require(by, organisation, _OPENERS, "open a claim")
    problems = []
    try:
        parsed = ClaimPeriod.parse(str(period))
    except ClaimPeriodError as exc:
        problems.append(Problem("claim", None, "period", str(period)[:40], exc.message))
        parsed = None
    if standard not in {s.value for s in Standard}:
        problems.append(
            Problem("claim", None, "standard", str(standard)[:40], "iso-14068-1 or pas-2060")
        )
    if scope2 not in {s.value for s in Scope2Basis}:
        problems.append(Problem("claim", None, "scope2", str(scope2)[:40], "market or location"))
    if problems or parsed is None:
        raise InvalidInputError(problems, message=problems[0].reason if len(problems) == 1 else "")
    with transaction.atomic():
        claim = Claim.objects.create(
            organisation=organisation,
            standard=standard,
            period=parsed.label,
            scope2=scope2,
            token=new_claim_token(),
            created_by=by,
        )
        audit_record(by=by, action="claims.claim.create", obj=claim, organisation=organisation,
               detail={"period": claim.period, "standard": standard, "scope2": scope2})  # fmt: skip
    return claim


def _locked(claim: Claim) -> Claim:
    # Every write of a claim locks its row first: an evaluation and an issue of one
    # claim at once would otherwise issue on an evaluation that is already stale.
    return (
        Claim.objects.select_for_update()
        .select_related("organisation__consultancy")
        .get(pk=claim.pk)
    )


def _evaluate(claim: Claim) -> tuple[ClaimEvaluation, Any, Any, int]:
    organisation = claim.organisation
    period = ClaimPeriod.parse(claim.period)
    footprint, history, calculation_id = footprint_and_history(
        organisation=organisation, period=period
    )
    evaluation = evaluate_claim(
        client=organisation.name,
        period=period,
        footprint=footprint,
        credits=cancelled_credits(organisation=organisation),
        standard=Standard(claim.standard),
        scope2=Scope2Basis(claim.scope2),
        plan_sha256=claim.plan_sha256 or None,
        history=history.years,
        claimed=claimed_ranges(consultancy=organisation.consultancy, excluding=claim),
    )
    return evaluation, footprint, history, calculation_id


def claim_evaluate(
    *, claim: Claim, by: User | None, plan_name: str = "", plan: bytes | None = None
) -> Claim:
    """Evaluate a draft or evaluated claim against its rules (attaching the management plan if given)."""
    _require(by, claim.organisation, _OPENERS, "evaluate a claim")
    if plan is not None and len(plan) > MAX_PLAN_BYTES:
        raise invalid("claim", "plan", plan_name, "the plan is larger than 20 MB")
    with transaction.atomic():
        claim = _locked(claim)
        if not ClaimState(claim.state).may_become(ClaimState.EVALUATED):
            raise invalid(
                "claim", "state", claim.state, f"an {claim.state} claim is not evaluated again"
            )
        if plan is not None:
            claim.plan_name = (plan_name or "plan")[:200]
            claim.plan_sha256 = hashlib.sha256(plan).hexdigest()
        evaluation, _, _, calculation_id = _evaluate(claim)
        claim.evaluation = evaluation.as_json()
        claim.calculation_id = calculation_id
        claim.state = ClaimState.EVALUATED.value
        claim.save()
        audit_record(by=by, action="claims.claim.evaluate", obj=claim, organisation=claim.organisation,
               detail={"met": evaluation.met, "required_units": evaluation.required_units,
                       "counted_units": evaluation.counted_units, "plan_sha256": claim.plan_sha256})  # fmt: skip
    return claim


def claim_issue(
    *,
    claim: Claim,
    verification: str,
    signatory: str,
    public_url: str,
    by: User | None,
    now: datetime | None = None,
) -> Claim:
    """Issue an evaluated claim whose every rule is met: sign its PDFs and publish its page."""
    _require(by, claim.organisation, _STAFF, "issue a claim")
    problems = []
    if verification not in {v.value for v in Verification}:
        problems.append(
            Problem(
                "claim",
                None,
                "verification",
                str(verification)[:40],
                "self, second-party or third-party",
            )
        )
    if not str(signatory).strip() or len(str(signatory)) > 200:
        problems.append(
            Problem(
                "claim",
                None,
                "signatory",
                str(signatory)[:40],
                "name who signs the claim (up to 200 characters)",
            )
        )
    if problems:
        raise InvalidInputError(problems, message=problems[0].reason if len(problems) == 1 else "")
    moment = now or timezone.now()
    with transaction.atomic():
        claim = _locked(claim)
        if not ClaimState(claim.state).may_become(ClaimState.ISSUED):
            raise invalid("claim", "state", claim.state, "evaluate the claim before issuing it")
        if not claim.plan_sha256:
            raise invalid(
                "claim",
                "plan",
                "",
                "attach the management plan (evaluate with the plan) before issuing",
            )
        evaluation, footprint, history, calculation_id = _evaluate(claim)
        if evaluation.unmet or evaluation.pending:
            claim.evaluation = evaluation.as_json()
            claim.save(update_fields=["evaluation"])
            raise InvalidInputError(
                [Problem("claim", None, r.id.value, None, f"{r.detail}; {r.remedy}".rstrip("; "))
                 for r in evaluation.unmet + evaluation.pending],
                message="the claim does not meet every rule: "
                + ", ".join(r.id.value for r in evaluation.unmet + evaluation.pending),
            )  # fmt: skip
        organisation = claim.organisation
        key_row = _active_key(organisation.consultancy, by)
        private_key = serialization.load_pem_private_key(
            bytes(key_row.private_pem_encrypted), password=_password()
        )
        assert isinstance(private_key, ec.EllipticCurvePrivateKey)
        report = ClaimReport(
            evaluation=evaluation,
            footprint=footprint,
            verification=Verification(verification),
            signatory=str(signatory).strip(),
            issued_on=moment.date(),
            token=claim.token,
            verify_url=verification_url(public_url, claim.token),
            plan_name=claim.plan_name,
            history=history.years,
            issuer=organisation.consultancy.name,
            key_id=key_row.key_id,
        )
        # Signed inside the transaction (a second or two, with the claim row locked):
        # the PDFs are the issued claim itself, never written apart from its state.
        claim.pdf = claim_pdf(report, private_key, now=moment)
        claim.certificate_pdf = claim_pdf(report, private_key, details=False, now=moment)
        claim.evaluation = evaluation.as_json()
        claim.calculation_id = calculation_id
        claim.verification = verification
        claim.signatory = report.signatory
        claim.signing_key = key_row
        claim.issued_at = moment
        claim.state = ClaimState.ISSUED.value
        claim.save()
        ClaimCredit.objects.bulk_create(
            ClaimCredit(
                claim=claim, organisation=organisation, space_key=space_key(c.serial_space),
                programme=c.programme, unit_type=c.unit_type, host_party=c.host_party,
                project_id=c.project_id, vintage=c.vintage, serial_start=c.serial_start,
                serial_end=c.serial_end, quantity=c.quantity, cancelled_on=c.cancelled_on,
            )
            for c in evaluation.credits
        )  # fmt: skip
        audit_record(by=by, action="claims.claim.issue", obj=claim, organisation=organisation,
               detail={"key_id": key_row.key_id, "units": evaluation.counted_units,
                       "pdf_sha256": hashlib.sha256(claim.pdf).hexdigest()})  # fmt: skip
    return claim


def claim_withdraw(*, claim: Claim, reason: str, by: User | None) -> Claim:
    """Withdraw an issued claim: its public page says so; its serials may be claimed again."""
    _require(by, claim.organisation, _STAFF, "withdraw a claim")
    text = str(reason).strip()
    if not text or len(text) > 500:
        raise invalid(
            "claim", "reason", text[:40], "say why the claim is withdrawn (up to 500 characters)"
        )
    with transaction.atomic():
        claim = _locked(claim)
        if not ClaimState(claim.state).may_become(ClaimState.WITHDRAWN):
            raise invalid("claim", "state", claim.state, "only an issued claim can be withdrawn")
        claim.state = ClaimState.WITHDRAWN.value
        claim.withdrawn_at = timezone.now()
        claim.withdrawal_reason = text
        claim.save(update_fields=["state", "withdrawn_at", "withdrawal_reason"])
        audit_record(by=by, action="claims.claim.withdraw", obj=claim, organisation=claim.organisation,
               detail={"reason": text})  # fmt: skip
    return claim
