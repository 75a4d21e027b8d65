"""Neutrality claims: which cancelled credits count, and every rule with its evidence."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neutra.core.claims import (
    ISO_14068_1_2023,
    ISO_14068_1_2023_V1,
    PAS_2060_2014,
    PAS_2060_2014_V1,
    RULE_SET_VERSIONS,
    VCMI_TIERS_SOURCE,
    VCMI_TIERS_VERSION,
    CancelledCredit,
    ClaimedRange,
    ClaimPeriod,
    ClaimPeriodError,
    CoverageTier,
    FootprintFigures,
    Mitigation,
    RuleId,
    Scope2Basis,
    Standard,
    Storage,
    add_months,
    coverage_tier,
    credit_problems,
    evaluate_claim,
    portfolio_by_year,
    required_units,
    rule_set_for,
)
from neutra.core.history import EmissionsYear

P2024 = ClaimPeriod.parse("2024")
PLAN = "ab" * 32


def footprint(total_market: float = 1250.4, scope3: float = 800.0) -> FootprintFigures:
    """A footprint whose market-based total is `total_market` (scope 1 = 150 t, scope 2 the rest)."""
    scope2_market = total_market - 150.0 - scope3
    return FootprintFigures(
        scope1=150.0,
        scope2_location=scope2_market + 100.0,
        scope2_market=scope2_market,
        scope3=scope3,
        scope3_categories=((1, scope3 - 5.0), (6, 5.0)),
    )


def cancel(
    start: int,
    end: int,
    *,
    client: str = "Acme",
    period: str | None = "2024",
    on: date = date(2025, 3, 1),
    unit_type: str = "CER",
    programme: str = "CDM",
    vintage: str = "2012",
    mitigation: Mitigation = Mitigation.REDUCTION,
    storage: Storage = Storage.NOT_APPLICABLE,
) -> CancelledCredit:
    return CancelledCredit(
        client=client,
        for_period=None if period is None else ClaimPeriod.parse(period),
        cancelled_on=on,
        programme=programme,
        unit_type=unit_type,
        host_party="IN",
        project_id="1234",
        vintage=vintage,
        serial_start=start,
        serial_end=end,
        mitigation=mitigation,
        storage=storage,
    )


def test_a_footprint_of_1250_4_t_needs_1251_units() -> None:
    assert required_units(1250.4) == 1251
    evaluation = evaluate_claim(
        client="Acme", period=P2024, footprint=footprint(1250.4), credits=[], plan_sha256=PLAN
    )
    assert evaluation.required_units == 1251
    assert evaluation.shortfall_units == 1251


def test_whole_tonnes_need_exactly_that_many_units_even_with_float_noise() -> None:
    assert required_units(1250.0) == 1250
    assert required_units(0.1 + 0.2 + 1249.7) == 1250  # 1250.0000000000002 in float
    assert required_units(0.0) == 0


def test_1251_units_cancelled_for_the_client_and_period_in_the_window_balance_1250_4_t() -> None:
    evaluation = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(1250.4),
        credits=[cancel(1, 1000), cancel(5001, 5251, on=date(2025, 12, 31))],
        plan_sha256=PLAN,
    )
    assert evaluation.counted_units == 1251
    assert evaluation.shortfall_units == 0
    assert evaluation.rule(RuleId.RESIDUAL_BALANCED).met
    assert evaluation.met
    assert evaluation.tier is CoverageTier.PLATINUM


def test_credits_for_another_client_another_period_or_after_the_window_do_not_count() -> None:
    evaluation = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(1250.4),
        credits=[
            cancel(1, 1000),  # counts
            cancel(2001, 2300, client="Other plc"),
            cancel(3001, 3300, period="2023"),
            cancel(4001, 4300, on=date(2026, 1, 1)),  # a day after the 12 months
            cancel(6001, 6300, period=None),
        ],
        plan_sha256=PLAN,
    )
    assert evaluation.counted_units == 1000
    assert evaluation.shortfall_units == 251
    balance = evaluation.rule(RuleId.RESIDUAL_BALANCED)
    assert not balance.met
    assert balance.shortfall_units == 251
    assert "cancel 251 units more for Acme with for_period 2024 by 2025-12-31" in balance.remedy
    reasons = sorted(item.reason for item in evaluation.excluded)
    assert reasons == [
        "cancelled for the period 2023, not 2024",
        "cancelled on 2026-01-01, after the window closed on 2025-12-31 (12 months after the period ends)",
        "the cancellation names no period (for_period)",
    ]
    # another client's units are neither counted nor shown in the evidence
    assert all(item.credit.client == "Acme" for item in evaluation.excluded)
    assert not evaluation.met


def test_a_credit_used_in_one_claim_cannot_be_used_in_another() -> None:
    credits = [cancel(1, 1251)]
    first = evaluate_claim(
        client="Acme", period=P2024, footprint=footprint(), credits=credits, plan_sha256=PLAN
    )
    assert first.met
    used = [
        ClaimedRange("C-1", c.serial_space, c.serial_start, c.serial_end) for c in first.credits
    ]
    second = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(),
        credits=credits,
        plan_sha256=PLAN,
        claimed=used,
        standard=Standard.PAS_2060,
    )
    assert second.counted_units == 0
    rule = second.rule(RuleId.CREDITS_USED_ONCE)
    assert not rule.met
    assert rule.shortfall_units == 1251
    assert "already counted by claim C-1" in rule.detail
    assert not second.met


def test_a_partly_used_block_counts_only_its_free_serials() -> None:
    other = ClaimedRange("C-1", ("CDM", "CER", "IN", ""), 101, 200)
    evaluation = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(250.0, scope3=50.0),
        credits=[cancel(1, 300)],
        plan_sha256=PLAN,
        claimed=[other],
    )
    assert [(c.serial_start, c.serial_end) for c in evaluation.credits] == [(1, 100), (201, 300)]
    assert evaluation.counted_units == 200
    assert evaluation.shortfall_units == 50


def test_a_cancellation_listed_twice_counts_once() -> None:
    evaluation = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(),
        credits=[cancel(1, 1000), cancel(500, 1500)],
        plan_sha256=PLAN,
    )
    assert evaluation.counted_units == 1500


def test_temporary_cers_fail_the_credit_criteria_and_their_units_must_be_replaced() -> None:
    evaluation = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(),
        credits=[cancel(1, 1200), cancel(1, 100, unit_type="tCER")],
        plan_sha256=PLAN,
    )
    rule = evaluation.rule(RuleId.CREDIT_CRITERIA)
    assert not rule.met
    assert rule.shortfall_units == 100
    assert "not permanent" in rule.detail
    assert evaluation.counted_units == 1300
    assert evaluation.shortfall_units == 51  # 1,251 needed, 1,200 eligible


def test_a_claim_without_a_plan_or_history_fails_those_rules_and_says_how_to_close_them() -> None:
    evaluation = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(),
        credits=[cancel(1, 1251)],
        plan_sha256="",
    )
    assert [r.id for r in evaluation.unmet] == [RuleId.MANAGEMENT_PLAN, RuleId.REDUCTIONS_FIRST]
    assert "--plan" in evaluation.rule(RuleId.MANAGEMENT_PLAN).remedy
    assert all(r.source for r in evaluation.rules)
    assert not evaluation.met


def test_an_evaluation_not_given_the_plan_leaves_its_rules_unchecked_and_is_not_complete() -> None:
    evaluation = evaluate_claim(
        client="Acme", period=P2024, footprint=footprint(), credits=[cancel(1, 1251)]
    )
    assert [r.id for r in evaluation.pending] == [RuleId.MANAGEMENT_PLAN, RuleId.REDUCTIONS_FIRST]
    assert evaluation.unmet == ()
    assert evaluation.met  # on the evidence given
    assert not evaluation.complete  # issuing checks the plan
    rules = {r["id"]: r for r in evaluation.as_json()["rules"]}
    assert rules["management_plan"]["met"] is None


def test_the_history_shows_reductions_against_the_earliest_year() -> None:
    history = [EmissionsYear(2021, 200.0, 500.0, 450.0, 800.0), EmissionsYear(2024, 1, 1, 1, 1)]
    evaluation = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(1250.4),
        credits=[],
        plan_sha256=PLAN,
        history=history,
    )
    rule = evaluation.rule(RuleId.REDUCTIONS_FIRST)
    assert rule.met
    assert "2021: 1,450.000 t" in rule.detail
    assert "13.8% lower" in rule.detail  # (1450 - 1250.4) / 1450
    rising = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(1500.0),
        credits=[],
        plan_sha256=PLAN,
        history=history,
    )
    assert not rising.rule(RuleId.REDUCTIONS_FIRST).met


def test_pas_2060_needs_scope_3_and_lists_the_categories_above_1_percent() -> None:
    evaluation = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(1250.4),
        credits=[],
        standard=Standard.PAS_2060,
        plan_sha256=PLAN,
    )
    rule = evaluation.rule(RuleId.BOUNDARY_COVERAGE)
    assert rule.met
    assert "above 1% of the total, all included: 1" in rule.detail  # 6 is 5 t: 0.4 %
    no_scope3 = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(1250.4, scope3=0.0),
        credits=[],
        standard=Standard.PAS_2060,
        plan_sha256=PLAN,
    )
    assert not no_scope3.rule(RuleId.BOUNDARY_COVERAGE).met


def test_location_based_scope2_gives_its_own_residual() -> None:
    evaluation = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(1250.4),
        credits=[],
        scope2=Scope2Basis.LOCATION,
    )
    assert evaluation.required_units == 1351


@pytest.mark.parametrize(
    ("coverage", "tier"),
    [
        (0.19, CoverageTier.NONE),
        (0.2, CoverageTier.SILVER),
        (0.59, CoverageTier.SILVER),
        (0.6, CoverageTier.GOLD),
        (0.99, CoverageTier.GOLD),
        (1.0, CoverageTier.PLATINUM),
        (1.4, CoverageTier.PLATINUM),
    ],
)
def test_vcmi_tiers(coverage: float, tier: CoverageTier) -> None:
    assert coverage_tier(coverage) is tier


def test_the_portfolio_share_of_removals_and_durable_storage_per_year() -> None:
    credits = [
        cancel(1, 600),
        cancel(1, 300, programme="PURO", mitigation=Mitigation.REMOVAL, storage=Storage.DURABLE),
        cancel(1, 100, programme="VCS", mitigation=Mitigation.REMOVAL, storage=Storage.SHORT_LIVED),
        cancel(1, 50, period="2023", on=date(2024, 2, 1)),
    ]
    years = {p.year: p for p in portfolio_by_year(credits)}
    assert years[2024].units == 1000
    assert years[2024].removal_share == pytest.approx(0.4)
    assert years[2024].durable_share == pytest.approx(0.3)
    assert years[2023].removal_share == 0.0


def test_periods_parse_as_a_year_or_a_date_range() -> None:
    assert ClaimPeriod.parse("2024") == ClaimPeriod(date(2024, 1, 1), date(2024, 12, 31))
    assert ClaimPeriod.parse("2024-04-01/2025-03-31").label == "2024-04-01/2025-03-31"
    with pytest.raises(ClaimPeriodError):
        ClaimPeriod.parse("24")
    with pytest.raises(ClaimPeriodError):
        ClaimPeriod.parse("2024-02-30/2024-12-31")


def test_periods_outside_1990_to_2100_or_in_other_digits_are_refused_with_the_reason() -> None:
    refused = {
        "9999": "'9999' is too far ahead: a period ends in 2100 or earlier",
        "2024-01-01/9999-01-01": "'2024-01-01/9999-01-01' is too far ahead: a period ends in "
        "2100 or earlier",
        "0000": "'0000' is before any GHG accounting: a period starts in 1990 or later",
        "１９٩٩": "'１９٩٩' is not a period: write a year (2024) or YYYY-MM-DD/YYYY-MM-DD",
    }
    for text, reason in refused.items():
        with pytest.raises(ClaimPeriodError) as caught:
            ClaimPeriod.parse(text)
        assert caught.value.message == reason
    assert ClaimPeriod.parse("2100").end == date(2100, 12, 31)  # the last year a claim may be for
    assert add_months(ClaimPeriod.parse("2100").end, 12) == date(2101, 12, 31)


def test_the_window_of_a_fiscal_year_ends_twelve_months_after_it() -> None:
    assert add_months(date(2025, 3, 31), 12) == date(2026, 3, 31)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


@given(
    blocks=st.lists(
        st.tuples(st.integers(1, 500), st.integers(0, 50), st.booleans()), min_size=1, max_size=8
    )
)
def test_no_serial_is_counted_twice_and_counted_never_exceeds_the_clients_units(
    blocks: list[tuple[int, int, bool]],
) -> None:
    credits = [
        cancel(start, start + length, client="Acme" if mine else "Other")
        for start, length, mine in blocks
    ]
    evaluation = evaluate_claim(client="Acme", period=P2024, footprint=footprint(), credits=credits)
    seen: set[int] = set()
    for credit in evaluation.credits:
        serials = set(range(credit.serial_start, credit.serial_end + 1))
        assert not serials & seen
        seen |= serials
    mine = set()
    for c in credits:
        if c.client == "Acme":
            mine |= set(range(c.serial_start, c.serial_end + 1))
    assert seen == mine
    assert evaluation.counted_units == len(mine)


# --- DOMAIN.md §6-§7, rule by rule, against hand-computed cases ----------------------------


def figures(
    scope1: float, scope2_location: float, scope2_market: float, scope3: float, **extra: object
) -> FootprintFigures:
    return FootprintFigures(scope1, scope2_location, scope2_market, scope3, **extra)  # type: ignore[arg-type]


def test_a_residual_of_100_2_t_needs_101_units_and_100_units_leave_a_shortfall_of_one() -> None:
    fp = figures(20.0, 35.0, 30.2, 50.0)  # 20 + 30.2 + 50 = 100.2 t (market-based)
    assert required_units(100.2) == 101
    short = evaluate_claim(
        client="Acme", period=P2024, footprint=fp, credits=[cancel(1, 100)], plan_sha256=PLAN
    )
    assert (short.required_units, short.counted_units, short.shortfall_units) == (101, 100, 1)
    assert short.rule(RuleId.RESIDUAL_BALANCED).shortfall_units == 1
    assert not short.met
    enough = evaluate_claim(
        client="Acme", period=P2024, footprint=fp, credits=[cancel(1, 101)], plan_sha256=PLAN
    )
    assert (enough.counted_units, enough.shortfall_units) == (101, 0)
    assert enough.met


def test_the_residual_is_scopes_1_2_and_3_on_the_chosen_basis_without_the_biogenic_memo() -> None:
    fp = figures(10.5, 40.0, 25.25, 64.0, biogenic_co2_t=500.0)
    market = evaluate_claim(client="Acme", period=P2024, footprint=fp, credits=[])
    assert market.residual_t == 99.75  # 10.5 + 25.25 + 64.0; the 500 t biogenic CO2 is a memo
    assert market.required_units == 100
    location = evaluate_claim(
        client="Acme", period=P2024, footprint=fp, credits=[], scope2=Scope2Basis.LOCATION
    )
    assert location.residual_t == 114.5  # 10.5 + 40.0 + 64.0
    assert location.required_units == 115


def test_cancellations_count_from_the_periods_first_day_to_the_windows_last_day_inclusive() -> None:
    evaluation = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(),
        credits=[
            cancel(1, 10, on=date(2023, 12, 31)),
            cancel(11, 20, on=date(2024, 1, 1)),
            cancel(21, 30, on=date(2025, 12, 31)),
            cancel(31, 40, on=date(2026, 1, 1)),
        ],
        plan_sha256=PLAN,
    )
    assert evaluation.window_end == date(2025, 12, 31)
    assert [(c.serial_start, c.serial_end) for c in evaluation.credits] == [(11, 20), (21, 30)]
    assert evaluation.counted_units == 20
    assert sorted(item.reason for item in evaluation.excluded) == [
        "cancelled on 2023-12-31, before the period began (2024-01-01)",
        "cancelled on 2026-01-01, after the window closed on 2025-12-31 (12 months after the "
        "period ends)",
    ]


def test_a_fiscal_year_counts_cancellations_up_to_twelve_months_after_its_last_day() -> None:
    fiscal = ClaimPeriod.parse("2024-04-01/2025-03-31")
    evaluation = evaluate_claim(
        client="Acme",
        period=fiscal,
        footprint=footprint(),
        credits=[
            cancel(1, 10, period=fiscal.label, on=date(2026, 3, 31)),
            cancel(11, 20, period=fiscal.label, on=date(2026, 4, 1)),
        ],
    )
    assert evaluation.window_end == date(2026, 3, 31)
    assert evaluation.counted_units == 10


def test_a_period_ending_with_february_has_a_window_ending_with_february_of_the_next_year() -> None:
    # 12 months after the end of February 2023 is the end of February 2024: the 29th.
    to_february = ClaimPeriod.parse("2022-03-01/2023-02-28")
    evaluation = evaluate_claim(
        client="Acme",
        period=to_february,
        footprint=footprint(),
        credits=[cancel(1, 10, period=to_february.label, on=date(2024, 2, 29))],
    )
    assert evaluation.window_end == date(2024, 2, 29)
    assert evaluation.counted_units == 10
    leap = ClaimPeriod.parse("2023-03-01/2024-02-29")
    assert evaluate_claim(
        client="Acme", period=leap, footprint=footprint(), credits=[]
    ).window_end == date(2025, 2, 28)
    mid_month = ClaimPeriod.parse("2023-02-28/2024-02-28")  # not a month's end in 2024
    assert evaluate_claim(
        client="Acme", period=mid_month, footprint=footprint(), credits=[]
    ).window_end == date(2025, 2, 28)


def test_a_cancellation_for_the_year_written_as_its_two_dates_counts_for_that_year() -> None:
    evaluation = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(),
        credits=[cancel(1, 10, period="2024-01-01/2024-12-31")],
    )
    assert evaluation.counted_units == 10


def test_allowances_temporary_cers_and_unknown_programmes_fail_the_criteria_project_units_pass() -> (
    None
):
    credits = [
        cancel(1, 100),  # CER (CDM): 100
        cancel(1, 50, programme="JI", unit_type="ERU"),  # 50
        cancel(1, 40, programme="A6.4", unit_type="A6.4ER"),  # 40
        cancel(1, 30, programme="VCS", unit_type="VCU"),  # 30
        cancel(1, 20, programme="JI", unit_type="AAU"),  # refused: 20
        cancel(1, 15, programme="JI", unit_type="RMU"),  # refused: 15
        cancel(1, 10, unit_type="lCER"),  # refused: 10
        cancel(1, 5, unit_type="tCER"),  # refused: 5
        cancel(1, 7, programme="XYZ", unit_type="VER"),  # refused: 7
    ]
    evaluation = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(250.0, scope3=50.0),
        credits=credits,
        plan_sha256=PLAN,
    )
    assert evaluation.counted_units == 277  # 100 + 50 + 40 + 30 + 20 + 15 + 10 + 5 + 7
    assert evaluation.eligible_units == 220  # 100 + 50 + 40 + 30
    assert evaluation.shortfall_units == 30  # 250 needed
    rule = evaluation.rule(RuleId.CREDIT_CRITERIA)
    assert not rule.met
    assert rule.shortfall_units == 57  # 20 + 15 + 10 + 5 + 7
    rule_set = rule_set_for(Standard.ISO_14068_1)
    refused = {c.unit_type: bool(credit_problems(c, rule_set)) for c in credits}
    assert refused == {
        "CER": False,
        "ERU": False,
        "A6.4ER": False,
        "VCU": False,
        "AAU": True,
        "RMU": True,
        "lCER": True,
        "tCER": True,
        "VER": True,
    }
    assert credit_problems(credits[-1], rule_set) == [
        "programme 'XYZ' is not one whose rules were assessed against the criteria"
    ]


def test_a_vintage_year_after_the_year_of_cancellation_fails_the_criteria() -> None:
    rule_set = rule_set_for(Standard.ISO_14068_1)
    on = date(2024, 12, 20)
    assert credit_problems(cancel(1, 10, vintage="2024", on=on), rule_set) == []
    assert credit_problems(cancel(1, 10, vintage="2025", on=on), rule_set) == [
        "vintage 2025 is after the cancellation (2024-12-20): credits are issued ex post, "
        "for mitigation that has happened"
    ]


def test_a_monitoring_period_ending_after_the_cancellation_fails_the_criteria() -> None:
    rule_set = rule_set_for(Standard.ISO_14068_1)
    on = date(2025, 3, 1)
    late = cancel(1, 10, vintage="2024-07-01/2025-06-30", on=on)
    assert credit_problems(late, rule_set) == [
        "vintage 2024-07-01/2025-06-30 ends after the cancellation (2025-03-01): credits are "
        "issued ex post, for mitigation that has happened"
    ]
    assert credit_problems(cancel(1, 10, vintage="2024-07-01/2025-03-01", on=on), rule_set) == []
    evaluation = evaluate_claim(
        client="Acme", period=P2024, footprint=footprint(250.0, scope3=50.0), credits=[late]
    )
    assert evaluation.rule(RuleId.CREDIT_CRITERIA).shortfall_units == 10
    assert evaluation.eligible_units == 0
    # version 1 compared only the years (2025 against 2025), and is kept as it was
    assert credit_problems(late, ISO_14068_1_2023_V1) == []


def test_pas_2060_lists_the_scope_3_categories_strictly_above_1_percent_of_the_total() -> None:
    fp = figures(
        100.0, 120.0, 100.0, 800.0, scope3_categories=((1, 779.5), (4, 10.0), (6, 10.5))
    )  # total 1,000 t: 1 % is 10 t; category 4 is exactly 1 %, not above it
    evaluation = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=fp,
        credits=[],
        standard=Standard.PAS_2060,
        plan_sha256=PLAN,
    )
    rule = evaluation.rule(RuleId.BOUNDARY_COVERAGE)
    assert rule.met
    assert rule.detail.endswith("scope 3 categories above 1% of the total, all included: 1, 6")
    iso = evaluate_claim(client="Acme", period=P2024, footprint=fp, credits=[], plan_sha256=PLAN)
    assert "above 1%" not in iso.rule(RuleId.BOUNDARY_COVERAGE).detail  # ISO sets no threshold
    assert iso.rule(RuleId.BOUNDARY_COVERAGE).met


def test_pas_2060_is_for_legacy_claims_only_a_period_from_its_withdrawal_on_fails() -> None:
    def in_force(period: str, standard: Standard = Standard.PAS_2060) -> tuple[bool, str, str]:
        evaluation = evaluate_claim(
            client="Acme",
            period=ClaimPeriod.parse(period),
            footprint=footprint(),
            credits=[],
            standard=standard,
            plan_sha256=PLAN,
        )
        assert evaluation.rules[0].id is RuleId.STANDARD_IN_FORCE  # shown first
        rule = evaluation.rule(RuleId.STANDARD_IN_FORCE)
        return rule.met, rule.detail, rule.remedy

    met, detail, _ = in_force("2025")  # began on 1 Jan 2025, before the withdrawal on 30 Nov
    assert met
    assert "withdrawn on 2025-11-30" in detail
    assert "a legacy claim" in detail
    assert in_force("2024-12-01/2025-11-29")[0]
    met, detail, remedy = in_force("2026")
    assert not met
    assert "the period 2026 begins on 2026-01-01, not before that: not a legacy claim" in detail
    assert "--standard iso-14068-1" in remedy
    assert not in_force("2025-11-30/2026-11-29")[0]  # begins on the day it was withdrawn
    assert in_force("2026", Standard.ISO_14068_1)[:2] == (
        True,
        "ISO 14068-1:2023 Carbon neutrality is in force",
    )
    source = PAS_2060_2014.sources[RuleId.STANDARD_IN_FORCE]
    assert "30 Nov 2025" in source
    assert "check" in source


def test_the_rule_sets_are_versioned_and_version_1_is_kept_as_it_was() -> None:
    assert sorted(RULE_SET_VERSIONS) == [
        "iso-14068-1:2023/1",
        "iso-14068-1:2023/2",
        "pas-2060:2014/1",
        "pas-2060:2014/2",
    ]
    assert rule_set_for(Standard.ISO_14068_1).version == "iso-14068-1:2023/2"
    assert rule_set_for(Standard.PAS_2060).version == "pas-2060:2014/2"
    for rule_set in RULE_SET_VERSIONS.values():
        assert rule_set.window_months == 12  # DOMAIN.md §7: within 12 months after the period
    assert PAS_2060_2014_V1.withdrawn_on == PAS_2060_2014.withdrawn_on == date(2025, 11, 30)
    assert ISO_14068_1_2023.withdrawn_on is None
    old = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=footprint(),
        credits=[],
        plan_sha256=PLAN,
        rule_set=ISO_14068_1_2023_V1,
    )
    assert old.rule_set_version == "iso-14068-1:2023/1"
    assert [r.id for r in old.rules] == [
        RuleId.MANAGEMENT_PLAN,
        RuleId.REDUCTIONS_FIRST,
        RuleId.BOUNDARY_COVERAGE,
        RuleId.RESIDUAL_BALANCED,
        RuleId.CREDITS_USED_ONCE,
        RuleId.CREDIT_CRITERIA,
    ]
    # Rules marked "check" in DOMAIN.md are settings whose source says so.
    for rule_set in RULE_SET_VERSIONS.values():
        assert "check" in rule_set.sources[RuleId.RESIDUAL_BALANCED]  # 12 months, §11.2
    assert "check" in PAS_2060_2014.withdrawn_source
    assert "check" in VCMI_TIERS_VERSION
    assert "check" in VCMI_TIERS_SOURCE


@pytest.mark.parametrize(
    ("units", "tier"),
    [
        (20, CoverageTier.NONE),  # 20 / 101 = 19.8 %
        (21, CoverageTier.SILVER),  # 20.8 %
        (60, CoverageTier.SILVER),  # 59.4 %
        (61, CoverageTier.GOLD),  # 60.4 %
        (100, CoverageTier.GOLD),  # 99.0 %: 100 units do not cover 100.2 t
        (101, CoverageTier.PLATINUM),
    ],
)
def test_the_vcmi_tier_is_the_share_of_the_whole_units_the_residual_needs(
    units: int, tier: CoverageTier
) -> None:
    evaluation = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=figures(20.0, 35.0, 30.2, 50.0),  # 100.2 t: 101 units
        credits=[cancel(1, units)],
    )
    assert evaluation.coverage == pytest.approx(units / 101)
    assert evaluation.tier is tier
    assert evaluation.as_json()["tier_setting"] == "vcmi-claims-code-2023/1 (check)"


def test_units_failing_the_criteria_do_not_raise_the_vcmi_tier() -> None:
    evaluation = evaluate_claim(
        client="Acme",
        period=P2024,
        footprint=figures(20.0, 35.0, 30.2, 50.0),  # 101 units
        credits=[cancel(1, 51), cancel(1, 50, unit_type="tCER")],
    )
    assert evaluation.counted_units == 101
    assert evaluation.coverage == pytest.approx(51 / 101)  # 50.5 %
    assert evaluation.tier is CoverageTier.SILVER
