"""Regions: known codes and the fallback chain the engine walks for factors."""

from __future__ import annotations

import pytest

from neutra.core.regions import (
    country_codes,
    fallback_chain,
    is_country,
    is_known_region,
    region_codes,
)


def test_every_iso_3166_alpha_2_code_is_known():
    assert len(country_codes()) == 249
    assert {"DE", "US", "GB", "FR", "CN", "IN", "BR", "ZA", "AU", "AQ"} <= country_codes()


def test_a_subregion_falls_back_to_its_country_then_its_region_then_the_world():
    assert fallback_chain("US-CAMX") == ("US-CAMX", "US", "NORTH_AMERICA", "WORLD")


def test_an_eu_member_falls_back_through_eu27_and_europe():
    assert fallback_chain("DE") == ("DE", "EU27", "EUROPE", "WORLD")


def test_the_united_kingdom_is_in_europe_but_not_in_eu27():
    assert fallback_chain("GB") == ("GB", "EUROPE", "WORLD")


def test_the_world_and_no_region_both_mean_the_world():
    assert fallback_chain("WORLD") == ("WORLD",)
    assert fallback_chain(None) == ("WORLD",)


def test_a_chain_is_read_case_blind():
    assert fallback_chain("gb-sct") == ("GB-SCT", "GB", "EUROPE", "WORLD")


def test_an_unknown_region_has_no_chain_rather_than_the_world():
    with pytest.raises(ValueError, match="unknown region"):
        fallback_chain("XX")


def test_eu27_has_exactly_twenty_seven_members():
    members = [code for code in country_codes() if "EU27" in fallback_chain(code)]
    assert len(members) == 27


def test_every_fallback_chain_ends_at_the_world():
    for code in country_codes() | region_codes():
        assert fallback_chain(code)[-1] == "WORLD"


@pytest.mark.parametrize(
    ("code", "known"),
    [
        ("DE", True),
        ("EU27", True),
        ("US-CAMX", True),
        ("GB-SCT", True),
        ("XX", False),
        ("XX-CAMX", False),
        ("US-", False),
        ("US-TOOLONGCODE1", False),
        ("", False),
        (None, False),
    ],
)
def test_known_regions_are_countries_their_subregions_and_aggregates(code, known):
    assert is_known_region(code) is known


def test_only_iso_codes_are_countries():
    assert is_country("DE")
    assert not is_country("EU27")
    assert not is_country("US-CAMX")
