"""Serial numbers as each programme writes them, rendered from a block's stored parts.

Kyoto units (CDM, JI): the unit identifier of the ITL Data Exchange Standards,
joined by "-": originating party, unit type code, serial, original and
applicable commitment period, LULUCF activity, project id, e.g.
`IN-5-100000001-2-2-0-1234` (DOMAIN.md §6; the component order is to be
confirmed against a real attestation). Gold Standard and Verra serials are
rendered in their registries' style from the same parts. A block shows as
"first serial – last serial".

It must never read a displayed string back as the truth: the parts are
columns, the string is only drawn from them.
"""

from __future__ import annotations

from neutra.core.credits.model import KYOTO_UNIT_CODES, Block, Period, parse_period

__all__ = ["serial_label", "unit_identifier"]


def unit_identifier(block: Block, serial: int) -> str:
    """The identifier of one unit of `block` in its programme's style."""
    if block.space.kyoto:
        return _kyoto(block, serial)
    if block.programme == "GS":
        return _gold_standard(block, serial)
    if block.programme in {"VCS", "VERRA"}:
        return _verra(block, serial, serial)
    return f"{block.programme}-{block.unit_type.value}-{block.host_party}-{block.project_id}-{block.vintage}-{serial}"


def serial_label(block: Block) -> str:
    """The block's serials as its programme writes a range."""
    if block.programme in {"VCS", "VERRA"}:
        return _verra(block, block.serial_start, block.serial_end)
    first = unit_identifier(block, block.serial_start)
    if block.quantity == 1:
        return first
    return f"{first} – {unit_identifier(block, block.serial_end)}"


def _kyoto(block: Block, serial: int) -> str:
    code = KYOTO_UNIT_CODES.get(block.unit_type)
    unit = str(code) if code is not None else block.unit_type.value
    parts = block.kyoto
    if parts is None:
        period = _cp(_vintage(block))
        original, applicable, lulucf = period, period, 0
    else:
        original, applicable, lulucf = parts.original_cp, parts.applicable_cp, parts.lulucf_activity
    return "-".join(
        str(p)
        for p in (block.host_party, unit, serial, original, applicable, lulucf, block.project_id)
    )


def _vintage(block: Block) -> Period | None:
    try:
        return parse_period(block.vintage)
    except ValueError:
        return None


def _cp(vintage: Period | None) -> int:
    """The Kyoto commitment period a vintage falls in (1: up to 2012, 2: from 2013)."""
    if vintage is None or vintage.end.year <= 2012:
        return 1
    return 2


def _gold_standard(block: Block, serial: int) -> str:
    # GS1-1-<host>-GS<project>-<unit type>-<vintage year>-<serial>
    vintage = _vintage(block)
    year = vintage.start.year if vintage else block.vintage
    return f"GS1-1-{block.host_party}-GS{block.project_id}-{block.unit_type.value}-{year}-{serial}"


def _verra(block: Block, start: int, end: int) -> str:
    # <start>-<end>-VCU-<host>-<project>-<vintage start DDMMYYYY>-<vintage end DDMMYYYY>
    vintage = _vintage(block)
    dates = block.vintage if vintage is None else f"{vintage.start:%d%m%Y}-{vintage.end:%d%m%Y}"
    return f"{start}-{end}-{block.unit_type.value}-{block.host_party}-{block.project_id}-{dates}"
