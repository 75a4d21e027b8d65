"""On PostgreSQL the database itself refuses two open blocks of one serial space that overlap.

"Open" here means a current block that holds or cancelled units (not split,
not sold): a held unit and a cancelled one, or two held ones, can never share
a serial. The services refuse first; this is the last guard against a race
or a program that writes around them. SQLite has no exclusion constraints:
there, writes are serialised (transaction_mode IMMEDIATE) and the services
decide.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE credits_creditblock ADD CONSTRAINT credits_open_blocks_never_overlap
    EXCLUDE USING gist (
        consultancy_id WITH =,
        space_key WITH =,
        int8range(serial_start, serial_end, '[]') WITH &&
    ) WHERE (closed_by_id IS NULL AND state <> 'sold');
"""
DROP = (
    "ALTER TABLE credits_creditblock DROP CONSTRAINT IF EXISTS credits_open_blocks_never_overlap;"
)


def _on_postgresql(sql: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("credits", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
