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
    # An expression, not the Arrow table itself: Ibis 12's SQLite `create_table`
    # from Arrow ends with a DROP that sqlglot 30 writes without the table name.
    rows = ibis.memtable(data.table.to_pyarrow())
    name = f"neutra_activities_{uuid.uuid4().hex[:12]}"
    if backend.name == "pyspark":
        # Spark's tables are written to disk (spark-warehouse/) and outlive the
        # session; a temporary view lives and dies with it, like the others' temp tables.
        table = backend.create_view(name, rows)
    else:
        table = backend.create_table(name, rows, temp=True)
    return replace(data, table=table)


def spark_backend(master: str | None = None) -> Any:
    """A local Spark session (local[*] by default) wrapped as an Ibis backend."""
    from pyspark.sql import SparkSession

    # Local mode talks to itself only: bind to loopback, and keep the console for Neutra.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master(master or os.environ.get("NEUTRA_SPARK_MASTER", "local[*]"))
        .appName("neutra")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return _arrow_spark_backend().connect(session)


def _arrow_spark_backend() -> Any:
    """Ibis's Spark backend, registering in-memory tables from Arrow rather than pandas.

    Through pandas 3, a null string becomes the string 'NaN' and a null float
    becomes NaN in Spark: activities and the engine's small tables would differ
    from what every other backend sees.
    """
    from ibis.backends.pyspark import Backend

    if ibis.options.pyspark is None:  # registered by the first use of `ibis.pyspark`
        Backend.register_options()

    class ArrowSparkBackend(Backend):  # type: ignore[misc]
        def _register_in_memory_table(self, op: Any) -> None:
            frame = self._session.createDataFrame(op.data.to_pyarrow(op.schema))
            frame.createOrReplaceTempView(op.name)

    return ArrowSparkBackend()
