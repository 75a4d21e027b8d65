"""Acceptance tests: worked examples run through the `neutra footprint` command.

Each example is a folder under `tests/examples/` with the input files of the
DESIGN §3 contracts (activities.csv, factors.csv, and where needed
entities.csv and instruments.csv) and an `expected.json` holding the expected
figures in tonnes CO2e, written by hand arithmetic (the `calculation` field
shows it), never by running the tool, and the `source` they come from.

Which figures are published and which hand-computed (`figures` in each file):

- Published, from the worked examples of the GHG Protocol Technical Guidance
  for Calculating Scope 3 Emissions (v1.0, 2013): Example 1.1 (supplier-specific
  purchased goods, 145,000 kg), 4.4 (spend-based transport, 7,300 kg),
  5.1 (waste-type-specific, 132,500 kg), 6.1 (distance-based business travel,
  8,317,583.33 kg), 7.1 (distance-based commuting, 3,072 kg), 11.1 (direct
  use-phase emissions, 13,042,500 kg) and 15.1 (equity investments,
  493,000 t). Inputs are the guidance's tables, quantities, units and factors
  as printed; where the CLI multiplies one quantity by one factor and the
  example multiplies more terms (trips x weeks, uses x units sold x kWh), the
  row holds the product and its description shows the terms. Each folder's
  `inputs_note` says how its units and factors are expressed.
- Published, from DOMAIN.md's worked cases: the scope 2 case (LB 200 t, MB
  180 t) and the joint-venture boundary case (B included at 41.5% equity,
  50% financial control, 0% operational control).
- Hand-computed: the per-gas combustion example (AR4 vs AR5).

The command is run as its installed script runs it (`neutra.cli.main:main`,
in this process, `tests.cli_run`); the JSON of
DESIGN §3.6 is compared with pytest.approx(rel=1e-9). Where a figure is
published rounded, a separate assertion checks that rounding the exact result
to the published precision gives the published figure; where the figure is
also kept as printed (`as_printed`, e.g. "8,317,583.33 kg CO2e"), the value
and precision are read from that text, so a slip in copying it cannot pass.

These tests must never compute an expected figure with Neutra's own code.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.cli_run import neutra

EXAMPLES = Path(__file__).resolve().parent / "examples"
REL = 1e-9
# Absolute slack for figures expected to be exactly zero, where rel means nothing.
ABS_ZERO = 1e-9
TOTAL_KEYS = (
    "scope1",
    "scope2_location",
    "scope2_market",
    "scope3",
    "total_location",
    "total_market",
)


# Mass units the guidance prints its results in, as tonnes.
PRINTED_UNITS_T = {"kg": Decimal("0.001"), "t": Decimal(1), "tonnes": Decimal(1)}
# Places a printed unit adds to the decimals when the figure is read in tonnes.
PRINTED_UNITS_EXTRA_DIGITS = {"kg": 3, "t": 0, "tonnes": 0}


def _printed_in_tonnes(as_printed: str) -> tuple[float, int]:
    """A figure as printed ("8,317,583.33 kg CO2e") in tonnes, with its precision in tonnes."""
    match = re.fullmatch(r"([\d,]+(?:\.(\d+))?) (kg|t|tonnes) CO2e", as_printed)
    assert match, f"cannot read the printed figure {as_printed!r}"
    number, decimals, unit = match.groups()
    tonnes = Decimal(number.replace(",", "")) * PRINTED_UNITS_T[unit]
    ndigits = len(decimals or "") + PRINTED_UNITS_EXTRA_DIGITS[unit]
    return float(tonnes), ndigits


def _expected(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / name / "expected.json").read_text())


def _run_footprint(name: str, run: dict[str, Any]) -> dict[str, Any]:
    """Run `neutra footprint` on an example's files; the parsed JSON it printed."""
    folder = EXAMPLES / name
    command = [
        "footprint",
        str(folder / "activities.csv"),
        "--factors",
        str(folder / "factors.csv"),
        "--gwp",
        run.get("gwp", "AR5"),
        "--format",
        "json",
    ]
    if "entities" in run:
        command += ["--entities", str(folder / run["entities"]), "--approach", run["approach"]]
    if "instruments" in run:
        command += ["--instruments", str(folder / run["instruments"])]
    done = neutra(*command)
    assert done.returncode == 0, (
        f"`neutra footprint` failed on example {name} ({run['name']}), "
        f"exit status {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _at(result: dict[str, Any], path: str) -> float:
    """The figure at a dotted path such as `totals.scope3` or `by_entity.B.scope1`.

    An entity, gas or category missing from a breakdown counts as zero: the
    output may leave out what contributes nothing.
    """
    node: Any = result
    keys = path.split(".")
    for depth, key in enumerate(keys):
        if not isinstance(node, dict):
            raise AssertionError(f"{path}: {key!r} is not under an object in the output")
        if key not in node:
            if depth >= 1 and keys[0] in {"by_entity", "by_gas", "scope3_categories"}:
                return 0.0
            raise AssertionError(f"{path}: no {key!r} in the output")
        node = node[key]
    assert isinstance(node, int | float), f"{path} is {node!r}, not a number"
    return float(node)


def _approx(value: float) -> Any:
    return pytest.approx(value, rel=REL, abs=ABS_ZERO if value == 0 else 0.0)


def _check_example(name: str) -> list[dict[str, Any]]:
    """Run every run of an example and check it against expected.json; the outputs."""
    expected = _expected(name)
    assert expected["source"], f"{name}: expected.json names no source"
    assert expected["calculation"], f"{name}: expected.json shows no calculation"
    outputs = []
    for run in expected["runs"]:
        result = _run_footprint(name, run)
        where = f"{name} ({run['name']})"

        assert result["schema"] == "neutra.footprint/1", where
        assert result["gwp_set"] == run.get("gwp", "AR5"), where
        assert result["unit"] == "t CO2e", where

        for path, value in run["expect"].items():
            assert _at(result, path) == _approx(value), f"{where}: {path}"

        # Labelled totals add up as DESIGN §3.6 says; scope 3 is the sum of its categories.
        totals = result["totals"]
        for key in TOTAL_KEYS:
            assert math.isfinite(totals[key]), f"{where}: totals.{key}"
        assert totals["total_location"] == _approx(
            totals["scope1"] + totals["scope2_location"] + totals["scope3"]
        ), where
        assert totals["total_market"] == _approx(
            totals["scope1"] + totals["scope2_market"] + totals["scope3"]
        ), where
        categories = result["scope3_categories"]
        assert set(categories) <= {str(n) for n in range(1, 16)}, where
        assert sum(categories.values()) == _approx(totals["scope3"]), where
        # The example names every category it fills; all others stay empty.
        named = {p.split(".")[1] for p in run["expect"] if p.startswith("scope3_categories.")}
        for category, value in categories.items():
            if category not in named:
                assert value == _approx(0.0), f"{where}: scope3_categories.{category}"

        # Clean inputs (right year, region, units) raise no fallback or warning flags; a
        # deliberate declaration the example makes (a scope overridden) is listed in its run.
        flags = [[f["row"], f["flag"]] for f in result["flags"]]
        assert flags == run.get("flags", []), f"{where}: unexpected flags {result['flags']}"

        for published in run["published_rounded"]:
            if "as_printed" in published:
                assert _printed_in_tonnes(published["as_printed"]) == (
                    published["value"],
                    published["ndigits"],
                ), f"{where}: {published} does not match the figure as printed"
            exact = _at(result, published["path"])
            assert round(exact, published["ndigits"]) == published["value"], (
                f"{where}: {published['path']} = {exact} does not round to the "
                f"published {published['value']}"
            )
        outputs.append(result)
    return outputs


def test_purchased_goods_are_quantities_times_supplier_cradle_to_gate_factors() -> None:
    """Scope 3 Calculation Guidance, Example 1.1 (supplier-specific method, p. 25).

    Published: (200,000 x 0.15) + (600,000 x 0.10) + (200,000 x 0.10)
    + (100,000 x 0.25) + (50,000 x 0.20) = 145,000 kg CO2e = 145 t. Quantities
    in kg, the supplier factors in kg CO2e/kg (`kg/kg`); two rows name their
    factor explicitly, three match it by activity key.
    """
    _check_example("cat01_supplier_specific")


def test_upstream_transport_spend_is_multiplied_by_eeio_factors_per_dollar() -> None:
    """Scope 3 Calculation Guidance, Example 4.4 (spend-based transport, p. 66).

    Published: 20,000 x 0.04 + 30,000 x 0.15 + 40,000 x 0.05 = 800 + 4,500
    + 2,000 = 7,300 kg CO2e = 7.3 t (printed "kg CO2e/$", a misprint). The
    published "$" is USD and the EEIO factors are `kg/USD`.
    """
    _check_example("cat04_spend_based")


def test_waste_is_tonnes_times_a_factor_per_waste_type_and_treatment() -> None:
    """Scope 3 Calculation Guidance, Example 5.1 (waste-type-specific method, p. 75).

    Published: 2,000 t x 40 + 5,000 t x 2 + 4,000 t x 10 kg CO2e/t
    + 5,000 m3 wastewater x 0.5 kg CO2e/m3 = 132,500 kg CO2e = 132.5 t; the
    factors are `kg/t` and `kg/m3`.
    """
    _check_example("cat05_waste_type_specific")


def test_business_travel_is_vehicle_or_passenger_distance_times_factor_per_mode() -> None:
    """Scope 3 Calculation Guidance, Example 6.1 (distance-based method, pp. 85-86).

    Published: road (10/2 x 50 x 1) + (20/2 x 200 x 2) + (100/3 x 100 x 4)
    = 17,583.33 kg, air (10 x 10,000 x 5) + (20 x 15,000 x 6)
    + (100 x 12,000 x 5) = 8,300,000 kg; total 8,317,583.33 kg CO2e. Road rows
    are vehicle-km (`km`, factors `kg/km`), air rows `passenger_km` (factors
    `kg/passenger_km`); group 3's 10,000/3 vehicle-km is written as the
    nearest double. The example has no hotel nights.
    """
    _check_example("cat06_business_travel")


def test_commuting_is_daily_distance_times_trips_times_factor_per_mode() -> None:
    """Scope 3 Calculation Guidance, Example 7.1 (distance-based method, p. 90).

    Published: rail (10 x 2 x 5 x 48) + (10 x 2 x 4 x 48) = 8,640 passenger-km
    x 0.1, car (15 x 2 x 1 x 48) + (20 x 2 x 5 x 48) = 11,040 vehicle-km x 0.2;
    864 + 2,208 = 3,072 kg CO2e. One row per employee and mode holds the
    annual distance. The car factor has no default scope: the rows' scope 3 /
    category 7 place it.
    """
    _check_example("cat07_commuting_distance")


def test_use_of_sold_products_is_lifetime_uses_times_units_sold_times_energy_per_use() -> None:
    """Scope 3 Calculation Guidance, Example 11.1 (direct use-phase emissions, pp. 117-118).

    Published: 1,000 x 11,500 x 1.3 x 0.5 + 1,100 x 1,900 x 1.5 x 0.5
    + 2,000 x 20,000 x 0.2 x 0.5 = 7,475,000 + 1,567,500 + 4,000,000
    = 13,042,500 kg CO2e. Each row holds the lifetime kWh of the units sold;
    the rows' scope 3 overrides the electricity factor's scope 2, so scope 2
    stays zero.
    """
    _check_example("cat11_use_of_sold_products")


def test_investments_are_equity_share_times_investee_scope_1_and_2() -> None:
    """Scope 3 Calculation Guidance, Example 15.1 (investment-specific method, pp. 142-143).

    Published: 120,000 x 40% + 200,000 x 15% + 1,600,000 x 25% + 60,000 x 25%
    = 48,000 + 30,000 + 400,000 + 15,000 = 493,000 t CO2e; the investee's
    scope 1+2 is the quantity (t) and the equity share the factor (`t/t`).
    """
    _check_example("cat15_investment_specific")


def test_scope_2_is_reported_location_based_and_market_based_side_by_side() -> None:
    """DOMAIN.md §2 worked case (published there): LB 200 t, MB 180 t.

    1,000,000 kWh x 0.20 kg/kWh = 200 t; certificates cover 600,000 kWh at 0,
    the other 400,000 kWh take the residual mix 0.45 kg/kWh = 180 t.
    """
    _check_example("scope2_location_and_market")


def test_a_joint_venture_is_included_by_equity_share_financial_or_operational_control() -> None:
    """DOMAIN.md §1 boundary worked case (inclusion shares published there).

    B (100 t at 100%, a hand-made figure) is included at 41.5 t (equity,
    0.83 x 0.5), 50 t (joint financial control) and 0 t (operated by the
    partner); with Parent 10 t and A 50 t: scope 1 = 93, 110 and 60 t.
    """
    equity, financial, operational = _check_example("boundary_joint_venture")
    assert equity["totals"]["scope1"] < financial["totals"]["scope1"]
    assert operational["totals"]["scope1"] < equity["totals"]["scope1"]


def test_the_gwp_set_changes_co2e_but_never_the_mass_of_each_gas() -> None:
    """Per-gas factors (CO2, CH4, N2O in kg/GJ) under AR5, AR4 and AR6, hand-computed.

    10,000 GJ gas: 561 t CO2, 0.05 t CH4, 0.001 t N2O; AR5 (28, 265)
    562.665 t CO2e, AR4 (25, 298) 562.548 t CO2e, AR6 (27.0, 273) 562.623 t CO2e:
    combustion methane takes AR6's non-fossil 27.0 (GHG Protocol GWP table, Aug 2024).
    """
    ar5, ar4, ar6 = _check_example("gwp_per_gas_combustion")
    assert ar6["by_gas"]["CH4"]["t_co2e"] == pytest.approx(0.05 * 27.0, rel=REL)
    assert ar5["totals"]["scope1"] != pytest.approx(ar4["totals"]["scope1"], rel=REL)
    assert set(ar5["by_gas"]) == set(ar4["by_gas"])
    for gas in ar5["by_gas"]:
        assert ar5["by_gas"][gas]["t"] == pytest.approx(ar4["by_gas"][gas]["t"], rel=REL), gas
    assert ar5["by_gas"]["CH4"]["t_co2e"] != pytest.approx(ar4["by_gas"]["CH4"]["t_co2e"])
