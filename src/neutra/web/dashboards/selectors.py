"""Reads of the dashboards: figures, year over year, lines, a line's factor, restatements.

The dashboard reads the current calculation's stored summary (one row, and
only the keys it shows), never the lines: an inventory of a million activity
rows has a million lines, and the dashboard must answer in milliseconds. The
drill-down reads lines page by page, filtered on indexed columns; its totals
come from the summary whenever the filter is one the summary answers.

Tenancy is decided where every read of client data decides it: pass an
inventory from `neutra.web.inventories.selectors.inventory_for` and an
organisation from it; a line is found through `organisation_for`
(`line_for`), so another tenant's line is a `NotFoundError` exactly like a
missing one.

It must never write, and never aggregate or count the lines for the dashboard.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pyarrow as pa
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet, Sum

from neutra.core.engine import GasWeight, explain_line, gas_weights
from neutra.core.engine.explain_market import MarketLine, explain_market_line
from neutra.core.engine.result import SCOPE_KEYS
from neutra.core.errors import NeutraError
from neutra.core.factors import Factor
from neutra.core.gwp import gwp_set
from neutra.formats.factor_refs import load
from neutra.reports import TOTAL_LABELS, scope3_category_label
from neutra.web.calculations.models import LINE_FIELDS, Calculation, EmissionLine
from neutra.web.calculations.selectors import calculations_for
from neutra.web.dashboards.queries import ANY_FLAG, NO_ENTITY, Known, LineFilter
from neutra.web.errors import NotFoundError
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.selectors import inventory_visible_or_404, pinned_factor_refs
from neutra.web.tenancy.models import Organisation
from neutra.web.tenancy.selectors import tenant_row_for

__all__ = [
    "EXPORT_LINE_COLUMNS",
    "DashboardFigures",
    "DiffRow",
    "FactorDetail",
    "LineArithmetic",
    "LinesTotal",
    "RestatementDiff",
    "StoredFlag",
    "StoredFootprint",
    "YearFigures",
    "dashboard_figures",
    "dashboard_version",
    "factor_detail",
    "footprint_export",
    "line_arithmetic",
    "line_for",
    "line_market",
    "lines_for",
    "lines_total",
    "restatement_diff",
    "restatement_lines",
    "year_over_year",
]

# The summary keys the dashboard shows: the flag rows ("flags", up to 1000)
# are left in the database.
_SUMMARY_KEYS = (
    "gwp_set",
    "totals",
    "scope3_categories",
    "by_gas",
    "biogenic_co2_t",
    "by_entity",
    "flag_summary",
    "provenance",
)
# A line's stored figure and the one recomputed from its factor agree to
# float rounding (the engine adds the gases' terms in its own order).
_SAME = 1e-9


@dataclass(frozen=True, slots=True)
class DashboardFigures:
    """The figures of an inventory's current calculation, as stored (tonnes, unrounded)."""

    calculation_id: int
    calculated_at: datetime
    calculated_by: str | None  # username; None for the system
    row_count: int  # activity rows calculated = lines stored
    output_hash: str  # the provenance hash of the summary
    gwp_set: str  # the GWP set CO2e was computed with
    totals: dict[str, float]  # SCOPE_KEYS -> t CO2e
    scope3_categories: dict[int, float]  # 1..15 -> t CO2e
    by_gas: dict[str, dict[str, float]]  # gas -> {"t": t of gas, "t_co2e": t CO2e}
    biogenic_co2_t: float  # memo, outside the scopes
    by_entity: dict[str, dict[str, float]]  # entity ("" = none) -> SCOPE_KEYS -> t CO2e
    flag_counts: dict[str, int]  # flag -> rows carrying it
    provenance: dict[str, Any]  # engine, inputs, factor sets, GWP set, options, hash

    @property
    def known(self) -> Known:
        """What the drill-down may filter on: this calculation's gases, entities and flags."""
        return Known(
            gases=self.by_gas.keys(), entities=self.by_entity.keys(), flags=self.flag_counts.keys()
        )

    @property
    def entities_by_size(self) -> list[tuple[str, dict[str, float]]]:
        """Entities, largest location-based total first (then by name)."""
        return sorted(
            self.by_entity.items(), key=lambda item: (-item[1].get("total_location", 0.0), item[0])
        )


@dataclass(frozen=True, slots=True)
class YearFigures:
    """One year of an organisation's footprint: the newest version that has a calculation."""

    year: int
    inventory_id: int
    version: int
    calculation_id: int
    totals: dict[str, float]  # SCOPE_KEYS -> t CO2e


@dataclass(frozen=True, slots=True)
class LinesTotal:
    """How many lines a filter selects and their sum, location- and market-based."""

    count: int
    emissions_t_co2e: float
    emissions_market_t_co2e: float
    from_summary: bool  # True: read from the stored summary, no scan of the lines


@dataclass(frozen=True, slots=True)
class FactorDetail:
    """A factor of an inventory's pinned sets, with its set and the GWP of each gas."""

    reference: str  # "SET:FACTOR_ID"
    set_name: str
    set_version: str  # the set's content hash, as pinned
    set_source: str | None  # citation of the whole set
    set_licence: str | None
    factor: Factor
    gwp_set: str  # the GWP set the lines were computed with
    gwp_source: str  # its citation
    gases: tuple[GasWeight, ...]
    co2e_per_unit: float  # t CO2e per factor unit: sum of t_per_unit x gwp (biogenic left out)

    @property
    def weighted_gases(self) -> tuple[GasWeight, ...]:
        """The gases that add up to `co2e_per_unit` (biogenic CO2 and unknown gases left out)."""
        return tuple(g for g in self.gases if g.gwp is not None and not g.biogenic)


@dataclass(frozen=True, slots=True)
class LineArithmetic:
    """quantity x unit conversion x factor (in CO2e) x inclusion share = t CO2e."""

    quantity: float  # as written on the row
    unit: str  # the row's unit
    scale: float | None  # factor units per row unit; None when it cannot be worked out
    scale_note: str  # how the row's unit becomes the factor's (units, or money and prices)
    factor_unit: str
    co2e_per_unit: float  # t CO2e per factor unit
    inclusion_share: float  # the share of the row's entity inside the boundary
    computed_t_co2e: float | None  # the product; None when the scale is unknown
    stored_t_co2e: float  # the line's location-based figure, as calculated
    matches: bool  # the product equals the stored figure (to float rounding)


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One figure before and after a restatement."""

    key: str  # "total_location", "6" (a category), an entity name
    label: str
    before: float | None  # None: the earlier version has no such figure (or no calculation)
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def change_percent(self) -> float | None:
        change = self.change
        if change is None or not self.before:
            return None
        return 100.0 * change / abs(self.before)


@dataclass(frozen=True, slots=True)
class RestatementDiff:
    """A restating version against the version it restates, figure by figure."""

    inventory: Inventory  # the restating version
    restated: Inventory  # the version it corrects
    before_calculation_id: int | None  # None: the restated version was never calculated
    after_calculation_id: int | None
    totals: tuple[DiffRow, ...]
    categories: tuple[DiffRow, ...]  # scope 3 categories where either version has a figure
    entities: tuple[DiffRow, ...]


# --- the dashboard --------------------------------------------------------------------


def _current(inventory: Inventory) -> QuerySet[Calculation]:
    # The calculations app's rule (`calculation_current` is its first): newest first. Read
    # through .values() below, so only the keys shown leave the database, never the flag rows.
    return calculations_for(inventory=inventory).order_by("-calculated_at", "-id")


def dashboard_figures(*, inventory: Inventory) -> DashboardFigures | None:
    """The figures of the inventory's current calculation; None if it was never calculated.

    One query, reading only the summary keys shown (never the flag rows or the lines).
    """
    row = (
        _current(inventory)
        .values(
            "id",
            "calculated_at",
            "calculated_by__username",
            "row_count",
            "output_hash",
            *(f"summary__{key}" for key in _SUMMARY_KEYS),
        )
        .first()
    )
    if row is None:
        return None
    summary = {key: row[f"summary__{key}"] for key in _SUMMARY_KEYS}
    flag_counts: dict[str, int] = {}
    for flag, _detail, count in summary["flag_summary"] or []:
        flag_counts[flag] = flag_counts.get(flag, 0) + int(count)
    categories = summary["scope3_categories"] or {}
    return DashboardFigures(
        calculation_id=row["id"],
        calculated_at=row["calculated_at"],
        calculated_by=row["calculated_by__username"],
        row_count=row["row_count"],
        output_hash=row["output_hash"],
        gwp_set=summary["gwp_set"] or inventory.gwp_set,
        totals={key: float((summary["totals"] or {}).get(key, 0.0)) for key in SCOPE_KEYS},
        scope3_categories={c: float(categories.get(str(c), 0.0)) for c in range(1, 16)},
        by_gas={
            gas: {"t": float(v.get("t", 0.0)), "t_co2e": float(v.get("t_co2e", 0.0))}
            for gas, v in sorted((summary["by_gas"] or {}).items())
        },
        biogenic_co2_t=float(summary["biogenic_co2_t"] or 0.0),
        by_entity={
            name: {key: float(v.get(key, 0.0)) for key in SCOPE_KEYS}
            for name, v in (summary["by_entity"] or {}).items()
        },
        flag_counts=dict(sorted(flag_counts.items())),
        provenance=summary["provenance"] or {},
    )


def _year_choices(organisation: Organisation) -> dict[int, tuple[int, int, int, str]]:
    """Year -> (calculation, inventory, version, output hash) of its newest calculated version."""
    chosen: dict[int, tuple[int, int, int, str]] = {}
    candidates = (
        Calculation.objects.filter(inventory__organisation=organisation)
        .order_by("inventory__year", "-inventory__version", "-calculated_at", "-id")
        .values_list("id", "inventory__year", "inventory_id", "inventory__version", "output_hash")
    )
    for calculation_id, year, inventory_id, version, digest in candidates:
        chosen.setdefault(year, (calculation_id, inventory_id, version, digest))
    return chosen


def year_over_year(*, organisation: Organisation) -> list[YearFigures]:
    """Per reporting year, the totals of the newest version that has a calculation.

    Oldest year first. Pass an organisation the user may see (from
    `organisation_for`, or an inventory's). Two queries: which calculation
    is each year's, then only their totals.
    """
    chosen = _year_choices(organisation)
    totals = dict(
        Calculation.objects.filter(id__in=[c[0] for c in chosen.values()]).values_list(
            "id", "summary__totals"
        )
    )
    return [
        YearFigures(
            year=year,
            inventory_id=inventory_id,
            version=version,
            calculation_id=calculation_id,
            totals={
                key: float((totals.get(calculation_id) or {}).get(key, 0.0)) for key in SCOPE_KEYS
            },
        )
        for year, (calculation_id, inventory_id, version, _) in sorted(chosen.items())
    ]


def dashboard_version(*, inventory: Inventory) -> tuple[Any, ...]:
    """Everything an inventory's dashboard figures depend on, without reading a summary.

    Two small queries: the current calculation's identity (id, output hash,
    when and by whom) and each year's chosen calculation. Calculations never
    change, so the same version always shows the same figures: a page may
    keep what it drew for a version and draw it again only for a new one.
    """
    current = (
        _current(inventory)
        .values_list("id", "output_hash", "calculated_at", "calculated_by__username", "row_count")
        .first()
    )
    years = tuple(sorted(_year_choices(inventory.organisation).items()))
    return (current, years)


# --- the drill-down -------------------------------------------------------------------


def lines_for(
    *,
    calculation: Calculation | int,
    scope: int | None = None,
    category: int | None = None,
    entity: str | None = None,
    gas: str | None = None,
    flag: str | None = None,
    search: str | None = None,
) -> QuerySet[EmissionLine]:
    """The lines of a calculation, filtered, in file and row order.

    `entity` NO_ENTITY ("(none)") selects lines without an entity; `flag`
    ANY_FLAG ("any") lines with any flag; `gas` lines whose factor emits
    that gas; `search` text in the row id, activity, factor, entity or file.
    """
    lines = EmissionLine.objects.filter(calculation=calculation)
    if scope is not None:
        lines = lines.filter(scope=scope)
    if category is not None:
        # Only scope 3 lines have a category; saying so lets the (calculation, scope,
        # category) index find them instead of scanning every line of the calculation.
        lines = lines.filter(scope=3, category=category)
    if entity == NO_ENTITY:
        lines = lines.filter(Q(entity__isnull=True) | Q(entity=""))
    elif entity is not None:
        lines = lines.filter(entity=entity)
    if gas is not None:
        lines = lines.filter(gases_t__has_key=gas).exclude(**{f"gases_t__{gas}": 0})
    if flag == ANY_FLAG:
        lines = lines.exclude(flags__isnull=True).exclude(flags="")
    elif flag is not None:
        # Flags are stored sorted and joined: "region_fallback;year_fallback".
        lines = lines.filter(
            Q(flags=flag)
            | Q(flags__startswith=f"{flag};")
            | Q(flags__endswith=f";{flag}")
            | Q(flags__contains=f";{flag};")
        )
    if search:
        lines = lines.filter(
            Q(row_id__icontains=search)
            | Q(activity__icontains=search)
            | Q(factor__icontains=search)
            | Q(entity__icontains=search)
            | Q(file__icontains=search)
        )
    return lines.order_by("file", "row", "id")


def lines_filtered(
    *, calculation: Calculation | int, line_filter: LineFilter
) -> QuerySet[EmissionLine]:
    """`lines_for` with a parsed `LineFilter`."""
    return lines_for(
        calculation=calculation,
        scope=line_filter.scope,
        category=line_filter.category,
        entity=line_filter.entity,
        gas=line_filter.gas,
        flag=line_filter.flag,
        search=line_filter.search,
    )


def lines_total(*, figures: DashboardFigures, line_filter: LineFilter) -> LinesTotal:
    """How many lines the filter selects and their sum.

    The sum comes from the stored summary when the filter is one it answers
    (nothing, a scope, a category, an entity, or an entity and a scope);
    otherwise the filtered lines are summed. The count is the calculation's
    row count without a filter, else counted on the indexed columns.
    """
    lines = lines_filtered(calculation=figures.calculation_id, line_filter=line_filter)
    summary = _summary_total(figures, line_filter)
    count = figures.row_count if line_filter.is_empty else lines.count()
    if summary is not None:
        return LinesTotal(count, summary[0], summary[1], from_summary=True)
    sums = lines.order_by().aggregate(
        location=Sum("emissions_t_co2e"), market=Sum("emissions_market_t_co2e")
    )
    return LinesTotal(
        count, float(sums["location"] or 0.0), float(sums["market"] or 0.0), from_summary=False
    )


def _summary_total(figures: DashboardFigures, f: LineFilter) -> tuple[float, float] | None:
    if f.gas is not None or f.flag is not None or f.search is not None:
        return None
    if f.entity is not None:
        if f.category is not None:
            return None
        entity = figures.by_entity.get("" if f.entity == NO_ENTITY else f.entity)
        if entity is None:
            return (0.0, 0.0)
        return _scope_pair(entity, f.scope)
    if f.category is not None:
        value = figures.scope3_categories.get(f.category, 0.0)
        return (value, value)
    return _scope_pair(figures.totals, f.scope)


def _scope_pair(totals: dict[str, float], scope: int | None) -> tuple[float, float]:
    """(location, market) of one scope, or of all with None."""
    if scope is None:
        return (totals["total_location"], totals["total_market"])
    if scope == 2:
        return (totals["scope2_location"], totals["scope2_market"])
    key = f"scope{scope}"
    return (totals[key], totals[key])


def line_for(user: User, line_id: object, *, now: datetime) -> EmissionLine:
    """The line `line_id` if `user` may see its organisation at `now`; else NotFoundError (404)."""
    rows = EmissionLine.objects.select_related(
        "calculation", "calculation__inventory", "calculation__inventory__organisation"
    )
    line: EmissionLine = tenant_row_for(user, rows, line_id, now=now, what="line")
    try:
        inventory_visible_or_404(user, line.calculation.inventory, now=now)
    except NotFoundError:
        raise NotFoundError("line not found", line_id=str(line_id)) from None
    return line


def line_market(*, line: EmissionLine) -> MarketLine | None:
    """How the line's market-based figure was made, as the engine explains it: the
    instruments meant for its consumption (applied or refused, with the verdict), and the
    rest at the residual mix or grid average. None for a line no instrument could cover."""
    return explain_market_line(
        line.market_detail, quantity=line.quantity, inclusion_share=line.inclusion_share
    )


# --- a line's factor ------------------------------------------------------------------


def factor_detail(
    *, inventory: Inventory, factor_ref: str, gwp_set_name: str | None = None
) -> FactorDetail:
    """The factor `factor_ref` ("SET:FACTOR_ID" or "FACTOR_ID") of the inventory's pinned sets.

    Searched in the pinned sets' order, each at its pinned version. The GWP
    set is the inventory's unless `gwp_set_name` (a line's) is given.
    Raises `NotFoundError` when no pinned set holds it.
    """
    set_name, _, factor_id = (factor_ref or "").rpartition(":")
    for ref in pinned_factor_refs(inventory=inventory):
        name, version = ref.name, ref.version or ""
        if set_name and name != set_name:
            continue
        try:
            factor_set = load(ref)
        except NeutraError:
            continue  # a pin this server cannot find holds no factor to show
        factor = factor_set.get(factor_id)
        if factor is None:
            continue
        gwp = gwp_set(gwp_set_name or inventory.gwp_set)
        gases = gas_weights(factor, gwp)
        co2e = math.fsum(g.t_per_unit * g.gwp for g in gases if g.gwp is not None)
        return FactorDetail(
            reference=f"{name}:{factor.factor_id}",
            set_name=name,
            set_version=version,
            set_source=factor_set.source,
            set_licence=factor_set.licence,
            factor=factor,
            gwp_set=gwp.name,
            gwp_source=gwp.source,
            gases=gases,
            co2e_per_unit=co2e,
        )
    raise NotFoundError(
        f"factor {factor_ref} is not in the inventory's pinned factor sets",
        factor=str(factor_ref),
    )


def line_arithmetic(*, line: EmissionLine, detail: FactorDetail) -> LineArithmetic:
    """The line's location-based figure worked out by the engine (`explain_line`), step by step."""
    explained = explain_line(
        quantity=line.quantity,
        unit=line.unit,
        year=line.year,
        factor=detail.factor,
        gwp=gwp_set(detail.gwp_set),
        inclusion_share=line.inclusion_share,
    )
    computed = explained.t_co2e
    matches = computed is not None and math.isclose(
        computed, line.emissions_t_co2e, rel_tol=_SAME, abs_tol=1e-12
    )
    return LineArithmetic(
        quantity=explained.quantity,
        unit=explained.unit,
        scale=explained.scale,
        scale_note=explained.scale_note,
        factor_unit=explained.factor_unit,
        co2e_per_unit=explained.co2e_per_unit,
        inclusion_share=explained.inclusion_share,
        computed_t_co2e=computed,
        stored_t_co2e=line.emissions_t_co2e,
        matches=matches,
    )


# --- restatements ---------------------------------------------------------------------


def restatement_diff(*, inventory: Inventory) -> RestatementDiff | None:
    """A restating version against the one it restates; None for a version that restates nothing.

    Figures come from each version's current calculation; a version never
    calculated has no figures (None), so every change is then unknown.
    """
    restated = inventory.restates
    if restated is None:
        return None
    before = dashboard_figures(inventory=restated)
    after = dashboard_figures(inventory=inventory)

    def total(figures: DashboardFigures | None, key: str) -> float | None:
        return None if figures is None else figures.totals[key]

    totals = tuple(
        DiffRow(key, TOTAL_LABELS[key], total(before, key), total(after, key)) for key in SCOPE_KEYS
    )
    categories = tuple(
        DiffRow(
            str(c),
            scope3_category_label(c),
            None if before is None else before.scope3_categories[c],
            None if after is None else after.scope3_categories[c],
        )
        for c in range(1, 16)
        if any(f is not None and f.scope3_categories[c] for f in (before, after))
    )
    names = sorted({*(before.by_entity if before else {}), *(after.by_entity if after else {})})
    entities = tuple(
        DiffRow(
            name,
            name or NO_ENTITY,
            _entity_total(before, name),
            _entity_total(after, name),
        )
        for name in names
    )
    return RestatementDiff(
        inventory=inventory,
        restated=restated,
        before_calculation_id=None if before is None else before.calculation_id,
        after_calculation_id=None if after is None else after.calculation_id,
        totals=totals,
        categories=categories,
        entities=entities,
    )


def _entity_total(figures: DashboardFigures | None, name: str) -> float | None:
    if figures is None:
        return None
    found = figures.by_entity.get(name)
    return 0.0 if found is None else found["total_location"]  # calculated, without that entity


# --- exports --------------------------------------------------------------------------

# The lines' columns in an export: the stored line fields a reader needs, in their order
# (market_detail is the engine's working for the market-based explanation, not a figure).
EXPORT_LINE_COLUMNS = tuple(f for f in LINE_FIELDS if f != "market_detail")


@dataclass(frozen=True, slots=True)
class StoredFlag:
    row: str
    flag: str
    detail: str


@dataclass(frozen=True, slots=True)
class StoredFootprint:
    """A stored calculation as `neutra.formats.footprint_output` writes it (t, unrounded)."""

    calculation_id: int
    totals: dict[str, float]
    scope3_categories: dict[str, float]
    by_gas: dict[str, dict[str, float]]
    biogenic_co2_t: float
    by_entity: dict[str, dict[str, float]]
    flags: tuple[StoredFlag, ...]  # the first 1000 flag rows, as stored
    provenance: dict[str, Any]
    lines: pa.Table | None  # every line, in file and row order; None when not asked for


def footprint_export(*, inventory: Inventory, lines: bool) -> StoredFootprint | None:
    """The inventory's current calculation for an export; None if it was never calculated.

    With `lines`, every line is read (in file and row order): an export is
    the one place that reads them all.
    """
    calculation = _current(inventory).first()
    if calculation is None:
        return None
    summary = calculation.summary
    table = None
    if lines:
        rows = (
            EmissionLine.objects.filter(calculation=calculation)
            .order_by("file", "row", "id")
            .values_list(*EXPORT_LINE_COLUMNS)
        )
        columns: list[list[Any]] = [[] for _ in EXPORT_LINE_COLUMNS]
        for row in rows.iterator(chunk_size=5000):
            for column, value in zip(columns, row, strict=True):
                column.append(value)
        table = pa.table(dict(zip(EXPORT_LINE_COLUMNS, columns, strict=True)))
    return StoredFootprint(
        calculation_id=calculation.pk,
        totals={k: float(v) for k, v in summary.get("totals", {}).items()},
        scope3_categories={
            str(k): float(v) for k, v in summary.get("scope3_categories", {}).items()
        },
        by_gas={g: dict(v) for g, v in summary.get("by_gas", {}).items()},
        biogenic_co2_t=float(summary.get("biogenic_co2_t", 0.0)),
        by_entity={e: dict(v) for e, v in summary.get("by_entity", {}).items()},
        flags=tuple(
            StoredFlag(str(f.get("row", "")), str(f.get("flag", "")), str(f.get("detail", "")))
            for f in summary.get("flags", [])
        ),
        provenance=dict(summary.get("provenance", {})),
        lines=table,
    )


@dataclass(frozen=True, slots=True)
class LineDiff:
    """One activity row's result before and after a restatement (matched by file and row)."""

    file: str
    row: int
    row_id: str
    activity: str | None
    factor_before: str | None  # None: the row is new in the restating version
    factor_after: str | None  # None: the row was removed
    before_t: float | None  # CO2e (location-based for scope 2)
    after_t: float | None
    before_market_t: float | None
    after_market_t: float | None

    @property
    def change_t(self) -> float | None:
        if self.before_t is None or self.after_t is None:
            return None
        return self.after_t - self.before_t


@dataclass(frozen=True, slots=True)
class LineDiffs:
    """The lines that changed between two versions' current calculations."""

    changed: tuple[LineDiff, ...]  # at most `limit`, largest change first
    changed_count: int  # every changed line, listed or not
    unchanged_count: int


def restatement_lines(*, diff: RestatementDiff, limit: int = 500) -> LineDiffs | None:
    """Line by line: each activity row whose factor or CO2e differs; None unless both are calculated.

    Rows are matched by file name and spreadsheet row (a restatement starts
    from a copy of the original's uploads). Only changed lines leave the
    comparison; the page shows the largest changes first.
    """
    if diff.before_calculation_id is None or diff.after_calculation_id is None:
        return None
    fields = (
        "file",
        "row",
        "row_id",
        "activity",
        "factor",
        "emissions_t_co2e",
        "emissions_market_t_co2e",
    )

    def lines(calculation_id: int) -> dict[tuple[str, int], dict[str, Any]]:
        rows = EmissionLine.objects.filter(calculation_id=calculation_id).values(*fields)
        return {(r["file"], r["row"]): r for r in rows.iterator(chunk_size=5000)}

    before, after = lines(diff.before_calculation_id), lines(diff.after_calculation_id)
    changed = []
    unchanged = 0
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        if (
            a is not None
            and b is not None
            and a["factor"] == b["factor"]
            and a["emissions_t_co2e"] == b["emissions_t_co2e"]
            and a["emissions_market_t_co2e"] == b["emissions_market_t_co2e"]
        ):
            unchanged += 1
            continue
        either = b or a
        assert either is not None
        changed.append(
            LineDiff(
                file=key[0],
                row=key[1],
                row_id=either["row_id"],
                activity=either["activity"],
                factor_before=None if a is None else a["factor"],
                factor_after=None if b is None else b["factor"],
                before_t=None if a is None else a["emissions_t_co2e"],
                after_t=None if b is None else b["emissions_t_co2e"],
                before_market_t=None if a is None else a["emissions_market_t_co2e"],
                after_market_t=None if b is None else b["emissions_market_t_co2e"],
            )
        )
    changed.sort(key=lambda d: -abs(d.change_t) if d.change_t is not None else -math.inf)
    return LineDiffs(tuple(changed[:limit]), len(changed), unchanged)
