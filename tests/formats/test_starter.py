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


def test_a_biofuel_blend_gives_the_same_scope_1_and_memo_from_the_starter_and_an_imported_edition(
    tmp_path,
):
    # GHG Protocol Corporate Standard ch. 4/9: biogenic CO2 is a memo outside the scopes. The
    # memo must not depend on the factor set: forecourt diesel's biogenic share (DESNZ
    # 99_604_1011_8, 0.14 kg/L in 2025) comes with the scope 1 factor in both.
    from neutra.core.engine import compute_footprint
    from neutra.core.gwp import gwp_set
    from neutra.formats.activity_files import read_activities

    activities = tmp_path / "diesel.csv"
    activities.write_text(
        "id,year,activity,quantity,unit,region\nvans,2025,fuel.diesel,1000,L,GB\n"
        "boiler,2025,fuel.wood_pellets,2,t,GB\n"
    )
    starter = {s.name: s for s in starter_library()}["desnz-2025"]
    imported = import_file("desnz", publisher_file(SETS[0][2])).factor_set
    results = [
        compute_footprint(read_activities([activities]), [factor_set], gwp_set("AR5"))
        for factor_set in (starter, imported)
    ]
    for result in results:
        assert result.biogenic_co2_t == pytest.approx((1000 * 0.14 + 2 * 1677.18) / 1000, rel=1e-12)
    assert results[0].totals == results[1].totals
    assert results[0].by_gas == results[1].by_gas
