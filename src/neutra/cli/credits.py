"""`neutra credits ...`: the carbon-credit ledger on the command line (DESIGN.md §5.2).

`check` replays a ledger file with the same algebra the web ledger uses and
prints the holdings. It must never print holdings from a file with problems:
every problem is listed (file, row, column, value, reason) and the exit
status is 2.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
    from neutra.formats.ledger_file import iter_ledger, ledger_json

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
        print(json.dumps(document, indent=2, ensure_ascii=False))
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
