"""Activity data: the validated, typed table of what an organisation did.

Readers in `neutra.formats` turn files into a raw Ibis table; `validate_activities`
checks it whole and returns `ActivityData` (every column typed and canonical) or
raises `InvalidInputError` with every problem at once. The engine only ever sees
`ActivityData`.

It must never read files, and never run Python per row: checks are Ibis
expressions, and unit checks run once per distinct unit.
"""

from __future__ import annotations

import enum
import functools
import operator
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
from ibis.backends import BaseBackend

from neutra.core.errors import MAX_PROBLEMS, InvalidInputError, Problem, UnitError
from neutra.core.regions import is_known_region
from neutra.core.units import parse_unit

__all__ = [
    "CANONICAL_COLUMNS",
    "SUM_COLUMNS",
    "ActivityData",
    "RowChecks",
    "as_text",
    "canonical_name",
    "header_problems",
    "quiet_duckdb",
    "validate_activities",
]

# Column name -> Ibis type of the validated table. `_source` and `_row` locate a
# row for errors and lines; `id` is the user's id (default: the row number).
CANONICAL_COLUMNS: dict[str, str] = {
    "_source": "string",  # file label the row came from
    "_row": "int64",  # spreadsheet-style row number (header = 1)
    "id": "string",  # row identifier, unique within its file
    "entity": "string",  # organisational unit or site, or null
    "year": "int64",  # reporting year (from `year`, or from the period)
    "activity": "string",  # activity key, or null
    "factor": "string",  # explicit factor reference `SET:FACTOR_ID` or `FACTOR_ID`, or null
    "quantity": "float64",  # amount of activity, may be negative (a correction)
    "unit": "string",  # unit as written (pint understands it)
    "region": "string",  # ISO 3166 alpha-2 or subregion such as US-CAMX, upper case, or null
    "scope": "int64",  # 1, 2 or 3 overriding the factor's scope, or null
    "category": "int64",  # scope 3 category 1-15, or null
    "description": "string",  # free text, or null
}

# Columns a user may write: the canonical ones less the locators we add.
_USER_COLUMNS = tuple(name for name in CANONICAL_COLUMNS if not name.startswith("_"))
_INPUT_COLUMNS = (*_USER_COLUMNS, "period_start", "period_end")
_NUMERIC_COLUMNS = ("quantity", "year", "scope", "category")
_RESERVED = ("_source", "_row")

MAX_QUANTITY = 1e18  # larger magnitudes are refused (see _quantity_reason)
MAX_VALUE_CHARS = 80  # a problem shows this much of the offending value
_MAX_DISTINCT_VALUES = 100_000  # units or regions: more distinct ones is not real data
# Distinct units or regions that one result brings back: the clean-input pass collects
# them only up to this many (more is never clean data), and the problem path reads them
# a page of this many at a time. A cluster's driver caps what a result may hold
# (Spark's spark.driver.maxResultSize): what comes back never grows with the rows.
_VALUES_PER_RESULT = 5_000

# Patterns run in the backend (RE2 / POSIX-compatible syntax). A number has `.` as
# decimal point and no thousands separators, so "1,000" is refused, not misread.
_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"

# Internal column prefixes, chosen so no user header collides with them.
_RAW = "__neutra_raw__"
_ERR = "__neutra_err__"
_CLEAN = "__neutra_clean__"
_NUM = "__neutra_number__"
_TYPED = "__neutra_typed__"
_EDGE = "__neutra_edge__"


# A caller's further rules on the typed rows (CANONICAL_COLUMNS): the problems it
# lists and how many more it found without listing them (see `capped`).
RowChecks = Callable[[ir.Table], tuple[list[Problem], int]]


# The typed columns whose distinct combinations the engine sums quantities over.
SUM_COLUMNS = ("factor", "activity", "unit", "region", "year", "entity", "scope", "category")
# The input columns checked once per distinct combination of values, where they can be:
# every rule on them reads only the row's own values in these columns.
_GROUPED_INPUT = (
    "entity", "activity", "factor", "unit", "region", "year", "scope", "category",
    "period_start", "period_end",
)  # fmt: skip
_MAX_GROUPS = 500_000  # more distinct combinations than this: checked row by row
_ROWS, _SUM, _NEGATIVES, _INDEX = (f"__neutra_{n}__" for n in ("rows", "sum", "neg", "index"))


@dataclass(frozen=True, slots=True)
class ActivityData:
    """Validated activities, ready for the engine."""

    table: ir.Table  # CANONICAL_COLUMNS first, then pass-through columns as strings
    sources: dict[str, str]  # file label -> sha256 of its content, for provenance
    passthrough: tuple[str, ...] = field(default=())  # unknown columns kept, in file order
    # The quantities of `table` summed per distinct SUM_COLUMNS, where validation found
    # them on its way (the engine then need not scan the rows again): those columns,
    # then `quantity` (exact, DECIMAL(38, 9)), `rows` and `negatives`.
    sums: pa.Table | None = None
    # No `id` column was given: each row's id is its row number, as text (DESIGN §3.1), and
    # a reader may make it from `_row` instead of reading the `id` column.
    ids_are_row_numbers: bool = False


def canonical_name(header: str) -> str:
    """The column name a header stands for: stripped, canonical names matched case-blind."""
    name = header.strip()
    lowered = name.lower()
    return lowered if lowered in _INPUT_COLUMNS or lowered in _RESERVED else name


def header_problems(columns: Iterable[str], file: str, *, located: bool = False) -> list[Problem]:
    """Problems with a file's header alone: duplicates, names of Neutra's own working
    columns, and missing required columns.

    `columns` are the names after `canonical_name`; `located`: they include the
    `_source` and `_row` a reader added.
    """
    names = list(columns)
    problems: list[Problem] = []
    seen: set[str] = set()
    for name in names:
        key = name.lower()
        if key in seen:
            problems.append(Problem(file, 1, name, name, "the column name appears twice"))
        seen.add(key)
        if name.startswith("_") and not (located and name in _RESERVED):
            # Validation and the engine work in columns named so (`_row`, `_key`,
            # `__neutra_err__scope`...): a file's own would stand in for them.
            problems.append(Problem(file, 1, name, name, _RESERVED_NAME))
    present = set(names)
    for required in ("quantity", "unit"):
        if required not in present:
            problems.append(
                Problem(file, 1, required, None, f"required column {required!r} is missing")
            )
    if "year" not in present and not {"period_start", "period_end"} <= present:
        reason = "needs a 'year' column, or both 'period_start' and 'period_end'"
        problems.append(Problem(file, 1, "year", None, reason))
    if "activity" not in present and "factor" not in present:
        reason = "needs an 'activity' column, a 'factor' column, or both"
        problems.append(Problem(file, 1, "activity", None, reason))
    return problems


_RESERVED_NAME = "a column name starting with '_' is reserved for Neutra's own columns: rename it"


def as_text(value: ir.Column) -> ir.StringColumn:
    """A column of any type as the text a user would have typed."""
    dtype = value.type()
    if dtype.is_string():
        return value
    if dtype.is_timestamp():
        # Parquet writers store dates as midnight timestamps; a date was meant.
        as_date = value.cast("date").cast("string")
        midnight = value.cast("date").cast("timestamp") == value.cast("timestamp")
        return ibis.ifelse(midnight, as_date, value.cast("string"))
    return value.cast("string")


def validate_activities(
    table: ir.Table,
    sources: dict[str, str],
    *,
    backend: BaseBackend | None = None,
    checks: RowChecks | None = None,
    lazy: bool = True,
) -> ActivityData:
    """Check a raw activity table whole; typed `ActivityData`, or every problem at once.

    `table` holds the columns of DESIGN §3.1 as text (or typed, from Parquet), with
    `_source` and `_row` locating each row; `sources` maps file labels to content
    hashes. Checks run as Ibis expressions on `backend` (DuckDB by default). `checks`
    are the caller's own rules (an inventory's year, its entities): they see the
    typed rows (a value this module refused is null there) and their problems come
    back with the others.

    Clean input, the usual case, costs one pass over the rows. On DuckDB, without
    ids, it is a group-by that also sums the quantities for the engine
    (`_grouped_pass`, `ActivityData.sums`); otherwise one aggregate: every rule is
    counted, and the distinct units and regions come back (`_all_rows_pass`). The
    typed rows are returned as an expression over `table`, read again only by
    whoever reads them. Input with any problem is checked again with the checked
    table materialised, to name each problem by file, row, column and value; so is
    every input when not `lazy` (the validated rows then come from the
    materialised table).
    """
    backend = backend or quiet_duckdb()
    label = ", ".join(sources) or "input"
    table, renames = _with_canonical_names(table)
    problems = header_problems(renames, label, located=True)
    stopping = ("the column name appears twice", _RESERVED_NAME)  # no expression can be built
    if any(problem.reason in stopping for problem in problems):
        raise InvalidInputError(problems)
    table = _with_locators(table, label)
    present = frozenset(table.columns)
    passthrough = tuple(c for c in table.columns if c not in _INPUT_COLUMNS and c not in _RESERVED)
    checked: ir.Table | None = None  # built once, where needed: Python time on a wide table
    edged: frozenset[str] | None = None
    sums = None
    if lazy and not problems:
        grouped = _grouped_pass(table, present, passthrough, backend)
        if grouped is _UNDECIDED:
            checked = _checked(table, present, passthrough, edges=True)
            edged = _all_rows_pass(checked, backend, present)
        elif grouped is not None:
            edged, sums = grouped
    if edged is not None:
        typed = _output(_trusted(table, present, passthrough, edged), passthrough)
        if checks is not None:
            found, more = checks(typed)
            if found or more:
                raise InvalidInputError(found, omitted=more)
        return ActivityData(typed, dict(sources), passthrough, sums, "id" not in present)
    # Materialised once: the problem queries then read typed columns and reasons.
    if checked is None:
        checked = _checked(table, present, passthrough, edges=lazy)
    name = f"neutra_activities_{uuid.uuid4().hex}"
    stored = backend.create_table(name, checked, temp=True)
    found, omitted = _row_problems(stored, _raw_text(table, present), list(sources), backend)
    problems += found
    if checks is not None:
        found, more = checks(_output(stored, passthrough))
        problems += found
        omitted += more
    if problems or omitted:
        raise InvalidInputError(problems, omitted=omitted)
    return ActivityData(
        _output(stored, passthrough), dict(sources), passthrough, None, "id" not in present
    )


def _all_rows_pass(
    checked: ir.Table, backend: BaseBackend, present: frozenset[str]
) -> frozenset[str] | None:
    """Whether no row breaks a rule, in one aggregate pass over the checked expressions.

    It counts the rows with any reason, collects the distinct units and regions (their
    Python checks run once per value; more than `_VALUES_PER_RESULT` of either is a
    no) and, where ids are given, counts the distinct ones. Any doubt is a no (None):
    the materialising path then names each problem.
    When every row passes, the text columns with a value to trim (a space at an
    edge): the others need no TRIM when they are read again.
    """
    reasons = [checked[c].notnull() for c in checked.columns if c.startswith(_ERR)]
    failing = functools.reduce(operator.or_, reasons) if reasons else ibis.literal(False)
    measures: dict[str, Any] = {"rows": checked.count(), "failing": checked.count(where=failing)}
    for name, column in (("units", checked.unit), ("regions", checked.region)):
        values = column.collect(distinct=True)  # one aggregate, asked for thrice, made once
        beyond = values.length() > _VALUES_PER_RESULT  # null where there is no value at all
        measures[name] = ibis.ifelse(beyond, ibis.null(), values)
        measures[name + "_beyond"] = beyond
    edges = [c for c in checked.columns if c.startswith(_EDGE)]
    measures |= {c: checked[c].sum() for c in edges}
    if "id" in present:
        pair = checked._source.concat("\x00", checked.id)
        measures["ids"] = pair.nunique()
    found = backend.to_pyarrow(checked.aggregate(**measures)).to_pylist()[0]
    if found["failing"] or ("ids" in found and found["ids"] != found["rows"]):
        return None
    for column, reason_for in (("units", _unit_reason), ("regions", _region_reason)):
        if found[column + "_beyond"]:
            return None  # too many to bring back: the problem path reads them a page at a time
        if any(reason_for(v) is not None for v in found[column] or []):
            return None
    return frozenset(c[len(_EDGE) :] for c in edges if found[c])


class _Undecided(enum.Enum):
    """`_grouped_pass` cannot tell: the one aggregate pass decides."""

    UNDECIDED = enum.auto()


_UNDECIDED = _Undecided.UNDECIDED


def _grouped_pass(
    table: ir.Table, present: frozenset[str], passthrough: Sequence[str], backend: BaseBackend
) -> tuple[frozenset[str], pa.Table] | _Undecided | None:
    """`_all_rows_pass` and the engine's sums in one grouped pass over the rows.

    Every rule but the quantity's and the id's reads only a row's values in the
    `_GROUPED_INPUT` columns, so rows with the same values there pass or fail
    together: the pass groups the rows by those values as given, checks each row's
    quantity, and sums the quantities of each group. The groups, a few thousand
    where the rows are millions, then go through every other check as rows of
    their own (`_all_rows_pass`), and are typed and summed again per distinct
    typed `SUM_COLUMNS` (" kWh" and "kWh" are one unit) for the engine.

    (edged columns, sums) when every row passes; None when some row does not;
    `_UNDECIDED` where this pass does not apply (ids to count, another backend than
    DuckDB, too many distinct combinations).
    """
    if "id" in present or "quantity" not in present or backend.name != "duckdb":
        return _UNDECIDED
    keys = [c for c in _GROUPED_INPUT if c in present]
    quantity = table.quantity
    # The columns read row by row: whether a value has a space at an edge, counted.
    row_text = [c for c in ("quantity", "description", *passthrough) if c in table.columns]
    row_text = [c for c in row_text if table[c].type().is_string()]
    # The quantity as `_cleaned` gives it: its typed number, or its cleaned text.
    given = (_NUM if _plain_number(quantity.type()) else _CLEAN) + "quantity"
    staged = table.select(
        *keys,
        **{given: quantity if given.startswith(_NUM) else _clean(as_text(quantity))},
        **{_EDGE + c: _edged(table[c]) for c in row_text},
    )

    def stage(t: ir.Table) -> tuple[dict[str, ir.Column], dict[str, ir.StringColumn]]:
        """(numbers, clean) of `_typed` and `_reasons`, read from a stage."""
        return (
            ({"quantity": t[given]}, {}) if given.startswith(_NUM) else ({}, {"quantity": t[given]})
        )

    numbers, clean = stage(staged)
    staged = staged.mutate(**{_TYPED + "quantity": _typed_quantity(clean, numbers, checked=False)})
    numbers, clean = stage(staged)
    value = staged[_TYPED + "quantity"]
    reason = _quantity_problem(clean, numbers, value)
    assert reason is not None
    # Only a quantity in range is summed: DECIMAL(38, 9) holds no 1e300, and a group with
    # a row out of range is refused (its reason is counted) before its sum is read.
    summed = ibis.ifelse(value.abs() < MAX_QUANTITY, value, _null("float64"))
    aggregated = staged.group_by(keys).aggregate(
        **{
            _ROWS: staged.count(),
            _ERR + "quantity": staged.count(where=reason.notnull()),
            _SUM: summed.cast("decimal(38, 9)").sum(),
            _NEGATIVES: staged.count(where=value < 0),
        },
        **{_EDGE + c: staged[_EDGE + c].sum() for c in row_text},
    )
    found = backend.to_pyarrow(aggregated.limit(_MAX_GROUPS + 1))
    if found.num_rows > _MAX_GROUPS:
        return _UNDECIDED
    if _total(found[_ERR + "quantity"]):
        return None
    row_edged = {c for c in row_text if _total(found[_EDGE + c])}
    # The groups, one row each, through every other check.
    found = found.append_column(_INDEX, pa.array(range(found.num_rows), pa.int64()))
    groups = ibis.memtable(found)
    rows = groups.select(*keys, _source=ibis.literal("groups"), _row=groups[_INDEX])
    in_groups = frozenset([*keys, "_source", "_row"])
    edged = _all_rows_pass(_checked(rows, in_groups, (), edges=True), backend, in_groups)
    if edged is None:
        return None
    typed = _trusted(rows, in_groups, (), edged)
    joined = typed.join(groups, typed._row == groups[_INDEX])
    sums = joined.group_by([joined[c].cast(CANONICAL_COLUMNS[c]).name(c) for c in SUM_COLUMNS])
    summed = sums.aggregate(
        quantity=joined[_SUM].sum().cast("decimal(38, 9)"),
        rows=joined[_ROWS].sum().cast("int64"),
        negatives=joined[_NEGATIVES].sum().cast("int64"),
    )
    return edged | row_edged, backend.to_pyarrow(summed)


def _total(column: pa.ChunkedArray) -> int:
    return int(pc.sum(column).as_py() or 0)


def quiet_duckdb() -> BaseBackend:
    """An embedded DuckDB without its terminal progress bar (callers draw their own)."""
    con = ibis.duckdb.connect()
    con.raw_sql("SET enable_progress_bar = false")
    return con


def _with_canonical_names(table: ir.Table) -> tuple[ir.Table, list[str]]:
    names = [canonical_name(c) for c in table.columns]
    if len(set(names)) != len(names):
        return table, names  # duplicates are reported; renaming would fail
    return table.rename(dict(zip(names, table.columns, strict=True))), names


def _with_locators(table: ir.Table, label: str) -> ir.Table:
    # Callers outside the file readers may hand a bare table: locate rows anyway.
    if "_source" not in table.columns:
        table = table.mutate(_source=ibis.literal(label))
    if "_row" not in table.columns:
        table = table.mutate(_row=ibis.row_number().cast("int64") + 2)
    return table.mutate(_source=table._source.cast("string"), _row=table._row.cast("int64"))


def _checked(
    table: ir.Table, present: frozenset[str], passthrough: Sequence[str], *, edges: bool = False
) -> ir.Table:
    """Raw text, typed value and reason-or-null of every input column, in one table.

    A numeric column that is already typed (Parquet, a database table) is checked as a
    number, never turned into text and back: the same values and the same reasons as
    its text would give (every float64 prints as text that parses back to itself).
    With `edges`, also whether each text value has a space at an edge (`_EDGE` columns).
    """
    cleaned, clean, numbers = _cleaned(table, present, passthrough, edges=edges)
    typed_values = _typed(clean, cleaned._row, numbers)
    parsed = cleaned.mutate(**{_TYPED + c: v for c, v in typed_values.items()})
    clean = {c: parsed[_CLEAN + c] for c in clean}
    numbers = {c: parsed[_NUM + c] for c in numbers}
    typed = {c: parsed[_TYPED + c] for c in typed_values}
    reasons = _reasons(clean, typed, present, numbers)
    columns: dict[str, Any] = {"_source": parsed._source, "_row": parsed._row}
    columns |= dict(typed)
    columns |= {_ERR + c: reason for c, reason in reasons.items()}
    columns |= {c: parsed[c] for c in passthrough}
    columns |= {c: parsed[c] for c in parsed.columns if c.startswith(_EDGE)}
    return parsed.select(**columns)


def _trusted(
    table: ir.Table, present: frozenset[str], passthrough: Sequence[str], edged: frozenset[str]
) -> ir.Table:
    """The typed values of `_checked`, for rows known to break no rule.

    Every quantity of such rows matched the number pattern, so the pattern is not
    run again, and only the text columns in `edged` have values to trim: the typed
    values are otherwise the same expressions.
    """
    cleaned, clean, numbers = _cleaned(table, present, passthrough, edged)
    typed = _typed(clean, cleaned._row, numbers, checked=True)
    columns: dict[str, Any] = {"_source": cleaned._source, "_row": cleaned._row}
    columns |= typed
    columns |= {c: cleaned[c] for c in passthrough}
    return cleaned.select(**columns)


def _cleaned(
    table: ir.Table,
    present: frozenset[str],
    passthrough: Sequence[str],
    edged: frozenset[str] | None = None,
    *,
    edges: bool = False,
) -> tuple[ir.Table, dict[str, ir.StringColumn], dict[str, ir.Column]]:
    """The first stage: each input column's cleaned text, or its typed number.

    Checks are built in stages, each a select over the one before: every cleaned
    text and typed value is computed once a row, where one flat select would repeat
    it in every reason using it. `edged`: the text columns that may hold a space at
    an edge (None: any may). With `edges`, an `_EDGE` column says, for each text
    column, whether the row's value has one.
    """

    def clean_text(column: str) -> ir.StringColumn:
        return _clean(as_text(table[column]), trim=edged is None or column in edged)

    numbers = {
        c: table[c] for c in _NUMERIC_COLUMNS if c in present and _plain_number(table[c].type())
    }
    text = {c: as_text(table[c]) for c in _INPUT_COLUMNS if c in present and c not in numbers}
    clean: dict[str, ir.StringColumn] = {c: clean_text(c) for c in text}
    edge_columns = (
        [c for c in [*text, *passthrough] if table[c].type().is_string()] if edges else []
    )
    # For a typed number, `clean` says only whether a value is given (null where not).
    clean |= {c: ibis.ifelse(v.isnull(), _null("string"), "given") for c, v in numbers.items()}
    cleaned = table.select(
        _source=table._source,
        _row=table._row,
        **{_CLEAN + c: v for c, v in clean.items()},
        **{_NUM + c: v for c, v in numbers.items()},
        **{c: clean_text(c) for c in passthrough},
        **{_EDGE + c: _edged(table[c]) for c in edge_columns},
    )
    return (
        cleaned,
        {c: cleaned[_CLEAN + c] for c in clean},
        {c: cleaned[_NUM + c] for c in numbers},
    )


def _clean(text: ir.StringValue, *, trim: bool = True) -> ir.StringColumn:
    """Stripped of spaces, empty as null; a tab at an edge stays, and fails its check visibly.

    TRIM copies every string it is given; most values have no space at an edge, and
    testing for one (a LIKE with one wildcard) costs a fraction of that. `trim=False`
    where no value of the column has one.
    """
    if not trim:
        return text.nullif("")
    return ibis.ifelse(_edged(text), _trim(text), text).nullif("")


def _edged(text: ir.StringValue) -> ir.BooleanValue:
    """Whether a text has a space at an edge."""
    return text.like(" %") | text.like("% ")


def _raw_text(table: ir.Table, present: frozenset[str]) -> ir.Table:
    """The input as text, for showing a problem's value; read only for rows with problems."""
    text = {_RAW + c: _shown(table[c]) for c in _INPUT_COLUMNS if c in present}
    return table.select(_source=table._source, _row=table._row, **text)


def _shown(value: ir.Column) -> ir.StringColumn:
    """`as_text`, with NaN and infinity written as DuckDB writes them on every backend
    (Spark writes NaN and Infinity)."""
    if not value.type().is_floating():
        return as_text(value)
    return ibis.cases(
        (value.isnan(), "nan"),
        (value == float("inf"), "inf"),
        (value == float("-inf"), "-inf"),
        else_=as_text(value),
    )


def _plain_number(dtype: Any) -> bool:
    # float32 and decimals are left to the text path: their text is what the user meant.
    return bool(dtype.is_integer() or (dtype.is_floating() and dtype.nbytes == 8))


def _typed(
    clean: Mapping[str, ir.StringColumn],
    row: ir.IntegerColumn,
    numbers: Mapping[str, ir.Column],
    *,
    checked: bool = False,
) -> dict[str, ir.Column]:
    """Each canonical column parsed to its type; null where the text does not parse.

    `checked`: every quantity is known to match the number pattern (see `_trusted`).
    """
    typed: dict[str, ir.Column] = {}
    for name in ("entity", "activity", "factor", "unit", "description"):
        typed[name] = clean.get(name, _null("string"))
    typed["id"] = clean["id"].fill_null(row.cast("string")) if "id" in clean else row.cast("string")
    typed["quantity"] = _typed_quantity(clean, numbers, checked=checked)
    for name in ("scope", "category", "year"):
        whole = _whole_number(numbers[name]) if name in numbers else _whole(clean.get(name))
        typed["year_given" if name == "year" else name] = whole
    typed["region"] = clean["region"].upper() if "region" in clean else _null("string")
    typed["period_start"] = _parsed(clean.get("period_start"), _ISO_DATE, "date")
    typed["period_end"] = _parsed(clean.get("period_end"), _ISO_DATE, "date")
    period_year = typed["period_start"].year().cast("int64")
    typed["year"] = typed["year_given"].fill_null(period_year)
    return typed


def _typed_quantity(
    clean: Mapping[str, ir.StringColumn], numbers: Mapping[str, ir.Column], *, checked: bool
) -> ir.Column:
    if "quantity" in numbers:
        # NaN and infinity print as "nan" and "inf", which are not numbers to the text path.
        number = numbers["quantity"].cast("float64")
        return ibis.ifelse(_not_finite(number), _null("float64"), number)
    if checked and "quantity" in clean:
        return clean["quantity"].try_cast("float64")
    return _parsed(clean.get("quantity"), _NUMBER, "float64")


def _null(dtype: str) -> ir.Column:
    return ibis.null().cast(dtype)


def _parsed(text: ir.StringColumn | None, pattern: str, dtype: str) -> ir.Column:
    if text is None:
        return _null(dtype)
    return ibis.ifelse(text.re_search(pattern), text.try_cast(dtype), _null(dtype))


def _whole(text: ir.StringColumn | None) -> ir.Column:
    if text is None:
        return _null("int64")
    # Through float64, so spreadsheet "2024.0" is 2024. The round trip refuses
    # fractions (2024.5 rounds to 2025, which differs), NaN and infinity (no int64).
    number = text.try_cast("float64")
    integer = number.try_cast("int64")
    return ibis.ifelse(integer.cast("float64") == number, integer, _null("int64"))


def _whole_number(value: ir.Column) -> ir.Column:
    """`_whole` of a typed number: an integer as it is, a float only when it is whole."""
    if value.type().is_integer():
        return value.try_cast("int64")
    integer = value.try_cast("int64")
    return ibis.ifelse(integer.cast("float64") == value, integer, _null("int64"))


@ibis.udf.scalar.builtin(name="trim")  # type: ignore[untyped-decorator]
def _trim(text: str) -> str:  # type: ignore[empty-body]
    """The backend's own TRIM of spaces: DuckDB, SQLite, PostgreSQL and Spark all have it,
    and it is several times faster than Ibis' `strip` of every whitespace character."""


def _reasons(
    clean: Mapping[str, ir.StringColumn],
    typed: Mapping[str, ir.Column],
    present: frozenset[str],
    numbers: Mapping[str, ir.Column],
) -> dict[str, ir.StringValue]:
    """Column -> reason the row's value is wrong, or null. One reason per cell."""
    reasons: dict[str, ir.StringValue] = {}
    quantity = _quantity_problem(clean, numbers, typed["quantity"])
    if quantity is not None:
        reasons["quantity"] = quantity
    if "unit" in clean:
        reasons["unit"] = ibis.ifelse(clean["unit"].isnull(), "unit is empty", _null("string"))
    reasons |= _period_reasons(clean, typed)
    reasons["year"] = _year_reason(clean, typed, present)
    if "scope" in clean:
        bad = clean["scope"].notnull() & ~typed["scope"].isin([1, 2, 3]).fill_null(False)
        reasons["scope"] = _when(bad, "scope must be 1, 2 or 3")
    if "category" in clean:
        reasons["category"] = _category_reason(clean["category"], typed)
    if "activity" in present or "factor" in present:
        neither = typed["activity"].isnull() & typed["factor"].isnull()
        reasons["activity"] = _when(neither, "the row has neither an activity nor a factor")
    return reasons


def _quantity_problem(
    clean: Mapping[str, ir.StringColumn], numbers: Mapping[str, ir.Column], typed: ir.Column
) -> ir.StringValue | None:
    """The quantity's reason, from its cleaned text or typed number and its typed value."""
    if "quantity" in numbers:
        return _number_quantity_reason(numbers["quantity"].cast("float64"))
    if "quantity" in clean:
        return _quantity_reason(clean["quantity"], typed)
    return None


def _when(condition: ir.BooleanValue, reason: str | ir.StringValue) -> ir.StringValue:
    return ibis.ifelse(condition, reason, _null("string"))


_NOT_A_NUMBER = (
    "quantity is not a number (write it with '.' as the decimal point and no "
    "thousands separators, e.g. 1234.5)"
)


def _not_finite(number: ir.FloatingValue) -> ir.BooleanValue:
    """NaN or infinity. Not Ibis' `isinf`, which Ibis 12 writes as FALSE on Spark: only an
    infinity is beyond the largest float (and NaN sorts above every number, on Spark
    as on DuckDB)."""
    return number.isnan() | (number.abs() > sys.float_info.max)


def _number_quantity_reason(number: ir.FloatingColumn) -> ir.StringValue:
    """`_quantity_reason` of a typed float64: what its text would be refused for."""
    return ibis.cases(
        # NaN first: Ibis on Spark counts NaN as null, where DuckDB does not.
        (_not_finite(number), _NOT_A_NUMBER),
        (number.isnull(), "quantity is empty"),
        (number.abs() >= MAX_QUANTITY, "quantity is 1e18 or more: check the unit"),
        else_=_null("string"),
    )


def _quantity_reason(text: ir.StringColumn, value: ir.Column) -> ir.StringValue:
    return ibis.cases(
        # A number in range has no reason: said first, so its text is not matched again.
        (value.notnull() & ~_not_finite(value) & (value.abs() < MAX_QUANTITY), _null("string")),
        (text.isnull(), "quantity is empty"),
        (~text.re_search(_NUMBER), _NOT_A_NUMBER),
        (value.isnull() | _not_finite(value), "quantity is too large to be a number"),
        # The engine sums quantities exactly as DECIMAL(38, 9); this bound keeps any
        # realistic number of rows far from its limit (1e29).
        (value.abs() >= MAX_QUANTITY, "quantity is 1e18 or more: check the unit"),
        else_=_null("string"),
    )


def _period_reasons(
    clean: Mapping[str, ir.StringColumn], typed: Mapping[str, ir.Column]
) -> dict[str, ir.StringValue]:
    if "period_start" not in clean and "period_end" not in clean:
        return {}
    start_text = clean.get("period_start", _null("string"))
    end_text = clean.get("period_end", _null("string"))
    start, end = typed["period_start"], typed["period_end"]
    not_date = "is not a date in the form yyyy-mm-dd"
    start_reason = ibis.cases(
        (start_text.notnull() & start.isnull(), f"period_start {not_date}"),
        (start_text.isnull() & end_text.notnull(), "period_start is empty but period_end is given"),
        else_=_null("string"),
    )
    start_year = start.year().cast("string")
    end_year = end.year().cast("string")
    end_reason = ibis.cases(
        (end_text.notnull() & end.isnull(), f"period_end {not_date}"),
        (end_text.isnull() & start_text.notnull(), "period_end is empty but period_start is given"),
        (end < start, "period_end is before period_start"),
        (
            end.year() != start.year(),
            "the period spans two calendar years ("
            + start_year
            + " and "
            + end_year
            + "); split the row by year",
        ),
        else_=_null("string"),
    )
    return {"period_start": start_reason, "period_end": end_reason}


def _year_reason(
    clean: Mapping[str, ir.StringColumn], typed: Mapping[str, ir.Column], present: frozenset[str]
) -> ir.StringValue:
    text = clean.get("year", _null("string"))
    year = typed["year_given"]
    period_year = typed["period_start"].year().cast("int64")
    has_period_text = (
        clean.get("period_start", _null("string")).notnull()
        | clean.get("period_end", _null("string")).notnull()
    )
    return ibis.cases(
        (text.notnull() & year.isnull(), "year is not a whole number"),
        (
            text.notnull() & ~year.between(1900, 2100).fill_null(False),
            "year must be between 1900 and 2100",
        ),
        (
            year.notnull() & period_year.notnull() & (year != period_year),
            "year "
            + year.cast("string")
            + " does not agree with the period ("
            + period_year.cast("string")
            + ")",
        ),
        (
            text.isnull() & ~has_period_text,
            "the row has no year: give year, or period_start and period_end",
        ),
        else_=_null("string"),
    )


def _category_reason(text: ir.StringColumn, typed: Mapping[str, ir.Column]) -> ir.StringValue:
    category, scope = typed["category"], typed["scope"]
    return ibis.cases(
        (
            text.notnull() & ~category.between(1, 15).fill_null(False),
            "category must be a whole number from 1 to 15",
        ),
        (
            category.notnull() & scope.isin([1, 2]),
            "a category is for scope 3 only, but the row's scope is " + scope.cast("string"),
        ),
        else_=_null("string"),
    )


def _row_problems(
    stored: ir.Table, raw: ir.Table, files: list[str], backend: BaseBackend
) -> tuple[list[Problem], int]:
    """The first MAX_PROBLEMS row-level problems, in file and row order, and how many more."""
    branches = [
        _branch(stored, column, stored[_ERR + column])
        for column in _INPUT_COLUMNS
        if _ERR + column in stored.columns
    ]
    branches += _distinct_value_branch(stored, "unit", _unit_reason, backend)
    branches += _distinct_value_branch(stored, "region", _region_reason, backend)
    if _RAW + "id" in raw.columns:
        branches.append(_duplicate_id_branch(stored))
    if not branches:
        return [], 0
    union = ibis.union(*branches) if len(branches) > 1 else branches[0]
    order, rank = {name: index for index, name in enumerate(files)}, _column_rank()
    union = union.mutate(
        file_order=union.file.substitute(order, else_=len(order)),
        column_order=union.column.substitute(rank, else_=len(rank)),
    )
    first = backend.to_pyarrow(
        union.order_by(["file_order", "row", "column_order"]).limit(MAX_PROBLEMS + 1)
    )
    if first.num_rows == 0:
        # Clean input reads no raw text at all: on Spark that join is a shuffle of every row.
        return [], 0
    found = ibis.memtable(first)
    problems = [Problem(**record) for record in _with_values(found, raw, backend)]
    if len(problems) > MAX_PROBLEMS:
        return problems[:MAX_PROBLEMS], int(
            backend.to_pyarrow(union.count()).as_py()
        ) - MAX_PROBLEMS
    return problems, 0


def _with_values(found: ir.Table, raw: ir.Table, backend: BaseBackend) -> list[dict[str, Any]]:
    """The problems with the raw text of their cell, fetched only for those rows."""
    joined = found.left_join(raw, [found.file == raw._source, found.row == raw._row])
    cells = [
        (joined.column == column[len(_RAW) :], joined[column])
        for column in raw.columns
        if column.startswith(_RAW)
    ]
    cell = ibis.cases(*cells, else_=_null("string")) if cells else _null("string")
    value = joined.value.fill_null(cell).substr(0, MAX_VALUE_CHARS)
    ordered = joined.order_by(["file_order", "row", "column_order"])
    records = ordered.select("file", "row", "column", value=value, reason=joined.reason)
    return list(backend.to_pyarrow(records).to_pylist())


def _column_rank() -> dict[str, int]:
    return {name: index for index, name in enumerate(("id", *_INPUT_COLUMNS))}


def _branch(
    stored: ir.Table, column: str, reason: ir.Value, value: ir.Value | None = None
) -> ir.Table:
    return stored.filter(reason.notnull()).select(
        file=stored._source,
        row=stored._row,
        column=ibis.literal(column),
        value=_null("string") if value is None else value.cast("string"),
        reason=reason.cast("string"),
    )


def _unit_reason(unit: str) -> str | None:
    try:
        parse_unit(unit)
    except UnitError as exc:
        return str(exc)
    return None


def _region_reason(region: str) -> str | None:
    if is_known_region(region):
        return None
    return (
        "unknown region: use an ISO 3166 alpha-2 country code (DE), a country code with "
        "a subregion (US-CAMX), or a region such as EU27 or WORLD"
    )


def _distinct_value_branch(
    stored: ir.Table, column: str, reason_for: Callable[[str], str | None], backend: BaseBackend
) -> list[ir.Table]:
    """Rows whose value fails a Python check, run once per distinct value, never per row."""
    bad: dict[str, list[str]] = {"bad_value": [], "reason": []}
    for value in _distinct_values(stored, column, backend):
        reason = reason_for(value)
        if reason is not None:
            bad["bad_value"].append(value)
            bad["reason"].append(reason)
    if not bad["bad_value"]:
        return []
    reasons = ibis.memtable(
        pa.table(bad, schema=pa.schema([("bad_value", pa.string()), ("reason", pa.string())]))
    )
    joined = stored.inner_join(reasons, stored[column] == reasons.bad_value)
    return [_branch(joined, column, joined.reason)]


def _distinct_values(stored: ir.Table, column: str, backend: BaseBackend) -> Iterator[str]:
    """The first `_MAX_DISTINCT_VALUES` distinct values of a column, in order, read a page
    of `_VALUES_PER_RESULT` at a time (each page starts past the last value of the one
    before)."""
    distinct = stored.select(column).filter(stored[column].notnull()).distinct()
    last: str | None = None
    for start in range(0, _MAX_DISTINCT_VALUES, _VALUES_PER_RESULT):
        after = distinct if last is None else distinct.filter(distinct[column] > last)
        size = min(_VALUES_PER_RESULT, _MAX_DISTINCT_VALUES - start)
        page = backend.to_pyarrow(after.order_by(column).limit(size)).column(column).to_pylist()
        yield from page
        if len(page) < size:
            return
        last = page[-1]


def _duplicate_id_branch(stored: ir.Table) -> ir.Table:
    """A later row reusing an id names the first row with it: both rows are named."""
    first = stored.group_by(["_source", "id"]).aggregate(
        first_row=stored._row.min(), rows=stored.count()
    )
    first = first.filter(first.rows > 1)
    joined = stored.inner_join(first, ["_source", "id"])
    joined = joined.filter(joined._row != joined.first_row)
    reason = "duplicate id: the same id is on row " + joined.first_row.cast("string")
    return _branch(joined, "id", reason, joined.id)


def _output(stored: ir.Table, passthrough: Sequence[str]) -> ir.Table:
    columns = {name: stored[name].cast(dtype) for name, dtype in CANONICAL_COLUMNS.items()}
    columns |= {name: stored[name] for name in passthrough}
    return stored.select(**columns)
