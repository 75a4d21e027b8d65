"""`neutra credits ...`: the carbon-credit ledger on the command line (DESIGN.md §5.2).

`check` replays a ledger file with the same algebra the web ledger uses and
prints the holdings. It must never print holdings from a file with problems:
every problem is listed (file, row, column, value, reason) and the exit
status is 2. `import`, `export`, `reconcile` and `verify-journal` work on the
app database (DATABASE_URL or NEUTRA_HOME, as `neutra serve`).
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

    from neutra.core.credits import Ledger


class CheckFormat(StrEnum):
    table = "table"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add the `credits` commands to the `neutra` command."""
    credits_app = typer.Typer(
        help="Check, import and export carbon-credit ledgers.", no_args_is_help=True
    )
    app.add_typer(credits_app, name="credits")
    credits_app.command("check")(check)
    credits_app.command("import")(import_ledger)
    credits_app.command("export")(export_ledger)
    credits_app.command("reconcile")(reconcile_statement)
    credits_app.command("verify-journal")(verify_journal)


def check(
    ledger_file: Annotated[Path, typer.Argument(help="Ledger file (CSV or XLSX), DESIGN.md §5.1.")],
    output_format: Annotated[
        CheckFormat, typer.Option("--format", help="table or json (neutra.ledger/1).")
    ] = CheckFormat.table,
) -> None:
    """Replay a ledger file and print the holdings: held, cancelled and sold blocks per client."""
    from neutra.cli.main import fail, out
    from neutra.core.credits import replay_ledger
    from neutra.core.errors import InvalidInputError, Problem
    from neutra.formats.hashing import file_sha256
    from neutra.formats.ledger_file import iter_ledger, ledger_json, ledger_json_text

    as_json = output_format is CheckFormat.json
    problems: list[Problem] = []
    label = str(ledger_file)
    try:
        # Streamed: rows the reader refuses are listed and left out, the rest replayed,
        # so one run names every problem of the file.
        ledger = replay_ledger(iter_ledger(ledger_file, problems), source=label, keep_history=False)
    except InvalidInputError as exc:
        problems.extend(exc.problems)
        ledger = None
    if problems or ledger is None:
        fail(sorted(problems, key=lambda p: (p.row or 0, p.column or "")), as_json=as_json)
    if as_json:
        document = ledger_json(ledger, file_sha256(ledger_file))
        sys.stdout.writelines(ledger_json_text(document))
        sys.stdout.write("\n")
        return
    _table(out, ledger)


def _table(console: Console, ledger: Ledger) -> None:
    from rich.table import Table

    from neutra.core.credits import ledger_totals, serial_label

    blocks = ledger.blocks
    table = Table(title=f"Credit blocks ({len(blocks)})", title_justify="left")
    for name in ("state", "client", "registry", "account", "programme", "type", "host", "project", "vintage", "serials", "quantity", "date", "beneficiary"):  # fmt: skip
        table.add_column(name, justify="right" if name == "quantity" else "left", overflow="fold")
    for b in blocks:
        table.add_row(
            b.state.value, b.client or "(stock)", b.registry, b.account, b.programme,
            b.unit_type.value, b.host_party, b.project_id, b.vintage,
            f"{b.serial_start}-{b.serial_end}", f"{b.quantity:,}", b.date.isoformat(), b.beneficiary,
        )  # fmt: skip
    console.print(table)
    totals = ledger_totals(blocks)
    summary = Table(title="Units per client", title_justify="left")
    for name in ("client", "held", "cancelled"):
        summary.add_column(name, justify="left" if name == "client" else "right")
    for client, held, cancelled in totals.by_client:
        summary.add_row(client or "(stock)", f"{held:,}", f"{cancelled:,}")
    summary.add_row("all", f"{totals.held:,}", f"{totals.cancelled:,}", style="bold")
    console.print(summary)
    console.print(f"Sold: {totals.sold:,} units")
    if ledger.choices:
        chosen = Table(title="Units chosen by policy", title_justify="left")
        for name in ("txn_id", "action", "policy", "serials", "quantity", "vintage"):
            chosen.add_column(name, justify="right" if name == "quantity" else "left")
        for event in ledger.choices:
            assert event.policy is not None
            for b in event.moved:
                chosen.add_row(
                    event.txn_id, event.action.value, event.policy.value, serial_label(b),
                    f"{b.quantity:,}", b.vintage,
                )  # fmt: skip
        console.print(chosen)


# ---------------------------------------------------------------- on the app database


def _app() -> None:
    """Django on the app database, migrated; exit 2 with the reason if it cannot start."""
    from django.core.management import call_command

    from neutra.cli import web

    web.django_setup_or_exit()
    call_command("migrate", interactive=False, verbosity=0)


def _consultancy(name: str | None) -> Any:
    from neutra.cli.main import fail
    from neutra.core.errors import Problem
    from neutra.web.tenancy.models import Consultancy

    rows = Consultancy.objects.order_by("name")
    found = (
        rows.filter(name=name).first() if name else (rows.first() if rows.count() == 1 else None)
    )
    if found is None:
        names = ", ".join(rows.values_list("name", flat=True)) or "none"
        reason = f"no consultancy named {name!r}" if name else "give --consultancy NAME"
        fail([Problem("--consultancy", None, None, name, f"{reason} (consultancies: {names})")])
    return found


ConsultancyOption = Annotated[
    str | None, typer.Option("--consultancy", help="Whose ledger (default: the only consultancy).")
]


def import_ledger(
    ledger_file: Annotated[Path, typer.Argument(help="Ledger file (CSV or XLSX) to apply.")],
    consultancy: ConsultancyOption = None,
) -> None:
    """Import a ledger file into the app database: every row, or none with every problem listed."""
    from neutra.cli.main import fail, out
    from neutra.core.errors import InvalidInputError, NeutraError, Problem
    from neutra.formats.ledger_file import read_ledger

    _app()
    from neutra.web.credits.services import ledger_import

    owner = _consultancy(consultancy)
    try:
        made = ledger_import(
            consultancy=owner, rows=read_ledger(ledger_file), source=str(ledger_file), by=None
        )
    except InvalidInputError as exc:
        fail(exc.problems)
    except NeutraError as exc:
        fail([Problem(str(ledger_file), None, None, None, exc.message)])
    out.print(f"Imported {len(made)} transactions into the ledger of {owner.name}.")


def export_ledger(
    output: Annotated[Path, typer.Option(help="The ledger file to write (.csv or .xlsx).")],
    consultancy: ConsultancyOption = None,
) -> None:
    """Export a consultancy's ledger from the app database as a ledger file (DESIGN.md §5.1)."""
    from neutra.cli.main import err, fail, output_problem, replacing
    from neutra.core.errors import InvalidInputError, Problem
    from neutra.formats.ledger_file import write_ledger_cells

    unwritable = output_problem(output)  # said before the database is opened
    if unwritable is not None:
        fail([unwritable])
    _app()
    from neutra.web.credits.selectors import ledger_rows

    owner = _consultancy(consultancy)
    rows = ledger_rows(consultancy=owner)
    try:
        with replacing(output) as part:
            write_ledger_cells(rows, part)
    except InvalidInputError as exc:  # more than an XLSX sheet holds
        fail(exc.problems)
    except OSError as exc:  # a full disk: no half-written ledger file is left
        reason = f"cannot write the file: {exc.strerror or exc}"
        fail([Problem("--output", None, None, str(output), reason)])
    err.print(f"Wrote {len(rows)} transactions to {output}")


def reconcile_statement(
    statement: Annotated[
        Path, typer.Argument(help="A registry statement (holdings or transactions CSV).")
    ],
    consultancy: ConsultancyOption = None,
    output_format: Annotated[
        CheckFormat, typer.Option("--format", help="table or json.")
    ] = CheckFormat.table,
) -> None:
    """Compare a registry statement with the ledger in the app database; exit 1 when they differ."""
    from neutra.cli.main import fail, out
    from neutra.core.credits import Match, reconcile
    from neutra.core.errors import InvalidInputError
    from neutra.formats.registry_statement import read_statement

    try:
        lines = read_statement(statement)
    except InvalidInputError as exc:
        fail(exc.problems, as_json=output_format is CheckFormat.json)
    _app()
    from neutra.web.credits.selectors import current_core_blocks

    result = reconcile(current_core_blocks(consultancy=_consultancy(consultancy)), lines)
    if output_format is CheckFormat.json:
        document = {
            "schema": "neutra.reconciliation/1",
            "reconciled": result.reconciled,
            "units": {m.value: result.units(m) for m in Match},
            "lines": [
                {"match": x.match.value, "space": str(x.space), "serial_start": x.serials.start,
                 "serial_end": x.serials.end, "quantity": x.quantity, "ledger": x.ledger,
                 "statement": x.statement, "statement_row": x.statement_row, "differences": list(x.differences)}
                for x in result.lines
            ],
        }  # fmt: skip
        print(json.dumps(document, indent=2))
    else:
        from rich.table import Table

        table = Table(title="Reconciliation", title_justify="left")
        for name in (
            "match",
            "serial space",
            "serials",
            "units",
            "ledger",
            "statement",
            "row",
            "differs in",
        ):
            table.add_column(name, overflow="fold")
        for x in result.lines:
            table.add_row(x.match.value, str(x.space), str(x.serials), f"{x.quantity:,}",
                          " ".join(x.ledger or ()), " ".join(x.statement or ()),
                          "" if x.statement_row is None else str(x.statement_row), ", ".join(x.differences))  # fmt: skip
        out.print(table)
        out.print("Reconciled." if result.reconciled else "The statement and the ledger differ.")
    if not result.reconciled:
        raise typer.Exit(1)


def verify_journal(consultancy: ConsultancyOption = None) -> None:
    """Recompute the journal's hash chain in the app database; exit 1 and name every break."""
    from neutra.cli.main import err, out

    _app()
    from neutra.web.credits.journal import journal_verify

    owner = _consultancy(consultancy) if consultancy else None
    checked, breaks = journal_verify(owner)
    if breaks:
        for found in breaks:
            err.print(f"journal broken: {found}", markup=False, highlight=False)
        err.print(
            f"{len(breaks)} break(s) in {checked} entries: the journal was changed outside Neutra."
        )
        raise typer.Exit(1)
    out.print(f"The journal is whole: {checked} entries, every hash chained to the one before.")
