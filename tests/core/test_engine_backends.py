"""The footprint engine gives the same figures on DuckDB, SQLite, PostgreSQL and Spark.

DESIGN.md §2: the engine is written once as Ibis expressions, and the same
expression gives the same numbers on every backend. These tests run the same
inputs (the bundled example under every boundary approach with its
instruments, and a generated inventory of a few thousand rows) on each
backend and compare every figure of the result, its flags and its lines with
the DuckDB result: figures to a relative 1e-9 (sums may be added up in another
order), everything else exactly.

Spark runs on a standalone cluster started once for the test session
(tests/conftest.py `spark`), with spark.driver.maxResultSize at its minimum;
PostgreSQL needs NEUTRA_TEST_POSTGRES_URL, Spark needs Java.
"""

from __future__ import annotations

import csv
import math
import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import ibis
import pytest
from ibis.common.exceptions import TableNotFound

from neutra.core.activities import ActivityData
from neutra.core.boundary import Approach, Boundary
from neutra.core.engine import Footprint, FootprintOptions, compute_footprint
from neutra.core.engine.backends import load_into
from neutra.core.factors import FactorSet
from neutra.core.gwp import gwp_set
from neutra.core.scope2 import Instrument
from neutra.formats.activity_files import read_activities
from neutra.formats.entity_file import read_entities
from neutra.formats.factor_csv import read_factor_csv
from neutra.formats.instrument_file import read_instruments
from neutra.formats.starter import starter_library
from tests.conftest import ROOT, need

EXAMPLE = ROOT / "src" / "neutra" / "data" / "examples" / "acme"
REL_TOL = 1e-9
ABS_TOL = 1e-12  # t CO2e: a microgram, for figures that cancel out to zero
BACKENDS = ("duckdb", "sqlite", "postgres", "spark")


# -- inputs --------------------------------------------------------------------------------


class Inputs:
    """Everything `compute_footprint` needs, read the way the CLI reads it."""

    def __init__(
        self,
        activity_paths: list[Path],
        factor_paths: list[Path] | None,
        entities: Path,
        instruments: Path,
    ) -> None:
        self.activity_paths = activity_paths
        self.data: ActivityData = read_activities(activity_paths)
        # None: the starter library shipped with Neutra, as a footprint without --factors uses.
        self.factor_sets: list[FactorSet] = (
            list(starter_library())
            if factor_paths is None
            else [read_factor_csv(p) for p in factor_paths]
        )
        self.boundary: Boundary = read_entities(entities)
        self.instruments: tuple[Instrument, ...] = read_instruments(instruments)

    def footprint(self, data: ActivityData, approach: Approach, backend: Any = None) -> Footprint:
        return compute_footprint(
            data,
            self.factor_sets,
            gwp_set("AR5"),
            boundary=self.boundary,
            instruments=self.instruments,
            options=FootprintOptions(approach=approach, lines=True),
            backend=backend,
        )


@pytest.fixture(scope="module")
def example() -> Inputs:
    return Inputs(
        [EXAMPLE / "activities.csv"],
        None,
        EXAMPLE / "entities.csv",
        EXAMPLE / "instruments.csv",
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    folder = tmp_path_factory.mktemp("generated")
    return Inputs(
        [_write(folder / "activities.csv", _generated_activities(rows=3000))],
        [_write(folder / "gen.csv", GENERATED_FACTORS)],
        _write(folder / "entities.csv", GENERATED_ENTITIES),
        _write(folder / "instruments.csv", GENERATED_INSTRUMENTS),
    )


def _write(path: Path, rows: list[list[Any]]) -> Path:
    width = len(rows[0])
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(row + [""] * (width - len(row)) for row in rows)
    return path


GENERATED_FACTORS: list[list[Any]] = [
    [
        "factor_id",
        "activity",
        "gas",
        "value",
        "unit",
        "gwp_set",
        "region",
        "year",
        "scope",
        "category",
        "biogenic",
        "basis",
        "source",
    ],
    # Natural gas: CO2e, anywhere, 2023 and 2024 (2025 rows fall back to 2024).
    ["GAS-2023", "fuel.natural_gas", "CO2e", "0.18316", "kg/kWh", "AR5", "", "2023", "1"],
    ["GAS-2024", "fuel.natural_gas", "CO2e", "0.18290", "kg/kWh", "AR5", "", "2024", "1"],
    # Diesel per gas: GB exact, EUROPE for DE and FR (region fallback through EU27).
    ["DSL-GB-2024", "fuel.diesel", "CO2", "2.51279", "kg/L", "", "GB", "2024", "1"],
    ["DSL-GB-2024", "fuel.diesel", "CH4", "0.10", "g/L", "", "GB", "2024", "1"],
    ["DSL-GB-2024", "fuel.diesel", "N2O", "0.052", "g/L", "", "GB", "2024", "1"],
    ["DSL-EU-2023", "fuel.diesel", "CO2", "2.6400", "kg/L", "", "EUROPE", "2023", "1"],
    ["DSL-EU-2023", "fuel.diesel", "CH4", "0.12", "g/L", "", "EUROPE", "2023", "1"],
    ["DSL-EU-2023", "fuel.diesel", "N2O", "0.061", "g/L", "", "EUROPE", "2023", "1"],
    ["DSL-WORLD", "fuel.diesel", "CO2e", "2.70", "kg/L", "AR5", "", "", "1"],
    # A refrigerant blend: split into HFC-32 and HFC-125 by the GWP set.
    ["R410A", "refrigerant.r410a", "R410A", "1", "kg/kg", "", "", "", "1"],
    # Wood pellets: a small CO2e figure and biogenic CO2 (memo).
    ["PELLETS", "fuel.wood_pellets", "CO2e", "55.19389", "kg/t", "AR5", "", "2024", "1"],
    ["PELLETS", "fuel.wood_pellets", "CO2", "1677.18", "kg/t", "AR5", "", "2024", "1", "", "true"],
    # Grid electricity: a subregion per gas, countries in CO2e, residual mixes.
    ["GRID-CAMX-2024", "electricity.grid", "CO2", "198.063", "kg/MWh", "", "US-CAMX", "2024", "2"],
    ["GRID-CAMX-2024", "electricity.grid", "CH4", "11.3398", "g/MWh", "", "US-CAMX", "2024", "2"],
    ["GRID-CAMX-2024", "electricity.grid", "N2O", "1.36078", "g/MWh", "", "US-CAMX", "2024", "2"],
    ["GRID-US-2024", "electricity.grid", "CO2e", "0.3712", "kg/kWh", "AR5", "US", "2024", "2"],
    ["GRID-GB-2023", "electricity.grid", "CO2e", "0.20705", "kg/kWh", "AR5", "GB", "2023", "2"],
    ["GRID-DE-2024", "electricity.grid", "CO2e", "0.3812", "kg/kWh", "AR5", "DE", "2024", "2"],
    ["GRID-FR-2024", "electricity.grid", "CO2e", "0.0561", "kg/kWh", "AR5", "FR", "2024", "2"],
    *[
        [
            "RES-CAMX-2024",
            "electricity.grid",
            gas,
            value,
            unit,
            "",
            "US-CAMX",
            "2024",
            "2",
            "",
            "",
            "residual_mix",
        ]
        for gas, value, unit in (
            ("CO2", "228.1687", "kg/MWh"),
            ("CH4", "13.7605", "g/MWh"),
            ("N2O", "1.83473", "g/MWh"),
        )
    ],
    [
        "RES-DE-2024",
        "electricity.grid",
        "CO2e",
        "0.6721",
        "kg/kWh",
        "AR5",
        "DE",
        "2024",
        "2",
        "",
        "",
        "residual_mix",
    ],
    # Scope 3: spend (category 1), hotel nights (category 6).
    ["SPEND-IT", "spend.it_services", "CO2e", "0.084", "kg/USD", "AR5", "US", "2022", "3", "1"],
    ["HOTEL", "hotel.night", "CO2e", "10.4", "kg/night", "AR5", "", "", "3", "6"],
]

GENERATED_ENTITIES: list[list[Any]] = [
    ["entity", "parent", "equity_share", "financial_control", "operational_control"],
    ["Group", "", "1", "full", "full"],
    ["UK", "Group", "1", "full", "full"],
    ["Germany", "Group", "0.8", "full", "full"],
    ["France", "Germany", "0.6", "full", "none"],
    ["US", "Group", "0.9", "full", "full"],
    ["JV", "UK", "0.5", "joint", "none"],
]

GENERATED_INSTRUMENTS: list[list[Any]] = [
    [
        "instrument_id",
        "type",
        "entity",
        "region",
        "year",
        "quantity",
        "unit",
        "value",
        "value_unit",
        "gas",
        "tracking_id",
        "cancelled_for",
        "vintage",
        "market",
    ],
    [
        "REC-1",
        "certificate",
        "US",
        "US-CAMX",
        "2025",
        "900",
        "MWh",
        "0",
        "kg/kWh",
        "CO2e",
        "WREGIS-1",
        "US",
        "2025",
        "US",
    ],
    [
        "PPA-1",
        "contract",
        "Germany",
        "DE",
        "2025",
        "1200",
        "MWh",
        "0.012",
        "kg/kWh",
        "CO2e",
        "EECS-7",
        "Germany",
        "2025",
        "DE",
    ],
    ["SUP-1", "supplier_rate", "UK", "GB", "2025", "500000", "kWh", "0.154", "kg/kWh", "CO2e"],
    [
        "GO-OLD",
        "certificate",
        "France",
        "FR",
        "2025",
        "100",
        "MWh",
        "0",
        "kg/kWh",
        "CO2e",
        "EECS-9",
        "France",
        "2019",
        "FR",
    ],
]

# (entity, region) pairs the generated rows come from, with their grid region.
_SITES = (
    ("UK", "GB"),
    ("JV", "GB"),
    ("Germany", "DE"),
    ("France", "FR"),
    ("US", "US-CAMX"),
    ("US", "US"),
)


def _generated_activities(*, rows: int) -> list[list[Any]]:
    """A deterministic inventory exercising every path of factor selection."""
    rng = random.Random(20251126)
    header = ["id", "entity", "year", "activity", "factor", "quantity", "unit", "region"]
    header += ["scope", "category", "description", "cost_centre"]
    out: list[list[Any]] = [header]
    for n in range(rows):
        entity, region = rng.choice(_SITES)
        year = rng.choice((2024, 2025, 2025))
        quantity = round(rng.uniform(1, 50_000), 3)
        if rng.random() < 0.06:
            quantity = -round(quantity / 10, 3)  # a correction
        scope: Any = ""
        category: Any = ""
        factor = ""
        kind = rng.randrange(10)
        if kind == 0:
            activity, unit = "fuel.natural_gas", rng.choice(("kWh", "therm"))
        elif kind == 1:
            activity, unit = "fuel.diesel", rng.choice(("L", "gal"))
            if rng.random() < 0.3:  # employees' own cars: scope 3 category 6
                scope, category = 3, 6
        elif kind == 2:
            activity, unit, factor = "", "L", rng.choice(("gen:DSL-GB-2024", "DSL-WORLD"))
        elif kind == 3:
            activity, unit = "refrigerant.r410a", "kg"
            quantity = round(rng.uniform(0.1, 12), 3)
        elif kind == 4:
            activity, unit = "fuel.wood_pellets", rng.choice(("t", "kg"))
        elif kind in (5, 6):
            activity, unit = "electricity.grid", rng.choice(("kWh", "MWh"))
            if unit == "MWh":
                quantity = round(quantity / 1000, 6)
        elif kind == 7:
            activity, unit, region = "spend.it_services", "USD", "US"
        elif kind == 8:
            activity, unit, region, factor = "", "night", "", "gen:HOTEL"
            quantity = float(rng.randrange(1, 30))
        else:
            activity, unit = "hotel.night", "night"
        out.append(
            [
                f"G{n + 1}",
                entity,
                year,
                activity,
                factor,
                repr(quantity),
                unit,
                region,
                scope,
                category,
                f"generated row {n + 1}",
                rng.choice(("ops", "sales", "")),
            ]
        )
    return out


# -- backends ------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """A connection to one backend, shared by the module's tests (Spark starts once)."""
    name = request.param
    if name == "duckdb":
        con = ibis.duckdb.connect()
    elif name == "sqlite":
        con = ibis.sqlite.connect()
    elif name == "postgres":
        url = os.environ.get("NEUTRA_TEST_POSTGRES_URL", "")
        need(bool(url), "NEUTRA_TEST_POSTGRES_URL is not set (no PostgreSQL to test on)")
        con = _postgres(url)
    else:
        # The session's standalone cluster (tests/conftest.py), shared with the other Spark tests.
        con = request.getfixturevalue("spark")
    try:
        yield con
    finally:
        if name != "spark":
            con.disconnect()


def _postgres(url: str) -> Any:
    parts = urlsplit(url)
    return ibis.postgres.connect(
        host=parts.hostname or "localhost",
        port=parts.port or 5432,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        database=parts.path.lstrip("/"),
    )


@pytest.fixture
def upload(backend: Any) -> Iterator[Any]:
    """Upload activities into `backend`; the tables are dropped when the test ends."""
    names: list[str] = []

    def load(data: ActivityData) -> ActivityData:
        loaded = load_into(backend, data)
        names.append(loaded.table.get_name())
        return loaded

    yield load
    kind = "VIEW" if backend.name == "pyspark" else "TABLE"
    for name in names:
        # Raw SQL: Ibis 12's drop_table renders its DROP without the name under sqlglot 30.
        result = backend.raw_sql(f"DROP {kind} IF EXISTS {name}")
        if backend.name in ("sqlite", "postgres"):  # a cursor (DuckDB's is its connection)
            result.close()
        with pytest.raises(TableNotFound):
            backend.table(name)


# -- comparison ----------------------------------------------------------------------------


def assert_same_footprint(expected: Footprint, actual: Footprint) -> None:
    """Every figure within REL_TOL, the flags and everything else that is not a figure equal."""
    want, got = expected.as_json(), actual.as_json()
    for part in ("totals", "scope3_categories", "by_gas", "biogenic_co2_t", "by_entity"):
        _assert_close(want[part], got[part], part)
    assert got["flags"] == want["flags"]
    assert list(actual.flags) == list(expected.flags)  # with the file of each row, too
    assert len(actual.flags) == len(list(actual.flags))  # the counts match the rows
    assert expected.lines is not None
    assert actual.lines is not None
    assert actual.lines.column_names == expected.lines.column_names
    assert actual.lines.num_rows == expected.lines.num_rows
    for i, (w, g) in enumerate(
        zip(expected.lines.to_pylist(), actual.lines.to_pylist(), strict=True)
    ):
        _assert_close(w, g, f"lines[{i}] (row {w['row']} of {w['file']})")


def _assert_close(want: Any, got: Any, where: str) -> None:
    if isinstance(want, dict):
        assert isinstance(got, dict), where
        assert list(got) == list(want), where
        for key in want:
            _assert_close(want[key], got[key], f"{where}.{key}")
    elif isinstance(want, float) and not isinstance(got, bool):
        assert isinstance(got, float | int), f"{where}: {got!r}"
        assert math.isclose(got, want, rel_tol=REL_TOL, abs_tol=ABS_TOL), (
            f"{where}: {got!r} != {want!r}"
        )
    else:
        assert got == want, f"{where}: {got!r} != {want!r}"


@pytest.fixture(scope="module")
def example_on_duckdb(example: Inputs) -> dict[Approach, Footprint]:
    return {a: example.footprint(example.data, a) for a in Approach}


@pytest.fixture(scope="module")
def generated_on_duckdb(generated: Inputs) -> Footprint:
    return generated.footprint(generated.data, Approach.EQUITY)


# -- tests ---------------------------------------------------------------------------------


def test_the_example_has_the_same_footprint_on_every_backend_under_every_approach(
    backend: Any, upload: Any, example: Inputs, example_on_duckdb: dict[Approach, Footprint]
) -> None:
    data = upload(example.data)
    for approach in Approach:
        footprint = example.footprint(data, approach, backend)
        assert_same_footprint(example_on_duckdb[approach], footprint)


def test_a_generated_inventory_has_the_same_footprint_on_every_backend(
    backend: Any, upload: Any, generated: Inputs, generated_on_duckdb: Footprint
) -> None:
    data = upload(generated.data)
    footprint = generated.footprint(data, Approach.EQUITY, backend)
    assert_same_footprint(generated_on_duckdb, footprint)


def test_the_generated_inventory_exercises_every_path_it_claims_to(
    generated: Inputs, generated_on_duckdb: Footprint
) -> None:
    footprint = generated_on_duckdb
    assert footprint.lines is not None
    assert footprint.lines.num_rows == 3000
    flags = {f.flag for f in footprint.flags}
    assert {"region_fallback", "year_fallback", "negative_quantity"} <= flags
    assert "residual_mix_missing" in flags  # GB, FR and US have no residual mix
    assert {"CO2", "CH4", "N2O", "CO2e", "HFC32", "HFC125"} <= set(footprint.by_gas)
    assert footprint.biogenic_co2_t > 0
    assert set(footprint.by_entity) == {"UK", "JV", "Germany", "France", "US"}
    factors = set(footprint.lines.column("factor").to_pylist())
    assert {"gen:DSL-GB-2024", "gen:DSL-WORLD", "gen:HOTEL", "gen:DSL-EU-2023"} <= factors
    assert {"gen:GRID-CAMX-2024", "gen:GRID-US-2024", "gen:GRID-GB-2023"} <= factors
    totals = footprint.totals
    assert totals["scope2_market"] != pytest.approx(totals["scope2_location"])
    assert footprint.scope3_categories["1"] > 0
    assert footprint.scope3_categories["6"] > 0


def test_duckdb_gives_the_same_hash_for_the_same_inputs(generated: Inputs) -> None:
    first = generated.footprint(read_activities(generated.activity_paths), Approach.EQUITY)
    second = generated.footprint(read_activities(generated.activity_paths), Approach.EQUITY)
    assert first.provenance["hash"] == second.provenance["hash"]
    assert first.as_json() == second.as_json()
