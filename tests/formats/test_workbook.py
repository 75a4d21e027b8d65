"""The first sheet of a workbook: read whole, or refused by its span before calamine lays it out.

A sheet that calamine would lay out too large aborts the process (a Rust allocation
failure, past any `except`), so every test of such a sheet reads it in a child process:
a broken guard shows as a failed assertion, not as a dead test run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest

from neutra.formats import workbook
from neutra.formats.workbook import first_sheet
from tests.cli_run import installed_neutra

HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1"><v>2025</v></c></row>'
FAR = (
    "the first sheet spans A1:XFD1048576 (17,179,869,184 cells): a sheet may span at most"
    " 256 columns (A to IV) and 16,777,216 cells; delete the stray cells far from the data"
)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _workbook(path: Path, rows: str, *, part: str = "xl/worksheets/sheet1.xml") -> Path:
    """A workbook of one sheet holding `rows` (the XML inside sheetData), at `part`."""
    package = "http://schemas.openxmlformats.org/package/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as parts:
        parts.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/></Types>',
        )
        parts.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" Target="xl/workbook.xml"'
            f' Type="{RELATIONSHIPS}/officeDocument"/></Relationships>',
        )
        parts.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
            '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        parts.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{package}"><Relationship Id="rId1" Target="/{part}"'
            f' Type="{RELATIONSHIPS}/worksheet"/></Relationships>',
        )
        parts.writestr(
            part,
            f'<worksheet xmlns="{MAIN}" xmlns:x="{MAIN}"><dimension ref="A1:B2"/>'
            f"<sheetData>{rows}</sheetData></worksheet>",
        )
    return path


def _read_apart(path: Path) -> tuple[int, str | None]:
    """How many rows `first_sheet` reads and its reason, from a child process."""
    code = (
        "import json, sys; from pathlib import Path; from neutra.formats.workbook import first_sheet;"
        " rows, reason = first_sheet(Path(sys.argv[1])); print(json.dumps([len(rows), reason]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, (
        f"the reading process died ({done.returncode}): {done.stderr[-600:]}"
    )
    rows, reason = json.loads(done.stdout)
    return rows, reason


def test_a_workbook_with_one_cell_far_away_is_refused_by_its_span_not_a_crash(
    tmp_path: Path,
) -> None:
    # 1 KB on disk; laid out from A1, 17 billion cells: calamine asked for 512 GB and aborted.
    path = _workbook(
        tmp_path / "far.xlsx", HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    assert _read_apart(path) == (0, FAR)


@pytest.mark.parametrize("command", [["footprint"], ["credits", "check"]])
def test_neutra_refuses_the_far_cell_with_exit_status_2_and_names_the_file(
    tmp_path: Path, command: list[str]
) -> None:
    path = _workbook(
        tmp_path / "far.xlsx", HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    # A wide terminal, so that the table of problems does not wrap the path or the reason.
    done = installed_neutra(*command, path, home=tmp_path / "home", env={"COLUMNS": "1000"})
    assert done.returncode == 2, done.stderr[-600:]
    assert "Traceback" not in done.stderr
    (line,) = [line for line in done.stderr.splitlines() if "A1:XFD1048576" in line]
    assert str(path) in line
    assert FAR in line


@pytest.mark.parametrize(
    ("rows", "span"),
    [
        # No r on the cells: calamine counts them along the row.
        ('<row r="1048576">' + "<c><v>1</v></c>" * 300 + "</row>", "A1:KN1048576 (314,572,800"),
        # No r at all: calamine counts the rows too.
        (
            "<row></row>" * 1_048_574 + "<row>" + "<c><v>1</v></c>" * 16_384 + "</row>",
            "A1:XFD1048576",
        ),
        # Two r attributes: calamine takes the last.
        ('<row r="2"><c r="A2" r="XFD1048576"><v>1</v></c></row>', "A1:XFD1048576"),
        # r with spaces around = and in single quotes.
        ("<row r='2'><c r = 'XFD1048576'><v>1</v></c></row>", "A1:XFD1048576"),
        # Lower-case letters, and an attribute straight after a quote.
        ('<row r="2"><c s="0"r="xfd1048576"><v>1</v></c></row>', "A1:XFD1048576"),
        # A cell tag with a namespace prefix.
        ('<row r="2"><x:c r="XFD1048576"><x:v>1</x:v></x:c></row>', "A1:XFD1048576"),
    ],
    ids=["counted-columns", "counted-rows", "second-r", "spaced-r", "lower-case", "prefixed"],
)
def test_a_far_cell_is_found_however_the_xml_places_it(
    tmp_path: Path, rows: str, span: str
) -> None:
    read, reason = _read_apart(_workbook(tmp_path / "far.xlsx", HEADER + rows))
    assert read == 0
    assert reason is not None
    assert reason.startswith(f"the first sheet spans {span}")


def test_the_sheet_is_found_where_the_relationships_put_it_not_by_its_name(
    tmp_path: Path,
) -> None:
    far = HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    path = _workbook(tmp_path / "far.xlsx", far, part="xl/media/image1.png")
    assert _read_apart(path) == (0, FAR)


def test_a_normal_workbook_reads_every_cell(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["id", "year", "activity", "quantity", "unit", "region"])
    book.active.append(["r1", 2025, "fuel.natural_gas", 5, "kWh", "GB"])
    book.save(tmp_path / "a.xlsx")
    rows, reason = first_sheet(tmp_path / "a.xlsx")
    assert reason is None
    assert rows == [
        ["id", "year", "activity", "quantity", "unit", "region"],
        ["r1", 2025, "fuel.natural_gas", 5, "kWh", "GB"],
    ]


def test_a_stray_cell_sixty_columns_away_still_reads(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "a.xlsx", HEADER + '<row r="100"><c r="BH100"><v>1</v></c></row>')
    rows, reason = first_sheet(path)
    assert reason is None
    assert (len(rows), {len(row) for row in rows}) == (100, {60})
    assert rows[99][59] == 1


def test_a_sheet_reads_up_to_column_iv_and_is_refused_past_it(tmp_path: Path) -> None:
    at_iv = _workbook(tmp_path / "iv.xlsx", HEADER + '<row r="2"><c r="IV2"><v>1</v></c></row>')
    past = _workbook(tmp_path / "iw.xlsx", HEADER + '<row r="2"><c r="IW2"><v>1</v></c></row>')
    rows, reason = first_sheet(at_iv)
    assert (reason, len(rows[1])) == (None, 256)
    assert first_sheet(past) == (
        [],
        "the first sheet spans A1:IW2 (514 cells): a sheet may span at most 256 columns"
        " (A to IV) and 16,777,216 cells; delete the stray cells far from the data",
    )


def test_a_sheet_past_the_cell_limit_is_refused_even_when_narrow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook, "MAX_SHEET_CELLS", 100)  # 16,777,216; the 120 cells here
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="F{n}"><v>1</v></c></row>'
                   for n in range(1, 21))  # fmt: skip
    assert first_sheet(_workbook(tmp_path / "a.xlsx", rows)) == (
        [],
        "the first sheet spans A1:F20 (120 cells): a sheet may span at most 100 cells;"
        " delete the stray cells far from the data, or save a table this large as CSV",
    )


def test_an_empty_formatted_cell_far_away_is_not_part_of_the_span(tmp_path: Path) -> None:
    # Excel keeps a cell whose value was deleted if it was formatted; calamine skips it.
    empty = '<row r="1048576"><c r="XFD1048576" s="1"/></row>'
    rows, reason = first_sheet(_workbook(tmp_path / "a.xlsx", HEADER + empty))
    assert (reason, rows) == (None, [["id", 2025]])


def test_a_damaged_workbook_is_a_file_that_cannot_be_read(tmp_path: Path) -> None:
    whole = _workbook(tmp_path / "whole.xlsx", HEADER).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole[: len(whole) // 2])
    rows, reason = first_sheet(cut)
    assert rows == []
    assert reason is not None
    assert reason.startswith("cannot read the file as a workbook")


def test_a_far_cell_on_another_sheet_is_refused_too_and_that_sheet_named(tmp_path: Path) -> None:
    # Which part calamine reads as the first sheet is its own affair: every sheet is checked.
    book = openpyxl.Workbook()
    book.active.append(["id", "year"])
    book.create_sheet("notes")["XFD1048576"] = "x"
    book.save(tmp_path / "a.xlsx")
    assert first_sheet(tmp_path / "a.xlsx") == (
        [],
        "the sheet 'notes' spans A1:XFD1048576 (17,179,869,184 cells): a sheet may span at"
        " most 16,777,216 cells (every sheet is checked before the first is read); delete"
        " the stray cells far from the data, or save a table this large as CSV",
    )
