"""Registry statements, and their reconciliation with the ledger, range by range."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from neutra.core.credits import (
    BlockState,
    Cancel,
    Ledger,
    Match,
    Purchase,
    SerialRange,
    UnitsSpec,
    UnitType,
    reconcile,
)
from neutra.core.errors import InvalidInputError
from neutra.formats.registry_statement import read_statement

HEADER = "registry,account,programme,unit_type,host_party,project_id,vintage,serial_start,serial_end,quantity"


def write(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "statement.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def ledger() -> Ledger:
    book = Ledger()
    for txn, start, end, project in (("p1", 1, 100, "1234"), ("p2", 201, 300, "5678")):
        book.purchase(
            Purchase(
                txn,
                dt.date(2024, 1, 1),
                "CDM",
                "HOLD",
                "",
                "CDM",
                UnitType.CER,
                "IN",
                project,
                "2012",
                SerialRange(start, end),
            )
        )
    spec = UnitsSpec(
        programme="CDM", unit_type=UnitType.CER, host_party="IN", serials=SerialRange(91, 100)
    )
    book.cancel(Cancel("c1", dt.date(2024, 2, 1), spec))
    return book


def test_holdings_that_agree_reconcile(tmp_path: Path) -> None:
    path = write(
        tmp_path, "CDM,HOLD,CDM,CER,IN,1234,2012,1,90,90", "cdm,HOLD,CDM,CER,IN,5678,2012,201,300,"
    )
    result = reconcile(ledger().blocks, read_statement(path))
    assert result.reconciled
    assert result.units(Match.MATCH) == 190


def test_missing_and_different_units_are_shown_on_either_side(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "CDM,HOLD,CDM,CER,IN,1234,2012,1,80,",  # 81-90 missing from the statement
        "CDM,OTHER,CDM,CER,IN,5678,2012,201,250,",  # another account: different
        "CDM,HOLD,CDM,CER,IN,5678,2012,251,320,",  # 301-320: we do not record them
    )
    result = reconcile(ledger().blocks, read_statement(path))
    assert not result.reconciled
    assert [(x.serials.start, x.serials.end) for x in result.of(Match.LEDGER_ONLY)] == [(81, 90)]
    assert [(x.serials.start, x.serials.end) for x in result.of(Match.STATEMENT_ONLY)] == [
        (301, 320)
    ]
    (different,) = result.of(Match.DIFFERENT)
    assert (different.serials, different.differences, different.statement_row) == (
        SerialRange(201, 250),
        ("account",),
        3,
    )
    assert result.units(Match.MATCH) == 80 + 50


def test_a_transactions_statement_checks_the_cancellations(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "CDM,HOLD,CDM,CER,IN,1234,2012,91,100,10,cancel,2024-02-01",
        header=HEADER + ",action,date",
    )
    (line,) = read_statement(path)
    assert line.state is BlockState.CANCELLED
    assert reconcile(ledger().blocks, [line]).reconciled


def test_a_bad_statement_lists_every_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "CDM,H,CDM,CER,IN,1,2012,10,1,",
        "CDM,H,CDM,CER,IN,1,2012,30,40,5",
        "CDM,H,CDM,CER,IN,1,2012,50,60,",
        "CDM,H,CDM,CER,IN,1,2012,55,70,",
    )
    with pytest.raises(InvalidInputError) as caught:
        read_statement(path)
    assert {(p.row, p.column) for p in caught.value.problems} == {
        (2, "serial_end"),
        (3, "quantity"),
        (5, "serial_start"),
    }


def test_a_serial_too_long_or_in_other_digits_is_a_problem_on_its_cell(tmp_path: Path) -> None:
    path = write(
        tmp_path, f"CDM,H,CDM,CER,IN,1,2012,1,{'9' * 5000},", "CDM,H,CDM,CER,IN,1,2012,١,10,"
    )
    with pytest.raises(InvalidInputError) as caught:
        read_statement(path)
    assert [(p.row, p.column, p.value, p.reason) for p in caught.value.problems] == [
        (2, "serial_end", "9" * 80, "too large: a whole number here has at most 18 digits"),
        (3, "serial_start", "١", "not a whole number (digits only, no separators)"),
    ]
