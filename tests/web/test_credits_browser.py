"""In a real browser: a consultant buys CERs for a client and cancels part of them with an attestation;
the client's viewer sees the cancellation and its serials, and nothing of the other clients.

Against `neutra demo --load-only` + `neutra serve`, like test_browser (same fixtures).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.web.test_browser import browser, log_in, server, server_home  # noqa: F401 (fixtures)

CLIENT = "Brightwater Manufacturing Ltd"
OTHERS = ("Cascade Outdoor Retail Inc.", "Kestrel Software GmbH")


def test_a_consultant_buys_and_cancels_for_a_client_whose_viewer_sees_only_its_own(
    server: str,  # noqa: F811
    browser: Any,  # noqa: F811
    tmp_path: Path,
) -> None:
    attestation = tmp_path / "un-attestation-2026.pdf"
    attestation.write_bytes(b"%PDF-1.4 voluntary cancellation certificate")

    consultant = log_in(browser, server, "northwind-consultant")
    consultant.goto(f"{server}/credits/")
    consultant.select_option(
        "#buy-project", label="CDM 1234 · Bundled wind power project in Tamil Nadu"
    )
    consultant.select_option("#buy-type", "CER")
    consultant.fill("#buy-vintage", "2015")
    consultant.fill("#buy-start", "500000001")
    consultant.fill("#buy-end", "500000100")
    consultant.select_option("#buy-account", label="CDM · NW-HOLDING Northwind holding account")
    consultant.select_option("#buy-client", label=CLIENT)
    consultant.fill("#buy-seller", "Carbon Broker AG")
    consultant.fill("#buy-price", "1.25")
    consultant.click("button:has-text('Record the purchase')")
    assert "100 units" in consultant.inner_text("ul.messages")

    # Cancel 40 of them for the client: the units are previewed before anything is recorded.
    consultant.select_option("#op-action", "cancel")
    consultant.select_option("#op-org", label=CLIENT)
    consultant.select_option(
        "#op-project", label="CDM 1234 · Bundled wind power project in Tamil Nadu"
    )
    consultant.select_option("#op-type", "CER")
    consultant.fill("#op-start", "500000001")
    consultant.fill("#op-end", "500000040")
    consultant.click("button:has-text('Preview the units')")
    consultant.wait_for_selector("#op-preview:has-text('These 40 units would be taken')")
    consultant.fill("#op-beneficiary", CLIENT)
    consultant.fill("#op-purpose", "Carbon neutrality claim 2026")
    consultant.fill("#op-period", "2026")
    consultant.set_input_files("#op-attestation", str(attestation))
    consultant.click("#operate-form button[type=submit]")
    assert "40 units" in consultant.inner_text("ul.messages")

    viewer = log_in(browser, server, "brightwater-viewer")
    viewer.goto(f"{server}/credits/")
    listed = viewer.inner_text("main")
    assert CLIENT in listed
    assert not any(other in listed for other in OTHERS)
    viewer.click(f"a:has-text('{CLIENT}')")
    viewer.wait_for_selector("#cancellations")
    cancellations = viewer.inner_text("#cancellations")
    assert "un-attestation-2026.pdf" in cancellations
    assert "Carbon neutrality claim 2026" in cancellations
    page = viewer.inner_text("main")
    assert "IN-5-500000001-2-2-0-1234 – IN-5-500000040-2-2-0-1234" in page  # the cancelled serials
    assert "IN-5-500000041-2-2-0-1234 – IN-5-500000100-2-2-0-1234" in page  # the 60 still held
    assert not any(other in page for other in OTHERS)
    with viewer.expect_download() as download:
        viewer.click("a:has-text('un-attestation-2026.pdf')")
    assert Path(download.value.path()).read_bytes() == attestation.read_bytes()
