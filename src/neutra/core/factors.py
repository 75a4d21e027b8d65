"""Emission factors and factor sets: the immutable reference data of a footprint.

A factor is an amount of one or more gases (or of CO2e under a named GWP set)
per unit of activity, for an activity, a region and a year, from a named
source. A factor set is an immutable, versioned collection of factors: its
version is the hash of its content, so the same content always has the same
version and past results can pin it.

It must never read files or change a factor set after it is made.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from neutra.core.units import dimension_name

__all__ = [
    "SET_NAME",
    "SET_VERSION",
    "Basis",
    "Factor",
    "FactorSet",
    "FactorSetDiff",
    "GasAmount",
    "Scope",
    "diff_factor_sets",
]

# A set's name (it names a folder of the factor store) and its version, the
# first 16 hex digits of its content hash (FactorSet.content_hash).
SET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
SET_VERSION = re.compile(r"^[0-9a-f]{16}$")


class Scope(StrEnum):
    """GHG Protocol scopes, as the engine labels lines."""

    S1 = "1"
    S2 = "2"
    S3 = "3"


class Basis(StrEnum):
    """What a scope 2 factor represents."""

    LOCATION = "location"  # grid average where the energy is consumed
    RESIDUAL_MIX = "residual_mix"  # grid mix left once tracked claims are removed


@dataclass(frozen=True, slots=True)
class GasAmount:
    """The amount of one gas that one unit of activity emits."""

    gas: str  # canonical gas name ("CO2", "CH4", "HFC134a", "R410A", or "CO2e")
    t_per_unit: float  # tonnes of that gas per one `Factor.unit` of activity
    biogenic: bool = False  # biogenic CO2: a memo line, outside the scopes


@dataclass(frozen=True, slots=True)
class Factor:
    """One emission factor: gas amounts per unit of one activity."""

    factor_id: str  # unique within its set (the publisher's id where there is one)
    unit: str  # the activity unit the amounts are per, e.g. "kWh", "passenger_km"
    gases: tuple[GasAmount, ...]  # one entry per gas, sorted by gas name
    activity: str | None = None  # activity key it serves, e.g. "fuel.natural_gas"
    region: str | None = None  # ISO 3166 alpha-2, subregion "US-CAMX", region, None = world
    year: int | None = None  # data year it applies to; None = any year
    scope: Scope | None = None  # default scope
    category: int | None = None  # default scope 3 category, 1-15
    basis: Basis = Basis.LOCATION  # for scope 2 factors
    gwp_set: str | None = None  # the GWP set a CO2e amount was made with
    source: str | None = None  # citation
    description: str | None = None  # what it is, in the publisher's words (for search and show)

    def __post_init__(self) -> None:
        if self.category is not None and not 1 <= self.category <= 15:
            raise ValueError(f"factor {self.factor_id}: category {self.category} not in 1-15")
        if not self.gases:
            raise ValueError(f"factor {self.factor_id}: no gas amounts")

    @property
    def unit_dimension(self) -> str:
        return dimension_name(self.unit)

    @property
    def is_co2e(self) -> bool:
        return any(g.gas == "CO2e" for g in self.gases)

    def as_dict(self) -> dict[str, Any]:
        return {
            "factor_id": self.factor_id,
            "unit": self.unit,
            "gases": [[g.gas, g.t_per_unit, g.biogenic] for g in self.gases],
            "activity": self.activity,
            "region": self.region,
            "year": self.year,
            "scope": None if self.scope is None else self.scope.value,
            "category": self.category,
            "basis": self.basis.value,
            "gwp_set": self.gwp_set,
            "source": self.source,
            "description": self.description,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Factor:
        return cls(
            factor_id=data["factor_id"],
            unit=data["unit"],
            gases=tuple(GasAmount(g, float(v), bool(b)) for g, v, b in data["gases"]),
            activity=data.get("activity"),
            region=data.get("region"),
            year=data.get("year"),
            scope=None if data.get("scope") is None else Scope(data["scope"]),
            category=data.get("category"),
            basis=Basis(data.get("basis") or Basis.LOCATION),
            gwp_set=data.get("gwp_set"),
            source=data.get("source"),
            description=data.get("description"),
        )


@dataclass(frozen=True, slots=True)
class FactorSet:
    """An immutable, content-versioned set of factors."""

    name: str  # the name users pick it by, e.g. "desnz-2025" or "my-factors"
    factors: tuple[Factor, ...]  # sorted by factor_id
    source: str | None = None  # citation of the whole set
    licence: str | None = None  # licence line of the data
    version: str = field(default="", compare=False)  # content hash; computed if empty
    _by_id: dict[str, Factor] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        ordered = tuple(sorted(self.factors, key=lambda f: f.factor_id))
        object.__setattr__(self, "factors", ordered)
        object.__setattr__(self, "_by_id", {f.factor_id: f for f in ordered})
        digest = self.content_hash()
        if self.version and self.version != digest:
            raise ValueError(
                f"factor set {self.name}: stored version {self.version} does not match "
                f"its content ({digest}); the set was changed after it was made"
            )
        object.__setattr__(self, "version", digest)
        self.check_invariants()

    def content_hash(self) -> str:
        payload = {
            "factors": [f.as_dict() for f in self.factors],
            "source": self.source,
            "licence": self.licence,
        }
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), allow_nan=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def check_invariants(self) -> None:
        if len(self._by_id) != len(self.factors):
            raise ValueError(f"factor set {self.name}: duplicate factor ids")
        for factor in self.factors:
            if factor.is_co2e and not factor.gwp_set:
                raise ValueError(
                    f"factor set {self.name}: factor {factor.factor_id} is in CO2e "
                    "but names no GWP set"
                )

    def get(self, factor_id: str) -> Factor | None:
        return self._by_id.get(factor_id)

    def __len__(self) -> int:
        return len(self.factors)

    def __iter__(self) -> Iterator[Factor]:
        return iter(self.factors)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.version}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": "neutra.factor_set/1",
            "name": self.name,
            "version": self.version,
            "source": self.source,
            "licence": self.licence,
            "factors": [f.as_dict() for f in self.factors],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FactorSet:
        return cls(
            name=data["name"],
            factors=tuple(Factor.from_dict(f) for f in data["factors"]),
            source=data.get("source"),
            licence=data.get("licence"),
            version=data.get("version", ""),
        )


@dataclass(frozen=True, slots=True)
class FactorSetDiff:
    """What changed between two factor sets (or two versions of one)."""

    added: tuple[Factor, ...]  # in the new set only, by factor id
    removed: tuple[Factor, ...]  # in the old set only
    changed: tuple[tuple[Factor, Factor], ...]  # (old, new) with the same id and other content
    unchanged: int  # how many factors are the same in both

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_factor_sets(old: FactorSet, new: FactorSet) -> FactorSetDiff:
    """Compare two sets factor by factor, matching on factor id."""
    old_ids = {f.factor_id for f in old.factors}
    new_ids = {f.factor_id for f in new.factors}
    changed = []
    unchanged = 0
    for factor_id in sorted(old_ids & new_ids):
        before, after = old.get(factor_id), new.get(factor_id)
        assert before is not None
        assert after is not None
        if before == after:
            unchanged += 1
        else:
            changed.append((before, after))
    return FactorSetDiff(
        added=tuple(f for f in new.factors if f.factor_id not in old_ids),
        removed=tuple(f for f in old.factors if f.factor_id not in new_ids),
        changed=tuple(changed),
        unchanged=unchanged,
    )
