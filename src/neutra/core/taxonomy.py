"""The activity taxonomy: stable keys (fuel.natural_gas, travel.air.long_haul.economy, ...)
that rows can name instead of a factor id, and which publisher factor serves each key.

The keys, their descriptions and the map to publisher factor ids are reference
data (`neutra/data/taxonomy/`). Importers tag their factors with keys through
`tag_factor_set`, so one activity row finds its factor in whichever pinned set
has one, with region and year fallbacks.

It must never change a factor's figures: it only names what a factor is for.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace
from functools import cache
from importlib.resources import files

from neutra.core.factors import FactorSet

__all__ = [
    "ActivityType",
    "activity_of_factor",
    "activity_types",
    "search_activities",
    "tag_factor_set",
]

SPEND_PREFIX = "spend.naics."  # spend.naics.<NAICS code>: the USEEIO factor of that code
GRID_KEY = "electricity.grid"  # every grid intensity factor serves it


@dataclass(frozen=True, slots=True)
class ActivityType:
    """One key of the taxonomy."""

    key: str  # e.g. "fuel.natural_gas"
    description: str  # what the activity is, in words
    unit: str  # a typical unit (any unit of the same dimension works)
    scope: int | None  # the usual scope
    category: int | None  # the usual scope 3 category


def _rows(name: str) -> list[dict[str, str]]:
    text = (files("neutra.data") / "taxonomy" / name).read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines))))


@cache
def activity_types() -> dict[str, ActivityType]:
    """Every key of the taxonomy, by key."""
    return {
        r["key"]: ActivityType(
            key=r["key"],
            description=r["description"],
            unit=r["unit"],
            scope=int(r["scope"]) if r["scope"] else None,
            category=int(r["category"]) if r["category"] else None,
        )
        for r in _rows("activities.csv")
    }


@cache
def _map() -> dict[str, dict[str, list[tuple[str, str | None]]]]:
    """publisher -> factor id -> [(activity key, region or None)]."""
    known = activity_types()
    mapping: dict[str, dict[str, list[tuple[str, str | None]]]] = {}
    for r in _rows("activity_map.csv"):
        if r["activity"] not in known:
            raise ValueError(f"activity_map.csv names unknown activity key {r['activity']!r}")
        entry = (r["activity"], r["region"] or None)
        mapping.setdefault(r["publisher"], {}).setdefault(r["factor_id"], []).append(entry)
    return mapping


def activity_of_factor(factor_id: str) -> str | None:
    """The activity key a publisher's factor id is mapped to (None: not mapped, or to several)."""
    keys = {key for ids in _map().values() for key, _ in ids.get(factor_id, [])}
    return keys.pop() if len(keys) == 1 else None


def tag_factor_set(factor_set: FactorSet, publisher: str) -> FactorSet:
    """The same factors, with activity keys (and the key's region) from the taxonomy map.

    A factor that already serves an activity keeps it. A new set results (a new
    content version): tagging is part of importing, before the set is stored.
    """
    mapped = _map().get(publisher, {})
    tagged = []
    for factor in factor_set.factors:
        keys = mapped.get(factor.factor_id, [])
        if factor.activity is None and keys:
            (key, region), *more = keys
            if more:
                raise ValueError(f"factor {factor.factor_id} is mapped to several keys")
            factor = replace(factor, activity=key, region=region or factor.region)
        elif factor.activity is None and publisher == "useeio" and factor.factor_id.isdigit():
            # The default variant only (with margins, purchaser price): one factor per key.
            factor = replace(factor, activity=SPEND_PREFIX + factor.factor_id)
        tagged.append(factor)
    return replace(factor_set, factors=tuple(tagged), version="")


def search_activities(text: str) -> list[ActivityType]:
    """Keys whose key or description contains every word of `text` (case-insensitive)."""
    words = text.lower().replace("_", " ").split()
    found = []
    for activity in activity_types().values():
        haystack = f"{activity.key.replace('.', ' ').replace('_', ' ')} {activity.description} {activity.unit}".lower()
        if all(w in haystack for w in words):
            found.append(activity)
    return found
