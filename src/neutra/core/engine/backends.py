"""Where the engine runs: DuckDB (default), the app database, or Spark local mode.

The engine's expressions are the same on every backend; this module only
makes connections and moves validated activities into a backend's tables.

It must never change a figure: it moves data, nothing else.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import replace
from typing import Any

import ibis

from neutra.core.activities import ActivityData

__all__ = ["load_into", "spark_backend"]


def load_into(backend: Any, data: ActivityData) -> ActivityData:
    """The same activities, as a table of `backend` (one upload, then queries run there)."""
    arrow = data.table.to_pyarrow()
    name = f"neutra_activities_{uuid.uuid4().hex[:12]}"
    table = backend.create_table(name, arrow, temp=_supports_temp(backend))
    return replace(data, table=table)


def _supports_temp(backend: Any) -> bool:
    # Spark and SQLite keep temporary tables per connection, which is what we want;
    # Ibis's PostgreSQL backend does too.
    return backend.name in {"duckdb", "sqlite", "postgres"}


def spark_backend(master: str | None = None) -> Any:
    """A local Spark session (local[*] by default) wrapped as an Ibis backend."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(master or os.environ.get("NEUTRA_SPARK_MASTER", "local[*]"))
        .appName("neutra")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return ibis.pyspark.connect(session)
