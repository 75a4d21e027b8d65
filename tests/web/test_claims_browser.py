"""In a real browser: a consultant evaluates a claim, closes its shortfall by cancelling units,
issues the certificate, and an anonymous visitor opens the QR link and sees it valid; the
management report downloaded from the claims page renders with the inventory's figures
and its charts.

Against `neutra serve` with the demonstration loaded (the same server fixture as
test_browser.py): Cascade's 2025 claim is evaluated with half its units cancelled.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.web.test_browser import (  # the fixtures: the demo served, and chromium
    browser,
    log_in,
    new_page,
    server,
    server_home,
)

__all__ = ["browser", "server", "server_home"]

CLIENT = "Cascade Outdoor Retail Inc."


def test_a_consultant_closes_a_shortfall_issues_and_a_visitor_sees_the_claim_valid(
    server: str, browser: Any, tmp_path: Path
) -> None:
    consultant = log_in(browser, server, "northwind-consultant")
    consultant.click(f"text={CLIENT}")
    consultant.click("text=Neutrality claims and reports")
    list_url = consultant.url
    consultant.click("#claims >> text=2025")
    consultant.click("#evaluate-form button:has-text('Evaluate')")
    consultant.wait_for_selector("#claim-state:has-text('evaluated')")
    shortfall = int(consultant.inner_text("#shortfall").replace(",", ""))
    assert shortfall > 0
    assert "no" in consultant.inner_text("#rule-residual_balanced")
    assert f"cancel {shortfall:,} unit" in consultant.inner_text("#rule-residual_balanced")
    claim_url = consultant.url

    # The shortfall is closed in the credits ledger: the client's held units, cancelled for 2025.
    consultant.goto(f"{server}/credits/")
    consultant.select_option("#op-action", "cancel")
    consultant.fill("#op-date", "2026-06-01")
    consultant.select_option("#op-org", label=CLIENT)
    consultant.fill("#op-qty", str(shortfall))
    consultant.fill("#op-beneficiary", CLIENT)
    consultant.fill("#op-purpose", "Carbon neutrality 2025")
    consultant.fill("#op-period", "2025")
    consultant.click("#operate-form button:has-text('Record')")
    consultant.wait_for_load_state()

    consultant.goto(claim_url)
    consultant.click("#evaluate-form button:has-text('Evaluate')")
    consultant.wait_for_selector("#shortfall:has-text('0')")
    assert consultant.inner_text("#shortfall").strip() == "0"
    consultant.select_option("#issue-form select[name=verification]", "third-party")
    consultant.fill("#issue-form input[name=signatory]", "Northwind Climate Partners")
    consultant.click("#issue-form button:has-text('Issue the certificate')")
    consultant.wait_for_selector("#claim-state:has-text('issued')")
    link = consultant.get_attribute("#verify-link", "href")
    assert link is not None
    assert re.search(r"/verify/[A-Za-z0-9_-]{20,}/$", link)

    visitor = new_page(browser)  # a new context: no session
    visitor.goto(link)
    assert "Valid" in visitor.inner_text("#verdict")
    assert CLIENT in visitor.inner_text("h1")
    assert "2025" in visitor.inner_text("#claim-facts")
    assert visitor.locator("#serials tbody tr").count() >= 2  # the demo's units and the new ones

    # The management report of the same year, as the claims page serves it, in the browser:
    # its market-based total is the claim's residual (the inventory's figure), its charts drawn.
    consultant.goto(claim_url)
    residual = float(consultant.inner_text("#balance strong").replace(",", ""))
    consultant.goto(list_url)
    with consultant.expect_download() as download:
        consultant.click("#reports a[href$='/reports/2025/management.html']")
    saved = tmp_path / "management-2025.html"
    download.value.save_as(saved)
    report = new_page(browser)
    report.goto(saved.as_uri())
    total = report.inner_text("tr:has(th:text-is('Total, market-based')) td")
    assert float(total.replace(",", "")) == pytest.approx(residual, abs=0.0005)
    assert report.locator("img.chart").count() >= 1
    assert report.evaluate(
        "Array.from(document.images).every(i => i.complete && i.naturalWidth > 0)"
    )
