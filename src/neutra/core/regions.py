"""Regions: ISO 3166 countries, their subregions, and the aggregates above them.

The engine selects a factor by walking `fallback_chain` from the most specific
region to WORLD (subregion -> country -> region -> world). The known codes and
each chain come from the reference data file `neutra/data/regions.csv`.

It must never guess: an unknown code is not silently mapped to WORLD; callers
check `is_known_region` first (activity validation does).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files

__all__ = [
    "SUBREGION_PATTERN",
    "Region",
    "country_codes",
    "fallback_chain",
    "is_country",
    "is_known_region",
    "region_codes",
]

WORLD = "WORLD"

# A subregion is a country code, a dash and 1-10 letters or digits (US-CAMX, GB-SCT).
SUBREGION_PATTERN = r"^([A-Z]{2})-[A-Z0-9]{1,10}$"
_SUBREGION = re.compile(SUBREGION_PATTERN)


@dataclass(frozen=True, slots=True)
class Region:
    """One row of regions.csv."""

    code: str  # upper-case code: ISO 3166-1 alpha-2, or an aggregate such as EU27
    kind: str  # "country" or "region"
    name: str  # English short name
    fallback: tuple[str, ...]  # codes tried after this one, nearest first


@cache
def _regions() -> dict[str, Region]:
    text = (files("neutra.data") / "regions.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return {
        row["code"]: Region(row["code"], row["kind"], row["name"], tuple(row["fallback"].split()))
        for row in csv.DictReader(lines)
    }


def country_codes() -> frozenset[str]:
    """Every ISO 3166-1 alpha-2 code."""
    return frozenset(code for code, region in _regions().items() if region.kind == "country")


def region_codes() -> frozenset[str]:
    """Every aggregate region code (EU27, EUROPE, WORLD, ...)."""
    return frozenset(code for code, region in _regions().items() if region.kind == "region")


def is_country(code: str | None) -> bool:
    """Whether `code` is an ISO 3166-1 alpha-2 country code (upper case)."""
    region = _regions().get(code or "")
    return region is not None and region.kind == "country"


def is_known_region(code: str | None) -> bool:
    """Whether `code` is a country, a subregion of a known country, or an aggregate."""
    if not code:
        return False
    if code in _regions():
        return True
    match = _SUBREGION.match(code)
    return match is not None and is_country(match.group(1))


@lru_cache(maxsize=4096)  # once per region, not once per activity key
def fallback_chain(region: str | None) -> tuple[str, ...]:
    """The codes to try for factor selection, from `region` itself out to WORLD.

    An unknown code raises `ValueError`: falling back silently would hide a typo.
    """
    if region is None:
        return (WORLD,)
    code = region.strip().upper()
    if not is_known_region(code):
        raise ValueError(f"unknown region {region!r}")
    if code in _regions():
        return (code, *_regions()[code].fallback)
    country = code.split("-", 1)[0]
    return (code, country, *_regions()[country].fallback)
