"""Market-based scope 2: instruments in hierarchy order, quality criteria, residual mix."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neutra.core.factors import Basis
from neutra.core.scope2 import (
    GHGP_SCOPE2_2015,
    CertificateScheme,
    ConsumptionGroup,
    FlagKind,
    Instrument,
    InstrumentType,
    MarketBasedResult,
    allocate_market_based,
    quality_failures,
)

CERT, CONTRACT, SUPPLIER = (
    InstrumentType.CERTIFICATE,
    InstrumentType.CONTRACT,
    InstrumentType.SUPPLIER_RATE,
)
KG = 0.001  # t per kg
GO, REC, I_REC = CertificateScheme.GO, CertificateScheme.REC, CertificateScheme.I_REC


def group(
    kwh: float = 1_000_000,
    *,
    entity: str | None = "A",
    region: str | None = "DE",
    year: int = 2024,
    grid_kg: float = 0.20,
    residual_kg: float | None = 0.45,
) -> ConsumptionGroup:
    residual = None if residual_kg is None else residual_kg * KG
    return ConsumptionGroup(entity, region, year, kwh, kwh * grid_kg * KG, residual)


def instrument(
    instrument_id: str = "GO-1",
    kwh: float = 600_000,
    *,
    type: InstrumentType = CERT,
    entity: str | None = "A",
    region: str | None = "DE",
    year: int = 2024,
    rate_kg: float = 0.0,
    tracking_id: str | None = None,
    cancelled_for: str | None = None,
    vintage: int | None = None,
    market: str | None = None,
) -> Instrument:
    return Instrument(
        instrument_id,
        type,
        entity,
        region,
        year,
        kwh,
        rate_kg * KG,
        tracking_id=tracking_id,
        cancelled_for=cancelled_for,
        vintage=vintage,
        market=market,
    )


def allocate(groups: list[ConsumptionGroup], instruments: list[Instrument]) -> MarketBasedResult:
    return allocate_market_based(groups, instruments, GHGP_SCOPE2_2015)


def test_the_domain_worked_case_gives_180_tonnes_market_based() -> None:
    # DOMAIN.md §2: 1,000,000 kWh at grid 0.20 kg/kWh is 200 t location-based;
    # zero-emission certificates cover 600,000 kWh, the rest takes 0.45 kg/kWh.
    consumption = ConsumptionGroup("A", "DE", 2024, 1_000_000, 200.0, 0.00045)
    certificates = Instrument("GO-1", CERT, "A", "DE", 2024, 600_000, 0.0)
    result = allocate([consumption], [certificates])
    (only,) = result.groups
    assert only.market_t_co2e == 180.0
    assert result.market_t_co2e == 180.0
    assert only.uncovered_kwh == 400_000
    assert only.uncovered_basis is Basis.RESIDUAL_MIX
    assert result.covered_kwh_by_instrument == {"GO-1": 600_000}
    assert result.flags == ()


def test_certificates_are_applied_before_contracts_and_supplier_rates() -> None:
    result = allocate(
        [group(100)],
        [
            instrument("A-supplier", 100, type=SUPPLIER, rate_kg=0.3),
            instrument("B-ppa", 50, type=CONTRACT, rate_kg=0.1),
            instrument("C-go", 30, type=CERT),
        ],
    )
    (only,) = result.groups
    assert [(a.instrument_id, a.covered_kwh) for a in only.allocations] == [
        ("C-go", 30),
        ("B-ppa", 50),
        ("A-supplier", 20),
    ]
    assert only.market_t_co2e == pytest.approx(50 * 0.1 * KG + 20 * 0.3 * KG)


def test_uncovered_consumption_without_residual_mix_takes_the_grid_average_and_is_flagged() -> None:
    result = allocate([group(1_000_000, residual_kg=None)], [instrument(kwh=600_000)])
    (only,) = result.groups
    assert only.uncovered_basis is Basis.LOCATION
    assert only.market_t_co2e == pytest.approx(400_000 * 0.20 * KG)
    (flag,) = result.flags
    assert flag.flag is FlagKind.RESIDUAL_MIX_MISSING
    assert flag.subject == "A / DE / 2024"


def test_an_instrument_left_over_is_flagged_with_the_quantity_left() -> None:
    result = allocate([group(100)], [instrument(kwh=150)])
    (flag,) = result.flags
    assert (flag.subject, flag.flag) == ("GO-1", FlagKind.INSTRUMENT_UNUSED)
    assert "50 of 150 kWh" in flag.detail


def test_an_instrument_for_another_year_covers_nothing_and_is_flagged_unused() -> None:
    result = allocate([group(100)], [instrument(year=2023)])
    assert result.groups[0].allocations == ()
    assert [f.flag for f in result.flags] == [FlagKind.INSTRUMENT_UNUSED]


def test_an_untracked_certificate_does_not_lower_the_market_figure_and_says_why() -> None:
    result = allocate([group(100)], [instrument(kwh=100, tracking_id="", cancelled_for="")])
    assert result.groups[0].allocations == ()
    assert result.groups[0].market_t_co2e == pytest.approx(100 * 0.45 * KG)
    (flag,) = result.flags
    assert flag.flag is FlagKind.INSTRUMENT_NOT_QUALIFIED
    assert "not tracked" in flag.detail
    assert "not cancelled" in flag.detail


def test_absent_quality_columns_do_not_disqualify_but_empty_ones_do() -> None:
    absent = instrument()
    assert quality_failures(absent, "DE", 2024, GHGP_SCOPE2_2015) == []
    empty = instrument(tracking_id="")
    assert quality_failures(empty, "DE", 2024, GHGP_SCOPE2_2015) == ["not tracked: no tracking_id"]


def test_supplier_rates_need_no_tracking_id() -> None:
    rate = instrument(type=SUPPLIER, tracking_id="", cancelled_for="")
    assert quality_failures(rate, "DE", 2024, GHGP_SCOPE2_2015) == []


def test_a_vintage_more_than_a_year_from_consumption_does_not_qualify() -> None:
    assert quality_failures(instrument(vintage=2023), "DE", 2024, GHGP_SCOPE2_2015) == []
    (reason,) = quality_failures(instrument(vintage=2022), "DE", 2024, GHGP_SCOPE2_2015)
    assert "vintage 2022" in reason


def test_markets_are_judged_by_country_of_the_region() -> None:
    us = instrument(region="US", market=None)
    assert quality_failures(us, "US-CAMX", 2024, GHGP_SCOPE2_2015) == []
    (reason,) = quality_failures(instrument(market="FR"), "DE", 2024, GHGP_SCOPE2_2015)
    assert "market FR" in reason
    (reason,) = quality_failures(instrument(market="EU27"), "DE", 2024, GHGP_SCOPE2_2015)
    assert "another market" in reason  # a multi-country market is a scheme's (GO), not a column


# Scope 2 Guidance ch. 7, "same market": the market a certificate is issued and used in.


def test_a_rec_counts_anywhere_in_the_us_market() -> None:
    # A REC of US-RFCE, market US, covers US-CAMX consumption (RECs: the US market).
    rec = replace(instrument("REC-1", 100, region="US-RFCE", market="US"), scheme=REC)
    result = allocate([group(100, region="US-CAMX")], [rec])
    assert result.groups[0].covered_kwh == 100
    assert result.flags == ()


def test_a_go_counts_in_the_aib_market_and_is_flagged_as_another_market_outside_it() -> None:
    # Guarantees of origin: one market for the EU, the EEA and Switzerland (AIB), not GB.
    norwegian = replace(instrument("GO-NO", 100, region="NO"), scheme=GO)
    in_germany = allocate([group(100, region="DE")], [norwegian])
    assert in_germany.groups[0].covered_kwh == 100
    in_britain = allocate([group(100, region="GB")], [norwegian])
    assert in_britain.groups[0].covered_kwh == 0
    (flag,) = in_britain.flags[1:] if len(in_britain.flags) > 1 else in_britain.flags
    assert flag.flag is FlagKind.INSTRUMENT_NOT_QUALIFIED
    assert "another market" in flag.detail
    assert "GB" in flag.detail
    assert "no consumption matches" not in flag.detail


def test_an_i_rec_counts_only_in_its_country() -> None:
    indian = replace(instrument("IREC-1", 100, region="IN"), scheme=I_REC)
    assert allocate([group(100, region="IN")], [indian]).groups[0].covered_kwh == 100
    result = allocate([group(100, region="BD")], [indian])
    assert result.groups[0].covered_kwh == 0
    assert any("another market" in f.detail for f in result.flags)


def test_a_country_wide_instrument_covers_consumption_in_its_subregions() -> None:
    result = allocate([group(100, region="US-CAMX")], [instrument(kwh=100, region="US")])
    assert result.groups[0].covered_kwh == 100


def test_a_shared_instrument_is_split_across_entities_of_its_region() -> None:
    result = allocate(
        [group(60, entity="B"), group(60, entity="A")], [instrument(kwh=100, entity=None)]
    )
    # Groups are served by entity name: A first, then B takes the rest.
    assert [g.covered_kwh for g in result.groups] == [40, 60]
    assert result.covered_kwh_by_instrument == {"GO-1": 100}


def test_an_entity_uses_its_own_instrument_before_a_shared_one() -> None:
    result = allocate(
        [group(100, entity="A"), group(100, entity="B")],
        [instrument("Z-own", 100, entity="A"), instrument("A-shared", 100, entity=None)],
    )
    assert [a.instrument_id for a in result.groups[0].allocations] == ["Z-own"]
    assert [a.instrument_id for a in result.groups[1].allocations] == ["A-shared"]


def test_only_net_consumption_is_covered_and_a_net_correction_takes_no_instrument() -> None:
    result = allocate([group(-100)], [instrument(kwh=100)])
    (only,) = result.groups
    assert only.allocations == ()
    assert only.market_t_co2e == pytest.approx(-100 * 0.45 * KG)


# Property tests --------------------------------------------------------------

ENTITIES = st.sampled_from(["A", "B", None])
REGIONS = st.sampled_from(["DE", "FR", "US-CAMX", "US-ERCT"])
YEARS = st.sampled_from([2023, 2024])
RATES = st.floats(0.0, 0.001)
KWH = st.floats(0.0, 2e6)


@st.composite
def groups(draw: st.DrawFn) -> ConsumptionGroup:
    kwh = draw(st.floats(-1e5, 2e6))
    residual = draw(st.none() | RATES)
    return ConsumptionGroup(
        draw(ENTITIES), draw(REGIONS), draw(YEARS), kwh, kwh * draw(RATES), residual
    )


@st.composite
def instruments(draw: st.DrawFn, instrument_id: str) -> Instrument:
    year = draw(YEARS)
    return Instrument(
        instrument_id,
        draw(st.sampled_from(list(InstrumentType))),
        draw(ENTITIES),
        draw(st.none() | REGIONS | st.just("US")),
        year,
        draw(KWH),
        draw(RATES),
        tracking_id=draw(st.sampled_from([None, "", "T-1"])),
        cancelled_for=draw(st.sampled_from([None, "", "Client"])),
        vintage=draw(st.none() | st.integers(year - 3, year + 3)),
        market=draw(st.sampled_from([None, "DE", "US", "EU27"])),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[ConsumptionGroup], list[Instrument]]:
    count = draw(st.integers(0, 8))
    return (
        draw(st.lists(groups(), max_size=6)),
        [draw(instruments(f"I{n}")) for n in range(count)],
    )


@given(cases())
def test_any_allocation_keeps_its_invariants(
    case: tuple[list[ConsumptionGroup], list[Instrument]],
) -> None:
    result = allocate(*case)
    result.check_invariants()
    assert len(result.groups) == len(case[0])


@given(st.lists(groups(), max_size=6))
def test_zero_rate_instruments_covering_everything_make_market_based_zero(
    consumptions: list[ConsumptionGroup],
) -> None:
    positive = [replace(g, consumption_kwh=abs(g.consumption_kwh)) for g in consumptions]
    covering = [
        Instrument(f"I{n}", CERT, g.entity, g.region, g.year, g.consumption_kwh, 0.0, "T", "Me")
        for n, g in enumerate(positive)
    ]
    result = allocate(positive, covering)
    result.check_invariants()
    assert result.market_t_co2e == 0.0


@given(cases(), instruments("X-never"), st.booleans())
def test_adding_a_non_qualifying_instrument_never_changes_market_based(
    case: tuple[list[ConsumptionGroup], list[Instrument]], extra: Instrument, old: bool
) -> None:
    # Disqualify it for every consumption: far too old, or (when tracked) untracked.
    if old or extra.type is SUPPLIER:
        extra = replace(extra, vintage=extra.year - 5)
    else:
        extra = replace(extra, tracking_id="")
    before = allocate(*case)
    after = allocate(case[0], [*case[1], extra])
    after.check_invariants()
    assert [g.market_t_co2e for g in after.groups] == [g.market_t_co2e for g in before.groups]
    assert "X-never" not in {a.instrument_id for g in after.groups for a in g.allocations}
