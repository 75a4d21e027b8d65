"""`neutra footprint --engine spark`: the same document as on DuckDB, from files or a catalog table.

Runs on the session's standalone cluster (tests/conftest.py `spark`): the
command's own session is that one (Spark keeps one per process).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.cli_run import neutra
from tests.conftest import ROOT

EXAMPLE = ROOT / "src" / "neutra" / "data" / "examples" / "acme"
ARGS = [
    "--entities",
    str(EXAMPLE / "entities.csv"),
    "--instruments",
    str(EXAMPLE / "instruments.csv"),
    "--format",
    "json",
]


def test_the_example_on_spark_prints_the_same_document_and_hash_as_on_duckdb(
    spark: Any, tmp_path: Path
) -> None:
    files = [str(EXAMPLE / "activities.csv")]
    on_duckdb = neutra("footprint", *files, *ARGS, home=tmp_path)
    on_spark = neutra("footprint", *files, *ARGS, "--engine", "spark", home=tmp_path)
    assert on_duckdb.returncode == 0, on_duckdb.stderr
    assert on_spark.returncode == 0, on_spark.stderr
    assert json.loads(on_spark.stdout) == json.loads(on_duckdb.stdout)


def test_a_catalog_table_is_read_with_dash_dash_table(spark: Any, tmp_path: Path) -> None:
    session = spark._session
    session.sql("CREATE DATABASE IF NOT EXISTS neutra_cli")
    frame = session.read.option("header", "true").csv(str(EXAMPLE / "activities.csv"))
    frame.write.mode("overwrite").format("parquet").saveAsTable("neutra_cli.activities")
    try:
        done = neutra(
            "footprint", "--table", "neutra_cli.activities", "--engine", "spark", *ARGS,
            home=tmp_path,
        )  # fmt: skip
        on_duckdb = neutra("footprint", str(EXAMPLE / "activities.csv"), *ARGS, home=tmp_path)
    finally:
        session.sql("DROP TABLE IF EXISTS neutra_cli.activities")
    assert done.returncode == 0, done.stderr
    document, expected = json.loads(done.stdout), json.loads(on_duckdb.stdout)
    assert document["totals"] == expected["totals"]
    assert document["by_entity"] == expected["by_entity"]
    assert [f["row"] for f in document["flags"]] == [f["row"] for f in expected["flags"]]
    assert list(document["provenance"]["inputs"]) == [
        "neutra_cli.activities",
        str(EXAMPLE / "entities.csv"),
        str(EXAMPLE / "instruments.csv"),
    ]


def test_a_table_without_spark_is_refused_before_anything_is_read(tmp_path: Path) -> None:
    done = neutra("footprint", "--table", "db.activities", "--format", "json", home=tmp_path)
    assert done.returncode == 2
    assert json.loads(done.stdout)["problems"] == [
        {
            "file": "--table",
            "row": None,
            "column": None,
            "value": "db.activities",
            "reason": "a catalog table needs --engine spark",
        }
    ]
