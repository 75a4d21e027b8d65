"""`neutra report ...`: the management and public climate reports, and the disclosure exports.

`report management|public` writes HTML or PDF from the same template;
`report disclosure ghgp|esrs|cdp|secr` writes XLSX or JSON. Every input file
is read before anything is written, and every problem is listed (exit 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from neutra.core.claims import CancelledCredit, ClaimPeriod, FootprintFigures
    from neutra.core.errors import Problem
    from neutra.core.history import EmissionsHistory
    from neutra.core.indicators import Denominator
    from neutra.core.targets import Target


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"


class DisclosureFormat(StrEnum):
    xlsx = "xlsx"
    json = "json"


class FrameworkName(StrEnum):
    ghgp = "ghgp"
    esrs = "esrs"
    cdp = "cdp"
    secr = "secr"


FootprintOption = Annotated[
    Path,
    typer.Option(
        "--footprint", help="Footprint JSON of the period (neutra footprint --format json)."
    ),
]
ClientOption = Annotated[str, typer.Option("--client", help="The client reported on.")]
PeriodOption = Annotated[
    str, typer.Option("--period", help="Reporting period: a year (2024) or YYYY-MM-DD/YYYY-MM-DD.")
]
HistoryOption = Annotated[
    Path | None,
    typer.Option("--history", help="Emissions history CSV (DESIGN.md §8) of earlier years."),
]
LedgerOption = Annotated[
    Path | None,
    typer.Option("--ledger", help="Ledger file (DESIGN.md §5.1): the credits cancelled."),
]
DenominatorsOption = Annotated[
    Path | None,
    typer.Option("--denominators", help="Denominators CSV (DESIGN.md §8): revenue, FTE, ..."),
]
TargetsOption = Annotated[
    Path | None,
    typer.Option("--targets", help="Targets CSV (DESIGN.md §8): the management report, ESRS E1-4."),
]
CurrencyOption = Annotated[
    str | None,
    typer.Option("--currency", help="Revenue intensities per million of this ISO 4217 currency."),
]
OutputOption = Annotated[Path, typer.Option("--output", help="The file to write.")]


def register(app: typer.Typer) -> None:
    report_app = typer.Typer(
        help="Climate reports (management, public) and disclosure exports.", no_args_is_help=True
    )
    app.add_typer(report_app, name="report")
    report_app.command("management")(management)
    report_app.command("public")(public)
    report_app.command("disclosure")(disclosure)


@dataclass(frozen=True, slots=True)
class _Inputs:
    client: str
    period: ClaimPeriod
    footprint: FootprintFigures
    history: EmissionsHistory | None
    denominators: tuple[Denominator, ...]
    targets: tuple[Target, ...]
    credits: tuple[CancelledCredit, ...]


def _read(
    footprint: Path,
    client: str,
    period_text: str,
    history: Path | None,
    ledger: Path | None,
    denominators: Path | None,
    targets: Path | None,
    output: Path,
) -> _Inputs:
    from neutra.cli.claim import _fail, _ledger_credits
    from neutra.cli.main import output_problem
    from neutra.core.claims import ClaimPeriod, ClaimPeriodError
    from neutra.core.errors import InvalidInputError, Problem
    from neutra.formats.footprint_json import read_footprint_json
    from neutra.formats.strategy_files import read_denominators, read_history, read_targets

    read = [footprint, history, ledger, denominators, targets]
    unwritable = output_problem(output, [path for path in read if path is not None])
    if unwritable is not None:  # said before anything is read
        _fail([unwritable])
    problems: list[Problem] = []
    period = None
    try:
        period = ClaimPeriod.parse(period_text)
    except ClaimPeriodError as exc:
        problems.append(Problem("--period", None, None, period_text, exc.message))
    if not client.strip():
        problems.append(Problem("--client", None, None, client, "name the client reported on"))
    figures = None
    try:
        figures = read_footprint_json(footprint)
    except InvalidInputError as exc:
        problems.extend(exc.problems)
    years = None
    if history is not None:
        try:
            years = read_history(history)[0]
        except InvalidInputError as exc:
            problems.extend(exc.problems)
    found_denominators: list[Denominator] = []
    if denominators is not None:
        try:
            found_denominators = [d for _, d in read_denominators(denominators)]
        except InvalidInputError as exc:
            problems.extend(exc.problems)
    found_targets: list[Target] = []
    if targets is not None:
        try:
            found_targets = [t for _, t in read_targets(targets)]
        except InvalidInputError as exc:
            problems.extend(exc.problems)
    credits = _ledger_credits(ledger, problems) if ledger is not None else []
    if problems or figures is None or period is None:
        _fail(problems)
    return _Inputs(
        client.strip(),
        period,
        figures,
        years,
        tuple(found_denominators),
        tuple(found_targets),
        tuple(credits),
    )


def _write(output: Path, data: bytes | str) -> None:
    from neutra.cli.claim import _fail
    from neutra.cli.main import err, replacing
    from neutra.core.errors import Problem

    try:
        with replacing(output) as part:  # whole, or not at all
            if isinstance(data, bytes):
                part.write_bytes(data)
            else:
                part.write_text(data, encoding="utf-8")
    except OSError as exc:
        _fail([Problem(str(output), None, None, None, f"cannot write the file: {exc.strerror}")])
    err.print(f"Wrote {output}")


def _climate(
    kind: str, inputs: _Inputs, currency: str | None, output_format: ReportFormat, output: Path
) -> None:
    from neutra.cli.claim import _fail
    from neutra.core.claims import portfolio_by_year
    from neutra.core.disclosures import history_with_period
    from neutra.core.errors import NeutraError, Problem
    from neutra.core.strategy import strategy_report
    from neutra.reports.climate_report import ClimateReport, ReportKind, climate_html, climate_pdf

    history = history_with_period(inputs.history, inputs.footprint, inputs.period.year)
    try:
        strategy = strategy_report(
            history, denominators=inputs.denominators, targets=inputs.targets, currency=currency
        )
    except NeutraError as exc:
        _fail([Problem("--denominators/--targets", None, None, None, exc.message)])
    mine = [c for c in inputs.credits if c.client == inputs.client]
    report = ClimateReport(
        kind=ReportKind(kind),
        client=inputs.client,
        period=inputs.period,
        footprint=inputs.footprint,
        history=history.years,
        intensities=strategy.intensities,
        targets=strategy.targets,
        credits=tuple(c for c in mine if c.for_period == inputs.period),
        portfolio=portfolio_by_year(mine),
    )
    if output_format is ReportFormat.pdf:
        _write(output, climate_pdf(report))
    else:
        _write(output, climate_html(report))


def management(
    footprint: FootprintOption,
    client: ClientOption,
    period: PeriodOption,
    output: OutputOption,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="html or pdf.")
    ] = ReportFormat.html,
    history: HistoryOption = None,
    ledger: LedgerOption = None,
    denominators: DenominatorsOption = None,
    targets: TargetsOption = None,
    currency: CurrencyOption = None,
) -> None:
    """The yearly internal management report: scopes, categories, sites, gases, years, intensities, targets, credits."""
    inputs = _read(footprint, client, period, history, ledger, denominators, targets, output)
    _climate("management", inputs, currency, output_format, output)


def public(
    footprint: FootprintOption,
    client: ClientOption,
    period: PeriodOption,
    output: OutputOption,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="html or pdf.")
    ] = ReportFormat.html,
    history: HistoryOption = None,
    ledger: LedgerOption = None,
    denominators: DenominatorsOption = None,
    currency: CurrencyOption = None,
) -> None:
    """The public climate report: organisation-level figures, reductions over the years, credits cancelled."""
    inputs = _read(footprint, client, period, history, ledger, denominators, None, output)
    _climate("public", inputs, currency, output_format, output)


def disclosure(
    framework: Annotated[FrameworkName, typer.Argument(help="ghgp, esrs, cdp or secr.")],
    footprint: FootprintOption,
    client: ClientOption,
    period: PeriodOption,
    output: OutputOption,
    output_format: Annotated[
        DisclosureFormat, typer.Option("--format", help="xlsx or json.")
    ] = DisclosureFormat.xlsx,
    history: HistoryOption = None,
    ledger: LedgerOption = None,
    denominators: DenominatorsOption = None,
    targets: TargetsOption = None,
    currency: CurrencyOption = None,
) -> None:
    """A disclosure table: GHG Protocol, ESRS E1 (E1-4, E1-6, E1-7), CDP climate or UK SECR, as XLSX or JSON."""
    import io

    from neutra.cli.claim import _fail
    from neutra.core.disclosures import DisclosureInputs, Framework, build_disclosure
    from neutra.core.errors import NeutraError, Problem
    from neutra.formats.disclosures import disclosure_json_text, write_disclosure_xlsx

    inputs = _read(footprint, client, period, history, ledger, denominators, targets, output)
    try:
        table = build_disclosure(
            Framework(framework.value),
            DisclosureInputs(
                client=inputs.client,
                period=inputs.period,
                footprint=inputs.footprint,
                history=inputs.history,
                denominators=inputs.denominators,
                currency=currency,
                credits=inputs.credits,
                targets=inputs.targets,
            ),
        )
    except NeutraError as exc:
        _fail([Problem("--denominators/--targets", None, None, None, exc.message)])
    if output_format is DisclosureFormat.json:
        _write(output, disclosure_json_text(table))
    else:
        book = io.BytesIO()  # a table of a few dozen rows
        write_disclosure_xlsx(table, book)
        _write(output, book.getvalue())
