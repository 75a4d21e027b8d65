"""The organisational boundary: inclusion shares multiply down the group tree."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from neutra.core.boundary import (
    Approach,
    Boundary,
    Control,
    EntityLink,
    find_link_issues,
)
from neutra.core.errors import InvalidInputError

FULL, JOINT, NONE = Control.FULL, Control.JOINT, Control.NONE


def root(name: str = "Parent") -> EntityLink:
    return EntityLink(name, None, 1.0, FULL, FULL)


def domain_case() -> Boundary:
    # DOMAIN.md §1: the parent owns 83% of A (full control); A holds 50% of the
    # joint venture B under joint financial control, operated by the partner.
    return Boundary(
        (
            root(),
            EntityLink("A", "Parent", 0.83, FULL, FULL),
            EntityLink("B", "A", 0.5, JOINT, NONE),
        )
    )


def test_the_domain_worked_case_gives_b_the_documented_shares() -> None:
    boundary = domain_case()
    assert boundary.inclusion_shares(Approach.EQUITY)["B"] == 0.415
    assert boundary.inclusion_shares(Approach.FINANCIAL)["B"] == 0.5
    assert boundary.inclusion_shares(Approach.OPERATIONAL)["B"] == 0.0


def test_a_fully_controlled_subsidiary_is_included_whole_under_control_approaches() -> None:
    boundary = domain_case()
    assert boundary.inclusion_shares(Approach.EQUITY)["A"] == 0.83
    assert boundary.inclusion_shares(Approach.FINANCIAL)["A"] == 1.0
    assert boundary.inclusion_shares(Approach.OPERATIONAL)["A"] == 1.0
    assert boundary.inclusion_shares(Approach.EQUITY)["Parent"] == 1.0


def test_inclusion_shares_list_every_entity_sorted_by_name() -> None:
    boundary = domain_case()
    assert list(boundary.inclusion_shares(Approach.EQUITY)) == ["A", "B", "Parent"]
    assert boundary.entities == ("Parent", "A", "B")


def test_an_entity_below_an_uncontrolled_one_is_excluded_under_that_control_approach() -> None:
    boundary = Boundary(
        (
            root(),
            EntityLink("Associate", "Parent", 0.3, NONE, NONE),
            EntityLink("Plant", "Associate", 1.0, FULL, FULL),
        )
    )
    assert boundary.inclusion_shares(Approach.OPERATIONAL)["Plant"] == 0.0
    assert boundary.inclusion_shares(Approach.EQUITY)["Plant"] == 0.3


def test_a_boundary_with_an_unknown_parent_is_refused_naming_the_entity() -> None:
    with pytest.raises(InvalidInputError) as caught:
        Boundary((root(), EntityLink("A", "Nobody", 0.5, FULL, FULL)))
    (problem,) = caught.value.problems
    assert problem.column == "parent"
    assert "'A'" in problem.reason
    assert "unknown parent" in problem.reason


def test_a_cycle_of_parents_is_reported_on_every_entity_in_it() -> None:
    links = (
        root(),
        EntityLink("A", "B", 0.5, FULL, FULL),
        EntityLink("B", "A", 0.5, FULL, FULL),
    )
    issues = find_link_issues(links)
    assert [(i.index, i.field) for i in issues] == [(1, "parent"), (2, "parent")]
    assert "A -> B -> A" in issues[0].reason


def test_links_without_a_root_are_refused() -> None:
    issues = find_link_issues((EntityLink("A", "A", 0.5, FULL, FULL),))
    assert any(i.index is None and "no root" in i.reason for i in issues)


def test_duplicate_entities_and_shares_outside_zero_to_one_are_each_reported() -> None:
    issues = find_link_issues(
        (
            root(),
            EntityLink("A", "Parent", 1.5, FULL, FULL),
            EntityLink("A", "Parent", 0.2, FULL, FULL),
        )
    )
    assert [(i.index, i.field) for i in issues] == [(1, "equity_share"), (2, "entity")]


def test_a_root_must_hold_all_of_itself() -> None:
    issues = find_link_issues((EntityLink("Parent", None, 0.5, FULL, JOINT),))
    assert [i.field for i in issues] == ["equity_share", "operational_control"]


# A random tree: entity i's parent is some entity before it, so it is acyclic.
@st.composite
def trees(draw: st.DrawFn) -> Boundary:
    size = draw(st.integers(1, 12))
    links = [root("E0")]
    controls = st.sampled_from(list(Control))
    for i in range(1, size):
        parent = draw(st.integers(0, i - 1))
        share = draw(st.floats(0.0, 1.0))
        links.append(EntityLink(f"E{i}", f"E{parent}", share, draw(controls), draw(controls)))
    return Boundary(tuple(links))


@given(trees(), st.sampled_from(list(Approach)))
def test_inclusion_shares_stay_in_zero_to_one_and_never_exceed_the_parents(
    boundary: Boundary, approach: Approach
) -> None:
    boundary.check_invariants()
    shares = boundary.inclusion_shares(approach)
    for link in boundary.links:
        assert 0.0 <= shares[link.entity] <= 1.0
        if link.parent is not None:
            assert shares[link.entity] <= shares[link.parent]
            assert shares[link.entity] == shares[link.parent] * link.share(approach)
