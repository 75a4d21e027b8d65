"""The rule sets claims are evaluated against, as versioned data with their sources.

A rule set is one version of one standard's rules: the window after the
period in which credits must be cancelled, what the boundary must cover,
which programmes and unit types meet the credit criteria, and the source of
every rule. Sources marked "(check)" were read in secondary summaries
(DOMAIN.md §7): confirm them against the standard's text before relying on
them, and change them here with a new version, never in place.

It must never hold code that decides: the functions in `evaluate` read this.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from neutra.core.claims.model import CoverageTier, RuleId, Standard

__all__ = [
    "ISO_14068_1_2023",
    "PAS_2060_2014",
    "RULE_SETS",
    "VCMI_TIERS",
    "RuleSet",
    "TierSetting",
    "rule_set_for",
]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """One version of one standard's claim rules."""

    standard: Standard
    version: str  # changes whenever a figure or a source below changes
    title: str  # the standard's name, as printed on a claim
    withdrawn_on: date | None  # the standard's withdrawal, for legacy claims
    withdrawn_source: str  # where the withdrawal is announced
    window_months: int  # credits count when cancelled by this many months after the period ends
    # sources of the rules, in the order the evaluation lists them
    sources: MappingProxyType[RuleId, str]
    # boundary: the largest share of the total a scope 3 source may have and stay out of it
    # (None: the standard sets no figure; every source of the footprint is covered)
    max_excluded_scope3_share: float | None
    requires_scope3: bool  # the footprint must count scope 3 at all
    # credit criteria: programmes whose rules were assessed against the standard's criteria
    recognised_programmes: frozenset[str]
    # unit types that cannot meet the criteria, with why
    refused_unit_types: MappingProxyType[str, str]


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

ISO_14068_1_2023 = RuleSet(
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

PAS_2060_2014 = RuleSet(
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

RULE_SETS = MappingProxyType(
    {ISO_14068_1_2023.standard: ISO_14068_1_2023, PAS_2060_2014.standard: PAS_2060_2014}
)


def rule_set_for(standard: Standard) -> RuleSet:
    """The current rule set of a standard."""
    return RULE_SETS[standard]


@dataclass(frozen=True, slots=True)
class TierSetting:
    """A VCMI Claims Code tier: the share of the residual covered by high-quality credits."""

    tier: CoverageTier
    at_least: float  # lowest share of the residual covered (fraction, inclusive)


# VCMI Claims Code of Practice (2023), tiers (DOMAIN.md §7, check): Silver 20-60 %,
# Gold 60-100 %, Platinum 100 % or more. Highest first.
VCMI_TIERS_VERSION = "vcmi-claims-code-2023/1 (check)"
VCMI_TIERS = (
    TierSetting(CoverageTier.PLATINUM, 1.0),
    TierSetting(CoverageTier.GOLD, 0.6),
    TierSetting(CoverageTier.SILVER, 0.2),
)
