"""The activity taxonomy: keys, the map to publisher factors, tagging and search."""

from __future__ import annotations

import pytest

from neutra.core.factors import Factor, FactorSet, GasAmount, Scope
from neutra.core.taxonomy import activity_types, search_activities, tag_factor_set
from neutra.core.units import parse_unit


def test_every_key_has_a_unit_neutra_understands_and_a_valid_scope_and_category():
    for activity in activity_types().values():
        parse_unit(activity.unit)
        assert activity.scope in (1, 2, 3), activity.key
        assert activity.category is None or (activity.scope == 3 and 1 <= activity.category <= 15)


def test_search_finds_keys_by_words():
    assert [a.key for a in search_activities("natural gas kwh")] == ["fuel.natural_gas"]
    assert "travel.air.long_haul.economy" in [a.key for a in search_activities("long haul flight")]
    assert search_activities("no such thing at all") == []


def _factor(factor_id: str, region: str | None = None) -> Factor:
    return Factor(
        factor_id, "kWh", (GasAmount("CO2e", 0.0002),), gwp_set="AR5", scope=Scope.S1, region=region
    )


def test_tagging_names_the_activity_and_region_of_mapped_factors_only():
    imported = FactorSet(
        "desnz-2025", (_factor("1_100_1004_6"), _factor("7_400_4000_5"), _factor("x"))
    )
    tagged = {f.factor_id: f for f in tag_factor_set(imported, "desnz").factors}
    assert tagged["1_100_1004_6"].activity == "fuel.natural_gas"
    assert tagged["7_400_4000_5"].activity == "electricity.grid"
    assert tagged["7_400_4000_5"].region == "GB"
    assert tagged["x"].activity is None
    # Tagging changes what the set says, so it is another version; the figures are the same.
    assert tag_factor_set(imported, "desnz").version != imported.version
    assert [f.gases for f in tagged.values()] == [f.gases for f in imported.factors]


def test_spend_factors_serve_their_naics_key_and_only_the_default_variant_does():
    imported = FactorSet("useeio-1.3", (_factor("484121"), _factor("484121-wo-margins")))
    tagged = {f.factor_id: f.activity for f in tag_factor_set(imported, "useeio").factors}
    assert tagged == {"484121": "spend.naics.484121", "484121-wo-margins": None}


@pytest.mark.parametrize("publisher", ["epa-hub", "grid"])
def test_a_publisher_without_map_rows_is_left_as_it_is(publisher):
    imported = FactorSet("x", (_factor("1_100_1004_6"),))
    assert tag_factor_set(imported, publisher).factors == imported.factors
