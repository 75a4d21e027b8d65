"""The ledger file (DESIGN.md §5.1): typed rows or every problem; written back as read."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neutra.core.credits import Action, KyotoParts, Policy, UnitType, replay_ledger
from neutra.core.errors import InvalidInputError
from neutra.formats.ledger_file import ledger_json_text, read_ledger, write_ledger

HEADER = "txn_id,date,action,programme,unit_type,host_party,project_id,vintage,serial_start,serial_end,quantity,registry,account,client,beneficiary,for_period,counterparty,price,currency,reference"


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "ledger.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_rows_are_typed_and_unknown_columns_pass_through(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p1,2024-01-10,Purchase,cdm,cer,in,1234,2012,1,100,100,cdm,HOLD,Acme,,,Seller,1.50,eur,C-1,desk 4",
        header=HEADER + ",note",
    )
    (row,) = read_ledger(path)
    assert row.row == 2
    assert (row.action, row.programme, row.unit_type, row.host_party) == (
        Action.PURCHASE,
        "CDM",
        UnitType.CER,
        "IN",
    )
    assert (row.serial_start, row.serial_end, row.quantity) == (1, 100, 100)
    assert (row.price, row.currency, row.registry) == (Decimal("1.50"), "EUR", "CDM")
    assert row.date == dt.date(2024, 1, 10)
    assert row.extra == (("note", "desk 4"),)


def test_every_bad_cell_is_listed_with_row_column_and_value(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p1,2024-13-01,purchase,CDM,CER,IN,1,2012,1,100,,CDM,H,,,,,,,",
        "p2,2024-01-02,buy,CDM,XYZ,India,1,12,1.5,100,,CDM,H,,,,,1.0.0,EURO,",
    )
    with pytest.raises(InvalidInputError) as caught:
        read_ledger(path)
    found = {(p.row, p.column, p.value) for p in caught.value.problems}
    assert found >= {
        (2, "date", "2024-13-01"),
        (3, "action", "buy"),
        (3, "unit_type", "XYZ"),
        (3, "host_party", "India"),
        (3, "vintage", "12"),
        (3, "serial_start", "1.5"),
        (3, "currency", "EURO"),
        (3, "price", "1.0.0"),
    }
    assert all(p.file == str(path) and p.reason for p in caught.value.problems)


def test_a_file_without_its_required_columns_says_which(tmp_path: Path) -> None:
    path = write(tmp_path, "p1,2024-01-01", header="txn_id,date")
    with pytest.raises(InvalidInputError) as caught:
        read_ledger(path)
    assert [(p.row, p.column) for p in caught.value.problems] == [(1, "action")]


def test_written_rows_read_back_the_same_in_csv_and_xlsx(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p1,2024-01-10,purchase,CDM,CER,IN,1234,2012,1,100,100,CDM,HOLD,Acme,,,Seller,1.50,EUR,C-1",
        "c1,2024-03-01,cancel,CDM,CER,IN,,,,,10,CDM,HOLD,Acme,Acme GmbH,2023,,,,ATT-1",
    )
    rows = read_ledger(path)
    assert rows[1].policy is Policy.FIFO
    assert rows[1].serial_start is None
    text = io.StringIO()
    write_ledger(rows, text)
    again = tmp_path / "again.csv"
    again.write_text(text.getvalue())
    assert read_ledger(again) == rows
    book = tmp_path / "again.xlsx"
    write_ledger(rows, book)
    assert read_ledger(book) == rows


def test_kyoto_identifier_parts_are_read_and_written(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p1,2024-01-10,purchase,CDM,CER,IN,1234,2012,1,100,,CDM,H,,,,,,,,1,2,0",
        header=HEADER + ",original_cp,applicable_cp,lulucf_activity",
    )
    (row,) = read_ledger(path)
    assert row.kyoto == KyotoParts(1, 2, 0)
    out = tmp_path / "out.csv"
    write_ledger([row], out)
    assert read_ledger(out)[0].kyoto == KyotoParts(1, 2, 0)


def test_an_xlsx_ledger_replays_like_its_csv(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "p1,2024-01-10,purchase,CDM,CER,IN,1234,2012,1,100,100,CDM,HOLD,Acme,,,Seller,1.50,EUR,C-1",
    )
    book = tmp_path / "ledger.xlsx"
    write_ledger(read_ledger(path), book)
    assert replay_ledger(read_ledger(book)).blocks == replay_ledger(read_ledger(path)).blocks


def test_a_commitment_period_too_long_for_a_number_is_a_problem_on_its_cell(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"p1,2024-01-10,purchase,CDM,CER,IN,1234,2012,1,100,,CDM,H,,,,,,,,{'1' * 5000},2,0",
        header=HEADER + ",original_cp,applicable_cp,lulucf_activity",
    )
    with pytest.raises(InvalidInputError) as caught:
        read_ledger(path)
    assert [(p.row, p.column, p.value, p.reason) for p in caught.value.problems] == [
        (2, "original_cp", "1" * 80, "too large: a whole number here has at most 18 digits")
    ]


def test_a_vintage_or_price_in_other_digits_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "p1,2024-01-10,purchase,CDM,CER,IN,1234,٢٠١٢,1,100,,CDM,H,,,,,١.٥,EUR,")
    with pytest.raises(InvalidInputError) as caught:
        read_ledger(path)
    assert [(p.row, p.column, p.value, p.reason) for p in caught.value.problems] == [
        (2, "vintage", "٢٠١٢", "write a year (2024) or two ISO dates (2024-01-01/2024-06-30)"),
        (2, "price", "١.٥", "not a price per unit (e.g. 1.25; no currency sign or separators)"),
    ]


_SCALARS = st.one_of(st.text(), st.integers(), st.floats(allow_nan=False), st.booleans(), st.none())


@given(
    blocks=st.lists(st.dictionaries(st.text(), _SCALARS, min_size=1, max_size=6), max_size=5),
    client=st.text(),
)
def test_the_ledger_json_text_is_byte_for_byte_what_json_dumps_writes(
    blocks: list[dict[str, object]], client: str
) -> None:
    document = {
        "schema": "neutra.ledger/1",
        "blocks": blocks,
        "totals": {"held": 1, "by_client": {client: {"held": 1, "cancelled": 0}}},
        "provenance": {"input": "0" * 64, "hash": '"blocks": []'},
    }
    assert "".join(ledger_json_text(document)) == json.dumps(document, indent=2, ensure_ascii=False)


@pytest.mark.parametrize(
    ("price", "reason"),
    [("1" + "0" * 24, "too large: a price per unit is below 1e+10 in its currency"),
     ("1.23456", "at most 4 decimal places"),
     ("1e400", "not a price per unit (e.g. 1.25; no currency sign or separators)")],
)  # fmt: skip
def test_a_price_the_ledger_cannot_keep_is_a_problem_on_its_row(
    tmp_path: Path, price: str, reason: str
) -> None:
    # As the web's ledger refuses it (core.money): a 25-digit price was read, and the web
    # stored it and then failed on every read of the row.
    path = tmp_path / "ledger.csv"
    path.write_text(
        HEADER
        + "\nP1,2025-01-10,purchase,CDM,CER,IN,1234,2012,1,10,,CDM,HOLD-1,,,,Seller,"
        + price
        + ",EUR,\n"
    )
    with pytest.raises(InvalidInputError) as caught:
        read_ledger(path)
    assert [(p.row, p.column, p.reason) for p in caught.value.problems] == [(2, "price", reason)]
