"""The organisational boundary: which share of each entity's emissions a report includes.

An organisation is a tree of entities (companies, sites, joint ventures). Each
link says what the parent holds in the entity: its equity share and whether it
has financial and operational control. Under the approach an inventory picks
(GHG Protocol Corporate Standard, ch. 3) the share of an entity's emissions
that is included multiplies down the tree.

It must never read files, and never hold a boundary that breaks its invariants:
a `Boundary` checks itself when it is made.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from neutra.core.errors import InvalidInputError, Problem

__all__ = [
    "Approach",
    "Boundary",
    "Control",
    "EntityLink",
    "LinkIssue",
    "find_link_issues",
]


class Approach(StrEnum):
    """How an inventory draws its organisational boundary."""

    EQUITY = "equity"
    FINANCIAL = "financial"
    OPERATIONAL = "operational"


class Control(StrEnum):
    """The control a parent has over an entity, financial or operational."""

    FULL = "full"
    JOINT = "joint"  # shared with partners: accounted by equity share (GHG Protocol ch. 3)
    NONE = "none"


@dataclass(frozen=True, slots=True)
class EntityLink:
    """One entity and what its parent holds in it."""

    entity: str  # the entity's name, unique in the boundary
    parent: str | None  # the parent's name; None for a root (the reporter itself)
    equity_share: float  # the parent's holding, a fraction 0-1; 1 for a root
    financial_control: Control  # the parent's financial control; FULL for a root
    operational_control: Control  # the parent's operational control; FULL for a root

    @property
    def is_root(self) -> bool:
        return self.parent is None

    def share(self, approach: Approach) -> float:
        """The fraction of this entity its parent includes under `approach`."""
        if approach is Approach.EQUITY:
            return self.equity_share
        control = (
            self.financial_control if approach is Approach.FINANCIAL else self.operational_control
        )
        if control is Control.FULL:
            return 1.0
        if control is Control.JOINT:
            return self.equity_share
        return 0.0


@dataclass(frozen=True, slots=True)
class LinkIssue:
    """One thing wrong with a set of links, and which link (and field) it is in."""

    index: int | None  # position of the link in the input; None for the whole set
    field: str  # the EntityLink field at fault ("entity", "parent", "equity_share", ...)
    value: str | None  # the offending value, as text
    reason: str  # what is wrong, in words a user can act on


def find_link_issues(links: Iterable[EntityLink]) -> list[LinkIssue]:
    """Every way `links` fail to form a boundary (empty list when they form one).

    File readers map each issue's index back to a row, so that all problems
    reach the user at once.
    """
    links = tuple(links)
    issues = _value_issues(links) + _duplicate_issues(links)
    known = {link.entity for link in links}
    issues += _unknown_parent_issues(links, known)
    issues += _cycle_issues(links, known)
    if links and not any(link.is_root for link in links):
        issues.append(
            LinkIssue(
                None, "parent", None, "no root entity: leave the parent of the reporter empty"
            )
        )
    return issues


def _value_issues(links: tuple[EntityLink, ...]) -> list[LinkIssue]:
    issues = []
    for index, link in enumerate(links):
        if not link.entity:
            issues.append(LinkIssue(index, "entity", "", "the entity has no name"))
        if not 0.0 <= link.equity_share <= 1.0:  # also rejects NaN
            issues.append(
                LinkIssue(index, "equity_share", str(link.equity_share), "shares are fractions 0-1")
            )
        if link.is_root:
            issues += _root_issues(index, link)
    return issues


def _root_issues(index: int, link: EntityLink) -> list[LinkIssue]:
    # A root is the reporter itself: it holds all of itself, so any other value
    # would silently scale the whole report.
    why = "a root entity (no parent) is the reporter itself"
    issues = []
    if link.equity_share != 1.0:
        issues.append(
            LinkIssue(index, "equity_share", str(link.equity_share), f"{why}: its share is 1")
        )
    for name in ("financial_control", "operational_control"):
        control = getattr(link, name)
        if control is not Control.FULL:
            issues.append(LinkIssue(index, name, str(control), f"{why}: its control is full"))
    return issues


def _duplicate_issues(links: tuple[EntityLink, ...]) -> list[LinkIssue]:
    first_index: dict[str, int] = {}
    issues = []
    for index, link in enumerate(links):
        if link.entity in first_index:
            issues.append(
                LinkIssue(
                    index,
                    "entity",
                    link.entity,
                    f"duplicate entity (first listed at position {first_index[link.entity] + 1})",
                )
            )
        else:
            first_index[link.entity] = index
    return issues


def _unknown_parent_issues(links: tuple[EntityLink, ...], known: set[str]) -> list[LinkIssue]:
    return [
        LinkIssue(index, "parent", link.parent, "unknown parent: it is not listed as an entity")
        for index, link in enumerate(links)
        if link.parent is not None and link.parent not in known
    ]


def _cycle_issues(links: tuple[EntityLink, ...], known: set[str]) -> list[LinkIssue]:
    """One issue per link that lies on a cycle of parents, naming the cycle."""
    parent_of = {link.entity: link.parent for link in links}  # duplicates: last wins
    issues = []
    for index, link in enumerate(links):
        path = [link.entity]
        current = link.parent
        # Walk up at most len(known) steps: a longer walk can only be a cycle.
        while current is not None and current in known and len(path) <= len(known):
            if current == link.entity:
                chain = " -> ".join([*path, current])
                issues.append(LinkIssue(index, "parent", link.parent, f"cycle of parents: {chain}"))
                break
            path.append(current)
            current = parent_of[current]
    return issues


@dataclass(frozen=True, slots=True)
class Boundary:
    """A valid tree (or forest) of entity links."""

    links: tuple[EntityLink, ...]  # one per entity, in the order given

    def __post_init__(self) -> None:
        object.__setattr__(self, "links", tuple(self.links))
        self.check_invariants()

    def check_invariants(self) -> None:
        """Raise `InvalidInputError` unless entities are unique, parents known,
        the links acyclic, shares in 0-1 and at least one entity a root."""
        issues = find_link_issues(self.links)
        if issues:
            raise InvalidInputError(
                [
                    Problem("boundary", None, issue.field, issue.value, _located(issue, self))
                    for issue in issues
                ],
                message=f"{len(issues)} problem(s) in the organisational boundary",
            )

    @property
    def entities(self) -> tuple[str, ...]:
        """Entity names, in the order given."""
        return tuple(link.entity for link in self.links)

    def inclusion_shares(self, approach: Approach) -> dict[str, float]:
        """Entity -> fraction of its emissions included, sorted by entity name."""
        by_entity = {link.entity: link for link in self.links}
        done: dict[str, float] = {}
        return {
            entity: _inclusion_share(entity, by_entity, approach, done)
            for entity in sorted(by_entity)
        }


def _inclusion_share(
    entity: str, by_entity: dict[str, EntityLink], approach: Approach, done: dict[str, float]
) -> float:
    # Iterative walk up to the nearest entity already computed (or a root), so
    # deep trees cost linear time and never hit the recursion limit.
    chain: list[EntityLink] = []
    current: str | None = entity
    while current is not None and current not in done:
        link = by_entity[current]
        chain.append(link)
        current = link.parent
    share = 1.0 if current is None else done[current]
    for link in reversed(chain):
        share *= link.share(approach)
        done[link.entity] = share
    return share


def _located(issue: LinkIssue, boundary: Boundary) -> str:
    if issue.index is None:
        return issue.reason
    return f"entity {boundary.links[issue.index].entity!r}: {issue.reason}"
