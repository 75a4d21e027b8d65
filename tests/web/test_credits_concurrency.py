"""Eight workers cancelling overlapping ranges for eight clients at once: each unit is cancelled at most once.

Each worker allocates a range of the consultancy's stock to its client and
cancels it for that client, in one database transaction; neighbouring ranges
overlap. Whoever commits first wins its units; a worker whose range meets
units already cancelled is refused with the core's reason, and changes
nothing. Runs on SQLite and on PostgreSQL (threads with their own database
connections, committed data).
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from typing import Any

import pytest
from django.db import connection

from neutra.core.errors import InvalidInputError
from neutra.web.credits.journal import journal_verify
from neutra.web.credits.models import CreditBlock, CreditTransaction
from neutra.web.credits.services import Units, credits_cancel
from neutra.web.tenancy.services import organisation_create
from tests.web.credits_data import buy, credits_book

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

WORKERS = 8
STOCK = (1, 800)


def test_concurrent_cancellations_never_cancel_a_unit_twice(world: dict[str, Any]) -> None:
    book = credits_book(world)
    buy(world, book, *STOCK)
    clients = [world["B1"], world["B2"]] + [
        organisation_create(consultancy=world["A"], name=f"Client {n}", country="FR", by=None)
        for n in range(3, WORKERS + 1)
    ]
    ranges = [(i * 90 + 1, i * 90 + 150) for i in range(WORKERS)]  # each overlaps the next by 60
    start = threading.Barrier(WORKERS)
    outcome: dict[int, object] = {}

    def work(i: int) -> None:
        try:
            start.wait()
            units = Units(
                project=book.wind,
                unit_type="CER",
                serial_start=ranges[i][0],
                serial_end=ranges[i][1],
            )
            outcome[i] = credits_cancel(
                consultancy=world["A"], units=units, for_organisation=clients[i], date=dt.date(2025, 3, 1),
                beneficiary=clients[i].name, for_period="2024", by=world["alice"],
            )  # fmt: skip
        except Exception as error:  # the test reports what each worker got
            outcome[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    winners = [i for i, got in outcome.items() if isinstance(got, CreditTransaction)]
    losers = [i for i, got in outcome.items() if not isinstance(got, CreditTransaction)]
    assert len(outcome) == WORKERS
    assert winners, outcome
    for i in losers:
        error = outcome[i]
        assert isinstance(error, InvalidInputError), repr(error)
        assert "were cancelled on 2025-03-01" in error.message
    current = list(CreditBlock.objects.filter(closed_by__isnull=True).order_by("serial_start"))
    # Conservation: the current blocks partition the 800 units bought, without overlap.
    assert current[0].serial_start == STOCK[0]
    assert all(a.serial_end + 1 == b.serial_start for a, b in itertools.pairwise(current))
    assert current[-1].serial_end == STOCK[1]
    cancelled = [b for b in current if b.state == "cancelled"]
    for i in winners:  # every winner's whole range is cancelled, for its client only
        low, high = ranges[i]
        mine = [b for b in cancelled if low <= b.serial_start and b.serial_end <= high]
        assert sum(b.quantity for b in mine) == high - low + 1
        assert {b.organisation_id for b in mine} == {clients[i].pk}
    assert sum(b.quantity for b in cancelled) == sum(
        ranges[i][1] - ranges[i][0] + 1 for i in winners
    )
    for i in losers:  # and a loser got nothing
        assert not any(b.organisation_id == clients[i].pk for b in current)
    assert journal_verify()[1] == []
