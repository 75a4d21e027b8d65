"""`neutra claim ...` and `neutra report ...`: neutrality claims and reports (DESIGN.md §9)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `claim` and `report` commands to the `neutra` command."""
