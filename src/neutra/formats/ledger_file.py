"""The ledger file (DESIGN.md §5.1): a book of credit transactions as CSV or XLSX, read and written.

`read_ledger(path)` gives every row as a typed `LedgerRow` (or raises
`InvalidInputError` with every problem of the file); `iter_ledger` streams the
rows of a big file while collecting problems; `write_ledger` writes rows back
in the same format (CSV, or XLSX by the suffix); `ledger_json` is the
`neutra.ledger/1` document of DESIGN.md §5.2.

Beyond the columns of §5.1 the reader understands `policy` (how units are
chosen when a row gives a quantity), and for Kyoto units the identifier parts
`original_cp`, `applicable_cp`, `lulucf_activity`. Any other column passes
through to the rows and back out.

It must never judge the transactions themselves (core's replay does), and
never return part of a file with problems.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from neutra.core.credits import (
    COLUMNS,
    Action,
    KyotoParts,
    Ledger,
    LedgerRow,
    Policy,
    UnitType,
    ledger_totals,
    parse_period,
)
from neutra.core.errors import InvalidInputError, Problem
from neutra.core.money import plain_unit_price, unit_price_problem
from neutra.formats import workbook
from neutra.formats.csv_records import Record, open_table_records
from neutra.formats.numbers import (
    TOO_MANY_DIGITS,
    exact_decimal,
    is_whole_number,
    whole_number,
)

__all__ = [
    "KYOTO_COLUMNS",
    "REQUIRED_COLUMNS",
    "iter_ledger",
    "ledger_json",
    "ledger_json_text",
    "read_ledger",
    "write_ledger",
]

REQUIRED_COLUMNS = ("txn_id", "date", "action")
KYOTO_COLUMNS = ("original_cp", "applicable_cp", "lulucf_activity")
_KNOWN = frozenset(COLUMNS) | frozenset(KYOTO_COLUMNS)
_PARTY = re.compile(r"[A-Z]{2}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_ACTIONS = ", ".join(a.value for a in Action)
_UNIT_TYPES = ", ".join(u.value for u in UnitType)
_POLICIES = ", ".join(p.value for p in Policy)


def read_ledger(path: Path) -> list[LedgerRow]:
    """Every row of a ledger file, in file order; InvalidInputError with every problem."""
    problems: list[Problem] = []
    rows = list(iter_ledger(path, problems))
    if problems:
        raise InvalidInputError(problems)
    return rows


def iter_ledger(
    path: Path, problems: list[Problem], *, label: str | None = None
) -> Iterator[LedgerRow]:
    """The rows of a ledger file as they are read; a row with problems is left out and
    its problems appended to `problems`."""
    label = label or str(path)
    header, records = open_table_records(path, label, REQUIRED_COLUMNS, problems)
    extra_columns = tuple(name for name in header if name and name not in _KNOWN)
    for number, record in records:
        row = _parse(record, number, label, extra_columns, problems)
        if row is not None:
            yield row


def _parse(
    record: Record, number: int, label: str, extra: tuple[str, ...], problems: list[Problem]
) -> LedgerRow | None:
    before = len(problems)

    def bad(column: str, reason: str) -> None:
        problems.append(Problem(label, number, column, record.get(column, "")[:80], reason))

    def text(column: str) -> str:
        return record.get(column, "")

    def integer(column: str) -> int | None:
        value = text(column)
        if not value:
            return None
        if not is_whole_number(value):
            bad(column, "not a whole number (digits only, no separators)")
            return None
        number = whole_number(value)
        if number is None:
            bad(column, TOO_MANY_DIGITS)
        return number

    date: dt.date | None = None
    if not text("date"):
        bad("date", "every row needs its date (YYYY-MM-DD)")
    else:
        try:
            date = dt.date.fromisoformat(text("date"))
        except ValueError:
            bad("date", "not an ISO date: write YYYY-MM-DD")
    action: Action | None = None
    try:
        action = Action(text("action").lower())
    except ValueError:
        bad("action", f"unknown action: write one of {_ACTIONS}")
    unit_type: UnitType | None = None
    if text("unit_type"):
        try:
            unit_type = UnitType.parse(text("unit_type"))
        except ValueError:
            bad("unit_type", f"unknown unit type: write one of {_UNIT_TYPES}")
    host_party = text("host_party").upper()
    if host_party and not _PARTY.fullmatch(host_party):
        bad("host_party", "not an ISO 3166 alpha-2 code (e.g. IN, BR, DE)")
    for column in ("vintage", "for_period"):
        if text(column):
            try:
                parse_period(text(column))
            except ValueError as exc:
                bad(column, str(exc))
    serial_start, serial_end, quantity = (
        integer("serial_start"),
        integer("serial_end"),
        integer("quantity"),
    )
    policy = Policy.FIFO
    try:
        policy = Policy.parse(text("policy"))
    except ValueError:
        bad("policy", f"unknown policy: write one of {_POLICIES}")
    price: Decimal | None = None
    if text("price"):
        whole, point, fraction = text("price").partition(".")
        if is_whole_number(whole) and (not point or is_whole_number(fraction)):
            price = exact_decimal(text("price"))
            # The bound the web's ledger keeps (core.money), said on the row.
            wrong = "not a number" if price is None else unit_price_problem(price)
            if price is None or wrong:
                bad("price", wrong)
                price = None
            else:
                price = plain_unit_price(price)
        else:
            bad("price", "not a price per unit (e.g. 1.25; no currency sign or separators)")
    currency = text("currency").upper()
    if currency and not _CURRENCY.fullmatch(currency):
        bad("currency", "not an ISO 4217 code (e.g. EUR, USD)")
    kyoto = None
    cps = [integer(column) for column in KYOTO_COLUMNS]
    original, applicable = text("original_cp"), text("applicable_cp")
    if bool(original) != bool(applicable):  # a bad one is a problem already: not "give both"
        bad("applicable_cp" if original else "original_cp", "give both commitment periods")
    elif cps[0] is not None and cps[1] is not None:
        kyoto = KyotoParts(cps[0], cps[1], cps[2] or 0)
    if len(problems) > before or date is None or action is None:
        return None
    return LedgerRow(
        row=number,
        txn_id=text("txn_id"),
        date=date,
        action=action,
        programme=text("programme").upper(),
        unit_type=unit_type,
        host_party=host_party,
        project_id=text("project_id"),
        vintage=text("vintage"),
        serial_start=serial_start,
        serial_end=serial_end,
        quantity=quantity,
        policy=policy,
        registry=text("registry").upper(),
        account=text("account"),
        to_registry=text("to_registry").upper(),
        to_account=text("to_account"),
        client=text("client"),
        to_client=text("to_client"),
        beneficiary=text("beneficiary"),
        purpose=text("purpose"),
        for_period=text("for_period"),
        counterparty=text("counterparty"),
        price=price,
        currency=currency,
        reference=text("reference"),
        kyoto=kyoto,
        extra=tuple((name, text(name)) for name in extra),
    )


def row_cells(row: LedgerRow) -> dict[str, str]:
    """A row as the text of its cells, by column (blank cells left out)."""

    def blank(value: object) -> str:
        return "" if value is None else str(value)

    chosen_by_policy = row.action is not Action.PURCHASE and row.serial_start is None
    cells = {
        "txn_id": row.txn_id,
        "date": row.date.isoformat(),
        "action": row.action.value,
        "programme": row.programme,
        "unit_type": row.unit_type.value if row.unit_type else "",
        "host_party": row.host_party,
        "project_id": row.project_id,
        "vintage": row.vintage,
        "serial_start": blank(row.serial_start),
        "serial_end": blank(row.serial_end),
        "quantity": blank(row.quantity),
        "policy": row.policy.value if chosen_by_policy else "",
        "registry": row.registry,
        "account": row.account,
        "to_registry": row.to_registry,
        "to_account": row.to_account,
        "client": row.client,
        "to_client": row.to_client,
        "beneficiary": row.beneficiary,
        "purpose": row.purpose,
        "for_period": row.for_period,
        "counterparty": row.counterparty,
        "price": blank(row.price),
        "currency": row.currency,
        "reference": row.reference,
    }
    if row.kyoto is not None:
        cells["original_cp"] = str(row.kyoto.original_cp)
        cells["applicable_cp"] = str(row.kyoto.applicable_cp)
        cells["lulucf_activity"] = str(row.kyoto.lulucf_activity)
    cells.update(row.extra)
    return {name: text for name, text in cells.items() if text}


def write_ledger(rows: Iterable[LedgerRow], target: Path | IO[str]) -> None:
    """Write rows as a ledger file: CSV to a text handle or a .csv path, XLSX to a .xlsx path."""
    write_ledger_cells([row_cells(row) for row in rows], target)


def write_ledger_cells(records: Iterable[dict[str, str]], target: Path | IO[str]) -> None:
    """Write rows given as cell text by column (`row_cells`): the columns of §5.1 first,
    the Kyoto identifier columns if any row has them, then passed-through columns."""
    records = list(records)
    present: list[str] = []
    for record in records:
        present += [name for name in record if name not in present]
    kyoto = [name for name in KYOTO_COLUMNS if name in present]
    extra = [name for name in present if name not in _KNOWN]
    header = [*COLUMNS, *(KYOTO_COLUMNS if kyoto else ()), *extra]
    table = [[record.get(name, "") for name in header] for record in records]
    if isinstance(target, Path) and target.suffix.lower() == ".xlsx":
        import xlsxwriter

        if len(table) > workbook.SHEET_ROWS:  # a book of record is never cut short
            reason = (
                f"an XLSX sheet holds {workbook.SHEET_ROWS:,} rows and the ledger has "
                f"{len(table):,} transactions: write it as CSV"
            )
            raise InvalidInputError([Problem("xlsx", None, None, None, reason)])

        book = xlsxwriter.Workbook(str(target))
        sheet = book.add_worksheet("ledger")
        sheet.write_row(0, 0, header)
        for index, cells in enumerate(table, start=1):
            sheet.write_row(index, 0, cells)  # text cells: serials and dates stay as written
        book.close()
        return
    if isinstance(target, Path):
        with target.open("w", newline="", encoding="utf-8") as handle:
            _write_csv(handle, header, table)
    else:
        _write_csv(target, header, table)


def _write_csv(handle: IO[str], header: list[str], table: list[list[str]]) -> None:
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(table)


def ledger_json_text(document: dict[str, Any]) -> Iterator[str]:
    """The `neutra.ledger/1` document in pieces, byte for byte what `json.dumps(document,
    indent=2, ensure_ascii=False)` gives, in half the time: each block (an object of
    scalars, as `Block.as_json` makes it) is one call of the C encoder, whose item
    separator carries the indent, where Python's indenting encoder goes value by value."""
    blocks = document["blocks"]
    if not blocks:
        yield json.dumps(document, indent=2, ensure_ascii=False)
        return
    text = json.dumps({**document, "blocks": []}, indent=2, ensure_ascii=False)
    head, tail = text.split('"blocks": []', 1)  # "schema" alone comes before it
    yield head + '"blocks": [\n'
    for start in range(0, len(blocks), 10_000):
        yield (",\n" if start else "") + ",\n".join(
            "    {\n      " + _flat_object(block)[1:-1] + "\n    }"
            for block in blocks[start : start + 10_000]
        )
    yield "\n  ]" + tail


# {"a": 1, "b": 2} as '{"a": 1,\n      "b": 2}': the inside of an object three levels deep.
_flat_object = json.JSONEncoder(ensure_ascii=False, separators=(",\n      ", ": ")).encode


def ledger_json(ledger: Ledger, input_sha256: str) -> dict[str, Any]:
    """The `neutra.ledger/1` document (DESIGN.md §5.2); `hash` is the SHA-256 of blocks and totals."""
    current = ledger.blocks
    blocks = [block.as_json() for block in current]
    totals = ledger_totals(current).as_json()
    canonical = json.dumps(
        {"blocks": blocks, "totals": totals}, sort_keys=True, separators=(",", ":")
    )
    return {
        "schema": "neutra.ledger/1",
        "blocks": blocks,
        "totals": totals,
        "provenance": {
            "input": input_sha256,
            "hash": hashlib.sha256(canonical.encode()).hexdigest(),
        },
    }
