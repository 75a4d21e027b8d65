"""Pages of the credits ledger: the consultancy's ledger, a client's credits, a block, a lookup.

Thin: resolve what is asked through the selectors (another tenant's is a
404), call one service, show its error as a message. The consultancy's page
(`/credits/`) is for its staff; a client's people see their organisation's
credits page, its blocks and their attestations, and nothing else.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from neutra.core.credits import Match, Policy, UnitType, reconcile
from neutra.core.errors import InvalidInputError, NeutraError
from neutra.formats.numbers import whole_number
from neutra.reports.charts import BarChart, Series, render_svg
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.credits import selectors
from neutra.web.credits.models import (
    AccountKind,
    Adjustment,
    Authorisation,
    ReductionOrRemoval,
    Registry,
)
from neutra.web.credits.services import (
    Units,
    account_create,
    credits_cancel,
    credits_purchase,
    credits_sell,
    credits_transfer,
    project_create,
    registry_create,
)
from neutra.web.errors import NotFoundError, error_text
from neutra.web.fields import MoneyField, WholeNumberField
from neutra.web.tenancy.forms import form_error_text
from neutra.web.tenancy.models import Consultancy, Organisation
from neutra.web.tenancy.selectors import organisations_visible_to
from neutra.web.tenancy.views import organisation_or_404

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
BLOCK_ROWS = 500  # the pages show this many blocks; the API and the export have all


class UnitsForm(forms.Form):
    organisation = WholeNumberField(required=False)
    account = WholeNumberField(required=False)
    project = WholeNumberField(required=False)
    unit_type = forms.CharField(required=False, max_length=8)
    vintage = forms.CharField(required=False, max_length=21)
    serial_start = WholeNumberField(required=False, min_value=0, max_value=2**62)
    serial_end = WholeNumberField(required=False, min_value=0, max_value=2**62)
    quantity = WholeNumberField(required=False, min_value=1, max_value=2**62)
    policy = forms.ChoiceField(choices=[(p.value, p.value) for p in Policy], required=False)


class OperationForm(UnitsForm):
    action = forms.ChoiceField(
        choices=[("transfer", "transfer"), ("cancel", "cancel"), ("sale", "sale")]
    )
    date = forms.DateField()
    to_account = WholeNumberField(required=False)
    to_organisation = WholeNumberField(required=False)
    beneficiary = forms.CharField(required=False, max_length=200)
    purpose = forms.CharField(required=False, max_length=300)
    for_period = forms.CharField(required=False, max_length=21)
    counterparty = forms.CharField(required=False, max_length=200)
    price = MoneyField(required=False)  # per unit; its bounds are the service's
    currency = forms.CharField(required=False, max_length=3)
    reference = forms.CharField(required=False, max_length=200)


class PurchaseForm(forms.Form):
    account = WholeNumberField()
    project = WholeNumberField()
    unit_type = forms.ChoiceField(choices=[(u.value, u.value) for u in UnitType])
    vintage = forms.CharField(max_length=21)
    serial_start = WholeNumberField(min_value=0, max_value=2**62)
    serial_end = WholeNumberField(min_value=0, max_value=2**62)
    quantity = WholeNumberField(required=False, min_value=1, max_value=2**62)
    organisation = WholeNumberField(required=False)
    date = forms.DateField()
    seller = forms.CharField(required=False, max_length=200)
    price = MoneyField(required=False)  # per unit; its bounds are the service's
    currency = forms.CharField(required=False, max_length=3)
    reference = forms.CharField(required=False, max_length=200)


class ProjectForm(forms.Form):
    programme = forms.CharField(max_length=16)
    project_id = forms.CharField(max_length=64)
    title = forms.CharField(max_length=300)
    host_party = forms.CharField(max_length=2)
    project_type = forms.CharField(required=False, max_length=100)
    methodology = forms.CharField(required=False, max_length=100)
    reduction_or_removal = forms.ChoiceField(choices=ReductionOrRemoval.choices)
    authorisation = forms.ChoiceField(choices=Authorisation.choices)
    corresponding_adjustment = forms.ChoiceField(choices=Adjustment.choices)


class AccountForm(forms.Form):
    registry = forms.CharField(max_length=16)  # the registry's code; added if new
    number = forms.CharField(max_length=64)
    label = forms.CharField(required=False, max_length=200)
    kind = forms.ChoiceField(choices=AccountKind.choices)
    organisation = WholeNumberField(required=False)


def _consultancy(request: AuthenticatedRequest) -> Consultancy:
    try:
        return selectors.consultancy_for_staff(
            request.user, request.POST.get("consultancy") or request.GET.get("consultancy")
        )
    except NotFoundError:
        raise Http404("credits ledger not found") from None


def _own(rows: Any, key: object, what: str) -> Any:
    """A row of the consultancy's by id, or None for a blank id; InvalidInputError otherwise."""
    if key in (None, ""):
        return None
    found = rows.filter(pk=key).first()
    if found is None:
        from neutra.web.errors import invalid

        raise invalid("credits", what, key, f"no such {what} in this ledger")
    return found


def _units(consultancy: Consultancy, data: dict[str, Any]) -> Units:
    return Units(
        organisation=_own(
            Organisation.objects.filter(consultancy=consultancy),
            data.get("organisation"),
            "organisation",
        ),
        account=_own(
            selectors.accounts_of(consultancy=consultancy), data.get("account"), "account"
        ),
        project=_own(
            selectors.projects_of(consultancy=consultancy), data.get("project"), "project"
        ),
        unit_type=data.get("unit_type") or "",
        vintage=data.get("vintage") or "",
        serial_start=data.get("serial_start"),
        serial_end=data.get("serial_end"),
        quantity=data.get("quantity"),
        policy=data.get("policy") or Policy.FIFO.value,
    )


def _back() -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("credits:home"))


def _blocks_table(blocks: list[Any]) -> list[dict[str, Any]]:
    return [{"block": b, "label": selectors.label_of(b)} for b in blocks[:BLOCK_ROWS]]


@require_GET
@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    staffed = selectors.staff_consultancies(request.user)
    if not staffed.exists():
        clients = organisations_visible_to(request.user, now=timezone.now()).order_by("name")
        return render(
            request,
            "credits/clients.html",
            {"organisations": clients, "breadcrumbs": [("Credits", None)]},
        )
    consultancy = _consultancy(request)
    blocks = list(selectors.blocks_of_consultancy(consultancy=consultancy))
    totals = selectors.totals_of(blocks)
    # The core names a block's client by its organisation's name (unique in a consultancy).
    names = {o.name: o for o in Organisation.objects.filter(consultancy=consultancy)}
    return render(
        request,
        "credits/home.html",
        {
            "consultancy": consultancy,
            "totals": totals,
            "clients": [(names.get(c), h, x) for c, h, x in totals.by_client],
            "blocks": _blocks_table(blocks),
            "more_blocks": max(0, len(blocks) - BLOCK_ROWS),
            "projects": selectors.projects_of(consultancy=consultancy),
            "accounts": selectors.accounts_of(consultancy=consultancy),
            "organisations": Organisation.objects.filter(consultancy=consultancy).order_by("name"),
            "unit_types": [u.value for u in UnitType],
            "policies": [p.value for p in Policy],
            "journal_length": selectors.journal_length(consultancy=consultancy),
            "today": timezone.now().date().isoformat(),
            "reduction_choices": ReductionOrRemoval.choices,
            "authorisation_choices": Authorisation.choices,
            "adjustment_choices": Adjustment.choices,
            "account_kinds": AccountKind.choices,
            "breadcrumbs": [("Credits", None)],
        },
    )


@require_POST
@login_required
def purchase(request: AuthenticatedRequest) -> HttpResponse:
    consultancy = _consultancy(request)
    form = PurchaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return _back()
    data = form.cleaned_data
    try:
        txn = credits_purchase(
            consultancy=consultancy,
            account=_own(
                selectors.accounts_of(consultancy=consultancy), data["account"], "account"
            ),
            project=_own(
                selectors.projects_of(consultancy=consultancy), data["project"], "project"
            ),
            unit_type=data["unit_type"],
            vintage=data["vintage"],
            serial_start=data["serial_start"],
            serial_end=data["serial_end"],
            quantity=data["quantity"],
            organisation=_own(
                Organisation.objects.filter(consultancy=consultancy),
                data["organisation"],
                "organisation",
            ),
            date=data["date"],
            seller=data["seller"],
            price=data["price"],
            currency=data["currency"],
            reference=data["reference"],
            by=request.user,
        )
    except NeutraError as error:
        messages.error(request, error_text(error))
        return _back()
    messages.success(request, f"Purchase {txn.txn_id} recorded: {txn.quantity:,} units.")
    return _back()


@require_POST
@login_required
def operate(request: AuthenticatedRequest) -> HttpResponse:
    """Transfer (or allocate), sell or cancel units chosen by serials or by a policy."""
    consultancy = _consultancy(request)
    form = OperationForm(request.POST)
    back = request.POST.get("next", "")
    target = (
        HttpResponseRedirect(back)
        if back.startswith("/") and not back.startswith("//")
        else _back()
    )
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return target
    data = form.cleaned_data
    try:
        units = _units(consultancy, data)
        if data["action"] == "transfer":
            txn = credits_transfer(
                consultancy=consultancy,
                units=units,
                date=data["date"],
                to_account=_own(
                    selectors.accounts_of(consultancy=consultancy), data["to_account"], "to_account"
                ),
                to_organisation=_own(
                    Organisation.objects.filter(consultancy=consultancy),
                    data["to_organisation"],
                    "to_organisation",
                ),
                by=request.user,
            )
        elif data["action"] == "sale":
            txn = credits_sell(consultancy=consultancy, units=units, date=data["date"], buyer=data["counterparty"],
                               price=data["price"], currency=data["currency"], reference=data["reference"], by=request.user)  # fmt: skip
        else:
            upload = request.FILES.get("attestation")
            attestation = None
            if upload is not None:
                if upload.size is None or upload.size > MAX_UPLOAD_BYTES:
                    raise InvalidInputError(
                        [], message="attestation: the file is larger than 20 MB"
                    )
                attestation = (Path(upload.name or "attestation").name, upload.read())
            txn = credits_cancel(consultancy=consultancy, units=units, date=data["date"], beneficiary=data["beneficiary"],
                                 purpose=data["purpose"], for_period=data["for_period"], reference=data["reference"],
                                 attestation=attestation, by=request.user)  # fmt: skip
    except NeutraError as error:
        messages.error(request, error_text(error))
        return target
    messages.success(
        request,
        f"{txn.get_action_display().capitalize()} {txn.txn_id} recorded: {txn.quantity:,} units.",
    )
    return target


@require_POST
@login_required
def preview(request: AuthenticatedRequest) -> HttpResponse:
    """The units a choice would take, shown before anything is committed (an htmx fragment)."""
    consultancy = _consultancy(request)
    form = UnitsForm(request.POST)
    context: dict[str, Any] = {"chosen": [], "error": ""}
    if not form.is_valid():
        context["error"] = form_error_text(form)
    else:
        try:
            spec = _units(consultancy, form.cleaned_data).spec()
            chosen = selectors.preview(consultancy=consultancy, spec=spec)
        except NeutraError as error:
            context["error"] = error_text(error)
        else:
            context["chosen"] = [
                {
                    "block": b,
                    "label": selectors.label_of(b),
                    "start": s,
                    "end": e,
                    "quantity": e - s + 1,
                }
                for b, s, e in chosen
            ]
            context["total"] = sum(c["quantity"] for c in context["chosen"])
    return render(request, "credits/_preview.html", context)


@require_POST
@login_required
def project_new(request: AuthenticatedRequest) -> HttpResponse:
    consultancy = _consultancy(request)
    form = ProjectForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return _back()
    try:
        project = project_create(consultancy=consultancy, by=request.user, **form.cleaned_data)
    except NeutraError as error:
        messages.error(request, error_text(error))
        return _back()
    messages.success(request, f"Project {project} registered.")
    return _back()


@require_POST
@login_required
def account_new(request: AuthenticatedRequest) -> HttpResponse:
    consultancy = _consultancy(request)
    form = AccountForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return _back()
    data = form.cleaned_data
    try:
        code = data["registry"].strip().upper()
        registry = Registry.objects.filter(consultancy=consultancy, code=code).first()
        organisation = _own(
            Organisation.objects.filter(consultancy=consultancy),
            data["organisation"],
            "organisation",
        )
        if registry is None:
            registry = registry_create(consultancy=consultancy, code=code, by=request.user)
        account = account_create(registry=registry, number=data["number"], label=data["label"], kind=data["kind"],
                                 organisation=organisation, by=request.user)  # fmt: skip
    except NeutraError as error:
        messages.error(request, error_text(error))
        return _back()
    messages.success(request, f"Account {account} opened.")
    return _back()


def _uploaded(request: HttpRequest, suffixes: tuple[str, ...]) -> Path:
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInputError([], message="file: choose a file to upload")
    name = Path(upload.name or "upload.csv").name
    if Path(name).suffix.lower() not in suffixes:
        raise InvalidInputError([], message=f"file: {name} is not a {' or '.join(suffixes)} file")
    if upload.size is None or upload.size > MAX_UPLOAD_BYTES:
        raise InvalidInputError([], message="file: the file is larger than 20 MB")
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="neutra-credits-"))
    path = folder / name
    with path.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return path


@require_POST
@login_required
def import_ledger(request: AuthenticatedRequest) -> HttpResponse:
    """Import a ledger file: validated whole, applied in one transaction or not at all."""
    import shutil

    from neutra.formats.ledger_file import read_ledger
    from neutra.web.credits.services import ledger_import

    consultancy = _consultancy(request)
    path = None
    try:
        path = _uploaded(request, (".csv", ".xlsx"))
        rows = read_ledger(path)
        made = ledger_import(consultancy=consultancy, rows=rows, source=path.name, by=request.user)
    except InvalidInputError as error:
        problems = error.problems
        messages.error(
            request, f"Nothing was imported. {error_text(error) if not problems else ''}".strip()
        )
        for problem in problems[:50]:
            messages.error(
                request,
                f"row {problem.row}, {problem.column}: {problem.value or ''}: {problem.reason}",
            )
        return _back()
    except NeutraError as error:
        messages.error(request, error_text(error))
        return _back()
    finally:
        if path is not None:
            shutil.rmtree(path.parent, ignore_errors=True)
    messages.success(request, f"Imported {len(made)} transactions.")
    return _back()


@require_GET
@login_required
def export_ledger(request: AuthenticatedRequest) -> HttpResponse:
    """The consultancy's ledger as a ledger file (CSV, DESIGN.md §5.1)."""
    import io

    from neutra.formats.ledger_file import write_ledger_cells

    consultancy = _consultancy(request)
    handle = io.StringIO()
    write_ledger_cells(selectors.ledger_rows(consultancy=consultancy), handle)
    response = HttpResponse(handle.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ledger-{timezone.now():%Y-%m-%d}.csv"'
    return response


@require_POST
@login_required
def reconcile_statement(request: AuthenticatedRequest) -> HttpResponse:
    """Compare a registry statement with the ledger and show what differs."""
    import shutil

    from neutra.formats.registry_statement import read_statement

    consultancy = _consultancy(request)
    path = None
    try:
        path = _uploaded(request, (".csv", ".xlsx"))
        lines = read_statement(path, label=path.name)
    except NeutraError as error:
        problems = getattr(error, "problems", ())
        text = "; ".join(
            f"row {p.row}, {p.column}: {p.reason}" for p in problems[:20]
        ) or error_text(error)
        messages.error(request, f"The statement cannot be read: {text}")
        return _back()
    finally:
        if path is not None:
            shutil.rmtree(path.parent, ignore_errors=True)
    result = reconcile(selectors.current_core_blocks(consultancy=consultancy), lines)
    return render(
        request,
        "credits/reconciliation.html",
        {
            "consultancy": consultancy,
            "result": result,
            "groups": [(m, result.of(m), result.units(m)) for m in Match],
            "breadcrumbs": [("Credits", reverse("credits:home")), ("Reconciliation", None)],
        },
    )


def _chart(holdings: list[selectors.Holding], title: str) -> str:
    if not holdings:
        return ""
    spec = BarChart(
        title=title,
        unit="units (t CO2e)",
        categories=tuple(" ".join(h.key) for h in holdings),
        series=(
            Series("Held", tuple(float(h.held) for h in holdings)),
            Series("Cancelled", tuple(float(h.cancelled) for h in holdings)),
        ),
        stacked=True,
    )
    # Our renderer escapes every text it draws: the SVG is safe in the page as is.
    return mark_safe(render_svg(spec, interactive=False))


GROUPINGS = {
    "year": "Year of the last transaction",
    "project": "Project",
    "vintage": "Vintage",
    "type": "Unit type",
}


@require_GET
@login_required
def organisation_credits(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    """A client's credits: held and cancelled by year, project, vintage and type; its cancellations."""
    organisation = organisation_or_404(request, organisation_id)
    by = request.GET.get("by", "year")
    if by not in GROUPINGS:
        by = "year"
    blocks = list(selectors.blocks_of_organisation(organisation=organisation))
    holdings = selectors.holdings_by(blocks, by=by)
    totals = selectors.totals_of(blocks)
    staff = (
        selectors.staff_consultancies(request.user).filter(pk=organisation.consultancy_id).exists()
    )
    return render(
        request,
        "credits/organisation.html",
        {
            "organisation": organisation,
            "blocks": _blocks_table(blocks),
            "holdings": holdings,
            "by": by,
            "groupings": GROUPINGS,
            "chart": _chart(holdings, f"Units of {organisation.name} by {GROUPINGS[by].lower()}"),
            "totals": totals,
            "cancellations": selectors.cancellations_of(organisation=organisation),
            "staff": staff,
            "today": timezone.now().date().isoformat(),
            "year": timezone.now().year - 1,
            "breadcrumbs": [
                ("Organisations", reverse("tenancy:home")),
                (organisation.name, reverse("inventories:organisation", args=[organisation.pk])),
                ("Credits", None),
            ],
        },
    )


@require_GET
@login_required
def block_detail(request: AuthenticatedRequest, block_id: int) -> HttpResponse:
    """One block: its serials in the programme's format, and its history from purchase on."""
    try:
        block = selectors.block_for(request.user, block_id, now=timezone.now())
    except NotFoundError:
        raise Http404("block not found") from None
    history = selectors.block_history(block=block)
    return render(
        request,
        "credits/block.html",
        {
            "block": block,
            "label": selectors.label_of(block),
            "lineage": [{"block": b, "label": selectors.label_of(b)} for b in history.lineage],
            "children": [{"block": b, "label": selectors.label_of(b)} for b in history.children],
            "transactions": history.transactions,
            "breadcrumbs": [("Credits", reverse("credits:home")), (f"Block {block.pk}", None)],
        },
    )


@require_GET
@login_required
def attestation(request: AuthenticatedRequest, transaction_id: int) -> HttpResponse:
    """The registry's attestation of a cancellation, as uploaded."""
    try:
        txn = selectors.attestation_for(request.user, transaction_id, now=timezone.now())
    except NotFoundError:
        raise Http404("transaction not found") from None
    if not txn.attestation:
        raise Http404("this cancellation has no attestation file (see its reference)")
    response = HttpResponse(bytes(txn.attestation), content_type="application/octet-stream")
    # The name came with an upload: only plain characters go into the header.
    name = re.sub(r"[^\w.\- ]", "_", txn.attestation_name, flags=re.ASCII) or "attestation"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@login_required
def find(request: AuthenticatedRequest) -> HttpResponse:
    """The blocks holding a serial number, among those the user may see."""
    text = request.GET.get("serial", "").strip()
    results: list[dict[str, Any]] = []
    error = ""
    if text:
        serial = whole_number(text)  # not `int()`: "²" is a digit to `str.isdigit()` only
        if serial is None:
            error = "serial: write the unit's serial number (digits only)"
        else:
            results = [
                {"block": b, "label": selectors.label_of(b)}
                for b in selectors.find_serial(request.user, serial, now=timezone.now())
            ]
    return render(
        request,
        "credits/find.html",
        {
            "serial": text,
            "results": results,
            "error": error,
            "breadcrumbs": [("Credits", reverse("credits:home")), ("Find a serial", None)],
        },
    )
