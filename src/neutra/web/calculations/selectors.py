"""Reads of calculations for views, the API, the task and other apps.

Tenancy is decided where every read of client data decides it: a
calculation is found through `organisation_for`, and an inventory comes from
`neutra.web.inventories.selectors.inventory_for`. Another tenant's
calculation is a `NotFoundError`, exactly like a missing one.

Also here, because they are reads: the engine's inputs of an inventory
(`calculation_inputs`) and whether someone may calculate it now
(`calculation_refusal`, which the service enforces and the page explains).

It must never write.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import User
from django.db.models import QuerySet

from neutra.core import workflow
from neutra.core.boundary import Approach, Boundary
from neutra.core.engine import FootprintOptions
from neutra.core.errors import InvalidInputError, NeutraError, Problem
from neutra.core.factors import FactorSet
from neutra.core.gwp import GWPSet, gwp_set
from neutra.core.scope2 import Instrument
from neutra.reports import TOTAL_LABELS
from neutra.web.activities.models import ActivityRow, ActivityUpload
from neutra.web.calculations.models import Calculation
from neutra.web.errors import NotFoundError
from neutra.web.instruments.selectors import InstrumentSet, instrument_set
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.selectors import inventory_visible_or_404, pinned_factor_sets
from neutra.web.jobs.models import Job, JobKind, JobStatus
from neutra.web.tenancy.selectors import (
    organisation_boundary,
    roles_in,
    tenant_row_for,
)

__all__ = [
    "ABANDONED_AFTER",
    "CALCULATOR_ROLES",
    "CalculationInputs",
    "CalculationRefusal",
    "CalculationSection",
    "Refusal",
    "activity_row_count",
    "calculation_current",
    "calculation_for",
    "calculation_inputs",
    "calculation_job_latest",
    "calculation_refusal",
    "calculation_section",
    "calculations_for",
    "instrument_record",
    "uploads_of",
]

# The headline figures of a footprint, in the order a page shows them.
HEADLINE = tuple(TOTAL_LABELS.items())

# Who may press "Calculate", and in which states: the workflow's rule.
# Viewers and auditors read the figures.
CALCULATOR_ROLES = workflow.RULES[workflow.Action.CALCULATE].roles

# A calculation job still queued or running after this long is taken for
# abandoned (its worker died): it no longer keeps anyone from calculating.
ABANDONED_AFTER = timedelta(hours=1)


class Refusal(StrEnum):
    """Why an inventory cannot be calculated now."""

    ROLE = "role"  # the user's role reads only
    LOCKED = "locked"  # a locked inventory's figures never change
    NO_DATA = "no_data"  # no activity rows yet
    RUNNING = "running"  # a calculation is queued or running


@dataclass(frozen=True, slots=True)
class CalculationRefusal:
    reason: Refusal  # which rule refuses
    text: str  # the sentence a user reads


@dataclass(frozen=True, slots=True)
class CalculationInputs:
    """What the engine needs besides the activity rows, resolved from the inventory."""

    factor_sets: tuple[FactorSet, ...]  # in the inventory's search order
    gwp: GWPSet  # the inventory's GWP set
    boundary: Boundary | None  # the organisation's entity tree; None without entities
    options: FootprintOptions  # approach (with a boundary) and lines
    instruments: tuple[Instrument, ...] = ()  # the inventory's contractual instruments
    inputs: dict[str, str] | None = None  # further input files -> hash, for the provenance
    # What the stored summary records of them: {"file", "sha256", "count"}; None: none
    instrument_file: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class CalculationSection:
    """What the calculation section of an inventory page shows one user."""

    refusal: CalculationRefusal | None  # why the user may not calculate now; None: they may
    job: Job | None  # the newest calculation job, for its panel
    calculation: Calculation | None  # the current calculation; None if never calculated
    headline: tuple[tuple[str, float], ...]  # (label, t CO2e), unrounded
    flag_counts: tuple[tuple[str, int], ...]  # (flag, rows carrying it), by flag


def calculation_section(*, inventory: Inventory, user: User, now: datetime) -> CalculationSection:
    """Everything the calculation section of `inventory` shows `user` (from `inventory_for`)."""
    calculation = calculation_current(inventory=inventory)
    headline: tuple[tuple[str, float], ...] = ()
    flag_counts: tuple[tuple[str, int], ...] = ()
    if calculation is not None:
        totals = calculation.summary.get("totals", {})
        headline = tuple((label, float(totals.get(key, 0.0))) for key, label in HEADLINE)
        counts = calculation.summary.get("flag_counts", {})
        flag_counts = tuple(sorted((str(k), int(v)) for k, v in counts.items()))
    return CalculationSection(
        refusal=calculation_refusal(inventory=inventory, user=user, now=now),
        job=calculation_job_latest(inventory=inventory),
        calculation=calculation,
        headline=headline,
        flag_counts=flag_counts,
    )


def calculations_for(*, inventory: Inventory) -> QuerySet[Calculation]:
    """Every calculation of an inventory, newest first (pass one from `inventory_for`)."""
    return Calculation.objects.filter(inventory=inventory).select_related("calculated_by")


def calculation_current(*, inventory: Inventory) -> Calculation | None:
    """The newest calculation of an inventory: the one its figures are; None if never calculated."""
    return calculations_for(inventory=inventory).first()


def calculation_for(user: User, calculation_id: object, *, now: datetime) -> Calculation:
    """The calculation `calculation_id` if `user` may see its organisation at `now`.

    Raises `NotFoundError` (404) when it is missing and when it is another
    tenant's, alike.
    """
    rows = Calculation.objects.select_related("inventory", "calculated_by")
    calculation: Calculation = tenant_row_for(
        user, rows, calculation_id, now=now, what="calculation"
    )
    try:
        inventory_visible_or_404(user, calculation.inventory, now=now)
    except NotFoundError:
        raise NotFoundError("calculation not found", calculation_id=str(calculation_id)) from None
    return calculation


def calculation_job_latest(*, inventory: Inventory) -> Job | None:
    """The newest calculation job of an inventory (its panel shows how it went)."""
    return (
        Job.objects.filter(inventory=inventory, kind=JobKind.CALCULATION)
        .select_related("inventory")
        .first()
    )


def calculation_refusal(
    *, inventory: Inventory, user: User | None, now: datetime
) -> CalculationRefusal | None:
    """Why `user` may not calculate `inventory` now, or None when they may.

    `user=None` is the system itself (set-up commands), which has every role.
    """
    if user is not None and not roles_in(user, inventory.organisation, now=now) & CALCULATOR_ROLES:
        return CalculationRefusal(
            Refusal.ROLE,
            "Your role shows the figures; calculating needs a consultant, a client admin "
            "or a contributor.",
        )
    if inventory.is_locked:
        return CalculationRefusal(
            Refusal.LOCKED,
            f"Inventory {inventory.year} v{inventory.version} is locked: its figures never "
            "change. Restate it to calculate a corrected version.",
        )
    if not ActivityRow.objects.filter(inventory=inventory).exists():
        return CalculationRefusal(
            Refusal.NO_DATA, "There are no activity rows to calculate: upload activity data first."
        )
    running = Job.objects.filter(
        inventory=inventory,
        kind=JobKind.CALCULATION,
        status__in=(JobStatus.QUEUED, JobStatus.RUNNING),
        created_at__gte=now - ABANDONED_AFTER,
    )
    if running.exists():
        return CalculationRefusal(
            Refusal.RUNNING, "A calculation of this inventory is already queued or running."
        )
    return None


def calculation_inputs(*, inventory: Inventory) -> CalculationInputs:
    """The pinned factor sets, the GWP set and the boundary of an inventory.

    The pinned sets come from `pinned_factor_sets` (starter library first,
    then the factor store). Every pin that cannot be found, or whose stored
    content no longer has its version, is a problem naming the pin; all of
    them are raised together as `InvalidInputError`.
    """
    problems: list[Problem] = []
    sets = _pinned_sets(inventory, problems)
    gwp = None
    try:
        gwp = gwp_set(inventory.gwp_set)
    except NeutraError as error:
        problems.append(Problem("inventory", None, "gwp_set", inventory.gwp_set, error.message))
    boundary = organisation_boundary(organisation=inventory.organisation)
    if problems or gwp is None:
        raise InvalidInputError(problems, message=f"inventory settings: {problems[0].reason}")
    found = instrument_set(inventory=inventory)
    instruments = found.instruments if found is not None else ()
    inputs = {found.file_name: found.sha256} if found is not None else None
    recorded = instrument_record(found)
    if not boundary.links:
        # No entity tree: every row is included whole (the CLI without --entities).
        options = FootprintOptions(lines=True)
        return CalculationInputs(tuple(sets), gwp, None, options, instruments, inputs, recorded)
    options = FootprintOptions(approach=Approach(inventory.approach), lines=True)
    return CalculationInputs(tuple(sets), gwp, boundary, options, instruments, inputs, recorded)


def instrument_record(found: InstrumentSet | None) -> dict[str, Any] | None:
    """What a calculation records of the inventory's instruments, to tell later if they changed."""
    if found is None:
        return None
    return {"file": found.file_name, "sha256": found.sha256, "count": len(found.instruments)}


def _pinned_sets(inventory: Inventory, problems: list[Problem]) -> list[FactorSet]:
    pins = inventory.factor_sets if isinstance(inventory.factor_sets, list) else []
    if not pins:
        problems.append(
            Problem("inventory", None, "factor_sets", None, "the inventory pins no factor set")
        )
        return []
    try:
        return list(pinned_factor_sets(inventory=inventory))
    except InvalidInputError as error:
        problems += error.problems
        return []


def activity_row_count(*, inventory: Inventory, uploads: list[ActivityUpload]) -> int:
    """How many activity rows the given uploads of an inventory hold (counted, not trusted)."""
    return ActivityRow.objects.filter(inventory=inventory, upload__in=uploads).count()


def uploads_of(*, inventory: Inventory) -> list[ActivityUpload]:
    """The uploads of an inventory, in the order they came."""
    return list(ActivityUpload.objects.filter(inventory=inventory).order_by("uploaded_at", "id"))
