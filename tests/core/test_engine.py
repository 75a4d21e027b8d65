"""The footprint engine against hand-computed answers (DuckDB, in memory)."""

from __future__ import annotations

import math
from typing import Any

import ibis
import pyarrow as pa
import pytest

from neutra.core.activities import ActivityData, validate_activities
from neutra.core.boundary import Approach, Boundary, Control, EntityLink
from neutra.core.engine import FootprintOptions, compute_footprint
from neutra.core.engine.explain_market import explain_market_line
from neutra.core.errors import InvalidInputError
from neutra.core.factors import Basis, Factor, FactorSet, GasAmount, Scope
from neutra.core.gwp import gwp_set
from neutra.core.scope2 import Instrument, InstrumentType

AR4, AR5 = gwp_set("AR4"), gwp_set("AR5")
COLUMNS = (
    "id",
    "entity",
    "year",
    "activity",
    "factor",
    "quantity",
    "unit",
    "region",
    "scope",
    "category",
)


def activities(*rows: dict[str, Any]) -> ActivityData:
    table = pa.table(
        {
            c: pa.array([None if r.get(c) is None else str(r[c]) for r in rows], pa.string())
            for c in COLUMNS
        }
    )
    return validate_activities(ibis.memtable(table), {"test.csv": "0" * 64})


def row(id: str, activity: str | None, quantity: float, unit: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": id,
        "activity": activity,
        "quantity": quantity,
        "unit": unit,
        "year": 2024,
        **extra,
    }


def factor(
    factor_id: str, activity: str | None, unit: str, gases: dict[str, float], **extra: Any
) -> Factor:
    """gases: gas -> kg per unit (biogenic CO2 as 'CO2_bio')."""
    amounts = tuple(
        sorted(
            (
                GasAmount(g.removesuffix("_bio"), kg / 1000, g.endswith("_bio"))
                for g, kg in gases.items()
            ),
            key=lambda a: (a.gas, a.biogenic),
        )
    )
    return Factor(factor_id=factor_id, activity=activity, unit=unit, gases=amounts, **extra)


def factor_set(*factors: Factor, name: str = "test") -> FactorSet:
    return FactorSet(name=name, factors=factors)


GAS = factor("gas", "fuel.natural_gas", "kWh", {"CO2e": 0.2}, gwp_set="AR5", scope=Scope.S1)
# The grid (0.20 kg/kWh) and residual mix (0.45 kg/kWh) of the DOMAIN §2 worked case, in DE.
DE_GRID = factor(
    "grid", "electricity.grid", "kWh", {"CO2e": 0.2}, gwp_set="AR5", scope=Scope.S2, region="DE"
)
DE_RESIDUAL = factor(
    "rm", "electricity.grid", "kWh", {"CO2e": 0.45}, gwp_set="AR5", scope=Scope.S2, region="DE",
    basis=Basis.RESIDUAL_MIX,
)  # fmt: skip


def test_a_fuel_row_multiplies_quantity_by_factor_in_tonnes():
    result = compute_footprint(
        activities(row("1", "fuel.natural_gas", 1000, "kWh")), [factor_set(GAS)], AR5
    )
    assert result.totals["scope1"] == pytest.approx(0.2)  # 1000 kWh x 0.2 kg/kWh = 200 kg
    assert result.totals["total_location"] == result.totals["total_market"] == pytest.approx(0.2)


def test_units_are_converted_to_the_factor_unit():
    result = compute_footprint(
        activities(row("1", "fuel.natural_gas", 3, "MWh")), [factor_set(GAS)], AR5
    )
    assert result.totals["scope1"] == pytest.approx(0.6)  # 3000 kWh x 0.2 kg


def test_a_unit_of_the_wrong_dimension_is_an_error_naming_both_units():
    with pytest.raises(InvalidInputError) as caught:
        compute_footprint(activities(row("1", "fuel.natural_gas", 5, "L")), [factor_set(GAS)], AR5)
    (problem,) = caught.value.problems
    assert problem.row == 2
    assert "'L'" in problem.reason
    assert "kWh" in problem.reason


def test_an_activity_without_a_factor_is_an_error_never_a_zero():
    with pytest.raises(InvalidInputError) as caught:
        compute_footprint(
            activities(row("1", "fuel.natural_gas", 1, "kWh"), row("2", "fuel.coal", 1, "kWh")),
            [factor_set(GAS)],
            AR5,
        )
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (3, "activity", "fuel.coal")


def test_per_gas_factors_give_the_same_masses_and_different_co2e_under_ar4_and_ar5():
    diesel = factor(
        "d", "fuel.diesel", "L", {"CO2": 2.5, "CH4": 0.001, "N2O": 0.0002}, scope=Scope.S1
    )
    data = activities(row("1", "fuel.diesel", 1000, "L"))
    ar4 = compute_footprint(data, [factor_set(diesel)], AR4)
    ar5 = compute_footprint(data, [factor_set(diesel)], AR5)
    assert ar4.by_gas["CH4"]["t"] == ar5.by_gas["CH4"]["t"] == pytest.approx(0.001)
    # AR4: 2.5 + 0.001 x 25 + 0.0002 x 298 = 2.5846 t; AR5: 2.5 + 0.001 x 28 + 0.0002 x 265 = 2.581 t
    assert ar4.totals["scope1"] == pytest.approx(2.5846)
    assert ar5.totals["scope1"] == pytest.approx(2.581)


def test_biogenic_co2_is_a_memo_outside_the_scopes_but_its_methane_counts():
    pellets = factor(
        "p", "fuel.wood_pellets", "t", {"CO2_bio": 1677.18, "CH4": 0.3}, scope=Scope.S1
    )
    result = compute_footprint(
        activities(row("1", "fuel.wood_pellets", 2, "t")), [factor_set(pellets)], AR5
    )
    assert result.biogenic_co2_t == pytest.approx(3.35436)
    assert result.totals["scope1"] == pytest.approx(2 * 0.3 * 28 / 1000)
    assert "CO2" not in result.by_gas


def test_a_refrigerant_blend_is_split_into_its_gases():
    r410a = factor("r", "refrigerant.r410a", "kg", {"R410A": 1}, scope=Scope.S1)
    result = compute_footprint(
        activities(row("1", "refrigerant.r410a", 2, "kg")), [factor_set(r410a)], AR5
    )
    assert result.by_gas["HFC32"]["t"] == pytest.approx(0.001)
    assert result.by_gas["HFC125"]["t"] == pytest.approx(0.001)
    assert result.totals["scope1"] == pytest.approx(0.002 * 1923.5)


def test_the_latest_earlier_year_is_used_and_flagged():
    old = factor(
        "g2022", "fuel.natural_gas", "kWh", {"CO2e": 0.3}, gwp_set="AR5", scope=Scope.S1, year=2022
    )
    older = factor(
        "g2021", "fuel.natural_gas", "kWh", {"CO2e": 0.4}, gwp_set="AR5", scope=Scope.S1, year=2021
    )
    later = factor(
        "g2025", "fuel.natural_gas", "kWh", {"CO2e": 0.9}, gwp_set="AR5", scope=Scope.S1, year=2025
    )
    result = compute_footprint(
        activities(row("a", "fuel.natural_gas", 1000, "kWh")), [factor_set(old, older, later)], AR5
    )
    assert result.totals["scope1"] == pytest.approx(0.3)
    assert [(f.row, f.flag) for f in result.flags] == [("a", "year_fallback")]


def test_a_year_with_only_later_factors_is_an_error():
    later = factor(
        "g2025", "fuel.natural_gas", "kWh", {"CO2e": 0.9}, gwp_set="AR5", scope=Scope.S1, year=2025
    )
    with pytest.raises(InvalidInputError, match="problem"):
        compute_footprint(
            activities(row("a", "fuel.natural_gas", 1, "kWh")), [factor_set(later)], AR5
        )


def test_a_subregion_falls_back_to_its_country_with_a_flag():
    us = factor(
        "us", "electricity.grid", "kWh", {"CO2e": 0.4}, gwp_set="AR5", scope=Scope.S2, region="US"
    )
    camx = factor(
        "nwpp",
        "electricity.grid",
        "kWh",
        {"CO2e": 0.3},
        gwp_set="AR5",
        scope=Scope.S2,
        region="US-NWPP",
    )
    result = compute_footprint(
        activities(row("a", "electricity.grid", 1000, "kWh", region="US-CAMX")),
        [factor_set(us, camx)],
        AR5,
    )
    assert result.totals["scope2_location"] == pytest.approx(0.4)
    flags = {(f.row, f.flag) for f in result.flags}
    assert ("a", "region_fallback") in flags


def test_an_explicit_factor_reference_wins_over_the_activity_key():
    other = factor("special", None, "kWh", {"CO2e": 1.0}, gwp_set="AR5", scope=Scope.S1)
    result = compute_footprint(
        activities(row("1", "fuel.natural_gas", 1000, "kWh", factor="test:special")),
        [factor_set(GAS, other)],
        AR5,
    )
    assert result.totals["scope1"] == pytest.approx(1.0)


def test_the_first_pinned_set_wins():
    mine = factor("gas", "fuel.natural_gas", "kWh", {"CO2e": 0.5}, gwp_set="AR5", scope=Scope.S1)
    data = activities(row("1", "fuel.natural_gas", 1000, "kWh"))
    first = compute_footprint(data, [factor_set(mine, name="mine"), factor_set(GAS)], AR5)
    assert first.totals["scope1"] == pytest.approx(0.5)


def test_the_row_scope_overrides_the_factor_scope_and_scope_3_needs_a_category():
    data = activities(row("1", "fuel.natural_gas", 1000, "kWh", scope=3, category=7))
    result = compute_footprint(data, [factor_set(GAS)], AR5)
    assert result.totals["scope1"] == 0
    assert result.scope3_categories["7"] == pytest.approx(0.2)
    with pytest.raises(InvalidInputError) as caught:
        compute_footprint(
            activities(row("1", "fuel.natural_gas", 1, "kWh", scope=3)), [factor_set(GAS)], AR5
        )
    assert caught.value.problems[0].column == "category"


def test_natural_gas_declared_scope_3_category_7_is_counted_there_and_flagged():
    # Hand-made: 1000 kWh x 0.2 kg/kWh = 0.2 t, counted in category 7 where the row says,
    # with a flag naming both; the plain row beside it is scope 1 and carries no flag.
    data = activities(
        row("1", "fuel.natural_gas", 1000, "kWh", scope=3, category=7),
        row("2", "fuel.natural_gas", 500, "kWh"),
        row("3", "fuel.natural_gas", 250, "kWh", scope=1),
    )
    result = compute_footprint(data, [factor_set(GAS)], AR5, options=FootprintOptions(lines=True))
    assert result.scope3_categories["7"] == pytest.approx(0.2)
    assert result.totals["scope1"] == pytest.approx(0.15)
    assert [(f.row, f.flag, f.detail) for f in result.flags] == [
        ("1", "scope_overridden", "scope 3 category 7 declared; the factor is scope 1")
    ]
    assert result.flags.counts == {"scope_overridden": 1}
    assert result.lines is not None
    assert [line["flags"] for line in result.lines.to_pylist()] == ["scope_overridden", None, None]


def test_a_scope_3_category_other_than_the_factors_is_flagged_and_filling_one_in_is_not():
    travel = factor(
        "car", "travel.car", "km", {"CO2e": 0.17}, gwp_set="AR5", scope=Scope.S3, category=6
    )
    open_category = factor("bus", "travel.bus", "km", {"CO2e": 0.1}, gwp_set="AR5", scope=Scope.S3)
    data = activities(
        row("1", "travel.car", 100, "km", category=7),  # commuting, not business travel
        row("2", "travel.car", 100, "km", scope=3, category=6),  # as the factor says
        row("3", "travel.bus", 100, "km", scope=3, category=7),  # the factor leaves it open
        row("4", "travel.car", -50, "km", scope=1),  # a correction, declared scope 1
    )
    result = compute_footprint(
        data, [factor_set(travel, open_category)], AR5, options=FootprintOptions(lines=True)
    )
    assert result.scope3_categories["7"] == pytest.approx(0.017 + 0.01)
    assert result.scope3_categories["6"] == pytest.approx(0.017)
    assert result.totals["scope1"] == pytest.approx(-0.0085)
    assert [(f.row, f.flag, f.detail) for f in result.flags] == [
        ("1", "scope_overridden", "scope 3 category 7 declared; the factor is scope 3 category 6"),
        ("4", "negative_quantity", "negative quantity -50 km (a correction)"),
        ("4", "scope_overridden", "scope 1 declared; the factor is scope 3 category 6"),
    ]
    assert result.lines is not None
    assert [line["flags"] for line in result.lines.to_pylist()] == [
        "scope_overridden",
        None,
        None,
        "negative_quantity;scope_overridden",
    ]


def test_a_negative_quantity_is_kept_and_flagged():
    data = activities(
        row("1", "fuel.natural_gas", 1000, "kWh"), row("2", "fuel.natural_gas", -250, "kWh")
    )
    result = compute_footprint(data, [factor_set(GAS)], AR5)
    assert result.totals["scope1"] == pytest.approx(0.15)
    assert [(f.row, f.flag) for f in result.flags] == [("2", "negative_quantity")]


def test_the_domain_scope2_case_gives_200_t_location_and_180_t_market():
    go = Instrument("GO-1", InstrumentType.CERTIFICATE, "Site", "DE", 2024, 600_000, 0.0)
    data = activities(row("1", "electricity.grid", 1_000_000, "kWh", region="DE", entity="Site"))
    result = compute_footprint(data, [factor_set(DE_GRID, DE_RESIDUAL)], AR5, instruments=[go])
    assert result.totals["scope2_location"] == pytest.approx(200)
    assert result.totals["scope2_market"] == pytest.approx(180)


def test_market_based_without_residual_mix_uses_the_grid_average_and_says_so():
    grid = factor("grid", "electricity.grid", "kWh", {"CO2e": 0.2}, gwp_set="AR5", scope=Scope.S2)
    result = compute_footprint(
        activities(row("1", "electricity.grid", 1000, "kWh")), [factor_set(grid)], AR5
    )
    assert result.totals["scope2_market"] == pytest.approx(0.2)
    assert [f.flag for f in result.flags] == ["residual_mix_missing"]


def test_the_boundary_case_includes_the_joint_venture_by_approach():
    links = (
        EntityLink("Parent", None, 1.0, Control.FULL, Control.FULL),
        EntityLink("A", "Parent", 0.83, Control.FULL, Control.FULL),
        EntityLink("B", "A", 0.5, Control.JOINT, Control.NONE),
    )
    data = activities(row("1", "fuel.natural_gas", 500_000, "kWh", entity="B"))  # 100 t
    expected = {Approach.EQUITY: 41.5, Approach.FINANCIAL: 50.0, Approach.OPERATIONAL: 0.0}
    for approach, tonnes in expected.items():
        result = compute_footprint(
            data,
            [factor_set(GAS)],
            AR5,
            boundary=Boundary(links),
            options=FootprintOptions(approach=approach),
        )
        assert result.totals["scope1"] == pytest.approx(tonnes), approach
        assert result.by_entity["B"]["scope1"] == pytest.approx(tonnes)


def test_an_entity_missing_from_the_entity_file_is_an_error():
    links = (EntityLink("Parent", None, 1.0, Control.FULL, Control.FULL),)
    with pytest.raises(InvalidInputError) as caught:
        compute_footprint(
            activities(row("1", "fuel.natural_gas", 1, "kWh", entity="Elsewhere")),
            [factor_set(GAS)],
            AR5,
            boundary=Boundary(links),
        )
    assert caught.value.problems[0].column == "entity"


def test_totals_are_the_sums_of_their_scopes():
    grid = factor("grid", "electricity.grid", "kWh", {"CO2e": 0.2}, gwp_set="AR5", scope=Scope.S2)
    flight = factor(
        "f", "travel.air", "passenger_km", {"CO2e": 0.15}, gwp_set="AR5", scope=Scope.S3, category=6
    )
    data = activities(
        row("1", "fuel.natural_gas", 1000, "kWh"),
        row("2", "electricity.grid", 2000, "kWh"),
        row("3", "travel.air", 3000, "passenger_km"),
    )
    t = compute_footprint(data, [factor_set(GAS, grid, flight)], AR5).totals
    assert t["total_location"] == pytest.approx(t["scope1"] + t["scope2_location"] + t["scope3"])
    assert t["total_location"] == pytest.approx(0.2 + 0.4 + 0.45)


def test_lines_trace_every_row_to_its_factor_and_add_up_to_the_totals():
    data = activities(
        row("1", "fuel.natural_gas", 1000, "kWh"), row("2", "fuel.natural_gas", 500, "kWh")
    )
    result = compute_footprint(data, [factor_set(GAS)], AR5, options=FootprintOptions(lines=True))
    assert result.lines is not None
    lines = result.lines.to_pylist()
    assert [line["factor"] for line in lines] == ["test:gas", "test:gas"]
    assert math.fsum(line["emissions_t_co2e"] for line in lines) == pytest.approx(
        result.totals["scope1"]
    )


def test_the_same_inputs_give_the_same_hash_and_a_changed_factor_another():
    data = activities(row("1", "fuel.natural_gas", 1000, "kWh"))
    first = compute_footprint(data, [factor_set(GAS)], AR5).provenance["hash"]
    again = compute_footprint(data, [factor_set(GAS)], AR5).provenance["hash"]
    changed = factor(
        "gas", "fuel.natural_gas", "kWh", {"CO2e": 0.21}, gwp_set="AR5", scope=Scope.S1
    )
    other = compute_footprint(data, [factor_set(changed)], AR5).provenance["hash"]
    assert first == again
    assert first != other


def test_a_footprint_is_frozen_its_figures_cannot_be_changed_after_the_hash():
    result = compute_footprint(
        activities(row("1", "fuel.natural_gas", 1000, "kWh")), [factor_set(GAS)], AR5
    )
    with pytest.raises(TypeError):
        result.totals["scope1"] = 0.0  # type: ignore[index]
    with pytest.raises(TypeError):
        result.by_gas["CO2e"]["t"] = 0.0  # type: ignore[index]
    with pytest.raises(TypeError):
        result.provenance["hash"] = "forged"  # type: ignore[index]
    document = result.as_json()
    document["totals"]["scope1"] = 0.0  # the JSON document is the caller's own copy
    assert result.totals["scope1"] == pytest.approx(0.2)


def test_a_read_footprint_needs_its_backend_no_more():
    backend = ibis.duckdb.connect()
    data = validate_activities(
        ibis.memtable(
            pa.table({"id": ["1"], "year": ["2024"], "activity": ["fuel.natural_gas"],
                      "quantity": ["-5"], "unit": ["kWh"]})
        ),
        {"test.csv": "0" * 64},
        backend=backend,
    )  # fmt: skip
    result = compute_footprint(data, [factor_set(GAS)], AR5, backend=backend)
    assert not result.flags.is_read
    assert result.read() is result
    assert result.flags.is_read
    backend.disconnect()
    assert [(f.row, f.flag) for f in result.flags] == [("1", "negative_quantity")]


def test_provenance_names_the_factor_set_version_and_gwp_set():
    result = compute_footprint(
        activities(row("1", "fuel.natural_gas", 1, "kWh")), [factor_set(GAS)], AR5
    )
    provenance = result.as_json()["provenance"]
    assert provenance["factor_sets"][0]["version"] == factor_set(GAS).version
    assert provenance["gwp_set"]["name"] == "AR5"
    assert provenance["inputs"] == {"test.csv": "0" * 64}


def test_a_co2e_factor_made_with_another_gwp_set_is_used_as_published_and_flagged():
    ar4_made = factor(
        "gas4", "fuel.natural_gas", "kWh", {"CO2e": 0.2}, gwp_set="AR4", scope=Scope.S1
    )
    result = compute_footprint(
        activities(row("1", "fuel.natural_gas", 1000, "kWh")), [factor_set(ar4_made)], AR5
    )
    assert result.totals["scope1"] == pytest.approx(0.2)
    assert [(f.row, f.flag) for f in result.flags] == [("1", "gwp_set_mismatch")]


def test_no_residual_mix_flag_when_instruments_cover_all_consumption():
    grid = factor(
        "grid", "electricity.grid", "kWh", {"CO2e": 0.2}, gwp_set="AR5", scope=Scope.S2, region="DE"
    )
    ppa = Instrument("PPA-1", InstrumentType.CONTRACT, "Site", "DE", 2024, 5_000, 0.0)
    data = activities(row("1", "electricity.grid", 1000, "kWh", region="DE", entity="Site"))
    result = compute_footprint(data, [factor_set(grid)], AR5, instruments=[ppa])
    assert result.totals["scope2_market"] == 0
    assert [f.flag for f in result.flags] == ["instrument_unused"]


def test_an_explicit_reference_to_a_residual_mix_factor_is_refused():
    residual = factor(
        "rm",
        "electricity.grid",
        "kWh",
        {"CO2e": 0.45},
        gwp_set="AR5",
        scope=Scope.S2,
        basis=Basis.RESIDUAL_MIX,
    )
    with pytest.raises(InvalidInputError, match="problem") as caught:
        compute_footprint(
            activities(row("1", None, 1, "kWh", factor="rm")), [factor_set(residual)], AR5
        )
    assert "residual-mix" in caught.value.problems[0].reason


def test_the_first_flags_are_the_same_as_the_start_of_all_flags():
    old = factor(
        "g2022", "fuel.natural_gas", "kWh", {"CO2e": 0.3}, gwp_set="AR5", scope=Scope.S1, year=2022
    )
    data = activities(*(row(str(i), "fuel.natural_gas", 10 - i, "kWh") for i in range(15)))
    result = compute_footprint(data, [factor_set(old)], AR5)
    assert len(result.flags) == 15 + 4  # a year fallback on every row, 4 negative quantities
    first = result.flags.first(5)
    assert first == list(result.flags)[:5]
    assert result.flags.counts == {"negative_quantity": 4, "year_fallback": 15}


def test_each_line_carries_its_flags_and_gwp_set():
    old = factor(
        "g2022", "fuel.natural_gas", "kWh", {"CO2e": 0.3}, gwp_set="AR5", scope=Scope.S1, year=2022
    )
    grid = factor("grid", "electricity.grid", "kWh", {"CO2e": 0.2}, gwp_set="AR5", scope=Scope.S2)
    data = activities(
        row("1", "fuel.natural_gas", 10, "kWh"),
        row("2", "fuel.natural_gas", -5, "kWh"),
        row("3", "electricity.grid", 100, "kWh"),
    )
    result = compute_footprint(
        data, [factor_set(old, grid)], AR5, options=FootprintOptions(lines=True)
    )
    assert result.lines is not None
    lines = result.lines.to_pylist()
    assert [line["flags"] for line in lines] == [
        "year_fallback",
        "negative_quantity;year_fallback",
        "residual_mix_missing",
    ]
    assert {line["gwp_set"] for line in lines} == {"AR5"}


def test_spend_in_eur_uses_a_usd_factor_converted_and_flagged():
    spend = factor(
        "484121",
        "spend.naics.484121",
        "USD",
        {"CO2e": 0.595},
        gwp_set="AR5",
        scope=Scope.S3,
        category=4,
        year=2022,
    )
    data = activities(row("1", "spend.naics.484121", 10_000, "EUR"))
    result = compute_footprint(data, [factor_set(spend)], AR5)
    usd_2022 = 10_000 * 1.0824 * 292.655 / 313.689  # 2024 EUR -> 2024 USD (ECB) -> 2022 USD
    assert result.scope3_categories["4"] == pytest.approx(usd_2022 * 0.595 / 1000)
    # 2022 is the factor's price year, not a data year (DOMAIN.md §4): moving the money to it
    # is the money_converted flag, never a year_fallback.
    assert {f.flag for f in result.flags} == {"money_converted"}


def test_a_lifecycle_grid_intensity_is_flagged_on_scope_2_rows():
    ember = factor(
        "DEU-2024", "electricity.grid", "kWh", {"CO2e": 0.33638}, gwp_set="AR5", scope=Scope.S2, region="DE",
        description="Germany 2024; lifecycle, generation-based (Ember)",
    )  # fmt: skip
    result = compute_footprint(
        activities(row("1", "electricity.grid", 1000, "kWh", region="DE")), [factor_set(ember)], AR5
    )
    assert result.totals["scope2_location"] == pytest.approx(0.33638)
    assert "lifecycle_factor" in {f.flag for f in result.flags}


def test_lines_share_the_market_based_figure_by_quantity_and_add_up_to_it():
    go = Instrument("GO-1", InstrumentType.CERTIFICATE, "Site", "DE", 2024, 600_000, 0.0)
    data = activities(
        row("1", "electricity.grid", 600_000, "kWh", region="DE", entity="Site"),
        row("2", "electricity.grid", 400_000, "kWh", region="DE", entity="Site"),
        row("3", "fuel.natural_gas", 1000, "kWh", entity="Site"),
    )
    result = compute_footprint(
        data,
        [factor_set(DE_GRID, DE_RESIDUAL, GAS)],
        AR5,
        instruments=[go],
        options=FootprintOptions(lines=True),
    )
    assert result.lines is not None
    market = {line["id"]: line["emissions_market_t_co2e"] for line in result.lines.to_pylist()}
    # 180 t market-based for the site's 1,000,000 kWh, spread 60/40; gas is the same either way.
    assert market == pytest.approx({"1": 108.0, "2": 72.0, "3": 0.2})
    assert result.totals["scope2_market"] == pytest.approx(180)


def _site_market(*rows: tuple[str, str, Any], instrument_kwh: float) -> Any:
    go = Instrument("GO-1", InstrumentType.CERTIFICATE, "Site", "DE", 2024, instrument_kwh, 0.0)
    data = activities(
        *(row(i, "electricity.grid", q, unit, region="DE", entity="Site") for i, unit, q in rows)
    )
    return compute_footprint(
        data, [factor_set(DE_GRID, DE_RESIDUAL)], AR5, instruments=[go],
        options=FootprintOptions(lines=True),
    )  # fmt: skip


def test_a_correction_in_mwh_nets_the_kwh_it_corrects_before_instruments_apply():
    # 2,000 kWh less a correction of 1 MWh is 1,000 kWh, which the 1,500 kWh GO covers: 0 t.
    # As two consumption groups (one per unit) the GO went to the 2,000 kWh and the
    # correction took none: 500 kWh x 0.45 kg - 1,000 kWh x 0.45 kg = -0.225 t.
    in_kwh = _site_market(("1", "kWh", 2000), ("2", "kWh", -1000), instrument_kwh=1500)
    mixed = _site_market(("1", "kWh", 2000), ("2", "MWh", "-1"), instrument_kwh=1500)
    assert in_kwh.totals["scope2_market"] == mixed.totals["scope2_market"] == 0.0
    assert mixed.totals == in_kwh.totals  # every figure, to the last bit


def test_rows_in_kwh_and_mwh_are_one_consumption_and_their_lines_add_up_to_it():
    # 600,000 kWh + 0.4 GWh... as 400 MWh: 1,000,000 kWh, GO of 600,000 kWh, 180 t.
    result = _site_market(("1", "kWh", 600_000), ("2", "MWh", 400), instrument_kwh=600_000)
    assert result.totals["scope2_market"] == pytest.approx(180)
    lines = {line["id"]: line for line in result.lines.to_pylist()}
    assert lines["1"]["emissions_market_t_co2e"] == pytest.approx(108.0)  # 60% of the site
    assert lines["2"]["emissions_market_t_co2e"] == pytest.approx(72.0)  # 40%, in MWh
    second = explain_market_line(lines["2"]["market_detail"], quantity=400, inclusion_share=1.0)
    assert second is not None
    assert second.consumption_kwh == 1_000_000
    assert second.row_share == pytest.approx(0.4)
    assert second.market_t_co2e == pytest.approx(72.0)


def test_a_lines_market_detail_names_the_certificate_and_its_part_of_the_domain_case():
    go = Instrument("GO-1", InstrumentType.CERTIFICATE, "Site", "DE", 2024, 600_000, 0.0)
    norway = Instrument(
        "GO-NO", InstrumentType.CERTIFICATE, "Site", "DE", 2024, 50_000, 0.0, market="NO"
    )
    data = activities(
        row("1", "electricity.grid", 600_000, "kWh", region="DE", entity="Site"),
        row("2", "electricity.grid", 400_000, "kWh", region="DE", entity="Site"),
        row("3", "fuel.natural_gas", 1000, "kWh", entity="Site"),
    )
    result = compute_footprint(
        data,
        [factor_set(DE_GRID, DE_RESIDUAL, GAS)],
        AR5,
        instruments=[go, norway],
        options=FootprintOptions(lines=True),
    )
    assert result.lines is not None
    lines = {line["id"]: line for line in result.lines.to_pylist()}
    assert lines["3"]["market_detail"] is None  # scope 1: no instrument concerns it
    second = lines["2"]
    explained = explain_market_line(
        second["market_detail"],
        quantity=second["quantity"],
        inclusion_share=second["inclusion_share"],
    )
    assert explained is not None
    # Row 2 is 40% of the site's 1,000,000 kWh: 40% of GO-1's 600,000 kWh at 0 t/kWh,
    # and 40% of the 400,000 kWh left at the residual mix 0.45 kg/kWh: 72 t.
    assert explained.consumption == "Site / DE / 2024"
    assert explained.row_share == pytest.approx(0.4)
    applied, refused = explained.instruments
    assert (applied.instrument_id, applied.type, applied.qualified) == (
        "GO-1",
        InstrumentType.CERTIFICATE,
        True,
    )
    assert applied.group_covered_kwh == pytest.approx(600_000)
    assert applied.covered_kwh == pytest.approx(240_000)
    assert applied.rate_t_co2e_per_kwh == 0.0
    assert (refused.instrument_id, refused.qualified, refused.covered_kwh) == ("GO-NO", False, 0)
    assert "market NO" in refused.reasons[0]
    assert explained.uncovered_kwh == pytest.approx(160_000)
    assert explained.uncovered_basis is Basis.RESIDUAL_MIX
    assert explained.uncovered_rate_t_co2e_per_kwh == pytest.approx(0.00045)
    assert explained.market_t_co2e == pytest.approx(72.0)
    assert explained.market_t_co2e == pytest.approx(second["emissions_market_t_co2e"], rel=1e-12)


# --- fallbacks a verifier wants flagged (DOMAIN.md §4) ---------------------------------

UK_GRID_2025 = factor(
    "uk-grid-2025", "electricity.grid", "kWh", {"CO2e": 0.177}, gwp_set="AR5", scope=Scope.S2,
    region="GB", year=2025,
)  # fmt: skip


def flags_of(result: Any) -> dict[str, str]:
    return {f.flag: f.detail for f in result.flags}


def test_an_explicit_factor_reference_used_outside_its_region_and_year_is_flagged_with_both():
    # DOMAIN.md §4: "A factor used outside its region or year is flagged with both, however it
    # was chosen (an explicit factor reference too)."
    data = activities(
        row("de", None, 1000, "kWh", factor="uk:uk-grid-2025", region="DE", year=2023)
    )
    result = compute_footprint(data, [factor_set(UK_GRID_2025, name="uk")], AR5)
    assert result.totals["scope2_location"] == pytest.approx(0.177)
    flags = flags_of(result)
    assert "GB" in flags["region_fallback"]
    assert "DE" in flags["region_fallback"]
    assert "2025" in flags["year_fallback"]
    assert "2023" in flags["year_fallback"]
    assert "2 years later" in flags["year_fallback"]


def test_an_explicit_reference_in_its_own_region_and_year_raises_no_flag():
    data = activities(
        row("gb", None, 1000, "kWh", factor="uk:uk-grid-2025", region="GB", year=2025)
    )
    result = compute_footprint(data, [factor_set(UK_GRID_2025, name="uk")], AR5)
    assert set(flags_of(result)) == {"residual_mix_missing"}  # market-based: no residual mix


def test_a_publishers_own_region_factor_used_for_another_country_is_flagged_with_both_regions():
    # DESNZ's set knows its region (GB): its natural gas serves a German row only as a last
    # resort, and says so; a row without a region raises no such flag.
    uk_gas = factor("uk-gas", "fuel.natural_gas", "kWh", {"CO2e": 0.18296}, gwp_set="AR5",
                    scope=Scope.S1, region="GB", year=2024)  # fmt: skip
    data = activities(
        row("de", "fuel.natural_gas", 1000, "kWh", region="DE"),
        row("gb", "fuel.natural_gas", 1000, "kWh", region="GB"),
        row("none", "fuel.natural_gas", 1000, "kWh"),
    )
    result = compute_footprint(data, [factor_set(uk_gas, name="desnz")], AR5)
    assert result.totals["scope1"] == pytest.approx(3 * 0.18296)
    flagged = {(f.row, f.flag): f.detail for f in result.flags}
    assert set(flagged) == {("de", "region_fallback")}
    assert "for GB" in flagged["de", "region_fallback"]
    assert "DE" in flagged["de", "region_fallback"]


def test_a_year_fallback_states_the_gap_in_years():
    old = factor("f2019", "fuel.natural_gas", "kWh", {"CO2e": 0.2}, gwp_set="AR5",
                 scope=Scope.S1, year=2019)  # fmt: skip
    data = activities(
        row("y20", "fuel.natural_gas", 1, "kWh", year=2020),
        row("y24", "fuel.natural_gas", 1, "kWh", year=2024),
    )
    details = {f.row: f.detail for f in compute_footprint(data, [factor_set(old)], AR5).flags}
    assert "1 year earlier" in details["y20"]
    assert "5 years earlier" in details["y24"]


def test_a_switch_to_a_later_sets_lifecycle_intensity_is_never_silent():
    # A 2023 UK row: the first pinned set (combustion-only, DESNZ-like) has UK electricity only
    # for 2024 and 2025, so the factor comes from a later set, a lifecycle intensity; both the
    # switch of set and the lifecycle basis are flagged.
    desnz = factor_set(
        UK_GRID_2025,
        factor("uk-grid-2024", "electricity.grid", "kWh", {"CO2e": 0.20705}, gwp_set="AR5",
               scope=Scope.S2, region="GB", year=2024),
        name="desnz",
    )  # fmt: skip
    ember = factor_set(
        factor("GBR-2023", "electricity.grid", "kWh", {"CO2e": 0.21}, gwp_set="AR5",
               scope=Scope.S2, region="GB", year=2023,
               description="United Kingdom 2023; lifecycle, generation-based (Ember)"),
        name="owid",
    )  # fmt: skip
    data = activities(row("gb", "electricity.grid", 1000, "kWh", region="GB", year=2023))
    flags = flags_of(compute_footprint(data, [desnz, ember], AR5))
    assert set(flags) == {"set_fallback", "lifecycle_factor", "residual_mix_missing"}
    assert "desnz (earliest 2024)" in flags["set_fallback"]
    assert "used owid" in flags["set_fallback"]


def test_without_an_id_column_each_flag_names_its_row_by_its_number():
    # The flagged rows' ids are then their row numbers, made from `_row`: the same flags
    # as a file whose ids are those numbers, written out.
    old = factor(
        "g2022", "fuel.natural_gas", "kWh", {"CO2e": 0.3}, gwp_set="AR5", scope=Scope.S1, year=2022
    )
    rows = [row(str(number), "fuel.natural_gas", quantity, "kWh") for number, quantity in
            ((2, 10), (3, -1), (4, 5))]  # fmt: skip
    given = compute_footprint(activities(*rows), [factor_set(old)], AR5)
    bare = pa.table(
        {c: pa.array([str(r[c]) for r in rows], pa.string()) for c in ("year", "activity", "quantity", "unit")}
    )  # fmt: skip
    data = validate_activities(ibis.memtable(bare), {"test.csv": "0" * 64})
    assert data.ids_are_row_numbers
    numbered = compute_footprint(data, [factor_set(old)], AR5)
    assert [(f.row, f.flag) for f in numbered.flags] == [
        ("2", "year_fallback"),
        ("3", "negative_quantity"),
        ("3", "year_fallback"),
        ("4", "year_fallback"),
    ]
    assert numbered.flags.table().equals(given.flags.table())
