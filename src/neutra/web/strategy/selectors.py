"""Reads of the climate strategy: a client's emissions history, settings and the computed report.

The emissions of each year are those the dashboards show: the newest version
of the year's inventory that has a calculation, its current calculation
(`dashboards.selectors.year_over_year`); a locked version never changes. The
base year, intensities, targets and trajectories are computed by
`neutra.core.strategy.strategy_report` (the function `neutra strategy` runs),
so the page and the command print the same numbers. Pass an organisation the
user may see (from `organisation_for`). It must never write, and never
re-derive a figure core computes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from neutra.core.abatement import (
    MacBar,
    Measure,
    MeasureError,
    MeasureStatus,
    Trajectory,
    mac_curve,
)
from neutra.core.baseyear import DEFAULT_THRESHOLD, ChangeKind
from neutra.core.baseyear import StructuralChange as CoreChange
from neutra.core.errors import NeutraError
from neutra.core.factors import Scope
from neutra.core.history import EmissionsHistory, EmissionsYear, Scope2Basis, ScopeCoverage
from neutra.core.indicators import Denominator as CoreDenominator
from neutra.core.strategy import StrategyReport, strategy_report
from neutra.core.targets import Milestone, TargetKind
from neutra.core.targets import Target as CoreTarget
from neutra.web.dashboards.selectors import dashboard_figures, year_over_year
from neutra.web.inventories.models import Inventory
from neutra.web.strategy.models import (
    BaseYear,
    Denominator,
    Recalculation,
    StructuralChange,
    Target,
)
from neutra.web.strategy.models import (
    Measure as MeasureRow,
)
from neutra.web.tenancy.models import Organisation

__all__ = [
    "HistoryYear",
    "StrategyView",
    "base_year_of",
    "changes_of",
    "core_changes",
    "core_denominators",
    "core_measures",
    "core_targets",
    "denominators_of",
    "emissions_history",
    "measures_of",
    "recalculations_of",
    "strategy_view",
    "targets_of",
]


@dataclass(frozen=True, slots=True)
class HistoryYear:
    """Where a year of the history comes from."""

    year: int
    inventory_id: int
    version: int
    state: str  # the inventory's state: locked figures never change
    approach: str  # the organisational boundary approach of the inventory
    calculation_id: int


def emissions_history(
    *, organisation: Organisation
) -> tuple[EmissionsHistory, tuple[HistoryYear, ...]]:
    """The client's gross emissions per year (as reported), and where each year comes from."""
    chosen = year_over_year(organisation=organisation)
    inventories = {
        i.pk: i
        for i in Inventory.objects.filter(pk__in=[y.inventory_id for y in chosen]).only(
            "id", "state", "approach", "version", "year"
        )
    }
    years = []
    sources = []
    for y in chosen:
        inventory = inventories[y.inventory_id]
        figures = dashboard_figures(inventory=inventory)
        categories = (
            {} if figures is None else {c: v for c, v in figures.scope3_categories.items() if v}
        )
        years.append(
            EmissionsYear(
                y.year,
                y.totals["scope1"],
                y.totals["scope2_location"],
                y.totals["scope2_market"],
                y.totals["scope3"],
                categories,
            )
        )
        sources.append(
            HistoryYear(
                y.year,
                inventory.pk,
                y.version,
                inventory.state,
                inventory.approach,
                y.calculation_id,
            )
        )
    return EmissionsHistory(tuple(years)), tuple(sources)


def base_year_of(*, organisation: Organisation) -> BaseYear | None:
    return BaseYear.objects.filter(organisation=organisation).first()


def changes_of(*, organisation: Organisation) -> QuerySet[StructuralChange]:
    return StructuralChange.objects.filter(organisation=organisation).order_by("year", "id")


def recalculations_of(*, organisation: Organisation) -> QuerySet[Recalculation]:
    return Recalculation.objects.filter(organisation=organisation).select_related("accepted_by")


def denominators_of(*, organisation: Organisation) -> QuerySet[Denominator]:
    return Denominator.objects.filter(organisation=organisation).order_by("indicator", "year")


def targets_of(*, organisation: Organisation) -> QuerySet[Target]:
    return Target.objects.filter(organisation=organisation).order_by("code")


def measures_of(*, organisation: Organisation) -> QuerySet[MeasureRow]:
    return MeasureRow.objects.filter(organisation=organisation).order_by("start_year", "name")


def core_changes(rows: Any) -> list[CoreChange]:
    return [
        CoreChange(r.year, ChangeKind(r.kind), r.description, r.base_year_effect_t) for r in rows
    ]


def core_denominators(rows: Any) -> list[CoreDenominator]:
    return [CoreDenominator(r.year, r.indicator, r.value, r.unit, r.source) for r in rows]


def core_target(r: Target) -> CoreTarget:
    return CoreTarget(
        r.code,
        TargetKind(r.kind),
        ScopeCoverage(r.scopes),
        Scope2Basis(r.scope2),
        r.base_year,
        r.base_value,
        r.target_year,
        r.reduction,
        r.denominator or None,
        r.criteria or None,
        tuple(int(c) for c in r.categories),
        tuple(Milestone(int(m["year"]), float(m["reduction"])) for m in r.milestones),
    )


def core_targets(rows: Any) -> list[CoreTarget]:
    return [core_target(r) for r in rows]


def core_measures(rows: Any) -> list[Measure]:
    return [
        Measure(
            r.name, r.abatement_t_per_year, r.cost_per_year, r.currency, r.start_year, r.owner,
            MeasureStatus(r.status), Scope(r.scope) if r.scope else None,
        )
        for r in rows
    ]  # fmt: skip


def boundary_statement(organisation: Organisation, sources: tuple[HistoryYear, ...]) -> str:
    """The boundary numerator and denominators share, in words (every year's approach)."""
    approaches = sorted({s.approach for s in sources})
    if len(approaches) == 1:
        return f"{organisation.name}, {approaches[0]} control boundary of its inventories".replace(
            "equity control", "equity share"
        )
    years = ", ".join(f"{s.year} {s.approach}" for s in sources)
    return f"{organisation.name}, the boundary of each year's inventory ({years})"


@dataclass(frozen=True, slots=True)
class StrategyView:
    """Everything the strategy page and the API show for one client."""

    organisation: Organisation
    history: EmissionsHistory
    sources: tuple[HistoryYear, ...]
    base_year: BaseYear | None
    base_year_number: int | None  # the setting's year, else the history's first
    threshold: float
    scope2: Scope2Basis
    pending: tuple[StructuralChange, ...]  # changes no accepted recalculation restated
    applied: tuple[StructuralChange, ...]
    recalculations: tuple[Recalculation, ...]
    denominators: tuple[Denominator, ...]
    targets: tuple[Target, ...]
    measures: tuple[MeasureRow, ...]
    report: StrategyReport | None  # None when there is no history or an input breaks a rule
    error: str  # why there is no report ("" when there is one)
    trajectories: tuple[tuple[str, Trajectory], ...]  # per absolute target, by code
    mac: tuple[MacBar, ...]
    mac_error: str

    @property
    def proposal_due(self) -> bool:
        """The pending changes pass the threshold: a recalculation is proposed."""
        return self.report is not None and self.report.base_year.significant


def strategy_view(*, organisation: Organisation, currency: str | None = None) -> StrategyView:
    """Read and compute the client's strategy; `currency` for revenue intensities (default: latest)."""
    history, sources = emissions_history(organisation=organisation)
    setting = base_year_of(organisation=organisation)
    changes = list(changes_of(organisation=organisation))
    pending = tuple(c for c in changes if c.recalculation_id is None)
    applied = tuple(c for c in changes if c.recalculation_id is not None)
    denominators = tuple(denominators_of(organisation=organisation))
    targets = tuple(targets_of(organisation=organisation))
    measures = tuple(measures_of(organisation=organisation))
    threshold = setting.threshold if setting else DEFAULT_THRESHOLD
    scope2 = Scope2Basis(setting.scope2) if setting else Scope2Basis.MARKET
    year = setting.year if setting else (history.first_year if len(history) else None)
    report = None
    error = ""
    if not len(history):
        error = "no inventory of this client has calculated figures yet"
    elif year not in history:
        error = f"the base year {year} has no calculated inventory"
    else:
        try:
            report = strategy_report(
                history,
                base_year=year,
                scope2=scope2,
                denominators=core_denominators(denominators),
                currency=currency,
                targets=core_targets(targets),
                changes=core_changes(pending),
                applied_changes=core_changes(applied),
                threshold=threshold,
                boundary=boundary_statement(organisation, sources),
            )
        except NeutraError as exc:
            error = exc.message
    trajectories: tuple[tuple[str, Trajectory], ...] = ()
    mac: tuple[MacBar, ...] = ()
    try:
        # A stored measure core refuses (written before a rule, or around the services)
        # is said on the page: no plan is drawn rather than one without it.
        core_plan = core_measures(measures)
    except MeasureError as exc:
        mac_error = exc.message
    else:
        try:
            mac, mac_error = mac_curve(core_plan), ""
        except MeasureError as exc:
            mac_error = exc.message  # costs in two currencies: the trajectories still hold
        if report is not None:
            try:
                trajectories = tuple(
                    (t.target.target_id, report.trajectory(t.target.target_id, core_plan))
                    for t in report.absolute_targets()
                )
            except MeasureError as exc:  # abatement adding up past a float's range
                mac, mac_error = (), exc.message
    return StrategyView(
        organisation=organisation,
        history=history,
        sources=sources,
        base_year=setting,
        base_year_number=year,
        threshold=threshold,
        scope2=scope2,
        pending=pending,
        applied=applied,
        recalculations=tuple(recalculations_of(organisation=organisation)),
        denominators=denominators,
        targets=targets,
        measures=measures,
        report=report,
        error=error,
        trajectories=trajectories,
        mac=mac,
        mac_error=mac_error,
    )
