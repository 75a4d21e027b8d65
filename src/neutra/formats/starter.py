"""The starter factor library shipped with Neutra: offline, cited, in the project's own schema.

`src/neutra/data/starter/sets.csv` lists the sets in priority order with the
citation and licence of each; every set is a custom factor file (DESIGN.md
§3.2) built by `tools/build_starter_library.py` from the publishers' files.
A footprint without `--factors` uses these sets, in that order.

It must never change a figure: the files hold the publishers' numbers as imported.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib.resources import as_file, files

from neutra.core.factors import FactorSet
from neutra.formats.factor_csv import read_factor_csv

__all__ = ["starter_library"]


@cache
def starter_library() -> tuple[FactorSet, ...]:
    """The starter sets, in the order a footprint searches them."""
    folder = files("neutra.data") / "starter"
    manifest = csv.DictReader(io.StringIO((folder / "sets.csv").read_text(encoding="utf-8")))
    sets = []
    for entry in manifest:
        with as_file(folder / entry["file"]) as path:
            sets.append(
                read_factor_csv(
                    path, name=entry["name"], source=entry["source"], licence=entry["licence"]
                )
            )
    return tuple(sets)
