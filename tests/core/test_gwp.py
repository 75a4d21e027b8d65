"""GWP sets compared with the published IPCC / GHG Protocol values."""

from __future__ import annotations

import csv
import math
import pickle
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neutra.core.errors import GWPError, NeutraError
from neutra.core.gwp import GWP_SET_NAMES, GWPSet, canonical_gas, gwp_set

# Published GWP100 values: IPCC AR4 WG1 Table 2.14, AR5 WG1 Table 8.A.1 (as the
# GHG Protocol tabulates them), AR6 WG1 Table 7.SM.7 and Table 7.15 (methane).
PUBLISHED = {
    "AR4": {"CH4": 25, "N2O": 298, "SF6": 22800, "NF3": 17200, "HFC134a": 1430, "CF4": 7390},
    "AR5": {"CH4": 28, "N2O": 265, "SF6": 23500, "NF3": 16100, "HFC134a": 1300, "CF4": 6630},
    "AR6": {"CH4": 27.0, "N2O": 273, "SF6": 25200, "NF3": 17400, "HFC134a": 1530, "CF4": 7380},
}


@pytest.mark.parametrize(
    ("set_name", "gas", "published"),
    [(name, gas, value) for name, table in PUBLISHED.items() for gas, value in table.items()],
)
def test_each_set_gives_the_published_gwp100_of_the_kyoto_gases(set_name, gas, published):
    assert gwp_set(set_name).gwp(gas) == pytest.approx(published)


@pytest.mark.parametrize("set_name", GWP_SET_NAMES)
def test_co2_has_gwp_one_in_every_set(set_name):
    assert gwp_set(set_name).gwp("CO2") == 1.0
    assert gwp_set(set_name).gwp("co2") == 1.0


def test_ar6_separates_fossil_methane_from_non_fossil_methane_as_table_7_15_does():
    # IPCC AR6 WG1 Table 7.15 and the GHG Protocol's GWP table (Aug 2024): 29.8 and 27.0.
    ar6 = gwp_set("AR6")
    assert ar6.gwp("CH4_fossil") == 29.8
    assert ar6.gwp("CH4_non_fossil") == 27.0


def test_ar6_plain_methane_is_combustion_methane_at_the_non_fossil_value_not_the_generic_279():
    # GHG Protocol GWP table (Aug 2024): combustion CH4 takes the non-fossil value, since the
    # combustion CO2 factor already counts the fuel's carbon; every publisher CH4 amount Neutra
    # imports (EPA Hub, DESNZ, eGRID) is combustion methane.
    package_table = files("globalwarmingpotentials") / "globalwarmingpotentials.csv"
    lines = (line for line in package_table.read_text().splitlines() if not line.startswith("#"))
    package_ch4 = next(row for row in csv.DictReader(lines) if row["Species"] == "CH4")
    assert float(package_ch4["AR6GWP100"]) == pytest.approx(27.9)

    assert gwp_set("AR6").gwp("CH4") == 27.0
    assert gwp_set("AR6").gwp("CH4") == gwp_set("AR6").gwp("CH4_non_fossil")


@pytest.mark.parametrize(("set_name", "ch4"), [("AR4", 25), ("AR5", 28)])
def test_before_ar6_fossil_and_non_fossil_methane_share_the_sets_one_value(set_name, ch4):
    gwps = gwp_set(set_name)
    assert gwps.gwp("CH4") == gwps.gwp("CH4_fossil") == gwps.gwp("CH4_non_fossil") == ch4


def test_ar5_methane_is_28_not_the_table_8a1_fossil_value_30():
    assert gwp_set("AR5").gwp("CH4_fossil") == 28


def test_r410a_in_ar5_is_half_hfc32_and_half_hfc125():
    assert gwp_set("AR5").gwp("R-410A") == pytest.approx(0.5 * 677 + 0.5 * 3170)
    assert gwp_set("AR5").gwp("R410A") == pytest.approx(1923.5)


@pytest.mark.parametrize(
    ("set_name", "hand_computed", "published"),
    [
        ("AR4", 0.44 * 3500 + 0.52 * 4470 + 0.04 * 1430, 3922),
        ("AR5", 0.44 * 3170 + 0.52 * 4800 + 0.04 * 1300, 3943),
    ],
)
def test_r404a_matches_the_published_blend_gwp(set_name, hand_computed, published):
    gwp = gwp_set(set_name).gwp("R-404A")
    assert gwp == pytest.approx(hand_computed)
    assert round(gwp) == published


@pytest.mark.parametrize(
    ("blend", "ar4_published", "ar5_published"),
    [
        # Blend GWPs as published by refrigerant makers and the EU F-gas regulation.
        ("R407C", 1774, 1624),
        ("R448A", 1387, 1273),
        ("R449A", 1397, 1282),
        ("R454B", 466, 467),
        ("R507A", 3985, 3985),
        ("R513A", 631, 573),
    ],
)
def test_other_blends_round_to_their_published_gwp(blend, ar4_published, ar5_published):
    assert round(gwp_set("AR4").gwp(blend)) == ar4_published
    assert round(gwp_set("AR5").gwp(blend)) == ar5_published


def test_a_blend_lists_its_components_with_ashrae_mass_fractions():
    assert gwp_set("AR5").components("R-407C") == (
        ("HFC32", 0.23),
        ("HFC125", 0.25),
        ("HFC134a", 0.52),
    )


def test_a_pure_gas_is_its_own_single_component():
    assert gwp_set("AR5").components("R-134a") == (("HFC134a", 1.0),)


@pytest.mark.parametrize("set_name", GWP_SET_NAMES)
def test_every_blends_mass_fractions_sum_to_one(set_name):
    gwps = gwp_set(set_name)
    assert len(gwps.blends) >= 16
    for blend in gwps.blends:
        assert math.fsum(f for _, f in gwps.components(blend)) == pytest.approx(1.0, abs=1e-12)


def test_hfos_take_the_ar6_values_of_table_7sm7():
    ar6 = gwp_set("AR6")
    assert ar6.gwp("HFO-1234yf") == pytest.approx(0.501)
    assert ar6.gwp("R-1234ze(E)") == pytest.approx(1.37)


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("co2", "CO2"),
        ("CO2e", "CO2e"),
        ("co2e", "CO2e"),
        ("CO2-e", "CO2e"),
        ("HFC-134a", "HFC134a"),
        ("R-134a", "HFC134a"),
        ("R134a", "HFC134a"),
        ("hfc134a", "HFC134a"),
        ("HFC-32", "HFC32"),
        ("R-32", "HFC32"),
        ("PFC-14", "CF4"),
        ("CF4", "CF4"),
        ("sf6", "SF6"),
        ("NF3", "NF3"),
        ("n2o", "N2O"),
        ("CH4", "CH4"),
        ("CH4_fossil", "CH4_fossil"),
        ("CH4 non-fossil", "CH4_non_fossil"),
        ("R-410A", "R410A"),
        ("R410A", "R410A"),
        ("r-404a", "R404A"),
        ("R-22", "HCFC22"),
        (" SF6 ", "SF6"),
    ],
)
def test_user_spellings_resolve_to_canonical_gas_names(spelling, canonical):
    assert canonical_gas(spelling) == canonical


@pytest.mark.parametrize("text", ["XYZ-99", "", "   ", "water"])
def test_an_unknown_gas_is_a_gwp_error_naming_it(text):
    with pytest.raises(GWPError) as caught:
        canonical_gas(text)
    assert isinstance(caught.value, LookupError)
    assert isinstance(caught.value, NeutraError)
    if text.strip():
        assert repr(text) in str(caught.value)


def test_a_gas_without_a_value_in_the_set_is_an_error_naming_gas_and_set():
    # AR4 gives no GWP100 for HFC-161 (AR5 does: 4).
    with pytest.raises(GWPError) as caught:
        gwp_set("AR4").gwp("HFC-161")
    message = str(caught.value)
    assert "HFC161" in message
    assert "AR4" in message
    assert gwp_set("AR5").gwp("HFC-161") == 4


@pytest.mark.parametrize(
    ("gas", "gwp"),
    [("propane", 3), ("butane", 4), ("isobutane", 3), ("propylene", 2), ("isopentane", 5)],
)
def test_hydrocarbons_take_the_f_gas_annex_iv_values_in_every_set(gas: str, gwp: float) -> None:
    # Regulation (EU) No 517/2014 Annex IV: R-290 3, R-600 4, R-600a 3, R-1270 2, R-601a 5.
    for name in GWP_SET_NAMES:
        assert gwp_set(name).gwp(gas) == gwp
    assert canonical_gas("propene") == canonical_gas("propylene") == "R1270"


def test_co2e_is_never_weighted_again():
    with pytest.raises(GWPError, match="already weighted"):
        gwp_set("AR5").gwp("CO2e")


@pytest.mark.parametrize("name", ["ar5", "Ar6", " AR4 "])
def test_set_names_are_case_insensitive_and_cached(name):
    gwps = gwp_set(name)
    assert gwps.name == name.strip().upper()
    assert gwps is gwp_set(name.strip().upper())


def test_an_unknown_set_is_a_gwp_error_listing_the_known_sets():
    with pytest.raises(GWPError) as caught:
        gwp_set("SAR")
    assert isinstance(caught.value, LookupError)
    for known in GWP_SET_NAMES:
        assert known in str(caught.value)


def test_gwp_errors_survive_pickling_with_their_fields():
    for raise_it in (lambda: gwp_set("AR7"), lambda: canonical_gas("XYZ-99")):
        with pytest.raises(GWPError) as caught:
            raise_it()
        restored = pickle.loads(pickle.dumps(caught.value))
        assert type(restored) is GWPError
        assert str(restored) == str(caught.value)
        assert restored.extra == caught.value.extra


def test_sets_cite_their_source_and_pass_their_invariants():
    for name in GWP_SET_NAMES:
        gwps = gwp_set(name)
        assert "IPCC" in gwps.source
        assert name in gwps.source
        gwps.check_invariants()


def test_invariants_reject_a_blend_whose_fractions_do_not_sum_to_one():
    ar5 = gwp_set("AR5")
    broken = GWPSet(
        name="AR5",
        source="test",
        values=ar5.values,
        blends={"R410A": (("HFC32", 0.5), ("HFC125", 0.4))},
    )
    with pytest.raises(GWPError, match="sum to"):
        broken.check_invariants()


def test_invariants_reject_a_negative_gwp():
    broken = GWPSet(name="AR5", source="test", values={"CO2": 1.0, "SF6": -1.0})
    with pytest.raises(GWPError, match="SF6"):
        broken.check_invariants()


def test_sets_are_immutable():
    with pytest.raises(TypeError):
        gwp_set("AR5").values["CH4"] = 1.0  # type: ignore[index]


@given(data=st.data(), set_name=st.sampled_from(GWP_SET_NAMES))
def test_every_gas_in_a_set_has_a_non_negative_gwp_and_components_summing_to_one(data, set_name):
    gwps = gwp_set(set_name)
    gas = data.draw(st.sampled_from(gwps.gases()))
    assert gwps.gwp(gas) >= 0
    parts = gwps.components(gas)
    assert math.fsum(f for _, f in parts) == pytest.approx(1.0, abs=1e-12)
    assert gwps.gwp(gas) == pytest.approx(math.fsum(f * gwps.gwp(c) for c, f in parts))
