"""`neutra demo`'s loader: three clients, three years, every role; idempotent; never beside real data."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import authenticate

from neutra.web.calculations.models import Calculation, EmissionLine
from neutra.web.demo import CONSULTANCY, YEARS, DemoError, demo_load
from neutra.web.inventories.models import Inventory
from neutra.web.tenancy.models import Consultancy, Organisation, Role
from neutra.web.tenancy.services import consultancy_create


@pytest.mark.django_db
def test_the_demo_loads_once_and_a_second_run_only_sets_new_passwords() -> None:
    said: list[str] = []
    logins = demo_load(say=said.append, password="first passphrase 1", run_tasks=lambda: None)

    organisations = Organisation.objects.filter(consultancy__name=CONSULTANCY)
    assert organisations.count() == 3
    assert {o.country for o in organisations} == {"GB", "US", "DE"}
    inventories = Inventory.objects.filter(organisation__in=organisations)
    assert sorted({i.year for i in inventories}) == list(YEARS)
    assert {i.state for i in inventories if i.year != YEARS[-1]} == {"locked"}
    assert {i.state for i in inventories if i.year == YEARS[-1]} == {"draft"}
    # Every inventory was calculated through the engine, from its uploaded rows.
    assert (
        Calculation.objects.filter(inventory__in=inventories).values("inventory").distinct().count()
        == 9
    )
    # The German client's guarantees of origin: 250 MWh of the Berlin office's electricity
    # each year at 0 t instead of the grid average (Germany has no residual mix here).
    for inventory in inventories.filter(organisation__country="DE"):
        assert inventory.instruments.count() == 1
        calculation = Calculation.objects.filter(inventory=inventory).latest()
        berlin = EmissionLine.objects.filter(
            calculation=calculation, entity="Kestrel Berlin office", scope=2
        ).first()
        assert berlin is not None
        grid_t_per_kwh = berlin.emissions_t_co2e / berlin.quantity
        totals = calculation.summary["totals"]
        lowered = totals["scope2_location"] - totals["scope2_market"]
        assert lowered == pytest.approx(250_000 * grid_t_per_kwh, rel=1e-9)
    assert {login.role for login in logins} == {role.label for role in Role}
    assert authenticate(username="brightwater-auditor", password="first passphrase 1")
    _the_demo_credits_ledger(organisations)

    again = demo_load(say=said.append, password="second passphrase 2", run_tasks=lambda: None)
    assert [login.username for login in again] == [login.username for login in logins]
    assert Organisation.objects.filter(consultancy__name=CONSULTANCY).count() == 3
    assert Inventory.objects.count() == 9
    assert authenticate(username="northwind-consultant", password="second passphrase 2")
    assert not authenticate(username="northwind-consultant", password="first passphrase 1")


@pytest.mark.django_db
def test_the_demo_refuses_a_database_that_holds_another_consultancy() -> None:
    consultancy_create(name="A real consultancy", by=None)
    with pytest.raises(DemoError, match="other consultancies"):
        demo_load(say=lambda _: None, password="x passphrase 3", run_tasks=lambda: None)
    assert not Consultancy.objects.filter(name=CONSULTANCY).exists()


def _the_demo_credits_ledger(organisations: Any) -> None:
    """Stock of three CDM projects and one Gold Standard project, each client's cancellations for
    2024 and 2025, and Kestrel's legacy forward to the German registry before the ITL stopped."""
    import datetime as dt

    from neutra.web.credits.journal import journal_verify
    from neutra.web.credits.models import CreditBlock

    current = CreditBlock.objects.filter(closed_by__isnull=True)
    stock = current.filter(organisation__isnull=True, state="held")
    assert set(stock.values_list("programme", "project_code")) == {
        ("CDM", "1234"), ("CDM", "2425"), ("CDM", "0773"), ("GS", "1247"),
    }  # fmt: skip
    for organisation in organisations:
        periods = set(
            current.filter(organisation=organisation, state="cancelled").values_list(
                "for_period", flat=True
            )
        )
        assert {"2024", "2025"} <= periods, organisation.name
    forward = current.get(account__registry__code="DE", state="cancelled")
    assert forward.organisation.name == "Kestrel Software GmbH"
    assert forward.date < dt.date(2023, 9, 9)
    assert forward.made_by.date < dt.date(2026, 3, 31)
    assert journal_verify()[1] == []


@pytest.mark.django_db
def test_the_demo_holds_claims_in_every_state_one_short_of_units_and_one_withdrawn() -> None:
    from neutra.web.claims.models import Claim

    demo_load(say=lambda _: None, password="claims passphrase 4", run_tasks=lambda: None)
    claims = {c.organisation.name: c for c in Claim.objects.select_related("organisation")}
    assert {name: c.state for name, c in claims.items()} == {
        "Brightwater Manufacturing Ltd": "issued",
        "Cascade Outdoor Retail Inc.": "evaluated",
        "Kestrel Software GmbH": "withdrawn",
    }
    short = claims["Cascade Outdoor Retail Inc."].evaluation
    assert 0 < short["shortfall_units"] < short["required_units"]
    balance = next(r for r in short["rules"] if r["id"] == "residual_balanced")
    assert balance["met"] is False
    assert balance["shortfall_units"] == short["shortfall_units"]
    issued = claims["Brightwater Manufacturing Ltd"]
    assert issued.evaluation["met"] is True
    assert issued.pdf is not None
    assert claims["Kestrel Software GmbH"].withdrawal_reason
