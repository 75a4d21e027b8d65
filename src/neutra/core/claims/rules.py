"""The rule sets claims are evaluated against, as versioned data with their sources.

A rule set is one version of one standard's rules: the rules it lists (its
`sources`, in the order they are shown), the window after the period in which
credits must be cancelled, the standard's withdrawal, what the boundary must
cover, which programmes and unit types meet the credit criteria, and the
source of every rule. Sources marked "(check)" were read in secondary
summaries (DOMAIN.md §7): confirm them against the standard's text before
relying on them, and change them here with a new version, never in place:
every version stays in `RULE_SET_VERSIONS`, so a claim evaluated under an
older one can be evaluated again under it.

It must never hold code that decides: the functions in `evaluate` read this.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType

from neutra.core.claims.model import CoverageTier, RuleId, Standard

__all__ = [
    "ISO_14068_1_2023",
    "ISO_14068_1_2023_V1",
    "PAS_2060_2014",
    "PAS_2060_2014_V1",
    "RULE_SETS",
    "RULE_SET_VERSIONS",
    "VCMI_CLAIMS_CODE_2023",
    "VCMI_TIERS",
    "VCMI_TIERS_SOURCE",
    "VCMI_TIERS_VERSION",
    "RuleSet",
    "TierScale",
    "TierSetting",
    "rule_set_for",
]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """One version of one standard's claim rules."""

    standard: Standard
    version: str  # changes whenever a figure, a rule or a source below changes
    title: str  # the standard's name, as printed on a claim
    # The standard's withdrawal: only legacy claims (a period that began before this day)
    # are made under it. None: in force.
    withdrawn_on: date | None
    withdrawn_source: str  # where the withdrawal is announced
    window_months: int  # credits count when cancelled by this many months after the period ends
    # sources of the rules, in the order the evaluation lists them: the rules this set has
    sources: MappingProxyType[RuleId, str]
    # boundary: the largest share of the total a scope 3 source may have and stay out of it
    # (None: the standard sets no figure; every source of the footprint is covered)
    max_excluded_scope3_share: float | None
    requires_scope3: bool  # the footprint must count scope 3 at all
    # credit criteria: programmes whose rules were assessed against the standard's criteria
    recognised_programmes: frozenset[str]
    # unit types that cannot meet the criteria, with why
    refused_unit_types: MappingProxyType[str, str]
    # Issued ex post: a vintage given as a monitoring period must end by the cancellation
    # date (False: only its end year is compared with the cancellation's year, as version 1
    # did; a vintage given as a year is always compared by year).
    vintage_period_by_date: bool = False
    # A period that ends on the last day of a month has a window ending on the last day of
    # the month `window_months` later (28 Feb 2023 -> 29 Feb 2024). False: the same day
    # number, as version 1 did (28 Feb 2023 -> 28 Feb 2024).
    window_to_month_end: bool = False


_REFUSED_UNIT_TYPES = MappingProxyType(
    {
        "TCER": "a temporary CER expires: the removal it stands for is not permanent",
        "LCER": "a long-term CER still expires: the removal it stands for is not permanent",
        "AAU": "an assigned amount unit is a party's emission allowance, not a project's mitigation outcome",
        "RMU": "a removal unit is a party's LULUCF accounting unit, not a project's mitigation outcome",
    }
)

# Programmes with their own validation, verification and registry, assessed by
# ICVCM or CORSIA (DOMAIN.md §7: governance, tracking, third-party verification).
_RECOGNISED_PROGRAMMES = frozenset(
    {"CDM", "JI", "A6.4", "GS", "VCS", "VERRA", "ACR", "CAR", "PURO", "ISOMETRIC", "PLAN VIVO"}
)

ISO_14068_1_2023_V1 = RuleSet(
    standard=Standard.ISO_14068_1,
    version="iso-14068-1:2023/1",
    title="ISO 14068-1:2023 Carbon neutrality",
    withdrawn_on=None,
    withdrawn_source="",
    window_months=12,
    sources=MappingProxyType(
        {
            RuleId.MANAGEMENT_PLAN: "ISO 14068-1:2023, carbon neutrality management plan: baseline, "
            "targets, actions, offsetting strategy, indicators, timeline (DOMAIN.md §7)",
            RuleId.REDUCTIONS_FIRST: "ISO 14068-1:2023, carbon neutrality hierarchy: reductions and "
            "removals in the value chain before offsetting (DOMAIN.md §7)",
            RuleId.BOUNDARY_COVERAGE: "ISO 14068-1:2023, the subject's carbon footprint: every "
            "emission of the boundary is counted and balanced (DOMAIN.md §7)",
            RuleId.RESIDUAL_BALANCED: "ISO 14068-1:2023 §11.2: residual emissions balanced by credits "
            "cancelled for the subject and period within 12 months after the period ends "
            "(as summarised by third parties; check)",
            RuleId.CREDITS_USED_ONCE: "ISO 14068-1:2023 §11.2: each credit is used for one claim "
            "only; ICVCM Core Carbon Principles: no double counting",
            RuleId.CREDIT_CRITERIA: "ISO 14068-1:2023 §11.2-11.3: programme and credit criteria "
            "(permanence, additionality, third-party verification, tracking; check); "
            "ICVCM Core Carbon Principles",
        }
    ),
    max_excluded_scope3_share=None,
    requires_scope3=False,
    recognised_programmes=_RECOGNISED_PROGRAMMES,
    refused_unit_types=_REFUSED_UNIT_TYPES,
)

PAS_2060_2014_V1 = RuleSet(
    standard=Standard.PAS_2060,
    version="pas-2060:2014/1",
    title="PAS 2060:2014 Carbon neutrality (withdrawn; legacy claims)",
    withdrawn_on=date(2025, 11, 30),
    withdrawn_source="BSI: PAS 2060 withdrawn 30 Nov 2025, superseded by ISO 14068-1 (check)",
    window_months=12,
    sources=MappingProxyType(
        {
            RuleId.MANAGEMENT_PLAN: "PAS 2060:2014, carbon footprint management plan with a "
            "reduction strategy and timescale (DOMAIN.md §7)",
            RuleId.REDUCTIONS_FIRST: "PAS 2060:2014, reductions before offsetting: the qualifying "
            "explanatory statement documents the reductions achieved (DOMAIN.md §7)",
            RuleId.BOUNDARY_COVERAGE: "PAS 2060:2014: 100 % of scope 1 and 2 plus every scope 3 "
            "source above 1 % of the total footprint (DOMAIN.md §7)",
            RuleId.RESIDUAL_BALANCED: "PAS 2060:2014 §9.1.2(e): credits retired within 12 months "
            "(as summarised by third parties; check)",
            RuleId.CREDITS_USED_ONCE: "PAS 2060:2014 §9.1.2(b): no double counting",
            RuleId.CREDIT_CRITERIA: "PAS 2060:2014 §9.1.2(a)-(d): genuine, additional, permanent, "
            "third-party verified, issued ex post (as summarised by third parties; check)",
        }
    ),
    max_excluded_scope3_share=0.01,
    requires_scope3=True,
    recognised_programmes=_RECOGNISED_PROGRAMMES,
    refused_unit_types=_REFUSED_UNIT_TYPES,
)

# Version 2 of both sets (DOMAIN.md §7): the standard's own status is a rule (PAS 2060 is
# for legacy claims only, since its withdrawal), a monitoring-period vintage must have
# ended by the cancellation (issued ex post), and a window runs to the end of a month when
# the period ends at one. The other figures and sources are those of version 1.
ISO_14068_1_2023 = replace(
    ISO_14068_1_2023_V1,
    version="iso-14068-1:2023/2",
    sources=MappingProxyType(
        {
            RuleId.STANDARD_IN_FORCE: "ISO 14068-1:2023 Carbon neutrality: in force; it "
            "supersedes PAS 2060 (DOMAIN.md §7)",
            **ISO_14068_1_2023_V1.sources,
        }
    ),
    vintage_period_by_date=True,
    window_to_month_end=True,
)

PAS_2060_2014 = replace(
    PAS_2060_2014_V1,
    version="pas-2060:2014/2",
    sources=MappingProxyType(
        {
            RuleId.STANDARD_IN_FORCE: "BSI: PAS 2060 withdrawn 30 Nov 2025, superseded by "
            "ISO 14068-1; legacy claims only (DOMAIN.md §7; check)",
            **PAS_2060_2014_V1.sources,
        }
    ),
    vintage_period_by_date=True,
    window_to_month_end=True,
)

# The current version of each standard's rules.
RULE_SETS = MappingProxyType(
    {ISO_14068_1_2023.standard: ISO_14068_1_2023, PAS_2060_2014.standard: PAS_2060_2014}
)

# Every version ever shipped, by its version string (a claim records the one it was evaluated under).
RULE_SET_VERSIONS = MappingProxyType(
    {
        rule_set.version: rule_set
        for rule_set in (ISO_14068_1_2023_V1, PAS_2060_2014_V1, ISO_14068_1_2023, PAS_2060_2014)
    }
)


def rule_set_for(standard: Standard) -> RuleSet:
    """The current rule set of a standard."""
    return RULE_SETS[standard]


@dataclass(frozen=True, slots=True)
class TierSetting:
    """A VCMI Claims Code tier: the share of the residual covered by high-quality credits."""

    tier: CoverageTier
    at_least: float  # lowest share of the residual covered (fraction, inclusive)


@dataclass(frozen=True, slots=True)
class TierScale:
    """One version of the VCMI tiers, with its source (DOMAIN.md §7 marks the figures "check")."""

    version: str
    source: str
    tiers: tuple[TierSetting, ...]  # highest first


# VCMI Claims Code of Practice (2023), tiers (DOMAIN.md §7, check): Silver 20-60 %,
# Gold 60-100 %, Platinum 100 % or more. A shared bound belongs to the higher tier.
VCMI_CLAIMS_CODE_2023 = TierScale(
    version="vcmi-claims-code-2023/1 (check)",
    source="VCMI Claims Code of Practice (2023): Silver 20-60 %, Gold 60-100 %, Platinum "
    "100 % or more of remaining emissions covered by high-quality cancelled credits "
    "(DOMAIN.md §7, as summarised there; check)",
    tiers=(
        TierSetting(CoverageTier.PLATINUM, 1.0),
        TierSetting(CoverageTier.GOLD, 0.6),
        TierSetting(CoverageTier.SILVER, 0.2),
    ),
)
VCMI_TIERS_VERSION = VCMI_CLAIMS_CODE_2023.version
VCMI_TIERS_SOURCE = VCMI_CLAIMS_CODE_2023.source
VCMI_TIERS = VCMI_CLAIMS_CODE_2023.tiers
