"""The inventory workflow: who may do what to an inventory in which state.

One table, `RULES`, is the whole state machine: for each action, the states
it starts from, the roles that may take it, the state it leads to, and what
it needs (a reason; figures calculated from the current data). The web's
services enforce it, its pages offer exactly the actions it allows, and a
test walks every (role, state, action). It must never import Django or know
about a database: the web asks it with plain values.

    draft --submit--> submitted --review--> reviewed --lock--> locked
      ^                   |                    |                 |
      +----send back------+--------------------+                 |
      (with a reason)                               restate: a new version (draft)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "CLIENT_SUBMITTERS",
    "RULES",
    "STAFF",
    "Action",
    "InventoryState",
    "Role",
    "Rule",
    "actions_open",
    "may",
    "move_for",
    "refusal",
]


class InventoryState(StrEnum):
    DRAFT = "draft"  # data is collected and changed
    SUBMITTED = "submitted"  # the client says the data is complete
    REVIEWED = "reviewed"  # the consultancy checked the figures
    LOCKED = "locked"  # published: never changes again; corrected by a restatement


class Role(StrEnum):
    CONSULTANCY_ADMIN = "consultancy_admin"
    CONSULTANT = "consultant"
    CLIENT_ADMIN = "client_admin"
    CONTRIBUTOR = "contributor"
    VIEWER = "viewer"
    AUDITOR = "auditor"  # read-only, until a date, and only what was submitted


class Action(StrEnum):
    VIEW = "view"  # see the inventory, its data, figures and audit log
    CHANGE_DATA = "change_data"  # upload or delete activity data
    CALCULATE = "calculate"  # run the engine over the data
    SUBMIT = "submit"
    REVIEW = "review"
    SEND_BACK = "send_back"  # back to draft, with the reason
    LOCK = "lock"
    RESTATE = "restate"  # open the next version of a locked inventory


STAFF = frozenset({Role.CONSULTANCY_ADMIN, Role.CONSULTANT})
# The client's people who may say their data is complete.
CLIENT_SUBMITTERS = frozenset({Role.CLIENT_ADMIN, Role.CONTRIBUTOR})
_EDITORS = STAFF | CLIENT_SUBMITTERS
_EVERYONE = frozenset(Role)
_ALL_STATES = frozenset(InventoryState)
_OPEN = frozenset({InventoryState.DRAFT, InventoryState.SUBMITTED, InventoryState.REVIEWED})


@dataclass(frozen=True, slots=True)
class Rule:
    """One action of the workflow."""

    action: Action
    states: frozenset[InventoryState]  # the states it may start from
    roles: frozenset[Role]  # who may take it
    to: InventoryState | None  # the state it leads to; None: the state stays
    needs_reason: bool = False  # a reason in words is required and recorded
    needs_current_figures: bool = False  # figures calculated from the data as it is now
    # Staff may take it only for a client with nobody of CLIENT_SUBMITTERS
    # (the client's own sign-off comes first when the client has people).
    staff_only_without_client_submitters: bool = False
    # Auditors see only what the client submitted: never a draft.
    hidden_from: frozenset[tuple[Role, InventoryState]] = frozenset()


RULES: dict[Action, Rule] = {
    rule.action: rule
    for rule in (
        Rule(
            Action.VIEW,
            _ALL_STATES,
            _EVERYONE,
            None,
            hidden_from=frozenset({(Role.AUDITOR, InventoryState.DRAFT)}),
        ),
        Rule(Action.CHANGE_DATA, frozenset({InventoryState.DRAFT}), _EDITORS, None),
        Rule(Action.CALCULATE, _OPEN, _EDITORS, None),
        Rule(
            Action.SUBMIT,
            frozenset({InventoryState.DRAFT}),
            _EDITORS,
            InventoryState.SUBMITTED,
            staff_only_without_client_submitters=True,
        ),
        Rule(
            Action.REVIEW,
            frozenset({InventoryState.SUBMITTED}),
            STAFF,
            InventoryState.REVIEWED,
            needs_current_figures=True,
        ),
        Rule(
            Action.SEND_BACK,
            frozenset({InventoryState.SUBMITTED, InventoryState.REVIEWED}),
            STAFF,
            InventoryState.DRAFT,
            needs_reason=True,
        ),
        Rule(
            Action.LOCK,
            frozenset({InventoryState.REVIEWED}),
            STAFF,
            InventoryState.LOCKED,
            needs_current_figures=True,
        ),
        Rule(
            Action.RESTATE,
            frozenset({InventoryState.LOCKED}),
            STAFF | {Role.CLIENT_ADMIN},
            None,  # the locked version stays; a new version opens in draft
        ),
    )
}


def _roles(roles: Iterable[Role | str]) -> frozenset[Role]:
    # The web's role choices have the same values: compare by value, never by identity.
    return frozenset(Role(str(r)) for r in roles)


def refusal(
    roles: Iterable[Role | str],
    state: InventoryState | str,
    action: Action,
    *,
    client_has_submitters: bool = True,
) -> str | None:
    """Why someone holding `roles` may not take `action` in `state`; None when they may.

    `client_has_submitters`: whether the organisation has a client admin or
    contributor (a consultant submits only for a client without one).
    """
    rule = RULES[action]
    held = _roles(roles)
    state = InventoryState(str(state))
    if state not in rule.states:
        if state is InventoryState.LOCKED:
            return "the inventory is locked: it never changes; restate it instead"
        starts = " or ".join(s.value for s in sorted(rule.states))
        return f"an inventory is {_verb(action)} only when it is {starts}, not {state.value}"
    allowed = held & rule.roles
    if allowed and all((role, state) in rule.hidden_from for role in held):
        allowed = frozenset()
    if (
        allowed
        and rule.staff_only_without_client_submitters
        and client_has_submitters
        and not (allowed & CLIENT_SUBMITTERS)
    ):
        return (
            "the client's own people submit their data; a consultant submits only "
            "for a client that has no client admin or contributor"
        )
    if not allowed:
        return f"your role does not allow this: {_verb(action)} needs " + ", ".join(
            sorted(r.value.replace("_", " ") for r in rule.roles)
        )
    return None


def may(
    roles: Iterable[Role | str],
    state: InventoryState | str,
    action: Action,
    *,
    client_has_submitters: bool = True,
) -> bool:
    """Whether someone holding `roles` may take `action` on an inventory in `state`."""
    return refusal(roles, state, action, client_has_submitters=client_has_submitters) is None


def actions_open(
    roles: Iterable[Role | str], state: InventoryState | str, *, client_has_submitters: bool = True
) -> tuple[Action, ...]:
    """The state-changing actions open to `roles` in `state`, in the table's order."""
    held = _roles(roles)
    return tuple(
        action
        for action, rule in RULES.items()
        if rule.to is not None
        and may(held, state, action, client_has_submitters=client_has_submitters)
    )


def move_for(source: InventoryState, to: InventoryState) -> Action | None:
    """The action that moves an inventory from `source` to `to`; None if no action does."""
    for action, rule in RULES.items():
        if rule.to is to and source in rule.states:
            return action
    return None


def _verb(action: Action) -> str:
    return {
        Action.VIEW: "seen",
        Action.CHANGE_DATA: "changed",
        Action.CALCULATE: "calculated",
        Action.SUBMIT: "submitted",
        Action.REVIEW: "reviewed",
        Action.SEND_BACK: "sent back",
        Action.LOCK: "locked",
        Action.RESTATE: "restated",
    }[action]
