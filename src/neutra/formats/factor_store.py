"""The local factor store: imported factor sets, one immutable file per version.

Layout under NEUTRA_HOME: `factor_sets/<name>/<version>.json` and a `CURRENT`
file naming the version of that name imported last (the one `NAME` means;
`NAME@VERSION` names any other). Importing the same content again
is a no-op; new content under an old name adds a version and never overwrites.

It must never change a stored version.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from neutra.core.errors import FactorStoreError
from neutra.core.factors import SET_NAME, SET_VERSION, FactorSet
from neutra.formats.factor_import import EnergyConversion
from neutra.settings import neutra_home

__all__ = ["FactorStore", "StoredSet"]


@dataclass(frozen=True, slots=True)
class StoredSet:
    """One stored version of a factor set."""

    name: str  # the set's name
    version: str  # its content hash
    factors: int  # how many factors it holds
    source: str | None  # its citation
    current: bool  # whether it is the newest version of its name


class FactorStore:
    """Factor sets saved on this machine."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (root or neutra_home()) / "factor_sets"

    def save(self, factor_set: FactorSet, conversions: Sequence[EnergyConversion] = ()) -> bool:
        """Store a set (and the publisher's energy conversions beside it).

        False when this exact version was already there.
        """
        if not SET_NAME.match(factor_set.name):
            raise FactorStoreError(
                f"factor set name {factor_set.name!r} must be letters, digits, '.', '_' or '-'",
                name=factor_set.name,
            )
        folder = self.root / factor_set.name
        target = folder / f"{factor_set.version}.json"
        created = not target.exists()
        folder.mkdir(parents=True, exist_ok=True)
        if created:
            _atomic_write(target, json.dumps(factor_set.as_dict(), sort_keys=True, indent=1))
            if conversions:
                rows = [asdict(c) for c in conversions]
                _atomic_write(
                    folder / f"{factor_set.version}.conversions.json", json.dumps(rows, indent=1)
                )
        _atomic_write(folder / "CURRENT", factor_set.version)
        return created

    def load(self, reference: str) -> FactorSet:
        """A set by `name` (its newest version) or `name@version`."""
        name, _, version = reference.partition("@")
        folder = self.root / name
        if not SET_NAME.match(name) or not folder.is_dir():
            known = ", ".join(s.name for s in self.list() if s.current) or "none yet"
            raise FactorStoreError(
                f"no factor set named {name!r} (stored: {known}); import one with "
                "`neutra factors import csv PATH --name NAME`",
                reference=reference,
            )
        version = version or (folder / "CURRENT").read_text().strip()
        path = folder / f"{version}.json"
        if not SET_VERSION.match(version) or not path.is_file():
            raise FactorStoreError(
                f"factor set {name!r} has no version {version!r}", reference=reference
            )
        return FactorSet.from_dict(json.loads(path.read_text()))

    def list(self) -> list[StoredSet]:
        if not self.root.is_dir():
            return []
        found = []
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir()):
            current_file = folder / "CURRENT"
            current = current_file.read_text().strip() if current_file.exists() else ""
            for path in sorted(p for p in folder.glob("*.json") if p.name.count(".") == 1):
                data = json.loads(path.read_text())
                found.append(
                    StoredSet(
                        name=data["name"],
                        version=data["version"],
                        factors=len(data["factors"]),
                        source=data.get("source"),
                        current=data["version"] == current,
                    )
                )
        return found


def _atomic_write(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(handle, "w") as out:
        out.write(text)
    os.replace(temporary, path)
