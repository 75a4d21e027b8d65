"""The optional parts of Neutra (the extras of pyproject.toml) and how to install them.

`python3 dev.py run` installs Neutra without them; Spark and the PostgreSQL
driver come with `python3 dev.py install spark postgres` (or `pip install
'neutra[spark,postgres]'`). `require` turns a missing one into a
`MissingExtraError` saying exactly that.

It must never import an optional package at import time.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from enum import StrEnum

from neutra.core.errors import NeutraError

__all__ = ["Extra", "MissingExtraError", "install_hint", "require"]


class Extra(StrEnum):
    """An extra of pyproject.toml's [project.optional-dependencies]."""

    SPARK = "spark"
    POSTGRES = "postgres"


@dataclass(frozen=True, slots=True)
class _Needs:
    modules: tuple[str, ...]  # any one of them importable means the extra is installed
    what: str  # what the user asked for that needs it, in their words


_NEEDS = {
    Extra.SPARK: _Needs(("pyspark",), "--engine spark needs PySpark"),
    Extra.POSTGRES: _Needs(
        ("psycopg", "psycopg2"),
        "DATABASE_URL names a PostgreSQL database, which needs the psycopg driver",
    ),
}


class MissingExtraError(NeutraError, ImportError):
    """Something the user asked for needs an extra that is not installed."""

    def __init__(self, extra: Extra) -> None:
        needs = _NEEDS[extra]
        super().__init__(
            f"{needs.what}, which is not installed: {install_hint(extra)}", extra=extra
        )


def install_hint(extra: Extra) -> str:
    return (
        f"install it with `python3 dev.py install {extra}` (in a clone of Neutra) "
        f"or `pip install 'neutra[{extra}]'`"
    )


def require(extra: Extra) -> None:
    """Raise `MissingExtraError` unless one of the extra's modules can be imported."""
    for module in _NEEDS[extra].modules:
        try:
            importlib.import_module(module)
        except ImportError:
            continue
        return
    raise MissingExtraError(extra)
