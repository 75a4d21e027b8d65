"""The claim report and certificate: what a neutrality claim states, on paper, signed.

`ClaimReport` gathers what DOMAIN.md §7 says a claim report states (subject,
boundary, period, footprint, reductions, credits cancelled with serial
numbers and projects, verification type, signatory) from core's claim
evaluation; `claim_html` renders it (certificate page first, then the
report), `claim_pdf` makes the PDF and signs it with the consultancy's key.
The certificate carries a QR code of the public verification address.

It must never issue a claim whose rules are not all met (`ClaimNotMetError`),
and never show a figure other than core's, rounded by the one display policy.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING

from neutra.core.claims import (
    ClaimEvaluation,
    FootprintFigures,
    RuleId,
    Scope2Basis,
    Verification,
    rule_set_for,
    year_total,
)
from neutra.core.errors import NeutraError
from neutra.core.history import EmissionsYear
from neutra.reports.charts import BarChart, Series, render_svg
from neutra.reports.labels import scope3_category_label
from neutra.reports.rendering import data_uri_svg, render_html, render_pdf

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric import ec

__all__ = [
    "ClaimNotMetError",
    "ClaimReport",
    "claim_html",
    "claim_pdf",
    "new_claim_token",
    "verification_url",
]

VERIFICATION_LABELS = {
    Verification.SELF: "Self-verified (first party)",
    Verification.SECOND_PARTY: "Second-party verified",
    Verification.THIRD_PARTY: "Independently verified (third party)",
}


class ClaimNotMetError(NeutraError, ValueError):
    """A claim that does not meet every rule of its standard cannot be issued."""


def new_claim_token() -> str:
    """An unguessable token (128 bits) naming a claim in its public verification address."""
    return secrets.token_urlsafe(16)


def verification_url(public_url: str, token: str) -> str:
    """The public page where anyone checks a claim: `<public_url>/verify/<token>/`."""
    return f"{public_url.rstrip('/')}/verify/{token}/"


@dataclass(frozen=True, slots=True)
class ClaimReport:
    """Everything a claim report and certificate show."""

    evaluation: ClaimEvaluation  # core's evaluation: every rule met
    footprint: FootprintFigures  # the figures the residual comes from
    verification: Verification  # who checked the claim
    signatory: str  # who signs it for the subject or the consultancy
    issued_on: dt.date  # date of issue
    token: str  # names the claim in its public verification address
    verify_url: str  # the public verification page (the QR code)
    plan_name: str = ""  # the management plan's file name
    history: tuple[EmissionsYear, ...] = ()  # emissions of earlier years: the reductions
    issuer: str = ""  # the consultancy issuing the certificate
    key_id: str = ""  # id of the public key the certificate verifies with
    boundary: str = ""  # the subject's boundary in words ("" : said from the footprint)

    def __post_init__(self) -> None:
        unmet = self.evaluation.unmet + self.evaluation.pending
        if unmet:
            raise ClaimNotMetError(
                "the claim does not meet every rule: " + ", ".join(r.id.value for r in unmet),
                rules=[r.id.value for r in unmet],
            )

    @property
    def title(self) -> str:
        return rule_set_for(self.evaluation.standard).title

    @property
    def boundary_text(self) -> str:
        if self.boundary:
            return self.boundary
        basis = self.evaluation.scope2_basis.value
        categories = [str(c) for c, value in self.footprint.scope3_categories if value > 0]
        scope3 = f"scope 3 (categories {', '.join(categories)})" if categories else "scope 3"
        gwp = f", GWP {self.footprint.gwp_set}" if self.footprint.gwp_set else ""
        return f"{self.evaluation.client}: scope 1, scope 2 ({basis}-based) and {scope3}{gwp}"


def _scope_chart(report: ClaimReport) -> str:
    footprint = report.footprint
    basis = report.evaluation.scope2_basis
    chart = BarChart(
        title="Footprint of the claim period by scope",
        unit="t CO2e",
        categories=("Scope 1", f"Scope 2 ({basis.value}-based)", "Scope 3"),
        series=(
            Series("Emissions", (footprint.scope1, footprint.scope2(basis), footprint.scope3)),
        ),
        description="Gross emissions of the claim period by scope.",
    )
    return data_uri_svg(render_svg(chart, interactive=False))


def _history_rows(report: ClaimReport) -> list[dict[str, object]]:
    basis = report.evaluation.scope2_basis
    rows: list[dict[str, object]] = [
        {"year": h.year, "total": year_total(h, basis)}
        for h in sorted(report.history, key=lambda h: h.year)
        if h.year < report.evaluation.period.year
    ]
    rows.append({"year": report.evaluation.period.label, "total": report.evaluation.residual_t})
    return rows


def claim_html(report: ClaimReport, *, certificate: bool = True, details: bool = True) -> str:
    """The certificate page and/or the claim report as one HTML document."""
    import segno

    qr = segno.make(report.verify_url, error="m")
    evaluation = report.evaluation
    return render_html(
        "claim.html.j2",
        report=report,
        evaluation=evaluation,
        footprint=report.footprint,
        basis_label="market-based"
        if evaluation.scope2_basis is Scope2Basis.MARKET
        else "location-based",
        scope2=report.footprint.scope2(evaluation.scope2_basis),
        categories=[
            (scope3_category_label(c), value) for c, value in report.footprint.scope3_categories
        ],
        history=_history_rows(report),
        verification_label=VERIFICATION_LABELS[report.verification],
        qr_uri=qr.svg_data_uri(scale=4, border=2),
        chart_uri=_scope_chart(report),
        total_location=report.footprint.total(Scope2Basis.LOCATION),
        total_market=report.footprint.total(Scope2Basis.MARKET),
        reductions_detail=evaluation.rule(RuleId.REDUCTIONS_FIRST).detail,
        show_certificate=certificate,
        show_details=details,
    )


def claim_pdf(
    report: ClaimReport,
    private_key: ec.EllipticCurvePrivateKey,
    *,
    certificate: bool = True,
    details: bool = True,
    now: dt.datetime | None = None,
) -> bytes:
    """The claim as a PDF signed with the consultancy's key (a standard PDF signature).

    `now`: the signing time the signature states (default: the clock's).
    """
    from neutra.reports.signing import sign_pdf

    pdf = render_pdf(claim_html(report, certificate=certificate, details=details))
    return sign_pdf(
        pdf,
        private_key,
        signer=report.signatory,
        reason=f"{report.title}: {report.evaluation.client}, {report.evaluation.period.label}",
        location=report.verify_url,
        now=now,
    )
