"""How the command line shows results, problems and progress to people (rich).

It must never compute a figure: it only formats what core returned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from neutra.core.rounding import format_tonnes
from neutra.reports.labels import SCOPE3_CATEGORY_NAMES, TOTAL_LABELS, gas_label

if TYPE_CHECKING:  # types only: each command imports what it runs, and no more
    from neutra.core.claims import ClaimEvaluation
    from neutra.core.engine import Footprint
    from neutra.core.errors import InvalidInputError
    from neutra.core.factors import Factor, FactorSet, FactorSetDiff
    from neutra.core.taxonomy import ActivityType
    from neutra.formats.factor_store import StoredSet

SCOPE3_NAMES = SCOPE3_CATEGORY_NAMES  # the GHG Protocol names, shared with the reports
MAX_FLAGS_SHOWN = 10
MAX_LINES_SHOWN = 1_000  # a table on the screen; the files (--format csv, json) hold them all


def problems(console: Console, error: InvalidInputError) -> None:
    count = error.count
    table = Table(
        title=f"{count} problem{'s' if count != 1 else ''}: nothing was computed",
        title_justify="left",
        caption=f"... {error.omitted_note}" if error.omitted else None,
        caption_justify="left",
    )
    for column in ("file", "row", "column", "value", "reason"):
        table.add_column(column, overflow="fold")
    for p in error.problems:
        # Text, not markup: a value or reason may hold brackets ("neutra[spark]", "[red]").
        cells = (
            p.file,
            "" if p.row is None else str(p.row),
            p.column or "",
            p.value or "",
            p.reason,
        )
        table.add_row(*(Text(cell) for cell in cells))
    console.print(table)


@contextmanager
def progress(console: Console) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar for long reads; silent when the output is not a terminal."""
    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    )  # fmt: skip
    tasks: dict[str, TaskID] = {}

    def report(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            tasks[stage] = bar.add_task(stage, total=total or None)
        bar.update(tasks[stage], completed=done, total=total or None)

    with bar:
        yield report


@contextmanager
def working(console: Console, what: str) -> Iterator[None]:
    """A spinner while something long runs; nothing when the output is not a terminal."""
    if not console.is_terminal:
        yield
        return
    with console.status(what):
        yield


def footprint(console: Console, result: Footprint, *, lines: bool = False) -> None:
    t = result.totals
    summary = Table(title=f"GHG footprint (t CO2e, GWP {result.gwp_set})", title_justify="left")
    summary.add_column("")
    summary.add_column("t CO2e", justify="right")
    for key, label in TOTAL_LABELS.items():
        summary.add_row(
            label, format_tonnes(t[key]), style="bold" if key.startswith("total") else None
        )
    summary.add_row(
        "Biogenic CO2 (memo, outside the scopes)", format_tonnes(result.biogenic_co2_t), style="dim"
    )
    console.print(summary)

    categories = [(int(n), v) for n, v in result.scope3_categories.items() if v]
    if categories:
        table = Table(title="Scope 3 by category", title_justify="left")
        table.add_column("Category")
        table.add_column("t CO2e", justify="right")
        for number, value in categories:
            table.add_row(f"{number}. {SCOPE3_NAMES[number]}", format_tonnes(value))
        console.print(table)

    gases = Table(title="By gas", title_justify="left")
    for column in ("Gas", "t of gas", "t CO2e"):
        gases.add_column(column, justify="left" if column == "Gas" else "right")
    for gas, figures in result.by_gas.items():
        # A "CO2e" row holds the factors published only in CO2e: no mass of a gas to show.
        mass = "" if gas == "CO2e" else f"{figures['t']:,.6g}"
        gases.add_row(gas_label(gas), mass, format_tonnes(figures["t_co2e"]))
    console.print(gases)

    if len(result.by_entity) > 1 or "" not in result.by_entity:
        entities = Table(title="By entity (t CO2e)", title_justify="left")
        entities.add_column("Entity")
        for label in TOTAL_LABELS.values():
            entities.add_column(label, justify="right")
        for name, figures in result.by_entity.items():
            entities.add_row(name or "(no entity)", *(format_tonnes(v) for v in figures.values()))
        console.print(entities)

    if result.flags:
        counts = result.flags.counts
        console.print(
            "[bold]Flags:[/] " + ", ".join(f"{flag} x{n}" for flag, n in sorted(counts.items()))
        )
        for flag in result.flags.first(MAX_FLAGS_SHOWN):
            console.print(
                f"  row {flag.row}: {flag.flag}: {flag.detail}", markup=False, highlight=False
            )
        if len(result.flags) > MAX_FLAGS_SHOWN:
            console.print(
                f"  ... {len(result.flags) - MAX_FLAGS_SHOWN:,} more (all of them with --format json)",
                highlight=False,
            )

    if lines and result.lines is not None:
        table = Table(title="Lines", title_justify="left")
        shown = [
            "file",
            "row",
            "id",
            "entity",
            "scope",
            "category",
            "quantity",
            "unit",
            "factor",
            "emissions_t_co2e",
        ]
        for column in shown:
            table.add_column(column)
        for row in result.lines.select(shown).slice(0, MAX_LINES_SHOWN).to_pylist():
            table.add_row(*("" if v is None else str(v) for v in row.values()))
        console.print(table)
        if result.lines.num_rows > MAX_LINES_SHOWN:
            more = result.lines.num_rows - MAX_LINES_SHOWN
            console.print(
                f"  ... {more:,} more lines (all of them with --format csv or json)",
                highlight=False,
            )

    p = result.provenance
    sets = ", ".join(f"{s['name']}@{s['version']}" for s in p["factor_sets"])
    console.print(
        f"[dim]Factor sets: {sets}. GWP: {result.gwp_set}. {p['engine']}. Hash {p['hash'][:16]}.[/]",
        highlight=False,
    )


def stored_sets(console: Console, sets: list[StoredSet], starter: Sequence[FactorSet] = ()) -> None:
    """The stored sets, then the starter library's (shipped with Neutra, used by default)."""
    if not sets and not starter:
        console.print(
            "No factor sets stored yet. Import one with `neutra factors import csv PATH`."
        )
        return
    table = Table()
    for column in ("name", "version", "factors", "current", "kind", "source"):
        table.add_column(column)
    for s in sets:
        current = "yes" if s.current else ""
        table.add_row(s.name, s.version, str(s.factors), current, "stored", s.source or "")
    for f in starter:
        table.add_row(f.name, f.version, str(len(f)), "yes", "starter", f.source or "")
    console.print(table)
    if not sets:
        console.print(
            "No factor sets stored yet: the starter library above is used by default. "
            "Import one with `neutra factors import csv PATH`."
        )


FACTOR_COLUMNS = (
    "factor_id",
    "activity",
    "per",
    "region",
    "year",
    "scope",
    "cat.",
    "gases (t per unit)",
    "source",
)


def factor_set(console: Console, factor_set: FactorSet, *, starter: bool = False) -> None:
    kind = " (starter library)" if starter else ""
    title = f"{factor_set.name}{kind} version {factor_set.version}: {len(factor_set)} factors"
    console.print(_factor_table([([], f) for f in factor_set.factors], title=title))


def activity_hits(console: Console, hits: list[ActivityType]) -> None:
    if not hits:
        console.print("No activity key matches.")
        return
    table = Table(title="Activity keys (name one in a row's activity column)", title_justify="left")
    for column in ("activity", "description", "unit", "scope", "cat."):
        table.add_column(column, overflow="fold")
    for a in hits:
        table.add_row(a.key, a.description, a.unit, str(a.scope or ""), str(a.category or ""))
    console.print(table)


def search_hits(console: Console, hits: list[tuple[str, Factor]]) -> None:
    if not hits:
        console.print("No factor of the stored or starter sets matches.")
        return
    table = Table(
        title="Factors (name one in a row's factor column as SET:ID)", title_justify="left"
    )
    for column in (
        "set",
        "factor_id",
        "activity",
        "description",
        "per",
        "region",
        "year",
        "gases (t per unit)",
    ):
        # The SET:ID reference stays whole, to be copied into a row's factor column.
        table.add_column(column, overflow="fold", no_wrap=column == "factor_id")
    for name, f in hits:
        cells = _factor_cells(f)
        set_name = name.removesuffix(" (starter)")
        table.add_row(
            name, f"{set_name}:{f.factor_id}", f.activity or "", f.description or "",
            cells[2], cells[3], cells[4], cells[7],
        )  # fmt: skip
    console.print(table)


def _factor_table(
    rows: list[tuple[list[str], Factor]], *, title: str | None = None, lead: tuple[str, ...] = ()
) -> Table:
    """Factors as a table; `lead` columns (such as the set) come before the factor's own."""
    table = Table(title=title, title_justify="left")
    for column in (*lead, *FACTOR_COLUMNS):
        table.add_column(column, overflow="fold")
    for first, f in rows:
        table.add_row(*first, *_factor_cells(f))
    return table


def _factor_cells(f: Factor) -> list[str]:
    gases = ", ".join(
        f"{g.gas}{' (biogenic)' if g.biogenic else ''} {g.t_per_unit:.6g}" for g in f.gases
    )
    return [
        f.factor_id, f.activity or "", f.unit, f.region or "any", "" if f.year is None else str(f.year),
        "" if f.scope is None else f.scope.value, "" if f.category is None else str(f.category),
        gases, f.source or "",
    ]  # fmt: skip


def factor_diff(console: Console, old: FactorSet, new: FactorSet, diff: FactorSetDiff) -> None:
    console.print(
        f"{old.label} -> {new.label}: {len(diff.added):,} added, {len(diff.removed):,} removed, "
        f"{len(diff.changed):,} changed, {diff.unchanged:,} unchanged",
        highlight=False,
    )
    if diff.added:
        console.print(_factor_table([([], f) for f in diff.added], title="Added"))
    if diff.removed:
        console.print(_factor_table([([], f) for f in diff.removed], title="Removed"))
    if diff.changed:
        table = Table(title="Changed", title_justify="left")
        for column in ("factor_id", "what changed", "before", "after"):
            table.add_column(column, overflow="fold")
        for before, after in diff.changed:
            old_cells, new_cells = _factor_cells(before), _factor_cells(after)
            for column, a, b in zip(FACTOR_COLUMNS, old_cells, new_cells, strict=True):
                if a != b:
                    table.add_row(before.factor_id, column, a, b)
        console.print(table)


def claim_evaluation(console: Console, evaluation: ClaimEvaluation) -> None:
    """A claim's evaluation: the balance, then every rule with its evidence and shortfall."""
    verdict = "[green]met[/green]" if evaluation.met else "[red]not met[/red]"
    if evaluation.met and not evaluation.complete:
        verdict += (
            " on the evidence given (the management plan is checked when the claim is issued)"
        )
    console.print(
        f"Claim of {evaluation.client} for {evaluation.period.label} under {evaluation.standard.value} "
        f"({evaluation.rule_set_version}): {verdict}"
    )
    console.print(
        f"Residual {format_tonnes(evaluation.residual_t)} t CO2e "
        f"(scope 2 {evaluation.scope2_basis.value}-based) needs {evaluation.required_units:,} units; "
        f"{evaluation.counted_units:,} counted, shortfall {evaluation.shortfall_units:,}. "
        f"Coverage {evaluation.coverage:.1%} (VCMI tier {evaluation.tier.value}), "
        f"removals {evaluation.removal_share:.1%}, durable storage {evaluation.durable_share:.1%}."
    )
    rules = Table(title="Rules", title_justify="left")
    for column in ("rule", "met", "evidence", "shortfall", "to close it", "source"):
        rules.add_column(column, overflow="fold")
    for rule in evaluation.rules:
        rules.add_row(
            rule.id.value,
            ("yes" if rule.met else "[red]no[/red]") if rule.checked else "not checked",
            rule.detail,
            f"{rule.shortfall_units:,}" if rule.shortfall_units else "",
            rule.remedy,
            rule.source,
        )
    console.print(rules)
    if evaluation.credits:
        credits = Table(title="Credits counted", title_justify="left")
        for column in (
            "programme",
            "type",
            "project",
            "host",
            "vintage",
            "serials",
            "units",
            "cancelled",
        ):
            credits.add_column(column, justify="right" if column == "units" else "left")
        for c in evaluation.credits:
            credits.add_row(
                c.programme, c.unit_type, c.project_id, c.host_party, c.vintage,
                f"{c.serial_start}-{c.serial_end}", f"{c.quantity:,}", c.cancelled_on.isoformat(),
            )  # fmt: skip
        console.print(credits)
    if evaluation.excluded:
        excluded = Table(title="Cancellations of the client not counted", title_justify="left")
        for column in ("programme", "serials", "units", "cancelled", "why"):
            excluded.add_column(column, overflow="fold")
        for item in evaluation.excluded:
            c = item.credit
            excluded.add_row(
                c.programme, f"{c.serial_start}-{c.serial_end}", f"{c.quantity:,}",
                c.cancelled_on.isoformat(), item.reason,
            )  # fmt: skip
        console.print(excluded)
