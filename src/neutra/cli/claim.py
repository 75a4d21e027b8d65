"""`neutra claim ...` and `neutra report ...`: neutrality claims and reports (DESIGN.md §9).

`claim evaluate` prints `neutra.claim/1`; `claim keygen` makes the
consultancy's key pair; `claim issue` writes the signed claim PDF (certificate
and report) only when every rule is met; `claim verify` checks a PDF offline.
It must never issue a claim with a rule unmet, never print a traceback for a
mistake in the input (exit 2 with every problem), and never call a changed
file authentic (exit 1).
"""

from __future__ import annotations

import contextlib
import json
import os
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from collections.abc import Iterable

    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey

    from neutra.core.claims import (
        CancelledCredit,
        ClaimEvaluation,
        FootprintFigures,
        Verification,
    )
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
RegisterOption = Annotated[
    Path | None,
    typer.Option(
        "--register",
        help="Claims register CSV: the serials earlier claims count (default: claims-register.csv beside the ledger).",
    ),
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
    register: RegisterOption = None,
) -> None:
    """Evaluate a neutrality claim: every rule met or not, with its evidence, source and shortfall."""
    from neutra.cli.main import out

    as_json = output_format is EvaluateFormat.json
    evaluation = _evaluate(
        footprint,
        ledger,
        client,
        period,
        standard,
        scope2,
        plan,
        history,
        as_json,
        _register_path(register, ledger),
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
    register: Path,
) -> tuple[ClaimEvaluation, FootprintFigures, tuple[EmissionsYear, ...]]:
    """Read every input (listing every problem at once), then evaluate the claim.

    Serials that claims of the register count are not counted again (each
    credit is used for one claim only), and `credits_used_once` names them.
    """
    from neutra.core.claims import (
        ClaimPeriod,
        ClaimPeriodError,
        Scope2Basis,
        Standard,
        evaluate_claim,
    )
    from neutra.core.errors import InvalidInputError, Problem
    from neutra.formats.claims_register import claimed_ranges, read_claims_register
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
    registered = []
    try:
        registered = read_claims_register(register)
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
        claimed=claimed_ranges(registered),
    )
    return evaluation, figures, years


def _register_path(register: Path | None, ledger: Path) -> Path:
    from neutra.formats.claims_register import default_register

    return register if register is not None else default_register(ledger)


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
    register: RegisterOption = None,
) -> None:
    """Issue the claim: certificate and report as one signed PDF; refused (exit 2) unless every rule is met.

    The claim's serials go into the claims register (--register, default
    claims-register.csv beside the ledger), so no later claim counts them again.
    """
    from neutra.cli.main import output_problem
    from neutra.core.claims import Verification
    from neutra.core.errors import Problem
    from neutra.formats.claims_register import register_lock
    from neutra.reports.signing import SigningKeyError, load_private_key

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
    register_path = _register_path(register, ledger)
    read = [footprint, ledger, plan, history, key, register_path]
    unwritable = output_problem(output, [path for path in read if path is not None])
    if unwritable is not None:
        problems.append(unwritable)
    if problems:
        _fail(problems)
    assert private_key is not None
    with contextlib.ExitStack() as held:
        try:
            held.enter_context(register_lock(register_path))
        except OSError as exc:
            reason = f"cannot lock the claims register: {exc.strerror or exc}"
            _fail([Problem(str(register_path), None, None, None, reason)])
        # Read, evaluate, write and record under the register's lock: another
        # run waits, then sees this claim's serials.
        _issue_locked(
            footprint, ledger, client, period, plan, standard, scope2, history, register_path,
            private_key, Verification(verification.value), signatory.strip(), output,
            public_url, issuer,
        )  # fmt: skip


def _issue_locked(
    footprint: Path,
    ledger: Path,
    client: str,
    period: str,
    plan: Path,
    standard: StandardName,
    scope2: Basis,
    history: Path | None,
    register_path: Path,
    private_key: EllipticCurvePrivateKey,
    verification: Verification,
    signatory: str,
    output: Path,
    public_url: str | None,
    issuer: str,
) -> None:
    import datetime as dt
    import hashlib
    import tempfile

    from neutra.cli.main import err, output_target
    from neutra.core.errors import Problem
    from neutra.formats.claims_register import record_claim
    from neutra.reports.claim_report import (
        ClaimReport,
        claim_pdf,
        new_claim_token,
        verification_url,
    )
    from neutra.reports.signing import public_key_id, public_pem

    evaluation, figures, years = _evaluate(
        footprint, ledger, client, period, standard, scope2, plan, history, False, register_path
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
    token = new_claim_token()
    base = public_url or os.environ.get("NEUTRA_PUBLIC_URL") or DEFAULT_PUBLIC_URL
    issued_on = dt.datetime.now(dt.UTC).date()
    report = ClaimReport(
        evaluation=evaluation,
        footprint=figures,
        verification=verification,
        signatory=signatory,
        issued_on=issued_on,
        token=token,
        verify_url=verification_url(base, token),
        plan_name=plan.name,
        history=years,
        issuer=issuer,
        key_id=public_key_id(public_pem(private_key.public_key())),
    )
    pdf = claim_pdf(report, private_key)
    # The PDF goes to a temporary file first and takes its name only once the
    # register holds the claim: no claim PDF exists whose serials are not recorded,
    # and no claim is recorded whose PDF could not be written. Through a symbolic
    # link, the file it leads to is replaced and the link stays (as `replacing` does).
    target = output_target(output)
    try:
        with tempfile.NamedTemporaryFile(
            dir=target.parent, prefix=f".{target.name}.", suffix=".part", delete=False
        ) as handle:
            temporary = Path(handle.name)
            handle.write(pdf)
    except OSError as exc:
        _fail([Problem(str(output), None, None, None, f"cannot write: {exc.strerror or exc}")])
    size_before = register_path.stat().st_size if register_path.is_file() else None
    try:
        rows = record_claim(
            register_path,
            claim_id=token,
            evaluation=evaluation,
            issued_on=issued_on,
            file=output.name,
            file_sha256=hashlib.sha256(pdf).hexdigest(),
        )
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        reason = f"cannot record the claim: {exc.strerror or exc}; no claim was issued"
        _fail([Problem(str(register_path), None, None, None, reason)])
    try:
        os.replace(temporary, target)
    except OSError as exc:
        # Take the claim back out of the register: its PDF does not exist.
        temporary.unlink(missing_ok=True)
        if size_before is None:
            register_path.unlink(missing_ok=True)
        else:
            os.truncate(register_path, size_before)
        _fail([Problem(str(output), None, None, None, f"cannot write: {exc.strerror or exc}")])
    err.print(
        f"Wrote {output}: claim {token}, {evaluation.counted_units:,} units for {evaluation.residual_t:,.3f} t; "
        f"recorded {rows} serial block{'s' if rows != 1 else ''} in {register_path}"
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
