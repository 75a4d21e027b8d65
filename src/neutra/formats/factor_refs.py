"""References to factor sets, and the one way they are looked up (CLI and web alike).

A reference is `name` or `name@version` (`FactorSetRef`); an inventory pins
`{"name", "version"}`, the same reference with its version. `resolve` finds
each in the starter library first (by name, or by name and version), then in
the local factor store under NEUTRA_HOME (`name`: its newest version,
`name@version`: that one), and raises every reference it cannot find at once
as `InvalidInputError`. A set's version is its content hash, so a loaded
version never changes: it is kept, per store folder (the NEUTRA_HOME it was
read from), for as long as the process lives. A miss is never remembered:
the set may be imported later.

It must never read a path built from an unchecked name or version.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from neutra.core.errors import FactorStoreError, InvalidInputError, NeutraError, Problem
from neutra.core.factors import SET_NAME, SET_VERSION, FactorSet
from neutra.formats.factor_store import FactorStore
from neutra.formats.starter import starter_library

__all__ = ["FactorSetRef", "load", "resolve"]


@dataclass(frozen=True, slots=True)
class FactorSetRef:
    """A factor set as a user names it: `name`, or `name@version` for one exact version."""

    name: str  # the set's name, e.g. "desnz-2025"
    version: str | None = None  # its 16-hex-digit content hash; None: the set's current one

    @classmethod
    def parse(cls, text: str) -> FactorSetRef:
        """`name` or `name@version`, as typed (check it with `problems`)."""
        name, at, version = text.strip().partition("@")
        return cls(name, version if at else None)

    @classmethod
    def of_pin(cls, pin: object) -> FactorSetRef:
        """An inventory's pin `{"name", "version"}` (check it with `problems`)."""
        if not isinstance(pin, Mapping):
            return cls("", "")
        return cls(str(pin.get("name", "")), str(pin.get("version", "")))

    def problems(self, subject: str, column: str | None = None) -> list[Problem]:
        """What is wrong with the reference's shape: a bad name, a bad version."""
        found = []
        if not SET_NAME.match(self.name):
            found.append(
                Problem(
                    subject,
                    None,
                    f"{column}.name" if column else None,
                    self.name[:200],
                    "a set name is letters, digits, '.', '_' or '-' (at most 80)",
                )
            )
        if self.version is not None and not SET_VERSION.match(self.version):
            found.append(
                Problem(
                    subject,
                    None,
                    f"{column}.version" if column else None,
                    self.version[:200],
                    "a set version is its 16-hex-digit content hash",
                )
            )
        return found

    def as_pin(self) -> dict[str, str]:
        """The stored shape of an inventory's pin (a version is required)."""
        assert self.version is not None, "a pin names its version"
        return {"name": self.name, "version": self.version}

    def __str__(self) -> str:
        return self.name if self.version is None else f"{self.name}@{self.version}"


def load(ref: FactorSetRef, store: FactorStore | None = None) -> FactorSet:
    """One set: the starter library's, else the store's. Raises `FactorStoreError`."""
    if ref.problems("reference"):
        raise FactorStoreError(
            f"{str(ref)[:200]!r} is not a factor set reference", reference=str(ref)
        )
    for factor_set in starter_library():
        if factor_set.name == ref.name and ref.version in (None, factor_set.version):
            return factor_set
    store = store or FactorStore()
    if ref.version is None and not (store.root / ref.name).is_dir():
        starter = ", ".join(s.name for s in starter_library())
        stored = ", ".join(s.name for s in store.list() if s.current) or "none yet"
        raise FactorStoreError(
            f"no factor set named {ref.name!r} (starter library: {starter}; stored: {stored}); "
            "import one with `neutra factors import csv PATH --name NAME`",
            reference=str(ref),
        )
    if ref.version is None:
        return store.load(ref.name)  # the newest version: may change, never kept
    key = (store.root.resolve(), ref.name, ref.version)
    with _LOCK:
        found = _LOADED.get(key)
    if found is None:
        try:
            found = store.load(str(ref))
        except ValueError as error:  # the file's content no longer hashes to its version
            raise FactorStoreError(str(error), reference=str(ref)) from None
        if found.version != ref.version:
            raise FactorStoreError(
                f"the stored factor set {ref} no longer has that content (it hashes to "
                f"{found.version}); it cannot be used",
                reference=str(ref),
            )
        with _LOCK:
            _LOADED[key] = found
    return found


def resolve(
    refs: Sequence[FactorSetRef],
    store: FactorStore | None = None,
    *,
    subject: str = "--factors",
    field: str | None = None,
) -> tuple[FactorSet, ...]:
    """Every referenced set, in the given order; or every problem at once.

    Problems name `subject` (the option or the record) and, with `field`,
    the column `field[i]` of the i-th reference.
    """
    store = store or FactorStore()
    problems: list[Problem] = []
    sets: list[FactorSet] = []
    for index, ref in enumerate(refs):
        column = f"{field}[{index}]" if field else None
        shape = ref.problems(subject, column)
        if shape:
            problems += shape
            continue
        try:
            sets.append(load(ref, store))
        except NeutraError as error:
            reason = f"factor set {ref} cannot be found: {error.message}"
            problems.append(Problem(subject, None, column, str(ref), reason))
    if problems:
        raise InvalidInputError(problems)
    return tuple(sets)


# (store folder, name, version) -> the set: a version's content is fixed by its hash.
_LOADED: dict[tuple[Path, str, str], FactorSet] = {}
_LOCK = threading.Lock()
