"""The inventory workflow's table: every (role, state, action) against a hand-written answer."""

from __future__ import annotations

import itertools

import pytest

from neutra.core.workflow import (
    RULES,
    Action,
    InventoryState,
    Role,
    actions_open,
    may,
    move_for,
    refusal,
)

D, S, R, L = (
    InventoryState.DRAFT,
    InventoryState.SUBMITTED,
    InventoryState.REVIEWED,
    InventoryState.LOCKED,
)
CA, CO, CLA, CTR, V, AU = (
    Role.CONSULTANCY_ADMIN,
    Role.CONSULTANT,
    Role.CLIENT_ADMIN,
    Role.CONTRIBUTOR,
    Role.VIEWER,
    Role.AUDITOR,
)

# Written out by hand from the issue and docs/web.md, not derived from RULES:
# (role, state, action) -> allowed, for a client that has its own people.
ALLOWED: set[tuple[Role, InventoryState, Action]] = set()
for role in Role:
    for state in InventoryState:
        if not (role is AU and state is D):
            ALLOWED.add((role, state, Action.VIEW))
for role in (CA, CO, CLA, CTR):
    ALLOWED.add((role, D, Action.CHANGE_DATA))
    for state in (D, S, R):
        ALLOWED.add((role, state, Action.CALCULATE))
for role in (CLA, CTR):
    ALLOWED.add((role, D, Action.SUBMIT))
for role in (CA, CO):
    ALLOWED |= {
        (role, S, Action.REVIEW),
        (role, S, Action.SEND_BACK),
        (role, R, Action.SEND_BACK),
        (role, R, Action.LOCK),
        (role, L, Action.RESTATE),
    }
ALLOWED.add((CLA, L, Action.RESTATE))

EVERY = list(itertools.product(Role, InventoryState, Action))


@pytest.mark.parametrize(("role", "state", "action"), EVERY)
def test_the_table_allows_exactly_what_the_hand_written_table_allows(
    role: Role, state: InventoryState, action: Action
) -> None:
    assert may([role], state, action) is ((role, state, action) in ALLOWED)


def test_a_consultant_submits_only_for_a_client_without_its_own_people() -> None:
    assert not may([CO], D, Action.SUBMIT, client_has_submitters=True)
    assert may([CO], D, Action.SUBMIT, client_has_submitters=False)
    assert may([CA], D, Action.SUBMIT, client_has_submitters=False)
    reason = refusal([CO], D, Action.SUBMIT)
    assert reason is not None
    assert "no client admin or contributor" in reason
    # Nobody else gains anything from a client without people.
    for role in (V, AU):
        assert not may([role], D, Action.SUBMIT, client_has_submitters=False)


def test_a_viewer_who_is_also_an_auditor_still_sees_drafts() -> None:
    assert may([AU, V], D, Action.VIEW)
    assert not may([AU], D, Action.VIEW)


def test_moves_lead_where_the_diagram_says_and_send_back_needs_a_reason() -> None:
    assert [move_for(a, b) for a, b in ((D, S), (S, R), (R, L), (S, D), (R, D))] == [
        Action.SUBMIT,
        Action.REVIEW,
        Action.LOCK,
        Action.SEND_BACK,
        Action.SEND_BACK,
    ]
    assert move_for(D, L) is None
    assert move_for(L, D) is None
    assert move_for(R, S) is None
    assert [a for a, rule in RULES.items() if rule.needs_reason] == [Action.SEND_BACK]
    assert {a for a, rule in RULES.items() if rule.needs_current_figures} == {
        Action.REVIEW,
        Action.LOCK,
    }


def test_the_moves_open_to_a_consultant_on_a_reviewed_inventory_are_send_back_and_lock() -> None:
    assert actions_open([CO], R) == (Action.SEND_BACK, Action.LOCK)
    assert actions_open([V], R) == ()
    assert actions_open([CTR], D) == (Action.SUBMIT,)


def test_a_locked_inventory_is_told_to_be_restated() -> None:
    reason = refusal([CO], L, Action.SEND_BACK)
    assert reason is not None
    assert "restate it" in reason


def test_web_roles_and_states_have_the_core_values() -> None:
    # The web's Django choices compare with the core enums by value.
    assert {r.value for r in Role} == {
        "consultancy_admin",
        "consultant",
        "client_admin",
        "contributor",
        "viewer",
        "auditor",
    }
    assert [s.value for s in InventoryState] == ["draft", "submitted", "reviewed", "locked"]
