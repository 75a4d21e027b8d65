"""Evaluate a neutrality claim: which credits count, and every rule met or not, with evidence.

`evaluate_claim` takes plain values (the footprint's figures, the client's
cancellations, the serials other claims use, the history, the plan's hash)
and returns a `ClaimEvaluation`. Counting follows DESIGN.md §9: units
cancelled for this client and this period, on a date inside the window the
standard allows, each used once; the residual needs its tonnes rounded up to
whole units.

It must never round a figure other than the residual's units, and never
count a unit twice or a unit of another client.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from neutra.core.claims.model import (
    CancelledCredit,
    ClaimedRange,
    ClaimEvaluation,
    ClaimPeriod,
    CoverageTier,
    ExcludedCredit,
    FootprintFigures,
    Mitigation,
    RuleId,
    RuleResult,
    Scope2Basis,
    Standard,
    Storage,
    add_months,
    year_total,
)
from neutra.core.claims.rules import VCMI_CLAIMS_CODE_2023, RuleSet, TierScale, rule_set_for
from neutra.core.history import EmissionsYear
from neutra.core.rounding import format_tonnes

__all__ = [
    "PortfolioYear",
    "coverage_tier",
    "credit_problems",
    "evaluate_claim",
    "portfolio_by_year",
    "required_units",
]

# Float sums carry noise far below a gram (1,250.0 may add up to 1,250.0000000000002);
# the residual is rounded to a milligram before rounding up, so noise never costs a unit.
_NOISE_DECIMALS = 9


def required_units(residual_t: float) -> int:
    """Whole units that balance a residual footprint: its tonnes rounded up (1,250.4 t -> 1,251)."""
    if not math.isfinite(residual_t):
        raise ValueError(f"the residual {residual_t!r} is not a finite figure")
    return max(0, math.ceil(round(residual_t, _NOISE_DECIMALS)))


def coverage_tier(coverage: float, scale: TierScale = VCMI_CLAIMS_CODE_2023) -> CoverageTier:
    """The VCMI tier reached by the share of the residual covered (1.0 = all of it)."""
    for setting in scale.tiers:
        if coverage >= setting.at_least:
            return setting.tier
    return CoverageTier.NONE


def credit_problems(credit: CancelledCredit, rule_set: RuleSet) -> list[str]:
    """Why a cancelled block fails the credit criteria (empty: it meets them)."""
    problems = []
    refused = rule_set.refused_unit_types.get(credit.unit_type.upper())
    if refused:
        problems.append(f"{credit.unit_type}: {refused}")
    if credit.programme.upper() not in rule_set.recognised_programmes:
        problems.append(
            f"programme {credit.programme!r} is not one whose rules were assessed against the criteria"
        )
    period_end = _vintage_period_end(credit.vintage) if rule_set.vintage_period_by_date else None
    if period_end is not None:
        if period_end > credit.cancelled_on:
            problems.append(
                f"vintage {credit.vintage} ends after the cancellation ({credit.cancelled_on}): "
                "credits are issued ex post, for mitigation that has happened"
            )
    else:
        vintage_end = _vintage_end_year(credit.vintage)
        if vintage_end is not None and vintage_end > credit.cancelled_on.year:
            problems.append(
                f"vintage {credit.vintage} is after the cancellation ({credit.cancelled_on}): "
                "credits are issued ex post, for mitigation that has happened"
            )
    return problems


def _vintage_end_year(vintage: str) -> int | None:
    text = vintage.strip()
    if not text:
        return None
    last = text.split("/")[-1]
    try:
        return int(last[:4])
    except ValueError:
        return None


def _vintage_period_end(vintage: str) -> date | None:
    """The last day of a monitoring-period vintage (`YYYY-MM-DD/YYYY-MM-DD`); None for a year."""
    text = vintage.strip()
    if "/" not in text:
        return None
    try:
        return date.fromisoformat(text.split("/")[-1])
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class PortfolioYear:
    """The credits cancelled for one client's claims of one year: how much removal, how durable."""

    year: int
    units: int
    removal_units: int
    durable_units: int  # removals whose carbon is stored durably

    @property
    def removal_share(self) -> float:
        return self.removal_units / self.units if self.units else 0.0

    @property
    def durable_share(self) -> float:
        return self.durable_units / self.units if self.units else 0.0


def portfolio_by_year(credits: Iterable[CancelledCredit]) -> tuple[PortfolioYear, ...]:
    """Shares of removals and of durable storage per claim year (Oxford Offsetting Principles).

    A cancellation belongs to the year its `for_period` ends in; without a
    period, to the year it was cancelled.
    """
    units: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for credit in credits:
        year = credit.for_period.year if credit.for_period else credit.cancelled_on.year
        figures = units[year]
        figures[0] += credit.quantity
        if credit.mitigation is Mitigation.REMOVAL:
            figures[1] += credit.quantity
            if credit.storage is Storage.DURABLE:
                figures[2] += credit.quantity
    return tuple(PortfolioYear(year, *units[year]) for year in sorted(units))


def evaluate_claim(
    *,
    client: str,
    period: ClaimPeriod,
    footprint: FootprintFigures,
    credits: Iterable[CancelledCredit],
    standard: Standard = Standard.ISO_14068_1,
    scope2: Scope2Basis = Scope2Basis.MARKET,
    plan_sha256: str | None = None,
    history: Sequence[EmissionsYear] = (),
    claimed: Iterable[ClaimedRange] = (),
    rule_set: RuleSet | None = None,
) -> ClaimEvaluation:
    """Evaluate a claim of `client` for `period` against the standard's rules.

    `credits` may hold every cancellation of the ledger: only the client's
    count, and only the client's appear in the evidence. `claimed` are the
    serial ranges other claims already count. `plan_sha256`: the management
    plan's hash; "" when the claim has none; None when this evaluation was not
    given it (its rules are then reported as not checked, as `neutra claim
    evaluate` without --plan does; issuing always gives it).
    """
    rules = rule_set or rule_set_for(standard)
    residual = footprint.total(scope2)
    needed = required_units(residual)
    window_end = _window_end(period, rules)

    candidates, excluded = _candidates(client, period, window_end, credits, rules)
    counted, overlaps = _used_once(candidates, tuple(claimed))
    excluded += overlaps
    counted_units = sum(c.quantity for c in counted)
    failing = [(c, credit_problems(c, rules)) for c in counted]
    ineligible = [(c, p) for c, p in failing if p]
    ineligible_units = sum(c.quantity for c, _ in ineligible)
    eligible_units = counted_units - ineligible_units
    overlap_units = sum(item.credit.quantity for item in overlaps)

    checks: dict[RuleId, Callable[[], RuleResult]] = {
        RuleId.STANDARD_IN_FORCE: lambda: _in_force_rule(rules, period),
        RuleId.MANAGEMENT_PLAN: lambda: _plan_rule(rules, plan_sha256),
        RuleId.REDUCTIONS_FIRST: lambda: _reductions_rule(
            rules, period, residual, scope2, history, plan_sha256
        ),
        RuleId.BOUNDARY_COVERAGE: lambda: _boundary_rule(rules, footprint, scope2),
        RuleId.RESIDUAL_BALANCED: lambda: _balance_rule(
            rules, client, period, residual, needed, counted_units, window_end
        ),
        RuleId.CREDITS_USED_ONCE: lambda: _used_once_rule(
            rules, client, period, overlaps, overlap_units
        ),
        RuleId.CREDIT_CRITERIA: lambda: _criteria_rule(rules, ineligible, ineligible_units),
    }
    # The rule set says which rules it has, in their order (a version may add one).
    results = tuple(checks[rule_id]() for rule_id in rules.sources)
    coverage = eligible_units / needed if needed else 1.0
    removal = sum(c.quantity for c in counted if c.mitigation is Mitigation.REMOVAL)
    durable = sum(
        c.quantity
        for c in counted
        if c.mitigation is Mitigation.REMOVAL and c.storage is Storage.DURABLE
    )
    return ClaimEvaluation(
        standard=rules.standard,
        rule_set_version=rules.version,
        client=client,
        period=period,
        scope2_basis=scope2,
        residual_t=residual,
        required_units=needed,
        counted_units=counted_units,
        eligible_units=eligible_units,
        window_end=window_end,
        rules=results,
        credits=tuple(counted),
        excluded=tuple(excluded),
        coverage=coverage,
        tier=coverage_tier(coverage, VCMI_CLAIMS_CODE_2023),
        tier_setting=VCMI_CLAIMS_CODE_2023.version,
        removal_share=removal / counted_units if counted_units else 0.0,
        durable_share=durable / counted_units if counted_units else 0.0,
        plan_sha256=plan_sha256 or "",
    )


def _window_end(period: ClaimPeriod, rules: RuleSet) -> date:
    """The last day a cancellation counts: `window_months` after the period's last day."""
    end = period.end
    if rules.window_to_month_end and (end + timedelta(days=1)).day == 1:
        # A period ending with its month: the window ends with the month `window_months`
        # later (a fiscal year to 28 Feb 2023 -> by 29 Feb 2024, not 28 Feb).
        return add_months(end + timedelta(days=1), rules.window_months) - timedelta(days=1)
    return add_months(end, rules.window_months)


def _candidates(
    client: str,
    period: ClaimPeriod,
    window_end: date,
    credits: Iterable[CancelledCredit],
    rules: RuleSet,
) -> tuple[list[CancelledCredit], list[ExcludedCredit]]:
    """The client's cancellations for this period inside the window; the rest of the client's, with why."""
    candidates: list[CancelledCredit] = []
    excluded: list[ExcludedCredit] = []
    for credit in credits:
        if credit.client != client:
            continue  # another client's units: never counted, never shown
        if credit.for_period is None:
            reason = "the cancellation names no period (for_period)"
        elif credit.for_period != period:
            reason = f"cancelled for the period {credit.for_period.label}, not {period.label}"
        elif credit.cancelled_on < period.start:
            reason = f"cancelled on {credit.cancelled_on}, before the period began ({period.start})"
        elif credit.cancelled_on > window_end:
            reason = (
                f"cancelled on {credit.cancelled_on}, after the window closed on {window_end} "
                f"({rules.window_months} months after the period ends)"
            )
        else:
            candidates.append(credit)
            continue
        excluded.append(ExcludedCredit(credit, reason))
    return candidates, excluded


def _used_once(
    candidates: list[CancelledCredit], claimed: tuple[ClaimedRange, ...]
) -> tuple[list[CancelledCredit], list[ExcludedCredit]]:
    """Split off the serials another claim counts, or that were listed before; count the rest once."""
    taken: dict[tuple[str, ...], list[tuple[int, int, str]]] = defaultdict(list)
    for item in claimed:
        taken[item.serial_space].append((item.serial_start, item.serial_end, item.claim))
    counted: list[CancelledCredit] = []
    excluded: list[ExcludedCredit] = []
    ordered = sorted(candidates, key=lambda c: (c.cancelled_on, c.serial_space, c.serial_start))
    for credit in ordered:
        space = taken[credit.serial_space]
        for start, end, owner in _pieces(credit.serial_start, credit.serial_end, space):
            part = credit.with_serials(start, end)
            if owner is None:
                counted.append(part)
            else:
                excluded.append(ExcludedCredit(part, owner))
        space.append((credit.serial_start, credit.serial_end, ""))
    return counted, excluded


def _pieces(
    start: int, end: int, taken: list[tuple[int, int, str]]
) -> list[tuple[int, int, str | None]]:
    """[start, end] cut into free pieces (owner None) and pieces taken (with why)."""
    overlaps = sorted(
        (max(s, start), min(e, end), o) for s, e, o in taken if s <= end and e >= start
    )
    pieces: list[tuple[int, int, str | None]] = []
    cursor = start
    for s, e, owner in overlaps:
        if e < cursor:
            continue
        s = max(s, cursor)
        if s > cursor:
            pieces.append((cursor, s - 1, None))
        why = f"already counted by claim {owner}" if owner else "the same serials are listed twice"
        pieces.append((s, e, why))
        cursor = e + 1
    if cursor <= end:
        pieces.append((cursor, end, None))
    return pieces


def _units(n: int) -> str:
    return f"{n:,} unit{'s' if n != 1 else ''}"


def _in_force_rule(rules: RuleSet, period: ClaimPeriod) -> RuleResult:
    """A withdrawn standard is for legacy claims only: a period that began before its withdrawal."""
    source = rules.sources[RuleId.STANDARD_IN_FORCE]
    withdrawn = rules.withdrawn_on
    if withdrawn is None:
        return RuleResult(RuleId.STANDARD_IN_FORCE, True, f"{rules.title} is in force", source)
    said = f"{rules.title} was withdrawn on {withdrawn} ({rules.withdrawn_source})"
    if period.start < withdrawn:
        return RuleResult(
            RuleId.STANDARD_IN_FORCE,
            True,
            f"{said}; the period {period.label} began on {period.start}, before that: "
            "a legacy claim",
            source,
        )
    return RuleResult(
        RuleId.STANDARD_IN_FORCE,
        False,
        f"{said}; the period {period.label} begins on {period.start}, not before that: "
        "not a legacy claim",
        source,
        remedy="claim under ISO 14068-1:2023 (--standard iso-14068-1), which supersedes it",
    )


def _plan_rule(rules: RuleSet, plan_sha256: str | None) -> RuleResult:
    source = rules.sources[RuleId.MANAGEMENT_PLAN]
    if plan_sha256 is None:
        return RuleResult(
            RuleId.MANAGEMENT_PLAN,
            False,
            "not checked: no management plan was given to this evaluation",
            source,
            remedy="give the management plan (--plan PLAN); issuing the claim needs it",
            checked=False,
        )
    if plan_sha256:
        return RuleResult(
            RuleId.MANAGEMENT_PLAN, True, f"management plan given (SHA-256 {plan_sha256})", source
        )
    return RuleResult(
        RuleId.MANAGEMENT_PLAN,
        False,
        "no carbon-neutrality management plan was given",
        source,
        remedy="write the management plan (baseline, targets, actions, offsetting strategy, "
        "indicators, timeline) and attach it to the claim (--plan PLAN)",
    )


def _reductions_rule(
    rules: RuleSet,
    period: ClaimPeriod,
    residual: float,
    basis: Scope2Basis,
    history: Sequence[EmissionsYear],
    plan_sha256: str | None,
) -> RuleResult:
    source = rules.sources[RuleId.REDUCTIONS_FIRST]
    earlier = sorted((h for h in history if h.year < period.year), key=lambda h: h.year)
    if earlier:
        base = earlier[0]
        base_total = year_total(base, basis)
        figures = (
            f"{period.label}: {format_tonnes(residual)} t against {base.year}: "
            f"{format_tonnes(base_total)} t (scope 2 {basis.value}-based)"
        )
        if residual < base_total:
            share = (base_total - residual) / base_total if base_total else 0.0
            return RuleResult(
                RuleId.REDUCTIONS_FIRST,
                True,
                f"the history shows reductions: {figures}, {share:.1%} lower",
                source,
            )
        return RuleResult(
            RuleId.REDUCTIONS_FIRST,
            False,
            f"the history shows no reduction: {figures}",
            source,
            remedy="reduce emissions before offsetting, or document in the management plan "
            "why they rose (e.g. growth) and the reductions planned",
        )
    if history:
        detail = f"the history has no year before {period.year} to show reductions against"
    else:
        detail = "no emissions history was given"
    if plan_sha256 is None:
        return RuleResult(
            RuleId.REDUCTIONS_FIRST,
            False,
            f"not checked: {detail}, and no management plan was given to this evaluation",
            source,
            remedy="give the emissions history (--history) or the management plan (--plan)",
            checked=False,
        )
    if plan_sha256:
        return RuleResult(
            RuleId.REDUCTIONS_FIRST,
            True,
            f"{detail}; reductions are documented in the management plan (SHA-256 {plan_sha256})",
            source,
        )
    return RuleResult(
        RuleId.REDUCTIONS_FIRST,
        False,
        f"{detail}, and no management plan documents reductions",
        source,
        remedy="give the emissions history of earlier years (--history) or the management plan "
        "that documents the reductions",
    )


def _boundary_rule(rules: RuleSet, footprint: FootprintFigures, basis: Scope2Basis) -> RuleResult:
    source = rules.sources[RuleId.BOUNDARY_COVERAGE]
    total = footprint.total(basis)
    covered = (
        f"the residual covers 100 % of the footprint: scope 1 {format_tonnes(footprint.scope1)} t, "
        f"scope 2 ({basis.value}-based) {format_tonnes(footprint.scope2(basis))} t, "
        f"scope 3 {format_tonnes(footprint.scope3)} t"
    )
    if total <= 0:
        return RuleResult(
            RuleId.BOUNDARY_COVERAGE,
            False,
            "the footprint counts no emissions: there is nothing to claim neutrality for",
            source,
            remedy="count the subject's footprint first (neutra footprint)",
        )
    if rules.requires_scope3 and footprint.scope3 <= 0:
        return RuleResult(
            RuleId.BOUNDARY_COVERAGE,
            False,
            f"{covered}; but the footprint counts no scope 3",
            source,
            remedy="count every scope 3 source above 1 % of the total and add it to the footprint",
        )
    if rules.max_excluded_scope3_share is not None:
        threshold = rules.max_excluded_scope3_share
        above = [
            str(category)
            for category, value in footprint.scope3_categories
            if value > threshold * total
        ]
        listed = ", ".join(above) if above else "none"
        covered += (
            f"; scope 3 categories above {threshold:.0%} of the total, all included: {listed}"
        )
    return RuleResult(RuleId.BOUNDARY_COVERAGE, True, covered, source)


def _balance_rule(
    rules: RuleSet,
    client: str,
    period: ClaimPeriod,
    residual: float,
    needed: int,
    counted: int,
    window_end: date,
) -> RuleResult:
    source = rules.sources[RuleId.RESIDUAL_BALANCED]
    detail = (
        f"residual {format_tonnes(residual)} t needs {_units(needed)}; {_units(counted)} "
        f"cancelled for {client} and {period.label} between {period.start} and {window_end}"
    )
    if counted >= needed:
        return RuleResult(RuleId.RESIDUAL_BALANCED, True, detail, source)
    short = needed - counted
    return RuleResult(
        RuleId.RESIDUAL_BALANCED,
        False,
        detail,
        source,
        shortfall_units=short,
        remedy=f"cancel {_units(short)} more for {client} with for_period {period.label} "
        f"by {window_end}",
    )


def _used_once_rule(
    rules: RuleSet,
    client: str,
    period: ClaimPeriod,
    overlaps: list[ExcludedCredit],
    overlap_units: int,
) -> RuleResult:
    source = rules.sources[RuleId.CREDITS_USED_ONCE]
    if not overlaps:
        return RuleResult(
            RuleId.CREDITS_USED_ONCE,
            True,
            "no serial counted here is counted by another claim",
            source,
        )
    ranges = "; ".join(
        f"{item.credit.programme} {item.credit.project_id or item.credit.host_party} "
        f"{item.credit.serial_start}-{item.credit.serial_end}: {item.reason}"
        for item in overlaps[:10]
    )
    return RuleResult(
        RuleId.CREDITS_USED_ONCE,
        False,
        f"{_units(overlap_units)} are not counted: {ranges}",
        source,
        shortfall_units=overlap_units,
        remedy=f"cancel {_units(overlap_units)} of other serials for {client} and {period.label} "
        "to replace them, or withdraw the other claim",
    )


def _criteria_rule(
    rules: RuleSet,
    ineligible: list[tuple[CancelledCredit, list[str]]],
    ineligible_units: int,
) -> RuleResult:
    source = rules.sources[RuleId.CREDIT_CRITERIA]
    if not ineligible:
        return RuleResult(
            RuleId.CREDIT_CRITERIA,
            True,
            "every unit counted comes from a recognised programme, is permanent and issued ex post",
            source,
        )
    found = "; ".join(
        f"{c.programme} {c.unit_type} {c.serial_start}-{c.serial_end}: {', '.join(p)}"
        for c, p in ineligible[:10]
    )
    return RuleResult(
        RuleId.CREDIT_CRITERIA,
        False,
        f"{_units(ineligible_units)} do not meet the credit criteria: {found}",
        source,
        shortfall_units=ineligible_units,
        remedy=f"cancel {_units(ineligible_units)} that meet the criteria to replace them",
    )
