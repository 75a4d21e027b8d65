"""Malformed activity files never crash the reader.

Whatever bytes a user hands over, `read_activities` returns `ActivityData` or
raises `InvalidInputError` listing problems: never any other exception.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from neutra.core.activities import ActivityData
from neutra.core.errors import InvalidInputError
from neutra.formats.activity_files import read_activities

HEADER = [
    "id",
    "year",
    "period_start",
    "period_end",
    "activity",
    "quantity",
    "unit",
    "region",
    "scope",
    "category",
]
FUZZ = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Cells a user might type, and the characters that break naive CSV parsing.
cells = st.one_of(
    st.sampled_from(
        ["", "2024", "2024.0", "1,000", "kWh", "DE", "US-CAMX", "nan", "3", "2023-12-31"]
    ),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12),
    st.text(alphabet=',"\n\r; \t\\x', max_size=6),
)


def _outcome(name: str, content: bytes) -> str:
    """'read' or 'refused' for a well-behaved reader; anything else raises through."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            result = read_activities([path])
        except InvalidInputError as exc:
            return "refused" if exc.problems else "refused without problems"
        return "read" if isinstance(result, ActivityData) else f"returned {type(result)}"


def _read(name: str, content: bytes) -> None:
    assert _outcome(name, content) in {"read", "refused"}


def _xlsx(rows: list[list[str]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@FUZZ
@given(st.text(max_size=300))
def test_random_text_as_csv_is_read_or_refused(text):
    _read("a.csv", text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.lists(st.lists(cells, min_size=8, max_size=12), min_size=1, max_size=6))
def test_random_cells_under_a_valid_header_are_read_or_refused(rows):
    lines = [",".join(HEADER)] + [",".join(row) for row in rows]
    _read("a.csv", "\n".join(lines).encode())


@FUZZ
@given(st.lists(st.lists(cells, min_size=10, max_size=10), min_size=1, max_size=6))
def test_random_cells_in_a_workbook_are_read_or_refused(rows):
    # openpyxl refuses control characters a worksheet cannot hold; that is not our reader.
    clean = [[ILLEGAL_CHARACTERS_RE.sub("", c) for c in row] for row in rows]
    _read("a.xlsx", _xlsx([HEADER, *clean]))


# Built once: openpyxl stamps the time into a workbook, and Hypothesis needs the same
# bytes (and length) each time it replays an example, or it reports a flaky strategy.
GOOD_CSV = (",".join(HEADER) + "\n1,2024,,,diesel,12.5,L,DE,1,\n").encode()
GOOD_XLSX = _xlsx([HEADER, ["1", "2024", "", "", "diesel", "12.5", "L", "DE", "1", ""]])


@FUZZ
@given(st.data())
def test_a_truncated_file_is_read_or_refused(data):
    name, content = data.draw(st.sampled_from([("a.csv", GOOD_CSV), ("a.xlsx", GOOD_XLSX)]))
    cut = data.draw(st.integers(min_value=1, max_value=len(content) - 1))
    _read(name, content[:cut])


@FUZZ
@given(st.binary(min_size=1, max_size=400), st.sampled_from(["a.csv", "a.xlsx", "a.parquet"]))
def test_random_bytes_in_any_format_are_refused_without_a_traceback(content, name):
    _read(name, content)


def _raw_rows(read: object, content: bytes) -> list[tuple[object, ...]] | None:
    """The rows one of the two CSV readers gives for a file (None: it declines the file)."""
    from neutra.core.activities import quiet_duckdb
    from neutra.formats import activity_files

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "a.csv"
        path.write_bytes(content)
        names = activity_files._header("a.csv", activity_files._csv_header(path, "a.csv"))
        try:
            loaded = read(quiet_duckdb(), path, "a.csv", "t", names, None)  # type: ignore[operator]
        except activity_files._FileError as exc:
            return [("refused", *(p.reason for p in exc.problems))]
        if loaded is None:
            return None
        table = loaded.table.order_by("_row").to_pyarrow()
        ragged = [("ragged", p.row, p.reason) for p in loaded.problems]
        return ragged + [tuple(row.values()) for row in table.to_pylist()]


def _read_by_duckdb(con: Any, path: Path, label: str, name: str, names: list[str], _: Any) -> Any:
    """DuckDB's read of a CSV, as validation decides it (None: the careful reader's file).

    DuckDB's view is trusted once the file has been read whole (here forced, as when
    validation fails inside DuckDB) and the hash thread found nothing ambiguous; a file
    only the single-threaded reader takes stays DuckDB's.
    """
    from neutra.formats import activity_files

    loaded = activity_files._read_csv_with_duckdb(con, path, label, name, names, None)
    if loaded is None:
        return None
    again = activity_files._read_again(con, [loaded], [], True, None)
    if again is None:
        return loaded
    return again[0] if again and again[0].csv_path is not None else None


# Mostly well-formed cells, quoted as a spreadsheet quotes them, so that most files go
# the fast way; now and then a raw cell of the characters that break CSV parsing.
quoted = st.text(alphabet=',"\n\r;xé1', max_size=6).map(lambda t: '"' + t.replace('"', '""') + '"')
tame_cells = st.one_of(
    st.sampled_from(["", "2024", "1.5", "kWh", "DE", "x y", "é"]), quoted, cells.filter(bool)
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(*[st.lists(tame_cells, min_size=5, max_size=5)] * 4, st.lists(tame_cells)),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["\n", "\r\n"]),
)
def test_the_fast_csv_reader_reads_every_file_it_takes_as_the_careful_reader_does(rows, newline):
    from neutra.formats import activity_files

    lines = ["id,year,activity,quantity,unit"] + [",".join(row) for row in rows]
    content = newline.join(lines).encode()
    fast = _raw_rows(_read_by_duckdb, content)
    if fast is not None:
        assert fast == _raw_rows(activity_files._read_csv_carefully, content)


def test_a_well_formed_csv_goes_the_fast_way_and_a_ragged_one_the_careful_way():

    good = (
        b'id,year,activity,quantity,unit\r\n1,2024,"diesel, fleet",1.5,L\r\n'
        b'2,2024,"line\nbreak",2,L\r\n3,2024,"say:""hi""",,\r\n'
    )
    assert _raw_rows(_read_by_duckdb, good) == [
        ("1", "2024", "diesel, fleet", "1.5", "L", "a.csv", 2),
        ("2", "2024", "line\nbreak", "2", "L", "a.csv", 3),
        ("3", "2024", 'say:"hi"', "", "", "a.csv", 4),
    ]
    for ragged in (b"id,year,activity,quantity,unit\n1,2024,x,1,L,\n", b"id,year\n1\n"):
        assert _raw_rows(_read_by_duckdb, ragged) is None
