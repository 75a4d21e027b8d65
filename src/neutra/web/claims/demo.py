"""The demonstration's neutrality claims: one issued, one short of units, one withdrawn.

Run by `neutra.web.demo` after the years are calculated. For each client's
2025 footprint (a locked year) it buys CERs on the client's behalf through
the credits ledger's services and cancels them for 2025 in March 2026, then:
the first client's claim is issued (every rule met), the second's is
evaluated with a shortfall (half the units cancelled; the rest held, ready
to cancel), the third's is issued and then withdrawn.

It must never write anything but through the services, like a user would.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import User

from neutra.web.claims import services
from neutra.web.tenancy.models import Consultancy, Organisation

__all__ = ["DEMO_PERIOD", "demo_claims"]

DEMO_PERIOD = "2025"
PLAN = (
    b"Carbon-neutrality management plan (demonstration): baseline 2024; targets: scope 1+2 "
    b"-42 % by 2030; actions: heat pumps, renewable electricity, fleet electrification; "
    b"offsetting strategy: CERs cancelled for each year's residual; indicators: t CO2e per FTE; "
    b"timeline: yearly review."
)
BOUGHT_ON = dt.date(2026, 3, 10)  # after the credits demo's ledger (dates never go back)
CANCELLED_ON = dt.date(2026, 3, 16)
FIRST_SERIAL = 10_000_001


def _book(consultancy: Consultancy, by: User | None) -> tuple[Any, Any]:
    """The CDM holding account and a wind project of the consultancy (made once)."""
    from neutra.web.credits.models import CreditProject, Registry, RegistryAccount
    from neutra.web.credits.services import account_create, project_create, registry_create

    registry = Registry.objects.filter(consultancy=consultancy, code="CDM").first()
    if registry is None:
        registry = registry_create(consultancy=consultancy, code="CDM", by=by)
    account = RegistryAccount.objects.filter(registry=registry, number="NW-CLAIMS").first()
    if account is None:
        account = account_create(registry=registry, number="NW-CLAIMS", label="Claims demo", by=by)
    project = CreditProject.objects.filter(
        consultancy=consultancy, programme="CDM", project_id="0773"
    ).first()
    if project is None:
        project = project_create(
            consultancy=consultancy, programme="CDM", project_id="0773",
            title="Wind power project in Maharashtra (demonstration)", host_party="IN",
            project_type="wind", methodology="ACM0002", by=by,
        )  # fmt: skip
    return account, project


def demo_claims(
    *, consultancy: Consultancy, consultant: User, say: Callable[[str], object] = print
) -> None:
    """Claims of the demonstration's clients for 2025 in three states (see the module)."""
    from neutra.web.credits.services import Units, credits_cancel, credits_purchase

    account, project = _book(consultancy, consultant)
    serial = FIRST_SERIAL
    clients = list(Organisation.objects.filter(consultancy=consultancy).order_by("name"))
    for number, organisation in enumerate(clients[:3]):
        claim = services.claim_create(organisation=organisation, period=DEMO_PERIOD, by=consultant)
        claim = services.claim_evaluate(
            claim=claim, by=consultant, plan_name="management-plan.txt", plan=PLAN
        )
        # The credits demo cancelled some units for 2025 already; buy what is still missing
        # (at least one unit, so every client's ledger shows a claim's own cancellation).
        assert claim.evaluation is not None  # claim_evaluate stores it
        needed = max(int(claim.evaluation["shortfall_units"]), 2)
        cancel = needed if number != 1 else needed // 2  # the second client falls short
        credits_purchase(
            consultancy=consultancy, account=account, project=project, unit_type="CER",
            vintage="2019", serial_start=serial, serial_end=serial + needed - 1,
            organisation=organisation, date=BOUGHT_ON, seller="Demo Carbon Brokers",
            price="2.10", currency="EUR", reference=f"NW-{organisation.pk}-2025", by=consultant,
        )  # fmt: skip
        credits_cancel(
            consultancy=consultancy,
            units=Units(
                organisation=organisation,
                project=project,
                unit_type="CER",
                serial_start=serial,
                serial_end=serial + cancel - 1,
            ),
            date=CANCELLED_ON,
            beneficiary=organisation.name,
            purpose=f"Carbon neutrality {DEMO_PERIOD}",
            for_period=DEMO_PERIOD,
            by=consultant,
        )
        serial += needed
        claim = services.claim_evaluate(claim=claim, by=consultant)
        assert claim.evaluation is not None
        if number == 1:
            say(f"  {organisation.name}: claim {DEMO_PERIOD} evaluated, "
                f"{claim.evaluation['shortfall_units']} units short")  # fmt: skip
            continue
        claim = services.claim_issue(
            claim=claim, verification="third-party" if number == 0 else "self",
            signatory="Northwind Climate Partners", public_url="http://127.0.0.1:8000",
            by=consultant,
        )  # fmt: skip
        if number == 2:
            services.claim_withdraw(
                claim=claim, reason="the 2025 footprint is being restated", by=consultant
            )
            say(f"  {organisation.name}: claim {DEMO_PERIOD} issued, then withdrawn")
        else:
            say(f"  {organisation.name}: claim {DEMO_PERIOD} issued")
