"""On PostgreSQL the database itself refuses to change or delete audit entries.

The model refuses too, but raw SQL, a bulk path or another program would not
ask it. TRUNCATE stays possible for test databases and deliberate resets.
SQLite gets no trigger: its test flush deletes rows one table at a time.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

CREATE = """
CREATE FUNCTION tenancy_auditentry_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit entries are append-only: % is refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER tenancy_auditentry_append_only
    BEFORE UPDATE OR DELETE ON tenancy_auditentry
    FOR EACH ROW EXECUTE FUNCTION tenancy_auditentry_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS tenancy_auditentry_append_only ON tenancy_auditentry;
DROP FUNCTION IF EXISTS tenancy_auditentry_append_only();
"""


def _on_postgresql(sql: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)  # the SQL holds a literal %

    return run


class Migration(migrations.Migration):
    dependencies = [("tenancy", "0001_initial")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
