"""Random malformed factor, entity and instrument files: a clear problem list or a value, never a crash."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neutra.core.errors import InvalidInputError
from neutra.formats.entity_file import read_entities
from neutra.formats.factor_csv import read_factor_csv
from neutra.formats.instrument_file import read_instruments

HEADERS = {
    "factor": "factor_id,activity,gas,value,unit,gwp_set,region,year,scope,category,biogenic,basis,source",
    "entity": "entity,parent,equity_share,financial_control,operational_control",
    "instrument": "instrument_id,type,entity,region,year,quantity,unit,value,value_unit,gas,tracking_id,cancelled_for,vintage,market",
}
READERS = {"factor": read_factor_csv, "entity": read_entities, "instrument": read_instruments}
# Cells that are plausible, wrong, or hostile.
PLAUSIBLE = [
    "",
    "1",
    "-1",
    "0.5",
    "1e400",
    "nan",
    "2024",
    "CO2",
    "CO2e",
    "R410A",
    "kg/kWh",
    "kWh",
    "MWh",
    "AR5",
    "GB",
    "US-CAMX",
    "full",
    "joint",
    "none",
    "certificate",
    "true",
]
CELLS = st.one_of(st.sampled_from([*PLAUSIBLE, '"', "a,b", "\x00"]), st.text(max_size=12))


def rows(kind: str) -> st.SearchStrategy[str]:
    width = len(HEADERS[kind].split(","))
    row = st.lists(CELLS, min_size=max(width - 2, 1), max_size=width + 2).map(
        lambda cells: ",".join(cells)
    )
    return st.lists(row, min_size=0, max_size=6).map(lambda r: "\n".join([HEADERS[kind], *r]))


def read(kind: str, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{kind}.csv"
        path.write_bytes(content)
        problems: tuple[object, ...] = ()
        try:
            READERS[kind](path)
        except InvalidInputError as error:
            problems = error.problems or (None,)
        # An InvalidInputError must say what is wrong, in words, for every problem.
        assert all(getattr(p, "reason", "") for p in problems)


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.sampled_from(sorted(HEADERS)), st.data())
def test_random_rows_under_a_valid_header_never_crash_a_reader(kind, data):
    read(kind, data.draw(rows(kind)).encode())


@SETTINGS
@given(st.sampled_from(sorted(HEADERS)), st.binary(max_size=300))
def test_random_bytes_never_crash_a_reader(kind, content):
    read(kind, content)


@SETTINGS
@given(st.sampled_from(sorted(HEADERS)), st.data())
def test_a_truncated_file_never_crashes_a_reader(kind, data):
    text = data.draw(rows(kind)).encode()
    read(kind, text[: data.draw(st.integers(0, len(text)))])
