"""The first sheet of an XLSX workbook, read one way for every kind of file.

A cell reads as the text the user sees (`cell_text`: no ".0" that Excel adds
to whole numbers, dates as ISO). A cell holding an Excel error (#DIV/0!, #N/A...),
which calamine reads as empty, is a `CellError`, found in the sheet's XML, so that
every reader can say where it is (`cell_errors`) instead of taking it for a missing
value. It must never let calamine's own errors (nor its Rust panics) escape: a
workbook that cannot be read comes back as the reason, for the caller's `Problem`;
so does an empty first sheet when another sheet holds the data.

Nor may it let calamine lay out a sheet too large to hold. Calamine builds the
sheet densely, every row by every column from A1 to the farthest cell, before
Python sees a cell: one stray cell at XFD1048576 in a 5 KB file asks for 17
billion cells, and the failed Rust allocation aborts the process, past any
`except`. So every part of the package is scanned first for how far calamine
could be made to lay cells out from it, and a sheet past `MAX_SHEET_COLUMNS` or
`MAX_SHEET_CELLS` comes back as the reason, naming its span. Neither the
`<dimension>` element nor a guess at which part calamine reads as the first
sheet is trusted. The zip is read as calamine's reader reads it (every member,
to its stated size at most), a package that unpacks past `MAX_UNPACKED_BYTES`
is refused unread, and each part is judged cheapest first: by its r attributes
alone (`_fits_quickly`), by its cells when each carries r (`_explicit_extent`),
by following calamine's counters (`_exact_extent`), or by a bound that holds
for any bytes (`_crude_extent`). The XML is read as quick-xml reads it, which is
not as an XML parser would: a tag's name runs to the first space whatever it
holds (<a=:c> is a cell), so every pattern errs on the side of a larger sheet.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import itertools
import operator
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

__all__ = [
    "MAX_SHEET_CELLS",
    "MAX_SHEET_COLUMNS",
    "MAX_UNPACKED_BYTES",
    "SHEET_ROWS",
    "CellError",
    "cell_errors",
    "cell_text",
    "first_sheet",
]

SHEET_ROWS = 1_048_575  # rows of data a sheet holds (Excel's 1,048,576, less a header)
# A to IV (Excel's old limit). The widest contract, the activity file, has 13 columns; the
# rest is room for pass-through columns. A 2-row sheet 16,384 columns wide kept
# `neutra footprint` busy for minutes; at 256 columns it takes 2 s.
MAX_SHEET_COLUMNS = 256
# Every row a sheet holds by 16 columns (the activity file's 13 and 3 more): about 2 GB
# once calamine and Python hold it filled, 0.7 GB and 5 s when a stray cell's empty span.
# A larger table streams as CSV or Parquet.
MAX_SHEET_CELLS = 16 * 1_048_576
# What the parts of a workbook may hold unpacked, all told: three times the XML of a sheet
# filled to MAX_SHEET_CELLS. Each byte is scanned before calamine reads it, and a deflate
# stream unpacks to a thousand times its size (a 200 MB upload, 200 GB to scan).
MAX_UNPACKED_BYTES = 2 << 30


@dataclass(frozen=True, slots=True)
class CellError:
    """A cell holding an Excel error value, as a broken formula leaves it (calamine reads
    it as an empty cell, so `first_sheet` puts this in its place)."""

    code: str  # as Excel shows it: #DIV/0!, #N/A, #VALUE!, #REF!, #NAME?, #NUM! or #NULL!

    @property
    def reason(self) -> str:
        return f"the cell holds the Excel error {self.code}"


_FATAL = (KeyboardInterrupt, SystemExit, MemoryError)  # never a file that cannot be read


def first_sheet(path: Path) -> tuple[list[list[Any]], str | None]:
    """The first sheet's rows as calamine reads them, a `CellError` in each cell holding an
    Excel error ([] for a workbook without sheets or with only empty ones); or no rows and
    why the file cannot be read as a workbook, or why its empty first sheet is not read
    for the data on another."""
    from python_calamine import CalamineWorkbook

    try:
        # Before calamine reads a part: it reads the shared strings when it opens the file.
        too_large = _too_large(path)
        if too_large is not None:
            return [], too_large
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            return [], None
        rows = workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)
        unplaced = _mark_errors(path, rows)
        if unplaced is not None:
            return [], unplaced
        if _holds_data(rows):
            return rows, None
        for index, name in enumerate(workbook.sheet_names[1:], start=1):
            try:
                other = workbook.get_sheet_by_index(index).to_python()
            except BaseException as exc:  # a sheet calamine cannot read holds no data for us
                if isinstance(exc, _FATAL):
                    raise
                continue
            if _holds_data(other):
                return [], (
                    f"the first sheet, {workbook.sheet_names[0]!r}, is empty; the data must be"
                    f" on the first sheet, and the sheet {name!r} holds some: move it to the front"
                )
        return [], None
    except BaseException as exc:
        # calamine raises its own errors, zip errors, and (from Rust) PanicException,
        # which is a BaseException: all mean the workbook cannot be read. A scan that
        # fails leaves the sheet unloaded too.
        if isinstance(exc, _FATAL):
            raise
        return [], f"cannot read the file as a workbook: {str(exc)[:200]}"


def cell_text(cell: Any) -> str:
    """A cell as the text the user sees, without the '.0' Excel adds to whole numbers."""
    if isinstance(cell, bool):
        return "TRUE" if cell else "FALSE"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, dt.datetime):
        return cell.date().isoformat() if cell.time() == dt.time() else cell.isoformat(" ")
    if isinstance(cell, dt.date | dt.time):
        return cell.isoformat()
    if isinstance(cell, CellError):
        return cell.code
    return str(cell).strip() if cell is not None else ""


def cell_errors(
    rows: Sequence[Sequence[Any]], names: Sequence[str], width: int | None = None
) -> Iterator[tuple[int, str, CellError]]:
    """Each cell of `rows` (from `first_sheet`) that holds an Excel error, in its first
    `width` columns (the ones the caller reads; all by default): its row in the sheet (the
    header is row 1), its column, and the error. A column is named by `names` (the
    header's), or by its letters in the header row and past the named columns."""
    for index, row in enumerate(rows):
        for column, cell in enumerate(row[:width]):
            if isinstance(cell, CellError):
                named = index > 0 and column < len(names) and names[column]
                yield index + 1, names[column] if named else _column_name(column + 1), cell


def _holds_data(rows: Sequence[Sequence[Any]]) -> bool:
    return any(cell_text(cell) for row in rows for cell in row)


# ---------------------------------------------------------------- Excel errors

# A cell type attribute of e, however spelled (after `_windows` squeezed the spaces).
_ERROR_TYPE = re.compile(rb"t ?= ?[\"']e[\"']")


def _mark_errors(path: Path, rows: list[list[Any]]) -> str | None:
    """Put a `CellError` in each cell of the first sheet's `rows` that holds an Excel
    error, found in the sheet's XML where calamine places it; or why they cannot be placed.

    Only a cell that calamine read as empty is marked (as it reads an error), so that a
    part misjudged for the first sheet marks nothing that holds a value.
    """
    with path.open("rb") as raw, zipfile.ZipFile(raw) as archive:
        sheets = _sheet_parts(archive)
        members = {_part_name(info.filename): info for info in archive.infolist()}
        info = members.get(sheets[0][1]) if sheets else None
        if info is None:
            return None
        windows = _windows(_member_chunks(raw, info), squeeze=True)
        if not any(_ERROR_TYPE.search(window) for window, _ in windows):
            return None  # the common case: one pass at the speed of a regular expression
        for cell in _placed_cells(_member_chunks(raw, info)):
            if cell is None:
                # Its XML is too odd to follow (no spreadsheet program writes it so).
                return (
                    "the first sheet may hold Excel errors (such as #DIV/0! or #N/A) in cells"
                    " whose place cannot be told: correct the formulas that give them, or"
                    " save the workbook again from a spreadsheet program"
                )
            row, column, code = cell
            if code is None or row >= len(rows) or column >= len(rows[row]):
                continue
            # Of two cells placed alike, calamine keeps the last.
            if rows[row][column] == "" or isinstance(rows[row][column], CellError):
                rows[row][column] = CellError(code)
    return None


# ---------------------------------------------------------------- the size check


@dataclass(frozen=True, slots=True)
class _Extent:
    """How far the cells of a part reach, from A1, as calamine lays a sheet out."""

    rows: int  # number of the farthest row (1-based; 0 when there is no cell)
    columns: int  # number of the farthest column (1-based; 0 when there is no cell)
    exact: bool  # False: only an upper bound, the XML being too odd to follow cell by cell

    @property
    def cells(self) -> int:
        return self.rows * self.columns

    def fits(self, column_cap: int | None) -> bool:
        return self.cells <= MAX_SHEET_CELLS and (column_cap is None or self.columns <= column_cap)


def _too_large(path: Path) -> str | None:
    """Why a part of the workbook is too large for calamine to lay out, or None.

    Every part is checked, not only the first sheet's: calamine finds the sheet through
    the package's relationships, matches part names case-blind and takes the last of two
    that share a name, and a scan of any other part than the one it loads would let a far
    cell through. The column limit holds for the first sheet as the relationships name it
    (for every part when they cannot be followed); other sheets may be wide.
    """
    with path.open("rb") as raw, zipfile.ZipFile(raw) as archive:
        # A name ending in / is a folder to zipfile, not to calamine: every member is read.
        parts = archive.infolist()
        unpacked = sum(info.file_size for info in parts)
        if unpacked > MAX_UNPACKED_BYTES:
            return (
                f"the workbook's parts unpack to {unpacked:,} bytes: at most"
                f" {MAX_UNPACKED_BYTES:,} are read; save a table this large as CSV"
            )
        sheets = _sheet_parts(archive)
        first = sheets[0][1] if sheets else None
        names = {part: name for name, part in reversed(sheets)}
        parts.sort(key=lambda info: _part_name(info.filename) != first)  # the likely one first
        for info in parts:
            part = _part_name(info.filename)
            column_cap = MAX_SHEET_COLUMNS if first is None or part == first else None
            if _fits_quickly(_member_chunks(raw, info), column_cap):
                continue
            extent = _explicit_extent(_member_chunks(raw, info))
            if extent is None:
                extent = _exact_extent(_member_chunks(raw, info))
            if extent is None:
                extent = _crude_extent(_member_chunks(raw, info))
            if extent.fits(column_cap):
                continue
            if part == first:
                what = "the first sheet"
            elif part in names:
                what = f"the sheet {names[part]!r}"
            else:
                what = f"the workbook's part {info.filename!r}"
            return _too_large_reason(what, extent, column_cap, checked_all=part != first)
    return None


def _too_large_reason(what: str, extent: _Extent, column_cap: int | None, checked_all: bool) -> str:
    spans = "spans" if extent.exact else "may span up to"
    reach = f"A1:{_column_name(extent.columns)}{extent.rows}"
    if column_cap is not None and extent.columns > column_cap:
        limit = (
            f"a sheet may span at most {column_cap:,} columns (A to {_column_name(column_cap)})"
            f" and {MAX_SHEET_CELLS:,} cells"
        )
        remedy = "delete the stray cells far from the data"
    else:
        limit = f"a sheet may span at most {MAX_SHEET_CELLS:,} cells"
        remedy = "delete the stray cells far from the data, or save a table this large as CSV"
    checked = " (every sheet is checked before the first is read)" if checked_all else ""
    return f"{what} {spans} {reach} ({extent.cells:,} cells): {limit}{checked}; {remedy}"


# ---------------------------------------------------------------- reading a part as calamine does

_CHUNK = 1 << 20
_ENCRYPTED = 0x1  # general purpose flag bit: the part needs a password


def _member_chunks(raw: IO[bytes], info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's bytes as calamine's zip reader reads them: the compressed size the directory
    states, inflated to the end of the deflate stream or the stated size, whichever comes
    first, whatever the checksum (calamine stops at the end of the sheet's data, before
    its zip reader checks it; zipfile would drop the last bytes read on a bad one).

    Past the stated size calamine's reader fails, so a deflate bomb that understates it is
    read no further than calamine would read it; one that states it is refused by
    `MAX_UNPACKED_BYTES` first. A bounded output keeps memory to a chunk at a time.
    """
    if info.flag_bits & _ENCRYPTED:
        return  # calamine cannot read it either
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        # calamine may read a method zipfile cannot; unread, the part could hold anything
        raise zipfile.BadZipFile(
            f"{info.filename!r} is compressed with method {info.compress_type}, not deflate"
        )
    raw.seek(info.header_offset)
    header = raw.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"the local header of {info.filename!r} is damaged")
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    raw.seek(info.header_offset + 30 + name_length + extra_length)
    inflate = zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
    left = info.compress_size  # compressed bytes still to read
    wanted = info.file_size  # bytes still to give
    while left > 0 and wanted > 0:
        block = raw.read(min(left, _CHUNK))
        if not block:
            return
        left -= len(block)
        if inflate is None:
            yield block[:wanted]
            wanted -= len(block)
            continue
        try:
            data = inflate.decompress(block, min(wanted, _CHUNK))
            while data:
                wanted -= len(data)
                yield data
                # (a max_length of 0 would mean no bound at all)
                more = wanted > 0 and inflate.unconsumed_tail
                data = (
                    inflate.decompress(inflate.unconsumed_tail, min(wanted, _CHUNK))
                    if more
                    else b""
                )
        except zlib.error:
            return  # calamine's inflater stops here too
        if inflate.eof:
            return


_SPACES = bytes.maketrans(b"\t\r\n", b"   ")  # XML reads all four alike in markup
_LONG_SPACES = re.compile(b" {2,}")
_OVERLAP = 256  # longer than any match the windowed patterns need whole


def _spaced(chunk: bytes) -> bytes:
    """XML whitespace as spaces (a membership test is cheaper than a translation)."""
    return chunk.translate(_SPACES) if b"\n" in chunk or b"\r" in chunk or b"\t" in chunk else chunk


def _windows(chunks: Iterable[bytes], *, squeeze: bool) -> Iterator[tuple[bytes, bool]]:
    """The part as windows that overlap by `_OVERLAP` bytes, and whether each is the last:
    a match up to that long lies whole in some window. With `squeeze`, a run of spaces
    reads as one, so that not even `r = "XFD1"` spelled with many can stretch across two."""
    carry = b""
    pending: bytes | None = None
    for chunk in itertools.chain(chunks, (None,)):
        if pending is not None:
            window = carry + pending
            if squeeze and b"  " in window:
                window = _LONG_SPACES.sub(b" ", window)
            yield window, chunk is None
            carry = window[-_OVERLAP:]
        pending = None if chunk is None else _spaced(chunk)


# ---------------------------------------------------------------- the quick scan

# A cell tag whose first attribute is not r, or a prefixed one: calamine may place it by
# its counters, which only the exact scan follows. quick-xml names an element by all up
# to the first space (<a"=/b:c> too) and calamine takes what follows the first colon, so
# any ":c" before a space, / or > may be a cell's tag (or its end tag).
_ODD_CELL = re.compile(rb'<c(?! r=")[ />]')
_ODD_CELL_SPACED = re.compile(rb"<c(?! +r *=)[ />]")
_PREFIXED = re.compile(rb":c[ />]")
# An r attribute spelled otherwise than r="...: r = "...", r= "..." or r='...'.
_RESPELLED = re.compile(rb"r(?: +=|= *'|= +\")")
_VALUE = re.compile(rb"([A-Za-z]*)([0-9]*)")
_COLUMN_LETTERS = re.compile(rb"r *= *[\"']([A-Za-z]{1,63})[0-9]")


def _fits_quickly(chunks: Iterable[bytes], column_cap: int | None) -> bool:
    """Whether the part surely fits, judged from its r attributes alone (False: the exact
    scan must judge).

    That holds while every cell tag carries r first, as every writer puts it: calamine then
    places each cell by an r value (the last, when a tag has two), and the farthest column
    and row among all r values of the part bound the sheet. Rows are only matched from a
    threshold near what the columns allow, and the patterns expect `r="`, as every writer
    spells it, until another spelling turns up; so most cells fail the pattern at their
    first digit, and the scan costs a fraction of calamine's own parse.
    """
    columns = 0
    threshold = _row_threshold(columns)
    rows = 0  # the farthest row among values at or past their window's threshold
    below = 0  # rows below the threshold in the windows done: at most threshold - 1 there
    spaced = False  # whether an r attribute was spelled with spaces or quotes other than r="
    # Runs of spaces squeezed: `r`, a megabyte of spaces and `="XFD1"` lie in one window.
    for window, last in _windows(chunks, squeeze=True):
        position = -1  # -1: the window's cell tags are still to be checked
        while True:
            if position < 0:
                if not spaced and _RESPELLED.search(window):
                    spaced = True  # from here on: patterns for any spelling
                odd = (_ODD_CELL_SPACED if spaced else _ODD_CELL).search(window)
                if odd is not None and (last or odd.start() < len(window) - _OVERLAP):
                    return False  # past the limit, the next window sees the tag whole
                if _PREFIXED.search(window):
                    return False
                position = 0
            match = _values_past(columns, threshold, spaced).search(window, position)
            if match is None:
                break
            letters, digits = _value(window, match.start("value"))
            if len(letters) >= 64 or (len(digits) > 1 and digits[:1] == b"0"):
                return False  # an endless name or a leading zero: the exact scan reads it
            position = match.end()
            if not digits or int(digits) < 1:
                continue  # not a cell reference (header="0.3", operator="between")
            rows = max(rows, int(digits))
            column = _column_number(letters)
            if column > columns:
                found = set(_COLUMN_LETTERS.findall(window))
                columns = max([column, *(_column_number(name) for name in found)])
                if column_cap is not None and columns > column_cap:
                    return False
                threshold = _row_threshold(columns)
                position = 0  # this window again, against the lower threshold
            if max(rows, below, 1) * columns > MAX_SHEET_CELLS:
                return False  # earlier windows were only checked against a higher threshold
        below = max(below, threshold - 1)
    return max(rows, below) * max(columns, 1) <= MAX_SHEET_CELLS


def _row_threshold(columns: int) -> int:
    """The row from which the patterns match r values: a million while the columns allow
    that many rows (few of the rows a sheet holds lie past it), else the most rows the
    columns allow, cut to two significant figures (a shorter pattern)."""
    most = MAX_SHEET_CELLS // max(columns, 1)
    if most >= 1_000_000:
        return 1_000_000
    scale = int("1" + "0" * max(len(str(most)) - 2, 0))
    return max(most // scale * scale, 1)


@functools.lru_cache(maxsize=64)
def _values_past(columns: int, threshold: int, spaced: bool) -> re.Pattern[bytes]:
    """An r attribute's value whose column is past `columns` or whose row is `threshold`
    or more (or has a leading zero); only as `r="` spells it unless `spaced`.

    Any attribute ending in r matches too (header="0.3", user="Ann"): a needless match
    only costs time, a missed one could cost the process. The common case, columns up
    to Z and a threshold of a million, has no alternation to try at each cell.
    """
    figures = str(threshold)
    if figures == "1" + "0" * (len(figures) - 1):
        rows = f"[1-9][0-9]{{{len(figures) - 1}}}"
    elif len(figures) == 1:
        rows = f"[1-9][0-9]|[{figures}-9]"
    else:
        rows = "|".join(
            [f"[1-9][0-9]{{{len(figures)}}}"]
            + ([f"[{_next(figures[0])}-9][0-9]{{{len(figures) - 1}}}"] if figures[0] != "9" else [])
            + [f"{figures[0]}[{figures[1]}-9][0-9]{{{len(figures) - 2}}}"]
        )
    name = _column_name(columns)
    if len(name) <= 1:
        # A column's letter if not past the last one, then another letter, a 0 or a far row.
        low = f"[A-{name}a-{name.lower()}]?+" if name else ""
        value = f"{low}(?:[A-Za-z0]|{rows})"
    else:
        letters = [f"[A-Z]{{{len(name) + 1}}}"] + [
            f"{name[:index]}[{_next(letter)}-Z][A-Z]{{{len(name) - index - 1}}}"
            for index, letter in enumerate(name)
            if letter != "Z"
        ]
        value = f"(?i:{'|'.join(letters)})|[A-Za-z]*+(?:0|{rows})"
    opening = "r *= *[\"']" if spaced else 'r="'
    return re.compile(f"{opening}(?P<value>{value})".encode())


def _next(character: str) -> str:
    return chr(ord(character) + 1)


def _value(window: bytes, start: int) -> tuple[bytes, bytes]:
    match = _VALUE.match(window, start)
    return (match.group(1), match.group(2)) if match else (b"", b"")


# ---------------------------------------------------------------- the explicit scan

# A cell tag with r first and something other than its end tag next: calamine ends a cell
# at its first end tag named c, so one with nothing but text before it is empty. (A part
# with a prefixed end tag, </x:c>, or one calamine does not take for a cell's, </x:y:c>,
# is left to the exact scan by `_PREFIXED`.)
_FILLED_CELL = re.compile(
    rb'<c r="([A-Za-z]{1,3})([0-9]{1,7})"((?:[^<>"\']|"[^"]*"|\'[^\']*\')*)(?<!/)>'
    rb"(?![^<]*</c *>)"
)
_R_KEY = re.compile(rb"(?<=[ \"'])r *=")
# A cell tag whose r is not a plain reference (calamine wraps long numbers around), or not
# closed within 200 attributes and spaces, or with < or > in a value: the window may cut
# it, and which of its quotes end a value needs the exact scan.
_UNREAD_CELL = re.compile(
    rb'<c r="(?![A-Za-z]{1,3}[0-9]{1,7}"(?:[^<>"\']|"[^"<>]*"|\'[^\'<>]*\'){0,200}>)'
)


def _explicit_extent(chunks: Iterable[bytes]) -> _Extent | None:
    """The farthest cell with content, for a part whose cell tags all carry r first as
    `r="` (None when one does not: the exact scan must follow the part).

    Calamine then places every cell by its r, so only which cells hold something needs
    reading; a cell whose first tag inside is not its end tag is counted as holding
    something, as calamine may find a value there.
    """
    rows = columns = 0
    for window, last in _windows(chunks, squeeze=False):
        limit = len(window) if last else len(window) - _OVERLAP
        odd = _ODD_CELL.search(window)
        if _RESPELLED.search(window) or (odd is not None and odd.start() < limit):
            return None
        if _PREFIXED.search(window):
            return None
        unread = _UNREAD_CELL.search(window)
        if unread is not None and unread.start() < limit:
            return None  # past the limit, the next window sees the tag whole
        found = _FILLED_CELL.findall(window)
        if found:
            # Each rest follows the quote that closes the first r, as in the tag.
            if _R_KEY.search(b'"' + b'"'.join(map(operator.itemgetter(2), found))):
                return None  # a second r in a cell tag: calamine takes the last
            letters = set(map(operator.itemgetter(0), found))
            columns = max(columns, *map(_column_number, letters))
            rows = max(rows, *map(int, map(operator.itemgetter(1), found)))
    return _Extent(rows, columns, exact=True)


# ---------------------------------------------------------------- the exact scan

# A tag's name runs, for quick-xml, to the first space (or the / of <c/>), whatever it
# holds: one that does not end at a space, / or > (<a=:c>, <a/b:c>) is not followed.
_TOKEN = re.compile(
    rb"<(?:!--.*?-->|!\[CDATA\[.*?]]>|\?.*?\?>"
    rb"|(/?)([A-Za-z_][^ />\"'<=]*)((?: (?:[^<>\"']|\"[^\"]*\"|'[^']*')*)?/?)>)",
    re.DOTALL,
)
# quick-xml also takes an attribute straight after the quote that ends another (s="1"r="A1").
_ATTRIBUTES = re.compile(
    rb"(?: +[^ =/>\"'<]+ *= *(?:\"[^\"]*\"|'[^']*')(?: *[^ =/>\"'<]+ *= *(?:\"[^\"]*\"|'[^']*'))*)? *"
)
_ATTRIBUTE = re.compile(rb" *([^ =/>\"'<]+) *= *(?:\"([^\"]*)\"|'([^']*)')")
_ROW = re.compile(rb"[A-Za-z]*([0-9]+)")
_CELL = re.compile(rb"([A-Za-z]+)([0-9]+)")
_MAX_TOKEN = 1 << 20
_TEXT_AHEAD = 16  # bytes after a token that the scan may read with it: an error's code and <
# The text of a <v> that calamine reads as an Excel error (any other fails the read).
_ERROR_CODE = re.compile(rb"#(?:DIV/0!|N/A|NAME\?|NULL!|NUM!|REF!|VALUE!)(?=<)")


def _exact_extent(chunks: Iterable[bytes]) -> _Extent | None:
    """The farthest cell with content that calamine would place, following the XML the
    way calamine does (`_placed_cells`); None when the XML is not plain enough to be sure
    of that."""
    rows = columns = 0
    for cell in _placed_cells(chunks):
        if cell is None:
            return None
        rows, columns = max(rows, cell[0] + 1), max(columns, cell[1] + 1)
    return _Extent(rows, columns, exact=True)


def _placed_cells(chunks: Iterable[bytes]) -> Iterator[tuple[int, int, str | None] | None]:
    """Each cell with content, as calamine places it: (row, column, both 0-based, and the
    Excel error it holds, if so), by calamine's row and column counters for cells without
    r, empty cells left out. None, and the end, where the XML is not plain enough to be
    sure of where calamine places the cells after it.

    Calamine reads a cell's value with readers that run to the value's end tag, so inside
    a cell only balanced elements other than c and row are followed; anything else could
    make calamine read on past where this scan thinks the cell ends. Each element straight
    inside a cell is read as its value, the last one read wins: an error is a <v> holding
    one of the codes, in a cell of type e.
    """
    row = column = 0  # calamine's counters, 0-based
    cell: tuple[int, int] | None = None  # (row, column) of the cell open, 0-based
    error_typed = False  # whether the open cell is of type e
    filled = False  # whether the open cell holds an element (a value, maybe)
    error: str | None = None  # the Excel error its last value holds
    inside: list[bytes] = []  # elements open within the cell
    for token in _tokens(chunks):
        if token is None:
            yield None
            return
        closing, name, rest = token.group(1, 2, 3)
        if name is None:
            continue  # a comment, CDATA or a processing instruction
        local = name[name.find(b":") + 1 :]
        empty = rest.endswith(b"/")
        attributes = rest[:-1] if empty else rest
        if closing and rest.strip(b" "):
            yield None
            return
        if cell is not None:
            if local in (b"c", b"row"):
                if not (closing and local == b"c" and not inside):
                    yield None
                    return
                column = cell[1] + 1
                if filled:
                    yield cell[0], cell[1], error
                cell = None
            elif closing:
                if not inside or inside.pop() != name:
                    yield None
                    return
            else:
                if not inside:  # the cell's value, in calamine's reading
                    valued = error_typed and local == b"v" and not empty
                    code = _ERROR_CODE.match(token.string, token.end()) if valued else None
                    error = code.group().decode() if code else None
                filled = True
                if not empty:
                    inside.append(name)
            continue
        if local == b"row":
            if not closing:
                values = _r_values(attributes)
                if values is None:
                    yield None
                    return
                if values:  # the first r, as calamine takes a row's
                    number = _ROW.fullmatch(values[0])
                    if number is None or int(number.group(1)) < 1:
                        yield None
                        return
                    row = int(number.group(1)) - 1
            if closing or empty:
                row, column = row + 1, 0
        elif local == b"c" and not closing:
            found = _attributes(attributes)
            if found is None:
                yield None
                return
            place = (row, column)
            values = [value for key, value in found if key == b"r"]
            if values:  # the last r, as calamine takes a cell's
                reference = _CELL.fullmatch(values[-1])
                if reference is None or int(reference.group(2)) < 1:
                    yield None
                    return
                place = (int(reference.group(2)) - 1, _column_number(reference.group(1)) - 1)
            if empty:
                column = place[1] + 1
            else:
                types = [value for key, value in found if key == b"t"]
                cell, filled, error, inside = place, False, None, []
                error_typed = bool(types) and types[-1] == b"e"  # the last t, as calamine


def _tokens(chunks: Iterable[bytes]) -> Iterator[re.Match[bytes] | None]:
    """The markup of a part in order, each token whole and followed by at least
    `_TEXT_AHEAD` bytes of the part, or its end (room for an error's code); None (and the
    end) where the bytes are not XML that this scan reads the way calamine does."""
    pending = b""
    for chunk in itertools.chain(chunks, (None,)):
        buffer = pending + (b"" if chunk is None else chunk.translate(_SPACES))
        position = 0
        while (start := buffer.find(b"<", position)) >= 0:
            token = _TOKEN.match(buffer, start)
            if token is None or (chunk is not None and len(buffer) - token.end() < _TEXT_AHEAD):
                if chunk is None or len(buffer) - start > _MAX_TOKEN:
                    yield None
                    return
                break
            yield token
            position = token.end()
        else:
            start = len(buffer)
        pending = buffer[start:]


def _attributes(attributes: bytes) -> list[tuple[bytes, bytes]] | None:
    """The (name, value) of each attribute, in order; None when the attributes do not
    parse (calamine stops on those)."""
    if _ATTRIBUTES.fullmatch(attributes) is None:
        return None
    return [(key, double or single) for key, double, single in _ATTRIBUTE.findall(attributes)]


def _r_values(attributes: bytes) -> list[bytes] | None:
    """The values of the attributes named exactly r, in order; None when the attributes
    do not parse (calamine stops on those)."""
    found = _attributes(attributes)
    return None if found is None else [value for key, value in found if key == b"r"]


# ---------------------------------------------------------------- the crude bound

_ANY_VALUE = re.compile(rb"r *= *[\"']([A-Za-z]*)([0-9]*)")
_ROW_TAG = re.compile(rb"[</:]row[ />]")
_CELL_TAG = re.compile(rb"[<:]c[ />]")


def _crude_extent(chunks: Iterable[bytes]) -> _Extent:
    """A bound that holds for any bytes: the farthest r value, plus a row for every tag
    that could end a row and a column for every tag that could open a cell, as calamine's
    counters move no further than that."""
    rows = columns = row_tags = cell_tags = 0
    for window, _ in _windows(chunks, squeeze=True):
        for letters, digits in set(_ANY_VALUE.findall(window)):
            # A run this long was cut by the window: take it as endless.
            columns = max(columns, 10**64 if len(letters) >= 64 else _column_number(letters))
            rows = max(rows, 10**64 if len(digits) >= 64 else int(digits or b"0"))
        row_tags += len(_ROW_TAG.findall(window))
        cell_tags += len(_CELL_TAG.findall(window))
    return _Extent(rows + row_tags + 1, columns + cell_tags + 1, exact=False)


# ---------------------------------------------------------------- naming the sheets

_SHEET = re.compile(rb"<(?:[^ <>/!?:]+:)?sheet[ />]([^>]*)>")
_RELATIONSHIP = re.compile(rb"<(?:[^ <>/!?:]+:)?Relationship[ />]([^>]*)>")
_NAMED = re.compile(rb"([^ =/>\"'<]+) *= *(?:\"([^\"]*)\"|'([^']*)')")
_PACKAGE_PART = 16 << 20  # a workbook or relationships part larger than this is not read


def _sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(sheet name, part name) in the workbook's order, as the package's relationships say,
    part names as `_part_name` spells them; [] when they cannot be followed.

    Only names the parts in messages and picks the one the column limit holds for: the
    size check scans every part whatever this says.
    """
    try:
        members = {_part_name(info.filename): info for info in archive.infolist()}

        def attributes(part: str, tag: re.Pattern[bytes]) -> list[dict[bytes, str]]:
            info = members.get(part)
            if info is None or info.file_size > _PACKAGE_PART:
                return []
            text = archive.read(info)
            return [
                {key: html.unescape((d or s).decode()) for key, d, s in _NAMED.findall(found)}
                for found in tag.findall(text)
            ]

        package = attributes("_rels/.rels", _RELATIONSHIP)
        office = next(
            (r[b"Target"] for r in package if r.get(b"Type", "").endswith("/officeDocument")),
            "xl/workbook.xml",
        ).lstrip("/")
        folder, _, leaf = office.rpartition("/")
        relationships = _part_name(f"{folder}/_rels/{leaf}.rels".lstrip("/"))
        targets = {
            r.get(b"Id", ""): r.get(b"Target", "") for r in attributes(relationships, _RELATIONSHIP)
        }
        sheets = []
        for sheet in attributes(_part_name(office), _SHEET):
            ids = [value for key, value in sheet.items() if key.split(b":")[-1] == b"id"]
            target = targets.get(ids[-1], "") if ids else ""
            if target.startswith("/"):
                part = target[1:]
            elif target.startswith(f"{folder}/") or not folder:
                part = target
            else:
                part = f"{folder}/{target}"
            sheets.append((sheet.get(b"name", ""), _part_name(part)))
        return sheets
    except Exception:  # a package too odd to follow: every part gets the column limit
        return []


def _part_name(name: str) -> str:
    """A zip member's name as calamine matches it: case-blind, with forward slashes."""
    return name.replace("\\", "/").lower()


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _column_name(number: int) -> str:
    """A1 notation for a 1-based column ("" for 0)."""
    name = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        name = chr(65 + remainder) + name
    return name
