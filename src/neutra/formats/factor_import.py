"""What every publisher importer returns, and which importer reads which kind of file.

Each publisher is one same-shaped module in `neutra.formats` with a
`read(path: Path, *, name: str | None = None) -> FactorImport` function that
checks the whole file and raises `InvalidInputError` with every problem (file,
row, column, value, reason), or returns the factor set. The set is named
`<publisher>-<edition year>` unless `name` says otherwise, and each factor keeps
the publisher's own id, so `desnz-2025:1_100_1004_6` names DESNZ 2025 natural gas.

It must never return a partly read set.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from neutra.core.factors import FactorSet
from neutra.core.taxonomy import tag_factor_set

__all__ = ["IMPORTERS", "EnergyConversion", "FactorImport", "import_file", "importer"]


@dataclass(frozen=True, slots=True)
class EnergyConversion:
    """A publisher's energy content of a fuel (e.g. DESNZ 'kWh (Gross CV)' per tonne)."""

    conversion_id: str  # the publisher's id
    description: str  # what it converts, in the publisher's words
    per_unit: str  # the unit of the fuel quantity, e.g. "t" or "L"
    energy_unit: str  # the energy unit it gives, e.g. "kWh"
    basis: str  # "gross" or "net" calorific value, as published
    value: float  # energy_unit per per_unit


@dataclass(frozen=True, slots=True)
class FactorImport:
    """The result of reading one publisher file."""

    factor_set: FactorSet  # the emission factors, immutable and content-versioned
    conversions: tuple[EnergyConversion, ...] = ()  # energy conversions, kept apart
    notes: tuple[str, ...] = ()  # what was set aside and why (e.g. rows without a value)


class Reader(Protocol):
    def __call__(self, path: Path, *, name: str | None = None) -> FactorImport: ...


# kind on the command line -> module in neutra.formats
IMPORTERS = {
    "desnz": "neutra.formats.desnz",
    "epa-hub": "neutra.formats.epa_hub",
    "useeio": "neutra.formats.useeio",
    "grid": "neutra.formats.grid",
}


def importer(kind: str) -> Reader:
    """The `read` function of a publisher importer."""
    module = importlib.import_module(IMPORTERS[kind])
    reader: Reader = module.read
    return reader


def import_file(kind: str, path: Path, *, name: str | None = None) -> FactorImport:
    """Read a publisher file and tag its factors with the activity keys of the taxonomy."""
    result = importer(kind)(path, name=name)
    return replace(result, factor_set=tag_factor_set(result.factor_set, kind))
