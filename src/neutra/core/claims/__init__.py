"""Neutrality claims (DOMAIN.md §7, DESIGN.md §9): rule sets as versioned data, and their evaluation.

A claim of a client for a period is evaluated from plain values: the
footprint's figures, the credits cancelled on the client's behalf, the serial
ranges other claims already count, the emissions history and the management
plan's hash. Every rule comes back met or not, with its evidence, its source,
its shortfall in units and what would close it.

It must never read a ledger, a file or a database: callers turn those into
these values (the CLI from a replayed ledger file, the web from its
cancellations).
"""

from __future__ import annotations

from neutra.core.claims.evaluate import (
    PortfolioYear,
    coverage_tier,
    credit_problems,
    evaluate_claim,
    portfolio_by_year,
    required_units,
)
from neutra.core.claims.model import (
    CancelledCredit,
    ClaimedRange,
    ClaimEvaluation,
    ClaimPeriod,
    ClaimPeriodError,
    ClaimState,
    CoverageTier,
    ExcludedCredit,
    FootprintFigures,
    Mitigation,
    RuleId,
    RuleResult,
    Scope2Basis,
    Standard,
    Storage,
    Verification,
    add_months,
    credit_serial_space,
    year_total,
)
from neutra.core.claims.rules import (
    ISO_14068_1_2023,
    ISO_14068_1_2023_V1,
    PAS_2060_2014,
    PAS_2060_2014_V1,
    RULE_SET_VERSIONS,
    RULE_SETS,
    VCMI_CLAIMS_CODE_2023,
    VCMI_TIERS,
    VCMI_TIERS_SOURCE,
    VCMI_TIERS_VERSION,
    RuleSet,
    TierScale,
    TierSetting,
    rule_set_for,
)

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
    "PortfolioYear",
    "RuleId",
    "RuleResult",
    "RuleSet",
    "Scope2Basis",
    "Standard",
    "Storage",
    "TierScale",
    "TierSetting",
    "Verification",
    "add_months",
    "coverage_tier",
    "credit_problems",
    "credit_serial_space",
    "evaluate_claim",
    "portfolio_by_year",
    "required_units",
    "rule_set_for",
    "year_total",
]
