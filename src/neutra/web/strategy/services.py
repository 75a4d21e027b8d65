"""Writes of the climate strategy: the only code that changes a client's base year, changes,
recalculations, denominators, targets and measures.

Each service validates its whole input with the core's rules (`InvalidInputError`
naming the field and value), checks that `by` may act (`NotAllowedError`),
writes in one transaction with the client's strategy row locked, and records
an `AuditEntry` with the values written. `by=None` is the system (the demo).

Who may do what:

| action                                         | who                                     |
|------------------------------------------------|-----------------------------------------|
| denominators                                   | staff, client admin, contributor        |
| base year, changes, recalculation, targets, measures | staff, client admin               |
"""

from __future__ import annotations

import math
import re
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from neutra.core.abatement import Measure as CoreMeasure
from neutra.core.abatement import MeasureError, MeasureStatus
from neutra.core.baseyear import ChangeKind, assess_base_year
from neutra.core.errors import InvalidInputError, NeutraError, Problem
from neutra.core.history import Scope2Basis, ScopeCoverage
from neutra.core.indicators import (
    DENOMINATOR_RANGE,
    FTE,
    MAX_DENOMINATOR,
    MIN_DENOMINATOR,
    REVENUE,
)
from neutra.core.money import MAX_MONEY, TOO_MUCH_MONEY, exchange_rate
from neutra.core.targets import Milestone, TargetError, TargetKind, known_criteria
from neutra.core.targets import Target as CoreTarget
from neutra.core.units import CURRENCIES
from neutra.formats.numbers import MAX_TONNES, TOO_MANY_TONNES
from neutra.formats.strategy_files import INDICATOR_NAME
from neutra.web.errors import NotAllowedError, invalid
from neutra.web.inventories.models import FIRST_YEAR, LAST_YEAR
from neutra.web.strategy.models import (
    BaseYear,
    Denominator,
    Measure,
    Recalculation,
    StructuralChange,
    Target,
)
from neutra.web.strategy.selectors import core_changes, emissions_history
from neutra.web.tenancy.audit import audit_record
from neutra.web.tenancy.models import STAFF_ROLES, Organisation, Role
from neutra.web.tenancy.selectors import roles_in

__all__ = [
    "base_year_set",
    "denominator_set",
    "measure_create",
    "measure_status_set",
    "recalculation_accept",
    "structural_change_record",
    "target_set",
]

TARGET_CODE = re.compile(r"[A-Za-z0-9_-]{1,40}")
_EDITORS = frozenset({*STAFF_ROLES, Role.CLIENT_ADMIN})
_DATA = _EDITORS | {Role.CONTRIBUTOR}


def _require(
    by: User | None, organisation: Organisation, allowed: frozenset[Any], what: str
) -> None:
    if by is not None and not (roles_in(by, organisation, now=timezone.now()) & allowed):
        raise NotAllowedError(f"your role in {organisation} does not allow you to {what}")


def _lock(organisation: Organisation) -> None:
    # Every strategy write of a client locks its organisation row first, so two
    # writes of one client (two people accepting the same recalculation, or one
    # recording a change while another accepts) run one after the other and
    # the second sees what the first wrote.
    Organisation.objects.select_for_update().get(pk=organisation.pk)


def _year(subject: str, field: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(subject, field, value, "give a year such as 2024")
    if not FIRST_YEAR <= value <= LAST_YEAR:
        raise invalid(
            subject, field, value, f"the year must be between {FIRST_YEAR} and {LAST_YEAR}"
        )
    return value


def _number(subject: str, field: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise invalid(subject, field, value, "give a finite number")
    return float(value)


def _tonnes(subject: str, field: str, value: object) -> float:
    # Emission figures stay within the bound files have: two changes of 1e308 t overflowed
    # the base year's sum, and every read of the strategy was a server error after.
    number = _number(subject, field, value)
    if abs(number) > MAX_TONNES:
        raise invalid(subject, field, value, TOO_MANY_TONNES)
    return number


def _money(subject: str, field: str, value: object) -> float:
    number = _number(subject, field, value)
    if abs(number) > MAX_MONEY:
        raise invalid(subject, field, value, TOO_MUCH_MONEY)
    return number


def _text(subject: str, field: str, value: object, limit: int, *, required: bool = True) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise invalid(subject, field, value, "this is required")
    if len(text) > limit:
        raise invalid(subject, field, text[:80], f"at most {limit} characters")
    return text


def _choice(subject: str, field: str, value: object, kind: type[StrEnum]) -> str:
    allowed = [m.value for m in kind]
    if value not in allowed:
        raise invalid(subject, field, value, f"one of {', '.join(allowed)}")
    return str(value)


# --- base year and recalculation ---------------------------------------------------------


def base_year_set(
    *,
    organisation: Organisation,
    year: int,
    by: User | None,
    scope2: str = "market",
    threshold: float = 0.05,
    policy: str = "",
) -> BaseYear:
    """Choose the client's base year, its scope 2 basis, threshold and recalculation policy."""
    _require(by, organisation, _EDITORS, "set the base year")
    year = _year("base_year", "year", year)
    scope2 = _choice("base_year", "scope2", scope2, Scope2Basis)
    threshold = _number("base_year", "threshold", threshold)
    if not 0 < threshold < 1:
        raise invalid(
            "base_year", "threshold", threshold, "a fraction between 0 and 1, e.g. 0.05 for 5 %"
        )
    policy = _text("base_year", "policy", policy, 5000, required=False)
    with transaction.atomic():
        _lock(organisation)
        early = StructuralChange.objects.filter(organisation=organisation, year__lte=year).first()
        if early is not None:
            raise invalid(
                "base_year", "year", year,
                f"the change {early} is recorded for {early.year}: a base year must come before every change",
            )  # fmt: skip
        if Recalculation.objects.filter(organisation=organisation).exclude(base_year=year).exists():
            raise invalid(
                "base_year", "year", year,
                "recalculations of another base year were accepted: the base year stays",
            )  # fmt: skip
        setting, _ = BaseYear.objects.update_or_create(
            organisation=organisation,
            defaults={
                "year": year, "scope2": scope2, "threshold": threshold, "policy": policy,
                "updated_at": timezone.now(), "updated_by": by,
            },
        )  # fmt: skip
        audit_record(
            by=by, action="strategy.base_year", obj=setting, organisation=organisation,
            detail={"year": year, "scope2": scope2, "threshold": threshold, "policy": policy},
        )  # fmt: skip
    return setting


def structural_change_record(
    *,
    organisation: Organisation,
    year: int,
    kind: str,
    description: str,
    base_year_effect_t: float,
    by: User | None,
) -> StructuralChange:
    """Log a change with its signed effect on the base year (organic changes are logged, never counted)."""
    _require(by, organisation, _EDITORS, "record structural changes")
    year = _year("change", "year", year)
    kind = _choice("change", "kind", kind, ChangeKind)
    description = _text("change", "description", description, 500)
    effect = _tonnes("change", "base_year_effect_t", base_year_effect_t)
    with transaction.atomic():
        _lock(organisation)
        setting = BaseYear.objects.filter(organisation=organisation).first()
        if setting is None:
            raise invalid("change", "year", year, "choose the base year first")
        if year <= setting.year:
            raise invalid(
                "change", "year", year,
                f"a change must come after the base year {setting.year} (its figures include its own changes)",
            )  # fmt: skip
        change = StructuralChange.objects.create(
            organisation=organisation, year=year, kind=kind, description=description,
            base_year_effect_t=effect, recorded_by=by,
        )  # fmt: skip
        audit_record(
            by=by, action="strategy.change", obj=change, organisation=organisation,
            detail={"year": year, "kind": kind, "description": description, "base_year_effect_t": effect},
        )  # fmt: skip
    return change


def recalculation_accept(*, organisation: Organisation, by: User | None) -> Recalculation:
    """Accept the proposed recalculation: the pending changes passed the threshold.

    Restates the base year and every year since (the figures as reported stay
    as they are, in the inventories), records the series and reasons, and
    marks the changes as restated.
    """
    _require(by, organisation, _EDITORS, "accept a recalculation")
    with transaction.atomic():
        _lock(organisation)
        setting = BaseYear.objects.filter(organisation=organisation).first()
        if setting is None:
            raise invalid("recalculation", "base_year", None, "choose the base year first")
        rows = list(
            StructuralChange.objects.filter(organisation=organisation).order_by("year", "id")
        )
        pending = [r for r in rows if r.recalculation_id is None]
        applied = [r for r in rows if r.recalculation_id is not None]
        history, _ = emissions_history(organisation=organisation)
        try:
            assessment = assess_base_year(
                history,
                base_year=setting.year,
                changes=core_changes(pending),
                threshold=setting.threshold,
                scope2=Scope2Basis(setting.scope2),
                applied=core_changes(applied),
            )
        except NeutraError as exc:
            raise invalid("recalculation", "base_year", setting.year, exc.message) from None
        if not assessment.significant:
            raise invalid(
                "recalculation", "changes", None,
                f"the pending changes come to {assessment.cumulative_change:+.2%} of the base year, "
                f"below the threshold of {setting.threshold:.2%}: nothing to recalculate",
            )  # fmt: skip
        series = [
            {
                "year": r.year,
                "as_reported_t": r.as_reported_t,
                "restated_t": r.restated_t,
                "reasons": list(r.reasons),
            }
            for r in assessment.series
        ]
        recalculation = Recalculation.objects.create(
            organisation=organisation,
            base_year=setting.year,
            as_reported_t=assessment.as_reported_t,
            restated_t=assessment.restated_t,
            cumulative_change=assessment.cumulative_change,
            threshold=setting.threshold,
            series=series,
            accepted_by=by,
        )
        counted = [r.pk for r in pending if ChangeKind(r.kind).triggers_recalculation]
        StructuralChange.objects.filter(pk__in=counted).update(recalculation=recalculation)
        audit_record(
            by=by, action="strategy.recalculation", obj=recalculation, organisation=organisation,
            detail={
                "base_year": setting.year, "as_reported_t": assessment.as_reported_t,
                "restated_t": assessment.restated_t, "cumulative_change": assessment.cumulative_change,
                "threshold": setting.threshold, "changes": counted, "reasons": list(assessment.reasons),
            },
        )  # fmt: skip
    return recalculation


# --- denominators ----------------------------------------------------------------------


def denominator_set(
    *,
    organisation: Organisation,
    year: int,
    indicator: str,
    value: float,
    unit: str,
    source: str,
    by: User | None,
) -> Denominator:
    """Enter (or correct) one year's denominator of an indicator, with its source."""
    _require(by, organisation, _DATA, "enter denominators")
    year = _year("denominator", "year", year)
    indicator = _text("denominator", "indicator", indicator, 64).lower()
    if not INDICATOR_NAME.fullmatch(indicator):
        raise invalid(
            "denominator", "indicator", indicator,
            "fte, revenue or a name of lower-case letters, digits and _ (tonnes_produced)",
        )  # fmt: skip
    value = _number("denominator", "value", value)
    if value <= 0:
        what = "a headcount" if indicator == FTE else "a denominator"
        raise invalid("denominator", "value", value, f"{what} must be more than zero")
    if not MIN_DENOMINATOR <= value <= MAX_DENOMINATOR:
        raise invalid("denominator", "value", value, DENOMINATOR_RANGE)
    unit = _text("denominator", "unit", unit, 32, required=indicator != FTE)
    if indicator == FTE:
        if unit.lower() not in ("", "fte"):
            raise invalid("denominator", "unit", unit, "the unit of fte is FTE")
        unit = "FTE"
    source = _text("denominator", "source", source, 300, required=False)
    with transaction.atomic():
        _lock(organisation)
        if indicator == REVENUE:
            if unit not in CURRENCIES:
                raise invalid(
                    "denominator", "unit", unit, "revenue needs its ISO 4217 currency, e.g. EUR"
                )
            # Every revenue must convert to every other revenue's currency in its own year,
            # or the intensities of the years could not be shown side by side.
            others = set(
                Denominator.objects.filter(organisation=organisation, indicator=REVENUE)
                .exclude(year=year)
                .values_list("unit", flat=True)
            )
            for other in sorted(others - {unit}):
                try:
                    exchange_rate(unit, other, year)
                except ValueError as exc:
                    raise invalid(
                        "denominator", "unit", unit,
                        f"{exc}: the other years' revenue is in {other}; give this year's in {other}",
                    ) from None  # fmt: skip
        row, created = Denominator.objects.update_or_create(
            organisation=organisation, year=year, indicator=indicator,
            defaults={"value": value, "unit": unit, "source": source, "updated_at": timezone.now(), "updated_by": by},
        )  # fmt: skip
        audit_record(
            by=by, action="strategy.denominator", obj=row, organisation=organisation,
            detail={"year": year, "indicator": indicator, "value": value, "unit": unit, "source": source,
                    "created": created},
        )  # fmt: skip
    return row


# --- targets ---------------------------------------------------------------------------


def _milestones(value: object) -> list[dict[str, float]]:
    if not isinstance(value, list | tuple):
        raise invalid("target", "milestones", value, "a list of {year, reduction}")
    found = []
    for index, item in enumerate(value):
        if not isinstance(item, dict) or set(item) != {"year", "reduction"}:
            raise invalid("target", f"milestones[{index}]", item, "give year and reduction")
        found.append(
            {"year": _year("target", f"milestones[{index}].year", item["year"]),
             "reduction": _number("target", f"milestones[{index}].reduction", item["reduction"])}
        )  # fmt: skip
    return found


def target_set(
    *,
    organisation: Organisation,
    code: str,
    kind: str,
    scopes: str,
    base_year: int,
    target_year: int,
    reduction: float,
    by: User | None,
    scope2: str = "market",
    base_value: float | None = None,
    denominator: str = "",
    criteria: str = "",
    categories: list[int] | None = None,
    milestones: list[dict[str, Any]] | None = None,
) -> Target:
    """Set (or replace) a target by its code; checked by the core's rules before anything is written."""
    _require(by, organisation, _EDITORS, "set targets")
    code = _text("target", "code", code, 40)
    if not TARGET_CODE.fullmatch(code):
        raise invalid(
            "target",
            "code",
            code,
            "letters, digits, '-' and '_' only (it names the target's chart)",
        )
    kind = _choice("target", "kind", kind, TargetKind)
    scopes = _choice("target", "scopes", scopes, ScopeCoverage)
    scope2 = _choice("target", "scope2", scope2, Scope2Basis)
    base_year = _year("target", "base_year", base_year)
    target_year = _year("target", "target_year", target_year)
    reduction = _number("target", "reduction", reduction)
    if base_value is not None:
        base_value = _tonnes("target", "base_value", base_value)
    denominator = _text("target", "denominator", denominator, 64, required=False).lower()
    criteria = _text("target", "criteria", criteria, 64, required=False)
    if criteria and criteria not in known_criteria():
        raise invalid(
            "target", "criteria", criteria, f"one of {', '.join(sorted(known_criteria()))}"
        )
    chosen = []
    for c in categories or []:
        if isinstance(c, bool) or not isinstance(c, int):
            raise invalid("target", "categories", c, "scope 3 categories are whole numbers 1-15")
        chosen.append(c)
    points = _milestones(milestones or [])
    try:
        CoreTarget(
            code, TargetKind(kind), ScopeCoverage(scopes), Scope2Basis(scope2), base_year, base_value,
            target_year, reduction, denominator or None, criteria or None, tuple(chosen),
            tuple(Milestone(int(m["year"]), m["reduction"]) for m in points),
        )  # fmt: skip
    except TargetError as exc:
        field = str(exc.extra.get("field", "target"))
        shown = {"target_year": target_year, "reduction": reduction, "base_value": base_value}.get(
            field
        )
        raise InvalidInputError(
            [Problem("target", None, field, None if shown is None else str(shown), exc.message)],
            message=f"{field}: {exc.message}",
        ) from None
    with transaction.atomic():
        _lock(organisation)
        if (
            denominator
            and not Denominator.objects.filter(
                organisation=organisation, indicator=denominator
            ).exists()
        ):
            raise invalid(
                "target", "denominator", denominator, "enter this denominator's figures first"
            )
        row, created = Target.objects.update_or_create(
            organisation=organisation, code=code,
            defaults={
                "kind": kind, "scopes": scopes, "scope2": scope2, "base_year": base_year,
                "base_value": base_value, "target_year": target_year, "reduction": reduction,
                "denominator": denominator, "criteria": criteria, "categories": chosen,
                "milestones": points, "set_at": timezone.now(), "set_by": by,
            },
        )  # fmt: skip
        audit_record(
            by=by, action="strategy.target", obj=row, organisation=organisation,
            detail={
                "code": code, "kind": kind, "scopes": scopes, "scope2": scope2, "base_year": base_year,
                "base_value": base_value, "target_year": target_year, "reduction": reduction,
                "denominator": denominator, "criteria": criteria, "categories": chosen,
                "milestones": points, "created": created,
            },
        )  # fmt: skip
    return row


# --- measures --------------------------------------------------------------------------


def measure_create(
    *,
    organisation: Organisation,
    name: str,
    abatement_t_per_year: float,
    cost_per_year: float,
    currency: str,
    start_year: int,
    owner: str,
    by: User | None,
    status: str = "planned",
    scope: str = "",
) -> Measure:
    """Add a reduction measure to the client's plan."""
    _require(by, organisation, _EDITORS, "plan measures")
    name = _text("measure", "name", name, 200)
    abatement = _tonnes("measure", "abatement_t_per_year", abatement_t_per_year)
    if abatement <= 0:
        raise invalid(
            "measure",
            "abatement_t_per_year",
            abatement,
            "the expected abatement must be more than 0 t CO2e a year",
        )
    cost = _money("measure", "cost_per_year", cost_per_year)
    currency = _text("measure", "currency", currency, 3)
    if currency not in CURRENCIES:
        raise invalid("measure", "currency", currency, "an ISO 4217 code, e.g. EUR")
    start_year = _year("measure", "start_year", start_year)
    owner = _text("measure", "owner", owner, 200)
    status = _choice("measure", "status", status, MeasureStatus)
    if scope not in ("", "1", "2", "3"):
        raise invalid(
            "measure", "scope", scope, "the scope it abates: 1, 2 or 3 (or empty: not said)"
        )
    try:
        # Core refuses a measure it could not rank (a cost over 1e-320 t is infinite per t).
        CoreMeasure(name, abatement, cost, currency, start_year, owner, MeasureStatus(status))
    except MeasureError as exc:
        field = str(exc.extra.get("field", "measure"))
        given = {"abatement_t_per_year": abatement, "cost_per_year": cost}.get(field)
        raise invalid("measure", field, given, exc.message) from None
    with transaction.atomic():
        _lock(organisation)
        if Measure.objects.filter(organisation=organisation, name=name).exists():
            raise invalid("measure", "name", name, "the plan already has a measure of this name")
        other = Measure.objects.filter(organisation=organisation).exclude(currency=currency).first()
        if other is not None:
            raise invalid(
                "measure", "currency", currency,
                f"the plan's costs are in {other.currency}: give this one in {other.currency} to rank them together",
            )  # fmt: skip
        measure = Measure.objects.create(
            organisation=organisation, name=name, abatement_t_per_year=abatement, cost_per_year=cost,
            currency=currency, start_year=start_year, owner=owner, status=status, scope=scope,
            updated_by=by,
        )  # fmt: skip
        audit_record(
            by=by, action="strategy.measure", obj=measure, organisation=organisation,
            detail={"name": name, "abatement_t_per_year": abatement, "cost_per_year": cost,
                    "currency": currency, "start_year": start_year, "owner": owner, "status": status,
                    "scope": scope},
        )  # fmt: skip
    return measure


def measure_status_set(*, measure: Measure, status: str, by: User | None) -> Measure:
    """Move a measure to another status (planned, in progress, done, dropped)."""
    organisation = measure.organisation
    _require(by, organisation, _EDITORS, "change measures")
    status = _choice("measure", "status", status, MeasureStatus)
    with transaction.atomic():
        # Lock the row: two status changes at once would each log a move from the same old status.
        current = Measure.objects.select_for_update().get(pk=measure.pk)
        old = current.status
        current.status = status
        current.updated_at = timezone.now()
        current.updated_by = by
        current.save(update_fields=["status", "updated_at", "updated_by"])
        audit_record(
            by=by, action="strategy.measure_status", obj=current, organisation=organisation,
            detail={"name": current.name, "from": old, "to": status},
        )  # fmt: skip
    return current
