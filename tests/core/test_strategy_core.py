"""The climate strategy in core: base year recalculation, intensities, targets, SBTi check, MAC curve.

Every figure is hand-computed in the test or published (DOMAIN.md §5: 100,000 t
in 2020 at 4.2 %/yr linear is 79,000 t in 2025 and 58,000 t in 2030).
"""

from __future__ import annotations

import pytest

from neutra.core.abatement import (
    Measure,
    MeasureError,
    MeasureStatus,
    mac_curve,
    plan_path,
    trajectory,
)
from neutra.core.baseyear import BaseYearError, ChangeKind, StructuralChange, assess_base_year
from neutra.core.factors import Scope
from neutra.core.history import (
    EmissionKey,
    EmissionsHistory,
    EmissionsYear,
    HistoryError,
    Scope2Basis,
    ScopeCoverage,
)
from neutra.core.indicators import Denominator, IntensityError, intensities, resolve_denominators
from neutra.core.strategy import strategy_report
from neutra.core.targets import (
    Milestone,
    Target,
    TargetError,
    TargetKind,
    TargetStatus,
    criteria_named,
    evaluate_targets,
    linear_path,
)


def year(y: int, s1: float, s2l: float, s2m: float, s3: float, **cats: float) -> EmissionsYear:
    return EmissionsYear(y, s1, s2l, s2m, s3, {int(k[3:]): v for k, v in cats.items()})


# 2020: S1 60,000 + S2 market 40,000 + S3 100,000 = 200,000 t (market-based total).
HISTORY = EmissionsHistory(
    (
        year(2020, 60_000, 45_000, 40_000, 100_000),
        year(2021, 58_000, 44_000, 38_000, 101_000),
        year(2022, 57_000, 42_000, 35_000, 103_000),
        year(2023, 56_000, 40_000, 30_000, 99_000),
    )
)


def absolute(target_id: str = "T1", **changes: object) -> Target:
    fields: dict[str, object] = {
        "target_id": target_id,
        "kind": TargetKind.ABSOLUTE,
        "scopes": ScopeCoverage.S1_2,
        "scope2": Scope2Basis.MARKET,
        "base_year": 2020,
        "base_value": None,
        "target_year": 2030,
        "reduction": 0.42,
    }
    fields.update(changes)
    return Target(**fields)  # type: ignore[arg-type]


# --- the linear path --------------------------------------------------------------------


def test_sbti_rate_of_4_2_percent_a_year_gives_79000_t_in_2025_and_58000_t_in_2030() -> None:
    path = linear_path(2020, 100_000.0, 2030, 10 * 0.042)
    assert path[2025] == pytest.approx(79_000.0)
    assert path[2030] == pytest.approx(58_000.0)
    assert sorted(path) == list(range(2020, 2031))  # every year from base to target year
    assert path[2021] - path[2022] == pytest.approx(4_200.0)  # the same tonnes off every year


def test_compounding_the_rate_would_give_other_figures_than_the_linear_path() -> None:
    compounded_2030 = 100_000.0 * (1 - 0.042) ** 10  # 65,111 t: what the path must not be
    compounded_2025 = 100_000.0 * (1 - 0.042) ** 5  # 80,691 t
    path = linear_path(2020, 100_000.0, 2030, 0.42)
    assert compounded_2030 == pytest.approx(65_111.1, abs=0.1)
    assert path[2030] != pytest.approx(compounded_2030, abs=1.0)
    assert path[2025] != pytest.approx(compounded_2025, abs=1.0)


def test_milestones_bend_the_path_and_it_stays_linear_between_them() -> None:
    path = linear_path(2020, 1_000.0, 2030, 0.5, [Milestone(2025, 0.1)])
    assert path[2025] == pytest.approx(900.0)
    assert path[2023] == pytest.approx(940.0)  # 0.1 * 3/5 = 6 %
    assert path[2028] == pytest.approx(660.0)  # 10 % + 40 % * 3/5 = 34 %


# --- targets ----------------------------------------------------------------------------


def test_a_target_year_before_the_base_year_is_refused_naming_the_field() -> None:
    with pytest.raises(TargetError) as caught:
        absolute(target_year=2019)
    assert caught.value.extra["field"] == "target_year"


def test_a_reduction_over_100_percent_is_refused_naming_the_field() -> None:
    with pytest.raises(TargetError) as caught:
        absolute(reduction=1.2)
    assert caught.value.extra["field"] == "reduction"


def test_an_absolute_target_reads_its_base_value_from_the_history_and_is_on_track() -> None:
    (result,) = evaluate_targets([absolute()], HISTORY, {})
    assert result.base_value == 100_000.0  # S1 60,000 + S2 market 40,000
    assert result.actual[2023] == 86_000.0
    assert result.path[2023] == pytest.approx(87_400.0)  # 100,000 - 3 * 4,200
    assert result.status is TargetStatus.ON_TRACK
    assert result.status_year == 2023


def test_a_target_above_its_path_in_the_latest_year_is_off_track() -> None:
    (result,) = evaluate_targets([absolute(reduction=0.6)], HISTORY, {})
    assert result.path[2023] == pytest.approx(82_000.0)  # 6 % a year
    assert result.status is TargetStatus.OFF_TRACK


def test_a_target_with_no_actual_after_its_base_year_has_no_data() -> None:
    (result,) = evaluate_targets([absolute(base_year=2023, target_year=2030)], HISTORY, {})
    assert result.status is TargetStatus.NO_DATA


def test_an_intensity_target_reports_the_absolute_emissions_it_covers() -> None:
    fte = resolve_denominators(
        [Denominator(2020, "fte", 1_000, "FTE", "HR"), Denominator(2023, "fte", 1_250, "FTE", "HR")]
    )
    target = absolute(kind=TargetKind.INTENSITY, denominator="fte", reduction=0.3)
    (result,) = evaluate_targets([target], HISTORY, fte)
    assert result.base_value == 100.0  # 100,000 t / 1,000 FTE
    assert result.actual == {2020: 100.0, 2023: pytest.approx(68.8)}  # 86,000 / 1,250
    assert result.covered_t[2023] == 86_000.0
    assert result.unit == "t CO2e per FTE"
    assert result.status is TargetStatus.ON_TRACK  # path 2023: 100 * (1 - 0.09) = 91


def test_a_scope_3_target_by_category_covers_only_those_categories() -> None:
    history = EmissionsHistory(
        (
            year(2020, 10, 10, 10, 100, cat1=60, cat6=30, cat7=10),
            year(2022, 10, 10, 10, 90, cat1=50, cat6=30, cat7=10),
        )
    )
    target = absolute(scopes=ScopeCoverage.S3, categories=(1, 6), reduction=0.25)
    (result,) = evaluate_targets([target], history, {})
    assert result.base_value == 90.0
    assert result.actual[2022] == 80.0


def test_credits_cannot_enter_a_target_because_the_history_holds_no_negative_figures() -> None:
    with pytest.raises(HistoryError, match=r"^2024: an emission figure is negative$"):
        year(2024, 100, 10, 10, -50)  # "net of credits" would be a negative figure
    with pytest.raises(HistoryError, match=r"^2024: an emission figure is not a finite number$"):
        year(2024, 100, 10, float("inf"), 50)


# --- SBTi near-term check -------------------------------------------------------------


def test_sbti_1_5c_needs_4_2_percent_a_year_and_a_scope_3_target_when_scope_3_is_40_percent() -> (
    None
):
    criteria = criteria_named("sbti-near-term-1.5c")
    assert criteria.scope1_2_min_annual_rate == 0.042
    assert criteria.version  # a versioned setting
    slow = absolute("slow", reduction=0.30, criteria="sbti-near-term-1.5c")
    (result,) = evaluate_targets([slow], HISTORY, {}, set_in_year=2023)
    assert result.criteria is not None
    assert not result.criteria.met
    problems = " ".join(result.criteria.problems)
    assert "3.00% of the base value per year" in problems  # 30 % over 10 years
    assert "scope 3 is 50%" in problems  # 100,000 of 200,000 t


def test_sbti_1_5c_is_met_with_4_2_percent_and_a_scope_3_target_covering_enough() -> None:
    s12 = absolute("S12", criteria="sbti-near-term-1.5c")
    s3 = absolute("S3", scopes=ScopeCoverage.S3, reduction=0.25, criteria="sbti-near-term-1.5c")
    results = evaluate_targets([s12, s3], HISTORY, {}, set_in_year=2023)
    assert [r.criteria.met for r in results if r.criteria] == [True, True]


def test_sbti_refuses_a_base_year_before_2015_and_a_target_more_than_10_years_ahead() -> None:
    history = EmissionsHistory((year(2014, 100, 100, 100, 10), year(2024, 80, 80, 80, 10)))
    target = absolute(
        base_year=2014, target_year=2040, reduction=0.9, criteria="sbti-near-term-wb2c"
    )
    (result,) = evaluate_targets([target], history, {}, set_in_year=2024)
    assert result.criteria is not None
    assert not result.criteria.met
    problems = " ".join(result.criteria.problems)
    assert "before 2015" in problems
    assert "16 years after 2024" in problems


# --- base year recalculation ----------------------------------------------------------


def acquisition(effect: float, year_: int = 2022) -> StructuralChange:
    return StructuralChange(
        year_, ChangeKind.ACQUISITION, f"bought a firm emitting {effect:,.0f} t", effect
    )


def test_an_acquisition_past_the_threshold_restates_the_base_year_and_the_years_before_it() -> None:
    # 12,000 t on a 200,000 t base year is 6 % >= 5 %.
    result = assess_base_year(HISTORY, base_year=2020, changes=[acquisition(12_000)])
    assert result.recalculated
    assert result.significant
    assert result.cumulative_change == pytest.approx(0.06)
    assert result.as_reported_t == 200_000.0
    assert result.restated_t == 212_000.0
    by_year = {r.year: r for r in result.series}
    assert by_year[2021].restated_t == 209_000.0  # 197,000 + 12,000: as if always part
    assert by_year[2022].restated_t == by_year[2022].as_reported_t  # already includes it
    assert by_year[2021].as_reported_t == 197_000.0  # the as-reported series is kept
    restated_2020 = result.restated_history.year(2020)
    assert restated_2020.figure(EmissionKey.TOTAL_MARKET) == pytest.approx(212_000.0)
    assert restated_2020.scope1 == pytest.approx(60_000 * 1.06)  # the scope mix kept


def test_an_acquisition_below_the_threshold_does_not_restate_but_is_logged() -> None:
    result = assess_base_year(HISTORY, base_year=2020, changes=[acquisition(8_000)])  # 4 %
    assert not result.recalculated
    assert result.restated_t == result.as_reported_t == 200_000.0
    assert "below the threshold" in result.logged[0]


def test_small_changes_that_add_up_past_the_threshold_trigger_a_recalculation() -> None:
    changes = [
        acquisition(6_000, 2021),
        StructuralChange(2022, ChangeKind.METHOD, "new refrigerant factors", 5_000),
    ]
    result = assess_base_year(HISTORY, base_year=2020, changes=changes)  # 3 % + 2.5 %
    assert result.recalculated
    assert result.restated_t == 211_000.0
    by_year = {r.year: r for r in result.series}
    assert by_year[2021].adjustment_t == 5_000.0  # only the later change reaches 2021


def test_a_divestment_cancels_an_acquisition_in_the_signed_cumulative_change() -> None:
    changes = [
        acquisition(12_000),
        StructuralChange(2023, ChangeKind.DIVESTMENT, "sold a plant", -10_000),
    ]
    result = assess_base_year(HISTORY, base_year=2020, changes=changes)
    assert result.cumulative_change == pytest.approx(0.01)
    assert not result.recalculated


def test_organic_growth_never_triggers_a_recalculation_however_large() -> None:
    growth = StructuralChange(2022, ChangeKind.ORGANIC, "doubled production", 200_000)
    result = assess_base_year(HISTORY, base_year=2020, changes=[growth])
    assert not result.recalculated
    assert result.cumulative_change == 0.0
    assert "organic growth" in result.logged[0]


def test_the_threshold_is_a_setting() -> None:
    result = assess_base_year(HISTORY, base_year=2020, changes=[acquisition(8_000)], threshold=0.03)
    assert result.recalculated


def test_a_change_in_or_before_the_base_year_is_refused() -> None:
    with pytest.raises(BaseYearError):
        assess_base_year(HISTORY, base_year=2020, changes=[acquisition(12_000, 2020)])


def test_a_base_year_too_small_to_restate_in_proportion_is_refused_naming_its_year() -> None:
    speck = EmissionsHistory((year(2020, 1e-320, 0, 0, 0), year(2021, 5, 5, 5, 5)))
    with pytest.raises(BaseYearError) as caught:
        assess_base_year(speck, base_year=2020, changes=[acquisition(12_000, 2021)])
    assert caught.value.message == (
        "2020's emissions as reported (1e-320 t CO2e) are too small to restate in proportion "
        "to the changes (+12,000.0 t CO2e)"
    )
    assert caught.value.extra == {"year": 2020}


def test_an_accepted_recalculation_stays_and_new_changes_are_weighed_against_the_restated_base() -> (
    None
):
    done = [acquisition(20_000, 2021)]
    small = [
        StructuralChange(2023, ChangeKind.ERROR, "meter read twice", -4_000)
    ]  # 4,000 / 220,000
    result = assess_base_year(HISTORY, base_year=2020, changes=small, applied=done)
    assert result.recalculated
    assert not result.significant
    assert result.restated_t == 220_000.0
    assert result.cumulative_change == pytest.approx(-4_000 / 220_000)


# --- intensities ----------------------------------------------------------------------


def test_revenue_intensity_is_per_million_of_the_chosen_currency_at_that_years_rate() -> None:
    eur = Denominator(2020, "revenue", 50_000_000, "EUR", "annual report")
    resolved = resolve_denominators([eur], currency="USD")
    d = resolved["revenue"][2020]
    # 2020 rates (ecb-eur-annual, the ECB reference rates): 1 EUR = 1.1422 USD.
    assert d.amount == pytest.approx(50 * 1.1422)
    assert d.per == "million USD"
    assert "EUR -> USD" in d.basis
    assert "2020" in d.basis
    (found,) = intensities(HISTORY, resolved, keys=[EmissionKey.SCOPE1_2_MARKET])
    assert found.value == pytest.approx(100_000 / (50 * 1.1422))
    assert "scopes 1 + 2 (market-based)" in found.statement
    assert "numerator and denominator both for" in found.statement


def test_a_currency_with_no_exchange_rate_for_the_year_is_refused() -> None:
    with pytest.raises(IntensityError) as caught:
        resolve_denominators([Denominator(2012, "revenue", 1e6, "EUR", "")], currency="USD")
    assert "2012" in caught.value.message  # the ECB series kept starts in 2015


def test_a_negative_headcount_is_refused() -> None:
    with pytest.raises(IntensityError):
        Denominator(2020, "fte", -5, "FTE", "HR")


def test_intensity_per_fte_and_per_custom_unit_use_the_same_years_figures() -> None:
    resolved = resolve_denominators(
        [
            Denominator(2021, "fte", 500, "FTE", "HR"),
            Denominator(2021, "tonnes_produced", 10_000, "t", "ERP"),
        ]
    )
    found = {(i.indicator, i.key): i for i in intensities(HISTORY, resolved)}
    assert found["fte", EmissionKey.TOTAL_LOCATION].value == pytest.approx(203_000 / 500)
    assert found["tonnes_produced", EmissionKey.SCOPE1].value == pytest.approx(5.8)
    assert found["tonnes_produced", EmissionKey.SCOPE1].unit == "t CO2e per t"


# --- measures, MAC curve and trajectory ------------------------------------------------


def measure(
    name: str, abated: float, cost: float, start: int, status: MeasureStatus = MeasureStatus.PLANNED
) -> Measure:
    return Measure(name, abated, cost, "EUR", start, "ops", status)


def test_the_mac_curve_ranks_measures_by_cost_per_tonne_and_leaves_out_dropped_ones() -> None:
    measures = [
        measure("heat pumps", 1_000, 80_000, 2025),  # 80 EUR/t
        measure("LED lighting", 200, -4_000, 2024),  # -20 EUR/t: saves money
        measure("solar PPA", 3_000, 30_000, 2026),  # 10 EUR/t
        measure("biogas", 500, 1_000, 2025, MeasureStatus.DROPPED),
    ]
    curve = mac_curve(measures)
    assert [b.measure.name for b in curve] == ["LED lighting", "solar PPA", "heat pumps"]
    assert [b.cost_per_tonne for b in curve] == [-20.0, 10.0, 80.0]
    assert curve[-1].to_t == 4_200.0


def test_the_mac_curve_refuses_costs_in_two_currencies() -> None:
    with pytest.raises(MeasureError):
        mac_curve([measure("a", 1, 1, 2025), Measure("b", 1, 1, "USD", 2025, "x")])


def test_the_plan_path_subtracts_measures_starting_after_the_latest_actual_year() -> None:
    actual = {2022: 92_000.0, 2023: 86_000.0}
    measures = [
        measure("done already", 5_000, 0, 2023, MeasureStatus.DONE),
        measure("solar", 10_000, 0, 2025),
        measure("heat", 6_000, 0, 2027),
    ]
    path = plan_path(actual, measures, 2030)
    assert path == {
        2023: 86_000,
        2024: 86_000,
        2025: 76_000,
        2026: 76_000,
        2027: 70_000,
        2028: 70_000,
        2029: 70_000,
        2030: 70_000,
    }


def test_the_trajectory_warns_when_off_track_and_when_the_plan_falls_short() -> None:
    (result,) = evaluate_targets([absolute(reduction=0.6)], HISTORY, {})
    t = trajectory(result.actual, result.path, [measure("solar", 10_000, 0, 2025)], off_track=True)
    assert t.off_track
    assert t.plan_short
    assert "above the target path" in t.warning
    assert t.years == tuple(range(2020, 2031))


def test_the_strategy_report_judges_targets_on_the_restated_history() -> None:
    report = strategy_report(
        HISTORY,
        targets=[absolute(scopes=ScopeCoverage.S1_2_3, reduction=0.2)],
        changes=[acquisition(12_000)],
    )
    (result,) = report.targets
    assert result.base_value == pytest.approx(212_000.0)  # restated, like with like
    document = report.as_json()
    assert document["schema"] == "neutra.strategy/1"
    assert document["base_year"] == {
        "year": 2020, "as_reported_t": 200_000.0, "restated_t": 212_000.0, "recalculated": True,
        "cumulative_change": pytest.approx(0.06), "reasons": [acquisition(12_000).reason],
    }  # fmt: skip
    assert document["years"]["2020"]["emissions"]["total_market"] == 200_000.0  # as reported
    assert list(document["targets"][0]["path"]) == [str(y) for y in range(2020, 2031)]


def test_the_plan_path_of_a_target_counts_only_the_measures_within_its_scopes() -> None:
    actual = {2023: 1_000.0}
    measures = [
        Measure("heat pumps", 100, 0, "EUR", 2025, "ops", scope=Scope.S1),
        Measure("green tariff", 50, 0, "EUR", 2025, "ops", scope=Scope.S2),
        Measure("suppliers", 200, 0, "EUR", 2025, "buyers", scope=Scope.S3),
        Measure("not said", 10, 0, "EUR", 2025, "ops"),
    ]
    assert plan_path(actual, measures, 2025, ScopeCoverage.S1_2)[2025] == 850.0
    assert plan_path(actual, measures, 2025, ScopeCoverage.S3)[2025] == 800.0
    assert plan_path(actual, measures, 2025, ScopeCoverage.S1_2_3)[2025] == 640.0
