"""The value objects of the credits ledger: serial ranges, serial spaces, blocks, periods.

A unit is 1 t CO2e and units are whole numbers (int), never fractions. Units
are held as serial blocks: a fixed set of attributes plus an inclusive serial
range [start, end] whose quantity is end - start + 1 (DOMAIN.md §6).

It must never change a block: a partial move or cancellation closes the parent
and makes children that exactly partition it ("split, never edit").
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from neutra.core.errors import NeutraError

__all__ = [
    "KYOTO_PROGRAMMES",
    "Action",
    "Block",
    "BlockState",
    "CreditError",
    "InvariantError",
    "KyotoParts",
    "Period",
    "Policy",
    "SerialRange",
    "SerialSpace",
    "UnitType",
    "parse_period",
    "serial_space",
]

# Programmes whose units are Kyoto units, numbered per (unit type, originating party).
KYOTO_PROGRAMMES = frozenset({"CDM", "JI"})


class CreditError(NeutraError, ValueError):
    """An operation the ledger refuses; `column` and `value` say which input was wrong."""

    def __init__(self, reason: str, *, column: str | None = None, value: str | None = None) -> None:
        super().__init__(reason, column=column, value=value)
        self.column = column
        self.value = value


class InvariantError(NeutraError, AssertionError):
    """The ledger broke one of its invariants: a bug, never a user's mistake."""


class Action(StrEnum):
    """What a ledger row does (DESIGN.md §5.1)."""

    PURCHASE = "purchase"  # units enter our account from a seller
    TRANSFER = "transfer"  # between our accounts or registries, and/or from stock to a client
    CANCEL = "cancel"  # voluntary cancellation for a beneficiary: final
    SALE = "sale"  # units leave to a buyer: final for this ledger


class BlockState(StrEnum):
    """Where a block's units stand. Only HELD blocks are open: the others are final."""

    HELD = "held"
    CANCELLED = "cancelled"
    SOLD = "sold"


class UnitType(StrEnum):
    """Unit types of the Kyoto registries (ITL DES), Article 6.4 and the voluntary programmes."""

    AAU = "AAU"
    RMU = "RMU"
    ERU = "ERU"
    CER = "CER"
    TCER = "tCER"
    LCER = "lCER"
    A64ER = "A6.4ER"
    VER = "VER"
    VCU = "VCU"

    @classmethod
    def parse(cls, text: str) -> UnitType:
        """The unit type written as `text`, in any letter case."""
        try:
            return _UNIT_TYPES[text.strip().lower()]
        except KeyError:
            raise ValueError(text) from None


_UNIT_TYPES = {member.value.lower(): member for member in UnitType}

# The ITL Data Exchange Standards' numeric unit type codes, used in Kyoto unit identifiers.
KYOTO_UNIT_CODES = {
    UnitType.AAU: 1,
    UnitType.RMU: 2,
    UnitType.ERU: 3,
    UnitType.CER: 5,
    UnitType.TCER: 6,
    UnitType.LCER: 7,
}


class Policy(StrEnum):
    """How units are chosen when a row gives a quantity instead of serials."""

    FIFO = "fifo"  # oldest vintage first (the default)
    ONE_PROJECT = "one_project"  # all units from a single project, the oldest such first
    CHEAPEST = "cheapest"  # lowest purchase price per unit first; unknown prices last

    @classmethod
    def parse(cls, text: str) -> Policy:
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        aliases = {"": "fifo", "oldest": "fifo", "project": "one_project", "price": "cheapest"}
        return cls(aliases.get(key, key))


@dataclass(frozen=True, slots=True, order=True)
class SerialRange:
    """An inclusive range of unit serial numbers."""

    start: int  # first serial number
    end: int  # last serial number, inclusive

    def __post_init__(self) -> None:
        if isinstance(self.start, bool) or isinstance(self.end, bool):
            raise CreditError("serial numbers are whole numbers")
        if not isinstance(self.start, int) or not isinstance(self.end, int):
            raise CreditError("serial numbers are whole numbers")
        if self.start < 0:
            raise CreditError("serial numbers are not negative", value=str(self.start))
        if self.end < self.start:
            raise CreditError(
                f"serial_end {self.end} is before serial_start {self.start}", value=str(self.end)
            )

    @property
    def quantity(self) -> int:
        return self.end - self.start + 1

    def overlaps(self, other: SerialRange) -> bool:
        return self.start <= other.end and other.start <= self.end

    def contains(self, serial: int) -> bool:
        return self.start <= serial <= self.end

    def intersection(self, other: SerialRange) -> SerialRange | None:
        start, end = max(self.start, other.start), min(self.end, other.end)
        return SerialRange(start, end) if start <= end else None

    def without(self, other: SerialRange) -> tuple[SerialRange, ...]:
        """The parts of this range outside `other` (zero, one or two ranges, in order)."""
        if not self.overlaps(other):
            return (self,)
        parts = []
        if self.start < other.start:
            parts.append(SerialRange(self.start, other.start - 1))
        if other.end < self.end:
            parts.append(SerialRange(other.end + 1, self.end))
        return tuple(parts)

    def __str__(self) -> str:
        return f"{self.start}-{self.end}"


@dataclass(frozen=True, slots=True, order=True)
class SerialSpace:
    """The numbering in which two blocks may not overlap (DESIGN.md §5.1).

    Kyoto units (CDM, JI): (programme, unit_type, host_party); every other
    programme: (programme, project_id). The parts a space does not use are "".
    """

    programme: str
    unit_type: str = ""
    host_party: str = ""
    project_id: str = ""

    @property
    def kyoto(self) -> bool:
        return self.programme in KYOTO_PROGRAMMES

    def __str__(self) -> str:
        if self.kyoto:
            return f"{self.programme} {self.unit_type} {self.host_party}"
        return f"{self.programme} project {self.project_id}"


def serial_space(programme: str, unit_type: str, host_party: str, project_id: str) -> SerialSpace:
    """The serial space of a unit with these attributes."""
    if programme in KYOTO_PROGRAMMES:
        return SerialSpace(programme, unit_type, host_party, "")
    return SerialSpace(programme, "", "", project_id)


_YEAR = re.compile(r"[0-9]{4}")  # ASCII: int() would also read "٢٠١٢"
_RANGE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})/([0-9]{4}-[0-9]{2}-[0-9]{2})")


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A vintage, monitoring period or claim period: a year or two ISO dates, inclusive."""

    start: dt.date
    end: dt.date
    text: str = field(compare=False)  # as written in the ledger: "2012" or "2012-01-01/2012-06-30"

    def __str__(self) -> str:
        return self.text


def parse_period(text: str) -> Period:
    """`2024` or `YYYY-MM-DD/YYYY-MM-DD`; ValueError with a reason otherwise."""
    text = text.strip()
    if _YEAR.fullmatch(text):
        year = int(text)
        if year < 1990:
            raise ValueError("a year before 1990 is not a credit year")
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), text)
    match = _RANGE.fullmatch(text)
    if not match:
        raise ValueError("write a year (2024) or two ISO dates (2024-01-01/2024-06-30)")
    try:
        start, end = (dt.date.fromisoformat(part) for part in match.groups())
    except ValueError:
        raise ValueError("not a real date") from None
    if end < start:
        raise ValueError("the period ends before it starts")
    return Period(start, end, text)


@dataclass(frozen=True, slots=True)
class KyotoParts:
    """The parts of a Kyoto unit identifier that are not serials (ITL Data Exchange Standards)."""

    original_cp: int  # original commitment period (1: 2008-2012, 2: 2013-2020)
    applicable_cp: int  # applicable commitment period
    lulucf_activity: int = 0  # LULUCF activity code; 0 for none


@dataclass(frozen=True, slots=True)
class Block:
    """A serial block of units with fixed attributes. Never edited: split or closed.

    The first fields up to `date` are the `neutra.ledger/1` JSON of a block
    (DESIGN.md §5.2); the rest say where it came from.
    """

    state: BlockState  # held (open), cancelled or sold (final)
    registry: str  # CDM, A6.4, GS, VERRA, ... or a national registry's ISO 3166 code
    account: str  # account in that registry ("" when not given)
    client: str  # whose units: "" is the consultancy's own stock
    programme: str  # CDM, JI, A6.4, GS, VCS, ...
    unit_type: UnitType
    host_party: str  # ISO 3166 alpha-2 of the host (originating) party
    project_id: str  # the programme's project or PoA number
    vintage: str  # year or monitoring period, as written ("2012", "2012-01-01/2012-06-30")
    serial_start: int  # first serial, inclusive
    serial_end: int  # last serial, inclusive
    beneficiary: str  # of a cancellation ("" otherwise)
    date: dt.date  # of the transaction that put the units in this state and place
    # -- not in the JSON of §5.2
    block_id: int = 0  # unique within one ledger
    parent_id: int | None = None  # the block this one was split from, None for a purchase
    txn_id: str = ""  # the transaction that made this block what it is
    purpose: str = ""  # of a cancellation
    for_period: str = ""  # claim period of a cancellation: "2024" or "YYYY-MM-DD/YYYY-MM-DD"
    price: Decimal | None = None  # purchase price per unit, where known
    currency: str = ""  # ISO 4217 code of the purchase price
    seller: str = ""  # whom the units were bought from
    buyer: str = ""  # whom they were sold to (sold blocks)
    reference: str = ""  # contract reference of the purchase, attestation of a cancellation
    kyoto: KyotoParts | None = None  # identifier parts of a Kyoto unit, where known
    # The serial space, derived once from the attributes above (not compared: it follows them).
    space: SerialSpace = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        start, end = self.serial_start, self.serial_end
        if type(start) is not int or type(end) is not int or not 0 <= start <= end:
            SerialRange(start, end)  # raises with the reason
        space = serial_space(self.programme, self.unit_type.value, self.host_party, self.project_id)
        object.__setattr__(self, "space", space)

    @property
    def quantity(self) -> int:
        return self.serial_end - self.serial_start + 1

    @property
    def serials(self) -> SerialRange:
        return SerialRange(self.serial_start, self.serial_end)

    @property
    def is_open(self) -> bool:
        return self.state is BlockState.HELD

    @property
    def vintage_period(self) -> Period:
        return parse_period(self.vintage)

    @property
    def claim_period(self) -> Period | None:
        return parse_period(self.for_period) if self.for_period else None

    def sort_key(self) -> tuple[Any, ...]:
        """Serial space, then serial_start (DESIGN.md §5.2), then the rest for a stable order."""
        return (self.space, self.serial_start, self.date, self.state.value, self.block_id)

    def with_range(self, serials: SerialRange, **changes: Any) -> Block:
        """A child of this block over `serials` (inside it), with `changes` applied."""
        return replace(
            self,
            serial_start=serials.start,
            serial_end=serials.end,
            parent_id=self.block_id,
            **changes,
        )

    def as_json(self) -> dict[str, Any]:
        """The block as in `neutra.ledger/1` (DESIGN.md §5.2), keys in that order."""
        return {
            "state": self.state.value,
            "registry": self.registry,
            "account": self.account,
            "client": self.client,
            "programme": self.programme,
            "unit_type": self.unit_type.value,
            "host_party": self.host_party,
            "project_id": self.project_id,
            "vintage": self.vintage,
            "serial_start": self.serial_start,
            "serial_end": self.serial_end,
            "quantity": self.quantity,
            "beneficiary": self.beneficiary,
            "date": self.date.isoformat(),
        }
