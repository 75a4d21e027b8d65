"""The one error hierarchy of Neutra.

Every error is a `NeutraError` and also the nearest builtin, carries
structured fields, and survives pickling. Batch input errors carry every
problem found at once, each with its location; nothing is computed or written
from input that has problems.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

__all__ = [
    "MAX_PROBLEMS",
    "FactorStoreError",
    "GWPError",
    "InvalidInputError",
    "NeutraError",
    "Problem",
    "UnitError",
    "capped",
]

MAX_PROBLEMS = 1000  # a user fixes the first thousand before wanting the rest


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
        # The instance's own attributes ride along as state: subclasses keep theirs.
        return (_rebuild, (type(self), self.message, self.extra), dict(vars(self)))

    def __str__(self) -> str:
        return self.message


def _rebuild(cls: type[NeutraError], message: str, extra: dict[str, Any]) -> NeutraError:
    error = cls.__new__(cls)
    NeutraError.__init__(error, message, **extra)
    for key, value in extra.items():
        setattr(error, key, value)
    return error


def capped(problems: Iterable[Problem], omitted: int = 0) -> tuple[tuple[Problem, ...], int]:
    """The one truncation rule: the first MAX_PROBLEMS problems, and how many more there are.

    `omitted` counts problems already left out upstream (a query that read only
    the first MAX_PROBLEMS + 1 rows and counted the rest).
    """
    found = tuple(problems)
    return found[:MAX_PROBLEMS], omitted + max(0, len(found) - MAX_PROBLEMS)


class InvalidInputError(NeutraError, ValueError):
    """Input with problems: every problem is listed (or counted), nothing was computed.

    At most MAX_PROBLEMS problems are listed; `omitted` counts the others. A
    caller's own `message` (`headline`) says it best; without one the message
    is the generic count, and a page shows the problems themselves instead.
    """

    def __init__(
        self,
        problems: Iterable[Problem],
        message: str = "",
        *,
        omitted: int = 0,
    ) -> None:
        listed, omitted = capped(problems, omitted)
        count = len(listed) + omitted
        headline = message or None
        message = message or f"{count} problem{'s' if count != 1 else ''} in the input"
        super().__init__(message, problems=listed, omitted=omitted)
        self.problems = listed  # the first MAX_PROBLEMS problems, in the input's order
        self.omitted = omitted  # how many more were found and not listed
        self.headline = headline  # the caller's own message, or None for the generic count

    @property
    def count(self) -> int:
        """Every problem found, listed or not."""
        return len(self.problems) + self.omitted

    @property
    def omitted_note(self) -> str:
        """The one wording of the problems not listed ("" when all are listed)."""
        if not self.omitted:
            return ""
        return f"and {self.omitted} more problem{'s' if self.omitted != 1 else ''} not listed"


class UnitError(NeutraError, ValueError):
    """A unit that is unknown, or of the wrong dimension for its use."""


class GWPError(NeutraError, LookupError):
    """An unknown GWP set or a gas without a GWP in the set."""


class FactorStoreError(NeutraError, LookupError):
    """A factor set that is not in the local store."""
