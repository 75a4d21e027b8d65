"""The values a neutrality claim is evaluated from, and the evaluation it gives.

Inputs are small frozen values that any caller can build: the footprint's
figures (`FootprintFigures`), the credits cancelled for a client
(`CancelledCredit`, built by the CLI from a replayed ledger file and by the web
from its cancellations), the serial ranges other claims already use
(`ClaimedRange`), the emissions history (`HistoryYear`) and the management
plan's hash. The evaluation (`ClaimEvaluation`) lists every rule with its
evidence, source and shortfall.

It must never read files, a database or a ledger: callers hand it values.
"""

from __future__ import annotations

import calendar
import math
import re
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from neutra.core.credits import serial_space
from neutra.core.energy import EnergyUse
from neutra.core.errors import NeutraError
from neutra.core.history import EmissionsYear, Scope2Basis, ScopeCoverage

__all__ = [
    "CancelledCredit",
    "ClaimEvaluation",
    "ClaimPeriod",
    "ClaimPeriodError",
    "ClaimState",
    "ClaimedRange",
    "CoverageTier",
    "ExcludedCredit",
    "FootprintFigures",
    "Mitigation",
    "RuleId",
    "RuleResult",
    "Scope2Basis",
    "Standard",
    "Storage",
    "Verification",
    "add_months",
    "credit_serial_space",
    "year_total",
]


class Standard(StrEnum):
    """The standard a claim is made under."""

    ISO_14068_1 = "iso-14068-1"  # ISO 14068-1:2023, the default
    PAS_2060 = "pas-2060"  # BSI PAS 2060:2014, withdrawn: legacy claims only


class Verification(StrEnum):
    """Who checked the claim (ISO 14068-1 and PAS 2060 both name the three)."""

    SELF = "self"
    SECOND_PARTY = "second-party"
    THIRD_PARTY = "third-party"


class Mitigation(StrEnum):
    """What a credit represents (Oxford Offsetting Principles track the share of removals)."""

    REDUCTION = "reduction"  # avoided or reduced emissions
    REMOVAL = "removal"  # carbon taken out of the atmosphere
    UNKNOWN = "unknown"  # the record does not say


class Storage(StrEnum):
    """How long a removal's carbon stays stored (durable: geological, mineral; centuries)."""

    DURABLE = "durable"
    SHORT_LIVED = "short-lived"  # forests, soils: reversible
    NOT_APPLICABLE = "not-applicable"  # a reduction stores nothing
    UNKNOWN = "unknown"


class RuleId(StrEnum):
    """The rules a claim is evaluated against (a rule set lists those it has, in its order)."""

    STANDARD_IN_FORCE = "standard_in_force"  # the standard may be claimed against for the period
    MANAGEMENT_PLAN = "management_plan"
    REDUCTIONS_FIRST = "reductions_first"
    BOUNDARY_COVERAGE = "boundary_coverage"
    RESIDUAL_BALANCED = "residual_balanced"
    CREDITS_USED_ONCE = "credits_used_once"
    CREDIT_CRITERIA = "credit_criteria"


class ClaimState(StrEnum):
    """Where a claim stands: draft -> evaluated -> issued -> withdrawn."""

    DRAFT = "draft"  # opened, not yet evaluated
    EVALUATED = "evaluated"  # evaluated against its rules (met or not)
    ISSUED = "issued"  # every rule met; certificate signed and public
    WITHDRAWN = "withdrawn"  # issued, then withdrawn: its public page says so

    def may_become(self, target: ClaimState) -> bool:
        """True when the workflow allows going from this state to `target`."""
        return target in _NEXT_STATES[self]


_NEXT_STATES = {
    ClaimState.DRAFT: frozenset({ClaimState.EVALUATED}),
    ClaimState.EVALUATED: frozenset({ClaimState.EVALUATED, ClaimState.ISSUED}),
    ClaimState.ISSUED: frozenset({ClaimState.WITHDRAWN}),
    ClaimState.WITHDRAWN: frozenset(),
}


class CoverageTier(StrEnum):
    """VCMI Claims Code tier reached by the share of the residual covered."""

    NONE = "none"
    SILVER = "silver"
    GOLD = "gold"
    PLATINUM = "platinum"


class ClaimPeriodError(NeutraError, ValueError):
    """A claim period that is neither a year nor an ISO date range."""


_RANGE = re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})/([0-9]{4}-[0-9]{2}-[0-9]{2})$")
# Claims begin with GHG accounting (1990) and end by 2100: a period outside is a typo, and its
# window's end (months after the period) stays a real date.
FIRST_YEAR, LAST_YEAR = 1990, 2100


@dataclass(frozen=True, slots=True, order=True)
class ClaimPeriod:
    """The period a claim (or a cancellation's `for_period`) is for, both ends inclusive."""

    start: date  # first day of the period
    end: date  # last day of the period

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ClaimPeriodError(
                f"the period ends ({self.end}) before it starts ({self.start})",
                value=self.label,
            )

    @classmethod
    def parse(cls, text: str) -> ClaimPeriod:
        """A year (`2024`) or `YYYY-MM-DD/YYYY-MM-DD`, as the ledger's `for_period` writes it,
        from 1990 to 2100; ASCII digits only."""
        text = text.strip()
        match = _RANGE.match(text)
        if re.fullmatch(r"[0-9]{4}", text):
            parts = [f"{text}-01-01", f"{text}-12-31"]
        elif match:
            parts = [match[1], match[2]]
        else:
            raise ClaimPeriodError(
                f"{text!r} is not a period: write a year (2024) or YYYY-MM-DD/YYYY-MM-DD",
                value=text,
            )
        if int(parts[0][:4]) < FIRST_YEAR:
            raise ClaimPeriodError(
                f"{text!r} is before any GHG accounting: a period starts in {FIRST_YEAR} or later",
                value=text,
            )
        if int(parts[1][:4]) > LAST_YEAR:
            raise ClaimPeriodError(
                f"{text!r} is too far ahead: a period ends in {LAST_YEAR} or earlier", value=text
            )
        try:
            start, end = (date.fromisoformat(part) for part in parts)
        except ValueError:
            raise ClaimPeriodError(
                f"{text!r} holds a date that does not exist", value=text
            ) from None
        return cls(start, end)

    @property
    def label(self) -> str:
        """`2024` for a calendar year, else `start/end`."""
        if (self.start.month, self.start.day, self.end.month, self.end.day) == (1, 1, 12, 31) and (
            self.start.year == self.end.year
        ):
            return str(self.start.year)
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    @property
    def year(self) -> int:
        """The year the period ends in: the history row it is compared with."""
        return self.end.year

    def __str__(self) -> str:
        return self.label


def year_total(year: EmissionsYear, basis: Scope2Basis) -> float:
    """Scope 1 + 2 + 3 of a history year, scope 2 on the given basis."""
    return year.covered(ScopeCoverage.S1_2_3, basis)


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True, slots=True)
class FootprintFigures:
    """The figures of a footprint (the `neutra.footprint/1` summary), in t CO2e, unrounded."""

    scope1: float
    scope2_location: float
    scope2_market: float
    scope3: float
    scope3_categories: tuple[tuple[int, float], ...] = ()  # (category 1-15, t CO2e), by category
    gwp_set: str = ""  # the GWP set the CO2e was made with
    biogenic_co2_t: float = 0.0  # memo, outside the scopes
    by_gas: tuple[tuple[str, float, float], ...] = ()  # (gas, t of gas, t CO2e)
    by_entity: tuple[tuple[str, float, float], ...] = ()  # (entity, total LB, total MB)
    output_hash: str = ""  # the footprint document's provenance hash
    # Energy of scopes 1 and 2 from the activity lines (None: the footprint came without lines)
    energy: EnergyUse | None = None

    def total(self, basis: Scope2Basis) -> float:
        """Scope 1 + 2 + 3, scope 2 on the given basis (as `EmissionsYear` adds them)."""
        return math.fsum([self.scope1, self.scope2(basis), self.scope3])

    def scope2(self, basis: Scope2Basis) -> float:
        return self.scope2_market if basis is Scope2Basis.MARKET else self.scope2_location


@dataclass(frozen=True, slots=True)
class CancelledCredit:
    """A block of units cancelled (voluntarily) on behalf of a client: what a claim can count."""

    client: str  # on whose behalf the units were cancelled
    for_period: ClaimPeriod | None  # the claim period the cancellation names (None: not given)
    cancelled_on: date  # date of the cancellation
    programme: str  # CDM, A6.4, GS, VCS, ...
    unit_type: str  # CER, tCER, lCER, ERU, AAU, A6.4ER, VER, VCU
    host_party: str  # ISO 3166 alpha-2 of the host or originating party
    project_id: str  # the programme's project or PoA number
    vintage: str  # a year, or YYYY-MM-DD/YYYY-MM-DD monitoring period
    serial_start: int  # first serial of the block, inclusive
    serial_end: int  # last serial, inclusive
    beneficiary: str = ""
    purpose: str = ""
    registry: str = ""  # where the cancellation happened
    mitigation: Mitigation = Mitigation.UNKNOWN  # reduction or removal
    storage: Storage = Storage.UNKNOWN  # durability of a removal's storage
    corresponding_adjustment: bool | None = None  # None: not known
    reference: str = ""  # the registry's attestation or transaction reference

    def __post_init__(self) -> None:
        if self.serial_end < self.serial_start:
            raise ValueError(f"serial range {self.serial_start}-{self.serial_end} is empty")

    @property
    def quantity(self) -> int:
        """Units in the block: 1 unit = 1 t CO2e."""
        return self.serial_end - self.serial_start + 1

    @property
    def serial_space(self) -> tuple[str, ...]:
        """Where serials are unique (DESIGN.md §5), as the credits ledger's `serial_space` says:
        (programme, unit type, host party, project), the parts a space does not use blank."""
        return credit_serial_space(self.programme, self.unit_type, self.host_party, self.project_id)

    def with_serials(self, start: int, end: int) -> CancelledCredit:
        """The same block narrowed to part of its serials."""
        return replace(self, serial_start=start, serial_end=end)

    def as_json(self) -> dict[str, Any]:
        return {
            "client": self.client,
            "for_period": None if self.for_period is None else self.for_period.label,
            "date": self.cancelled_on.isoformat(),
            "registry": self.registry,
            "programme": self.programme,
            "unit_type": self.unit_type,
            "host_party": self.host_party,
            "project_id": self.project_id,
            "vintage": self.vintage,
            "serial_start": self.serial_start,
            "serial_end": self.serial_end,
            "quantity": self.quantity,
            "beneficiary": self.beneficiary,
            "purpose": self.purpose,
            "mitigation": self.mitigation.value,
            "storage": self.storage.value,
            "corresponding_adjustment": self.corresponding_adjustment,
            "reference": self.reference,
        }


def credit_serial_space(
    programme: str, unit_type: str, host_party: str, project_id: str
) -> tuple[str, ...]:
    """Where serials are unique (DESIGN.md §5), as the credits ledger's `serial_space` says:
    (programme, unit type, host party, project), the parts a space does not use blank."""
    space = serial_space(programme.upper(), unit_type, host_party.upper(), project_id)
    return (space.programme, space.unit_type, space.host_party, space.project_id)


@dataclass(frozen=True, slots=True)
class ClaimedRange:
    """Serials another claim already counts: they cannot be counted again."""

    claim: str  # the other claim's reference, shown in the evidence
    serial_space: tuple[str, ...]  # as `CancelledCredit.serial_space`
    serial_start: int
    serial_end: int

    @classmethod
    def of(
        cls,
        claim: str,
        *,
        programme: str,
        unit_type: str,
        host_party: str,
        project_id: str,
        serial_start: int,
        serial_end: int,
    ) -> ClaimedRange:
        """The range of a block with these attributes (its serial space worked out)."""
        space = credit_serial_space(programme, unit_type, host_party, project_id)
        return cls(claim, space, serial_start, serial_end)


@dataclass(frozen=True, slots=True)
class RuleResult:
    """One rule of a claim, evaluated: met or not, why, where it comes from, what would close it."""

    id: RuleId
    met: bool
    detail: str  # the evidence, in words
    source: str  # the standard's clause (or guidance) the rule comes from
    shortfall_units: int = 0  # units still to cancel for this rule (0 when met or not about units)
    remedy: str = ""  # what would close the gap ("" when met)
    # False: the evidence was not given to this evaluation (a plan to `evaluate`), so the
    # rule is neither met nor failed yet; `met` is then None in the JSON. Issuing needs it.
    checked: bool = True

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id.value,
            "met": self.met if self.checked else None,
            "checked": self.checked,
            "detail": self.detail,
            "source": self.source,
            "shortfall_units": self.shortfall_units,
            "remedy": self.remedy,
        }


@dataclass(frozen=True, slots=True)
class ExcludedCredit:
    """A cancellation for the client that the claim does not count, and why."""

    credit: CancelledCredit
    reason: str


@dataclass(frozen=True, slots=True)
class ClaimEvaluation:
    """A claim evaluated against its standard's rule set."""

    standard: Standard
    rule_set_version: str  # which version of the rules, e.g. "iso-14068-1:2023/1"
    client: str
    period: ClaimPeriod
    scope2_basis: Scope2Basis
    residual_t: float  # the footprint to balance, t CO2e, unrounded
    required_units: int  # the residual rounded up to whole units
    counted_units: int  # units cancelled for this client and period, in the window, used once
    eligible_units: int  # of those, units meeting the credit criteria
    window_end: date  # last day a cancellation counts
    rules: tuple[RuleResult, ...]
    credits: tuple[CancelledCredit, ...]  # the blocks counted (narrowed to the serials counted)
    excluded: tuple[ExcludedCredit, ...]  # the client's cancellations not counted, with why
    coverage: float  # eligible units / residual (1.0 = fully balanced)
    tier: CoverageTier
    removal_share: float  # share of counted units that are removals
    durable_share: float  # share of counted units that are removals with durable storage
    plan_sha256: str = ""  # the management plan's hash ("" when none was given)
    tier_setting: str = ""  # the version of the VCMI tiers `tier` was read from

    @property
    def met(self) -> bool:
        """True when every rule checked is met (`complete` says whether every rule was checked)."""
        return all(rule.met for rule in self.rules if rule.checked)

    @property
    def complete(self) -> bool:
        """True when every rule was checked: what issuing a claim needs."""
        return all(rule.checked for rule in self.rules)

    @property
    def shortfall_units(self) -> int:
        """Units still to cancel (eligible, for this client and period, in the window)."""
        return max(0, self.required_units - self.eligible_units)

    @property
    def unmet(self) -> tuple[RuleResult, ...]:
        return tuple(rule for rule in self.rules if rule.checked and not rule.met)

    @property
    def pending(self) -> tuple[RuleResult, ...]:
        """Rules not checked for want of evidence (the plan, given to `issue`)."""
        return tuple(rule for rule in self.rules if not rule.checked)

    def rule(self, rule_id: RuleId) -> RuleResult:
        return next(rule for rule in self.rules if rule.id is rule_id)

    def as_json(self) -> dict[str, Any]:
        """The `neutra.claim/1` document (DESIGN.md §9)."""
        return {
            "schema": "neutra.claim/1",
            "standard": self.standard.value,
            "rule_set": self.rule_set_version,
            "client": self.client,
            "period": self.period.label,
            "scope2": self.scope2_basis.value,
            "residual_t": self.residual_t,
            "required_units": self.required_units,
            "counted_units": self.counted_units,
            "shortfall_units": self.shortfall_units,
            "met": self.met,
            "complete": self.complete,
            "window_end": self.window_end.isoformat(),
            "coverage": self.coverage,
            "tier": self.tier.value,
            "tier_setting": self.tier_setting,
            "removal_share": self.removal_share,
            "durable_share": self.durable_share,
            "plan_sha256": self.plan_sha256,
            "rules": [rule.as_json() for rule in self.rules],
            "credits": [credit.as_json() for credit in self.credits],
            "excluded": [
                {**item.credit.as_json(), "reason": item.reason} for item in self.excluded
            ],
        }
