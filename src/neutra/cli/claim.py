"""`neutra claim ...` and `neutra report ...`: neutrality claims and reports (DESIGN.md §9).

`claim evaluate` prints `neutra.claim/1`; `claim keygen` makes the
consultancy's key pair; `claim issue` writes the signed claim PDF (certificate
and report) only when every rule is met; `claim verify` checks a PDF offline.
It must never issue a claim with a rule unmet, never print a traceback for a
mistake in the input (exit 2 with every problem), and never call a changed
file authentic (exit 1).
"""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from collections.abc import Iterable

    from neutra.core.claims import CancelledCredit, ClaimEvaluation, FootprintFigures
    from neutra.core.credits import Block
    from neutra.core.errors import Problem
    from neutra.core.history import EmissionsYear

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"  # `neutra serve`'s address; set NEUTRA_PUBLIC_URL


class StandardName(StrEnum):
    iso = "iso-14068-1"
    pas = "pas-2060"


class Basis(StrEnum):
    market = "market"
    location = "location"


class EvaluateFormat(StrEnum):
    table = "table"
    json = "json"


class VerificationName(StrEnum):
    self_ = "self"
    second = "second-party"
    third = "third-party"


FootprintOption = Annotated[
    Path, typer.Option("--footprint", help="Footprint JSON (neutra footprint --format json).")
]
LedgerOption = Annotated[Path, typer.Option("--ledger", help="Ledger file (DESIGN.md §5.1).")]
ClientOption = Annotated[str, typer.Option("--client", help="The client the claim is for.")]
PeriodOption = Annotated[
    str, typer.Option("--period", help="Claim period: a year (2024) or YYYY-MM-DD/YYYY-MM-DD.")
]
StandardOption = Annotated[
    StandardName,
    typer.Option(
        "--standard", help="iso-14068-1 (default) or pas-2060 (withdrawn; legacy claims)."
    ),
]
Scope2Option = Annotated[
    Basis, typer.Option("--scope2", help="Scope 2 figure of the residual: market or location.")
]
HistoryOption = Annotated[
    Path | None,
    typer.Option("--history", help="Emissions history CSV (DESIGN.md §8): shows the reductions."),
]
PlanOption = Annotated[
    Path | None,
    typer.Option(
        "--plan", help="The carbon-neutrality management plan (any file; its hash is kept)."
    ),
]


def register(app: typer.Typer) -> None:
    """Add the `claim` and `report` commands to the `neutra` command."""
    claim_app = typer.Typer(
        help="Evaluate, issue and verify carbon-neutrality claims.", no_args_is_help=True
    )
    app.add_typer(claim_app, name="claim")
    claim_app.command("evaluate")(evaluate)
    claim_app.command("keygen")(keygen)
    claim_app.command("issue")(issue)
    claim_app.command("verify")(verify)
    from neutra.cli import report

    report.register(app)


def _fail(problems: list[Problem], *, as_json: bool = False) -> NoReturn:
    from neutra.cli.main import fail

    fail(problems, as_json=as_json)


def evaluate(
    footprint: FootprintOption,
    ledger: LedgerOption,
    client: ClientOption,
    period: PeriodOption,
    standard: StandardOption = StandardName.iso,
    scope2: Scope2Option = Basis.market,
    output_format: Annotated[
        EvaluateFormat, typer.Option("--format", help="table or json (neutra.claim/1).")
    ] = EvaluateFormat.table,
    plan: PlanOption = None,
    history: HistoryOption = None,
) -> None:
    """Evaluate a neutrality claim: every rule met or not, with its evidence, source and shortfall."""
    from neutra.cli.main import out

    as_json = output_format is EvaluateFormat.json
    evaluation = _evaluate(
        footprint, ledger, client, period, standard, scope2, plan, history, as_json
    )[0]
    if as_json:
        print(json.dumps(evaluation.as_json(), indent=2, ensure_ascii=False))
        return
    from neutra.cli import render

    render.claim_evaluation(out, evaluation)


def _evaluate(
    footprint_path: Path,
    ledger_path: Path,
    client: str,
    period_text: str,
    standard: StandardName,
    scope2: Basis,
    plan: Path | None,
    history_path: Path | None,
    as_json: bool,
) -> tuple[ClaimEvaluation, FootprintFigures, tuple[EmissionsYear, ...]]:
    """Read every input (listing every problem at once), then evaluate the claim."""
    from neutra.core.claims import (
        ClaimPeriod,
        ClaimPeriodError,
        Scope2Basis,
        Standard,
        evaluate_claim,
    )
    from neutra.core.errors import InvalidInputError, Problem
    from neutra.formats.footprint_json import read_footprint_json
    from neutra.formats.hashing import file_sha256

    problems: list[Problem] = []
    period = None
    try:
        period = ClaimPeriod.parse(period_text)
    except ClaimPeriodError as exc:
        problems.append(Problem("--period", None, None, period_text, exc.message))
    if not client.strip():
        problems.append(Problem("--client", None, None, client, "name the client the claim is for"))
    figures = None
    try:
        figures = read_footprint_json(footprint_path)
    except InvalidInputError as exc:
        problems.extend(exc.problems)
    credits = _ledger_credits(ledger_path, problems)
    plan_hash: str | None = None  # None: not given, its rules are not checked
    if plan is not None:
        if not plan.is_file():
            problems.append(
                Problem(str(plan), None, None, None, "the management plan file does not exist")
            )
        else:
            plan_hash = file_sha256(plan)
    years: tuple[EmissionsYear, ...] = ()
    if history_path is not None:
        from neutra.formats.strategy_files import read_history

        try:
            years = read_history(history_path)[0].years
        except InvalidInputError as exc:
            problems.extend(exc.problems)
    if problems or figures is None or period is None:
        _fail(problems, as_json=as_json)
    evaluation = evaluate_claim(
        client=client.strip(),
        period=period,
        footprint=figures,
        credits=credits,
        standard=Standard(standard.value),
        scope2=Scope2Basis(scope2.value),
        plan_sha256=plan_hash,
        history=years,
    )
    return evaluation, figures, years


def _ledger_credits(path: Path, problems: list[Problem]) -> list[CancelledCredit]:
    """The cancelled blocks of a replayed ledger file, as the claim's input values."""
    from neutra.core.credits import replay_ledger
    from neutra.core.errors import InvalidInputError
    from neutra.formats.ledger_file import iter_ledger

    label = str(path)
    found: list[Problem] = []
    rows = list(iter_ledger(path, found))
    try:
        ledger = replay_ledger(rows, source=label, keep_history=False)
    except InvalidInputError as exc:
        found.extend(exc.problems)
        ledger = None
    if found or ledger is None:
        problems.extend(sorted(found, key=lambda p: (p.row or 0, p.column or "")))
        return []
    return cancelled_credits(
        ledger.blocks, {row.txn_id: dict(row.extra) for row in rows}, label, problems
    )


def cancelled_credits(
    blocks: Iterable[Block], extras: dict[str, dict[str, str]], label: str, problems: list[Problem]
) -> list[CancelledCredit]:
    """Cancelled ledger blocks as `CancelledCredit`s.

    The ledger file has no column for a credit's kind; a cancel row may say it
    in the optional pass-through columns `mitigation` (reduction|removal),
    `storage` (durable|short-lived) and `corresponding_adjustment` (yes|no).
    Temporary CERs (tCER, lCER) are afforestation removals, short-lived.
    """
    from neutra.core.claims import (
        CancelledCredit,
        ClaimPeriod,
        ClaimPeriodError,
        Mitigation,
        Storage,
    )
    from neutra.core.credits import BlockState
    from neutra.core.errors import Problem

    credits: list[CancelledCredit] = []
    for block in blocks:
        if block.state is not BlockState.CANCELLED:
            continue
        extra = extras.get(block.txn_id, {})
        period = None
        if block.for_period:
            try:
                period = ClaimPeriod.parse(block.for_period)
            except ClaimPeriodError as exc:
                problems.append(
                    Problem(
                        label,
                        None,
                        "for_period",
                        block.for_period,
                        f"transaction {block.txn_id}: {exc.message}",
                    )
                )
                continue
        mitigation, storage = Mitigation.UNKNOWN, Storage.UNKNOWN
        if block.unit_type.value in {"tCER", "lCER"}:
            mitigation, storage = Mitigation.REMOVAL, Storage.SHORT_LIVED
        try:
            if extra.get("mitigation"):
                mitigation = Mitigation(extra["mitigation"].strip().lower())
            if extra.get("storage"):
                storage = Storage(extra["storage"].strip().lower())
        except ValueError:
            problems.append(
                Problem(
                    label,
                    None,
                    "mitigation",
                    extra.get("mitigation", ""),
                    f"transaction {block.txn_id}: mitigation is reduction or removal, storage durable or short-lived",
                )
            )
            continue
        if mitigation is Mitigation.REDUCTION and storage is Storage.UNKNOWN:
            storage = Storage.NOT_APPLICABLE
        adjustment_text = extra.get("corresponding_adjustment", "").strip().lower()
        adjustment = {"yes": True, "true": True, "no": False, "false": False}.get(adjustment_text)
        credits.append(
            CancelledCredit(
                client=block.client,
                for_period=period,
                cancelled_on=block.date,
                programme=block.programme,
                unit_type=block.unit_type.value,
                host_party=block.host_party,
                project_id=block.project_id,
                vintage=block.vintage,
                serial_start=block.serial_start,
                serial_end=block.serial_end,
                beneficiary=block.beneficiary,
                purpose=block.purpose,
                registry=block.registry,
                mitigation=mitigation,
                storage=storage,
                corresponding_adjustment=adjustment,
                reference=block.reference,
            )
        )
    return credits


def keygen(
    output: Annotated[
        Path, typer.Option("--output", help="Directory for private.pem and public.pem.")
    ],
) -> None:
    """Make the consultancy's signing key pair: private.pem (mode 0600, keep it secret) and public.pem (publish it)."""
    from neutra.cli.main import err
    from neutra.core.errors import Problem
    from neutra.reports.signing import SigningKeyError, generate_key_pair

    try:
        private, public = generate_key_pair(output)
    except SigningKeyError as exc:
        _fail([Problem(str(output), None, None, None, exc.message)])
    except OSError as exc:
        _fail([Problem(str(output), None, None, None, f"cannot write the keys: {exc.strerror}")])
    err.print(f"Wrote {private} (keep it secret) and {public} (publish it)")


def issue(
    footprint: FootprintOption,
    ledger: LedgerOption,
    client: ClientOption,
    period: PeriodOption,
    plan: Annotated[
        Path,
        typer.Option(
            "--plan",
            help="The carbon-neutrality management plan (any file; its hash goes into the claim).",
        ),
    ],
    verification: Annotated[
        VerificationName, typer.Option("--verification", help="self, second-party or third-party.")
    ],
    signatory: Annotated[str, typer.Option("--signatory", help="Who signs the claim.")],
    key: Annotated[
        Path, typer.Option("--key", help="The consultancy's private.pem (neutra claim keygen).")
    ],
    output: Annotated[Path, typer.Option("--output", help="The claim PDF to write.")],
    standard: StandardOption = StandardName.iso,
    scope2: Scope2Option = Basis.market,
    history: HistoryOption = None,
    public_url: Annotated[
        str | None,
        typer.Option(
            "--public-url",
            help="Address of the public verification site (default: NEUTRA_PUBLIC_URL, else http://127.0.0.1:8000).",
        ),
    ] = None,
    issuer: Annotated[
        str, typer.Option("--issuer", help="The consultancy issuing the certificate.")
    ] = "",
) -> None:
    """Issue the claim: certificate and report as one signed PDF; refused (exit 2) unless every rule is met."""
    import datetime as dt

    from neutra.cli.main import err
    from neutra.core.claims import Verification
    from neutra.core.errors import Problem
    from neutra.reports.claim_report import (
        ClaimReport,
        claim_pdf,
        new_claim_token,
        verification_url,
    )
    from neutra.reports.signing import SigningKeyError, load_private_key, public_key_id, public_pem

    problems: list[Problem] = []
    if not signatory.strip():
        problems.append(Problem("--signatory", None, None, signatory, "name who signs the claim"))
    private_key = None
    try:
        private_key = load_private_key(key.read_bytes(), str(key))
    except SigningKeyError as exc:
        problems.append(Problem(str(key), None, None, None, exc.message))
    except OSError as exc:
        problems.append(Problem(str(key), None, None, None, f"cannot read the key: {exc.strerror}"))
    if problems:
        _fail(problems)
    evaluation, figures, years = _evaluate(
        footprint, ledger, client, period, standard, scope2, plan, history, False
    )
    if evaluation.unmet:  # the plan is given, so every rule was checked
        _fail(
            [
                Problem(
                    "claim",
                    None,
                    rule.id.value,
                    None,
                    f"not met: {rule.detail}" + (f"; {rule.remedy}" if rule.remedy else ""),
                )
                for rule in evaluation.unmet
            ]
        )
    assert private_key is not None
    token = new_claim_token()
    base = public_url or os.environ.get("NEUTRA_PUBLIC_URL") or DEFAULT_PUBLIC_URL
    report = ClaimReport(
        evaluation=evaluation,
        footprint=figures,
        verification=Verification(verification.value),
        signatory=signatory.strip(),
        issued_on=dt.datetime.now(dt.UTC).date(),
        token=token,
        verify_url=verification_url(base, token),
        plan_name=plan.name,
        history=years,
        issuer=issuer,
        key_id=public_key_id(public_pem(private_key.public_key())),
    )
    pdf = claim_pdf(report, private_key)
    try:
        output.write_bytes(pdf)
    except OSError as exc:
        _fail([Problem(str(output), None, None, None, f"cannot write the claim: {exc.strerror}")])
    err.print(
        f"Wrote {output}: claim {token}, {evaluation.counted_units:,} units for {evaluation.residual_t:,.3f} t"
    )


def verify(
    claim_pdf: Annotated[Path, typer.Argument(help="The signed claim PDF.")],
    key: Annotated[Path, typer.Option("--key", help="The consultancy's public.pem.")],
) -> None:
    """Check a claim PDF offline: exit 0 authentic, 1 changed or signed by another key, 2 bad input."""
    from neutra.cli.main import err, out
    from neutra.core.errors import Problem
    from neutra.reports.signing import SigningKeyError, load_public_key, looks_like_pdf, verify_pdf

    problems: list[Problem] = []
    public_key = None
    data = b""
    try:
        public_key = load_public_key(key.read_bytes(), str(key))
    except SigningKeyError as exc:
        problems.append(Problem(str(key), None, None, None, exc.message))
    except OSError as exc:
        problems.append(
            Problem(str(key), None, None, None, f"cannot read the key: {exc.strerror or exc}")
        )
    try:
        data = claim_pdf.read_bytes()
    except OSError as exc:
        problems.append(
            Problem(
                str(claim_pdf), None, None, None, f"cannot read the file: {exc.strerror or exc}"
            )
        )
    else:
        if not looks_like_pdf(data):
            problems.append(Problem(str(claim_pdf), None, None, None, "not a PDF file"))
    if problems or public_key is None:
        _fail(problems)
    check = verify_pdf(data, public_key)
    if check.authentic:
        out.print(
            f"[green]Authentic[/green]: {check.detail}. Signed by {check.signer} at {check.signed_at}."
        )
        return
    err.print(f"[red]Not authentic[/red]: {check.detail}")
    raise typer.Exit(1)
