"""`neutra report ...`: management and public reports (HTML, PDF) and disclosure exports (XLSX, JSON)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from neutra.core.rounding import format_tonnes

FOOTPRINT = {
    "schema": "neutra.footprint/1",
    "gwp_set": "AR5",
    "unit": "t CO2e",
    "totals": {
        "scope1": 150.2, "scope2_location": 400.0, "scope2_market": 300.1, "scope3": 800.1,
        "total_location": 1350.3, "total_market": 1250.4,
    },
    "scope3_categories": {"1": 700.1, "6": 100.0},
    "by_gas": {"CO2": {"t": 1200.0, "t_co2e": 1200.0}},
    "biogenic_co2_t": 3.5,
    "by_entity": {"Leeds plant": {"total_location": 1000.0, "total_market": 900.0}},
    "flags": [],
    "lines": [],
    "provenance": {"hash": "abc"},
}  # fmt: skip
NEEDS_POPPLER = pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("NEUTRA_REQUIRE_ALL"),
    reason="pdftotext (poppler-utils) is not installed",
)


def neutra(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "neutra", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        timeout=180,
    )


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "footprint.json").write_text(json.dumps(FOOTPRINT))
    (tmp_path / "history.csv").write_text(
        "year,scope1,scope2_location,scope2_market,scope3\n2021,200,500,450,900\n2023,170,450,350,850\n"
    )
    (tmp_path / "denominators.csv").write_text(
        "year,indicator,value,unit,source\n2024,revenue,25000000,EUR,Annual report\n"
        "2023,revenue,22000000,EUR,Annual report\n"
    )
    return tmp_path


@NEEDS_POPPLER
def test_the_management_report_pdf_states_the_footprints_figures_and_its_sites(files: Path) -> None:
    result = neutra(
        "report", "management", "--footprint", files / "footprint.json", "--client", "Acme",
        "--period", "2024", "--history", files / "history.csv",
        "--denominators", files / "denominators.csv", "--format", "pdf", "--output", files / "m.pdf",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = subprocess.run(
        ["pdftotext", "-layout", str(files / "m.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for value in FOOTPRINT["totals"].values():  # type: ignore[attr-defined]
        assert format_tonnes(value) in text
    assert "Leeds plant" in text  # sites, internal only
    assert "2021" in text  # year on year
    assert "50.0160" in text  # 1,250.4 t per 25 million EUR


def test_the_public_report_html_shows_no_site_detail(files: Path) -> None:
    result = neutra(
        "report", "public", "--footprint", files / "footprint.json", "--client", "Acme",
        "--period", "2024", "--format", "html", "--output", files / "p.html",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    html = (files / "p.html").read_text()
    assert "1,250.400" in html
    assert "Leeds plant" not in html
    assert "<svg" not in html  # charts are inline images, the same SVG as the PDF's
    assert "data:image/svg+xml;base64," in html


def test_the_esrs_export_as_xlsx_and_json_holds_the_same_figures(files: Path) -> None:
    for fmt in ("xlsx", "json"):
        result = neutra(
            "report", "disclosure", "esrs", "--footprint", files / "footprint.json",
            "--client", "Acme", "--period", "2024", "--denominators", files / "denominators.csv",
            "--format", fmt, "--output", files / f"e.{fmt}",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    document = json.loads((files / "e.json").read_text())
    sheet = openpyxl.load_workbook(files / "e.xlsx").active
    assert sheet is not None
    cells = [
        (row[0], row[1], row[2])
        for row in sheet.iter_rows(min_row=5, values_only=True)
        if row[0] is not None
    ]
    # Excel keeps 15 significant digits: numbers agree to that, text exactly
    assert [(r["reference"], r["label"]) for r in document["rows"]] == [c[:2] for c in cells]
    for row, cell in zip(document["rows"], cells, strict=True):
        assert cell[2] == (
            row["value"]
            if not isinstance(row["value"], float)
            else pytest.approx(row["value"], rel=1e-14)
        )
    totals = {r["label"]: r["value"] for r in document["rows"] if r["reference"] == "E1-6 §44(d)"}
    assert totals["Total GHG emissions (market-based)"] == pytest.approx(1250.4)
    assert totals["Total GHG emissions (location-based)"] == pytest.approx(1350.3)


def test_a_bad_input_is_listed_and_nothing_is_written(files: Path) -> None:
    (files / "bad.csv").write_text("year,indicator,value,unit,source\n2024,revenue,-5,EUR,x\n")
    result = neutra(
        "report", "disclosure", "cdp", "--footprint", files / "missing.json", "--client", "Acme",
        "--period", "2024", "--denominators", files / "bad.csv", "--output", files / "c.xlsx",
    )  # fmt: skip
    assert result.returncode == 2
    assert "missing.json" in result.stderr
    assert "bad.csv" in result.stderr
    assert not (files / "c.xlsx").exists()
