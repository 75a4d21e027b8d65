"""Global warming potentials: the named GWP100 sets (AR4, AR5, AR6) that turn
masses of gases into CO2e, and the gas names they are keyed by.

Values come from reference data, never from code: the CC0 table shipped by the
`globalwarmingpotentials` package (IPCC values as tabulated by the GHG
Protocol and, for AR6, IPCC AR6 WG1 Table 7.SM.7), then `gwp_supplement.csv`
(gases the table lacks and Neutra's documented overrides, such as fossil and
non-fossil methane in AR6), then `refrigerant_blends.csv` (ASHRAE Standard 34
compositions: a blend's GWP is the mass-weighted sum of its components').

It must never guess: an unknown gas, or a gas without a value in the chosen
set, is a `GWPError`, never a zero and never a value borrowed from another
set. It must never weight a figure that is already CO2e.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.metadata import version
from importlib.resources import files
from types import MappingProxyType

from neutra.core.errors import GWPError

__all__ = [
    "GWP_SET_NAMES",
    "GWPError",
    "GWPSet",
    "canonical_gas",
    "gwp_set",
]

GWP_SET_NAMES = ("AR4", "AR5", "AR6")

# The package table's column for each set.
_PACKAGE_COLUMNS = {"AR4": "AR4GWP100", "AR5": "AR5GWP100", "AR6": "AR6GWP100"}

_SET_CITATIONS = {
    "AR4": "IPCC AR4 WG1 (2007) Table 2.14, 100-year GWP, as tabulated by the GHG Protocol "
    "(Global Warming Potential Values, 2016)",
    "AR5": "IPCC AR5 WG1 (2013) Table 8.A.1, 100-year GWP without climate-carbon feedbacks, "
    "as tabulated by the GHG Protocol (Global Warming Potential Values, 2016)",
    "AR6": "IPCC AR6 WG1 (2021) Table 7.SM.7, 100-year GWP; methane per Table 7.15 as in the "
    "GHG Protocol's AR6 table of Aug 2024 (CH4_fossil 29.8 for fugitive fossil methane; "
    "CH4_non_fossil 27.0, also for CH4 of combustion)",
}

# Weighting CO2e again would count the GWP twice; it is a unit, not a gas.
_CO2E = "CO2e"

# Tolerance on a blend's mass fractions summing to 1 (they are given to 0.1%).
_FRACTION_TOLERANCE = 1e-9


def _data_rows(text: str) -> Iterator[dict[str, str]]:
    lines = (line for line in text.splitlines() if line.strip() and not line.startswith("#"))
    yield from csv.DictReader(lines)


@lru_cache(maxsize=1)
def _package_rows() -> tuple[dict[str, str], ...]:
    table = files("globalwarmingpotentials") / "globalwarmingpotentials.csv"
    return tuple(_data_rows(table.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _supplement_rows() -> tuple[dict[str, str], ...]:
    table = files("neutra.data") / "gwp_supplement.csv"
    return tuple(_data_rows(table.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _blends() -> Mapping[str, tuple[tuple[str, float], ...]]:
    table = files("neutra.data") / "refrigerant_blends.csv"
    blends: dict[str, list[tuple[str, float]]] = {}
    for row in _data_rows(table.read_text(encoding="utf-8")):
        blends.setdefault(row["blend"], []).append((row["component"], float(row["mass_fraction"])))
    return MappingProxyType({name: tuple(parts) for name, parts in blends.items()})


# --- gas names -----------------------------------------------------------------

# Spellings that are not the canonical name with dashes, spaces or case changed.
_ALIASES: dict[str, str] = {
    "CO2e": _CO2E,
    "CO2eq": _CO2E,
    "R744": "CO2",
    "CH4_biogenic": "CH4_non_fossil",
    "CH4_nonfossil": "CH4_non_fossil",
    # PFCs by their refrigerant or PFC numbers.
    "PFC14": "CF4",
    "R14": "CF4",
    "PFC116": "C2F6",
    "R116": "C2F6",
    "PFC218": "C3F8",
    "R218": "C3F8",
    "PFC318": "cC4F8",
    "RC318": "cC4F8",
    "R318": "cC4F8",
    "PFC3110": "C4F10",
    "PFC4112": "C5F12",
    "PFC5114": "C6F14",
    # Hydrofluoro-olefins: the E isomer of 1234ze is the commercial one.
    "R1234yf": "HFO1234yf",
    "HFO1234zeE": "HFO1234ze",
    "R1234ze": "HFO1234ze",
    "R1234zeE": "HFO1234ze",
    # Hydrocarbons by chemical name.
    "propane": "R290",
    "butane": "R600",
    "nbutane": "R600",
    "isobutane": "R600a",
    "isopentane": "R601a",
    "propylene": "R1270",
    "propene": "R1270",
}


def _key(text: str) -> str:
    """A spelling reduced to what tells gases apart: no case, dashes, spaces or brackets."""
    return "".join(ch for ch in text.upper() if ch not in " -_()")


@lru_cache(maxsize=1)
def _canonical_names() -> Mapping[str, str]:
    canonical = {"CO2", _CO2E, "CH4_fossil", "CH4_non_fossil"}
    canonical.update(row["Species"] for row in _package_rows())
    canonical.update(row["gas"] for row in _supplement_rows())
    canonical.update(_blends())
    names: dict[str, str] = {}

    def add(spelling: str, name: str) -> None:
        key = _key(spelling)
        if names.setdefault(key, name) != name:
            raise GWPError(
                f"gas spellings {spelling!r} and {names[key]!r} collide",
                gas=spelling,
            )

    for name in sorted(canonical):
        add(name, name)
        # HFC-134a is also sold as R-134a; likewise HCFCs and CFCs.
        for prefix in ("HFC", "HCFC", "CFC"):
            if name.startswith(prefix) and name[len(prefix)].isdigit():
                add("R" + name[len(prefix) :], name)
    for spelling, name in _ALIASES.items():
        add(spelling, name)
    return MappingProxyType(names)


def canonical_gas(text: str) -> str:
    """The canonical name of a gas or blend as a user wrote it ('R-134a' -> 'HFC134a')."""
    if not isinstance(text, str) or not text.strip():
        raise GWPError("no gas given", gas=text)
    name = _canonical_names().get(_key(text.strip()))
    if name is None:
        raise GWPError(f"unknown gas {text!r}", gas=text)
    return name


# --- GWP sets ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GWPSet:
    """A named set of 100-year global warming potentials."""

    name: str  # the set's name: "AR4", "AR5" or "AR6"
    source: str  # citation of the values
    values: Mapping[str, float]  # canonical pure gas -> GWP100 (kg CO2e per kg of the gas)
    # canonical blend -> its (component gas, mass fraction) pairs, fractions summing to 1
    blends: Mapping[str, tuple[tuple[str, float], ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def __hash__(self) -> int:
        return hash((self.name, self.source, frozenset(self.values.items())))

    def gases(self) -> tuple[str, ...]:
        """Every gas and blend this set gives a GWP for, sorted."""
        return tuple(sorted({*self.values, *self.blends}))

    def components(self, gas: str) -> tuple[tuple[str, float], ...]:
        """A blend's (component gas, mass fraction) pairs; a pure gas is ((gas, 1.0),)."""
        name = canonical_gas(gas)
        if name == _CO2E:
            raise GWPError(
                "CO2e is already weighted by a GWP set; it has no components",
                gas=gas,
                gwp_set=self.name,
            )
        return self.blends.get(name, ((name, 1.0),))

    def gwp(self, gas: str) -> float:
        """The GWP100 of a gas or blend (mass-weighted over a blend's components)."""
        name = canonical_gas(gas)
        if name == _CO2E:
            raise GWPError(
                f"CO2e is already weighted (GWP set {self.name} would weight it twice); "
                "a CO2e figure carries the GWP set it was made with",
                gas=gas,
                gwp_set=self.name,
            )
        total = 0.0
        for component, fraction in self.components(name):
            value = self.values.get(component)
            if value is None:
                what = f"component {component!r} of {name!r}" if component != name else repr(name)
                raise GWPError(
                    f"gas {what} has no GWP100 in GWP set {self.name}",
                    gas=name,
                    component=component,
                    gwp_set=self.name,
                )
            total += fraction * value
        return total

    def check_invariants(self) -> None:
        """Raise `GWPError` if the set is inconsistent."""
        if self.name not in GWP_SET_NAMES:
            raise GWPError(f"unknown GWP set name {self.name!r}", gwp_set=self.name)
        if self.values.get("CO2") != 1.0:
            raise GWPError(f"CO2 must have GWP 1 in set {self.name}", gwp_set=self.name)
        if _CO2E in self.values or _CO2E in self.blends:
            raise GWPError(f"CO2e must not have a GWP in set {self.name}", gwp_set=self.name)
        for gas, value in self.values.items():
            if canonical_gas(gas) != gas:
                raise GWPError(f"gas {gas!r} is not a canonical name", gas=gas)
            if not math.isfinite(value) or value < 0:
                raise GWPError(
                    f"gas {gas!r} has GWP {value!r} in set {self.name}",
                    gas=gas,
                    gwp_set=self.name,
                )
        for blend, parts in self.blends.items():
            if blend in self.values:
                raise GWPError(f"{blend!r} is both a blend and a pure gas", gas=blend)
            total = math.fsum(fraction for _, fraction in parts)
            if abs(total - 1.0) > _FRACTION_TOLERANCE:
                raise GWPError(
                    f"mass fractions of blend {blend!r} sum to {total!r}, not 1", gas=blend
                )
            for component, fraction in parts:
                if not 0.0 < fraction <= 1.0 or component not in self.values:
                    raise GWPError(
                        f"component {component!r} ({fraction!r}) of blend {blend!r} "
                        f"is not a pure gas with a GWP in set {self.name}",
                        gas=blend,
                        component=component,
                        gwp_set=self.name,
                    )


def _float_or_none(text: str | None) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


@lru_cache(maxsize=len(GWP_SET_NAMES))
def _build(name: str) -> GWPSet:
    values: dict[str, float] = {"CO2": 1.0}
    column = _PACKAGE_COLUMNS[name]
    for row in _package_rows():
        value = _float_or_none(row.get(column))
        if value is not None:
            values[row["Species"]] = value
    for row in _supplement_rows():
        value = _float_or_none(row.get(name))
        if value is not None:
            values[row["gas"]] = value
    package = version("globalwarmingpotentials")
    source = (
        f"{_SET_CITATIONS[name]}; via the globalwarmingpotentials package {package} (CC0); "
        "additions and overrides: neutra/data/gwp_supplement.csv; "
        "blends: ASHRAE Standard 34, neutra/data/refrigerant_blends.csv"
    )
    result = GWPSet(name=name, source=source, values=MappingProxyType(values), blends=_blends())
    result.check_invariants()
    return result


def gwp_set(name: str) -> GWPSet:
    """The GWP set of that name ('AR4', 'AR5' or 'AR6', any case)."""
    key = name.strip().upper() if isinstance(name, str) else ""
    if key not in GWP_SET_NAMES:
        raise GWPError(
            f"unknown GWP set {name!r}; known sets: {', '.join(GWP_SET_NAMES)}",
            gwp_set=name,
            known=GWP_SET_NAMES,
        )
    return _build(key)
