"""The first sheet of a workbook: read whole (its Excel errors as such), or refused by its span
before calamine lays it out, or said to be empty when another sheet holds the data.

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
from neutra.formats.workbook import CellError, cell_errors, cell_text, first_sheet
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


# ---------------------------------------------------------------- found in review
#
# Each workbook below got past the size check: the far cells aborted the reading process,
# the deflate stream would have kept the scan busy for as long as it unpacks.


def _refused_apart(path: Path) -> str:
    """The reason `first_sheet` refuses the workbook with, read in a child process."""
    read, reason = _read_apart(path)
    assert read == 0
    assert reason is not None
    return reason


@pytest.mark.parametrize("prefix", ["a=", 'a""', "a/b"], ids=["equals", "quotes", "slash"])
@pytest.mark.parametrize("first", ["", "<c><v>1</v></c>"], ids=["as-written", "counted-first"])
def test_a_cell_tag_is_a_cell_whatever_characters_its_prefix_holds(
    tmp_path: Path, prefix: str, first: str
) -> None:
    # quick-xml names an element by everything up to the first space and calamine takes
    # what follows the first colon: <a=:c> is a cell. Placed by calamine's counters, 16,384
    # of them in the last row span A1:XFD1048576. With `first`, a cell without r before
    # them leaves the judging to the scan that follows the counters.
    header = HEADER.replace("</row>", f"{first}</row>")
    cells = f"<{prefix}:c><v>1</v></c>" * 16_384
    path = _workbook(tmp_path / "far.xlsx", f'{header}<row r="1048576">{cells}</row>')
    assert _refused_apart(path).startswith("the first sheet ")


def test_a_cell_ends_only_at_an_end_tag_calamine_takes_for_its_end(tmp_path: Path) -> None:
    # </a:b:c> is named b:c after its first colon: the cell goes on, and its value follows.
    far = '<row r="1048576"><c r="XFD1048576"></a:b:c><v>1</v></c></row>'
    reason = _refused_apart(_workbook(tmp_path / "far.xlsx", HEADER + far))
    assert reason.startswith("the first sheet may span up to A1:XF")


def test_a_second_r_megabytes_of_spaces_after_its_name_is_still_found(tmp_path: Path) -> None:
    # The spaces between r and = outlast the overlap of the windows the scan reads in.
    spaces = " " * (3 << 20)
    far = f'<row r="2"><c r="A2" r{spaces}="XFD1048576"><v>1</v></c></row>'
    reason = _refused_apart(_workbook(tmp_path / "far.xlsx", HEADER + far))
    assert reason.startswith("the first sheet may span up to A1:XF")


def test_a_sheet_stored_under_a_name_ending_in_a_slash_is_checked_too(tmp_path: Path) -> None:
    # zipfile takes such a member for a folder; calamine reads it as the sheet it is.
    far = HEADER + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    path = _workbook(tmp_path / "far.xlsx", far, part="xl/worksheets/sheet1.xml/")
    assert _refused_apart(path) == FAR


def _with_filler(path: Path, size: int, *, stated: int | None = None) -> Path:
    """The workbook at `path` with a part of `size` zero bytes, stated as `stated` bytes."""
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as parts:
        parts.writestr("xl/media/filler.bin", bytes(size))
    if stated is not None:
        with zipfile.ZipFile(path) as parts:
            local = parts.getinfo("xl/media/filler.bin").header_offset
        data = bytearray(path.read_bytes())
        central = data.rindex(b"PK\x01\x02")  # the directory's last entry: the filler's
        data[local + 22 : local + 26] = stated.to_bytes(4, "little")
        data[central + 24 : central + 28] = stated.to_bytes(4, "little")
        path.write_bytes(bytes(data))
    return path


def test_a_workbook_that_unpacks_past_the_limit_is_refused_before_it_is_unpacked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A deflate stream unpacks to a thousand times its size: 200 MB of upload, 200 GB to
    # read. What the parts say they hold is summed first.
    monkeypatch.setattr(workbook, "MAX_UNPACKED_BYTES", 1 << 20)  # 2 GiB; the 2 MiB here
    path = _with_filler(_workbook(tmp_path / "a.xlsx", HEADER), 2 << 20)
    with zipfile.ZipFile(path) as parts:
        unpacked = sum(info.file_size for info in parts.infolist())  # the filler and 1 KB
    assert first_sheet(path) == (
        [],
        f"the workbook's parts unpack to {unpacked:,} bytes: at most 1,048,576 are read;"
        " save a table this large as CSV",
    )


def test_a_part_is_read_only_as_far_as_its_stated_size_as_calamine_reads_it(
    tmp_path: Path,
) -> None:
    # Its deflate stream holds 4 MiB; calamine stops at the 1,000 bytes stated.
    path = _with_filler(_workbook(tmp_path / "a.xlsx", HEADER), 4 << 20, stated=1000)
    with path.open("rb") as raw, zipfile.ZipFile(raw) as archive:
        info = archive.getinfo("xl/media/filler.bin")
        assert info.file_size == 1000
        assert sum(map(len, workbook._member_chunks(raw, info))) == 1000


# ---------------------------------------------------------------- Excel errors, empty sheets

ERRORS = ["#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"]


def test_a_cell_holding_an_excel_error_reads_as_that_error_not_as_an_empty_cell(
    tmp_path: Path,
) -> None:
    book = openpyxl.Workbook()
    book.active.append(["id", "quantity"])
    for number, error in enumerate(ERRORS, start=1):
        book.active.append([f"r{number}", error])  # openpyxl writes these as errors: t="e"
    book.active.append(["r8", "#DIV/0 is text"])
    book.save(tmp_path / "a.xlsx")
    rows, reason = first_sheet(tmp_path / "a.xlsx")
    assert reason is None
    assert [row[1] for row in rows[1:]] == [*map(CellError, ERRORS), "#DIV/0 is text"]
    assert [cell_text(row[1]) for row in rows[1:8]] == ERRORS
    assert CellError("#N/A").reason == "the cell holds the Excel error #N/A"


def test_an_error_cell_without_r_is_found_where_calamine_counts_it(tmp_path: Path) -> None:
    rows = (
        HEADER
        + '<row><c><v>1</v></c><c t="e"><f>1/0</f><v>#DIV/0!</v></c></row>'
        + '<row r="5"><c r="C5" t="e"><v>#N/A</v></c><c t="e"><v>#REF!</v></c></row>'
        # The last value read wins: an error followed by a formula is no error.
        + '<row><c t="e"><v>#NUM!</v><f>1</f></c></row>'
        # Of two cells in one place, calamine keeps the last.
        + '<row r="7"><c r="A7" t="e"><v>#N/A</v></c><c r="A7" t="e"><v>#NUM!</v></c></row>'
    )
    read, reason = first_sheet(_workbook(tmp_path / "a.xlsx", rows))
    assert reason is None
    assert read == [
        ["id", 2025, "", ""],
        [1, CellError("#DIV/0!"), "", ""],
        ["", "", "", ""],
        ["", "", "", ""],
        ["", "", CellError("#N/A"), CellError("#REF!")],
        ["", "", "", ""],
        [CellError("#NUM!"), "", "", ""],
    ]


def test_errors_in_xml_too_odd_to_place_them_by_refuse_the_sheet(tmp_path: Path) -> None:
    # calamine reads past a DOCTYPE among the rows; the scan does not follow it.
    rows = HEADER + '<!DOCTYPE x><row r="2"><c r="A2" t="e"><v>#N/A</v></c></row>'
    rows, reason = first_sheet(_workbook(tmp_path / "a.xlsx", rows))
    assert rows == []
    assert reason is not None
    assert reason.startswith("the first sheet may hold Excel errors (such as #DIV/0! or #N/A)")


def test_each_error_is_named_by_its_row_and_column(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.append(["id", "#REF!"])
    book.active.append(["r1", 5, "#N/A"])
    book.active.append(["r2", "#DIV/0!"])
    book.save(tmp_path / "a.xlsx")
    rows, _ = first_sheet(tmp_path / "a.xlsx")
    found = [(row, column, error.code) for row, column, error in cell_errors(rows, ["id", ""])]
    # The header's own cells, and those past it, by their letters.
    assert found == [(1, "B", "#REF!"), (2, "C", "#N/A"), (3, "B", "#DIV/0!")]
    found = [(row, column) for row, column, _ in cell_errors(rows, ["id", "quantity"], width=2)]
    assert found == [(1, "B"), (3, "quantity")]


def test_an_empty_first_sheet_says_the_data_must_be_on_it_and_names_the_sheet_holding_it(
    tmp_path: Path,
) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.create_sheet("Empty too")
    book.create_sheet("Data").append(["id", "year"])
    book.save(tmp_path / "a.xlsx")
    assert first_sheet(tmp_path / "a.xlsx") == (
        [],
        "the first sheet, 'Notes', is empty; the data must be on the first sheet, and the"
        " sheet 'Data' holds some: move it to the front",
    )


def test_a_workbook_whose_sheets_are_all_empty_reads_as_no_rows(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.create_sheet("Other")
    book.save(tmp_path / "a.xlsx")
    assert first_sheet(tmp_path / "a.xlsx") == ([], None)
