"""`neutra strategy`: base year, intensities and targets over the years (DESIGN.md §8)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the `strategy` command to the `neutra` command."""
