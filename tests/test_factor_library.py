"""The official factor library end to end, as a user runs it: import, then count.

Hand calculations from the publisher files (DESNZ 2025 flat file; EPA GHG
Emission Factors Hub 2025), through the `neutra` command.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_run import Done
from tests.cli_run import neutra as run_neutra
from tests.conftest import publisher_file

DESNZ_2025 = "desnz/ghg-conversion-factors-2025-flat-format.csv"
EPA_HUB = "epa/ghg-emission-factors-hub-2025.xlsx"


def neutra(home: Path, *args: str | Path) -> Done:
    return run_neutra(*args, home=home)


def footprint(home: Path, activities: Path, *args: str) -> dict:
    done = neutra(home, "footprint", activities, *args, "--format", "json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    for kind, relative in (("desnz", DESNZ_2025), ("epa-hub", EPA_HUB)):
        done = neutra(home, "factors", "import", kind, publisher_file(relative))
        assert done.returncode == 0, done.stderr
    return home


def test_a_desnz_footprint_gives_the_hand_calculation_from_the_publisher_file(home, tmp_path):
    activities = tmp_path / "activities.csv"
    activities.write_text(
        "id,year,activity,factor,quantity,unit,region\n"
        "gas,2025,fuel.natural_gas,,100000,kWh,GB\n"
        "diesel,2025,fuel.diesel,,5000,L,GB\n"
        "power,2025,electricity.grid,,200000,kWh,GB\n"
        "flight,2025,,desnz-2025:21_316_3170_11,12000,passenger_km,GB\n"
        "hotel,2025,hotel.night,,40,night,GB\n"
        "waste,2025,waste.commercial_industrial.landfill,,3,t,GB\n"
    )
    document = footprint(home, activities, "--factors", "desnz-2025")
    # Publisher file: each factor is kept per gas, its CO2, CH4 and N2O parts (kg CO2e per unit,
    # AR5) turned back into masses with the file's own GWPs (CH4 28, N2O 265), so under AR5 a
    # figure is the sum of its published parts: natural gas 0.18259 + 0.00028 + 0.00009 =
    # 0.18296 (1_100_1004_6_2..4), diesel 2.53763 + 0.00029 + 0.03290 = 2.57082, UK
    # electricity 0.17489 + 0.00090 + 0.00122 = 0.17701 (the total, rounded apart, is 0.17700),
    # long-haul economy with RF 0.11604 + 0.00001 + 0.00099 = 0.11704. No parts are published
    # for hotel UK 10.4 (29_600_4000_13_1) and C&I landfill 520.5327: kept as CO2e totals.
    assert document["totals"]["scope1"] == pytest.approx(
        (100000 * 0.18296 + 5000 * 2.57082) / 1000, rel=1e-12
    )
    assert document["totals"]["scope2_location"] == pytest.approx(
        200000 * 0.17701 / 1000, rel=1e-12
    )
    assert document["scope3_categories"]["6"] == pytest.approx(
        (12000 * 0.11704 + 40 * 10.4) / 1000, rel=1e-12
    )
    assert document["scope3_categories"]["5"] == pytest.approx(3 * 520.5327 / 1000, rel=1e-12)
    # Per gas (Corporate Standard ch. 9): masses, not one "CO2e" for every DESNZ activity.
    by_gas = document["by_gas"]
    assert by_gas["CH4"]["t"] == pytest.approx(
        (100000 * 0.00028 + 5000 * 0.00029 + 200000 * 0.00090 + 12000 * 0.00001) / 28 / 1000,
        rel=1e-12,
    )
    assert by_gas["N2O"]["t"] == pytest.approx(
        (100000 * 0.00009 + 5000 * 0.03290 + 200000 * 0.00122 + 12000 * 0.00099) / 265 / 1000,
        rel=1e-12,
    )
    assert by_gas["CO2e"]["t_co2e"] == pytest.approx((40 * 10.4 + 3 * 520.5327) / 1000, rel=1e-12)
    # The biogenic CO2 of the diesel's biofuel share (99_604_1011_8: 0.14 kg/L) is a memo.
    assert document["biogenic_co2_t"] == pytest.approx(5000 * 0.14 / 1000, rel=1e-12)
    assert document["gwp_set"] == "AR5"


def test_epa_hub_per_gas_factors_give_the_same_gas_masses_and_different_co2e_under_ar4_and_ar5(
    home, tmp_path
):
    activities = tmp_path / "activities.csv"
    activities.write_text(
        "id,year,factor,quantity,unit,scope\n"
        "boiler,2025,epa-hub-2025:t1_natural_gas_mmbtu,1000,mmBtu,1\n"
    )
    ar4 = footprint(home, activities, "--factors", "epa-hub-2025", "--gwp", "AR4")
    ar5 = footprint(home, activities, "--factors", "epa-hub-2025", "--gwp", "AR5")
    # Table 1, natural gas: 53.06 kg CO2, 1.0 g CH4, 0.10 g N2O per mmBtu.
    for document in (ar4, ar5):
        assert document["by_gas"]["CO2"]["t"] == pytest.approx(53.06, rel=1e-12)
        assert document["by_gas"]["CH4"]["t"] == pytest.approx(0.001, rel=1e-12)
        assert document["by_gas"]["N2O"]["t"] == pytest.approx(0.0001, rel=1e-12)
    assert ar4["totals"]["scope1"] == pytest.approx(53.06 + 0.001 * 25 + 0.0001 * 298, rel=1e-12)
    assert ar5["totals"]["scope1"] == pytest.approx(53.06 + 0.001 * 28 + 0.0001 * 265, rel=1e-12)


def test_searching_finds_the_imported_factor_and_the_activity_key(home):
    done = neutra(home, "factors", "search", "natural gas")
    assert "fuel.natural_gas" in done.stdout
    assert "1_100_1004_6" in done.stdout
