"""Dated registry rules, as data with their sources (DOMAIN.md §6, DESIGN.md §5.1).

A rule refuses a transfer from one kind of registry to another when the
transfer is dated after the rule's last allowed day. The dates are the ends of
the Kyoto Protocol's international transfers; DOMAIN.md marks the ITL date as
"check", so the rules are a tuple a caller can replace, not code.

It must never refuse a voluntary cancellation in the CDM registry: that path
stays open (DOMAIN.md §6).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "PROGRAMME_REGISTRIES",
    "REGISTRY_RULES",
    "RegistryKind",
    "TransferRule",
    "broken_rule",
    "registry_kind",
]


class RegistryKind(StrEnum):
    CDM = "cdm"  # the UN CDM registry
    NATIONAL = "national"  # a party's national (Kyoto) registry, by ISO 3166 code
    A64 = "a6.4"  # the Article 6.4 mechanism registry
    PROGRAMME = "programme"  # a voluntary programme's registry (GS, VERRA, ...)


_PARTY = re.compile(r"[A-Z]{2}")
# Registries of programmes whose codes could pass for a party's ISO code.
PROGRAMME_REGISTRIES = frozenset({"GS", "VERRA", "VCS", "ACR", "CAR", "PURO"})


def registry_kind(code: str) -> RegistryKind:
    """What kind of registry a ledger's registry code names."""
    code = code.strip().upper()
    if code == "CDM":
        return RegistryKind.CDM
    if code == "A6.4":
        return RegistryKind.A64
    if code in PROGRAMME_REGISTRIES:
        return RegistryKind.PROGRAMME
    if _PARTY.fullmatch(code):
        return RegistryKind.NATIONAL
    return RegistryKind.PROGRAMME


@dataclass(frozen=True, slots=True)
class TransferRule:
    """Transfers from one kind of registry to another are refused after a date."""

    rule_id: str
    from_kind: RegistryKind
    to_kind: RegistryKind
    last_allowed: dt.date  # a transfer dated after this day is refused
    reason: str  # why, in words a user understands
    source: str  # where the rule comes from


REGISTRY_RULES: tuple[TransferRule, ...] = (
    TransferRule(
        rule_id="kp-national-to-national",
        from_kind=RegistryKind.NATIONAL,
        to_kind=RegistryKind.NATIONAL,
        last_allowed=dt.date(2023, 9, 9),
        reason="international transfers of Kyoto units between national registries "
        "ended on 9 September 2023",
        source="DOMAIN.md §6: end of the additional period for fulfilling commitments "
        "under the Kyoto Protocol's second commitment period (UNFCCC)",
    ),
    TransferRule(
        rule_id="kp-cdm-to-national",
        from_kind=RegistryKind.CDM,
        to_kind=RegistryKind.NATIONAL,
        last_allowed=dt.date(2026, 3, 31),
        reason="forwards from the CDM registry to national registries ended when the "
        "International Transaction Log stopped on 31 March 2026; cancel in the CDM "
        "registry instead",
        source="DOMAIN.md §6 (check): the ITL stopped on 31 March 2026 (UNFCCC)",
    ),
)


def broken_rule(
    from_registry: str,
    to_registry: str,
    on: dt.date,
    rules: tuple[TransferRule, ...] = REGISTRY_RULES,
) -> TransferRule | None:
    """The rule a transfer between two registries on a date breaks, or None."""
    if from_registry.strip().upper() == to_registry.strip().upper():
        return None  # between accounts of one registry: not international
    source, target = registry_kind(from_registry), registry_kind(to_registry)
    for rule in rules:
        if rule.from_kind is source and rule.to_kind is target and on > rule.last_allowed:
            return rule
    return None
