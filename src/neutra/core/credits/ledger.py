"""The ledger aggregate: blocks held, cancelled and sold, and the operations that move them.

Operations are specs (`Purchase`, `Transfer`, `Cancel`, `Sale`) naming their
units by explicit serials or by a quantity and a `Policy` (`UnitsSpec`); the
ledger resolves them into concrete blocks (`Ledger.resolve`, also a preview),
checks every rule, and only then splits: the units acted on become new child
blocks, the rest of each parent stays held in contiguous children. Each
operation returns an `Event` saying which blocks it closed and made.

It must never change anything when it refuses an operation (every check runs
before the first split), never edit a block, and never let a cancelled or sold
unit move again. `check_invariants()` proves the ledger whole.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from neutra.core.credits.model import (
    Action,
    Block,
    BlockState,
    CreditError,
    InvariantError,
    KyotoParts,
    Period,
    Policy,
    SerialRange,
    SerialSpace,
    UnitType,
    parse_period,
    serial_space,
)
from neutra.core.credits.rules import REGISTRY_RULES, TransferRule, broken_rule

__all__ = [
    "Cancel",
    "Event",
    "Ledger",
    "Operation",
    "Purchase",
    "Sale",
    "Transfer",
    "UnitsSpec",
]


@dataclass(frozen=True, slots=True)
class UnitsSpec:
    """Which units an operation acts on: explicit serials, or a quantity chosen by a policy.

    Blank attributes match anything; `client` is whose units they must be
    ("" the consultancy's stock).
    """

    client: str = ""
    registry: str = ""  # where the units must be ("" anywhere)
    account: str = ""
    programme: str = ""
    unit_type: UnitType | None = None
    host_party: str = ""
    project_id: str = ""
    vintage: str = ""
    serials: SerialRange | None = None  # explicit units; needs the serial space's attributes
    quantity: int | None = None  # a check on the serials, or how many to choose by policy
    policy: Policy = Policy.FIFO

    def space(self) -> SerialSpace | None:
        """The serial space the serials are in, or None when an attribute it needs is blank."""
        if not self.programme or self.unit_type is None:
            return None
        space = serial_space(self.programme, self.unit_type.value, self.host_party, self.project_id)
        if (space.kyoto and not space.host_party) or (not space.kyoto and not space.project_id):
            return None
        return space


@dataclass(frozen=True, slots=True)
class Purchase:
    txn_id: str
    date: dt.date
    registry: str  # the receiving registry
    account: str  # the receiving account
    client: str  # whom the units are bought for ("" stock)
    programme: str
    unit_type: UnitType
    host_party: str
    project_id: str
    vintage: str
    serials: SerialRange
    price: Decimal | None = None  # per unit
    currency: str = ""
    seller: str = ""
    reference: str = ""  # contract reference
    kyoto: KyotoParts | None = None


@dataclass(frozen=True, slots=True)
class Transfer:
    txn_id: str
    date: dt.date
    units: UnitsSpec
    to_registry: str = ""  # "" unchanged
    to_account: str = ""  # "" unchanged (within one registry), none (into another)
    to_client: str = ""  # allocate stock to this client; "" owner unchanged


@dataclass(frozen=True, slots=True)
class Cancel:
    txn_id: str
    date: dt.date
    units: UnitsSpec
    beneficiary: str = ""
    purpose: str = ""
    for_period: str = ""  # "2024" or "YYYY-MM-DD/YYYY-MM-DD"
    reference: str = ""  # the registry's attestation


@dataclass(frozen=True, slots=True)
class Sale:
    txn_id: str
    date: dt.date
    units: UnitsSpec
    buyer: str = ""
    price: Decimal | None = None
    currency: str = ""
    reference: str = ""


Operation = Purchase | Transfer | Cancel | Sale


@dataclass(frozen=True, slots=True)
class Event:
    """What one operation did to the ledger."""

    action: Action
    txn_id: str
    date: dt.date
    closed: tuple[Block, ...]  # parents closed by the operation
    created: tuple[Block, ...]  # every new block: the units acted on and the remainders
    moved: tuple[Block, ...]  # the new blocks holding the units acted on
    policy: Policy | None = None  # how the units were chosen; None for explicit serials


class _SpaceIndex:
    """Blocks of one serial space that must not overlap, sorted by serial_start."""

    __slots__ = ("blocks", "starts")

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.blocks: list[Block] = []

    def add(self, block: Block) -> None:
        at = bisect.bisect_left(self.starts, block.serial_start)
        self.starts.insert(at, block.serial_start)
        self.blocks.insert(at, block)

    def remove(self, block: Block) -> None:
        at = bisect.bisect_left(self.starts, block.serial_start)
        while self.blocks[at].block_id != block.block_id:
            at += 1
        del self.starts[at]
        del self.blocks[at]

    def overlapping(self, serials: SerialRange) -> list[Block]:
        at = bisect.bisect_right(self.starts, serials.end)
        found = []
        while at > 0 and self.blocks[at - 1].serial_end >= serials.start:
            at -= 1
            found.append(self.blocks[at])
        # Non-overlapping blocks sorted by start are sorted by end too: stop at the first miss.
        found.reverse()
        return found


class Ledger:
    """Every block of a book of credits, and the operations on them."""

    def __init__(
        self, *, rules: tuple[TransferRule, ...] = REGISTRY_RULES, keep_history: bool = True
    ) -> None:
        self.rules = rules
        self._keep_history = keep_history  # closed parents and events; off for huge files
        self._leaves: dict[int, Block] = {}  # the blocks not split: held, cancelled or sold
        self._closed: dict[int, Block] = {}  # parents that were split (with history)
        self._children: dict[int, tuple[int, ...]] = {}
        self._taken: dict[SerialSpace, _SpaceIndex] = defaultdict(_SpaceIndex)  # held+cancelled
        self._held_by_client: dict[str, dict[int, None]] = defaultdict(dict)
        self._entered: Counter[SerialSpace] = Counter()  # units that entered, per space
        self._next_id = 1
        self.events: list[Event] = []  # every operation, in order (with history)
        self.choices: list[Event] = []  # the operations whose units a policy chose (always kept)

    @classmethod
    def from_blocks(
        cls, blocks: Iterable[Block], *, rules: tuple[TransferRule, ...] = REGISTRY_RULES
    ) -> Ledger:
        """A ledger over blocks kept elsewhere (the web's database): they become its leaves."""
        ledger = cls(rules=rules)
        for block in blocks:
            ledger._add_leaf(block)
            ledger._entered[block.space] += block.quantity
            ledger._next_id = max(ledger._next_id, block.block_id + 1)
        return ledger

    # ------------------------------------------------------------------ reading

    @property
    def blocks(self) -> tuple[Block, ...]:
        """The current blocks (held, cancelled, sold), by serial space and serial_start."""
        return tuple(sorted(self._leaves.values(), key=Block.sort_key))

    def block(self, block_id: int) -> Block:
        if block_id in self._leaves:
            return self._leaves[block_id]
        return self._closed[block_id]

    def children(self, block_id: int) -> tuple[Block, ...]:
        return tuple(self.block(i) for i in self._children.get(block_id, ()))

    def lineage(self, block_id: int) -> tuple[Block, ...]:
        """The block and its ancestors back to the purchase, newest first."""
        chain = [self.block(block_id)]
        while chain[-1].parent_id is not None and chain[-1].parent_id in self._closed:
            chain.append(self._closed[chain[-1].parent_id])
        return tuple(chain)

    def find(self, space: SerialSpace, serial: int) -> tuple[Block, ...]:
        """The current blocks holding one serial number (more than one only after a buy-back)."""
        return tuple(
            b for b in self._leaves.values() if b.space == space and b.serials.contains(serial)
        )

    def resolve(
        self, spec: UnitsSpec, *, on: dt.date | None = None
    ) -> list[tuple[Block, SerialRange]]:
        """The held blocks, and the serials in each, that `spec` names; CreditError if it cannot.

        This is the preview of a policy's choice: nothing changes.
        """
        if spec.quantity is not None and spec.quantity <= 0:
            raise CreditError(
                "the quantity must be a whole number above 0",
                column="quantity",
                value=str(spec.quantity),
            )
        chosen = self._by_serials(spec) if spec.serials is not None else self._by_policy(spec)
        if on is not None:
            for block, _ in chosen:
                if block.date > on:
                    raise CreditError(
                        f"the units {block.serials} only arrived on {block.date} (transaction {block.txn_id})",
                        column="date",
                        value=on.isoformat(),
                    )
        return chosen

    # ------------------------------------------------------------------ operations

    def apply(self, operation: Operation) -> Event:
        if isinstance(operation, Purchase):
            return self.purchase(operation)
        if isinstance(operation, Transfer):
            return self.transfer(operation)
        if isinstance(operation, Cancel):
            return self.cancel(operation)
        return self.sell(operation)

    def purchase(self, op: Purchase) -> Event:
        space = serial_space(op.programme, op.unit_type.value, op.host_party, op.project_id)
        if space.kyoto and not op.host_party:
            raise CreditError(
                "Kyoto units need their host party (ISO 3166 code)", column="host_party", value=""
            )
        if not space.kyoto and not op.project_id:
            raise CreditError(
                f"{op.programme} units need their project id", column="project_id", value=""
            )
        clash = self._taken[space].overlapping(op.serials) if space in self._taken else []
        if clash:
            other = clash[0]
            raise CreditError(
                f"serials {op.serials} overlap units {other.serials} already {other.state.value} "
                f"in {space} (transaction {other.txn_id})",
                column="serial_start",
                value=str(op.serials.start),
            )
        block = Block(
            state=BlockState.HELD,
            registry=op.registry,
            account=op.account,
            client=op.client,
            programme=op.programme,
            unit_type=op.unit_type,
            host_party=op.host_party,
            project_id=op.project_id,
            vintage=op.vintage,
            serial_start=op.serials.start,
            serial_end=op.serials.end,
            beneficiary="",
            date=op.date,
            block_id=self._new_id(),
            txn_id=op.txn_id,
            price=op.price,
            currency=op.currency,
            seller=op.seller,
            reference=op.reference,
            kyoto=op.kyoto,
        )
        self._add_leaf(block)
        self._entered[space] += block.quantity
        return self._record(Event(Action.PURCHASE, op.txn_id, op.date, (), (block,), (block,)))

    def transfer(self, op: Transfer) -> Event:
        units = op.units
        if not (op.to_registry or op.to_account or op.to_client):
            raise CreditError(
                "a transfer needs a destination: to_registry, to_account or to_client",
                column="to_registry",
                value="",
            )
        if op.to_client and units.client and op.to_client != units.client:
            raise CreditError(
                f"units held for client {units.client!r} never move to another client",
                column="to_client",
                value=op.to_client,
            )
        chosen = self.resolve(units, on=op.date)
        changes: list[dict[str, object]] = []
        for block, _ in chosen:
            registry = op.to_registry or block.registry
            if op.to_registry and op.to_registry != block.registry:
                account = op.to_account  # a new registry: the account named, or none
                rule = broken_rule(block.registry, op.to_registry, op.date, self.rules)
                if rule is not None:
                    raise CreditError(
                        f"transfer from {block.registry} to {op.to_registry} on {op.date} refused: "
                        f"{rule.reason} (source: {rule.source})",
                        column="to_registry",
                        value=op.to_registry,
                    )
            else:
                account = op.to_account or block.account
            client = op.to_client or block.client
            if (registry, account, client) == (block.registry, block.account, block.client):
                raise CreditError(
                    f"the transfer changes nothing: units {block.serials} are already in "
                    f"{registry} account {account or '(none)'} for {client or 'the stock'}",
                    column="to_account" if op.to_account else "to_registry",
                    value=op.to_account or op.to_registry or op.to_client,
                )
            changes.append(
                {
                    "registry": registry,
                    "account": account,
                    "client": client,
                    "date": op.date,
                    "txn_id": op.txn_id,
                }
            )
        return self._split_all(Action.TRANSFER, op.txn_id, op.date, units, chosen, changes)

    def cancel(self, op: Cancel) -> Event:
        if op.for_period:
            try:
                parse_period(op.for_period)
            except ValueError as exc:
                raise CreditError(str(exc), column="for_period", value=op.for_period) from None
        chosen = self.resolve(op.units, on=op.date)
        change = {
            "state": BlockState.CANCELLED,
            "beneficiary": op.beneficiary,
            "purpose": op.purpose,
            "for_period": op.for_period,
            "reference": op.reference,
            "date": op.date,
            "txn_id": op.txn_id,
        }
        return self._split_all(
            Action.CANCEL, op.txn_id, op.date, op.units, chosen, [change] * len(chosen)
        )

    def sell(self, op: Sale) -> Event:
        chosen = self.resolve(op.units, on=op.date)
        change = {
            "state": BlockState.SOLD,
            "buyer": op.buyer,
            "reference": op.reference or "",
            "date": op.date,
            "txn_id": op.txn_id,
        }
        return self._split_all(
            Action.SALE, op.txn_id, op.date, op.units, chosen, [change] * len(chosen)
        )

    # ------------------------------------------------------------------ invariants

    def check_invariants(self) -> None:
        """Raise InvariantError unless the ledger is whole.

        Open blocks never overlap in a serial space (nor with cancelled ones);
        the units that entered each space are exactly those of its current
        blocks (conservation); the children of every split parent partition it
        exactly with the parent's unit attributes; cancelled and sold blocks are
        never split again (finality); the indexes agree with the blocks.
        """
        per_space: dict[SerialSpace, list[Block]] = defaultdict(list)
        for block in self._leaves.values():
            if block.quantity <= 0:
                raise InvariantError(f"block {block.block_id} has no units")
            per_space[block.space].append(block)
        for space, blocks in per_space.items():
            taken = sorted(
                (b for b in blocks if b.state is not BlockState.SOLD), key=lambda b: b.serial_start
            )
            for before, after in itertools.pairwise(taken):
                if before.serial_end >= after.serial_start:
                    raise InvariantError(
                        f"blocks {before.block_id} and {after.block_id} overlap in {space}"
                    )
            if sum(b.quantity for b in blocks) != self._entered[space]:
                raise InvariantError(f"units are not conserved in {space}")
            index = self._taken.get(space)
            indexed = [b.block_id for b in index.blocks] if index else []
            if indexed != [b.block_id for b in taken]:
                raise InvariantError(f"the serial index of {space} disagrees with its blocks")
        for space, count in self._entered.items():
            if count and space not in per_space:
                raise InvariantError(f"units of {space} vanished")
        for client, ids in self._held_by_client.items():
            for block_id in ids:
                held = self._leaves.get(block_id)
                if held is None or not held.is_open or held.client != client:
                    raise InvariantError(f"the holdings index of {client!r} is wrong")
        for parent_id, child_ids in self._children.items():
            parent = self._closed.get(parent_id)
            if parent is None:
                raise InvariantError(f"block {parent_id} was split but is not closed")
            if parent.state is not BlockState.HELD:
                raise InvariantError(f"final block {parent_id} ({parent.state.value}) was split")
            _check_partition(parent, [self.block(i) for i in child_ids])
        for block_id in self._closed:
            if block_id in self._leaves:
                raise InvariantError(f"block {block_id} is both closed and current")

    # ------------------------------------------------------------------ internals

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _record(self, event: Event) -> Event:
        if self._keep_history:
            self.events.append(event)
        if event.policy is not None:
            self.choices.append(event)
        return event

    def _add_leaf(self, block: Block) -> None:
        self._leaves[block.block_id] = block
        if block.state is not BlockState.SOLD:
            self._taken[block.space].add(block)
        if block.is_open:
            self._held_by_client[block.client][block.block_id] = None

    def _remove_leaf(self, block: Block) -> None:
        del self._leaves[block.block_id]
        if block.state is not BlockState.SOLD:
            self._taken[block.space].remove(block)
        if block.is_open:
            del self._held_by_client[block.client][block.block_id]

    def _by_serials(self, spec: UnitsSpec) -> list[tuple[Block, SerialRange]]:
        serials = spec.serials
        assert serials is not None
        space = spec.space()
        if space is None:
            needed = (
                "programme, unit_type and host_party"
                if spec.programme in ("CDM", "JI")
                else "programme, unit_type and project_id"
            )
            raise CreditError(
                f"serials need their serial space: give {needed}",
                column="programme",
                value=spec.programme,
            )
        if spec.quantity is not None and spec.quantity != serials.quantity:
            raise CreditError(
                f"quantity {spec.quantity} disagrees with serials {serials} ({serials.quantity} units)",
                column="quantity",
                value=str(spec.quantity),
            )
        found = self._taken[space].overlapping(serials) if space in self._taken else []
        chosen: list[tuple[Block, SerialRange]] = []
        covered = 0
        for block in found:
            piece = block.serials.intersection(serials)
            assert piece is not None
            if block.state is BlockState.CANCELLED:
                raise CreditError(
                    f"units {piece} of {space} were cancelled on {block.date} (transaction {block.txn_id}): "
                    "a cancelled unit can never be moved, sold or cancelled again",
                    column="serial_start",
                    value=str(serials.start),
                )
            chosen.append((block, piece))
            covered += piece.quantity
        if covered != serials.quantity:
            raise CreditError(
                self._not_held(space, serials, chosen),
                column="serial_start",
                value=str(serials.start),
            )
        for block, piece in chosen:
            if block.client != spec.client:
                owner = f"client {block.client!r}" if block.client else "the consultancy's stock"
                wanted = f"client {spec.client!r}" if spec.client else "the consultancy's stock"
                raise CreditError(
                    f"units {piece} belong to {owner}, not to {wanted}",
                    column="client",
                    value=spec.client,
                )
            self._check_place(spec, block, piece)
        return chosen

    def _not_held(
        self, space: SerialSpace, serials: SerialRange, held: list[tuple[Block, SerialRange]]
    ) -> str:
        missing: list[SerialRange] = [serials]
        for _, piece in held:
            missing = [part for m in missing for part in m.without(piece)]
        for gap in missing:
            for block in self._leaves.values():
                if block.state is BlockState.SOLD and block.space == space:
                    sold = block.serials.intersection(gap)
                    if sold is not None:
                        return f"units {sold} of {space} were sold on {block.date} (transaction {block.txn_id})"
        return (
            f"units {missing[0]} of {space} are not held: no purchase brought them into the ledger"
        )

    def _check_place(self, spec: UnitsSpec, block: Block, piece: SerialRange) -> None:
        if spec.registry and block.registry != spec.registry:
            raise CreditError(
                f"units {piece} are in registry {block.registry}, not {spec.registry}",
                column="registry",
                value=spec.registry,
            )
        if spec.account and block.account != spec.account:
            raise CreditError(
                f"units {piece} are in account {block.account or '(none)'}, not {spec.account}",
                column="account",
                value=spec.account,
            )

    def _matches(self, spec: UnitsSpec, block: Block) -> bool:
        return (
            (not spec.registry or block.registry == spec.registry)
            and (not spec.account or block.account == spec.account)
            and (not spec.programme or block.programme == spec.programme)
            and (spec.unit_type is None or block.unit_type is spec.unit_type)
            and (not spec.host_party or block.host_party == spec.host_party)
            and (not spec.project_id or block.project_id == spec.project_id)
            and (not spec.vintage or block.vintage == spec.vintage)
        )

    def _by_policy(self, spec: UnitsSpec) -> list[tuple[Block, SerialRange]]:
        if spec.quantity is None:
            raise CreditError(
                "give serial_start and serial_end, or a quantity to choose the units by policy",
                column="quantity",
                value="",
            )
        wanted = spec.quantity
        candidates = [
            self._leaves[i]
            for i in self._held_by_client.get(spec.client, {})
            if self._matches(spec, self._leaves[i])
        ]
        candidates.sort(key=_fifo_key)
        if spec.policy is Policy.CHEAPEST:
            candidates.sort(
                key=lambda b: (b.price is None, b.price if b.price is not None else Decimal(0))
            )
        elif spec.policy is Policy.ONE_PROJECT:
            candidates = _one_project(candidates, wanted)
        held = sum(b.quantity for b in candidates)
        if held < wanted:
            whose = f"client {spec.client!r}" if spec.client else "the consultancy's stock"
            what = " of one project" if spec.policy is Policy.ONE_PROJECT else ""
            raise CreditError(
                f"{wanted} units asked, but {whose} holds only {held} matching units{what}",
                column="quantity",
                value=str(wanted),
            )
        chosen: list[tuple[Block, SerialRange]] = []
        for block in candidates:
            if wanted == 0:
                break
            take = min(wanted, block.quantity)
            chosen.append((block, SerialRange(block.serial_start, block.serial_start + take - 1)))
            wanted -= take
        return chosen

    def _split_all(
        self,
        action: Action,
        txn_id: str,
        date: dt.date,
        spec: UnitsSpec,
        chosen: list[tuple[Block, SerialRange]],
        changes: list[dict[str, object]],
    ) -> Event:
        # Every check has run: from here on nothing refuses, so nothing is half done.
        closed: list[Block] = []
        created: list[Block] = []
        moved: list[Block] = []
        for (block, piece), change in zip(chosen, changes, strict=True):
            children = []
            for part in block.serials.without(piece):
                children.append(block.with_range(part, block_id=self._new_id()))
            acted = block.with_range(piece, block_id=self._new_id(), **change)
            children.append(acted)
            children.sort(key=lambda b: b.serial_start)
            _check_partition(block, children)
            self._remove_leaf(block)
            if self._keep_history:
                self._closed[block.block_id] = block
                self._children[block.block_id] = tuple(c.block_id for c in children)
            for child in children:
                self._add_leaf(child)
            closed.append(block)
            created.extend(children)
            moved.append(acted)
        policy = None if spec.serials is not None else spec.policy
        return self._record(
            Event(action, txn_id, date, tuple(closed), tuple(created), tuple(moved), policy)
        )


def _fifo_key(block: Block) -> tuple[object, ...]:
    try:
        vintage: Period | None = parse_period(block.vintage)
    except ValueError:
        vintage = None
    start = vintage.start if vintage else dt.date.max
    return (start, block.space, block.serial_start)


def _one_project(candidates: list[Block], wanted: int) -> list[Block]:
    """The blocks of the first project (oldest vintage first) that alone holds enough."""
    projects: dict[tuple[str, str], list[Block]] = {}
    for block in candidates:  # already oldest first: projects come in that order too
        projects.setdefault((block.programme, block.project_id), []).append(block)
    for blocks in projects.values():
        if sum(b.quantity for b in blocks) >= wanted:
            return blocks
    return max(projects.values(), key=lambda bs: sum(b.quantity for b in bs), default=[])


_UNIT_ATTRIBUTES = ("programme", "unit_type", "host_party", "project_id", "vintage", "kyoto")


def _check_partition(parent: Block, children: list[Block]) -> None:
    """Children are contiguous, cover the parent exactly, and keep its unit attributes."""
    ordered = sorted(children, key=lambda b: b.serial_start)
    if (
        not ordered
        or ordered[0].serial_start != parent.serial_start
        or ordered[-1].serial_end != parent.serial_end
    ):
        raise InvariantError(f"the children of block {parent.block_id} do not cover it")
    for before, after in itertools.pairwise(ordered):
        if before.serial_end + 1 != after.serial_start:
            raise InvariantError(f"the children of block {parent.block_id} are not contiguous")
    for child in ordered:
        if child.parent_id != parent.block_id:
            raise InvariantError(
                f"block {child.block_id} does not name its parent {parent.block_id}"
            )
        for name in _UNIT_ATTRIBUTES:
            if getattr(child, name) != getattr(parent, name):
                raise InvariantError(f"block {child.block_id} changed the unit attribute {name}")
