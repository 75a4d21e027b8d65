"""Properties of the ledger over random operations: no overlap, conservation, finality.

The stateful test drives a ledger and a plain model (one entry per unit) with
random purchases, allocations, transfers, sales and cancellations, by serials
or by policy, and checks the ledger against the model and its own invariants
after every step.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from neutra.core.credits import (
    BlockState,
    Cancel,
    CreditError,
    Ledger,
    Policy,
    Purchase,
    Sale,
    SerialRange,
    Transfer,
    UnitsSpec,
    UnitType,
)

CLIENTS = ("", "A", "B")
REGISTRIES = ("CDM", "DE", "CH")
DAY = dt.date(2024, 6, 1)  # after 2023-09-09: DE -> CH is refused; CDM -> DE allowed
ranges = st.tuples(st.integers(1, 200), st.integers(1, 60)).map(
    lambda t: SerialRange(t[0], t[0] + t[1] - 1)
)


@given(st.integers(0, 10**12), st.integers(0, 10**6), st.lists(st.integers(0, 10**6), max_size=5))
def test_any_split_of_a_range_partitions_it(start: int, length: int, cuts: list[int]) -> None:
    whole = SerialRange(start, start + length)
    piece_start = start + min(cuts, default=0) % (length + 1)
    piece = SerialRange(piece_start, min(whole.end, piece_start + max(cuts, default=0)))
    rest = whole.without(piece)
    assert sum(r.quantity for r in rest) + piece.quantity == whole.quantity
    assert all(not r.overlaps(piece) for r in rest)


@given(ranges, ranges)
def test_intersection_and_overlap_agree(a: SerialRange, b: SerialRange) -> None:
    assert (a.intersection(b) is not None) == a.overlaps(b)


def spec(units: SerialRange, client: str) -> UnitsSpec:
    return UnitsSpec(
        client=client, programme="CDM", unit_type=UnitType.CER, host_party="IN", serials=units
    )


class LedgerMachine(RuleBasedStateMachine):
    @initialize()
    def start(self) -> None:
        self.ledger = Ledger()
        self.units: dict[int, tuple[BlockState, str, str]] = {}  # serial -> state, client, registry
        self.sold = 0
        self.entered = 0
        self.count = 0

    def txn(self) -> str:
        self.count += 1
        return f"t{self.count}"

    def _unchanged(self, before: tuple[object, ...]) -> None:
        assert self.ledger.blocks == before

    @rule(
        units=ranges,
        client=st.sampled_from(CLIENTS),
        vintage=st.sampled_from(["2010", "2012", "2015"]),
    )
    def purchase(self, units: SerialRange, client: str, vintage: str) -> None:
        before = self.ledger.blocks
        clash = any(s in self.units for s in range(units.start, units.end + 1))
        try:
            self.ledger.purchase(
                Purchase(
                    self.txn(),
                    dt.date(2024, 1, 1),
                    "CDM",
                    "H",
                    client,
                    "CDM",
                    UnitType.CER,
                    "IN",
                    "P" + vintage,
                    vintage,
                    units,
                )
            )
        except CreditError:
            assert clash
            self._unchanged(before)
            return
        assert not clash
        for s in range(units.start, units.end + 1):
            self.units[s] = (BlockState.HELD, client, "CDM")
        self.entered += units.quantity

    def _held_by(self, units: SerialRange, client: str) -> bool:
        return all(
            self.units.get(s, (None, None, None))[:2] == (BlockState.HELD, client)
            for s in range(units.start, units.end + 1)
        )

    @rule(units=ranges, client=st.sampled_from(CLIENTS))
    def cancel(self, units: SerialRange, client: str) -> None:
        before = self.ledger.blocks
        expected = self._held_by(units, client)
        try:
            self.ledger.cancel(Cancel(self.txn(), DAY, spec(units, client), "beneficiary"))
        except CreditError:
            assert not expected
            self._unchanged(before)
            return
        assert expected
        for s in range(units.start, units.end + 1):
            self.units[s] = (BlockState.CANCELLED, client, self.units[s][2])

    @rule(units=ranges, client=st.sampled_from(CLIENTS))
    def sell(self, units: SerialRange, client: str) -> None:
        before = self.ledger.blocks
        expected = self._held_by(units, client)
        try:
            self.ledger.sell(Sale(self.txn(), DAY, spec(units, client), "buyer"))
        except CreditError:
            assert not expected
            self._unchanged(before)
            return
        assert expected
        for s in range(units.start, units.end + 1):
            del self.units[s]
        self.sold += units.quantity

    @rule(
        units=st.one_of(ranges, st.integers(1, 80)),
        client=st.sampled_from(CLIENTS),
        to_client=st.sampled_from(CLIENTS),
        to_registry=st.sampled_from(("", *REGISTRIES)),
        policy=st.sampled_from(Policy),
    )
    def transfer(
        self,
        units: SerialRange | int,
        client: str,
        to_client: str,
        to_registry: str,
        policy: Policy,
    ) -> None:
        before = self.ledger.blocks
        if isinstance(units, SerialRange):
            which = spec(units, client)
        else:
            which = UnitsSpec(client=client, quantity=units, policy=policy)
        try:
            event = self.ledger.transfer(
                Transfer(self.txn(), DAY, which, to_registry=to_registry, to_client=to_client)
            )
        except CreditError:
            self._unchanged(before)
            return
        assert not (client and to_client and client != to_client)  # never to another client
        for block in event.moved:
            for s in range(block.serial_start, block.serial_end + 1):
                state, owner, registry = self.units[s]
                assert (state, owner) == (BlockState.HELD, client)
                if to_registry and to_registry != registry:
                    assert not (
                        registry in ("DE", "CH") and to_registry in ("DE", "CH")
                    )  # refused after 2023
                self.units[s] = (BlockState.HELD, to_client or owner, to_registry or registry)

    @invariant()
    def whole(self) -> None:
        self.ledger.check_invariants()

    @invariant()
    def agrees_with_the_model(self) -> None:
        seen: dict[int, tuple[BlockState, str, str]] = {}
        sold = 0
        for block in self.ledger.blocks:
            if block.state is BlockState.SOLD:
                sold += block.quantity
                continue
            for s in range(block.serial_start, block.serial_end + 1):
                assert s not in seen  # no overlap among held and cancelled units
                seen[s] = (block.state, block.client, block.registry)
        assert seen == self.units  # cancelled units stay cancelled, for the same client
        assert sold == self.sold
        assert len(seen) + sold == self.entered  # conservation


TestLedgerMachine = LedgerMachine.TestCase
TestLedgerMachine.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
