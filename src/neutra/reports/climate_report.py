"""The yearly management report and the public climate report (DOMAIN.md §8), as HTML and PDF.

One `ClimateReport` model and one template serve both: the management report
shows everything (by scope, category, site and gas; year on year;
intensities; targets against their paths; credits and the portfolio's
removal and durable shares), the public report the organisation-level
figures, the reductions over the years and the credits cancelled with their
serial numbers. Charts are the same SVG drawings as the web's.

It must never compute a figure: it shows what core computed, rounded by the
one display policy, and never shows site-level or draft detail publicly.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from neutra.core.claims import (
    CancelledCredit,
    ClaimPeriod,
    FootprintFigures,
    PortfolioYear,
    Scope2Basis,
    year_total,
)
from neutra.core.history import EmissionsYear
from neutra.core.indicators import Intensity
from neutra.core.targets import TargetResult
from neutra.reports.charts import BarChart, Series, render_svg
from neutra.reports.labels import scope3_category_label
from neutra.reports.rendering import data_uri_svg, render_html, render_pdf

__all__ = ["ClimateReport", "ReportKind", "climate_html", "climate_pdf"]


class ReportKind(StrEnum):
    MANAGEMENT = "management"  # internal: every breakdown
    PUBLIC = "public"  # external: organisation-level figures only


@dataclass(frozen=True, slots=True)
class ClimateReport:
    """What a yearly climate report shows, all computed by core."""

    kind: ReportKind
    client: str
    period: ClaimPeriod
    footprint: FootprintFigures  # the period's footprint
    history: tuple[EmissionsYear, ...] = ()  # every year, the period's from the footprint
    intensities: tuple[Intensity, ...] = ()  # every year's intensities
    targets: tuple[TargetResult, ...] = ()  # targets with paths and actuals
    credits: tuple[CancelledCredit, ...] = ()  # the client's units cancelled for the period
    portfolio: tuple[PortfolioYear, ...] = ()  # removal and durable shares per year

    @property
    def title(self) -> str:
        if self.kind is ReportKind.MANAGEMENT:
            return f"Climate management report {self.period.label}"
        return f"Climate report {self.period.label}"

    @property
    def credit_units(self) -> int:
        return sum(c.quantity for c in self.credits)


def _charts(report: ClimateReport) -> dict[str, str]:
    f = report.footprint
    charts = {
        "scopes": BarChart(
            "Emissions by scope",
            "t CO2e",
            ("Scope 1", "Scope 2", "Scope 3"),
            (
                Series("Location-based", (f.scope1, f.scope2_location, f.scope3)),
                Series("Market-based", (f.scope1, f.scope2_market, f.scope3)),
            ),
        )
    }
    categories = [(c, v) for c, v in f.scope3_categories if v > 0]
    if categories:
        charts["categories"] = BarChart(
            "Scope 3 by category",
            "t CO2e",
            tuple(scope3_category_label(c) for c, _ in categories),
            (Series("Emissions", tuple(v for _, v in categories)),),
            horizontal=True,
        )
    if len(report.history) > 1:
        years = sorted(report.history, key=lambda y: y.year)
        charts["years"] = BarChart(
            "Emissions over the years",
            "t CO2e",
            tuple(str(y.year) for y in years),
            (
                Series("Location-based", tuple(year_total(y, Scope2Basis.LOCATION) for y in years)),
                Series("Market-based", tuple(year_total(y, Scope2Basis.MARKET) for y in years)),
            ),
        )
    return {
        name: data_uri_svg(render_svg(chart, interactive=False)) for name, chart in charts.items()
    }


def climate_html(report: ClimateReport) -> str:
    """The report as one HTML document (the PDF is made from the same)."""
    management = report.kind is ReportKind.MANAGEMENT
    years = sorted(report.history, key=lambda y: y.year)
    return render_html(
        "climate.html.j2",
        report=report,
        management=management,
        footprint=report.footprint,
        total_location=report.footprint.total(Scope2Basis.LOCATION),
        total_market=report.footprint.total(Scope2Basis.MARKET),
        categories=[(scope3_category_label(c), v) for c, v in report.footprint.scope3_categories],
        years=[
            {
                "year": y.year,
                "scope1": y.scope1,
                "scope2_location": y.scope2_location,
                "scope2_market": y.scope2_market,
                "scope3": y.scope3,
                "total_location": year_total(y, Scope2Basis.LOCATION),
                "total_market": year_total(y, Scope2Basis.MARKET),
            }
            for y in years
        ],
        intensities=[i for i in report.intensities if management or i.year == report.period.year],
        charts=_charts(report),
    )


def climate_pdf(report: ClimateReport) -> bytes:
    return render_pdf(climate_html(report))
