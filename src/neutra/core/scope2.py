"""Market-based scope 2: contractual instruments applied to electricity consumption.

GHG Protocol Scope 2 Guidance (2015): consumption is covered by instruments in
hierarchy order (energy attribute certificates, then contracts such as PPAs,
then supplier-specific rates); what is left takes the residual mix of its
region and year, else the grid average, disclosed as a fallback. An instrument
lowers the market-based figure only if it meets the quality criteria, judged
here by a named, versioned `QualityRules` setting.

Of the quality criteria, "conveys the emission rate" is met by the rate every
instrument carries, and "the only claim on that energy" is the reporter's
attestation, which no file can show; tracking, cancellation, vintage and market
are checked here. The market is a rule per kind of certificate (Scope 2
Guidance ch. 7, "same market" criterion: the boundary of the market in which
the certificate is issued and can be used):

- a REC is in the US market: a REC of any US subregion counts for consumption
  anywhere in the US ("US-RFCE" covers "US-CAMX");
- a GO is in the AIB / European market of guarantees of origin (Directive (EU)
  2018/2001 Art. 19, mutual recognition within the EU and the EEA, and
  Switzerland through the AIB's European Energy Certificate System): the EU
  member states plus NO, IS, LI and CH (not GB since 2021);
- an I-REC, and any other instrument, is in its country (the instrument's
  `market`, else the country of its region): "US-CAMX" is in "US".

An instrument meant for consumption of another market is reported as such
("another market"), never as matching nothing.

It must never read files, never net instruments against gross figures
elsewhere, and never let one kWh of an instrument cover two consumptions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from neutra.core.errors import InvalidInputError, Problem
from neutra.core.factors import Basis
from neutra.core.flags import FlagKind
from neutra.core.regions import country_codes, fallback_chain

__all__ = [
    "GHGP_SCOPE2_2015",
    "Allocation",
    "CertificateScheme",
    "ConsumptionGroup",
    "Flag",
    "FlagKind",
    "GroupResult",
    "Instrument",
    "InstrumentType",
    "MarketBasedResult",
    "NotQualified",
    "QualityRules",
    "allocate_market_based",
    "country_of",
    "market_of",
    "quality_failures",
]


class CertificateScheme(StrEnum):
    """The kind of energy attribute certificate, which decides its market."""

    GO = "GO"  # guarantee of origin (EU/EEA, AIB)
    REC = "REC"  # renewable energy certificate (US)
    I_REC = "I-REC"  # International REC Standard, issued per country


# Countries whose guarantees of origin are one market: EU members (regions.csv: EU27)
# plus the EEA states and Switzerland (AIB members). GB left in 2021.
_GO_NON_EU = frozenset({"NO", "IS", "LI", "CH"})


class InstrumentType(StrEnum):
    """Contractual instruments, in the order of the scope 2 hierarchy."""

    CERTIFICATE = "certificate"  # energy attribute certificates: GO, REC, I-REC
    CONTRACT = "contract"  # direct contracts such as PPAs
    SUPPLIER_RATE = "supplier_rate"  # a supplier-specific emission rate


# Position in the hierarchy: lower ranks are applied first.
_RANK = {InstrumentType.CERTIFICATE: 0, InstrumentType.CONTRACT: 1, InstrumentType.SUPPLIER_RATE: 2}


@dataclass(frozen=True, slots=True)
class Instrument:
    """One contractual instrument and the energy it covers.

    The optional quality fields tell "column absent" from "present but empty":
    None means the instrument file had no such column, so the criterion cannot
    be judged and does not disqualify; "" means the column was there and this
    instrument left it empty, which does disqualify.
    """

    instrument_id: str  # unique among the instruments of one calculation
    type: InstrumentType  # its place in the hierarchy
    entity: str | None  # the entity it was bought for; None = any entity in its region
    region: str | None  # upper-case ISO 3166 alpha-2 or subregion; None = any (market decides)
    year: int  # the consumption year it is applied to
    quantity_kwh: float  # energy covered, kWh, >= 0
    rate_t_co2e_per_kwh: float  # emission rate it conveys, t CO2e per kWh, >= 0
    tracking_id: str | None = None  # registry or tracking-system id; None = column absent
    cancelled_for: str | None = None  # whom it was cancelled for; None = column absent
    vintage: int | None = None  # generation year; None = not given (the year is used)
    market: str | None = None  # upper-case market code; None = the country of `region`
    scheme: CertificateScheme | None = None  # GO, REC or I-REC when the file says which

    @property
    def is_shared(self) -> bool:
        return self.entity is None


@dataclass(frozen=True, slots=True)
class QualityRules:
    """A versioned setting: which quality criteria an instrument must meet."""

    name: str = "ghgp-scope2-2015"  # recorded with every result
    max_vintage_gap_years: int = 1  # |vintage - consumption year| allowed
    # Types that must be tracked and cancelled for the reporter: supplier rates
    # are disclosed by the supplier, not held in a tracking system.
    tracked_types: frozenset[InstrumentType] = frozenset(
        {InstrumentType.CERTIFICATE, InstrumentType.CONTRACT}
    )


GHGP_SCOPE2_2015 = QualityRules()


@dataclass(frozen=True, slots=True)
class ConsumptionGroup:
    """Net electricity consumption of one entity in one region and year."""

    entity: str | None  # organisational unit or site, or None
    region: str | None  # upper-case region where the energy is consumed, or None
    year: int  # consumption year
    consumption_kwh: float  # net consumption, kWh; negative only for net corrections
    location_t_co2e: float  # the location-based figure of this consumption, t CO2e
    residual_rate_t_co2e_per_kwh: float | None  # residual mix rate; None = no residual mix

    @property
    def label(self) -> str:
        return f"{self.entity or '(no entity)'} / {self.region or '(no region)'} / {self.year}"


@dataclass(frozen=True, slots=True)
class Flag:
    """A note on the market-based figure."""

    subject: str  # an instrument_id, or a group label ("entity / region / year")
    flag: FlagKind  # what kind of note
    detail: str  # the reasons, in words


@dataclass(frozen=True, slots=True)
class Allocation:
    """Part of an instrument applied to one group."""

    instrument_id: str  # the instrument applied
    covered_kwh: float  # energy of the group it covers, kWh, > 0
    t_co2e: float  # covered_kwh x the instrument's rate


@dataclass(frozen=True, slots=True)
class NotQualified:
    """An instrument meant for a group that may not lower its market-based figure."""

    instrument_id: str  # the instrument refused
    reasons: tuple[str, ...]  # the quality criteria it fails, in words


@dataclass(frozen=True, slots=True)
class GroupResult:
    """The market-based figure of one consumption group."""

    group: ConsumptionGroup  # the input group
    allocations: tuple[Allocation, ...]  # instruments applied, in application order
    uncovered_kwh: float  # consumption no instrument covers (negative for a net correction)
    uncovered_rate_t_co2e_per_kwh: float  # residual mix rate, else the grid average
    uncovered_basis: Basis  # RESIDUAL_MIX, or LOCATION when the residual mix is missing
    market_t_co2e: float  # the group's market-based emissions
    not_qualified: tuple[NotQualified, ...] = ()  # instruments matched but refused, in order

    @property
    def covered_kwh(self) -> float:
        return math.fsum(a.covered_kwh for a in self.allocations)


@dataclass(frozen=True, slots=True)
class MarketBasedResult:
    """Market-based scope 2 for a set of groups, with its notes."""

    rules_name: str  # the QualityRules setting used
    groups: tuple[GroupResult, ...]  # one per input group, in input order
    instruments: tuple[Instrument, ...]  # every instrument given, in application order
    flags: tuple[Flag, ...] = field(default=())  # notes, in the order they arose

    @property
    def market_t_co2e(self) -> float:
        return math.fsum(g.market_t_co2e for g in self.groups)

    @property
    def covered_kwh_by_instrument(self) -> dict[str, float]:
        """Instrument id -> kWh it covered over all groups (0 when unused)."""
        used = {i.instrument_id: 0.0 for i in self.instruments}
        for group in self.groups:
            for allocation in group.allocations:
                used[allocation.instrument_id] += allocation.covered_kwh
        return used

    def check_invariants(self) -> None:
        """Raise ValueError unless no group is over-covered, no instrument over-used,
        and figures are non-negative where consumption and rates are."""
        rates = {i.instrument_id: i.rate_t_co2e_per_kwh for i in self.instruments}
        quantities = {i.instrument_id: i.quantity_kwh for i in self.instruments}
        for result in self.groups:
            _check_group(result, rates)
        for instrument_id, used in self.covered_kwh_by_instrument.items():
            if used > quantities[instrument_id] + _tolerance(quantities[instrument_id]):
                raise ValueError(
                    f"instrument {instrument_id}: {used} kWh used of {quantities[instrument_id]}"
                )


def _tolerance(amount: float) -> float:
    # Sums of float64 parts may differ from their whole in the last bits.
    return 1e-9 * max(1.0, abs(amount))


def _check_group(result: GroupResult, rates: dict[str, float]) -> None:
    group = result.group
    need = max(group.consumption_kwh, 0.0)
    if any(a.covered_kwh <= 0 or a.instrument_id not in rates for a in result.allocations):
        raise ValueError(f"group {group.label}: an allocation is empty or of no instrument")
    if result.covered_kwh > need + _tolerance(need):
        raise ValueError(f"group {group.label}: covers {result.covered_kwh} kWh of {need}")
    total = result.covered_kwh + result.uncovered_kwh
    if abs(total - group.consumption_kwh) > _tolerance(group.consumption_kwh):
        raise ValueError(f"group {group.label}: covered + uncovered is not the consumption")
    rates_non_negative = result.uncovered_rate_t_co2e_per_kwh >= 0 and all(
        rates[a.instrument_id] >= 0 for a in result.allocations
    )
    if group.consumption_kwh >= 0 and rates_non_negative and result.market_t_co2e < 0:
        raise ValueError(f"group {group.label}: negative market-based figure")


def country_of(region: str | None) -> str | None:
    """The ISO country of a region code: "US-CAMX" -> "US", "de" -> "DE"."""
    if not region:
        return None
    return region.split("-", 1)[0].strip().upper() or None


def quality_failures(
    instrument: Instrument,
    consumption_region: str | None,
    consumption_year: int,
    rules: QualityRules,
) -> list[str]:
    """Reasons `instrument` may not lower the market-based figure of that consumption."""
    failures = []
    if instrument.type in rules.tracked_types:
        # None = the file had no such column: nothing to judge, so no failure.
        if instrument.tracking_id is not None and not instrument.tracking_id.strip():
            failures.append("not tracked: no tracking_id")
        if instrument.cancelled_for is not None and not instrument.cancelled_for.strip():
            failures.append("not cancelled by or for the reporter: no cancelled_for")
    vintage = instrument.year if instrument.vintage is None else instrument.vintage
    if abs(vintage - consumption_year) > rules.max_vintage_gap_years:
        failures.append(
            f"vintage {vintage} is more than {rules.max_vintage_gap_years} year(s) "
            f"from the consumption year {consumption_year}"
        )
    failures += _market_failures(instrument, consumption_region)
    return failures


@cache
def _go_market() -> frozenset[str]:
    eu = {c for c in country_codes() if "EU27" in fallback_chain(c)}
    return frozenset(eu | _GO_NON_EU)


def market_of(instrument: Instrument) -> tuple[str, frozenset[str]] | None:
    """The market an instrument counts in (its name, its countries), or None if unknown."""
    if instrument.scheme is CertificateScheme.REC:
        return "US (RECs)", frozenset({"US"})
    if instrument.scheme is CertificateScheme.GO:
        return "AIB/EU (guarantees of origin)", _go_market()
    market = (instrument.market or "").strip().upper() or country_of(instrument.region)
    if market is None:
        return None
    return market, frozenset({market})


def _market_failures(instrument: Instrument, consumption_region: str | None) -> list[str]:
    market = market_of(instrument)
    country = country_of(consumption_region)
    if market is None:
        return ["no market: give the instrument a region or a market"]
    if country is None:
        return ["the consumption has no region, so the same market cannot be shown"]
    name, countries = market
    if country not in countries:
        return [f"another market: its market {name} is not the consumption's ({country})"]
    own = country_of(instrument.region)
    if own is not None and own not in countries:
        return [f"its region {instrument.region} is outside its market {name}"]
    return []


def _meant_for(instrument: Instrument, group: ConsumptionGroup) -> bool:
    """Same year and entity: the instrument was bought for this consumption's year and holder."""
    if instrument.year != group.year:
        return False
    return instrument.entity is None or instrument.entity == group.entity


def _matches(instrument: Instrument, group: ConsumptionGroup) -> bool:
    """Whether the instrument may cover this consumption, quality aside (market rules above)."""
    if not _meant_for(instrument, group):
        return False
    if instrument.region is None or instrument.region == group.region:
        return True
    if instrument.scheme in (CertificateScheme.REC, CertificateScheme.GO):
        market = market_of(instrument)
        assert market is not None
        return country_of(group.region) in market[1] and country_of(instrument.region) in market[1]
    # A country-wide instrument ("US") covers consumption in its subregions ("US-CAMX").
    return "-" not in instrument.region and instrument.region == country_of(group.region)


def _application_order(instrument: Instrument) -> tuple[int, bool, str]:
    # Hierarchy first; within a type, instruments bought for the entity before
    # shared ones (so a shared one is not spent where an own one would do);
    # then by id, for determinism.
    return (_RANK[instrument.type], instrument.is_shared, instrument.instrument_id)


def _group_order(group: ConsumptionGroup) -> tuple[bool, str, bool, str, int]:
    return (
        group.entity is None,
        group.entity or "",
        group.region is None,
        group.region or "",
        group.year,
    )


@dataclass(slots=True)
class _Ledger:
    """Mutable bookkeeping of one allocation run (never leaves this module)."""

    rules: QualityRules
    remaining_kwh: dict[str, float]  # instrument id -> kWh not yet applied
    matched: set[str] = field(default_factory=set)  # ids that matched some group
    qualified: set[str] = field(default_factory=set)  # ids that qualified for some group
    flags: list[Flag] = field(default_factory=list)  # notes, in the order they arose
    seen: set[Flag] = field(default_factory=set)  # the same notes, for constant-time lookup

    def flag(self, subject: str, kind: FlagKind, detail: str) -> None:
        new = Flag(subject, kind, detail)
        if new not in self.seen:  # one note per cause, however many groups hit it
            self.seen.add(new)
            self.flags.append(new)


def allocate_market_based(
    groups: Sequence[ConsumptionGroup],
    instruments: Sequence[Instrument],
    rules: QualityRules,
) -> MarketBasedResult:
    """Market-based scope 2 of each group, with the instruments applied and the notes.

    Groups are served in a fixed order (by entity, region, year, then input
    position) so that instruments shared between groups split deterministically.
    """
    ordered = tuple(sorted(instruments, key=_application_order))
    _refuse_duplicate_ids(ordered)
    ledger = _Ledger(rules, {i.instrument_id: i.quantity_kwh for i in ordered})
    results: dict[int, GroupResult] = {}
    for index in sorted(range(len(groups)), key=lambda k: (_group_order(groups[k]), k)):
        results[index] = _allocate_group(groups[index], ordered, ledger)
    _flag_unused(ordered, groups, ledger)
    result = MarketBasedResult(
        rules_name=rules.name,
        groups=tuple(results[k] for k in range(len(groups))),
        instruments=ordered,
        flags=tuple(ledger.flags),
    )
    result.check_invariants()
    return result


def _refuse_duplicate_ids(instruments: tuple[Instrument, ...]) -> None:
    seen: set[str] = set()
    problems = []
    for instrument in instruments:
        if instrument.instrument_id in seen:
            problems.append(
                Problem("instruments", None, "instrument_id", instrument.instrument_id, "duplicate")
            )
        seen.add(instrument.instrument_id)
    if problems:
        raise InvalidInputError(problems)


def _allocate_group(
    group: ConsumptionGroup, instruments: tuple[Instrument, ...], ledger: _Ledger
) -> GroupResult:
    # Only net consumption is covered: a net correction takes no instrument.
    need = max(group.consumption_kwh, 0.0)
    allocations = []
    refused = []
    for instrument in instruments:
        if not _matches(instrument, group):
            continue
        ledger.matched.add(instrument.instrument_id)
        failures = quality_failures(instrument, group.region, group.year, ledger.rules)
        if failures:
            detail = f"for {group.label}: " + "; ".join(failures)
            ledger.flag(instrument.instrument_id, FlagKind.INSTRUMENT_NOT_QUALIFIED, detail)
            refused.append(NotQualified(instrument.instrument_id, tuple(failures)))
            continue
        ledger.qualified.add(instrument.instrument_id)
        take = min(need, ledger.remaining_kwh[instrument.instrument_id])
        if take > 0:
            ledger.remaining_kwh[instrument.instrument_id] -= take
            need -= take  # exact when take == need, so full cover leaves exactly 0
            allocations.append(
                Allocation(instrument.instrument_id, take, take * instrument.rate_t_co2e_per_kwh)
            )
    uncovered = need if group.consumption_kwh > 0 else group.consumption_kwh
    rate, basis = _uncovered_rate(group, uncovered, ledger)
    market = math.fsum([*(a.t_co2e for a in allocations), uncovered * rate])
    return GroupResult(group, tuple(allocations), uncovered, rate, basis, market, tuple(refused))


def _uncovered_rate(
    group: ConsumptionGroup, uncovered_kwh: float, ledger: _Ledger
) -> tuple[float, Basis]:
    if group.residual_rate_t_co2e_per_kwh is not None:
        return group.residual_rate_t_co2e_per_kwh, Basis.RESIDUAL_MIX
    grid = group.location_t_co2e / group.consumption_kwh if group.consumption_kwh else 0.0
    if uncovered_kwh:
        ledger.flag(
            group.label,
            FlagKind.RESIDUAL_MIX_MISSING,
            f"no residual mix: {uncovered_kwh:g} kWh at the grid average {grid:g} t CO2e/kWh",
        )
    return grid, Basis.LOCATION


def _flag_unused(
    instruments: tuple[Instrument, ...], groups: Sequence[ConsumptionGroup], ledger: _Ledger
) -> None:
    for instrument in sorted(instruments, key=lambda i: i.instrument_id):
        left = ledger.remaining_kwh[instrument.instrument_id]
        if instrument.instrument_id not in ledger.matched:
            elsewhere = sorted(
                {g.region or "no region" for g in groups if _meant_for(instrument, g)}
            )
            if elsewhere:
                # Consumption of its year and entity exists, in another market: say so.
                failures = _market_failures(
                    instrument, next((g.region for g in groups if _meant_for(instrument, g)), None)
                ) or [f"its region {instrument.region} is not the consumption's"]
                ledger.flag(
                    instrument.instrument_id,
                    FlagKind.INSTRUMENT_NOT_QUALIFIED,
                    f"for the consumption of {instrument.year} in {', '.join(elsewhere)}: "
                    + "; ".join(failures),
                )
                continue
            detail = "no consumption matches its entity and year"
        elif instrument.instrument_id not in ledger.qualified:
            continue  # already flagged as not qualified, with the reasons
        elif left > 0:
            detail = f"{left:g} of {instrument.quantity_kwh:g} kWh left over"
        else:
            continue
        ledger.flag(instrument.instrument_id, FlagKind.INSTRUMENT_UNUSED, detail)
