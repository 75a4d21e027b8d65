"""The footprint engine where the activity rows live: an Ibis backend on Django's own connection.

`app_database()` lends Django's database connection (SQLite or PostgreSQL) to
Ibis for the length of one calculation, and `inventory_activities` turns one
inventory's `ActivityRow` table into the engine's `ActivityData`: an Ibis
expression over the table (filtered by inventory and upload), so the rows are
scanned in the database and never copied out of it.

Why Django's own connection rather than a second one: it sees what the task
sees (a second connection would not see rows of a transaction that is still
open, such as a test's), it needs no second set of credentials, and the
engine's small key tables are TEMP tables, which live and die with the
connection anyway.

On PostgreSQL the session's nested-loop joins are off while the engine runs
(`_no_nested_loops` says why) and back as they were after.

What Ibis leaves on the connection, knowingly: its SQLite functions (all
named `_ibis_*`, or math functions SQLite may lack), a psycopg dumper for
pandas' NaT, the session time zone UTC on PostgreSQL (Django's already is),
and, per temporary table, an exit hook that would drop it (harmless once
`_restore` has; a few hundred bytes per calculation in a long-lived worker).

It must never commit, roll back or close Django's connection (Ibis does each
of these on connections it owns: `_Lent` turns them into no-ops), never leave
its temporary tables or session settings behind, and never read another
inventory's rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import ibis
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection

from neutra.core.activities import CANONICAL_COLUMNS, ActivityData
from neutra.web.activities.models import ActivityRow, ActivityUpload
from neutra.web.sql import db_column

__all__ = ["app_database", "inventory_activities", "upload_sources"]

log = logging.getLogger(__name__)

# Canonical column -> the ActivityRow field that holds it (the model documents the mapping).
_FIELDS = {
    "_source": "source",
    "_row": "row",
    "id": "row_id",
    "entity": "entity",
    "year": "year",
    "activity": "activity",
    "factor": "factor",
    "quantity": "quantity",
    "unit": "unit",
    "region": "region",
    "scope": "scope",
    "category": "category",
    "description": "description",
}
assert tuple(_FIELDS) == tuple(CANONICAL_COLUMNS), "ActivityRow must carry every canonical column"


class _Lent:
    """Django's DB-API connection as lent to Ibis: every call but the ones that end it.

    Ibis's SQLite backend commits after creating its temporary tables and
    rolls back on an error; its PostgreSQL backend rolls back on an error.
    Either would end a transaction Django opened (a test's, or an `atomic`
    block) behind Django's back. Ibis's PostgreSQL backend otherwise works in
    `connection.transaction()` blocks, which psycopg turns into savepoints
    inside an open transaction, so they are left as they are.
    """

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def commit(self) -> None:
        """Django commits its own transactions."""

    def rollback(self) -> None:
        """Django rolls back its own transactions."""

    def close(self) -> None:
        """Django closes its own connection."""


@contextmanager
def app_database() -> Iterator[Any]:
    """An Ibis backend on Django's default connection, for one calculation.

    On leaving, the temporary tables Ibis made are dropped and the session is
    as Django left it (Ibis turns SQLite's LIKE case-sensitive; Django's
    `icontains` relies on it being case-blind).
    """
    connection.ensure_connection()
    lent = _Lent(connection.connection)
    before = _temp_tables()
    nestloop = None
    if connection.vendor == "sqlite":
        backend = ibis.sqlite.from_connection(lent)
    elif connection.vendor == "postgresql":
        # Ibis sets the session's time zone to UTC; Django's is UTC already (USE_TZ).
        backend = ibis.postgres.from_connection(lent)
        nestloop = _no_nested_loops()
    else:
        raise ImproperlyConfigured(
            f"the footprint engine runs on SQLite or PostgreSQL, not {connection.vendor}"
        )
    try:
        yield backend
    finally:
        _restore(before, nestloop)


def _no_nested_loops() -> str:
    """Turn PostgreSQL's nested-loop joins off for the engine; the setting it had.

    The engine joins the activity rows to small tables on several columns,
    some through COALESCE, which have no statistics: the planner then takes
    the join's result for a handful of rows and loops over the next small
    table once per row (20 s for 200,000 lines instead of 0.6 s). Every
    engine query is a scan of the rows against small tables, which hash joins
    serve best.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_nestloop')")
        (before,) = cursor.fetchone()
        cursor.execute("SELECT set_config('enable_nestloop', 'off', false)")
    return str(before)


def _temp_tables() -> set[str]:
    if connection.vendor == "sqlite":
        query = "SELECT name FROM sqlite_temp_master WHERE type = 'table'"
    elif connection.vendor == "postgresql":
        query = "SELECT relname FROM pg_class WHERE relnamespace = pg_my_temp_schema()"
    else:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(query)
        return {name for (name,) in cursor.fetchall()}


def _restore(before: set[str], nestloop: str | None = None) -> None:
    """Drop the temporary tables Ibis made; put SQLite's LIKE back to case-blind and
    PostgreSQL's nested loops back as they were."""
    try:
        made = sorted(_temp_tables() - before)
        with connection.cursor() as cursor:
            for name in made:
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(name)}")
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA case_sensitive_like = OFF")
            if nestloop is not None:
                cursor.execute("SELECT set_config('enable_nestloop', %s, false)", [nestloop])
    except DatabaseError:
        # A failed transaction refuses even this; the tables go with the connection.
        log.warning("could not drop the engine's temporary tables", exc_info=True)


def upload_sources(uploads: Sequence[ActivityUpload]) -> dict[str, str]:
    """File label -> content hash of each upload, for the provenance, in upload order.

    Two uploads with one file name keep both hashes: the later one is labelled
    with its upload id (its rows still name the file as the user did).
    """
    sources: dict[str, str] = {}
    for upload in uploads:
        label = upload.file_name
        if label in sources:
            label = f"{upload.file_name} (upload {upload.pk})"
        sources[label] = upload.sha256
    return sources


def inventory_activities(
    backend: Any, *, inventory_id: int, uploads: Sequence[ActivityUpload]
) -> ActivityData:
    """The activity rows of `uploads` of one inventory as the engine's validated table.

    The rows were validated when they were uploaded; here they are only
    renamed and cast to `CANONICAL_COLUMNS`. Only the given uploads are read,
    so an upload that arrives during the calculation is not half in it.
    """
    meta = ActivityRow._meta
    rows = backend.table(meta.db_table)
    inventory_column = db_column(ActivityRow, "inventory")
    upload_column = db_column(ActivityRow, "upload")
    mine = rows.filter(
        rows[inventory_column] == inventory_id,
        rows[upload_column].isin([upload.pk for upload in uploads]),
    )
    table = mine.select(
        **{
            name: mine[db_column(ActivityRow, field)].cast(CANONICAL_COLUMNS[name])
            for name, field in _FIELDS.items()
        }
    )
    return ActivityData(table=table, sources=upload_sources(uploads))
