"""Neutrality claims on the web: draft -> evaluated -> issued -> withdrawn, keys, public pages."""

from __future__ import annotations

import datetime as dt
import io
import math
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from neutra.core.rounding import format_tonnes
from neutra.reports.signing import Verdict, load_public_key, verify_pdf
from neutra.web.activities.services import upload_accept
from neutra.web.calculations.models import Calculation
from neutra.web.calculations.services import calculation_start
from neutra.web.claims import services
from neutra.web.claims.models import Claim, ClaimCredit, SigningKey
from neutra.web.credits.services import Units, credits_cancel
from neutra.web.errors import NotAllowedError
from neutra.web.inventories.services import inventory_create
from neutra.web.jobs.models import JobStatus
from neutra.web.tenancy.models import AuditEntry
from tests.web.credits_data import buy, credits_book

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

ACTIVITIES = (
    "id,entity,year,activity,quantity,unit,region\n"
    "E1,,2025,electricity.grid,73519.25,kWh,GB\n"
    "G1,,2025,fuel.natural_gas,41234.5,kWh,GB\n"
)
# 20.5579... t: DESNZ 2025 factors per gas with AR5 (as tests/web/client_data.py computes them)
FOOTPRINT_T = 73519.25 * (0.00017489 + 28 * 3.2142857142857145e-08 + 265 * 4.60377358490566e-09) + (
    41234.5 * (0.00018259 + 28 * 1e-08 + 265 * 3.3962264150943395e-10)
)
NEEDED = math.ceil(FOOTPRINT_T)  # 21 units
PLAN = (
    b"B1 carbon neutrality management plan: baseline 2025, targets, actions, offsetting strategy."
)


def calculated(world: dict[str, Any], organisation: Any, year: int = 2025) -> Any:
    inventory = inventory_create(organisation=organisation, year=year, by=world["alice"])
    data = ACTIVITIES.replace("2025", str(year)).encode()
    job = upload_accept(inventory=inventory, by=world["alice"], file_name="a.csv",
                        stream_or_path=io.BytesIO(data), size=len(data))  # fmt: skip
    assert job.status == JobStatus.SUCCEEDED, job.problems
    assert calculation_start(inventory=inventory, by=world["alice"]).status == JobStatus.SUCCEEDED
    return inventory


def cancel_for(world: dict[str, Any], book: Any, organisation: Any, start: int, end: int,
               *, period: str = "2025", on: dt.date = dt.date(2026, 2, 1)) -> None:  # fmt: skip
    buy(world, book, start, end, client=organisation, on=on - dt.timedelta(days=10))
    credits_cancel(
        consultancy=world["A"],
        units=Units(
            organisation=organisation,
            project=book.wind,
            unit_type="CER",
            serial_start=start,
            serial_end=end,
        ),
        date=on,
        beneficiary=organisation.name,
        purpose=f"Neutrality {period}",
        for_period=period,
        by=world["alice"],
    )


@pytest.fixture
def b1(world: dict[str, Any]) -> Any:
    calculated(world, world["B1"])
    return world["B1"]


def test_a_claim_without_credits_shows_every_rule_and_the_shortfall(
    world: dict[str, Any], b1: Any
) -> None:
    claim = services.claim_create(organisation=b1, period="2025", by=world["bob"])
    claim = services.claim_evaluate(claim=claim, by=world["bob"])
    assert claim.state == "evaluated"
    evaluation = claim.evaluation
    assert evaluation["residual_t"] == pytest.approx(FOOTPRINT_T)
    assert evaluation["required_units"] == NEEDED
    assert evaluation["shortfall_units"] == NEEDED
    rules = {r["id"]: r for r in evaluation["rules"]}
    assert rules["residual_balanced"]["met"] is False
    assert rules["residual_balanced"]["shortfall_units"] == NEEDED
    assert (
        "cancel 21 units more for B1 Manufacturing with for_period 2025"
        in rules["residual_balanced"]["remedy"]
    )
    assert rules["management_plan"]["met"] is None  # no plan attached yet
    assert all(r["source"] for r in evaluation["rules"])
    assert AuditEntry.objects.filter(organisation=b1, action="claims.claim.evaluate").exists()


def test_cancelling_the_shortfall_then_issuing_signs_a_certificate_anyone_can_check(
    world: dict[str, Any], b1: Any, client: Client
) -> None:
    book = credits_book(world)
    claim = services.claim_create(organisation=b1, period="2025", by=world["alice"])
    claim = services.claim_evaluate(claim=claim, by=world["alice"], plan_name="plan.txt", plan=PLAN)
    assert claim.evaluation["shortfall_units"] == NEEDED
    cancel_for(world, book, b1, 5001, 5000 + NEEDED)
    claim = services.claim_evaluate(claim=claim, by=world["alice"])
    assert claim.evaluation["met"] is True
    assert claim.evaluation["complete"] is True
    claim = services.claim_issue(claim=claim, verification="third-party", signatory="Alice Auditor",
                                 public_url="https://claims.test", by=world["alice"])  # fmt: skip
    assert claim.state == "issued"
    key = SigningKey.objects.get()
    public = load_public_key(key.public_pem.encode(), "key")
    assert verify_pdf(bytes(claim.pdf), public).verdict is Verdict.AUTHENTIC
    assert verify_pdf(bytes(claim.certificate_pdf), public).verdict is Verdict.AUTHENTIC
    assert list(ClaimCredit.objects.values_list("serial_start", "serial_end")) == [
        (5001, 5000 + NEEDED)
    ]
    page = client.get(reverse("claims:verify", args=[claim.token]))  # anonymous
    assert page.status_code == 200
    text = page.content.decode()
    assert "Valid" in text
    assert "B1 Manufacturing" in text
    assert f"5001–{5000 + NEEDED}" in text
    assert "residual_balanced" not in text  # the evaluation's workings are not published


def test_issuing_is_refused_while_a_rule_is_not_met(world: dict[str, Any], b1: Any) -> None:
    claim = services.claim_create(organisation=b1, period="2025", by=world["alice"])
    claim = services.claim_evaluate(claim=claim, by=world["alice"], plan_name="plan.txt", plan=PLAN)
    with pytest.raises(Exception, match="residual_balanced") as refused:
        services.claim_issue(claim=claim, verification="self", signatory="A", public_url="https://x.test", by=world["alice"])  # fmt: skip
    assert refused.value.__class__.__name__ == "InvalidInputError"
    assert Claim.objects.get(pk=claim.pk).state == "evaluated"
    assert not ClaimCredit.objects.exists()


def test_a_credit_used_in_one_claim_cannot_be_used_in_another_until_it_is_withdrawn(
    world: dict[str, Any], b1: Any, client: Client
) -> None:
    book = credits_book(world)
    cancel_for(world, book, b1, 1, NEEDED)
    first = services.claim_create(organisation=b1, period="2025", by=world["alice"])
    services.claim_evaluate(claim=first, by=world["alice"], plan_name="p", plan=PLAN)
    first = services.claim_issue(claim=first, verification="self", signatory="A", public_url="https://x.test", by=world["alice"])  # fmt: skip
    second = services.claim_create(
        organisation=b1, period="2025", standard="pas-2060", by=world["alice"]
    )
    second = services.claim_evaluate(claim=second, by=world["alice"], plan_name="p", plan=PLAN)
    assert second.evaluation["counted_units"] == 0
    used_once = next(r for r in second.evaluation["rules"] if r["id"] == "credits_used_once")
    assert used_once["met"] is False
    assert used_once["shortfall_units"] == NEEDED
    services.claim_withdraw(claim=first, reason="restated footprint", by=world["alice"])
    page = client.get(reverse("claims:verify", args=[first.token])).content.decode()
    assert "Withdrawn" in page
    assert "restated footprint" in page
    second = services.claim_evaluate(claim=second, by=world["alice"])
    assert second.evaluation["counted_units"] == NEEDED


def test_rotating_the_key_keeps_old_certificates_verifiable(
    world: dict[str, Any], b1: Any, client: Client
) -> None:
    book = credits_book(world)
    cancel_for(world, book, b1, 1, NEEDED)
    claim = services.claim_create(organisation=b1, period="2025", by=world["alice"])
    services.claim_evaluate(claim=claim, by=world["alice"], plan_name="p", plan=PLAN)
    claim = services.claim_issue(claim=claim, verification="self", signatory="A", public_url="https://x.test", by=world["alice"])  # fmt: skip
    old = claim.signing_key
    new = services.signing_key_rotate(consultancy=world["A"], by=world["alice"])
    assert new.key_id != old.key_id
    old.refresh_from_db()
    assert old.retired_at is not None
    keys_page = client.get(reverse("claims:keys")).content.decode()
    assert old.public_pem.strip().splitlines()[1] in keys_page
    assert new.public_pem.strip().splitlines()[1] in keys_page
    public = load_public_key(old.public_pem.encode(), "old")
    assert verify_pdf(bytes(claim.certificate_pdf), public).authentic
    assert b"PRIVATE" not in keys_page.encode()


def test_only_staff_issue_and_a_client_admin_opens_and_evaluates(
    world: dict[str, Any], b1: Any
) -> None:
    claim = services.claim_create(organisation=b1, period="2025", by=world["bob"])
    services.claim_evaluate(claim=claim, by=world["bob"], plan_name="p", plan=PLAN)
    with pytest.raises(NotAllowedError):
        services.claim_issue(claim=claim, verification="self", signatory="Bob", public_url="https://x.test", by=world["bob"])  # fmt: skip
    with pytest.raises(NotAllowedError):
        services.claim_create(organisation=world["C1"], period="2025", by=world["charlie"])


def test_a_bad_period_is_refused_with_its_field(world: dict[str, Any], b1: Any) -> None:
    with pytest.raises(Exception, match="not a period") as refused:
        services.claim_create(organisation=b1, period="next year", by=world["alice"])
    assert refused.value.problems[0].column == "period"  # type: ignore[attr-defined]


# --- the public pages' own walk ---------------------------------------------------------


def test_public_pages_show_only_an_issued_claim_and_nothing_unpublished_or_of_other_clients(
    world: dict[str, Any], b1: Any, client: Client
) -> None:
    book = credits_book(world)
    b2 = world["B2"]
    calculated(world, b2)
    cancel_for(world, book, b1, 1, NEEDED)
    cancel_for(world, book, b2, 90001, 90000 + NEEDED)
    issued = services.claim_create(organisation=b1, period="2025", by=world["alice"])
    services.claim_evaluate(claim=issued, by=world["alice"], plan_name="p", plan=PLAN)
    issued = services.claim_issue(claim=issued, verification="self", signatory="A", public_url="https://x.test", by=world["alice"])  # fmt: skip
    draft_b1 = services.claim_create(organisation=b1, period="2024", by=world["alice"])
    evaluated_b2 = services.claim_create(organisation=b2, period="2025", by=world["alice"])
    services.claim_evaluate(claim=evaluated_b2, by=world["alice"], plan_name="p", plan=PLAN)
    # Unpublished claims (a draft, an evaluated one) and made-up tokens: not found, for everyone.
    for token in (
        draft_b1.token,
        evaluated_b2.token,
        "x" * 22,
        issued.token[:-1] + ("A" if issued.token[-1] != "A" else "B"),
        "short",
    ):
        for path in ("claims:verify", "claims:verify_certificate"):
            assert client.get(reverse(path, args=[token])).status_code == 404, (token, path)
    page = client.get(reverse("claims:verify", args=[issued.token])).content.decode()
    # The units behind the claim and the units it needed, side by side.
    assert f'<td id="units-cancelled">{NEEDED} ({NEEDED} needed)</td>' in page
    certificate = client.get(reverse("claims:verify_certificate", args=[issued.token]))
    assert certificate.status_code == 200
    assert certificate["Content-Type"] == "application/pdf"
    for secret in ("B2 Logistics", "90001", evaluated_b2.token, draft_b1.token, "management_plan",
                   issued.plan_sha256, "Broker Ltd", "1.50"):  # fmt: skip
        assert secret not in page, secret
    keys = client.get(reverse("claims:keys")).content.decode()
    assert "B1 Manufacturing" not in keys
    assert "B2 Logistics" not in keys


def test_the_pages_take_a_claim_from_draft_to_issued_and_serve_its_pdfs_reports_and_disclosures(
    world: dict[str, Any], b1: Any, client: Client
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    book = credits_book(world)
    cancel_for(world, book, b1, 1, NEEDED)
    client.force_login(world["alice"])
    opened = client.post(
        reverse("claims:list", args=[b1.pk]),
        {"period": "2025", "standard": "iso-14068-1", "scope2": "market"},
    )
    claim = Claim.objects.get(organisation=b1)
    assert opened.url == reverse("claims:claim", args=[claim.pk])
    plan = SimpleUploadedFile("plan.txt", PLAN)
    client.post(reverse("claims:evaluate", args=[claim.pk]), {"plan": plan})
    page = client.get(reverse("claims:claim", args=[claim.pk])).content.decode()
    assert 'id="shortfall">0<' in page
    assert "ISO 14068-1:2023 §11.2" in page  # every rule with its source
    client.post(reverse("claims:issue", args=[claim.pk]),
                {"verification": "third-party", "signatory": "Alice"})  # fmt: skip
    claim.refresh_from_db()
    assert claim.state == "issued"
    for part in ("claim", "certificate"):
        pdf = client.get(reverse("claims:download", args=[claim.pk, part]))
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF-")
    html = client.get(reverse("claims:report", args=[b1.pk, 2025, "management", "html"]))
    assert html.status_code == 200
    assert f"{FOOTPRINT_T:,.3f}" in html.content.decode()
    esrs = client.get(reverse("claims:disclosure", args=[b1.pk, 2025, "esrs", "json"])).json()
    totals = {r["label"]: r["value"] for r in esrs["rows"] if r["reference"] == "E1-6 §44(d)"}
    assert totals["Total GHG emissions (market-based)"] == pytest.approx(FOOTPRINT_T)
    energy = {r["label"]: r["value"] for r in esrs["rows"] if r["reference"].startswith("E1-5")}
    assert energy["Total energy consumption related to own operations"] == pytest.approx(
        (73519.25 + 41234.5) / 1000  # both in kWh: MWh
    )
    assert energy["Fuel consumption from natural gas"] == pytest.approx(41.2345)
    assert energy["Purchased or acquired electricity (all sources)"] == pytest.approx(73.51925)
    secr = client.get(reverse("claims:disclosure", args=[b1.pk, 2025, "secr", "xlsx"]))
    assert secr.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(secr.content)).active
    assert sheet is not None
    cells = {row[1]: row[2] for row in sheet.iter_rows(min_row=5, values_only=True) if row[1]}
    assert cells["Energy use"] == pytest.approx(73519.25 + 41234.5)
    assert (
        client.get(reverse("claims:report", args=[b1.pk, 2019, "public", "pdf"])).status_code == 404
    )


def test_the_esrs_export_intensity_per_net_revenue_equals_the_strategy_pages(
    world: dict[str, Any], b1: Any, client: Client
) -> None:
    from neutra.web.strategy.services import denominator_set

    denominator_set(organisation=b1, year=2025, indicator="revenue", value=2.5e6, unit="EUR",
                    source="Annual report 2025", by=world["alice"])  # fmt: skip
    client.force_login(world["alice"])
    page = client.get(reverse("strategy:page", args=[b1.pk])).content.decode()
    esrs = client.get(reverse("claims:disclosure", args=[b1.pk, 2025, "esrs", "json"])).json()
    exported = {r["label"]: r["value"] for r in esrs["rows"] if r["reference"] == "E1-6 §53"}
    for key, basis in (("total_location", "location"), ("total_market", "market")):
        row = re.search(rf'<tr data-indicator="revenue" data-key="{key}">.*?</tr>', page, re.S)
        assert row is not None, key
        shown = re.search(r'data-value="([^"]+)"', row.group(0))
        assert shown is not None, key
        value = exported[f"GHG intensity per net revenue, {basis}-based"]
        assert value == float(shown.group(1))  # the same figure, to the last bit
    # scope 2 of B1's grid electricity is the same on both bases (no instruments): t per million EUR
    assert exported["GHG intensity per net revenue, market-based"] == pytest.approx(
        FOOTPRINT_T / 2.5
    )


NEEDS_POPPLER = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("pdfinfo", "pdftoppm", "pdftotext"))
    and not os.environ.get("NEUTRA_REQUIRE_ALL"),
    reason="pdfinfo, pdftoppm and pdftotext (poppler-utils) are not installed",
)


@NEEDS_POPPLER
@pytest.mark.parametrize("kind", ["management", "public"])
def test_the_report_pdfs_render_page_by_page_and_state_the_inventorys_figures(
    world: dict[str, Any], b1: Any, client: Client, tmp_path: Path, kind: str
) -> None:
    client.force_login(world["alice"])
    answer = client.get(reverse("claims:report", args=[b1.pk, 2025, kind, "pdf"]))
    assert answer.status_code == 200
    pdf = tmp_path / f"{kind}.pdf"
    pdf.write_bytes(answer.content)
    pages = int(
        re.search(  # type: ignore[union-attr]
            r"^Pages:\s+(\d+)$",
            subprocess.run(
                ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True
            ).stdout,
            re.M,
        ).group(1)
    )
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == pages >= 1  # every page became an image
    for image in images:
        assert image.read_bytes().startswith(b"\x89PNG")
        assert image.stat().st_size > 1000  # drawn, not an empty page
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    inventory = Calculation.objects.filter(inventory__organisation=b1).latest().summary["totals"]
    for key, value in inventory.items():
        assert format_tonnes(value) in text, key  # the inventory's own figures, as printed
    assert format_tonnes(FOOTPRINT_T) in text  # and the hand-computed total
