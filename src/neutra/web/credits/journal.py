"""The credits journal: append-only, each entry carrying the hash of the one before.

`journal_append` is called by the services inside their transaction, after
the changes it records. `journal_verify` recomputes the chain from the
database and names every entry that was changed, removed or inserted around
the services (e.g. by SQL typed at the database).

It must never rewrite an entry; a broken chain is reported, not repaired.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from neutra.web.credits.models import CreditTransaction, JournalEntry
from neutra.web.tenancy.models import Consultancy

__all__ = ["GENESIS", "JournalBreak", "entry_hash", "journal_append", "journal_verify"]

GENESIS = "0" * 64  # the previous hash of a consultancy's first entry


def entry_hash(
    *, previous_hash: str, seq: int, at: str, action: str, txn: int | None, payload: Any
) -> str:
    """SHA-256 over the previous hash and the entry's canonical JSON (sorted keys)."""
    body = json.dumps(
        {"seq": seq, "at": at, "action": action, "transaction": txn, "payload": payload},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(f"{previous_hash}\n{body}".encode()).hexdigest()


def journal_append(
    *,
    consultancy: Consultancy,
    action: str,
    payload: dict[str, Any],
    by: User | None,
    transaction: CreditTransaction | None = None,
) -> JournalEntry:
    """Add an entry at the end of the consultancy's chain (call inside `transaction.atomic`)."""
    # The race: two writers reading the same last entry would both append seq n+1
    # on the same previous hash, forking the chain. Locking the consultancy's row
    # makes the second wait for the first's commit; the unique (consultancy, seq)
    # constraint is the last guard.
    Consultancy.objects.select_for_update().filter(pk=consultancy.pk).first()
    last = JournalEntry.objects.filter(consultancy=consultancy).order_by("-seq").first()
    seq = 1 if last is None else last.seq + 1
    previous = GENESIS if last is None else last.entry_hash
    entry = JournalEntry(
        consultancy=consultancy,
        seq=seq,
        actor=by,
        action=action,
        transaction=transaction,
        payload=payload,
        previous_hash=previous,
    )
    entry.entry_hash = entry_hash(
        previous_hash=previous,
        seq=seq,
        at=entry.at.isoformat(),
        action=action,
        txn=None if transaction is None else transaction.pk,
        payload=payload,
    )
    entry.save()
    return entry


@dataclass(frozen=True, slots=True)
class JournalBreak:
    consultancy: str
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"{self.consultancy}: entry #{self.seq}: {self.reason}"


def journal_verify(consultancy: Consultancy | None = None) -> tuple[int, list[JournalBreak]]:
    """(entries checked, every break found) for one consultancy or all of them."""
    consultancies = [consultancy] if consultancy else list(Consultancy.objects.order_by("name"))
    checked = 0
    breaks: list[JournalBreak] = []
    for owner in consultancies:
        previous, expected_seq = GENESIS, 1
        for entry in JournalEntry.objects.filter(consultancy=owner).order_by("seq").iterator():
            checked += 1
            if entry.seq != expected_seq:
                breaks.append(
                    JournalBreak(owner.name, entry.seq, f"entry #{expected_seq} is missing")
                )
            if entry.previous_hash != previous:
                breaks.append(
                    JournalBreak(
                        owner.name,
                        entry.seq,
                        "its previous hash is not the hash of the entry before",
                    )
                )
            recomputed = entry_hash(
                previous_hash=entry.previous_hash,
                seq=entry.seq,
                at=entry.at.isoformat(),
                action=entry.action,
                txn=entry.transaction_id,
                payload=entry.payload,
            )
            if recomputed != entry.entry_hash:
                breaks.append(
                    JournalBreak(
                        owner.name, entry.seq, "its content does not match its hash (changed)"
                    )
                )
            previous, expected_seq = entry.entry_hash, entry.seq + 1
    return checked, breaks
