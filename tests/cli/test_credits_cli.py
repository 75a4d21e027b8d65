"""`neutra credits check`: the holdings of a ledger file, or every bad row and exit 2 (DESIGN.md §5.2)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from neutra.cli.main import app

HEADER = "txn_id,date,action,programme,unit_type,host_party,project_id,vintage,serial_start,serial_end,quantity,registry,account,to_registry,to_account,client,to_client,beneficiary,purpose,for_period,counterparty,price,currency,reference"
# Two CDM purchases for the stock (Indian CERs, one numbering) and one Gold Standard block for Acme.
BOOK = [
    "p1,2024-01-10,purchase,CDM,CER,IN,1234,2012,1001,1100,100,CDM,HOLD,,,,,,,,Seller Ltd,1.50,EUR,C-1",
    "p2,2024-01-11,purchase,CDM,CER,IN,5678,2010,1,50,,CDM,HOLD,,,,,,,,Seller Ltd,2.00,EUR,C-2",
    "p3,2024-01-12,purchase,GS,VER,KE,GS1247,2021,1,40,,GS,ACME,,,Acme,,,,,GS seller,8.00,EUR,C-3",
]
runner = CliRunner()


def ledger(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "ledger.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def check(path: Path, *options: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["credits", "check", str(path), *options], env={"COLUMNS": "250"})
    return result.exit_code, result.stdout, result.stderr


def test_a_partial_cancellation_splits_the_block_and_the_json_says_so(tmp_path: Path) -> None:
    path = ledger(
        tmp_path,
        *BOOK,
        "a1,2024-02-01,transfer,CDM,CER,IN,,,1001,1100,,CDM,HOLD,,,,Acme,,,,,,,",
        "c1,2024-03-01,cancel,CDM,CER,IN,,,1021,1050,30,CDM,HOLD,,,Acme,,Acme GmbH,carbon neutral 2023,2023,,,,ATT-1",
    )
    code, out, err = check(path, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert list(document) == ["schema", "blocks", "totals", "provenance"]
    assert document["schema"] == "neutra.ledger/1"
    cdm = [
        (b["state"], b["client"], b["serial_start"], b["serial_end"], b["quantity"])
        for b in document["blocks"]
        if b["programme"] == "CDM"
    ]
    # Sorted by serial space, then serial_start: the 2010 block (1-50) first, then 1001-1100 split in three.
    assert cdm == [
        ("held", "", 1, 50, 50),
        ("held", "Acme", 1001, 1020, 20),
        ("cancelled", "Acme", 1021, 1050, 30),
        ("held", "Acme", 1051, 1100, 50),
    ]
    cancelled = document["blocks"][2]
    assert cancelled == {
        "state": "cancelled", "registry": "CDM", "account": "HOLD", "client": "Acme",
        "programme": "CDM", "unit_type": "CER", "host_party": "IN", "project_id": "1234",
        "vintage": "2012", "serial_start": 1021, "serial_end": 1050, "quantity": 30,
        "beneficiary": "Acme GmbH", "date": "2024-03-01",
    }  # fmt: skip
    assert document["totals"] == {
        "held": 50 + 20 + 50 + 40,
        "cancelled": 30,
        "sold": 0,
        "by_client": {"": {"held": 50, "cancelled": 0}, "Acme": {"held": 110, "cancelled": 30}},
    }
    assert document["provenance"]["input"] == hashlib.sha256(path.read_bytes()).hexdigest()
    again = json.loads(check(path, "--format", "json")[1])
    assert again["provenance"]["hash"] == document["provenance"]["hash"]


def test_a_cancellation_by_quantity_takes_the_oldest_vintage_and_shows_the_choice(
    tmp_path: Path,
) -> None:
    path = ledger(tmp_path, *BOOK, "c1,2024-03-01,cancel,,,,,,,,60,,,,,,,Us,own claim,2023,,,,")
    code, out, err = check(path)
    assert code == 0, err
    assert "Units chosen by policy" in out
    # fifo: all 50 of vintage 2010 (serials 1-50), then 10 of the 2012 block (1001-1010).
    chosen = [
        line.split("│")[1:-1]
        for line in out.split("Units chosen by policy")[1].splitlines()
        if "c1" in line
    ]
    assert [[cell.strip() for cell in row] for row in chosen] == [
        ["c1", "cancel", "fifo", "IN-5-1-1-1-0-5678 – IN-5-50-1-1-0-5678", "50", "2010"],
        ["c1", "cancel", "fifo", "IN-5-1001-1-1-0-1234 – IN-5-1010-1-1-0-1234", "10", "2012"],
    ]
    blocks = json.loads(check(path, "--format", "json")[1])["blocks"]
    assert [
        (b["state"], b["serial_start"], b["serial_end"]) for b in blocks if b["programme"] == "CDM"
    ] == [
        ("cancelled", 1, 50),
        ("cancelled", 1001, 1010),
        ("held", 1011, 1100),
    ]


BAD_ROWS = {
    "cancelling a cancelled unit": (
        [
            "c1,2024-03-01,cancel,CDM,CER,IN,,,1,10,,,,,,,,X,,,,,,",
            "c2,2024-03-02,cancel,CDM,CER,IN,,,5,6,,,,,,,,X,,,,,,",
        ],
        3,
        "serial_start",
        "5",
        "were cancelled on 2024-03-01",
    ),
    "moving units one does not hold": (
        ["t1,2024-03-01,transfer,CDM,CER,IN,,,2000,2010,,,,,,,Acme,,,,,,,"],
        2,
        "serial_start",
        "2000",
        "are not held",
    ),
    "another client's units": (
        ["c1,2024-03-01,cancel,GS,VER,,GS1247,,1,5,,,,,,Beta,,B,,,,,,"],
        2,
        "client",
        "Beta",
        "belong to client 'Acme'",
    ),
    "an overlapping purchase": (
        ["p4,2024-03-01,purchase,CDM,CER,IN,9999,2013,1090,1200,,CDM,HOLD,,,,,,,,,,,"],
        2,
        "serial_start",
        "1090",
        "overlap units 1001-1100",
    ),
    "a quantity that disagrees with the serials": (
        ["c1,2024-03-01,cancel,CDM,CER,IN,,,1,10,12,,,,,,,X,,,,,,"],
        2,
        "quantity",
        "12",
        "disagrees with serials 1-10",
    ),
    "a dated rule broken": (
        ["t1,2026-04-01,transfer,CDM,CER,IN,,,1,10,,CDM,,DE,,,,,,,,,,"],
        2,
        "to_registry",
        "DE",
        "International Transaction Log stopped on 31 March 2026",
    ),
    "an unknown action": (
        ["r1,2024-03-01,retire,CDM,CER,IN,,,1,10,,,,,,,,,,,,,,"],
        2,
        "action",
        "retire",
        "unknown action",
    ),
    "dates going back": (
        ["c1,2023-12-31,cancel,CDM,CER,IN,,,1,10,,,,,,,,X,,,,,,"],
        2,
        "date",
        "2023-12-31",
        "dates must not go back",
    ),
}


@pytest.mark.parametrize("kind", BAD_ROWS)
def test_each_bad_row_exits_2_with_its_place_and_prints_no_holdings(
    tmp_path: Path, kind: str
) -> None:
    rows, offset, column, value, reason = BAD_ROWS[kind]
    path = ledger(tmp_path, *BOOK, *rows)
    row = len(BOOK) + offset
    code, out, err = check(path, "--format", "json")
    assert code == 2
    document = json.loads(out)
    assert document["schema"] == "neutra.errors/1"  # and no neutra.ledger/1 document
    (problem,) = [p for p in document["problems"] if p["row"] == row]
    assert (problem["file"], problem["column"], problem["value"]) == (str(path), column, value)
    assert reason in problem["reason"]
    code, out, err = check(path)
    assert code == 2
    assert out == ""
    assert "Credit blocks" not in err
    assert reason.split()[0] in err
    assert str(row) in err


def test_every_problem_of_a_file_comes_back_in_one_run(tmp_path: Path) -> None:
    path = ledger(
        tmp_path,
        *BOOK,
        "x1,2024-03-01,retire,CDM,CER,IN,,,1,10,,,,,,,,,,,,,,",
        "x2,2024-03-02,cancel,CDM,CER,IN,,,1,10,12,,,,,,,X,,,,,,",
        "x2,2024-03-03,cancel,CDM,CER,IN,,,20,21,,,,,,,,X,,,,,,",
    )
    code, out, _ = check(path, "--format", "json")
    assert code == 2
    assert [(p["row"], p["column"]) for p in json.loads(out)["problems"]] == [
        (5, "action"),
        (6, "quantity"),
        (7, "txn_id"),
    ]


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    code, _out, err = check(tmp_path / "nope.csv")
    assert code == 2
    assert "does not exist" in err


@pytest.mark.parametrize("column", ["serial_start", "serial_end", "quantity"])
def test_a_number_too_long_for_python_is_a_problem_on_its_cell(tmp_path: Path, column: str) -> None:
    cells = {"serial_start": "1", "serial_end": "100", "quantity": "", column: "9" * 5000}
    path = ledger(
        tmp_path,
        f"p1,2024-01-10,purchase,CDM,CER,IN,1234,2012,{cells['serial_start']},"
        f"{cells['serial_end']},{cells['quantity']},CDM,HOLD,,,Acme,,,,,,,,",
    )
    code, out, err = check(path, "--format", "json")
    assert code == 2
    assert "Traceback" not in err
    assert json.loads(out)["problems"] == [
        {
            "file": str(path),
            "row": 2,
            "column": column,
            "value": "9" * 80,
            "reason": "too large: a whole number here has at most 18 digits",
        }
    ]


@pytest.mark.parametrize("serials", [("١", "١٠٠"), ("1_0", "2_0"), ("１", "１００")])
def test_serials_in_other_digits_or_with_separators_are_not_numbers(
    tmp_path: Path, serials: tuple[str, str]
) -> None:
    start, end = serials
    path = ledger(
        tmp_path,
        f"p1,2024-01-10,purchase,CDM,CER,IN,1234,2012,{start},{end},,CDM,HOLD,,,Acme,,,,,,,,",
    )
    code, out, err = check(path, "--format", "json")
    assert code == 2
    assert "Traceback" not in err
    reason = "not a whole number (digits only, no separators)"
    assert json.loads(out)["problems"] == [
        {"file": str(path), "row": 2, "column": "serial_end", "value": end, "reason": reason},
        {"file": str(path), "row": 2, "column": "serial_start", "value": start, "reason": reason},
    ]
