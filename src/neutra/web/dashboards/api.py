"""REST endpoints of the dashboards: figures and chart specs, lines, a line's factor, restatements.

Thin: the API's authentication (a session or a bearer token) -> the
inventory or line through the tenant-scoped selectors (another tenant's is
a 404 like a missing one) -> the query parameters through `queries` (a bad
one is a 400 naming it, in the `{"message", "extra"}` shape) -> the
selectors -> output schema. The chart specs are the ones the page draws.

It must never write, and never aggregate the lines for the dashboard endpoint.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from ninja import Router, Schema

from neutra.core.engine.explain_market import MarketLine
from neutra.core.errors import NeutraError
from neutra.reports import SCOPE3_CATEGORY_NAMES, explain_flag, spec_json
from neutra.web.accounts.requests import AuthenticatedRequest
from neutra.web.calculations.models import EmissionLine
from neutra.web.dashboards.exports import export_response
from neutra.web.dashboards.presentation import dashboard_charts
from neutra.web.dashboards.queries import api_query
from neutra.web.dashboards.selectors import (
    DashboardFigures,
    FactorDetail,
    LineArithmetic,
    dashboard_figures,
    factor_detail,
    line_arithmetic,
    line_for,
    line_market,
    lines_filtered,
    lines_total,
    restatement_diff,
    year_over_year,
)
from neutra.web.errors import NotFoundError
from neutra.web.inventories.api import ScreeningOut, screening_out
from neutra.web.inventories.selectors import inventory_for
from neutra.web.workflow.selectors import FiguresStatus, figures_status

router = Router(tags=["dashboards"])  # the API's auth: a session or an API token


class CalculationOut(Schema):
    id: int
    calculated_at: datetime
    calculated_by: str | None  # username; null for the system
    row_count: int  # activity rows calculated (= lines)
    output_hash: str  # provenance hash of the summary
    current: bool  # the figures reflect the inventory's data now
    data_changed: bool  # the data changed since this calculation: the figures are stale
    status: str  # which calculation, and whether current, in words


class FiguresStatusOut(Schema):
    calculation_id: int | None  # null: never calculated
    calculated_at: datetime | None
    current: bool
    data_changed: bool
    files_added: int  # uploads since the calculation
    files_removed: int  # uploads it included that are gone
    status: str  # in words


class GasOut(Schema):
    t: float  # tonnes of the gas
    t_co2e: float  # tonnes of CO2e


class CategoryOut(Schema):
    category: int  # 1-15
    name: str  # the GHG Protocol's name
    t_co2e: float


class FiguresOut(Schema):
    gwp_set: str
    unit: str  # "t CO2e"
    totals: dict[
        str, float
    ]  # scope1, scope2_location, scope2_market, scope3, total_location, total_market
    scope3_categories: list[CategoryOut]
    by_gas: dict[str, GasOut]
    biogenic_co2_t: float  # memo, outside the scopes
    by_entity: dict[str, dict[str, float]]  # entity ("" = rows without one) -> totals
    flag_counts: dict[str, int]  # flag -> rows carrying it
    provenance: dict[str, Any]  # engine, inputs, factor sets, GWP set, options, hash


class YearOut(Schema):
    year: int
    inventory_id: int  # the newest version of that year with a calculation
    version: int
    calculation_id: int
    totals: dict[str, float]


class DashboardOut(Schema):
    inventory_id: int
    calculated: bool  # false: never calculated (calculation and figures are null)
    calculation: CalculationOut | None
    figures: FiguresOut | None
    year_over_year: list[YearOut]  # oldest year first
    charts: dict[str, dict[str, Any]]  # chart name -> its specification (as drawn in the page)
    scope3_screening: list[ScreeningOut]  # each category: relevant, not_relevant, not_assessed


class LineOut(Schema):
    id: int
    inventory_id: int
    calculation_id: int
    file: str
    row: int  # spreadsheet row number in the file (header = 1)
    row_id: str
    entity: str | None
    year: int
    scope: int | None
    category: int | None
    activity: str | None
    quantity: float
    unit: str
    region: str | None
    factor: str | None  # "SET:FACTOR_ID"
    factor_source: str | None
    gwp_set: str
    flags: list[str]
    inclusion_share: float
    emissions_t_co2e: float  # location-based for scope 2
    emissions_market_t_co2e: float
    biogenic_co2_t: float
    gases_t: dict[str, float]  # gas -> tonnes of that gas


class LinesOut(Schema):
    count: int  # lines matching the filter
    emissions_t_co2e: float  # their sum, location-based
    emissions_market_t_co2e: float  # their sum, market-based
    limit: int
    offset: int
    lines: list[LineOut]


class FactorGasOut(Schema):
    gas: str
    t_per_unit: float  # tonnes of the gas per factor unit
    biogenic: bool
    gwp: float | None  # weight into CO2e in the GWP set; null: not weighted
    note: str


class FactorOut(Schema):
    reference: str
    set_name: str
    set_version: str
    set_source: str | None
    set_licence: str | None
    factor_id: str
    description: str | None
    activity: str | None
    unit: str
    region: str | None
    year: int | None
    source: str | None
    gwp_set: str
    gwp_source: str
    gases: list[FactorGasOut]
    co2e_per_unit: float  # t CO2e per factor unit


class ArithmeticOut(Schema):
    quantity: float
    unit: str
    scale: float | None  # factor units per row unit
    scale_note: str
    factor_unit: str
    co2e_per_unit: float
    inclusion_share: float
    computed_t_co2e: float | None
    stored_t_co2e: float
    matches: bool


class FlagOut(Schema):
    flag: str
    meaning: str


class InstrumentOnLineOut(Schema):
    instrument_id: str
    type: str  # certificate, contract or supplier_rate
    qualified: bool  # met the quality criteria for this consumption
    reasons: list[str]  # the criteria it fails (empty when qualified)
    rate_t_co2e_per_kwh: float  # the emission rate it conveys
    group_covered_kwh: float  # kWh of the whole consumption group it covers
    covered_kwh: float  # kWh of this row it covers
    t_co2e: float  # this line's t CO2e from it (after the inclusion share)


class MarketOut(Schema):
    consumption: str  # the consumption group: "entity / region / year"
    consumption_kwh: float  # the group's consumption, kWh
    row_share: float  # this row's part of it
    inclusion_share: float
    instruments: list[InstrumentOnLineOut]  # applied ones first, then the refused ones
    uncovered_kwh: float  # kWh of this row no instrument covers
    uncovered_rate_t_co2e_per_kwh: float  # residual mix, else the grid average
    uncovered_basis: str  # residual_mix, or location (the grid average)
    uncovered_t_co2e: float
    market_t_co2e: float  # the line's market-based figure
    quality_rules: str  # the quality-criteria setting of the verdicts


class LineDetailOut(Schema):
    line: LineOut
    flags_explained: list[FlagOut]
    factor: FactorOut | None  # null when the line has none or its set is no longer there
    factor_problem: str | None  # why the factor could not be shown
    arithmetic: ArithmeticOut | None
    market: MarketOut | None  # scope 2 lines instruments could cover: how market-based was made


class DiffRowOut(Schema):
    key: str
    label: str
    before: float | None
    after: float | None
    change: float | None
    change_percent: float | None


class CompareOut(Schema):
    inventory_id: int
    restates_id: int | None  # null: this version restates nothing (all lists empty)
    before_calculation_id: int | None
    after_calculation_id: int | None
    before_status: FiguresStatusOut | None  # the restated version's figures: current?
    after_status: FiguresStatusOut  # this version's figures: current?
    totals: list[DiffRowOut]
    scope3_categories: list[DiffRowOut]
    entities: list[DiffRowOut]


def _status_out(status: FiguresStatus) -> dict[str, Any]:
    return {
        "calculation_id": status.calculation_id,
        "calculated_at": status.calculated_at,
        "current": status.current,
        "data_changed": status.data_changed,
        "files_added": status.files_added,
        "files_removed": status.files_removed,
        "status": status.text,
    }


def _figures_out(figures: DashboardFigures) -> dict[str, Any]:
    return {
        "gwp_set": figures.gwp_set,
        "unit": "t CO2e",
        "totals": figures.totals,
        "scope3_categories": [
            {"category": c, "name": SCOPE3_CATEGORY_NAMES[c], "t_co2e": value}
            for c, value in figures.scope3_categories.items()
        ],
        "by_gas": figures.by_gas,
        "biogenic_co2_t": figures.biogenic_co2_t,
        "by_entity": figures.by_entity,
        "flag_counts": figures.flag_counts,
        "provenance": figures.provenance,
    }


def _line_out(line: EmissionLine, inventory_id: int) -> dict[str, Any]:
    return {
        "id": line.pk,
        "inventory_id": inventory_id,
        "calculation_id": line.calculation_id,
        "file": line.file,
        "row": line.row,
        "row_id": line.row_id,
        "entity": line.entity,
        "year": line.year,
        "scope": line.scope,
        "category": line.category,
        "activity": line.activity,
        "quantity": line.quantity,
        "unit": line.unit,
        "region": line.region,
        "factor": line.factor,
        "factor_source": line.factor_source,
        "gwp_set": line.gwp_set,
        "flags": [f for f in (line.flags or "").split(";") if f],
        "inclusion_share": line.inclusion_share,
        "emissions_t_co2e": line.emissions_t_co2e,
        "emissions_market_t_co2e": line.emissions_market_t_co2e,
        "biogenic_co2_t": line.biogenic_co2_t,
        "gases_t": {gas: float(t) for gas, t in (line.gases_t or {}).items()},
    }


def _factor_out(detail: FactorDetail) -> dict[str, Any]:
    factor = detail.factor
    return {
        "reference": detail.reference,
        "set_name": detail.set_name,
        "set_version": detail.set_version,
        "set_source": detail.set_source,
        "set_licence": detail.set_licence,
        "factor_id": factor.factor_id,
        "description": factor.description,
        "activity": factor.activity,
        "unit": factor.unit,
        "region": factor.region,
        "year": factor.year,
        "source": factor.source or detail.set_source,
        "gwp_set": detail.gwp_set,
        "gwp_source": detail.gwp_source,
        "gases": [
            {
                "gas": g.gas,
                "t_per_unit": g.t_per_unit,
                "biogenic": g.biogenic,
                "gwp": g.gwp,
                "note": g.note,
            }
            for g in detail.gases
        ],
        "co2e_per_unit": detail.co2e_per_unit,
    }


def _arithmetic_out(arithmetic: LineArithmetic) -> dict[str, Any]:
    return {
        "quantity": arithmetic.quantity,
        "unit": arithmetic.unit,
        "scale": arithmetic.scale,
        "scale_note": arithmetic.scale_note,
        "factor_unit": arithmetic.factor_unit,
        "co2e_per_unit": arithmetic.co2e_per_unit,
        "inclusion_share": arithmetic.inclusion_share,
        "computed_t_co2e": arithmetic.computed_t_co2e,
        "stored_t_co2e": arithmetic.stored_t_co2e,
        "matches": arithmetic.matches,
    }


@router.get("/inventories/{inventory_id}/dashboard", response=DashboardOut)
def get_dashboard(request: AuthenticatedRequest, inventory_id: int) -> dict[str, Any]:
    """An inventory's dashboard: its current figures, the organisation's years, the chart specs.

    Figures are the current calculation's, in tonnes, unrounded; `calculated`
    is false (figures null) before the first calculation. `year_over_year`
    holds, per year, the newest version that has a calculation. `charts` are
    the specifications the page draws (by-scope, scope3, by-entity, by-gas,
    year-over-year), each bar linking to its drill-down page.
    """
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    figures = dashboard_figures(inventory=inventory)
    years = year_over_year(organisation=inventory.organisation)
    charts = dashboard_charts(inventory=inventory, figures=figures, years=years)
    status = figures_status(inventory=inventory)
    return {
        "inventory_id": inventory.pk,
        "calculated": figures is not None,
        "calculation": None
        if figures is None
        else {
            "id": figures.calculation_id,
            "calculated_at": figures.calculated_at,
            "calculated_by": figures.calculated_by,
            "row_count": figures.row_count,
            "output_hash": figures.output_hash,
            "current": status.current,
            "data_changed": status.data_changed,
            "status": status.text,
        },
        "figures": None if figures is None else _figures_out(figures),
        "year_over_year": [
            {
                "year": y.year,
                "inventory_id": y.inventory_id,
                "version": y.version,
                "calculation_id": y.calculation_id,
                "totals": y.totals,
            }
            for y in years
        ],
        "charts": {name: spec_json(spec) for name, spec in charts.items()},
        "scope3_screening": screening_out(inventory),
    }


@router.get("/inventories/{inventory_id}/lines", response=LinesOut)
def list_lines(
    request: AuthenticatedRequest,
    inventory_id: int,
    scope: str | None = None,
    category: str | None = None,
    entity: str | None = None,
    gas: str | None = None,
    flag: str | None = None,
    q: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
) -> dict[str, Any]:
    """The lines of an inventory's current calculation, filtered, in file and row order.

    Filters: `scope` 1-3; `category` 1-15 (scope 3); `entity` (`(none)` for
    rows without one); `gas` (one of the calculation's); `flag` (a flag name,
    or `any`); `q` text in the row id, activity, factor, entity or file.
    Paging: `limit` 1-1000 (default 100), `offset` from 0. `count` and the
    sums cover every matching line, not just this page. A bad parameter is
    a 400 naming it; an inventory never calculated is a 404.
    """
    del scope, category, entity, gas, flag, q, limit, offset  # read whole below, repeats included
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    figures = dashboard_figures(inventory=inventory)
    if figures is None:
        raise NotFoundError(
            f"inventory {inventory.pk} has not been calculated yet: it has no lines",
            inventory_id=inventory.pk,
        )
    params = dict(request.GET.lists())
    chosen, limit_value, offset_value = api_query(params, figures.known)
    total = lines_total(figures=figures, line_filter=chosen)
    page = lines_filtered(calculation=figures.calculation_id, line_filter=chosen)[
        offset_value : offset_value + limit_value
    ]
    return {
        "count": total.count,
        "emissions_t_co2e": total.emissions_t_co2e,
        "emissions_market_t_co2e": total.emissions_market_t_co2e,
        "limit": limit_value,
        "offset": offset_value,
        "lines": [_line_out(line, inventory.pk) for line in page],
    }


@router.get("/lines/{line_id}", response=LineDetailOut)
def get_line(request: AuthenticatedRequest, line_id: int) -> dict[str, Any]:
    """One line with its factor: set and version, gases and values, source, the GWP of each gas,
    and the arithmetic (quantity x unit conversion x factor x inclusion share = t CO2e)."""
    line = line_for(request.user, line_id, now=timezone.now())
    inventory = line.calculation.inventory
    factor, problem, arithmetic = None, None, None
    if line.factor:
        try:
            detail = factor_detail(
                inventory=inventory, factor_ref=line.factor, gwp_set_name=line.gwp_set
            )
        except NeutraError as error:
            problem = error.message
        else:
            factor = _factor_out(detail)
            arithmetic = _arithmetic_out(line_arithmetic(line=line, detail=detail))
    out = _line_out(line, inventory.pk)
    return {
        "line": out,
        "flags_explained": [{"flag": f, "meaning": explain_flag(f)} for f in out["flags"]],
        "factor": factor,
        "factor_problem": problem,
        "arithmetic": arithmetic,
        "market": _market_out(line_market(line=line)),
    }


def _market_out(market: MarketLine | None) -> dict[str, Any] | None:
    if market is None:
        return None
    return {
        "consumption": market.consumption,
        "consumption_kwh": market.consumption_kwh,
        "row_share": market.row_share,
        "inclusion_share": market.inclusion_share,
        "instruments": [
            {
                "instrument_id": i.instrument_id,
                "type": i.type.value,
                "qualified": i.qualified,
                "reasons": list(i.reasons),
                "rate_t_co2e_per_kwh": i.rate_t_co2e_per_kwh,
                "group_covered_kwh": i.group_covered_kwh,
                "covered_kwh": i.covered_kwh,
                "t_co2e": i.t_co2e,
            }
            for i in market.instruments
        ],
        "uncovered_kwh": market.uncovered_kwh,
        "uncovered_rate_t_co2e_per_kwh": market.uncovered_rate_t_co2e_per_kwh,
        "uncovered_basis": market.uncovered_basis.value,
        "uncovered_t_co2e": market.uncovered_t_co2e,
        "market_t_co2e": market.market_t_co2e,
        "quality_rules": market.quality_rules,
    }


@router.get("/inventories/{inventory_id}/compare", response=CompareOut)
def compare_inventory(request: AuthenticatedRequest, inventory_id: int) -> dict[str, Any]:
    """A restating version against the version it restates: before, after and change per total,
    per scope 3 category and per entity (from each version's current calculation; a figure is
    null where a version was never calculated)."""
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    diff = restatement_diff(inventory=inventory)

    def rows(found: Any) -> list[dict[str, Any]]:
        return [
            {
                "key": r.key,
                "label": r.label,
                "before": r.before,
                "after": r.after,
                "change": r.change,
                "change_percent": r.change_percent,
            }
            for r in found
        ]

    after_status = _status_out(figures_status(inventory=inventory))
    if diff is None:
        return {
            "inventory_id": inventory.pk,
            "restates_id": None,
            "before_calculation_id": None,
            "after_calculation_id": None,
            "before_status": None,
            "after_status": after_status,
            "totals": [],
            "scope3_categories": [],
            "entities": [],
        }
    return {
        "inventory_id": inventory.pk,
        "restates_id": diff.restated.pk,
        "before_calculation_id": diff.before_calculation_id,
        "after_calculation_id": diff.after_calculation_id,
        "before_status": _status_out(figures_status(inventory=diff.restated)),
        "after_status": after_status,
        "totals": rows(diff.totals),
        "scope3_categories": rows(diff.categories),
        "entities": rows(diff.entities),
    }


@router.get("/inventories/{inventory_id}/export/{what}", response={200: None})
def export_inventory(
    request: AuthenticatedRequest, inventory_id: int, what: str, format: str = "csv"
) -> Any:
    """The current footprint (`what`=footprint) or its lines (`what`=lines) as a file:
    `format` csv or xlsx (the `neutra footprint` formats; text that a spreadsheet would take
    for a formula is written as text). 404 before the first calculation."""
    inventory = inventory_for(request.user, inventory_id, now=timezone.now())
    return export_response(inventory, what, format)
