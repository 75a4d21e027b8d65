"""The credits ledger: split never edit, cancellation is final, policies choose whole blocks first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from neutra.core.credits import (
    REGISTRY_RULES,
    BlockState,
    Cancel,
    CreditError,
    Ledger,
    Policy,
    Purchase,
    Sale,
    SerialRange,
    SerialSpace,
    Transfer,
    UnitsSpec,
    UnitType,
    broken_rule,
    parse_period,
    serial_space,
)

D = dt.date


def buy(
    ledger: Ledger,
    txn: str,
    start: int,
    end: int,
    *,
    project: str = "1234",
    vintage: str = "2012",
    client: str = "",
    registry: str = "CDM",
    price: str | None = None,
    on: dt.date | None = None,
    programme: str = "CDM",
    host: str = "IN",
) -> None:
    ledger.purchase(
        Purchase(
            txn, on or D(2024, 1, 1), registry, "HOLD", client, programme, UnitType.CER if programme == "CDM" else UnitType.VER,
            host, project, vintage, SerialRange(start, end),
            price=Decimal(price) if price else None, currency="EUR" if price else "",
        )
    )  # fmt: skip


def serials(start: int, end: int, client: str = "", **extra: object) -> UnitsSpec:
    return UnitsSpec(
        client=client, programme="CDM", unit_type=UnitType.CER, host_party="IN",
        serials=SerialRange(start, end), **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def test_a_range_counts_both_ends() -> None:
    assert SerialRange(1, 100).quantity == 100
    assert SerialRange(7, 7).quantity == 1
    with pytest.raises(CreditError):
        SerialRange(10, 9)


def test_kyoto_units_share_a_space_per_type_and_party_and_others_per_project() -> None:
    assert serial_space("CDM", "CER", "IN", "1234") == SerialSpace("CDM", "CER", "IN", "")
    assert serial_space("CDM", "CER", "IN", "1234") == serial_space("CDM", "CER", "IN", "9999")
    assert serial_space("GS", "VER", "KE", "GS1247") == SerialSpace("GS", "", "", "GS1247")


def test_cancelling_part_of_a_block_splits_it_into_three_contiguous_children() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 100, client="Acme")
    event = ledger.cancel(
        Cancel("c1", D(2024, 3, 1), serials(41, 60, "Acme"), "Acme GmbH", "offset", "2023")
    )
    blocks = ledger.blocks
    assert [(b.serial_start, b.serial_end, b.state) for b in blocks] == [
        (1, 40, BlockState.HELD),
        (41, 60, BlockState.CANCELLED),
        (61, 100, BlockState.HELD),
    ]
    assert [b.quantity for b in blocks] == [40, 20, 40]
    (parent,) = event.closed
    assert all(b.parent_id == parent.block_id for b in blocks)
    assert blocks[1].beneficiary == "Acme GmbH"
    assert blocks[1].for_period == "2023"
    assert blocks[0].date == D(2024, 1, 1)  # the remainder did not move
    ledger.check_invariants()


def test_a_cancelled_unit_cannot_be_cancelled_moved_or_sold_again() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 100, client="Acme")
    ledger.cancel(Cancel("c1", D(2024, 3, 1), serials(1, 10, "Acme")))
    for operation in (
        Cancel("c2", D(2024, 3, 2), serials(5, 15, "Acme")),
        Transfer("t1", D(2024, 3, 2), serials(10, 20, "Acme"), to_registry="DE"),
        Sale("s1", D(2024, 3, 2), serials(1, 1, "Acme")),
    ):
        before = ledger.blocks
        with pytest.raises(CreditError, match="cancelled on 2024-03-01") as refused:
            ledger.apply(operation)
        assert refused.value.column == "serial_start"
        assert ledger.blocks == before  # nothing changed
    ledger.check_invariants()


def test_another_clients_units_are_refused_by_name() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 100, client="Acme")
    with pytest.raises(
        CreditError, match="belong to client 'Acme', not to client 'Beta'"
    ) as refused:
        ledger.cancel(Cancel("c1", D(2024, 3, 1), serials(1, 10, "Beta")))
    assert refused.value.column == "client"


def test_units_held_for_a_client_never_move_to_another() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 100, client="Acme")
    with pytest.raises(CreditError, match="never move to another client"):
        ledger.transfer(Transfer("t1", D(2024, 3, 1), serials(1, 10, "Acme"), to_client="Beta"))


def test_a_purchase_overlapping_held_units_is_refused() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 100)
    with pytest.raises(CreditError, match="overlap units 1-100 already held") as refused:
        buy(ledger, "p2", 100, 120, project="9999")  # Kyoto: one space per type and party
    assert refused.value.column == "serial_start"
    buy(ledger, "p3", 100, 120, programme="GS", project="GS1", host="KE")  # another space
    assert len(ledger.blocks) == 2


def test_sold_units_can_be_bought_back_but_not_while_held() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 10)
    ledger.sell(Sale("s1", D(2024, 2, 1), serials(1, 10), buyer="Other"))
    buy(ledger, "p2", 1, 10, on=D(2024, 3, 1))
    assert [b.state for b in ledger.blocks] == [BlockState.SOLD, BlockState.HELD]  # by date
    ledger.check_invariants()


def test_a_quantity_that_disagrees_with_the_serials_is_refused() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 100)
    with pytest.raises(CreditError, match="quantity 11 disagrees with serials 1-10") as refused:
        ledger.cancel(Cancel("c1", D(2024, 3, 1), serials(1, 10, quantity=11)))
    assert refused.value.column == "quantity"


def test_more_than_is_held_is_refused_and_names_the_gap() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 100)
    with pytest.raises(CreditError, match="units 101-150 of CDM CER IN are not held"):
        ledger.cancel(Cancel("c1", D(2024, 3, 1), serials(90, 150)))
    with pytest.raises(
        CreditError, match="150 units asked, but the consultancy's stock holds only 100"
    ):
        ledger.cancel(Cancel("c2", D(2024, 3, 1), UnitsSpec(quantity=150)))


def test_fifo_takes_the_oldest_vintage_first_and_the_lowest_serials_of_a_block() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 100, project="A", vintage="2014")
    buy(ledger, "p2", 101, 150, project="B", vintage="2010")
    preview = ledger.resolve(UnitsSpec(quantity=70))
    assert [(b.project_id, r.start, r.end) for b, r in preview] == [("B", 101, 150), ("A", 1, 20)]
    assert len(ledger.blocks) == 2  # a preview changes nothing
    event = ledger.transfer(Transfer("t1", D(2024, 2, 1), UnitsSpec(quantity=70), to_client="Acme"))
    assert event.policy is Policy.FIFO
    assert sum(b.quantity for b in event.moved) == 70
    ledger.check_invariants()


def test_one_project_takes_all_units_from_the_oldest_project_that_has_enough() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 30, project="A", vintage="2010")
    buy(ledger, "p2", 31, 130, project="B", vintage="2012")
    chosen = ledger.resolve(UnitsSpec(quantity=50, policy=Policy.ONE_PROJECT))
    assert {b.project_id for b, _ in chosen} == {"B"}
    with pytest.raises(CreditError, match="of one project"):
        ledger.resolve(UnitsSpec(quantity=120, policy=Policy.ONE_PROJECT))


def test_cheapest_takes_the_lowest_price_first() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 50, price="4.00", vintage="2010")
    buy(ledger, "p2", 51, 100, price="1.25", vintage="2014")
    buy(ledger, "p3", 101, 150, vintage="2008")  # no price known: last
    chosen = ledger.resolve(UnitsSpec(quantity=60, policy=Policy.CHEAPEST))
    assert [(r.start, r.end) for _, r in chosen] == [(51, 100), (1, 10)]


def test_transfers_between_national_registries_end_after_9_september_2023() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 100, registry="DE", on=D(2020, 1, 1))
    ledger.transfer(Transfer("t1", D(2023, 9, 9), serials(1, 10), to_registry="CH"))  # the last day
    with pytest.raises(
        CreditError, match="between national registries ended on 9 September 2023"
    ) as refused:
        ledger.transfer(Transfer("t2", D(2023, 9, 10), serials(11, 20), to_registry="CH"))
    assert refused.value.column == "to_registry"
    ledger.transfer(
        Transfer("t3", D(2025, 1, 1), serials(11, 20), to_account="RETIRE")
    )  # same registry


def test_forwards_from_the_cdm_registry_end_after_31_march_2026_but_cancelling_there_does_not() -> (
    None
):
    ledger = Ledger()
    buy(ledger, "p1", 1, 100)
    ledger.transfer(Transfer("t1", D(2026, 3, 31), serials(1, 10), to_registry="DE"))
    with pytest.raises(CreditError, match="International Transaction Log stopped"):
        ledger.transfer(Transfer("t2", D(2026, 4, 1), serials(11, 20), to_registry="DE"))
    ledger.cancel(Cancel("c1", D(2030, 1, 1), serials(11, 20)))
    assert {b.registry for b in ledger.blocks if b.state is BlockState.CANCELLED} == {"CDM"}


def test_the_national_registry_path_before_the_cut_offs_is_kept_for_a_clients_records() -> None:
    # DOMAIN.md §6: CERs bought for a client, forwarded from the CDM registry to a national
    # registry before the ITL stopped, and cancelled there for that client: never resold.
    ledger = Ledger()
    buy(ledger, "p1", 1, 2000, client="Kestrel", on=D(2019, 11, 4))
    ledger.transfer(Transfer("t1", D(2021, 6, 15), serials(1, 1000, "Kestrel"), to_registry="DE"))
    ledger.cancel(
        Cancel("c1", D(2022, 3, 10), serials(1, 400, "Kestrel"), "Kestrel", "2021", "2021")
    )
    assert [(b.serial_start, b.serial_end, b.registry, b.state) for b in ledger.blocks] == [
        (1, 400, "DE", BlockState.CANCELLED),
        (401, 1000, "DE", BlockState.HELD),
        (1001, 2000, "CDM", BlockState.HELD),
    ]
    with pytest.raises(CreditError, match="cancelled on 2022-03-10"):
        ledger.sell(Sale("s1", D(2022, 4, 1), serials(1, 400, "Kestrel"), buyer="Other"))
    with pytest.raises(CreditError, match="between national registries ended"):
        ledger.transfer(
            Transfer("t2", D(2023, 9, 10), serials(401, 500, "Kestrel"), to_registry="CH")
        )
    ledger.check_invariants()


def test_every_rule_names_its_source() -> None:
    assert all(rule.source and rule.reason for rule in REGISTRY_RULES)
    assert broken_rule("CDM", "GS", D(2030, 1, 1)) is None
    assert broken_rule("DE", "DE", D(2030, 1, 1)) is None


def test_a_transfer_needs_a_destination_that_changes_something() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 100)
    with pytest.raises(CreditError, match="needs a destination"):
        ledger.transfer(Transfer("t1", D(2024, 2, 1), serials(1, 10)))
    with pytest.raises(CreditError, match="changes nothing"):
        ledger.transfer(Transfer("t1", D(2024, 2, 1), serials(1, 10), to_account="HOLD"))


def test_units_cannot_be_used_before_they_arrive() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 100, on=D(2024, 5, 1))
    with pytest.raises(CreditError, match="only arrived on 2024-05-01") as refused:
        ledger.cancel(Cancel("c1", D(2024, 4, 1), serials(1, 10)))
    assert refused.value.column == "date"


def test_a_range_spanning_two_blocks_acts_on_both() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 50)
    buy(ledger, "p2", 51, 100, project="5678")
    event = ledger.cancel(Cancel("c1", D(2024, 3, 1), serials(41, 60)))
    assert [(b.serial_start, b.serial_end) for b in event.moved] == [(41, 50), (51, 60)]
    ledger.check_invariants()


def test_lineage_leads_back_to_the_purchase_and_find_locates_a_serial() -> None:
    ledger = Ledger()
    buy(ledger, "p1", 1, 100, client="Acme")
    ledger.transfer(Transfer("t1", D(2024, 2, 1), serials(1, 50, "Acme"), to_registry="DE"))
    ledger.cancel(Cancel("c1", D(2024, 3, 1), serials(10, 20, "Acme")))
    (block,) = ledger.find(SerialSpace("CDM", "CER", "IN"), 15)
    assert [b.txn_id for b in ledger.lineage(block.block_id)] == ["c1", "t1", "p1"]


def test_periods_are_years_or_two_dates() -> None:
    assert parse_period("2024").end == D(2024, 12, 31)
    assert parse_period("2012-01-01/2012-06-30").start == D(2012, 1, 1)
    for bad in ("24", "2012-06-30/2012-01-01", "2012-02-30/2012-03-01", "٢٠١٢", "２０１２"):
        with pytest.raises(ValueError, match=r"\w"):
            parse_period(bad)


def test_a_ledger_over_stored_blocks_keeps_their_ids_and_gives_new_ones() -> None:
    source = Ledger()
    buy(source, "p1", 1, 100)
    stored = source.blocks
    ledger = Ledger.from_blocks(stored)
    event = ledger.cancel(Cancel("c1", D(2024, 3, 1), serials(1, 10)))
    assert event.closed == stored
    assert all(b.block_id > stored[0].block_id for b in event.created)
    ledger.check_invariants()
