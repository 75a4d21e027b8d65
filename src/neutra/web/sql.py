"""Column names for the few statements the web writes by hand (bulk inserts, copies, progress).

Django names a field's column (a foreign key's is `<name>_id`); `db_column` asks
it, so that hand-written SQL never spells a column itself.
"""

from __future__ import annotations

from django.db import models

__all__ = ["db_column"]


def db_column(model: type[models.Model], name: str) -> str:
    """The database column of `model`'s concrete field `name` (unquoted)."""
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field), (model, name)
    assert field.column is not None, (model, name)
    return field.column
