"""Pages of neutrality claims: a client's claims, one claim rule by rule, its PDFs, the client's
reports and disclosures, and the public verification pages.

Thin: the organisation or claim through the tenancy lookups (another
tenant's is a 404 like a missing one), posted text through a form (types
only), one service, its error as a message. The public pages (no log-in)
find an issued claim by its unguessable token and show only that claim.
"""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from neutra.core.claims import ClaimPeriod, ClaimState, Scope2Basis, Standard, Verification
from neutra.core.errors import NeutraError
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.claims import services
from neutra.web.claims.models import Claim
from neutra.web.claims.selectors import (
    claim_for,
    claims_of,
    public_claim,
    public_keys,
    report_inputs,
)
from neutra.web.errors import NotFoundError, error_text
from neutra.web.tenancy.forms import form_error_text
from neutra.web.tenancy.models import STAFF_ROLES, Organisation, Role
from neutra.web.tenancy.selectors import roles_in
from neutra.web.tenancy.views import organisation_or_404

REPORT_KINDS = ("management", "public")
REPORT_FORMATS = ("html", "pdf")
DISCLOSURES = ("ghgp", "esrs", "cdp", "secr")
DISCLOSURE_FORMATS = ("xlsx", "json")
PDF_PARTS = ("claim", "certificate")


class ClaimForm(forms.Form):
    period = forms.CharField(max_length=21)
    standard = forms.ChoiceField(choices=[(s.value, s.value) for s in Standard])
    scope2 = forms.ChoiceField(choices=[(s.value, s.value) for s in Scope2Basis])


class EvaluateForm(forms.Form):
    plan = forms.FileField(required=False)


class IssueForm(forms.Form):
    verification = forms.ChoiceField(choices=[(v.value, v.value) for v in Verification])
    signatory = forms.CharField(max_length=200)


class WithdrawForm(forms.Form):
    reason = forms.CharField(max_length=500)


def _claim(request: AuthenticatedRequest, claim_id: int) -> Claim:
    try:
        return claim_for(request.user, claim_id, now=timezone.now())
    except NotFoundError:
        raise Http404("claim not found") from None


def _back(claim: Claim) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("claims:claim", args=[claim.pk]))


def _crumbs(
    organisation: Organisation, *last: tuple[str, str | None]
) -> list[tuple[str, str | None]]:
    return [
        ("Organisations", reverse("tenancy:home")),
        (organisation.name, reverse("inventories:organisation", args=[organisation.pk])),
        *last,
    ]


@login_required
def claims_page(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    organisation = organisation_or_404(request, organisation_id)
    roles = roles_in(request.user, organisation, now=timezone.now())
    may_open = bool(roles & {*STAFF_ROLES, Role.CLIENT_ADMIN})
    if request.method == "POST":
        form = ClaimForm(request.POST)
        if not form.is_valid():
            messages.error(request, form_error_text(form))
            return HttpResponseRedirect(reverse("claims:list", args=[organisation.pk]))
        try:
            claim = services.claim_create(
                organisation=organisation, by=request.user, **form.cleaned_data
            )
        except NeutraError as exc:
            if isinstance(exc, NotFoundError):
                raise Http404(exc.message) from None
            messages.error(request, error_text(exc))
            return HttpResponseRedirect(reverse("claims:list", args=[organisation.pk]))
        return _back(claim)
    if request.method != "GET":
        return HttpResponse(status=405)
    years = sorted(
        {y for y in range(timezone.now().year - 4, timezone.now().year + 1)}, reverse=True
    )
    return render(
        request,
        "claims/list.html",
        {
            "organisation": organisation,
            "claims": claims_of(organisation=organisation),
            "may_open": may_open,
            "standards": [s.value for s in Standard],
            "years": years,
            "report_kinds": REPORT_KINDS,
            "disclosures": DISCLOSURES,
            "breadcrumbs": _crumbs(organisation, ("Claims and reports", None)),
        },
    )


@require_GET
@login_required
def claim_page(request: AuthenticatedRequest, claim_id: int) -> HttpResponse:
    claim = _claim(request, claim_id)
    organisation = claim.organisation
    roles = roles_in(request.user, organisation, now=timezone.now())
    staff = bool(roles & set(STAFF_ROLES))
    state = ClaimState(claim.state)
    evaluation = claim.evaluation or {}
    return render(
        request,
        "claims/claim.html",
        {
            "organisation": organisation,
            "claim": claim,
            "evaluation": evaluation,
            "rules": evaluation.get("rules", []),
            "credits": evaluation.get("credits", []),
            "excluded": evaluation.get("excluded", []),
            "may_evaluate": bool(roles & {*STAFF_ROLES, Role.CLIENT_ADMIN})
            and state.may_become(ClaimState.EVALUATED),
            "may_issue": staff and state.may_become(ClaimState.ISSUED),
            "may_withdraw": staff and state.may_become(ClaimState.WITHDRAWN),
            "issued": state in (ClaimState.ISSUED, ClaimState.WITHDRAWN),
            "verify_url": request.build_absolute_uri(reverse("claims:verify", args=[claim.token]))
            if state in (ClaimState.ISSUED, ClaimState.WITHDRAWN)
            else "",
            "verifications": [v.value for v in Verification],
            "breadcrumbs": _crumbs(
                organisation,
                ("Claims and reports", reverse("claims:list", args=[organisation.pk])),
                (f"Claim {claim.period}", None),
            ),
        },
    )


def _run(request: AuthenticatedRequest, claim: Claim, work: Any) -> HttpResponseRedirect:
    try:
        work()
    except NotFoundError as exc:
        raise Http404(exc.message) from None
    except NeutraError as exc:
        messages.error(request, error_text(exc))
    return _back(claim)


@require_POST
@login_required
def claim_evaluate(request: AuthenticatedRequest, claim_id: int) -> HttpResponseRedirect:
    claim = _claim(request, claim_id)
    form = EvaluateForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return _back(claim)
    upload = form.cleaned_data.get("plan")
    plan = None if upload is None else upload.read(services.MAX_PLAN_BYTES + 1)
    name = "" if upload is None else str(upload.name)
    return _run(
        request,
        claim,
        lambda: services.claim_evaluate(claim=claim, by=request.user, plan_name=name, plan=plan),
    )


@require_POST
@login_required
def claim_issue(request: AuthenticatedRequest, claim_id: int) -> HttpResponseRedirect:
    claim = _claim(request, claim_id)
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return _back(claim)
    public_url = request.build_absolute_uri("/").rstrip("/")
    return _run(
        request,
        claim,
        lambda: services.claim_issue(
            claim=claim, public_url=public_url, by=request.user, **form.cleaned_data
        ),
    )


@require_POST
@login_required
def claim_withdraw(request: AuthenticatedRequest, claim_id: int) -> HttpResponseRedirect:
    claim = _claim(request, claim_id)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return _back(claim)
    return _run(
        request,
        claim,
        lambda: services.claim_withdraw(
            claim=claim, reason=form.cleaned_data["reason"], by=request.user
        ),
    )


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@login_required
def claim_download(request: AuthenticatedRequest, claim_id: int, part: str) -> HttpResponse:
    """The issued claim's signed PDF: the certificate and report, or the certificate alone."""
    claim = _claim(request, claim_id)
    if part not in PDF_PARTS:
        raise Http404(f"no such document; the documents are {', '.join(PDF_PARTS)}")
    data = claim.pdf if part == "claim" else claim.certificate_pdf
    if data is None:
        raise Http404("the claim is not issued")
    return _pdf(bytes(data), f"{part}-{claim.period.replace('/', '_')}.pdf")


def _period(year: int) -> ClaimPeriod:
    try:
        return ClaimPeriod.parse(str(year))
    except NeutraError:
        raise Http404("no such year") from None


@require_GET
@login_required
def report_download(
    request: AuthenticatedRequest, organisation_id: int, year: int, kind: str, fmt: str
) -> HttpResponse:
    """The client's management or public climate report of a year, as HTML or PDF."""
    from neutra.reports.climate_report import climate_html, climate_pdf

    organisation = organisation_or_404(request, organisation_id)
    if kind not in REPORT_KINDS or fmt not in REPORT_FORMATS:
        raise Http404("no such report")
    try:
        report = report_inputs(organisation=organisation, period=_period(year)).climate_report(kind)
    except NeutraError as exc:
        raise Http404(exc.message) from None
    name = f"{kind}-report-{year}.{fmt}"
    if fmt == "pdf":
        return _pdf(climate_pdf(report), name)
    response = HttpResponse(climate_html(report), content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@login_required
def disclosure_download(
    request: AuthenticatedRequest, organisation_id: int, year: int, framework: str, fmt: str
) -> HttpResponse:
    """A disclosure table of the client's year (GHG Protocol, ESRS E1, CDP, SECR), XLSX or JSON."""
    from neutra.formats.disclosures import disclosure_json_text, write_disclosure_xlsx

    organisation = organisation_or_404(request, organisation_id)
    if framework not in DISCLOSURES or fmt not in DISCLOSURE_FORMATS:
        raise Http404("no such disclosure")
    try:
        table = report_inputs(organisation=organisation, period=_period(year)).disclosure(framework)
    except NeutraError as exc:
        raise Http404(exc.message) from None
    name = f"{framework}-{year}.{fmt}"
    if fmt == "json":
        response = HttpResponse(disclosure_json_text(table), content_type="application/json")
    else:
        stream = io.BytesIO()
        write_disclosure_xlsx(table, stream)
        response = HttpResponse(
            stream.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- public -------------------------------------------------------------------------------


@require_GET
def verify_page(request: HttpRequest, claim_token: str) -> HttpResponse:
    """Anyone (no log-in) checks a claim: valid or withdrawn, and the serial numbers behind it."""
    try:
        claim = public_claim(claim_token)
    except NotFoundError:
        raise Http404("no issued claim has this address") from None
    evaluation = claim.evaluation or {}
    return render(
        request,
        "claims/verify.html",
        {
            "claim": claim,
            "client": claim.organisation.name,
            "withdrawn": claim.state == ClaimState.WITHDRAWN.value,
            "standard_title": _standard_title(claim.standard),
            "residual_t": evaluation.get("residual_t"),
            "required_units": evaluation.get("required_units"),
            "counted_units": evaluation.get("counted_units"),
            "credits": claim.credits.all(),
            "key": claim.signing_key,
        },
    )


def _standard_title(standard: str) -> str:
    from neutra.core.claims import rule_set_for

    return rule_set_for(Standard(standard)).title


@require_GET
def verify_certificate(request: HttpRequest, claim_token: str) -> HttpResponse:
    """The public claim's signed certificate (the page anyone can check it against)."""
    try:
        claim = public_claim(claim_token)
    except NotFoundError:
        raise Http404("no issued claim has this address") from None
    if claim.certificate_pdf is None:
        raise Http404("no certificate")
    return _pdf(bytes(claim.certificate_pdf), "certificate.pdf")


@require_GET
def verify_keys(request: HttpRequest) -> HttpResponse:
    """Every claim-signing public key, with its id (old keys stay: their claims still verify)."""
    return render(request, "claims/keys.html", {"keys": public_keys()})
