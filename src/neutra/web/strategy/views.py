"""Pages of the climate strategy: a client's base year, changes, denominators, intensities,
targets, reduction plan, trajectory and MAC charts, and the DESIGN.md §8 exports.

Thin: the organisation through `organisation_for` (another tenant's is a 404
like a missing one), posted text through a form (types only), one service,
its error as a message. Reading is open to every role that sees the client;
the services decide who may write.
"""

from __future__ import annotations

import io
from enum import StrEnum
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

from neutra.core.abatement import MeasureStatus
from neutra.core.baseyear import ChangeKind
from neutra.core.errors import NeutraError
from neutra.core.history import EMISSION_KEYS, EmissionsHistory, Scope2Basis, ScopeCoverage
from neutra.core.money import has_currency
from neutra.core.targets import TargetKind, known_criteria
from neutra.core.units import CURRENCIES
from neutra.formats.numbers import decimal_number, whole_number
from neutra.formats.strategy_files import (
    write_changes,
    write_denominators,
    write_history,
    write_targets,
)
from neutra.reports import render_svg
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.errors import NotFoundError, error_text, invalid
from neutra.web.fields import DecimalNumberField, WholeNumberField
from neutra.web.strategy import services
from neutra.web.strategy.models import Measure
from neutra.web.strategy.presentation import (
    CHART_MAC,
    TRAJECTORY_PREFIX,
    mac_chart,
    trajectory_chart,
)
from neutra.web.strategy.selectors import (
    StrategyView,
    core_changes,
    core_denominators,
    core_targets,
    strategy_view,
)
from neutra.web.tenancy.forms import form_error_text
from neutra.web.tenancy.models import Organisation, Role
from neutra.web.tenancy.selectors import roles_in, tenant_row_for
from neutra.web.tenancy.views import organisation_or_404

EXPORTS = ("history", "history-restated", "denominators", "targets", "changes")


def _choices(kind: type[StrEnum]) -> list[tuple[str, str]]:
    return [(m.value, m.value.replace("_", " ")) for m in kind]


class BaseYearForm(forms.Form):
    year = WholeNumberField()
    scope2 = forms.ChoiceField(choices=_choices(Scope2Basis))
    threshold_percent = DecimalNumberField(initial=5.0)  # shown in %, stored as a fraction
    policy = forms.CharField(required=False, max_length=5000)


class ChangeForm(forms.Form):
    year = WholeNumberField()
    kind = forms.ChoiceField(choices=_choices(ChangeKind))
    description = forms.CharField(max_length=500)
    base_year_effect_t = DecimalNumberField()


class DenominatorForm(forms.Form):
    year = WholeNumberField()
    indicator = forms.CharField(max_length=64)
    value = DecimalNumberField()
    unit = forms.CharField(max_length=32, required=False)
    source = forms.CharField(max_length=300, required=False)


class TargetForm(forms.Form):
    code = forms.CharField(max_length=40)
    kind = forms.ChoiceField(choices=_choices(TargetKind))
    scopes = forms.ChoiceField(choices=_choices(ScopeCoverage))
    scope2 = forms.ChoiceField(choices=_choices(Scope2Basis))
    base_year = WholeNumberField()
    base_value = DecimalNumberField(required=False)
    target_year = WholeNumberField()
    reduction_percent = DecimalNumberField()  # shown in %, stored as a fraction
    denominator = forms.CharField(max_length=64, required=False)
    criteria = forms.CharField(max_length=64, required=False)
    categories = forms.CharField(max_length=100, required=False)  # "1;6;7"
    milestones = forms.CharField(max_length=300, required=False)  # "2025:21;2027:30" (percent)


class MeasureForm(forms.Form):
    name = forms.CharField(max_length=200)
    abatement_t_per_year = DecimalNumberField()
    cost_per_year = DecimalNumberField()
    currency = forms.CharField(max_length=3)
    start_year = WholeNumberField()
    owner = forms.CharField(max_length=200)
    status = forms.ChoiceField(choices=_choices(MeasureStatus))
    scope = forms.ChoiceField(
        choices=[("", "not said"), ("1", "1"), ("2", "2"), ("3", "3")], required=False
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=_choices(MeasureStatus))


def _back(organisation: Organisation, anchor: str = "") -> HttpResponseRedirect:
    url = reverse("strategy:page", args=[organisation.pk])
    return HttpResponseRedirect(url + (f"#{anchor}" if anchor else ""))


def _currency(request: HttpRequest) -> str | None:
    chosen = str(request.GET.get("currency", "")).upper() or None
    if chosen is not None and chosen not in CURRENCIES:
        raise Http404("no such currency")
    return chosen


@require_GET
@login_required
def strategy_page(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    organisation = organisation_or_404(request, organisation_id)
    view = strategy_view(organisation=organisation, currency=_currency(request))
    roles = roles_in(request.user, organisation, now=timezone.now())
    editors = {Role.CONSULTANCY_ADMIN, Role.CONSULTANT, Role.CLIENT_ADMIN}
    context: dict[str, Any] = {
        "organisation": organisation,
        "view": view,
        "report": view.report,
        "may_edit": bool(roles & editors),
        "may_enter_data": bool(roles & (editors | {Role.CONTRIBUTOR})),
        "kinds": _choices(ChangeKind),
        "target_kinds": _choices(TargetKind),
        "scope_choices": _choices(ScopeCoverage),
        "scope2_choices": _choices(Scope2Basis),
        "statuses": _choices(MeasureStatus),
        "criteria_names": sorted(known_criteria()),
        "threshold_percent": view.threshold * 100,
        "exports": EXPORTS,
        "currencies": sorted(
            {d.unit for d in view.denominators if d.indicator == "revenue"}
            | {c for c in ("EUR", "GBP", "USD") if has_currency(c)}
        ),
        "breadcrumbs": [
            ("Organisations", reverse("tenancy:home")),
            (organisation.name, reverse("inventories:organisation", args=[organisation.pk])),
            ("Climate strategy", None),
        ],
        **_tables(view),
    }
    return render(request, "strategy/page.html", context)


def _tables(view: StrategyView) -> dict[str, Any]:
    """The report's figures arranged for the page (no arithmetic: core computed them)."""
    report = view.report
    if report is None:
        return {
            "years": [],
            "emission_rows": [],
            "intensity_rows": [],
            "target_rows": [],
            "charts": [],
        }
    years = [y.year for y in report.history.years]
    emission_rows = [
        (key.value, key.label, [report.history.year(y).figure(key) for y in years])
        for key in EMISSION_KEYS
    ]
    by_key: dict[tuple[str, str], dict[int, Any]] = {}
    for i in report.intensities:
        by_key.setdefault((i.indicator, i.key.value), {})[i.year] = i
    intensity_rows = []
    for (indicator, key), found in sorted(by_key.items()):
        sample = next(iter(found.values()))
        intensity_rows.append(
            {
                "indicator": indicator,
                "key": key,
                "label": f"{sample.key.label} per {sample.denominator.per}",
                "cells": [found.get(y) for y in years],
            }
        )
    target_rows = []
    trajectories = dict(view.trajectories)
    charts = []
    for result in report.targets:
        code = result.target.target_id
        years_of_path = sorted(set(result.path) | set(result.actual))
        trajectory = trajectories.get(code)
        target_rows.append(
            {
                "result": result,
                "rows": [
                    (y, result.path.get(y), result.actual.get(y), result.covered_t.get(y))
                    for y in years_of_path
                ],
                "trajectory": trajectory,
            }
        )
        if trajectory is not None and trajectory.years:
            spec = trajectory_chart(code, result.target.scopes.value, trajectory)
            charts.append(
                (code, mark_safe(render_svg(spec, interactive=True)), trajectory)
            )  # our own escaped SVG
    return {
        "years": years,
        "emission_rows": emission_rows,
        "intensity_rows": intensity_rows,
        "target_rows": target_rows,
        "charts": charts,
        "mac_svg": mark_safe(render_svg(mac_chart(view.mac), interactive=True)) if view.mac else "",
    }


def _post(
    request: AuthenticatedRequest,
    organisation_id: int,
    form_class: type[forms.Form],
    act: Any,
    done: str,
    anchor: str,
) -> HttpResponse:
    organisation = organisation_or_404(request, organisation_id)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
        return _back(organisation, anchor)
    try:
        act(organisation, form.cleaned_data)
    except NeutraError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, done)
    return _back(organisation, anchor)


@require_POST
@login_required
def base_year_post(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    def act(organisation: Organisation, data: dict[str, Any]) -> None:
        services.base_year_set(
            organisation=organisation, year=data["year"], scope2=data["scope2"],
            threshold=data["threshold_percent"] / 100, policy=data["policy"], by=request.user,
        )  # fmt: skip

    return _post(request, organisation_id, BaseYearForm, act, "Base year saved.", "base-year")


@require_POST
@login_required
def change_post(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    def act(organisation: Organisation, data: dict[str, Any]) -> None:
        services.structural_change_record(organisation=organisation, by=request.user, **data)

    return _post(request, organisation_id, ChangeForm, act, "Change recorded.", "changes")


@require_POST
@login_required
def recalculation_post(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    organisation = organisation_or_404(request, organisation_id)
    try:
        services.recalculation_accept(organisation=organisation, by=request.user)
    except NeutraError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(
            request, "Recalculation accepted: the base year and the years since are restated."
        )
    return _back(organisation, "base-year")


@require_POST
@login_required
def denominator_post(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    def act(organisation: Organisation, data: dict[str, Any]) -> None:
        services.denominator_set(organisation=organisation, by=request.user, **data)

    return _post(
        request, organisation_id, DenominatorForm, act, "Denominator saved.", "denominators"
    )


def _milestone_text(text: str) -> list[dict[str, Any]]:
    points = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        year_text, _, percent_text = part.partition(":")
        year = whole_number(year_text.strip())
        percent = decimal_number(percent_text.strip())
        if year is None or percent is None:
            raise invalid(
                "target", "milestones", part, "give year:percent pairs, e.g. 2025:21;2027:30"
            )
        points.append({"year": year, "reduction": percent / 100})
    return points


def _category_text(text: str) -> list[int]:
    found = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        # Not `str.isdigit()`: it says yes to "²", which `int()` refuses (a server error).
        category = whole_number(part, max_digits=2)
        if category is None:
            raise invalid(
                "target", "categories", part, "give scope 3 categories 1-15 separated by ';'"
            )
        found.append(category)
    return found


@require_POST
@login_required
def target_post(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    def act(organisation: Organisation, data: dict[str, Any]) -> None:
        services.target_set(
            organisation=organisation, by=request.user, code=data["code"], kind=data["kind"],
            scopes=data["scopes"], scope2=data["scope2"], base_year=data["base_year"],
            base_value=data["base_value"], target_year=data["target_year"],
            reduction=data["reduction_percent"] / 100, denominator=data["denominator"],
            criteria=data["criteria"], categories=_category_text(data["categories"]),
            milestones=_milestone_text(data["milestones"]),
        )  # fmt: skip

    return _post(request, organisation_id, TargetForm, act, "Target saved.", "targets")


@require_POST
@login_required
def measure_post(request: AuthenticatedRequest, organisation_id: int) -> HttpResponse:
    def act(organisation: Organisation, data: dict[str, Any]) -> None:
        services.measure_create(organisation=organisation, by=request.user, **data)

    return _post(request, organisation_id, MeasureForm, act, "Measure added to the plan.", "plan")


@require_POST
@login_required
def measure_status_post(request: AuthenticatedRequest, measure_id: int) -> HttpResponse:
    try:
        measure = tenant_row_for(
            request.user, Measure.objects.all(), measure_id, now=timezone.now(), what="measure"
        )
    except NotFoundError:
        raise Http404("measure not found") from None
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, form_error_text(form))
    else:
        try:
            services.measure_status_set(
                measure=measure, status=form.cleaned_data["status"], by=request.user
            )
        except NeutraError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, "Measure updated.")
    return _back(measure.organisation, "plan")


@require_GET
@login_required
def chart(request: AuthenticatedRequest, organisation_id: int, chart: str) -> HttpResponse:
    """A chart as a standalone static SVG (no links), for reports."""
    organisation = organisation_or_404(request, organisation_id)
    view = strategy_view(organisation=organisation)
    if chart == CHART_MAC:
        if not view.mac:
            raise Http404("the plan has no measures to rank")
        spec = mac_chart(view.mac)
    elif chart.startswith(TRAJECTORY_PREFIX):
        code = chart.removeprefix(TRAJECTORY_PREFIX)
        found = dict(view.trajectories).get(code)
        if found is None or view.report is None:
            raise Http404("no absolute target with this code")
        result = next(t for t in view.report.targets if t.target.target_id == code)
        spec = trajectory_chart(code, result.target.scopes.value, found)
    else:
        raise Http404(f"no chart named {chart}")
    response = HttpResponse(
        render_svg(spec, interactive=False), content_type="image/svg+xml; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="{chart}.svg"'
    return response


@require_GET
@login_required
def export(request: AuthenticatedRequest, organisation_id: int, export: str) -> HttpResponse:
    """One of the DESIGN.md §8 files of the client, as `neutra strategy` reads it."""
    organisation = organisation_or_404(request, organisation_id)
    if export not in EXPORTS:
        raise Http404(f"no export named {export}; the exports are {', '.join(EXPORTS)}")
    view = strategy_view(organisation=organisation)
    out = io.StringIO()
    if export == "history":
        write_history(view.history, out)
    elif export == "history-restated":
        history = view.report.base_year.restated_history if view.report else EmissionsHistory(())
        write_history(history, out)
    elif export == "denominators":
        write_denominators(core_denominators(view.denominators), out)
    elif export == "targets":
        write_targets(core_targets(view.targets), out)
    else:
        write_changes(core_changes((*view.applied, *view.pending)), out)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export}.csv"'
    return response
