"""Malformed activity files never crash the reader.

Whatever bytes a user hands over, `read_activities` returns `ActivityData` or
raises `InvalidInputError` listing problems: never any other exception.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

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
