"""What the dashboard shows, built from the selectors' figures: charts and their tables.

One function builds the chart specifications (`dashboard_charts`): the page
draws them with links, the static SVG endpoint without, and the API serves
them as JSON, so all three show the same thing. The tables beside the
charts hold the same figures exactly, each linking to its drill-down.

It must never read the database (the selectors do) and never round a
figure (templates format for display with `neutra.core.rounding`).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from neutra.core.engine.result import SCOPE_KEYS
from neutra.reports import (
    TOTAL_LABELS,
    BarChart,
    Series,
    explain_flag,
    gas_label,
    scope3_category_label,
)
from neutra.web.dashboards.queries import NO_ENTITY, LineFilter
from neutra.web.dashboards.selectors import DashboardFigures, YearFigures
from neutra.web.inventories.models import Inventory

__all__ = [
    "CHART_NAMES",
    "MAX_ENTITY_BARS",
    "MAX_ENTITY_ROWS",
    "DashboardTables",
    "dashboard_charts",
    "dashboard_tables",
    "lines_url",
]

CHART_NAMES = ("by-scope", "scope3", "by-entity", "by-gas", "year-over-year")
MAX_ENTITY_BARS = 15  # the chart shows the largest; the rest are one bar
MAX_ENTITY_ROWS = 25  # the table's rows (a page of many sites stays fast); the API has all
UNIT = "t CO2e"


def lines_url(inventory_id: int, line_filter: LineFilter | None = None) -> str:
    """The drill-down page of an inventory's lines, filtered."""
    return _lines_base(inventory_id) + (line_filter or LineFilter()).query()


def _lines_base(inventory_id: int) -> str:
    # One reverse() per page, not one per link: a dashboard has a hundred links or more.
    return reverse("dashboards:lines", args=[inventory_id])


class _Links:
    """The drill-down links of one inventory, from one reverse()."""

    def __init__(self, inventory_id: int) -> None:
        self.base = _lines_base(inventory_id)

    def __call__(self, line_filter: LineFilter | None = None) -> str:
        return self.base + (line_filter or LineFilter()).query()


def _entity_value(name: str) -> str:
    return NO_ENTITY if name == "" else name


def dashboard_charts(
    *, inventory: Inventory, figures: DashboardFigures | None, years: list[YearFigures]
) -> dict[str, BarChart]:
    """The dashboard's charts by name (CHART_NAMES); without figures, only year over year."""
    charts: dict[str, BarChart] = {}
    if figures is not None:
        charts.update(_figure_charts(_Links(inventory.pk), figures))
    charts["year-over-year"] = BarChart(
        title=f"{inventory.organisation.name}: year over year",
        unit=UNIT,
        categories=tuple(str(y.year) for y in years),
        series=tuple(
            Series(
                name,
                tuple(y.totals[key] for y in years),
                tuple(reverse("dashboards:dashboard", args=[y.inventory_id]) for y in years),
            )
            for name, key in (
                (TOTAL_LABELS["total_location"], "total_location"),
                (TOTAL_LABELS["total_market"], "total_market"),
            )
        ),
    )
    return charts


def _figure_charts(url: _Links, figures: DashboardFigures) -> dict[str, BarChart]:
    t = figures.totals
    scope_links = tuple(url(LineFilter(scope=s)) for s in (1, 2, 3))
    by_scope = BarChart(
        title="Emissions by scope",
        unit=UNIT,
        categories=("Scope 1", "Scope 2", "Scope 3"),
        series=(
            Series("Location-based", (t["scope1"], t["scope2_location"], t["scope3"]), scope_links),
            Series("Market-based", (t["scope1"], t["scope2_market"], t["scope3"]), scope_links),
        ),
    )
    scope3 = BarChart(
        title="Scope 3 by category",
        unit=UNIT,
        categories=tuple(scope3_category_label(c) for c in range(1, 16)),
        series=(
            Series(
                "Scope 3",
                tuple(figures.scope3_categories[c] for c in range(1, 16)),
                tuple(url(LineFilter(category=c)) for c in range(1, 16)),
            ),
        ),
        horizontal=True,
    )
    ranked = figures.entities_by_size
    shown, rest = ranked[:MAX_ENTITY_BARS], ranked[MAX_ENTITY_BARS:]
    if len(rest) == 1:  # one bar for one entity: show it by name
        shown, rest = ranked, []
    entity_names = [name or "(no entity)" for name, _ in shown]
    if rest:
        entity_names.append(f"{len(rest)} other entities")
    series = []
    for label, key, scope in (
        (TOTAL_LABELS["scope1"], "scope1", 1),
        (TOTAL_LABELS["scope2_location"], "scope2_location", 2),
        (TOTAL_LABELS["scope3"], "scope3", 3),
    ):
        values = [v[key] for _, v in shown]
        links: list[str | None] = [
            url(LineFilter(entity=_entity_value(name), scope=scope)) for name, _ in shown
        ]
        if rest:
            values.append(sum(v[key] for _, v in rest))
            links.append(None)
        series.append(Series(label, tuple(values), tuple(links)))
    by_entity = BarChart(
        title="Emissions by entity (location-based)",
        unit=UNIT,
        categories=tuple(entity_names),
        series=tuple(series),
        stacked=True,
        horizontal=True,
    )
    gases = list(figures.by_gas)
    by_gas = BarChart(
        title="Emissions by gas",
        unit=UNIT,
        categories=tuple(gas_label(g) for g in gases),
        series=(
            Series(
                "CO2e",
                tuple(figures.by_gas[g]["t_co2e"] for g in gases),
                tuple(url(LineFilter(gas=g)) for g in gases),
            ),
        ),
        horizontal=True,
    )
    return {"by-scope": by_scope, "scope3": scope3, "by-entity": by_entity, "by-gas": by_gas}


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a dashboard table: a label, figures, and where it drills down to."""

    label: str
    figures: tuple[float | None, ...]
    url: str | None
    key: str = ""  # the filter value or key behind the row


@dataclass(frozen=True, slots=True)
class DashboardTables:
    """The dashboard's tables: the charts' figures, exact, each row linked."""

    cards: tuple[Row, ...]  # headline figures, one figure each
    scopes: tuple[Row, ...]  # (location, market)
    categories: tuple[Row, ...]  # (t CO2e,)
    entities: tuple[Row, ...]  # (scope1, scope2 location, scope2 market, scope3, total loc, mkt)
    entities_left_out: int  # entities beyond MAX_ENTITY_ROWS
    gases: tuple[Row, ...]  # (t of gas, t CO2e)
    years: tuple[Row, ...]  # (location, market), linked to that year's dashboard
    flags: tuple[Row, ...]  # (rows,), label = flag, key = its explanation


def dashboard_tables(
    *, inventory: Inventory, figures: DashboardFigures | None, years: list[YearFigures]
) -> DashboardTables:
    """The tables of the dashboard (empty but for the years without figures)."""
    year_rows = tuple(
        Row(
            f"{y.year} (version {y.version})",
            (y.totals["total_location"], y.totals["total_market"]),
            reverse("dashboards:dashboard", args=[y.inventory_id]),
            str(y.year),
        )
        for y in years
    )
    if figures is None:
        return DashboardTables((), (), (), (), 0, (), year_rows, ())
    url = _Links(inventory.pk)
    t = figures.totals
    scope_of_key = {"scope1": 1, "scope2_location": 2, "scope2_market": 2, "scope3": 3}
    cards = (
        *(
            Row(label, (t[key],), url(LineFilter(scope=scope_of_key.get(key))), key)
            for key, label in TOTAL_LABELS.items()
        ),
        Row("Biogenic CO2 (memo, outside the scopes)", (figures.biogenic_co2_t,), None, "biogenic"),
    )
    scopes = (
        Row("Scope 1", (t["scope1"], t["scope1"]), url(LineFilter(scope=1)), "1"),
        Row("Scope 2", (t["scope2_location"], t["scope2_market"]), url(LineFilter(scope=2)), "2"),
        Row("Scope 3", (t["scope3"], t["scope3"]), url(LineFilter(scope=3)), "3"),
        Row("Total", (t["total_location"], t["total_market"]), url(), ""),
    )
    categories = tuple(
        Row(
            scope3_category_label(c),
            (figures.scope3_categories[c],),
            url(LineFilter(category=c)),
            str(c),
        )
        for c in range(1, 16)
    )
    ranked = figures.entities_by_size
    entities = tuple(
        Row(
            name or "(no entity)",
            tuple(v[key] for key in SCOPE_KEYS),
            url(LineFilter(entity=_entity_value(name))),
            _entity_value(name),
        )
        for name, v in ranked[:MAX_ENTITY_ROWS]
    )
    gases = tuple(
        Row(gas_label(gas), (v["t"], v["t_co2e"]), url(LineFilter(gas=gas)), gas)
        for gas, v in figures.by_gas.items()
    )
    flags = tuple(
        Row(flag, (float(count),), url(LineFilter(flag=flag)), explain_flag(flag))
        for flag, count in figures.flag_counts.items()
    )
    return DashboardTables(
        cards=cards,
        scopes=scopes,
        categories=categories,
        entities=entities,
        entities_left_out=max(0, len(ranked) - MAX_ENTITY_ROWS),
        gases=gases,
        years=year_rows,
        flags=flags,
    )
