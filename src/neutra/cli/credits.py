"""`neutra credits ...`: the carbon-credit ledger on the command line (DESIGN.md §5.2)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `credits` commands to the `neutra` command."""
    credits_app = typer.Typer(
        help="Check, import and export carbon-credit ledgers.", no_args_is_help=True
    )
    app.add_typer(credits_app, name="credits")
