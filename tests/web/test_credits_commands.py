"""`neutra credits import|export|reconcile|verify-journal` on the app database."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from typer.testing import CliRunner

from neutra.cli.main import app
from neutra.web.credits.models import CreditBlock, JournalEntry
from tests.web.credits_data import credits_book
from tests.web.test_credits import LEDGER

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]
runner = CliRunner()


def neutra(*args: str) -> Any:
    return runner.invoke(app, ["credits", *args], env={"COLUMNS": "200"})


def test_import_export_reconcile_and_verify_from_the_command_line(
    world: dict, tmp_path: Path
) -> None:
    credits_book(world)
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(LEDGER)
    done = neutra("import", str(ledger), "--consultancy", "Consultancy A")
    assert done.exit_code == 0, done.output
    assert "Imported 3 transactions" in done.stdout
    assert (
        CreditBlock.objects.filter(closed_by__isnull=True, state="cancelled").get().quantity == 20
    )

    again = neutra("import", str(ledger), "--consultancy", "Consultancy A")  # the same txn_ids
    assert again.exit_code == 2
    assert "a transaction with this id is in the ledger already" in again.stderr

    exported = tmp_path / "out.csv"
    assert (
        neutra("export", "--output", str(exported), "--consultancy", "Consultancy A").exit_code == 0
    )
    assert (
        exported.read_text()
        .splitlines()[1]
        .startswith("p1,2025-01-10,purchase,CDM,CER,IN,1234,2012,1,100,100")
    )

    statement = tmp_path / "statement.csv"
    statement.write_text(
        "registry,account,programme,unit_type,host_party,project_id,vintage,serial_start,serial_end\n"
        "CDM,A-HOLD,CDM,CER,IN,1234,2012,21,100\n"
    )
    done = neutra("reconcile", str(statement), "--consultancy", "Consultancy A", "--format", "json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["reconciled"] is True

    everyone = neutra("verify-journal")  # every consultancy's chain
    assert everyone.exit_code == 0
    assert "3 entries" in everyone.stdout
    done = neutra("verify-journal", "--consultancy", "Consultancy A")
    assert done.exit_code == 0, done.output
    assert "3 entries" in done.stdout
    entry = JournalEntry.objects.get(seq=2)
    with connection.cursor() as cursor:  # tampering typed at the database
        cursor.execute(
            "UPDATE credits_journalentry SET action = %s WHERE id = %s", ["credits.sale", entry.pk]
        )
    done = neutra("verify-journal", "--consultancy", "Consultancy A")
    assert done.exit_code == 1
    assert "entry #2: its content does not match its hash (changed)" in done.stderr


def test_an_unknown_consultancy_is_a_problem_not_a_traceback(world: dict, tmp_path: Path) -> None:
    done = neutra("export", "--output", str(tmp_path / "x.csv"), "--consultancy", "Nobody")
    assert done.exit_code == 2
    assert "no consultancy named 'Nobody'" in done.stderr


def test_an_export_that_cannot_be_written_is_a_problem_not_a_traceback(
    world: dict, tmp_path: Path
) -> None:
    credits_book(world)
    nowhere = tmp_path / "nowhere" / "ledger.csv"
    done = neutra("export", "--output", str(nowhere), "--consultancy", "Consultancy A")
    assert done.exit_code == 2
    assert "no such folder" in done.stderr
    assert "Traceback" not in done.output
    # Written whole, beside its place, then moved: the XLSX keeps its format.
    book = tmp_path / "ledger.xlsx"
    done = neutra("export", "--output", str(book), "--consultancy", "Consultancy A")
    assert done.exit_code == 0, done.output
    assert book.read_bytes()[:2] == b"PK"
    assert [p.name for p in tmp_path.iterdir()] == ["ledger.xlsx"]


def test_a_ledger_longer_than_an_xlsx_sheet_is_refused_not_cut_short(
    world: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from neutra.formats import workbook

    credits_book(world)
    ledger = tmp_path / "ledger.csv"
    ledger.write_text(LEDGER)
    assert neutra("import", str(ledger), "--consultancy", "Consultancy A").exit_code == 0
    monkeypatch.setattr(workbook, "SHEET_ROWS", 2)  # 1,048,575; the 3 transactions here
    book = tmp_path / "ledger.xlsx"
    done = neutra("export", "--output", str(book), "--consultancy", "Consultancy A")
    assert done.exit_code == 2
    assert "an XLSX sheet holds 2 rows and the ledger has 3 transactions" in done.stderr
    assert not book.exists()
    assert (
        neutra(
            "export", "--output", str(tmp_path / "x.csv"), "--consultancy", "Consultancy A"
        ).exit_code
        == 0
    )
