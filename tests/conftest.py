"""Test helpers shared by every test module.

Tests that need something outside Python (PostgreSQL, Java for Spark,
Chromium) call `need(...)`: it skips with the reason on
a developer machine without it, and fails under NEUTRA_REQUIRE_ALL=1 (CI),
where everything must run.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PUBLISHERS = ROOT / "tests" / "data" / "publishers"  # publisher files; see SOURCES.md there


def need(available: bool, reason: str) -> None:
    """Skip (or, in CI, fail) unless `available`."""
    if available:
        return
    if os.environ.get("NEUTRA_REQUIRE_ALL") == "1":
        pytest.fail(f"NEUTRA_REQUIRE_ALL=1 but {reason}")
    pytest.skip(reason)


def publisher_file(relative: str) -> Path:
    """A publisher file kept in tests/data/publishers (never skipped: it is in the repository)."""
    path = PUBLISHERS / relative
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not in tests/data/publishers (see SOURCES.md there)")
    return path


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Spark, as an Ibis backend, on a standalone cluster started for the test session.

    One master and one worker on loopback (tests/spark_cluster.py), with results to
    the driver capped at spark.driver.maxResultSize=1m: every Spark test runs where
    collecting the activity data would fail. One session for all (Spark allows one
    per process).
    """
    from tests.spark_cluster import cluster_conf, java_available, standalone_cluster

    need(java_available(), "Java is not installed (Spark needs it)")
    need(importlib.util.find_spec("pyspark") is not None, "PySpark is not installed")
    from neutra.core.engine.backends import spark_backend

    work = tmp_path_factory.mktemp("spark")
    with standalone_cluster(work) as master, pytest.MonkeyPatch.context() as patch:
        patch.setenv("SPARK_LOCAL_IP", "127.0.0.1")
        # Catalog tables are written under the warehouse: not in the checkout.
        conf = {**cluster_conf(), "spark.sql.warehouse.dir": str(work / "warehouse")}
        con = spark_backend(master, conf=conf)
        try:
            yield con
        finally:
            con._session.stop()
