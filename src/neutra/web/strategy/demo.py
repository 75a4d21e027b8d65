"""The demonstration's climate strategy (`neutra demo`): base years, an acquisition with its
recalculation, denominators, targets (one off track) and reduction plans.

Called once by `neutra.web.demo` after the inventories are calculated; every
write goes through the strategy services, as a user's would. The acquisition's
effect is a share of the client's calculated base year, so it passes the
threshold whatever the seeded activity data come to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User

from neutra.core.history import EmissionKey
from neutra.web.strategy.selectors import emissions_history
from neutra.web.strategy.services import (
    base_year_set,
    denominator_set,
    measure_create,
    recalculation_accept,
    structural_change_record,
    target_set,
)
from neutra.web.tenancy.models import Organisation

__all__ = ["strategy_demo_load"]

BASE_YEAR = 2024
POLICY = (
    "The base year is recalculated when structural changes (acquisitions, divestments, "
    "outsourcing, insourcing), changes of method or emission factors, or errors found move its "
    "emissions by 5 % or more, alone or together (GHG Protocol Corporate Standard, chapter 5). "
    "Organic growth or decline never triggers a recalculation."
)
# organisation -> (currency, [(year, fte, revenue in millions)], custom indicator or None)
DENOMINATORS: dict[
    str, tuple[str, list[tuple[int, float, float]], tuple[str, str, list[float]] | None]
] = {
    "Brightwater Manufacturing Ltd": (
        "GBP",
        [(2024, 412, 86.5), (2025, 431, 91.2), (2026, 440, 94.8)],
        ("tonnes_produced", "t", [18_200, 19_050, 19_600]),
    ),
    "Cascade Outdoor Retail Inc.": (
        "USD",
        [(2024, 265, 54.0), (2025, 281, 58.3), (2026, 290, 61.0)],
        None,
    ),
    "Kestrel Software GmbH": (
        "EUR",
        [(2024, 138, 21.4), (2025, 151, 24.9), (2026, 163, 27.6)],
        ("m2", "m2", [4_200, 4_200, 5_100]),
    ),
}


def strategy_demo_load(
    organisations: dict[str, tuple[Organisation, dict[str, Any]]],
    consultant: User,
    say: Callable[[str], None],
) -> None:
    """Base year, denominators, targets and measures of every demo client."""
    for name, (organisation, people) in organisations.items():
        base_year_set(
            organisation=organisation, year=BASE_YEAR, threshold=0.05, policy=POLICY, by=consultant
        )
        currency, rows, custom = DENOMINATORS[name]
        admin = people["client_admin"]
        for index, (year, fte, revenue) in enumerate(rows):
            denominator_set(
                organisation=organisation, year=year, indicator="fte", value=fte, unit="FTE",
                source="HR system, average FTE of the year", by=admin,
            )  # fmt: skip
            denominator_set(
                organisation=organisation, year=year, indicator="revenue", value=revenue * 1e6,
                unit=currency, source="Annual report, net revenue", by=admin,
            )  # fmt: skip
            if custom is not None:
                indicator, unit, values = custom
                denominator_set(
                    organisation=organisation, year=year, indicator=indicator, value=values[index],
                    unit=unit, source="Operations records", by=admin,
                )  # fmt: skip
    _brightwater(organisations["Brightwater Manufacturing Ltd"][0], consultant)
    _cascade(organisations["Cascade Outdoor Retail Inc."][0], consultant)
    _kestrel(organisations["Kestrel Software GmbH"][0], consultant)
    say(
        "Strategy: base years, denominators, targets and measures; Brightwater's acquisition restated"
    )


def _brightwater(organisation: Organisation, consultant: User) -> None:
    history, _ = emissions_history(organisation=organisation)
    base = history.year(BASE_YEAR).figure(EmissionKey.TOTAL_MARKET)
    # SBTi 1.5 C: 4.2 % a year for scopes 1 + 2 and 2.5 % for scope 3, 2032 being 6 years
    # after 2026 (the latest inventory, when the targets are set).
    # An acquisition that moves the base year by 6 %: past the 5 % threshold, so recalculated.
    structural_change_record(
        organisation=organisation, year=2025, kind="acquisition",
        description="Acquired Tamar Plastics Ltd (moulding plant, Plymouth) on 1 January 2025",
        base_year_effect_t=round(0.06 * base, 3), by=consultant,
    )  # fmt: skip
    structural_change_record(
        organisation=organisation, year=2025, kind="organic",
        description="Second shift at the Sheffield works", base_year_effect_t=round(0.04 * base, 3),
        by=consultant,
    )  # fmt: skip
    recalculation_accept(organisation=organisation, by=consultant)
    target_set(
        organisation=organisation, code="SBTi-S12", kind="absolute", scopes="1+2", base_year=BASE_YEAR,
        target_year=2032, reduction=0.336, criteria="sbti-near-term-1.5c",
        milestones=[{"year": 2028, "reduction": 0.168}], by=consultant,
    )  # fmt: skip
    target_set(
        organisation=organisation, code="S3-suppliers", kind="absolute", scopes="3", base_year=BASE_YEAR,
        target_year=2032, reduction=0.2, criteria="sbti-near-term-1.5c", by=consultant,
    )  # fmt: skip
    for name, abated, cost, start, status, scope in (
        ("LED lighting in all sites", 0.02, -18_000, 2025, "done", "2"),
        ("Heat pumps for the offices", 0.05, 42_000, 2026, "in_progress", "1"),
        ("Solar PPA for the works", 0.12, 15_000, 2027, "planned", "2"),
        ("Electric forklifts", 0.03, 9_000, 2028, "planned", "1"),
        ("Supplier engagement programme", 0.02, 6_000, 2027, "planned", "3"),
    ):
        measure_create(
            organisation=organisation, name=name, abatement_t_per_year=round(abated * base, 3),
            cost_per_year=cost, currency="GBP", start_year=start, owner="Head of operations",
            status=status, scope=scope, by=consultant,
        )  # fmt: skip


def _cascade(organisation: Organisation, consultant: User) -> None:
    history, _ = emissions_history(organisation=organisation)
    base = history.year(BASE_YEAR).figure(EmissionKey.TOTAL_MARKET)
    # Half of the footprint by 2028: steeper than the stores' emissions fall, so off track.
    target_set(
        organisation=organisation, code="Half-by-2028", kind="absolute", scopes="1+2+3", base_year=BASE_YEAR,
        target_year=2028, reduction=0.5, criteria="sbti-near-term-wb2c", by=consultant,
    )  # fmt: skip
    for name, abated, cost, start, scope in (
        ("Store refrigerant retrofit", 0.04, 12_000, 2026, "1"),
        ("Rail instead of road freight", 0.06, 30_000, 2027, "3"),
    ):
        measure_create(
            organisation=organisation, name=name, abatement_t_per_year=round(abated * base, 3),
            cost_per_year=cost, currency="USD", start_year=start, owner="VP operations",
            status="planned", scope=scope, by=consultant,
        )  # fmt: skip


def _kestrel(organisation: Organisation, consultant: User) -> None:
    target_set(
        organisation=organisation, code="Per-FTE", kind="intensity", scopes="1+2+3", base_year=BASE_YEAR,
        target_year=2030, reduction=0.3, denominator="fte", by=consultant,
    )  # fmt: skip
    history, _ = emissions_history(organisation=organisation)
    base = history.year(BASE_YEAR).figure(EmissionKey.TOTAL_MARKET)
    measure_create(
        organisation=organisation, name="Green electricity tariff", abatement_t_per_year=round(0.08 * base, 3),
        cost_per_year=3_500, currency="EUR", start_year=2026, owner="Office manager", scope="2",
        by=consultant,
    )  # fmt: skip
