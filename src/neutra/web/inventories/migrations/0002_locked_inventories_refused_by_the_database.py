"""The database itself refuses to change a locked inventory.

The model and the queryset refuse too, but raw SQL, a bulk path or another
program would not ask them. PostgreSQL refuses UPDATE and DELETE of a locked
row; SQLite refuses UPDATE only, because its test flush deletes rows one by
one (PostgreSQL's uses TRUNCATE, which fires no row trigger).
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

POSTGRESQL_CREATE = """
CREATE FUNCTION inventories_inventory_locked() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'inventory % is locked: % is refused', OLD.id, TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER inventories_inventory_locked
    BEFORE UPDATE OR DELETE ON inventories_inventory
    FOR EACH ROW WHEN (OLD.state = 'locked')
    EXECUTE FUNCTION inventories_inventory_locked();
"""
POSTGRESQL_DROP = """
DROP TRIGGER IF EXISTS inventories_inventory_locked ON inventories_inventory;
DROP FUNCTION IF EXISTS inventories_inventory_locked();
"""
SQLITE_CREATE = """
CREATE TRIGGER inventories_inventory_locked
    BEFORE UPDATE ON inventories_inventory
    FOR EACH ROW WHEN OLD.state = 'locked'
    BEGIN SELECT RAISE(ABORT, 'inventory is locked: UPDATE is refused'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS inventories_inventory_locked;"


def _run(postgresql: str, sqlite: str) -> Any:
    def run(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        if vendor == "postgresql":
            schema_editor.execute(postgresql, params=None)  # the SQL holds a literal %
        elif vendor == "sqlite":
            schema_editor.execute(sqlite, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("inventories", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run(POSTGRESQL_CREATE, SQLITE_CREATE), _run(POSTGRESQL_DROP, SQLITE_DROP)
        )
    ]
