"""The claims register (CSV): which cancelled serials each claim issued offline counts.

`neutra claim issue` appends one row per block of serials a claim counts, and
both `claim evaluate` and `claim issue` read the register, so that a credit
used in one claim is not used in another, across separate runs (DOMAIN.md §7:
each credit is used for one claim only; the web keeps the same record in its
database). Columns:

    claim_id, client, period, standard, issued_on, file, file_sha256,
    programme, unit_type, host_party, project_id, serial_start, serial_end,
    quantity, withdrawn_on

`withdrawn_on` is blank for a claim that stands; a date there (written by hand
when a claim is withdrawn) frees its serials, as withdrawing does on the web.
Unknown columns are kept by whoever edits the file and ignored here.

It must never accept a row it cannot read (every problem is listed with its
row and column), never rewrite earlier rows (the register only grows), and
never record a claim whose PDF was not written.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from neutra.core.claims import ClaimedRange, ClaimEvaluation, ClaimPeriod, ClaimPeriodError
from neutra.core.errors import InvalidInputError, Problem
from neutra.formats.csv_records import read_records
from neutra.formats.numbers import MAX_WHOLE_DIGITS, whole_number

__all__ = [
    "COLUMNS",
    "DEFAULT_NAME",
    "RegisteredRange",
    "claimed_ranges",
    "default_register",
    "read_claims_register",
    "record_claim",
    "register_lock",
]

DEFAULT_NAME = "claims-register.csv"
COLUMNS = (
    "claim_id",
    "client",
    "period",
    "standard",
    "issued_on",
    "file",
    "file_sha256",
    "programme",
    "unit_type",
    "host_party",
    "project_id",
    "serial_start",
    "serial_end",
    "quantity",
    "withdrawn_on",
)
_REQUIRED = ("claim_id", "client", "period", "programme", "serial_start", "serial_end")


@dataclass(frozen=True, slots=True)
class RegisteredRange:
    """One row of the register: serials a claim counts."""

    claim_id: str  # the claim's token (its public verification id)
    client: str
    period: ClaimPeriod
    issued_on: str  # ISO date, as written
    file: str  # the claim PDF's name
    programme: str
    unit_type: str
    host_party: str
    project_id: str
    serial_start: int
    serial_end: int
    withdrawn_on: dt.date | None  # None: the claim stands

    def claimed(self) -> ClaimedRange:
        """The serials as the evaluation takes them, named so a reader finds the claim."""
        label = f"{self.claim_id} ({self.client}, {self.period.label}"
        label += f", issued {self.issued_on}" if self.issued_on else ""
        label += f", {self.file})" if self.file else ")"
        return ClaimedRange.of(
            label,
            programme=self.programme,
            unit_type=self.unit_type,
            host_party=self.host_party,
            project_id=self.project_id,
            serial_start=self.serial_start,
            serial_end=self.serial_end,
        )


def default_register(ledger: Path) -> Path:
    """The register beside the ledger whose cancellations it tracks."""
    return ledger.parent / DEFAULT_NAME


def read_claims_register(path: Path, label: str | None = None) -> list[RegisteredRange]:
    """Every row of the register (none when the file does not exist yet); `InvalidInputError` listing every problem."""
    name = label or str(path)
    if not path.exists():
        return []
    _, records, problems = read_records(path, name, _REQUIRED)
    found: list[RegisteredRange] = []
    for row, record in records:
        before = len(problems)

        def bad(column: str, reason: str, row: int = row, record: dict[str, str] = record) -> None:
            problems.append(Problem(name, row, column, record.get(column, ""), reason))

        for column in ("claim_id", "client", "programme"):
            if not record.get(column):
                bad(column, "missing")
        period = None
        try:
            period = ClaimPeriod.parse(record.get("period", ""))
        except ClaimPeriodError as exc:
            bad("period", exc.message)
        serials = []
        for column in ("serial_start", "serial_end"):
            serial = whole_number(record.get(column, ""))
            if serial is not None:
                serials.append(serial)
            else:
                bad(
                    column,
                    f"a serial number is a whole number of at most {MAX_WHOLE_DIGITS} digits",
                )
        if len(serials) == 2:
            start, end = serials
            if end < start:
                bad("serial_end", f"ends before serial_start {start}")
            elif record.get("quantity") and record["quantity"] != str(end - start + 1):
                bad("quantity", f"serials {start}-{end} are {end - start + 1} units")
        withdrawn = None
        if record.get("withdrawn_on"):
            try:
                withdrawn = dt.date.fromisoformat(record["withdrawn_on"])
            except ValueError:
                bad("withdrawn_on", "blank, or the ISO date (YYYY-MM-DD) the claim was withdrawn")
        if len(problems) > before or period is None:
            continue
        found.append(
            RegisteredRange(
                claim_id=record["claim_id"],
                client=record["client"],
                period=period,
                issued_on=record.get("issued_on", ""),
                file=record.get("file", ""),
                programme=record["programme"],
                unit_type=record.get("unit_type", ""),
                host_party=record.get("host_party", ""),
                project_id=record.get("project_id", ""),
                serial_start=serials[0],
                serial_end=serials[1],
                withdrawn_on=withdrawn,
            )
        )
    if problems:
        raise InvalidInputError(problems)
    return found


def claimed_ranges(rows: Sequence[RegisteredRange]) -> list[ClaimedRange]:
    """The serials of the claims that stand (withdrawn claims free theirs)."""
    return [row.claimed() for row in rows if row.withdrawn_on is None]


@contextlib.contextmanager
def register_lock(path: Path) -> Iterator[None]:
    """Hold the register for one claim: read, evaluate, write the PDF, append.

    The race: two `neutra claim issue` runs on the same register at once would
    both read it before either appends, and both count the same serials. An
    exclusive lock on a file beside the register makes the second wait.
    """
    lock_path = path.with_name(path.name + ".lock")
    with open(lock_path, "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks; runs must not overlap there
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def record_claim(
    path: Path,
    *,
    claim_id: str,
    evaluation: ClaimEvaluation,
    issued_on: dt.date,
    file: str,
    file_sha256: str,
) -> int:
    """Append the claim's counted serials to the register (created with its header); rows written."""
    rows = [
        {
            "claim_id": claim_id,
            "client": evaluation.client,
            "period": evaluation.period.label,
            "standard": evaluation.standard.value,
            "issued_on": issued_on.isoformat(),
            "file": file,
            "file_sha256": file_sha256,
            "programme": credit.programme,
            "unit_type": credit.unit_type,
            "host_party": credit.host_party,
            "project_id": credit.project_id,
            "serial_start": str(credit.serial_start),
            "serial_end": str(credit.serial_end),
            "quantity": str(credit.quantity),
            "withdrawn_on": "",
        }
        for credit in evaluation.credits
    ]
    # Rows follow the register's own header, so columns someone added by hand stay aligned.
    header = _header(path)
    new = header is None
    fieldnames = list(COLUMNS) if header is None else header
    by_lower = {name.strip().lower(): name for name in fieldnames}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=fieldnames, lineterminator="\n")
    if new:
        writer.writeheader()
    writer.writerows(
        {by_lower[key]: value for key, value in row.items() if key in by_lower} for row in rows
    )
    with open(path, "a", encoding="utf-8", newline="") as handle:
        if not new and not _ends_with_newline(path):
            handle.write("\n")
        handle.write(buffer.getvalue())
        handle.flush()
        os.fsync(handle.fileno())
    return len(rows)


def _header(path: Path) -> list[str] | None:
    """The register's header (None: no register yet, or an empty file)."""
    if not path.exists():
        return None
    with open(path, encoding="utf-8-sig", newline="") as handle:
        first = next(csv.reader(handle), None)
    return first or None


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as handle:
        handle.seek(-1, os.SEEK_END)
        return handle.read(1) == b"\n"
