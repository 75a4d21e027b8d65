"""Activity data read and validated by Spark, where it lives, gives what the DuckDB reader gives.

Every test runs on the session's standalone Spark cluster (tests/conftest.py
`spark`) with spark.driver.maxResultSize at its 1 MB minimum: the data is read
by Spark's readers on the executor, validated there, and only aggregates and
the first problems come back (a test proves that collecting the rows would fail).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from neutra.core.activities import ActivityData
from neutra.core.boundary import Approach
from neutra.core.engine import Footprint, FootprintOptions, compute_footprint
from neutra.core.engine.backends import SparkResultTooLargeError
from neutra.core.errors import InvalidInputError, Problem
from neutra.core.gwp import gwp_set
from neutra.formats.activity_files import read_activities
from neutra.formats.factor_csv import read_factor_csv
from neutra.formats.hashing import file_sha256
from neutra.formats.spark_activities import read_spark_activities
from tests.core.test_engine_backends import (
    GENERATED_ENTITIES,
    GENERATED_FACTORS,
    GENERATED_INSTRUMENTS,
    Inputs,
    _assert_close,
    _generated_activities,
    _write,
    assert_same_footprint,
)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Inputs:
    folder = tmp_path_factory.mktemp("lake")
    return Inputs(
        [_write(folder / "activities.csv", _generated_activities(rows=3000))],
        [_write(folder / "gen.csv", GENERATED_FACTORS)],
        _write(folder / "entities.csv", GENERATED_ENTITIES),
        _write(folder / "instruments.csv", GENERATED_INSTRUMENTS),
    )


@pytest.fixture(scope="module")
def on_duckdb(inputs: Inputs) -> Footprint:
    return inputs.footprint(inputs.data, Approach.EQUITY)


def _figures(inputs: Inputs, data: ActivityData, backend: Any = None) -> Footprint:
    """The footprint without lines: what comes back from the cluster is aggregates only."""
    return compute_footprint(
        data,
        inputs.factor_sets,
        gwp_set("AR5"),
        boundary=inputs.boundary,
        instruments=inputs.instruments,
        options=FootprintOptions(approach=Approach.EQUITY),
        backend=backend,
    )


def _summary_without_inputs(footprint: Footprint) -> dict[str, Any]:
    document = footprint.summary_json()
    del document["provenance"]
    return document


def _assert_same_figures(expected: Footprint, actual: Footprint) -> None:
    """Every figure and every flag count (the rows of another file layout may differ)."""
    want, got = _summary_without_inputs(expected), _summary_without_inputs(actual)
    assert got["flag_summary"] == want["flag_summary"]
    for part in ("totals", "scope3_categories", "by_gas", "biogenic_co2_t", "by_entity"):
        _assert_close(want[part], got[part], part)


def test_a_csv_file_read_by_spark_gives_the_same_footprint_lines_and_hash_as_duckdb(
    spark: Any, inputs: Inputs, on_duckdb: Footprint
) -> None:
    data = read_spark_activities(spark, [str(inputs.activity_paths[0])])
    footprint = inputs.footprint(data, Approach.EQUITY, spark)
    assert_same_footprint(on_duckdb, footprint)
    # The same content hash of the file (computed on the executor), so the same output hash.
    assert footprint.provenance["inputs"] == on_duckdb.provenance["inputs"]
    assert footprint.provenance["hash"] == on_duckdb.provenance["hash"]


def test_a_parquet_file_read_by_spark_gives_the_same_figures_flagged_rows_and_hash(
    spark: Any, inputs: Inputs, tmp_path: Path
) -> None:
    # Clean Parquet is validated in one pass and read again, where it lies, by the engine:
    # each flag still names the file and row DuckDB names.
    table = pacsv.read_csv(
        inputs.activity_paths[0],
        convert_options=pacsv.ConvertOptions(
            column_types={"quantity": pa.float64(), "year": pa.int64(), "scope": pa.int64()}
        ),
    )
    path = tmp_path / "activities.parquet"
    pq.write_table(table, path, row_group_size=700)  # several row groups: several tasks
    on_duckdb = _figures(inputs, read_activities([path]))
    on_spark = _figures(inputs, read_spark_activities(spark, [str(path)]), spark)
    _assert_same_figures(on_duckdb, on_spark)
    assert len(on_duckdb.flags) > 0
    assert list(on_spark.flags) == list(on_duckdb.flags)  # each with its file and row
    assert on_spark.provenance["inputs"] == on_duckdb.provenance["inputs"]
    assert on_spark.provenance["hash"] == on_duckdb.provenance["hash"]


def test_a_file_the_driver_cannot_read_is_hashed_on_the_executors_to_the_same_hash(
    spark: Any, inputs: Inputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As a file of s3a:// or hdfs:// would be: its bytes stay on the cluster.
    monkeypatch.setattr("neutra.formats.spark_activities._local_path", lambda file: None)
    path = inputs.activity_paths[0]
    data = read_spark_activities(spark, [str(path)])
    assert data.sources == inputs.data.sources == {str(path): file_sha256(path)}


@pytest.mark.parametrize("located_by", ["expressions", "a join"])
def test_a_partitioned_parquet_directory_gives_the_same_figures_and_flags(
    spark: Any,
    inputs: Inputs,
    on_duckdb: Footprint,
    tmp_path: Path,
    located_by: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if located_by == "a join":
        # A directory of more files than are located by expressions on the file path.
        monkeypatch.setattr("neutra.formats.spark_activities._FILES_AS_CASES", 1)
    # The same rows as a Hive-style directory: entity=.../part-0.parquet, the entity
    # only in the directory names, and a _SUCCESS marker Spark's writers leave.
    table = pacsv.read_csv(
        inputs.activity_paths[0],
        convert_options=pacsv.ConvertOptions(
            column_types={"quantity": pa.float64(), "year": pa.int64(), "scope": pa.int64()}
        ),
    )
    lake = tmp_path / "lake"
    entities = table.column("entity").to_pylist()
    for entity in sorted(set(entities)):
        rows = table.filter(pa.array([e == entity for e in entities]))
        folder = lake / f"entity={entity}"
        folder.mkdir(parents=True)
        pq.write_table(rows.drop_columns(["entity"]), folder / "part-0.parquet")
    (lake / "_SUCCESS").write_text("")
    data = read_spark_activities(spark, [str(lake)])
    footprint = _figures(inputs, data, spark)
    _assert_same_figures(on_duckdb, footprint)
    # A directory's provenance is the SHA-256 of its manifest of file hashes.
    assert list(footprint.provenance["inputs"]) == [str(lake)]


def test_a_spark_catalog_table_gives_the_same_figures_and_flags(
    spark: Any, inputs: Inputs, on_duckdb: Footprint
) -> None:
    # The table exists only in Spark's catalog: Neutra reaches it through Spark alone.
    session = spark._session
    session.sql("CREATE DATABASE IF NOT EXISTS neutra_lake")
    frame = session.read.option("header", "true").csv(str(inputs.activity_paths[0]))
    frame.write.mode("overwrite").format("parquet").saveAsTable("neutra_lake.activities")
    try:
        data = read_spark_activities(spark, [], table="neutra_lake.activities")
        footprint = _figures(inputs, data, spark)
        _assert_same_figures(on_duckdb, footprint)
        assert list(footprint.provenance["inputs"]) == ["neutra_lake.activities"]
        assert len(footprint.provenance["inputs"]["neutra_lake.activities"]) == 64
    finally:
        session.sql("DROP TABLE IF EXISTS neutra_lake.activities")


def test_the_rows_stay_on_the_cluster_collecting_them_would_fail(
    spark: Any, tmp_path: Path
) -> None:
    path = _write(tmp_path / "big.csv", _generated_activities(rows=40_000))
    data = read_spark_activities(spark, [str(path)])
    with pytest.raises(Exception, match="maxResultSize"):
        spark.to_pyarrow(data.table)
    # ... while the footprint, aggregates only, comes back.
    inputs = Inputs(
        [path],
        [_write(tmp_path / "gen.csv", GENERATED_FACTORS)],
        _write(tmp_path / "entities.csv", GENERATED_ENTITIES),
        _write(tmp_path / "instruments.csv", GENERATED_INSTRUMENTS),
    )
    footprint = _figures(inputs, data, spark)
    expected = _figures(inputs, inputs.data)
    assert footprint.provenance["hash"] == expected.provenance["hash"]


def test_lines_more_than_the_driver_takes_are_a_clear_error_not_a_traceback(
    spark: Any, tmp_path: Path
) -> None:
    # Lines and flagged rows come back to be written: past spark.driver.maxResultSize
    # (1 MB here) Spark refuses them, and the user is told what to change.
    path = _write(tmp_path / "big.csv", _generated_activities(rows=40_000))
    data = read_spark_activities(spark, [str(path)])
    factors = [read_factor_csv(_write(tmp_path / "gen.csv", GENERATED_FACTORS))]
    with pytest.raises(SparkResultTooLargeError, match=r"spark.driver.maxResultSize is 1m"):
        compute_footprint(
            data, factors, gwp_set("AR5"), options=FootprintOptions(lines=True), backend=spark
        )
    footprint = compute_footprint(data, factors, gwp_set("AR5"), backend=spark)
    assert len(footprint.flags) > 10_000  # counted on the cluster ...
    with pytest.raises(SparkResultTooLargeError):
        footprint.read()  # ... but too many to bring back


# -- bad input: the same problems in the same words --------------------------------------

GOOD_HEADER = "id,entity,year,activity,quantity,unit,region\n"


def _bad_files(folder: Path) -> list[Path]:
    files = {
        "rows.csv": GOOD_HEADER
        + "A1,UK,2024,fuel.diesel,1 000,L,GB\n"  # thousands separator
        + "A2,UK,20x4,fuel.diesel,5,L,GB\n"  # year
        + "A3,UK,2024,fuel.diesel,5,parsecs per fortnight,GB\n"  # unit
        + "A4,UK,2024,fuel.diesel,5,L,XX-NOWHERE\n"  # region
        + "A1,UK,2024,fuel.diesel,5,L,GB\n"  # duplicate id
        + "A6,UK,2024,,5,L,GB\n"  # neither activity nor factor
        + "A7,UK,2024,fuel.diesel,,,GB\n",  # empty quantity and unit
        "ragged.csv": GOOD_HEADER
        + "B1,UK,2024,fuel.diesel,5,L,GB\n"
        + "B2,UK,2024,fuel.diesel,5,L,GB,extra\n"
        + '\nB3,UK,2024,fuel.diesel,"4\n5",L,GB\n'
        + "B4,UK,2024\n",
        "no_quantity.csv": "id,year,activity,unit\nC1,2024,fuel.diesel,L\n",
        "header_only.csv": GOOD_HEADER,
        "empty.csv": "",
        "notes.txt": "not activities\n",
    }
    paths = []
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(folder / name)
    latin1 = folder / "latin1.csv"
    latin1.write_bytes((GOOD_HEADER + "D1,Zürich,2024,fuel.diesel,5,L,CH\n").encode("latin-1"))
    paths.append(latin1)
    paths.append(folder / "missing.csv")
    return paths


def _problems(read: Any) -> tuple[list[Problem], int]:
    with pytest.raises(InvalidInputError) as caught:
        read()
    return list(caught.value.problems), caught.value.omitted


def test_bad_files_give_the_same_problems_in_the_same_words_on_duckdb_and_spark(
    spark: Any, tmp_path: Path
) -> None:
    paths = _bad_files(tmp_path)
    on_duckdb = _problems(lambda: read_activities(paths))
    on_spark = _problems(lambda: read_spark_activities(spark, [str(p) for p in paths]))
    assert on_spark == on_duckdb
    reasons = {p.reason for p in on_duckdb[0]}
    # The test is only as good as the mistakes it covers: each one is there.
    assert "the file does not exist" in reasons
    assert "the file is empty" in reasons
    assert "the file has a header but no data rows" in reasons
    assert "the file is not UTF-8 text: save it as 'CSV UTF-8'" in reasons
    assert "required column 'quantity' is missing" in reasons
    assert any(r.startswith("the line has 8 values but the header has 7") for r in reasons)
    assert any(r.startswith("unsupported file type") for r in reasons)
    assert any(r.startswith("duplicate id") for r in reasons)
    assert any(r.startswith("unknown region") for r in reasons)
    assert "year is not a whole number" in reasons


def test_a_unit_column_of_free_text_gives_the_same_problems_on_duckdb_and_spark(
    spark: Any, tmp_path: Path
) -> None:
    # Tens of thousands of distinct units (a column of notes read as units): their texts
    # would overrun the driver's 1 MB result cap in one result. Read a page at a time,
    # every row is named or counted, as on DuckDB.
    path = tmp_path / "notes_as_units.csv"
    lines = [f"2024,fuel.diesel,1,delivered to depot {i:06d} by road,GB" for i in range(40_000)]
    path.write_text("year,activity,quantity,unit,region\n" + "\n".join(lines) + "\n")
    on_duckdb = _problems(lambda: read_activities([path]))
    on_spark = _problems(lambda: read_spark_activities(spark, [str(path)]))
    assert on_spark == on_duckdb
    problems, omitted = on_duckdb
    assert len(problems) + omitted == 40_000
    assert (problems[0].row, problems[0].column) == (2, "unit")
    assert problems[0].reason == "cannot read unit 'delivered to depot 000000 by road'"


def _parquet_files(folder: Path) -> list[Path]:
    good = {
        "id": ["A1", "A2", "A3"],
        "entity": ["UK", "UK", "UK"],
        "year": [2024, 2024, 2024],
        "activity": ["fuel.diesel"] * 3,
        "quantity": [5.0, 6.0, 7.0],
        "unit": ["L"] * 3,
        "region": ["GB"] * 3,
    }
    bad = {
        "id": ["B1", "B2", "B3", "B4", "B1", "B6", "B7"],
        "entity": ["UK"] * 7,
        "year": [2024, 1800, 2024, 2024, 2024, 2024, 2024],  # row 3: out of range
        "activity": ["fuel.diesel"] * 7,
        # row 4: empty; rows 7 and 8: not numbers
        "quantity": [5.0, 6.0, None, 8.0, 9.0, float("nan"), float("-inf")],
        "unit": ["L"] * 7,
        # row 5: unknown; row 6: id again
        "region": ["GB", "GB", "GB", "XX-NOWHERE", "GB", "GB", "GB"],
    }
    paths = [folder / "a.parquet", folder / "b.parquet", folder / "c_empty.parquet"]
    pq.write_table(pa.table(good), paths[0])
    pq.write_table(pa.table(bad), paths[1])
    pq.write_table(pa.table(good).slice(0, 0), paths[2])
    return paths


def test_bad_parquet_files_give_the_same_problems_on_duckdb_and_spark_named_or_globbed(
    spark: Any, tmp_path: Path
) -> None:
    paths = _parquet_files(tmp_path)
    on_duckdb = _problems(lambda: read_activities(paths))
    named = _problems(lambda: read_spark_activities(spark, [str(p) for p in paths]))
    globbed = _problems(lambda: read_spark_activities(spark, [f"{tmp_path}/*.parquet"]))
    assert named == globbed == on_duckdb
    b, empty = str(paths[1]), str(paths[2])
    assert [(p.file, p.row, p.column) for p in on_duckdb[0]] == [
        (b, 3, "year"),
        (b, 4, "quantity"),
        (b, 5, "region"),
        (b, 6, "id"),
        (b, 7, "quantity"),
        (b, 8, "quantity"),
        (empty, None, None),
    ]
    assert [p.value for p in on_duckdb[0][4:6]] == ["nan", "-inf"]
    assert on_duckdb[0][-1].reason == "the file has a header but no data rows"


def test_a_parquet_duration_is_refused_on_spark_as_on_duckdb(spark: Any, tmp_path: Path) -> None:
    # Spark reads Arrow's durations as plain integers: 5 s would have been 5 L of diesel.
    good = {"entity": ["UK"], "year": [2024], "activity": ["fuel.diesel"], "unit": ["L"],
            "region": ["GB"]}  # fmt: skip
    pq.write_table(pa.table({**good, "quantity": [5.0]}), tmp_path / "a.parquet")
    timed = {**good, "quantity": pa.array([5], pa.duration("s"))}
    pq.write_table(pa.table({**timed, "Year": pa.array([7], pa.duration("ms"))}).drop(["year"]),
                   tmp_path / "b.parquet")  # fmt: skip
    paths = [tmp_path / "a.parquet", tmp_path / "b.parquet"]
    on_duckdb = _problems(lambda: read_activities(paths))
    named = _problems(lambda: read_spark_activities(spark, [str(p) for p in paths]))
    globbed = _problems(lambda: read_spark_activities(spark, [f"{tmp_path}/*.parquet"]))
    assert named == globbed == on_duckdb
    assert [(p.file, p.row, p.column, p.value, p.reason) for p in on_duckdb[0]] == [
        (str(paths[1]), 1, "quantity", "duration[s]", "holds durations: give plain numbers"),
        (str(paths[1]), 1, "year", "duration[ms]", "holds durations: give plain numbers"),
    ]


def test_a_glob_names_each_file_by_its_path_and_reads_only_what_matches(
    spark: Any, tmp_path: Path
) -> None:
    lake = tmp_path / "year 2025"  # a space: Spark's URIs encode it, the problems must not
    lake.mkdir()
    (lake / "a.csv").write_text(GOOD_HEADER + "A1,UK,2024,fuel.diesel,5,L,GB\n")
    (lake / "b.csv").write_text(GOOD_HEADER + "B1,UK,2024,fuel.diesel,five,L,GB\n")
    (lake / "c.txt").write_text("not matched\n")
    problems, _ = _problems(lambda: read_spark_activities(spark, [f"{lake}/*.csv"]))
    assert [(p.file, p.row, p.column, p.value) for p in problems] == [
        (f"{lake}/b.csv", 2, "quantity", "five")
    ]
    nothing, _ = _problems(lambda: read_spark_activities(spark, [f"{lake}/*.parquet"]))
    assert nothing == [
        Problem(f"{lake}/*.parquet", None, None, None, "no file matches this pattern")
    ]


def test_a_table_spark_does_not_know_is_a_problem_not_a_traceback(spark: Any) -> None:
    problems, _ = _problems(lambda: read_spark_activities(spark, [], table="nowhere.nothing"))
    assert problems == [
        Problem("nowhere.nothing", None, None, None, "no such table in Spark's catalog")
    ]


def test_validated_rows_read_by_spark_are_activity_data_for_the_engine(
    spark: Any, inputs: Inputs
) -> None:
    data = read_spark_activities(spark, [str(inputs.activity_paths[0])])
    assert isinstance(data, ActivityData)
    assert data.passthrough == inputs.data.passthrough == ("cost_centre",)
    assert data.table.columns == inputs.data.table.columns
    assert spark.to_pyarrow(data.table.count()).as_py() == 3000
