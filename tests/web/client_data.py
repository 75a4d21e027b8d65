"""Client B1's complete data set, for the tests that walk every endpoint.

The tenant-isolation walk (test_isolation) shows that no outsider gets any
of it; the schema fuzz (test_api_schema) aims its generated requests at its
rows. Built through the apps' own services, the way users make it: an
entity tree, an inventory with an upload (its rows), a job of each kind, a
calculation with its lines, audit entries, and an API token of B1's client
admin.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from neutra.web.accounts.services import api_token_create
from neutra.web.activities.services import upload_accept
from neutra.web.calculations.models import Calculation, EmissionLine
from neutra.web.calculations.services import calculation_start
from neutra.web.instruments.services import instrument_add
from neutra.web.inventories.services import inventory_create
from neutra.web.jobs.models import Job, JobKind, JobStatus
from neutra.web.tenancy.models import AuditEntry, Membership
from neutra.web.tenancy.services import entity_create

VICTIM_CSV = (
    "id,entity,year,activity,quantity,unit,region,description\n"
    "V1,B1 Sheffield Works,2025,electricity.grid,73519.25,kWh,GB,B1 furnace hall lighting\n"
    "V2,B1 Leeds Depot,2025,fuel.natural_gas,41234.5,kWh,GB,B1 depot boilers\n"
)
# B1's figures as any page or document could print them: the quantities, and
# the CO2e of each row and in total (hand-computed with the starter library's
# DESNZ 2025 factors: grid electricity 0.00017701 t/kWh, its CO2, CH4 and N2O weighted
# with AR5; natural gas 0.00018296 t/kWh).
V1_T_CO2E = 73519.25 * 0.00017701  # 13.0136... t
V2_T_CO2E = 41234.5 * 0.00018296  # 7.5442... t
VICTIM_FIGURES = (
    "73519.25",
    "41234.5",
    f"{V1_T_CO2E:.6f}"[:7],  # 13.0136: the leading digits, however a page rounds the rest
    f"{V2_T_CO2E:.6f}"[:6],  # 7.5442
    f"{V1_T_CO2E + V2_T_CO2E:.3f}",  # 20.558, the total as the dashboard prints it
)
# Only names and figures B1's own pages show (the walk checks they do), so
# that looking for them in an outsider's answers means something.
VICTIM_NAMES = (
    "B1 Manufacturing",
    "B1 Manufacturing Group",
    "B1 Sheffield Works",
    "B1 Leeds Depot",
    "b1-energy-2025.csv",
    "B1 carbon neutral 2025",  # the purpose of B1's credit cancellation
    "b1-cancellation-attestation.pdf",
    "newcomer@b1.example",  # the address of B1's pending invitation
)


@dataclass
class Victim:
    """B1 and everything of it, and the URL parameter values that point at it."""

    organisation: Any
    owner: Any  # bob, B1's client admin: sees everything the walk asks for
    url_values: dict[str, list[str]]  # URL parameter name -> values (as text)
    form_values: dict[str, str]  # form and JSON field name -> a value pointing at B1
    admin_objects: dict[str, str]  # "app_label.model" -> the primary key of a B1 row


def client_b1(world: dict[str, Any]) -> Victim:
    """B1's data set (B1, alice and bob of the conftest's `world`)."""
    alice, bob, b1 = world["alice"], world["bob"], world["B1"]
    root = entity_create(organisation=b1, name="B1 Manufacturing Group", by=alice)
    sheffield = entity_create(organisation=b1, name="B1 Sheffield Works", parent=root, by=alice)
    entity_create(organisation=b1, name="B1 Leeds Depot", parent=root, equity_share=0.5, by=alice)
    inventory = inventory_create(organisation=b1, year=2025, by=alice)
    data = VICTIM_CSV.encode()
    upload_job = upload_accept(
        inventory=inventory,
        by=bob,
        file_name="b1-energy-2025.csv",
        stream_or_path=io.BytesIO(data),
        size=len(data),
    )
    assert upload_job.status == JobStatus.SUCCEEDED, (upload_job.message, upload_job.problems)
    # A certificate for the depot, which buys no electricity: it changes no figure (so the
    # walk's figures stay the location-based ones) but is B1's row all the same.
    instrument = instrument_add(
        inventory=inventory,
        by=bob,
        cells={
            "instrument_id": "B1-GO-2025-7",
            "type": "certificate",
            "entity": "B1 Leeds Depot",
            "region": "GB",
            "year": "2025",
            "quantity": "20000",
            "unit": "kWh",
            "value": "0",
            "value_unit": "kg/kWh",
            "gas": "CO2e",
            "tracking_id": "REGO-B1-0007",
        },
    )
    calculation_job = calculation_start(inventory=inventory, by=alice)
    assert calculation_job.status == JobStatus.SUCCEEDED, calculation_job.message
    calculation = Calculation.objects.get(inventory=inventory)
    lines = list(EmissionLine.objects.filter(calculation=calculation).order_by("id"))
    assert sum(line.emissions_t_co2e for line in lines) == pytest.approx(V1_T_CO2E + V2_T_CO2E)
    upload = inventory.uploads.get()
    row = upload.rows.order_by("id").first()
    token, _ = api_token_create(
        user=bob,
        name="B1 ERP export",
        scopes=["read", "write"],
        expires_at=timezone.now() + timedelta(days=30),
    )
    membership = Membership.objects.get(organisation=b1, user=bob)
    audit = AuditEntry.objects.filter(organisation=b1).first()
    assert audit is not None
    assert {j.kind for j in Job.objects.filter(organisation=b1)} == set(JobKind.values)

    from neutra.web.dashboards.exports import EXPORTS
    from neutra.web.dashboards.presentation import CHART_NAMES
    from neutra.web.strategy.services import (
        base_year_set,
        denominator_set,
        measure_create,
        target_set,
    )

    # B1's climate strategy: base year, a denominator, a target and a measure.
    base_year_set(organisation=b1, year=2025, policy="B1 recalculates at 5 %.", by=alice)
    denominator_set(
        organisation=b1, year=2025, indicator="fte", value=120, unit="FTE", source="HR", by=bob
    )
    target_set(
        organisation=b1, code="B1-S12", kind="absolute", scopes="1+2", base_year=2025,
        target_year=2030, reduction=0.42, by=alice,
    )  # fmt: skip
    measure = measure_create(
        organisation=b1, name="B1 heat pumps", abatement_t_per_year=5, cost_per_year=900,
        currency="GBP", start_year=2027, owner="B1 facilities", by=alice,
    )  # fmt: skip

    credit_block, cancellation = _b1_credits(world)

    from neutra.web.claims.services import claim_create, claim_evaluate, claim_issue

    # B1's neutrality claim of 2025, issued on B1's cancellation (its PDFs exist), and a
    # draft of 2024 (never public).
    claim = claim_create(organisation=b1, period="2025", by=alice)
    claim_evaluate(claim=claim, by=bob, plan_name="b1-plan.txt", plan=b"B1 plan")
    claim = claim_issue(claim=claim, verification="self", signatory="B1 board",
                        public_url="https://claims.test", by=alice)  # fmt: skip
    draft_claim = claim_create(organisation=b1, period="2024", by=bob)

    from neutra.web.tenancy.services import invitation_create

    # B1's invitation waiting for an answer: only B1's people managers see it, and only the
    # owner of its address (nobody in the walk) may answer it.
    invitation = invitation_create(
        organisation=b1, email="newcomer@b1.example", role="viewer", by=bob,
        site="http://testserver",
    )  # fmt: skip

    url_values = {
        "organisation_id": [b1.pk],
        "inventory_id": [inventory.pk],
        "job_id": [upload_job.pk, calculation_job.pk],
        "upload_id": [upload.pk],
        "instrument_pk": [instrument.pk],
        "row_id": [row.pk],
        "calculation_id": [calculation.pk],
        "line_id": [lines[0].pk],
        "entity_id": [sheffield.pk],
        "membership_id": [membership.pk],
        "token_id": [token.pk],
        "user_id": [bob.pk],
        "consultancy_id": [b1.consultancy_id],
        "audit_entry_id": [audit.pk],
        "block_id": [credit_block.pk],  # a credit block held for B1
        "transaction_id": [cancellation.pk],  # B1's cancellation, with its attestation
        "name": list(CHART_NAMES),  # the dashboard's charts, by name
        # The exports of the current calculation: what, in which format.
        "what": list(EXPORTS),
        "category": [14],  # a scope 3 category of B1's screening
        "chart": ["trajectory-B1-S12", "mac"],  # the strategy page's charts
        "export": ["history", "history-restated", "denominators", "targets", "changes"],
        "measure_id": [measure.pk],
        "claim_id": [claim.pk, draft_claim.pk],
        "part": ["claim", "certificate"],  # a claim's PDFs
        "year": [2025],  # reports and disclosures of B1's calculated year
        "kind": ["management", "public"],
        # Report formats, and the exports of the current calculation (csv, xlsx).
        "fmt": ["html", "pdf", "xlsx", "json", "csv"],
        "framework": ["ghgp", "esrs", "cdp", "secr"],
        # A public claim page is reached by an issued claim's token only, and shows it
        # (tests/web/test_claims.py walks that); the walk gives a made-up token and the
        # draft's, which is never public.
        "claim_token": ["made-up-claim-token-0000", draft_claim.token],
        # The password-reset link: B1's user, with a token nobody was sent.
        "uidb64": [urlsafe_base64_encode(force_bytes(bob.pk))],
        "token": ["made-up-token"],
        # B1's pending invitation: its mailed link is walked with a made-up secret.
        "invitation_id": [invitation.pk],
    }
    form_values = {
        "organisation": str(b1.pk),
        "organisation_id": str(b1.pk),
        "consultancy": str(b1.consultancy_id),
        "consultancy_id": str(b1.consultancy_id),
        "inventory": str(inventory.pk),
        "inventory_id": str(inventory.pk),
        "parent": str(sheffield.pk),
        "entity": str(sheffield.pk),
        "membership": str(membership.pk),
        "upload": str(upload.pk),
        "calculation": str(calculation.pk),
    }
    admin_objects = {
        "auth.user": str(bob.pk),
        "tenancy.consultancy": str(b1.consultancy_id),
        "tenancy.organisation": str(b1.pk),
        "tenancy.membership": str(membership.pk),
        "tenancy.entity": str(sheffield.pk),
        "tenancy.auditentry": str(audit.pk),
        "tenancy.invitation": str(invitation.pk),
        "accounts.apitoken": str(token.pk),
        "inventories.inventory": str(inventory.pk),
        "activities.activityupload": str(upload.pk),
        "activities.activityrow": str(row.pk),
        "instruments.contractualinstrument": str(instrument.pk),
        "calculations.calculation": str(calculation.pk),
        "calculations.emissionline": str(lines[0].pk),
        "jobs.job": str(upload_job.pk),
    }
    return Victim(
        organisation=b1,
        owner=bob,
        url_values={k: [str(v) for v in vs] for k, vs in url_values.items()},
        form_values=form_values,
        admin_objects=admin_objects,
    )


def _b1_credits(world: dict[str, Any]) -> tuple[Any, Any]:
    """CERs bought by consultancy A for B1, part of them cancelled with an attestation."""
    import datetime as dt

    from neutra.web.credits.models import CreditBlock
    from neutra.web.credits.services import (
        Units,
        account_create,
        credits_cancel,
        credits_purchase,
        project_create,
        registry_create,
    )

    alice, b1, a = world["alice"], world["B1"], world["A"]
    registry = registry_create(consultancy=a, code="CDM", by=alice)
    account = account_create(registry=registry, number="A-HOLDING", by=alice)
    project = project_create(
        consultancy=a,
        programme="CDM",
        project_id="7311",
        title="Bundled wind",
        host_party="IN",
        by=alice,
    )
    credits_purchase(
        consultancy=a, account=account, project=project, unit_type="CER", vintage="2013",
        serial_start=7100001, serial_end=7100500, organisation=b1, date=dt.date(2025, 2, 1),
        seller="Broker", price="2.10", currency="EUR", by=alice,
    )  # fmt: skip
    cancellation = credits_cancel(
        consultancy=a,
        units=Units(organisation=b1, project=project, unit_type="CER", serial_start=7100001, serial_end=7100100),
        date=dt.date(2025, 3, 1), beneficiary="B1 Manufacturing", purpose="B1 carbon neutral 2025",
        for_period="2025", attestation=("b1-cancellation-attestation.pdf", b"%PDF-1.4 attestation"), by=alice,
    )  # fmt: skip
    held = CreditBlock.objects.get(organisation=b1, state="held", closed_by__isnull=True)
    return held, cancellation
