"""A small credits ledger of consultancy A, built through the services, for the credits tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from neutra.web.credits.models import CreditProject, RegistryAccount
from neutra.web.credits.services import (
    account_create,
    credits_purchase,
    project_create,
    registry_create,
)


@dataclass
class Book:
    cdm: RegistryAccount  # the consultancy's holding account in the UN CDM registry
    cancel: RegistryAccount  # the CDM registry's voluntary cancellation account
    de: RegistryAccount  # an account in the German national registry
    wind: CreditProject  # CDM 1234 (India)
    stoves: CreditProject  # GS 1247 (Kenya)


def credits_book(world: dict[str, Any]) -> Book:
    """Consultancy A's registries, accounts and two projects (no units yet)."""
    a, alice = world["A"], world["alice"]
    cdm = registry_create(consultancy=a, code="CDM", by=alice)
    de = registry_create(consultancy=a, code="DE", by=alice)
    return Book(
        cdm=account_create(registry=cdm, number="A-HOLD", kind="holding", by=alice),
        cancel=account_create(registry=cdm, number="VCA", kind="cancellation", by=alice),
        de=account_create(registry=de, number="DE-100", kind="holding", by=alice),
        wind=project_create(
            consultancy=a,
            programme="CDM",
            project_id="1234",
            title="Wind farm in Tamil Nadu",
            host_party="IN",
            project_type="wind",
            methodology="ACM0002",
            by=alice,
        ),
        stoves=project_create(
            consultancy=a,
            programme="GS",
            project_id="1247",
            title="Cookstoves in Kenya",
            host_party="KE",
            project_type="cookstoves",
            by=alice,
        ),
    )


def buy(world: dict[str, Any], book: Book, start: int, end: int, *, client: Any = None, vintage: str = "2012",
        on: dt.date = dt.date(2025, 1, 10), price: str = "1.50") -> Any:  # fmt: skip
    return credits_purchase(
        consultancy=world["A"], account=book.cdm, project=book.wind, unit_type="CER", vintage=vintage,
        serial_start=start, serial_end=end, organisation=client, date=on, seller="Broker Ltd",
        price=price, currency="EUR", reference="C-1", by=world["alice"],
    )  # fmt: skip
