"""The result of a footprint: summary figures, flags, lines and provenance.

`Footprint.as_json()` is the stable `neutra.footprint/1` document of
DESIGN.md §3.6: figures in tonnes, unrounded. Its hash covers everything but
the hash itself, so the same inputs always give the same hash.

It must never round a figure: rounding is for display only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

__all__ = ["SCOPE_KEYS", "Flag", "Footprint", "output_hash"]

SCOPE_KEYS = (
    "scope1",
    "scope2_location",
    "scope2_market",
    "scope3",
    "total_location",
    "total_market",
)


@dataclass(frozen=True, slots=True)
class Flag:
    """Something a reader of the figures must know about one row (or instrument)."""

    row: str  # the row id (or instrument id) it concerns
    flag: str  # year_fallback, region_fallback, residual_mix_missing, negative_quantity, ...
    detail: str  # what happened, in words
    source: str = ""  # the file the row is in

    def as_dict(self) -> dict[str, str]:
        return {"row": self.row, "flag": self.flag, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Footprint:
    """A computed footprint, in tonnes."""

    gwp_set: str  # the GWP set CO2e was computed with
    totals: dict[str, float]  # SCOPE_KEYS -> t CO2e
    scope3_categories: dict[str, float]  # "1".."15" -> t CO2e
    by_gas: dict[str, dict[str, float]]  # gas -> {"t": t of gas, "t_co2e": t CO2e}
    biogenic_co2_t: float  # memo: biogenic CO2, outside the scopes
    by_entity: dict[str, dict[str, float]]  # entity -> SCOPE_KEYS -> t CO2e
    flags: tuple[Flag, ...]  # every fallback, correction and instrument note
    provenance: dict[str, Any]  # engine, inputs, factor sets, GWP set, options, hash
    lines: pa.Table | None = field(default=None)  # one line per activity row, if asked for

    def as_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "schema": "neutra.footprint/1",
            "gwp_set": self.gwp_set,
            "unit": "t CO2e",
            "totals": dict(self.totals),
            "scope3_categories": dict(self.scope3_categories),
            "by_gas": {gas: dict(v) for gas, v in self.by_gas.items()},
            "biogenic_co2_t": self.biogenic_co2_t,
            "by_entity": {e: dict(v) for e, v in self.by_entity.items()},
            "flags": [f.as_dict() for f in self.flags],
            "lines": [] if self.lines is None else _jsonable_lines(self.lines),
            "provenance": dict(self.provenance),
        }
        return document


def output_hash(document: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a result, without its own hash and its lines.

    The lines are a view of the same figures; leaving them out keeps the hash of
    a result the same whether or not the lines were asked for.
    """
    body = {k: v for k, v in document.items() if k != "lines"}
    body["provenance"] = {k: v for k, v in document["provenance"].items() if k != "hash"}
    blob = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _jsonable_lines(lines: pa.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = lines.to_pylist()
    return rows
