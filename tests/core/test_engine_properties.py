"""Properties a reader expects of the engine, for any input Hypothesis makes up.

Shuffling the rows, splitting a file in two, writing kWh as MWh or adding a
row of zero never changes a figure; and the output hash changes only through
the inputs' content hashes (which name the files a footprint was made from).
One exception, stated in its test: the hash also covers how many rows carry
each flag, so a zero row that takes a fallback is counted there.
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import ibis
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from neutra.core.activities import validate_activities
from neutra.core.engine import Footprint, compute_footprint
from neutra.core.engine.result import output_hash
from neutra.core.factors import FactorSet, Scope
from neutra.core.gwp import gwp_set
from tests.core.test_engine import factor

AR5 = gwp_set("AR5")
FACTORS = FactorSet(
    "properties",
    (
        factor("gas", "fuel.natural_gas", "kWh", {"CO2e": 0.2}, gwp_set="AR5", scope=Scope.S1),
        factor("diesel", "fuel.diesel", "L", {"CO2": 2.5, "CH4": 0.01, "N2O": 0.02}, scope=Scope.S1),
        factor("grid", "electricity.grid", "kWh", {"CO2": 0.3}, scope=Scope.S2),
        factor(
            "flight", "travel.air", "passenger_km", {"CO2e": 0.15}, gwp_set="AR5",
            scope=Scope.S3, category=6,
        ),
    ),
)  # fmt: skip
UNITS = {
    "fuel.natural_gas": "kWh",
    "fuel.diesel": "L",
    "electricity.grid": "kWh",
    "travel.air": "passenger_km",
}
COLUMNS = ("id", "entity", "year", "activity", "quantity", "unit")
PROPERTIES = settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Whole kWh, litres or km (multiples of 1,000 for energy, so MWh are whole too); a few negatives.
rows = st.lists(
    st.tuples(
        st.sampled_from(sorted(UNITS)),
        st.integers(min_value=-50, max_value=5_000),
        st.sampled_from(["", "Plant A", "Plant B"]),
        st.sampled_from([2023, 2024]),
    ),
    min_size=1,
    max_size=12,
)


def _rows(drawn: list[tuple[str, int, str, int]]) -> list[dict[str, Any]]:
    found = []
    for i, (activity, amount, entity, year) in enumerate(drawn):
        quantity = amount * 1000 if UNITS[activity] == "kWh" else amount
        found.append(
            {"id": f"r{i}", "entity": entity, "year": year, "activity": activity,
             "quantity": quantity, "unit": UNITS[activity]}
        )  # fmt: skip
    return found


def _footprint(files: dict[str, list[dict[str, Any]]]) -> Footprint:
    """One footprint of several files; each file's content hash is its name, for the test."""
    table: dict[str, list[Any]] = {c: [] for c in (*COLUMNS, "_source", "_row")}
    for name, found in files.items():
        for number, row in enumerate(found, start=2):
            for column in COLUMNS:
                table[column].append(str(row[column]))
            table["_source"].append(name)
            table["_row"].append(number)
    data = validate_activities(
        ibis.memtable(pa.table(table)), {name: f"sha256-of-{name}" for name in files}
    )
    return compute_footprint(data, [FACTORS], AR5)


def _figures(result: Footprint) -> dict[str, Any]:
    """Every figure and flag count: the summary without its provenance."""
    summary = result.summary_json()
    del summary["provenance"]
    return summary


def _hash_beyond_inputs(result: Footprint) -> str:
    """The output hash the footprint would have if its inputs had the same content hashes."""
    summary = result.summary_json()
    summary["provenance"]["inputs"] = {}
    return output_hash(summary)


@PROPERTIES
@given(rows, st.randoms(use_true_random=False))
def test_shuffling_the_rows_changes_no_figure_and_not_the_hash(drawn, shuffler: random.Random):
    found = _rows(drawn)
    shuffled = list(found)
    shuffler.shuffle(shuffled)
    before, after = _footprint({"a.csv": found}), _footprint({"a.csv": shuffled})
    assert _figures(after) == _figures(before)
    assert after.provenance["hash"] == before.provenance["hash"]


@PROPERTIES
@given(rows, st.integers(min_value=0, max_value=25))
def test_splitting_a_file_in_two_changes_no_figure_and_the_hash_only_by_the_inputs(drawn, cut):
    found = _rows(drawn)
    whole = _footprint({"all.csv": found})
    split = _footprint({"first.csv": found[:cut], "second.csv": found[cut:]})
    assert _figures(split) == _figures(whole)
    assert _hash_beyond_inputs(split) == _hash_beyond_inputs(whole)
    assert split.provenance["hash"] != whole.provenance["hash"]  # the inputs differ


@PROPERTIES
@given(rows)
def test_writing_kwh_as_mwh_changes_no_figure_and_the_hash_only_by_the_inputs(drawn):
    # Whole kWh, not all multiples of 1,000, so the MWh have up to three decimals (1.234 MWh).
    in_kwh = [
        row | {"quantity": row["quantity"] + (137 * i) % 1000} if row["unit"] == "kWh" else row
        for i, row in enumerate(_rows(drawn))
    ]
    in_mwh = [
        row | {"quantity": Decimal(row["quantity"]) / 1000, "unit": "MWh"}
        if row["unit"] == "kWh"
        else row
        for row in in_kwh
    ]
    before, after = _footprint({"kwh.csv": in_kwh}), _footprint({"mwh.csv": in_mwh})
    assert _figures(after) == _figures(before)  # every figure, to the last bit
    assert _hash_beyond_inputs(after) == _hash_beyond_inputs(before)


@PROPERTIES
@given(rows, st.integers(min_value=0, max_value=11))
def test_adding_a_row_of_zero_changes_no_figure_and_no_note(drawn, which):
    found = _rows(drawn)
    zero = found[which % len(found)] | {"id": "zero", "quantity": 0}
    without, with_zero = _footprint({"a.csv": found}), _footprint({"a.csv": [*found, zero]})
    before, after = _figures(without), _figures(with_zero)
    flags_before, flags_after = before.pop("flag_summary"), after.pop("flag_summary")
    assert after == before
    # The same notes; the zero row is one more row carrying its key's notes (a fallback
    # taken for it is still taken), and the hash, which covers these counts, says so.
    assert [note[:2] for note in flags_after] == [note[:2] for note in flags_before]
    assert all(a[2] - b[2] in (0, 1) for a, b in zip(flags_after, flags_before, strict=True))
    if flags_after == flags_before:  # no note counts it: the hash is the same but for the input
        assert _hash_beyond_inputs(with_zero) == _hash_beyond_inputs(without)


# Key values as they come: missing ones, letters of either case, text beyond ASCII.
key_text = st.one_of(st.none(), st.sampled_from(["", "a", "B", "b", "ä", "Z", "é", "aa", "a b"]))


@given(
    st.lists(
        st.tuples(key_text, key_text, key_text, key_text, st.sampled_from([2021, 2024])),
        min_size=1,
        max_size=40,
    )
)
@settings(max_examples=30, deadline=None)
def test_activity_keys_are_numbered_in_the_order_sql_sorts_them(
    keys: list[tuple[Any, ...]],
) -> None:
    # The engine numbers the distinct (factor, activity, unit, region, year) keys as
    # DENSE_RANK() OVER (ORDER BY them): nulls last, text in byte order.
    from neutra.core.engine.scan import KEY_COLUMNS, scan_groups

    names = list(KEY_COLUMNS)
    table = pa.table(
        {
            **{
                name: pa.array([k[i] for k in keys], pa.string())
                for i, name in enumerate(names[:4])
            },
            "year": pa.array([k[4] for k in keys], pa.int64()),
            "entity": pa.array(["E"] * len(keys), pa.string()),
            "scope": pa.array([None] * len(keys), pa.int64()),
            "category": pa.array([None] * len(keys), pa.int64()),
            "quantity": pa.array([1.0] * len(keys), pa.float64()),
        }
    )
    con = ibis.duckdb.connect()
    found, groups = scan_groups(con.to_pyarrow, ibis.memtable(table))
    con.con.register("activities", table)
    order = ", ".join(f'"{name}" ASC NULLS LAST' for name in names)
    ranked = con.raw_sql(
        f"SELECT DISTINCT {', '.join(names)}, DENSE_RANK() OVER (ORDER BY {order}) - 1 AS k "
        "FROM activities ORDER BY k"
    ).fetchall()
    assert [(k.factor, k.activity, k.unit, k.region, k.year) for k in found] == [
        tuple(row[:5]) for row in ranked
    ]
    assert int(groups.rows.sum()) == len(keys)
