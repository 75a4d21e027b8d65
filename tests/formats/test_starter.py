"""The starter library: shipped, cited, and exactly the publishers' figures."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from neutra.formats.factor_import import import_file
from neutra.formats.starter import starter_library
from tests.conftest import ROOT, publisher_file

sys.path.insert(0, str(ROOT / "tools"))
from build_starter_library import SETS, starter_factors


def test_every_starter_set_has_a_citation_a_licence_and_factors():
    for factor_set in starter_library():
        assert factor_set.source, factor_set.name
        assert factor_set.licence, factor_set.name
        assert len(factor_set) > 50, factor_set.name


def test_the_starter_library_covers_the_activities_of_a_typical_footprint():
    served = {(f.activity, f.region) for s in starter_library() for f in s.factors}
    for activity, region in [
        ("fuel.natural_gas", "GB"), ("fuel.diesel", "GB"), ("electricity.grid", "GB"),
        ("electricity.grid", "DE"), ("electricity.grid", "US-CAMX"), ("hotel.night", "GB"),
        ("travel.air.long_haul.economy", "GB"), ("travel.air.international.economy", None),
        ("freight.hgv.average_laden", "GB"), ("waste.commercial_industrial.landfill", "GB"),
        ("water.supply", "GB"), ("refrigerant.r410a", "GB"), ("spend.naics.541511", "US"),
    ]:  # fmt: skip
        assert (activity, region) in served, (activity, region)


@pytest.mark.parametrize(("name", "kind", "relative", "licence"), SETS, ids=[s[0] for s in SETS])
def test_the_shipped_figures_are_the_publishers_figures(name, kind, relative, licence):
    shipped = {s.name: s for s in starter_library()}[name]
    imported = import_file(kind, Path(publisher_file(relative))).factor_set
    expected = {f.factor_id: f for f in starter_factors(kind, imported)}
    assert {f.factor_id for f in shipped.factors} == set(expected)
    for factor in shipped.factors:
        # Every field, not only the figures: scope, category, GWP set, region, data year,
        # basis, source and description are the importer's too.
        assert factor.as_dict() == expected[factor.factor_id].as_dict(), factor.factor_id
