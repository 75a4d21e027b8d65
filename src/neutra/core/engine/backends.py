"""Where the engine runs: DuckDB (default), the app database, or Spark.

The engine's expressions are the same on every backend; this module only
makes connections and moves validated activities into a backend's tables.
Spark runs on the cluster NEUTRA_SPARK_MASTER names (`local[*]` by default,
`spark://host:7077`, `yarn`, `k8s://...`: whatever `spark-submit --master` takes);
on Spark, activity files are read where they live by
`neutra.formats.spark_activities`, not moved here.

It must never change a figure: it moves data, nothing else.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import ibis
import ibis.expr.types as ir

from neutra.core.activities import ActivityData
from neutra.core.errors import NeutraError
from neutra.extras import Extra, require

__all__ = ["SparkResultTooLargeError", "SparkStartError", "load_into", "spark_backend"]

DEFAULT_SPARK_MASTER = "local[*]"


class SparkStartError(NeutraError, RuntimeError):
    """Spark could not start (no Java, or the cluster cannot be reached)."""


class SparkResultTooLargeError(NeutraError, RuntimeError):
    """A result is more than the Spark driver takes (spark.driver.maxResultSize)."""


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
    # The sums validation found are dropped: the backend scans its own rows (and the
    # engine-equivalence tests then compare its scan with DuckDB's grouped pass).
    return replace(data, table=table, sums=None)


def spark_backend(master: str | None = None, conf: Mapping[str, str] | None = None) -> Any:
    """A Spark session on `master` (default NEUTRA_SPARK_MASTER, else local[*]) as an Ibis backend.

    `conf` adds Spark settings (e.g. `spark.driver.maxResultSize`); the cluster's
    own `spark-defaults.conf` and SPARK_* variables apply as with `spark-submit`.
    """
    require(Extra.SPARK)
    from pyspark.sql import SparkSession

    master = master or os.environ.get("NEUTRA_SPARK_MASTER") or DEFAULT_SPARK_MASTER
    builder = (
        SparkSession.builder.master(master)
        .appName("neutra")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # The validated activities are cached once and read a few times: building an
        # uncompressed cache costs about a third less CPU (more memory; it spills to disk).
        .config("spark.sql.inMemoryColumnarStorage.compressed", "false")
    )
    if master.startswith("local"):
        # Local mode talks to itself only: bind to loopback, and keep the console for Neutra.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = (
            builder.config("spark.ui.enabled", "false")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "8")
        )
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as error:  # PySpark's own errors: no Java, an unreachable master
        raise SparkStartError(
            f"Spark could not start on {master!r}: {str(error).strip()[:300]} "
            "(Spark needs Java 17 or newer on the PATH or in JAVA_HOME, and a reachable "
            "master: see NEUTRA_SPARK_MASTER)",
            master=master,
        ) from None
    session.sparkContext.setLogLevel("ERROR")
    return _arrow_spark_backend().connect(session)


def _arrow_spark_backend() -> Any:
    """Ibis's Spark backend, registering in-memory tables from Arrow rather than pandas.

    Through pandas 3, a null string becomes the string 'NaN' and a null float
    becomes NaN in Spark: activities and the engine's small tables would differ
    from what every other backend sees.
    """
    from ibis.backends.pyspark import Backend
    from ibis.backends.sql.compilers.base import NULL
    from ibis.backends.sql.compilers.pyspark import PySparkCompiler

    if ibis.options.pyspark is None:  # registered by the first use of `ibis.pyspark`
        Backend.register_options()

    class SetCollectingCompiler(PySparkCompiler):  # type: ignore[misc]
        def visit_ArrayCollect(self, op: Any, *, arg: Any, **kwargs: Any) -> Any:
            """A distinct collect as Spark's COLLECT_SET: one hash set per task.

            Ibis writes COLLECT_LIST(DISTINCT x), which Spark plans by copying every
            row once per distinct aggregate of the query (an Expand) and grouping
            again: the validation's one pass, with its distinct units and regions,
            costs twice what its counts alone cost.
            """
            if kwargs["distinct"] and not kwargs["order_by"] and not kwargs["include_null"]:
                where = kwargs["where"]
                return self.f.collect_set(arg if where is None else self.if_(where, arg, NULL))
            return super().visit_ArrayCollect(op, arg=arg, **kwargs)

    class ArrowSparkBackend(Backend):  # type: ignore[misc]
        compiler = SetCollectingCompiler()

        def _register_in_memory_table(self, op: Any) -> None:
            frame = self._session.createDataFrame(op.data.to_pyarrow(op.schema))
            frame.createOrReplaceTempView(op.name)

        def create_table(self, name: str, /, obj: Any = None, **kwargs: Any) -> Any:
            """A temporary table is a cached view, materialised now on the executors.

            Ibis's Spark backend has no temporary tables; the validation stores its
            checked table once and reads it several times, like on the other backends.
            """
            if not kwargs.get("temp") or not isinstance(obj, ir.Table):
                return super().create_table(name, obj, **kwargs)
            from pyspark import StorageLevel

            self._run_pre_execute_hooks(obj)
            frame = self._session.sql(self.compile(obj)).persist(StorageLevel.MEMORY_AND_DISK)
            frame.count()  # materialise: later reads of the view do not redo the work
            frame.createOrReplaceTempView(name)
            return self.table(name)

        def to_pyarrow(self, expr: Any, /, **kwargs: Any) -> Any:
            """Results through Arrow, not pandas (whose nulls and NaN differ)."""
            if kwargs:
                return super().to_pyarrow(expr, **kwargs)
            from ibis.formats.pyarrow import PyArrowData

            table_expr = expr.as_table()
            self._run_pre_execute_hooks(table_expr)  # registers the expression's memtables
            try:
                arrow = self._session.sql(self.compile(table_expr)).toArrow()
            except Exception as error:  # Py4J's: Spark refused to send it all back
                if "maxResultSize" not in str(error):
                    raise
                cap = self._session.conf.get("spark.driver.maxResultSize", "1g")
                raise SparkResultTooLargeError(
                    "the rows asked for are more than the Spark driver takes "
                    f"(spark.driver.maxResultSize is {cap}): lines and flagged rows come back "
                    "to be written where Neutra runs; raise spark.driver.maxResultSize, or "
                    "ask for the figures alone (no lines, no JSON document)",
                    limit=cap,
                ) from None
            table = PyArrowData.convert_table(arrow, table_expr.schema())
            return expr.__pyarrow_result__(table)

    return ArrowSparkBackend()
