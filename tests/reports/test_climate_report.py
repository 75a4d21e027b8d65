"""Climate reports render for any footprint, even one without scope 3 or history."""

from __future__ import annotations

from neutra.core.claims import ClaimPeriod, FootprintFigures
from neutra.reports.climate_report import ClimateReport, ReportKind, climate_html


def test_a_footprint_without_scope_3_or_history_still_renders_both_reports() -> None:
    footprint = FootprintFigures(
        scope1=7.5442, scope2_location=13.0129, scope2_market=13.0129, scope3=0.0
    )
    for kind in ReportKind:
        html = climate_html(ClimateReport(kind, "B1", ClaimPeriod.parse("2025"), footprint))
        assert "20.557" in html  # total, location-based
        assert "Scope 3 by category" not in html
        assert "No credits were cancelled for this period." in html
