"""Serials shown in each programme's style, drawn from the stored parts."""

from __future__ import annotations

import datetime as dt

from neutra.core.credits import (
    Block,
    BlockState,
    KyotoParts,
    UnitType,
    serial_label,
    unit_identifier,
)


def block(
    programme: str,
    unit_type: UnitType,
    host: str,
    project: str,
    vintage: str,
    start: int,
    end: int,
    kyoto: KyotoParts | None = None,
) -> Block:
    return Block(
        BlockState.HELD,
        "CDM",
        "",
        "",
        programme,
        unit_type,
        host,
        project,
        vintage,
        start,
        end,
        "",
        dt.date(2024, 1, 1),
        kyoto=kyoto,
    )


def test_a_kyoto_unit_identifier_joins_its_parts_as_the_itl_writes_them() -> None:
    cer = block(
        "CDM", UnitType.CER, "IN", "1234", "2014", 100000001, 100000100, KyotoParts(2, 2, 0)
    )
    assert unit_identifier(cer, 100000001) == "IN-5-100000001-2-2-0-1234"
    assert serial_label(cer) == "IN-5-100000001-2-2-0-1234 – IN-5-100000100-2-2-0-1234"


def test_without_stored_periods_the_commitment_period_follows_the_vintage() -> None:
    assert (
        unit_identifier(block("CDM", UnitType.CER, "CN", "77", "2011", 5, 5), 5)
        == "CN-5-5-1-1-0-77"
    )
    assert (
        unit_identifier(block("CDM", UnitType.CER, "CN", "77", "2015", 5, 5), 5)
        == "CN-5-5-2-2-0-77"
    )


def test_gold_standard_and_verra_serials_carry_project_vintage_and_range() -> None:
    gs = block("GS", UnitType.VER, "KE", "1247", "2021", 1, 40)
    assert serial_label(gs) == "GS1-1-KE-GS1247-VER-2021-1 – GS1-1-KE-GS1247-VER-2021-40"
    vcu = block("VCS", UnitType.VCU, "BR", "981", "2019-01-01/2019-12-31", 1001, 2000)
    assert serial_label(vcu) == "1001-2000-VCU-BR-981-01012019-31122019"
