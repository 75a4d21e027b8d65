"""Factor-set references: one way to name and find a set, for the CLI and the web alike."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from neutra.core.errors import FactorStoreError, InvalidInputError
from neutra.core.factors import Factor, FactorSet, GasAmount, Scope
from neutra.formats.factor_refs import FactorSetRef, load, resolve
from neutra.formats.factor_store import FactorStore
from neutra.formats.starter import starter_library


def _own(value: float = 0.2) -> FactorSet:
    factor = Factor(
        "gas",
        "kWh",
        (GasAmount("CO2e", value / 1000),),
        activity="fuel.natural_gas",
        gwp_set="AR5",
        scope=Scope.S1,
    )
    return FactorSet("own-factors", (factor,), source="our supplier")


def test_a_reference_is_a_name_or_a_name_at_a_version():
    assert FactorSetRef.parse("desnz-2025") == FactorSetRef("desnz-2025", None)
    assert FactorSetRef.parse("own@0123456789abcdef") == FactorSetRef("own", "0123456789abcdef")
    assert str(FactorSetRef("own", "0123456789abcdef")) == "own@0123456789abcdef"
    assert FactorSetRef.of_pin({"name": "egrid", "version": "abc"}) == FactorSetRef("egrid", "abc")


def test_a_starter_set_is_found_by_name_as_by_the_version_an_inventory_pins():
    desnz = {s.name: s for s in starter_library()}["desnz-2025"]
    assert load(FactorSetRef("desnz-2025")) is desnz
    assert load(FactorSetRef("desnz-2025", desnz.version)) is desnz


def test_a_stored_set_is_found_by_name_and_by_each_version(tmp_path: Path):
    store = FactorStore(tmp_path)
    first, second = _own(0.2), _own(0.3)
    store.save(first)
    store.save(second)
    assert load(FactorSetRef("own-factors"), store).version == second.version  # the newest
    assert load(FactorSetRef("own-factors", first.version), store).version == first.version


def test_every_reference_that_cannot_be_found_is_listed_at_once(tmp_path: Path):
    refs = [
        FactorSetRef("desnz-2025"),
        FactorSetRef("no-such-set"),
        FactorSetRef("egrid", "ffffffffffffffff"),
        FactorSetRef("../etc", None),
        FactorSetRef("own", "../../passwd"),
    ]
    with pytest.raises(InvalidInputError) as caught:
        resolve(refs, FactorStore(tmp_path), subject="inventory", field="factor_sets")
    problems = caught.value.problems
    assert [p.column for p in problems] == [
        "factor_sets[1]",
        "factor_sets[2]",
        "factor_sets[3].name",
        "factor_sets[4].version",
    ]
    assert "no factor set named 'no-such-set'" in problems[0].reason
    assert "desnz-2025" in problems[0].reason  # the starter sets are named as choices
    assert problems[3].reason == "a set version is its 16-hex-digit content hash"


def test_a_set_missing_at_first_is_found_once_imported(tmp_path: Path):
    store = FactorStore(tmp_path)
    wanted = FactorSetRef("own-factors", _own().version)
    with pytest.raises(FactorStoreError):
        load(wanted, store)
    store.save(_own())
    assert load(wanted, store) == _own()


def test_a_stored_version_whose_content_was_changed_is_refused(tmp_path: Path):
    store = FactorStore(tmp_path)
    own = _own()
    store.save(own)
    path = tmp_path / "factor_sets" / own.name / f"{own.version}.json"
    data = json.loads(path.read_text())
    data["factors"][0]["gases"][0][1] = 0.9  # edited by hand: no longer its version
    path.write_text(json.dumps(data))
    with pytest.raises(FactorStoreError, match="does not match its content"):
        load(FactorSetRef(own.name, own.version), store)


def test_the_same_pinned_version_is_read_once_per_factor_store(tmp_path: Path):
    store = FactorStore(tmp_path)
    own = _own()
    store.save(own)
    ref = FactorSetRef(own.name, own.version)
    assert load(ref, store) is load(ref, store)
    other = FactorStore(tmp_path / "elsewhere")
    with pytest.raises(FactorStoreError):
        load(ref, other)  # another NEUTRA_HOME does not hold it: nothing leaks across homes
