"""The drill-down's query parameters: parsed and checked whole, before any read.

`page_query` (the page) and `api_query` (the API) turn
`?scope=&category=&entity=&gas=&flag=&q=` into a `LineFilter`, with the
page number or the API's limit and offset, raising one `InvalidInputError`
that lists every bad parameter (column = the parameter's name), which pages
show as a 400 with the message and the API as `{"message", "extra"}`.

It must never read the database: what a calculation knows (its gases,
entities, flags) is passed in by the caller.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from neutra.core.errors import InvalidInputError, Problem
from neutra.core.flags import FlagKind

__all__ = [
    "ANY_FLAG",
    "FILTER_PARAMETERS",
    "MAX_API_LIMIT",
    "NO_ENTITY",
    "PAGE_SIZE",
    "Known",
    "LineFilter",
    "api_query",
    "line_filter",
    "page_query",
]

PAGE_SIZE = 100  # lines per page of the drill-down
MAX_API_LIMIT = 1000  # lines per API response at most
MAX_SEARCH = 100  # characters of a search
MAX_PAGE = 10**7  # beyond any page of 1,000,000,000 lines, and a safe OFFSET
NO_ENTITY = "(none)"  # the entity filter's value for lines without an entity
ANY_FLAG = "any"  # the flag filter's value for lines with any flag
FILTER_PARAMETERS = ("scope", "category", "entity", "gas", "flag", "q")

_SUBJECT = "query"  # Problem.file of a bad query parameter
_FLAG_NAMES = frozenset(kind.value for kind in FlagKind)  # every flag the engine can emit


@dataclass(frozen=True, slots=True)
class LineFilter:
    """Which lines of a calculation to show; None = not filtered on that."""

    scope: int | None = None  # 1, 2 or 3
    category: int | None = None  # scope 3 category 1-15 (implies scope 3)
    entity: str | None = None  # an entity name, or NO_ENTITY
    gas: str | None = None  # a gas of the calculation, e.g. "CH4"
    flag: str | None = None  # a flag name, or ANY_FLAG
    search: str | None = None  # text in the row id, activity, factor, entity or file

    @property
    def is_empty(self) -> bool:
        return self == LineFilter()

    def items(self) -> list[tuple[str, str]]:
        """The filter as query parameters (in a fixed order, for stable links)."""
        values = (self.scope, self.category, self.entity, self.gas, self.flag, self.search)
        return [
            (name, str(value))
            for name, value in zip(FILTER_PARAMETERS, values, strict=True)
            if value is not None
        ]

    def query(self, **extra: object) -> str:
        """ "?scope=3&category=6" (with `extra` parameters such as page); "" when empty."""
        pairs = self.items() + [(k, str(v)) for k, v in extra.items() if v is not None]
        return "?" + urlencode(pairs) if pairs else ""

    def without(self, name: str) -> LineFilter:
        """The same filter without one parameter (a removable chip)."""
        field = "search" if name == "q" else name
        return replace(self, **{field: None})


def _one(params: Mapping[str, Sequence[str]], name: str, problems: list[Problem]) -> str | None:
    values = list(params.get(name, ()))
    if len(values) > 1:
        problems.append(Problem(_SUBJECT, None, name, ", ".join(values)[:200], "give it once"))
        return None
    text = values[0].strip() if values else ""
    if any(ord(c) < 32 or c == "\x7f" for c in text):
        # A database refuses some (PostgreSQL: NUL in text); none belongs in a filter.
        problems.append(
            Problem(_SUBJECT, None, name, repr(text)[:200], "contains a control character")
        )
        return None
    return text or None


def _whole(
    name: str, text: str | None, low: int, high: int, reason: str, problems: list[Problem]
) -> int | None:
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        problems.append(Problem(_SUBJECT, None, name, text[:200], reason))
        return None
    return int(text)


@dataclass(frozen=True, slots=True)
class Known:
    """What a calculation has, so that asking for anything else is a clear error."""

    gases: Collection[str] = ()  # the gases of its summary
    entities: Collection[str] = ()  # its entities; "" for rows without one (asked as NO_ENTITY)
    flags: Collection[str] = ()  # the flags it raised


def _filter(
    params: Mapping[str, Sequence[str]], known: Known, problems: list[Problem]
) -> LineFilter:
    scope = _whole("scope", _one(params, "scope", problems), 1, 3, "must be 1, 2 or 3", problems)
    category = _whole(
        "category",
        _one(params, "category", problems),
        1,
        15,
        "must be a scope 3 category, 1 to 15",
        problems,
    )
    if category is not None and scope not in (None, 3):
        reason = f"categories are scope 3's; scope {scope} has none"
        problems.append(Problem(_SUBJECT, None, "category", str(category), reason))
    entity = _one(params, "entity", problems)
    if entity is not None and not (
        entity in known.entities or (entity == NO_ENTITY and "" in known.entities)
    ):
        reason = "no line of this calculation has this entity"
        problems.append(Problem(_SUBJECT, None, "entity", entity[:200], reason))
    gas = _one(params, "gas", problems)
    if gas is not None and gas not in known.gases:
        reason = f"not a gas of this calculation ({', '.join(sorted(known.gases)) or 'none'})"
        problems.append(Problem(_SUBJECT, None, "gas", gas[:200], reason))
    flag = _one(params, "flag", problems)
    if flag is not None and flag != ANY_FLAG and not (flag in known.flags or flag in _FLAG_NAMES):
        reason = f"unknown flag; '{ANY_FLAG}' or a flag name"
        problems.append(Problem(_SUBJECT, None, "flag", flag[:200], reason))
    search = _one(params, "q", problems)
    if search is not None and len(search) > MAX_SEARCH:
        reason = f"a search is at most {MAX_SEARCH} characters"
        problems.append(Problem(_SUBJECT, None, "q", search[:200], reason))
    return LineFilter(scope, category, entity, gas, flag, search)


def line_filter(params: Mapping[str, Sequence[str]], known: Known) -> LineFilter:
    """The filter a query string asks for; every bad parameter at once as `InvalidInputError`.

    `params` maps each name to its values (a Django QueryDict's lists).
    """
    problems: list[Problem] = []
    found = _filter(params, known, problems)
    if problems:
        raise _invalid(problems)
    return found


def page_query(params: Mapping[str, Sequence[str]], known: Known) -> tuple[LineFilter, int]:
    """The drill-down page's filter and page number (1 when not given), checked together."""
    problems: list[Problem] = []
    found = _filter(params, known, problems)
    page = _whole(
        "page",
        _one(params, "page", problems),
        1,
        MAX_PAGE,
        "must be a whole number from 1",
        problems,
    )
    if problems:
        raise _invalid(problems)
    return found, page or 1


def api_query(params: Mapping[str, Sequence[str]], known: Known) -> tuple[LineFilter, int, int]:
    """The API's filter, `limit` (1-1000, default 100) and `offset` (from 0), checked together."""
    problems: list[Problem] = []
    found = _filter(params, known, problems)
    limit = _whole(
        "limit",
        _one(params, "limit", problems),
        1,
        MAX_API_LIMIT,
        f"must be a whole number from 1 to {MAX_API_LIMIT}",
        problems,
    )
    offset = _whole(
        "offset",
        _one(params, "offset", problems),
        0,
        MAX_PAGE * PAGE_SIZE,
        "must be a whole number from 0",
        problems,
    )
    if problems:
        raise _invalid(problems)
    return found, (PAGE_SIZE if limit is None else limit), (offset or 0)


def _invalid(problems: list[Problem]) -> InvalidInputError:
    first = problems[0]
    return InvalidInputError(problems, message=f"{first.column}: {first.reason}")
