"""Pages of the dashboards: figures and charts, the lines behind them, a line's factor.

Thin: the inventory through `inventory_for` (another tenant's is a 404 like
a missing one), the query string through `queries` (a bad parameter is a 400
page naming it), the figures through the selectors, the charts and tables
through `presentation`. Every page is read-only and open to every role that
sees the client, auditors included until their membership expires.

It must never aggregate the lines for the dashboard page (the benchmark runs
it on an inventory of a million rows; it reads the stored summary, and draws
the body once per calculation), and never answer a bad query with a 500.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Hashable
from threading import Lock
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from neutra.core.errors import InvalidInputError, NeutraError, Problem
from neutra.reports import SCOPE3_CATEGORY_NAMES, explain_flag, render_svg
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.dashboards.exports import export_response
from neutra.web.dashboards.presentation import (
    CHART_NAMES,
    dashboard_charts,
    dashboard_tables,
    lines_url,
)
from neutra.web.dashboards.queries import (
    PAGE_SIZE,
    LineFilter,
    page_query,
)
from neutra.web.dashboards.selectors import (
    DashboardFigures,
    dashboard_figures,
    dashboard_version,
    factor_detail,
    line_arithmetic,
    line_for,
    line_market,
    lines_filtered,
    lines_total,
    restatement_diff,
    restatement_lines,
    year_over_year,
)
from neutra.web.errors import NotFoundError
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.selectors import scope3_screening
from neutra.web.inventories.views import inventory_or_404
from neutra.web.workflow.selectors import figures_status


def _crumbs(inventory: Inventory, *more: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    organisation = inventory.organisation
    return [
        ("Organisations", reverse("tenancy:home")),
        (organisation.name, reverse("inventories:organisation", args=[organisation.pk])),
        (
            f"{inventory.year} v{inventory.version}",
            reverse("inventories:detail", args=[inventory.pk]),
        ),
        *more,
    ]


def _dashboard_crumb(inventory: Inventory) -> tuple[str, str]:
    return ("Dashboard", reverse("dashboards:dashboard", args=[inventory.pk]))


def _bad_request(
    request: HttpRequest, inventory: Inventory, error: InvalidInputError, page: str
) -> HttpResponse:
    context = {
        "inventory": inventory,
        "error": error,
        "problems": error.problems,
        "page": page,
        "breadcrumbs": _crumbs(inventory, _dashboard_crumb(inventory), (page, None)),
    }
    return render(request, "dashboards/bad_request.html", context, status=400)


class _Drawn:
    """Dashboard bodies already drawn, by everything they depend on (a small LRU, per process).

    A dashboard's figures come from an immutable calculation, so the body
    drawn for one `dashboard_version` (plus the names it shows) is the body
    for every later request with that version: drawing it (five charts,
    their tables) costs far more than the two queries that name the version.
    Bounded, and keyed by content, so a new calculation or a renamed client
    simply draws a new body.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.bodies: OrderedDict[Hashable, str] = OrderedDict()
        self.lock = Lock()  # the server's threads share it

    def get(self, key: Hashable) -> str | None:
        with self.lock:
            body = self.bodies.get(key)
            if body is not None:
                self.bodies.move_to_end(key)
            return body

    def put(self, key: Hashable, body: str) -> None:
        with self.lock:
            self.bodies[key] = body
            self.bodies.move_to_end(key)
            while len(self.bodies) > self.size:
                self.bodies.popitem(last=False)


_drawn = _Drawn(size=64)


def _dashboard_body(inventory: Inventory) -> str:
    figures = dashboard_figures(inventory=inventory)
    years = year_over_year(organisation=inventory.organisation)
    charts = dashboard_charts(inventory=inventory, figures=figures, years=years)
    # Our renderer escapes every text it draws: the SVG is safe to put in the page as is.
    svgs = {
        name.replace("-", "_"): mark_safe(render_svg(spec, interactive=True))
        for name, spec in charts.items()
    }
    context = {
        "inventory": inventory,
        "figures": figures,
        "tables": dashboard_tables(inventory=inventory, figures=figures, years=years),
        "charts": svgs,
        "chart_names": CHART_NAMES if figures is not None else ("year-over-year",),
        "all_lines": lines_url(inventory.pk),
        "flagged_lines": lines_url(inventory.pk, LineFilter(flag="any")),
    }
    return render_to_string("dashboards/_dashboard_body.html", context)


@require_GET
@login_required
def dashboard(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    inventory = inventory_or_404(request, inventory_id)
    key = (
        inventory.pk,
        inventory.organisation.name,
        inventory.restates_id,
        dashboard_version(inventory=inventory),
    )
    body = _drawn.get(key)
    if body is None:
        body = _dashboard_body(inventory)
        _drawn.put(key, body)
    context = {
        "inventory": inventory,
        # Per request, outside the drawn body: the data may change after the calculation.
        "figures_status": figures_status(inventory=inventory),
        # Per request too: screening a category changes no calculation.
        "screening": scope3_screening(inventory=inventory),
        "body": mark_safe(body),  # drawn by our own template, which escaped every text
        "breadcrumbs": _crumbs(inventory, ("Dashboard", None)),
    }
    return render(request, "dashboards/dashboard.html", context)


def _chips(inventory: Inventory, chosen: LineFilter) -> list[tuple[str, str]]:
    labels = {
        "scope": f"Scope {chosen.scope}",
        "category": f"Category {chosen.category}: "
        f"{SCOPE3_CATEGORY_NAMES.get(chosen.category or 0, '')}",
        "entity": f"Entity: {chosen.entity}",
        "gas": f"Gas: {chosen.gas}",
        "flag": "Any flag" if chosen.flag == "any" else f"Flag: {chosen.flag}",
        "q": f"Search: {chosen.search}",
    }
    return [
        (labels[name], lines_url(inventory.pk, chosen.without(name))) for name, _ in chosen.items()
    ]


def _lines_context(
    inventory: Inventory, figures: DashboardFigures, params: dict[str, list[str]]
) -> dict[str, Any]:
    chosen, page = page_query(params, figures.known)
    total = lines_total(figures=figures, line_filter=chosen)
    pages = max(1, math.ceil(total.count / PAGE_SIZE))
    if page > pages:
        reason = f"page {page} is past the last page ({pages})"
        raise InvalidInputError(
            [Problem("query", None, "page", str(page), reason)], f"page: {reason}"
        )
    start = (page - 1) * PAGE_SIZE
    lines = list(
        lines_filtered(calculation=figures.calculation_id, line_filter=chosen)[
            start : start + PAGE_SIZE
        ]
    )
    base = reverse("dashboards:lines", args=[inventory.pk])
    return {
        "filter": chosen,
        "chips": _chips(inventory, chosen),
        "total": total,
        "lines": lines,
        "page": page,
        "pages": pages,
        "first_number": start + 1,
        "previous_url": base + chosen.query(page=page - 1) if page > 1 else None,
        "next_url": base + chosen.query(page=page + 1) if page < pages else None,
    }


@require_GET
@login_required
def lines(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    inventory = inventory_or_404(request, inventory_id)
    figures = dashboard_figures(inventory=inventory)
    context: dict[str, Any] = {
        "inventory": inventory,
        "figures": figures,
        "breadcrumbs": _crumbs(inventory, _dashboard_crumb(inventory), ("Lines", None)),
    }
    if figures is not None:
        try:
            context.update(_lines_context(inventory, figures, dict(request.GET.lists())))
        except InvalidInputError as error:
            return _bad_request(request, inventory, error, "Lines")
    return render(request, "dashboards/lines.html", context)


@require_GET
@login_required
def line(request: AuthenticatedRequest, inventory_id: int, line_id: int) -> HttpResponse:
    inventory = inventory_or_404(request, inventory_id)
    try:
        found = line_for(request.user, line_id, now=timezone.now())
    except NotFoundError:
        raise Http404("line not found") from None
    if found.calculation.inventory_id != inventory.pk:
        raise Http404("line not found")
    detail, arithmetic, missing = None, None, None
    if found.factor:
        try:
            detail = factor_detail(
                inventory=inventory, factor_ref=found.factor, gwp_set_name=found.gwp_set
            )
        except NeutraError as error:
            missing = error.message
        else:
            arithmetic = line_arithmetic(line=found, detail=detail)
    figures = dashboard_figures(inventory=inventory)
    context = {
        "inventory": inventory,
        "line": found,
        "detail": detail,
        "arithmetic": arithmetic,
        "market": line_market(line=found),
        "missing": missing,
        "flags": [(flag, explain_flag(flag)) for flag in (found.flags or "").split(";") if flag],
        "gases": sorted(found.gases_t.items()),
        "superseded": figures is None or figures.calculation_id != found.calculation_id,
        "category_name": SCOPE3_CATEGORY_NAMES.get(found.category or 0),
        "breadcrumbs": _crumbs(
            inventory,
            _dashboard_crumb(inventory),
            ("Lines", lines_url(inventory.pk)),
            (f"{found.file} row {found.row}", None),
        ),
    }
    return render(request, "dashboards/line.html", context)


@require_GET
@login_required
def compare(request: AuthenticatedRequest, inventory_id: int) -> HttpResponse:
    inventory = inventory_or_404(request, inventory_id)
    diff = restatement_diff(inventory=inventory)
    context = {
        "inventory": inventory,
        "diff": diff,
        "after_status": figures_status(inventory=inventory),
        "before_status": None if diff is None else figures_status(inventory=diff.restated),
        "line_diffs": None if diff is None else restatement_lines(diff=diff),
        "breadcrumbs": _crumbs(inventory, _dashboard_crumb(inventory), ("What changed", None)),
    }
    return render(request, "dashboards/compare.html", context)


@require_GET
@login_required
def chart(request: AuthenticatedRequest, inventory_id: int, name: str) -> HttpResponse:
    inventory = inventory_or_404(request, inventory_id)
    if name not in CHART_NAMES:
        raise Http404(f"no chart named {name}; the charts are {', '.join(CHART_NAMES)}")
    figures = dashboard_figures(inventory=inventory)
    years = year_over_year(organisation=inventory.organisation)
    charts = dashboard_charts(inventory=inventory, figures=figures, years=years)
    if name not in charts:
        raise Http404("this inventory has not been calculated yet")
    response = HttpResponse(
        render_svg(charts[name], interactive=False), content_type="image/svg+xml; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'inline; filename="{name}-{inventory.year}-v{inventory.version}.svg"'
    )
    return response


@require_GET
@login_required
def export(request: AuthenticatedRequest, inventory_id: int, what: str, fmt: str) -> HttpResponse:
    """Download the current footprint or its lines (CSV or XLSX)."""
    inventory = inventory_or_404(request, inventory_id)
    try:
        return export_response(inventory, what, fmt)
    except NotFoundError:
        raise Http404("nothing to export") from None
    except InvalidInputError as error:  # more flags or lines than an XLSX sheet holds
        return _bad_request(request, inventory, error, "Export")
