"""A footprint written as JSON, CSV or XLSX, for programs, spreadsheets and disclosure work.

JSON: the `neutra.footprint/1` document (DESIGN.md §3.6), streamed: the same
bytes as `json.dumps(result.as_json(), indent=2, ensure_ascii=False)`, with the
flag rows and lines written by the C string encoder instead of the pure-Python
indenting encoder. CSV: the summary as long rows (section, key, metric, value), or the lines with
`--lines`. XLSX: one sheet each for the summary, scope 3, gases, entities,
flags, provenance and (with lines) the lines.

It must never round a figure: cells hold the unrounded float64. And it must
never write a text cell a spreadsheet would run: a text that starts like a
formula (`=`, `+`, `-`, `@`, a tab or a carriage return: activity files carry
free text from anyone) is written as text, in XLSX as a string cell, in CSV
behind a `'` (the usual guard against formula injection).

The writers take any `FootprintTables`: the engine's `Footprint`, or a stored
calculation the web exports.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO, Any, Protocol

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from neutra.core.engine import Footprint
from neutra.core.engine.result import LazyFlags
from neutra.core.errors import InvalidInputError, Problem
from neutra.formats import workbook

__all__ = ["FootprintTables", "as_text", "summary_rows", "write_csv", "write_json", "write_xlsx"]

_CHUNK = 20_000  # flag rows or lines per write
_FLAG_CHUNK = 100_000  # flag rows per write on the columnar path
_OBJECT_START = '    {\n      "row": '
_OBJECT_END = "\n    }"
_NEXT_OBJECT = _OBJECT_END + ",\n" + _OBJECT_START
# What `encode_basestring` escapes: a quote, a backslash, any control character.
_ESCAPED = r'["\\\x00-\x1f]'
# One line of the document as the C encoder writes it: items of a level-2 object.
_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",\n      ", ": "))
# What a spreadsheet takes for the start of a formula (or of a DDE command).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class FootprintTables(Protocol):
    """What the writers read: the engine's `Footprint` has it, and so has a stored one."""

    @property
    def totals(self) -> Mapping[str, float]: ...
    @property
    def scope3_categories(self) -> Mapping[str, float]: ...
    @property
    def by_gas(self) -> Mapping[str, Mapping[str, float]]: ...
    @property
    def biogenic_co2_t(self) -> float: ...
    @property
    def by_entity(self) -> Mapping[str, Mapping[str, float]]: ...
    @property
    def flags(self) -> Iterable[Any]: ...  # each with .row, .flag, .detail
    @property
    def provenance(self) -> Mapping[str, Any]: ...
    @property
    def lines(self) -> pa.Table | None: ...


def as_text(value: Any) -> Any:
    """A CSV cell: a text that a spreadsheet would take for a formula gets a leading `'`."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def summary_rows(result: FootprintTables) -> list[tuple[str, str, str, float]]:
    """The summary as (section, key, metric, value) rows, value in tonnes."""
    rows: list[tuple[str, str, str, float]] = []
    rows += [("totals", key, "t_co2e", value) for key, value in result.totals.items()]
    rows += [
        ("scope3_category", key, "t_co2e", value) for key, value in result.scope3_categories.items()
    ]
    for gas, figures in result.by_gas.items():
        rows += [("gas", gas, "t", figures["t"]), ("gas", gas, "t_co2e", figures["t_co2e"])]
    rows.append(("memo", "biogenic_co2", "t", result.biogenic_co2_t))
    for entity, figures in result.by_entity.items():
        rows += [("entity", entity, f"{key}_t_co2e", value) for key, value in figures.items()]
    return rows


def write_json(result: Footprint, handle: IO[str]) -> None:
    """The `neutra.footprint/1` document, byte for byte what `json.dumps(result.as_json(),
    indent=2, ensure_ascii=False)` gives, without building it as one Python object.

    The flagged rows are read before the first byte is written, so a failure leaves
    nothing half-written behind it.
    """
    table = result.flags.table() if isinstance(result.flags, LazyFlags) else None
    flags = list(result.flags) if table is None else []
    document = result.summary_json()
    del document["flag_summary"]
    provenance = document.pop("provenance")
    head = json.dumps(document, indent=2, ensure_ascii=False)
    handle.write(head[: -len("\n}")])
    handle.write(',\n  "flags": ')
    if table is not None and table.num_rows:
        handle.write("[\n" + _OBJECT_START)
        write = _byte_writer(handle)
        for chunk in _flag_texts(table):
            write(chunk)
        handle.write("\n  ]")
    elif not flags:
        handle.write("[]")
    else:
        handle.write("[\n")
        for start in range(0, len(flags), _CHUNK):
            if start:
                handle.write(",\n")
            handle.write(
                ",\n".join(
                    f'    {{\n      "row": {_scalar(f.row)},\n      "flag": '
                    f'{encode_basestring(f.flag.value)},\n      "detail": '
                    f"{encode_basestring(f.detail)}\n    }}"
                    for f in flags[start : start + _CHUNK]
                )
            )
        handle.write("\n  ]")
    handle.write(',\n  "lines": ')
    _write_lines(result, handle)
    handle.write(',\n  "provenance": ')
    handle.write(json.dumps(provenance, indent=2, ensure_ascii=False).replace("\n", "\n  "))
    handle.write("\n}")


def _flag_texts(table: pa.Table) -> Iterator[memoryview]:
    """The flag objects of the document as UTF-8, a chunk of rows at a time, built by Arrow.

    Each object is written as its row id followed by the rest of it and the start
    of the next object (`_OBJECT_START`, which the caller writes first): one
    Arrow concatenation per chunk, whose bytes are then written as they lie in
    memory. Each distinct flag and detail is encoded once; each row id by
    Arrow's string kernels, and by the C encoder only where it needs escapes.
    """
    batches = [batch for batch in table.to_batches(max_chunksize=_FLAG_CHUNK) if batch.num_rows]
    for number, batch in enumerate(batches):
        objects = pc.binary_join_element_wise(
            _json_strings(batch.column("row")),
            _rest_of_object(batch.column("flag"), batch.column("detail")),
            "",
        )
        data = _utf8(objects)
        last = number == len(batches) - 1
        # The last object ends the list: no start of another after it.
        yield data[: len(data) - len(_NEXT_OBJECT) + len(_OBJECT_END)] if last else data


def _rest_of_object(flag: pa.Array, detail: pa.Array) -> pa.Array:
    """Per row: the flag and detail members, the object's end, and the next object's start."""
    flag, detail = _dictionary(flag), _dictionary(detail)
    codes = flag.indices.to_numpy(zero_copy_only=False).astype(np.int64) * len(detail.dictionary)
    codes += detail.indices.to_numpy(zero_copy_only=False)
    unique, where = np.unique(codes, return_inverse=True)
    flags = flag.dictionary.to_pylist()
    details = detail.dictionary.to_pylist()
    texts = [
        f',\n      "flag": {_scalar(flags[code // len(details)])},\n      "detail": '
        f"{_scalar(details[code % len(details)])}{_NEXT_OBJECT}"
        for code in unique.tolist()
    ]
    return pa.array(texts, pa.string()).take(pa.array(where.reshape(-1), pa.int64()))


def _dictionary(column: pa.Array) -> pa.DictionaryArray:
    if pa.types.is_dictionary(column.type):
        return column
    return column.dictionary_encode()


def _utf8(strings: pa.Array) -> memoryview:
    """The bytes of a string array's values, one after the other, without a copy."""
    assert strings.null_count == 0
    offset_type = np.int64 if pa.types.is_large_string(strings.type) else np.int32
    _, offsets, data = strings.buffers()
    bounds = np.frombuffer(offsets, offset_type)[strings.offset : strings.offset + len(strings) + 1]
    return memoryview(data)[int(bounds[0]) : int(bounds[-1])]


def _byte_writer(handle: IO[str]) -> Callable[[memoryview], object]:
    """Write UTF-8 bytes to a text file: to its byte stream when it encodes as UTF-8."""
    encoding = (getattr(handle, "encoding", None) or "").lower().replace("_", "-")
    buffer = getattr(handle, "buffer", None)
    if buffer is not None and encoding in ("utf-8", "utf8"):
        handle.flush()
        return buffer.write  # type: ignore[no-any-return]
    return lambda data: handle.write(bytes(data).decode())


def _json_strings(column: pa.Array) -> pa.Array:
    """Each value as a JSON string literal (`encode_basestring`), null as `null`."""
    if pa.types.is_dictionary(column.type):
        values = _json_strings(column.dictionary)
        return values.take(column.indices)
    quoted = pc.binary_join_element_wise('"', column, '"', "")
    escape = pc.or_kleene(pc.is_null(column), pc.match_substring_regex(column, _ESCAPED))
    if not pc.any(escape).as_py():
        return quoted
    # Only the few values with a quote, backslash or control character go through Python.
    picked = column.filter(escape).to_pylist()
    encoded = pa.array([_scalar(value) for value in picked], pa.string())
    return pc.replace_with_mask(quoted, escape, encoded)


def _scalar(value: Any) -> str:
    return encode_basestring(value) if type(value) is str else json.dumps(value)


def _write_lines(result: Footprint, handle: IO[str]) -> None:
    lines = result.lines
    if lines is None or lines.num_rows == 0:
        handle.write("[]")
        return
    if _by_arrow(lines.schema):
        handle.write("[\n")
        write = _byte_writer(handle)
        with _FloatTexts(json=True) as floats:
            batches = _batches(lines)
            for number, batch in enumerate(batches):
                data = _utf8(_json_lines(batch, floats))
                last = number == len(batches) - 1
                write(data[: len(data) - len(_NEXT_LINE)] if last else data)
        handle.write("\n  ]")
        return
    # Scalar columns: each line is one C-encoder call; nested ones take the indenting encoder.
    flat = not any(pa.types.is_nested(t) or pa.types.is_dictionary(t) for t in lines.schema.types)

    def line(row: dict[str, Any]) -> str:
        if flat and row:
            body = _LINE_ENCODER.encode(row)
            return "    {\n      " + body[1:-1] + "\n    }"
        return "    " + json.dumps(row, indent=2, ensure_ascii=False).replace("\n", "\n    ")

    handle.write("[\n")
    first = True
    for batch in lines.to_batches(max_chunksize=_CHUNK):
        if batch.num_rows == 0:
            continue
        if not first:
            handle.write(",\n")
        first = False
        handle.write(",\n".join(line(row) for row in batch.to_pylist()))
    handle.write("\n  ]")


def write_csv(result: FootprintTables, handle: IO[str], *, lines: bool = False) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    if lines and result.lines is not None:
        writer.writerow(result.lines.column_names)
        if result.lines.num_columns > 1 and _by_arrow(result.lines.schema):
            write = _byte_writer(handle)
            with _FloatTexts(json=False) as floats:
                for batch in _batches(result.lines):
                    write(_utf8(_csv_lines(batch, floats)))
            return
        for batch in _batches(result.lines):
            cells = [_guarded(column).to_pylist() for column in batch.columns]
            writer.writerows(zip(*cells, strict=True))  # csv writes None as ""
        return
    writer.writerow(["section", "key", "metric", "value"])
    for section, key, metric, value in summary_rows(result):
        writer.writerow([as_text(section), as_text(key), metric, repr(value)])


# The lines, a batch at a time, as text built by Arrow: each line one string, the same
# bytes as the csv module or the JSON encoder would write, without a Python object per
# row or value. Columns of other types than these take the per-row writers.
_LINE_CHUNK = 50_000
_NEXT_LINE = ",\n"
# What makes csv.writer quote a cell (minimal quoting, "\n" line ends).
_CSV_QUOTED = '[,"\n]'
_FORMULA = "^[" + "".join("\\" + c if c in "-\\^]" else c for c in _FORMULA_START) + "]"


def _by_arrow(schema: pa.Schema) -> bool:
    return all(
        pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t)
        or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_null(t)
        or (pa.types.is_dictionary(t) and pa.types.is_string(t.value_type))
        for t in schema.types
    )  # fmt: skip


def _batches(lines: pa.Table) -> list[pa.RecordBatch]:
    return [b for b in lines.to_batches(max_chunksize=_LINE_CHUNK) if b.num_rows]


class _FloatTexts:
    """Floats as Python's `repr` writes them (and so json and csv), made by DuckDB.

    DuckDB writes a double as the shortest text that reads back to it, laid out as
    `repr` lays it out (`1.0`, `1e+16`, `7.5e-06`); a property test holds it to
    that. JSON takes NaN and the infinities as Python's encoder writes them.
    """

    def __init__(self, *, json: bool) -> None:
        self.json = json

    def __enter__(self) -> _FloatTexts:
        self.con = duckdb.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.con.close()

    def __call__(self, column: pa.Array) -> pa.Array:
        self.con.register("neutra_floats", pa.table({"x": column.cast(pa.float64())}))
        # (A NaN is "nan" to repr whatever its sign bit; DuckDB writes "-nan" for some.)
        text = "CASE WHEN isnan(x) THEN 'nan' ELSE CAST(x AS VARCHAR) END"
        if self.json:
            text = (
                "CASE WHEN x IS NULL THEN 'null' WHEN isnan(x) THEN 'NaN' "
                "WHEN x = 'inf'::DOUBLE THEN 'Infinity' "
                "WHEN x = '-inf'::DOUBLE THEN '-Infinity' ELSE CAST(x AS VARCHAR) END"
            )
        found = self.con.sql(f"SELECT {text} AS x FROM neutra_floats").to_arrow_table()
        self.con.unregister("neutra_floats")
        return found["x"].combine_chunks().cast(pa.string())


def _decoded(column: pa.Array) -> pa.Array:
    """Text, dictionary-encoded or large, as plain text (a batch of lines is small)."""
    if pa.types.is_dictionary(column.type) or pa.types.is_large_string(column.type):
        return column.cast(pa.string())
    return column


def _guarded(column: pa.Array) -> pa.Array:
    """Text that a spreadsheet would take for a formula behind a `'` (`as_text`)."""
    column = _decoded(column)
    if not pa.types.is_string(column.type):
        return column
    formula = pc.fill_null(pc.match_substring_regex(column, _FORMULA), False)
    return pc.if_else(formula, pc.binary_join_element_wise("'", column, ""), column)


def _csv_cell(column: pa.Array, floats: _FloatTexts) -> pa.Array:
    """Each value as csv.writer writes it: text guarded and quoted where needed, "" for null."""
    column = _decoded(column)
    if pa.types.is_floating(column.type):
        text = floats(column)
    elif pa.types.is_boolean(column.type):
        text = pc.if_else(column, "True", "False")
    elif pa.types.is_integer(column.type) or pa.types.is_null(column.type):
        text = column.cast(pa.string())
    else:
        # Each distinct text once (a few hundred entities, units, regions over many lines).
        encoded = column.dictionary_encode()
        text = _guarded(encoded.dictionary)
        quoted = pc.match_substring_regex(text, _CSV_QUOTED)
        escaped = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
        text = pc.if_else(quoted, escaped, text).take(encoded.indices)
    return pc.fill_null(text, "")


def _csv_lines(batch: pa.RecordBatch, floats: _FloatTexts) -> pa.Array:
    cells = [_csv_cell(column, floats) for column in batch.columns]
    return pc.binary_join_element_wise(pc.binary_join_element_wise(*cells, ","), "\n", "")


def _json_value(column: pa.Array, floats: _FloatTexts) -> pa.Array:
    """Each value as the JSON encoder writes it."""
    column = _decoded(column)
    if pa.types.is_floating(column.type):
        return floats(column)
    if pa.types.is_boolean(column.type):
        text = pc.if_else(column, "true", "false")
    elif pa.types.is_integer(column.type) or pa.types.is_null(column.type):
        text = column.cast(pa.string())
    else:
        text = _json_strings(column.dictionary_encode())  # each distinct text once
    return pc.fill_null(text, "null")


def _json_lines(batch: pa.RecordBatch, floats: _FloatTexts) -> pa.Array:
    """Each line as an object of the document's list, followed by `_NEXT_LINE`."""
    pieces: list[Any] = []
    for number, (name, column) in enumerate(zip(batch.schema.names, batch.columns, strict=True)):
        start = "    {\n      " if number == 0 else ",\n      "
        pieces += [start + encode_basestring(name) + ": ", _json_value(column, floats)]
    pieces.append("\n    }" + _NEXT_LINE)
    return pc.binary_join_element_wise(*pieces, "")


def write_xlsx(result: FootprintTables, path: Path | IO[bytes]) -> None:
    """The workbook, to a path or a binary file object.

    Raises `InvalidInputError`, before anything is written, when the flags or the
    lines are more than a sheet holds: a workbook cut short would look whole.
    """
    import xlsxwriter  # only the XLSX output needs it

    lines = 0 if result.lines is None else result.lines.num_rows
    flags = result.flags
    counted = len(flags) if isinstance(flags, Sized) else sum(1 for _ in flags)
    for what, count in (("flagged rows", counted), ("lines", lines)):
        if count > workbook.SHEET_ROWS:
            reason = (
                f"an XLSX sheet holds {workbook.SHEET_ROWS:,} rows and this footprint has {count:,} "
                f"{what}: write it as CSV or JSON"
            )
            raise InvalidInputError([Problem("xlsx", None, None, None, reason)])

    target = str(path) if isinstance(path, Path) else path
    # strings_to_formulas off: a text is a string cell, never a formula the reader runs.
    options = {"nan_inf_to_errors": True, "strings_to_formulas": False, "in_memory": True}
    with xlsxwriter.Workbook(target, options) as book:
        bold = book.add_format({"bold": True})
        _sheet(book, "Summary", ["figure", "t CO2e"], list(result.totals.items()), bold)
        _sheet(
            book,
            "Scope 3",
            ["category", "t CO2e"],
            [(int(k), v) for k, v in result.scope3_categories.items()],
            bold,
        )
        _sheet(
            book, "Gases", ["gas", "t", "t CO2e"],
            [(g, f["t"], f["t_co2e"]) for g, f in result.by_gas.items()] + [("biogenic CO2 (memo)", result.biogenic_co2_t, None)],
            bold,
        )  # fmt: skip
        keys = list(next(iter(result.by_entity.values()), {}).keys())
        _sheet(
            book,
            "Entities",
            ["entity", *keys],
            [(e, *f.values()) for e, f in result.by_entity.items()],
            bold,
        )
        _sheet(
            book,
            "Flags",
            ["row", "flag", "detail"],
            [(f.row, f.flag, f.detail) for f in result.flags],
            bold,
        )
        if result.lines is not None:
            names = result.lines.column_names
            _sheet(
                book, "Lines", names, [tuple(r.values()) for r in result.lines.to_pylist()], bold
            )
        provenance = [
            (k, v if isinstance(v, str) else json.dumps(v, default=_plain))
            for k, v in result.provenance.items()
        ]
        _sheet(book, "Provenance", ["key", "value"], provenance, bold)


def _plain(value: Any) -> Any:
    # The footprint's provenance holds read-only mappings and tuples: JSON as dicts and lists.
    return dict(value) if isinstance(value, Mapping) else list(value)


def _sheet(book: Any, name: str, header: list[str], rows: list[tuple[Any, ...]], bold: Any) -> None:
    sheet = book.add_worksheet(name)
    sheet.write_row(0, 0, header, bold)
    for number, row in enumerate(rows, start=1):
        sheet.write_row(number, 0, ["" if v is None else v for v in row])
    sheet.set_column(0, len(header) - 1, 18)
