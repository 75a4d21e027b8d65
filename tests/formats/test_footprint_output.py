"""The JSON document is written as a stream, and is the same bytes as the document itself."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from types import SimpleNamespace

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neutra.core.engine import FootprintOptions, compute_footprint
from neutra.core.gwp import gwp_set
from neutra.formats.activity_files import read_activities
from neutra.formats.factor_csv import read_factor_csv
from neutra.formats.footprint_output import _write_lines, as_text, write_csv, write_json

FACTORS = """factor_id,activity,gas,value,unit,gwp_set,year,scope,category
gas,fuel.natural_gas,CO2e,0.2,kg/kWh,AR5,2023,1,
flight,travel.air,CO2e,0.15,kg/passenger_km,AR5,2024,3,6
"""
# A year fallback on the gas rows, a correction, and ids and text that JSON must escape
# (quotes, a backslash, non-ASCII).
ACTIVITIES = """id,year,activity,quantity,unit,description
a,2024,fuel.natural_gas,1000,kWh,"plain"
Zürich-β,2024,travel.air,2000,passenger_km,"say ""hi"" \\ then go"
c,2024,fuel.natural_gas,-100,kWh,
日本,2024,fuel.natural_gas,0.5,kWh,ünïcode
"""


@pytest.mark.parametrize("lines", [False, True])
def test_the_streamed_json_is_byte_for_byte_the_footprint_document(
    tmp_path: Path, lines: bool
) -> None:
    (tmp_path / "activities.csv").write_text(ACTIVITIES, encoding="utf-8")
    (tmp_path / "factors.csv").write_text(FACTORS)
    footprint = compute_footprint(
        read_activities([tmp_path / "activities.csv"]),
        [read_factor_csv(tmp_path / "factors.csv")],
        gwp_set("AR5"),
        options=FootprintOptions(lines=lines),
    )
    streamed = io.StringIO()
    write_json(footprint, streamed)

    assert streamed.getvalue() == json.dumps(footprint.as_json(), indent=2, ensure_ascii=False)
    document = json.loads(streamed.getvalue())
    assert [(f["row"], f["flag"]) for f in document["flags"]] == [
        ("a", "year_fallback"),
        ("c", "negative_quantity"),
        ("c", "year_fallback"),
        ("日本", "year_fallback"),
    ]
    if lines:
        assert [line["id"] for line in document["lines"]] == ["a", "Zürich-β", "c", "日本"]
    else:
        assert document["lines"] == []


def test_text_a_spreadsheet_would_run_is_written_as_text() -> None:
    from neutra.formats.footprint_output import as_text

    assert [as_text(v) for v in ("=SUM(A1)", "+1", "-cmd", "@x", "\tA", "plain", -3.5, 7)] == [
        "'=SUM(A1)",
        "'+1",
        "'-cmd",
        "'@x",
        "'\tA",
        "plain",
        -3.5,  # numbers stay numbers
        7,
    ]


def test_flagged_row_ids_that_json_must_escape_are_written_as_json_escapes_them(
    tmp_path: Path,
) -> None:
    # Every row takes the 2023 factor for 2024 (a year fallback), so every id is in the flags.
    ids = ['q"uote', "back\\slash", "tab\there", "bell\x07", "Zürich-β", "plain"]
    rows = "".join(
        f'"{row_id.replace(chr(34), chr(34) * 2)}",2024,fuel.natural_gas,1,kWh,\n' for row_id in ids
    )
    (tmp_path / "activities.csv").write_text(
        "id,year,activity,quantity,unit,description\n" + rows, encoding="utf-8"
    )
    (tmp_path / "factors.csv").write_text(FACTORS)
    footprint = compute_footprint(
        read_activities([tmp_path / "activities.csv"]),
        [read_factor_csv(tmp_path / "factors.csv")],
        gwp_set("AR5"),
    )
    streamed = io.StringIO()
    write_json(footprint, streamed)

    assert streamed.getvalue() == json.dumps(footprint.as_json(), indent=2, ensure_ascii=False)
    assert '"row": "q\\"uote"' in streamed.getvalue()
    assert '"row": "bell\\u0007"' in streamed.getvalue()
    assert [f["row"] for f in json.loads(streamed.getvalue())["flags"]] == ids


def test_energy_read_from_a_footprints_lines_takes_their_inclusion_share(tmp_path: Path) -> None:
    from neutra.core.energy import EnergyCarrier
    from neutra.core.errors import InvalidInputError
    from neutra.formats.footprint_json import read_footprint_json

    totals = {"scope1": 1.0, "scope2_location": 0.0, "scope2_market": 0.0, "scope3": 0.0}
    line = {"activity": "electricity.grid", "factor": "owid-ember:GBR", "unit": "kWh", "scope": 2}
    document = {
        "schema": "neutra.footprint/1",
        "totals": totals,
        "lines": [
            {**line, "quantity": 1000.0, "inclusion_share": 0.5},
            {**line, "quantity": 600.0, "inclusion_share": 1.0},
        ],
    }
    path = tmp_path / "f.json"
    path.write_text(json.dumps(document))
    energy = read_footprint_json(path).energy
    assert energy is not None
    assert energy.kwh(EnergyCarrier.ELECTRICITY) == pytest.approx(1100.0)
    document["lines"][1]["quantity"] = "lots"
    path.write_text(json.dumps(document))
    with pytest.raises(InvalidInputError) as refused:
        read_footprint_json(path)
    assert [(p.column, p.value) for p in refused.value.problems] == [("lines[1].quantity", "lots")]


# -- lines: built by Arrow, the same bytes as the csv module and the JSON encoder -------

_TEXT = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(["=SUM(A1)", "+1", "-x", "@y", "\tA", "\rB", 'say "hi"', "a,b", "a\nb", ""]),
)
_FLOAT = st.one_of(st.none(), st.floats(), st.floats(min_value=-1e-3, max_value=1e-3))


@st.composite
def _line_tables(draw: st.DrawFn) -> pa.Table:
    rows = draw(st.integers(min_value=1, max_value=8))
    column = st.lists  # one draw per column, each its own length-`rows` list
    text = draw(column(_TEXT, min_size=rows, max_size=rows))
    return pa.table(
        {
            "file": pa.array(text, pa.string()),
            "row": pa.array(draw(column(st.none() | st.integers(-(2**62), 2**62), min_size=rows, max_size=rows)), pa.int64()),
            "flags": pa.array(draw(column(_TEXT, min_size=rows, max_size=rows)), pa.string()).dictionary_encode(),
            "quantity": pa.array(draw(column(_FLOAT, min_size=rows, max_size=rows)), pa.float64()),
            "share": pa.array(draw(column(st.none() | st.floats(width=32), min_size=rows, max_size=rows)), pa.float32()),
            "kept": pa.array(draw(column(st.none() | st.booleans(), min_size=rows, max_size=rows)), pa.bool_()),
            "nothing": pa.nulls(rows),
            "Zürich \"β\"": pa.array(text[::-1], pa.large_string()),
        }
    )  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_line_tables())
def test_lines_written_by_arrow_are_the_bytes_of_the_csv_module_and_the_json_encoder(
    lines: pa.Table,
) -> None:
    result = SimpleNamespace(lines=lines)
    rows = lines.to_pylist()
    written = io.StringIO()
    write_csv(result, written, lines=True)  # type: ignore[arg-type]
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\n")
    writer.writerow(lines.column_names)
    for row in rows:
        writer.writerow(["" if v is None else as_text(v) for v in row.values()])
    assert written.getvalue() == expected.getvalue()

    written = io.StringIO()
    _write_lines(result, written)  # type: ignore[arg-type]
    assert written.getvalue() == json.dumps(rows, indent=2, ensure_ascii=False).replace(
        "\n", "\n  "
    )
