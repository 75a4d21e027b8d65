"""Disclosure tables: ESRS E1 totals on both scope 2 bases, intensity as the strategy's, E1-7 credits."""

from __future__ import annotations

from datetime import date

import pytest

from neutra.core.claims import CancelledCredit, ClaimPeriod, FootprintFigures, Mitigation, Storage
from neutra.core.disclosures import (
    DisclosureInputs,
    Framework,
    build_disclosure,
    history_with_period,
)
from neutra.core.history import EmissionKey, EmissionsHistory, EmissionsYear
from neutra.core.indicators import Denominator
from neutra.core.strategy import strategy_report

P2024 = ClaimPeriod.parse("2024")
FOOTPRINT = FootprintFigures(
    scope1=150.2,
    scope2_location=400.0,
    scope2_market=300.1,
    scope3=800.1,
    scope3_categories=((1, 700.1), (6, 100.0)),
    gwp_set="AR5",
    by_gas=(("CO2", 1200.0, 1200.0),),
)
REVENUE = (
    Denominator(2024, "revenue", 25_000_000, "EUR", "Annual report 2024"),
    Denominator(2023, "revenue", 22_000_000, "EUR", "Annual report 2023"),
)


def credit(client: str, on: date, units: int, **kw: object) -> CancelledCredit:
    fields: dict[str, object] = {
        "client": client,
        "for_period": ClaimPeriod.parse("2023"),
        "cancelled_on": on,
        "programme": "CDM",
        "unit_type": "CER",
        "host_party": "IN",
        "project_id": "1234",
        "vintage": "2012",
        "serial_start": 1,
        "serial_end": units,
        **kw,
    }
    return CancelledCredit(**fields)  # type: ignore[arg-type]


def inputs(**kw: object) -> DisclosureInputs:
    fields: dict[str, object] = {"client": "Acme", "period": P2024, "footprint": FOOTPRINT, **kw}
    return DisclosureInputs(**fields)  # type: ignore[arg-type]


def test_esrs_e1_6_totals_are_scope_1_2_3_on_both_scope_2_bases() -> None:
    table = build_disclosure(Framework.ESRS, inputs())
    totals = {row.label: row.value for row in table.rows if row.reference == "E1-6 §44(d)"}
    assert totals["Total GHG emissions (location-based)"] == pytest.approx(150.2 + 400.0 + 800.1)
    assert totals["Total GHG emissions (market-based)"] == pytest.approx(150.2 + 300.1 + 800.1)
    categories = [row.value for row in table.rows if row.reference.startswith("E1-6 §51")]
    assert len(categories) == 15
    assert categories[0] == 700.1
    assert categories[5] == 100.0


def test_esrs_intensity_per_net_revenue_equals_the_strategys() -> None:
    history = EmissionsHistory((EmissionsYear(2023, 170, 450, 350, 850),))
    table = build_disclosure(Framework.ESRS, inputs(history=history, denominators=REVENUE))
    rows = {row.label: row for row in table.rows if row.reference == "E1-6 §53"}
    strategy = strategy_report(history_with_period(history, FOOTPRINT, 2024), denominators=REVENUE)
    expected = {(i.key, i.year): i.value for i in strategy.intensities if i.indicator == "revenue"}
    location = rows["GHG intensity per net revenue, location-based"]
    market = rows["GHG intensity per net revenue, market-based"]
    assert location.value == expected[(EmissionKey.TOTAL_LOCATION, 2024)]
    assert market.value == expected[(EmissionKey.TOTAL_MARKET, 2024)]
    assert market.value == pytest.approx(1250.4 / 25.0)  # t CO2e per million EUR
    assert location.unit == "t CO2e per million EUR"


def test_without_revenue_the_intensity_row_says_what_is_missing() -> None:
    table = build_disclosure(Framework.ESRS, inputs())
    row = next(r for r in table.rows if r.reference == "E1-6 §53")
    assert row.value is None
    assert "--denominators" in row.note


def test_esrs_e1_7_counts_the_clients_units_cancelled_in_the_period_by_type_standard_and_adjustment() -> (
    None
):
    credits = [
        credit("Acme", date(2024, 3, 1), 100),
        credit(
            "Acme", date(2024, 6, 1), 40, programme="PURO", project_id="P9",
            mitigation=Mitigation.REMOVAL, storage=Storage.DURABLE, corresponding_adjustment=True,
        ),
        credit("Acme", date(2025, 1, 5), 999),  # cancelled after the period
        credit("Other plc", date(2024, 3, 1), 777),  # another client
    ]  # fmt: skip
    table = build_disclosure(Framework.ESRS, inputs(credits=credits))
    assert table.value("E1-7 §59(b)") == 140
    by_label = {r.label: r.value for r in table.rows if r.reference == "E1-7 AR 62"}
    assert by_label["Credits from removal projects"] == 40
    assert by_label["Credits from unknown projects"] == 100
    assert by_label["Credits under the CDM standard"] == 100
    assert by_label["Credits under the PURO standard"] == 40
    assert by_label["Credits with a corresponding adjustment"] == 40
    assert by_label["Credits with unknown corresponding adjustment"] == 100


@pytest.mark.parametrize("framework", list(Framework))
def test_every_framework_reports_gross_scope_figures_unrounded(framework: Framework) -> None:
    table = build_disclosure(framework, inputs())
    values = [row.value for row in table.rows]
    assert 150.2 in values  # scope 1, never netted against credits
    assert table.as_json()["schema"] == "neutra.disclosure/1"


def test_esrs_e1_4_gives_each_targets_base_value_target_value_and_progress() -> None:
    from neutra.core.history import Scope2Basis, ScopeCoverage
    from neutra.core.targets import Target, TargetKind

    # Base 2020: scope 1 600 t + scope 2 market 400 t = 1,000 t; 42 % by 2030, linear.
    history = EmissionsHistory((EmissionsYear(2020, 600.0, 500.0, 400.0, 900.0, {}),))
    target = Target(
        "T1", TargetKind.ABSOLUTE, ScopeCoverage.S1_2, Scope2Basis.MARKET, 2020, None, 2030, 0.42
    )
    rows = build_disclosure(Framework.ESRS, inputs(history=history, targets=(target,))).rows
    e1_4 = {row.reference: row for row in rows if row.reference.startswith("E1-4")}
    assert e1_4["E1-4 §34(e)"].value == pytest.approx(1000.0)
    assert e1_4["E1-4 §34(d)"].value == pytest.approx(580.0)
    assert e1_4["E1-4 §34(d)"].unit == "t CO2e"
    # 2024: 150.2 + 300.1 = 450.3 t, below the path's 1,000 x (1 - 0.042 x 4) = 832 t.
    assert e1_4["E1-4 §34(f)"].value == "on_track"
    assert e1_4["E1-4 §34(a)"].value == "42.0% reduction"


def test_esrs_e1_4_without_targets_says_none_were_given() -> None:
    row = next(r for r in build_disclosure(Framework.ESRS, inputs()).rows if r.reference == "E1-4")
    assert row.value is None
    assert "no targets" in row.note


def test_esrs_e1_5_splits_own_fuels_into_fossil_and_renewable_when_nothing_is_bought() -> None:
    from dataclasses import replace

    from neutra.core.energy import ActivityAmount, energy_use

    energy = energy_use(
        [
            ActivityAmount("fuel.diesel", None, "L", 1, 1000),
            ActivityAmount("fuel.natural_gas", None, "MWh", 1, 40),
            ActivityAmount("fuel.wood_pellets", None, "t", 1, 2),
        ]
    )
    table = build_disclosure(Framework.ESRS, inputs(footprint=replace(FOOTPRINT, energy=energy)))
    rows = {row.reference: row.value for row in table.rows if row.reference.startswith("E1-5")}
    diesel_mwh = 1000 * 0.833519 * 45.399 / 3.6 / 1000  # DESNZ 2024 density x gross CV
    pellets_mwh = 2000 * 18.694 / 3.6 / 1000
    assert rows["E1-5 §37(a)"] == pytest.approx(diesel_mwh + 40)
    assert rows["E1-5 §37(b)"] == 0
    assert rows["E1-5 §37(c)"] == pytest.approx(pellets_mwh)
    assert rows["E1-5 §37"] == pytest.approx(diesel_mwh + 40 + pellets_mwh)
    assert rows["E1-5 §38(b)"] == pytest.approx(diesel_mwh)
    assert rows["E1-5 §38(c)"] == pytest.approx(40)
    assert rows["E1-5 §38(e)"] == 0
