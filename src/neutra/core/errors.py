"""The one error hierarchy of Neutra.

Every error is a `NeutraError` and also the nearest builtin, carries
structured fields, and survives pickling. Batch input errors carry every
problem found at once, each with its location; nothing is computed or written
from input that has problems.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input, and where it is."""

    file: str  # the file (or input name) the problem is in
    row: int | None  # spreadsheet-style row number: the header is row 1
    column: str | None  # the column name, if the problem is in one
    value: str | None  # the offending value as read (truncated for display)
    reason: str  # what is wrong, in words a user can act on

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        value = "" if self.value is None else f": value {self.value!r}"
        return f"{where}{value}: {self.reason}"


class NeutraError(Exception):
    """Base of every error Neutra raises on purpose."""

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.message, self.extra))

    def __str__(self) -> str:
        return self.message


def _rebuild(cls: type[NeutraError], message: str, extra: dict[str, Any]) -> NeutraError:
    error = cls.__new__(cls)
    NeutraError.__init__(error, message, **extra)
    for key, value in extra.items():
        setattr(error, key, value)
    return error


class InvalidInputError(NeutraError, ValueError):
    """Input with problems: every problem is listed, nothing was computed."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], message: str = "") -> None:
        problems = tuple(problems)
        count = len(problems)
        message = message or f"{count} problem{'s' if count != 1 else ''} in the input"
        super().__init__(message, problems=problems)
        self.problems = problems


class UnitError(NeutraError, ValueError):
    """A unit that is unknown, or of the wrong dimension for its use."""


class GWPError(NeutraError, LookupError):
    """An unknown GWP set or a gas without a GWP in the set."""


class FactorNotFoundError(NeutraError, LookupError):
    """No emission factor matches an activity."""


class FactorStoreError(NeutraError, LookupError):
    """A factor set that is not in the local store."""
