"""`neutra strategy`: base year, intensities and targets over the years (DESIGN.md §8).

Reads the history, denominators, targets and structural changes, checks them
whole and against each other, and prints the `neutra.strategy/1` figures as
tables or JSON. Bad input: every problem listed (file, row, column, value,
reason), exit 2, nothing computed.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from neutra.core.history import Scope2Basis

if TYPE_CHECKING:
    from rich.console import Console

    from neutra.core.strategy import StrategyReport


class StrategyFormat(StrEnum):
    table = "table"
    json = "json"


def register(app: typer.Typer) -> None:
    """Add the `strategy` command to the `neutra` command."""
    app.command("strategy")(strategy)


def strategy(
    history: Annotated[
        Path,
        typer.Option(
            "--history",
            help="Emissions history CSV: year, scope1, scope2_location, scope2_market, scope3 "
            "[, cat1..cat15] (t CO2e).",
        ),
    ],
    base_year_text: Annotated[
        str | None,
        typer.Option(
            "--base-year", metavar="YEAR", help="Base year (default: the history's first)."
        ),
    ] = None,
    scope2: Annotated[
        Scope2Basis,
        typer.Option("--scope2", help="Scope 2 basis of the base year's emissions."),
    ] = Scope2Basis.MARKET,
    denominators: Annotated[
        Path | None,
        typer.Option(help="Denominators CSV: year, indicator, value, unit, source."),
    ] = None,
    targets: Annotated[
        Path | None,
        typer.Option(
            help="Targets CSV: target_id, kind, scopes, scope2, base_year, base_value, "
            "target_year, reduction, denominator, criteria."
        ),
    ] = None,
    changes: Annotated[
        Path | None,
        typer.Option(help="Structural changes CSV: year, kind, description, base_year_effect_t."),
    ] = None,
    threshold_text: Annotated[
        str,
        typer.Option(
            "--threshold",
            metavar="FRACTION",
            help="Significance threshold of the cumulative change (fraction of the base year).",
        ),
    ] = "0.05",
    currency: Annotated[
        str | None,
        typer.Option(
            help="Show revenue intensities per million of this ISO 4217 currency "
            "(default: the currency of the latest year's revenue)."
        ),
    ] = None,
    output_format: Annotated[
        StrategyFormat, typer.Option("--format", help="table or json.")
    ] = StrategyFormat.table,
) -> None:
    """Base year (as reported and restated), intensities and targets over the years."""
    from neutra.cli.main import fail, out
    from neutra.core.errors import InvalidInputError, NeutraError, Problem
    from neutra.core.strategy import strategy_report
    from neutra.formats.numbers import decimal_number, whole_number
    from neutra.formats.strategy_files import problem_of, read_strategy_inputs

    as_json = output_format is StrategyFormat.json
    # Read as files are (formats.numbers): ASCII digits only, so "٢٠٢٠" or "0.0_5" is
    # refused rather than taken the way Python's int() and float() would take it.
    threshold = decimal_number(threshold_text.strip())
    base_year = None if base_year_text is None else whole_number(base_year_text.strip(), 4)
    options = []
    if threshold is None or not 0 < threshold < 1:
        reason = "give a fraction between 0 and 1, e.g. 0.05"
        options.append(Problem("--threshold", None, None, threshold_text, reason))
    if base_year_text is not None and base_year is None:
        reason = "give a year in digits, e.g. 2019"
        options.append(Problem("--base-year", None, None, base_year_text, reason))
    if options or threshold is None:
        fail(options, as_json=as_json)
    try:
        inputs = read_strategy_inputs(
            history,
            base_year=base_year,
            denominators_path=denominators,
            targets_path=targets,
            changes_path=changes,
            currency=currency,
        )
    except InvalidInputError as exc:
        fail(exc.problems, as_json=as_json)
    try:
        report = strategy_report(
            inputs.history,
            base_year=inputs.base_year,
            scope2=scope2,
            denominators=inputs.denominators,
            currency=inputs.currency,
            targets=inputs.targets,
            changes=inputs.changes,
            threshold=threshold,
        )
    except NeutraError as exc:
        fail([problem_of(exc, inputs)], as_json=as_json)
    if as_json:
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
        return
    _render(out, report)


def _render(console: Console, report: StrategyReport) -> None:
    """The report as tables: base year, years with intensities, targets."""
    from rich.table import Table

    from neutra.core.history import EMISSION_KEYS, EmissionKey
    from neutra.core.rounding import format_tonnes

    b = report.base_year
    base = Table(
        title=f"Base year {b.year} (t CO2e, scopes 1 + 2 + 3, scope 2 {b.scope2.value}-based)",
        title_justify="left",
    )
    for column in ("year", "as reported", "restated", "reasons"):
        base.add_column(column, justify="left" if column == "reasons" else "right")
    for r in b.series:
        base.add_row(
            str(r.year),
            format_tonnes(r.as_reported_t),
            format_tonnes(r.restated_t),
            "; ".join(r.reasons),
        )
    console.print(base)
    verdict = "recalculated" if b.recalculated else "not recalculated"
    console.print(
        f"Cumulative change {b.cumulative_change:+.2%} of the base year, threshold "
        f"{b.threshold:.2%}: {verdict}."
    )
    for line in b.logged:
        console.print(f"  logged: {line}", markup=False, highlight=False)

    years = Table(title="Emissions as reported (t CO2e)", title_justify="left")
    years.add_column("")
    for item in report.history.years:
        years.add_column(str(item.year), justify="right")
    for key in EMISSION_KEYS:
        years.add_row(key.label, *(format_tonnes(y.figure(key)) for y in report.history.years))
    console.print(years)

    if report.intensities:
        table = Table(
            title=f"Intensities (numerator and denominator both for {report.boundary})",
            title_justify="left",
        )
        for column in ("year", "scopes", "per", "t CO2e per unit", "denominator basis"):
            table.add_column(column, justify="right" if column == "t CO2e per unit" else "left")
        shown = (
            EmissionKey.SCOPE1_2_MARKET,
            EmissionKey.SCOPE1_2_LOCATION,
            EmissionKey.TOTAL_MARKET,
            EmissionKey.TOTAL_LOCATION,
            EmissionKey.SCOPE3,
        )
        for i in report.intensities:
            if i.key in shown:
                table.add_row(
                    str(i.year),
                    i.key.label,
                    i.denominator.per,
                    f"{i.value:,.6g}",
                    i.denominator.basis,
                )
        console.print(table)

    for t in report.targets:
        target = t.target
        title = (
            f"Target {target.target_id}: {target.kind.value}, scopes {target.scopes.value} "
            f"(scope 2 {target.scope2.value}-based), {target.reduction:.1%} from {target.base_year} "
            f"by {target.target_year} ({t.unit}): {t.status.value}"
        )
        table = Table(title=title, title_justify="left")
        for column in ("year", "path", "actual"):
            table.add_column(column, justify="right")
        for year in sorted(set(t.path) | set(t.actual)):
            path = t.path.get(year)
            actual = t.actual.get(year)
            table.add_row(
                str(year),
                "" if path is None else f"{path:,.6g}",
                "" if actual is None else f"{actual:,.6g}",
            )
        console.print(table)
        if t.criteria is not None:
            met = "met" if t.criteria.met else "not met"
            console.print(f"  {t.criteria.name} (version {t.criteria.version}): {met}")
            for problem in t.criteria.problems:
                console.print(f"  - {problem}", markup=False, highlight=False)
