"""A factor set keeps its invariants: unique ids, CO2e with its GWP set, version = content."""

from __future__ import annotations

import pytest

from neutra.core.factors import Factor, FactorSet, GasAmount, Scope


def _factor(factor_id: str, gas: str = "CO2", gwp_set: str | None = None) -> Factor:
    return Factor(
        factor_id, "kWh", (GasAmount(gas, 0.0002),), activity="fuel.natural_gas",
        scope=Scope.S1, gwp_set=gwp_set,
    )  # fmt: skip


def test_a_set_of_distinct_factors_holds_its_invariants_sorted_by_id():
    factor_set = FactorSet("mine", (_factor("b"), _factor("a", "CO2e", "AR5")))
    factor_set.check_invariants()
    assert [f.factor_id for f in factor_set] == ["a", "b"]
    assert factor_set.get("a") is factor_set.factors[0]


def test_two_factors_with_one_id_are_refused():
    with pytest.raises(ValueError, match="duplicate factor ids"):
        FactorSet("mine", (_factor("a"), _factor("a", "CH4")))


def test_a_co2e_factor_must_name_the_gwp_set_it_was_made_with():
    with pytest.raises(ValueError, match="factor a is in CO2e but names no GWP set"):
        FactorSet("mine", (_factor("a", "CO2e"),))


def test_a_version_that_is_not_the_hash_of_the_content_is_refused():
    made = FactorSet("mine", (_factor("a"),))
    assert len(made.version) == 16
    assert FactorSet("mine", (_factor("a"),), version=made.version) == made
    with pytest.raises(ValueError, match="does not match its content"):
        FactorSet("mine", (_factor("a"),), version="0" * 16)


def test_the_version_changes_with_any_figure_and_only_with_the_content():
    base = FactorSet("mine", (_factor("a"),))
    renamed = FactorSet("theirs", (_factor("a"),))
    changed = FactorSet("mine", (Factor("a", "kWh", (GasAmount("CO2", 0.0003),)),))
    assert renamed.version == base.version  # the name is not content
    assert changed.version != base.version
