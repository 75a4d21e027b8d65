"""`neutra report ...`: management and public reports (HTML, PDF) and disclosure exports (XLSX, JSON)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from neutra.core.rounding import format_tonnes
from tests.cli_run import neutra

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


ACTIVITIES = """id,entity,year,activity,quantity,unit,scope
1,Leeds plant,2024,fuel.diesel,1000,L,
2,Leeds plant,2024,fuel.natural_gas,50000,kWh,
3,Leeds plant,2024,electricity.grid,120000,kWh,
4,Leeds plant,2024,refrigerant.r410a,2.5,kg,
5,Leeds plant,2024,travel.rail.national,1000,passenger_km,
"""
DIESEL_KWH = 1000 * 0.833519 * 45.399 / 3.6  # DESNZ 2024 density and gross CV: 10,511.37 kWh


@pytest.fixture
def footprint_with_lines(tmp_path: Path) -> Path:
    (tmp_path / "activities.csv").write_text(ACTIVITIES)
    result = neutra(
        "footprint", tmp_path / "activities.csv", "--lines", "--format", "json",
        "--output", tmp_path / "footprint.json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return tmp_path / "footprint.json"


def rows_of(path: Path) -> dict[str, tuple[object, str]]:
    document = json.loads(path.read_text())
    return {r["label"]: (r["value"], r["note"]) for r in document["rows"]}


def test_esrs_e1_5_gives_the_energy_of_the_footprints_lines_in_mwh_by_source(
    footprint_with_lines: Path,
) -> None:
    out = footprint_with_lines.parent / "esrs.json"
    result = neutra(
        "report", "disclosure", "esrs", "--footprint", footprint_with_lines, "--client", "Acme",
        "--period", "2024", "--format", "json", "--output", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = rows_of(out)
    total = (DIESEL_KWH + 50_000 + 120_000) / 1000  # rail travel is scope 3: not own energy
    assert rows["Total energy consumption related to own operations"][0] == pytest.approx(total)
    assert rows["Fuel consumption from crude oil and petroleum products"][0] == pytest.approx(
        DIESEL_KWH / 1000
    )
    assert rows["Fuel consumption from natural gas"][0] == pytest.approx(50.0)
    assert rows["Purchased or acquired electricity (all sources)"][0] == pytest.approx(120.0)
    # the grid's mix is not in the data: no fossil or renewable figure is made up
    fossil, note = rows["Total energy consumption from fossil sources"]
    assert fossil is None
    assert "120.0 MWh of purchased electricity" in note
    listed, why = rows["Scope 1 and 2 activities not counted as energy"]
    assert listed == 1
    assert "refrigerant.r410a (2.5 kg, scope 1)" in why


def test_secr_gives_the_energy_used_in_kwh_as_xlsx_and_json(footprint_with_lines: Path) -> None:
    for fmt in ("xlsx", "json"):
        result = neutra(
            "report", "disclosure", "secr", "--footprint", footprint_with_lines, "--client", "Acme",
            "--period", "2024", "--format", fmt, "--output", footprint_with_lines.parent / f"s.{fmt}",
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    rows = rows_of(footprint_with_lines.parent / "s.json")
    assert rows["Energy use"][0] == pytest.approx(DIESEL_KWH + 170_000)
    assert rows["Energy use: gas"][0] == pytest.approx(50_000)
    assert rows["Energy use: purchased electricity"][0] == pytest.approx(120_000)
    assert rows["Energy use: other fuels (transport fuel, oil, LPG, coal, biomass)"][
        0
    ] == pytest.approx(DIESEL_KWH)
    sheet = openpyxl.load_workbook(footprint_with_lines.parent / "s.xlsx").active
    assert sheet is not None
    cells = {row[1]: row[2] for row in sheet.iter_rows(min_row=5, values_only=True) if row[1]}
    assert cells["Energy use"] == pytest.approx(DIESEL_KWH + 170_000, rel=1e-14)


def test_a_footprint_without_lines_says_how_to_get_the_energy(files: Path) -> None:
    result = neutra(
        "report", "disclosure", "esrs", "--footprint", files / "footprint.json", "--client", "Acme",
        "--period", "2024", "--format", "json", "--output", files / "e.json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    value, note = rows_of(files / "e.json")["Total energy consumption related to own operations"]
    assert value is None
    assert "neutra footprint --lines" in note


def test_a_report_never_replaces_one_of_its_inputs(files: Path) -> None:
    before = (files / "history.csv").read_bytes()
    result = neutra(
        "report", "management", "--footprint", files / "footprint.json", "--client", "Acme",
        "--period", "2024", "--history", files / "history.csv", "--output", files / "history.csv",
    )  # fmt: skip
    assert result.returncode == 2
    assert "is one of the files this command reads: give another name" in result.stderr
    assert (files / "history.csv").read_bytes() == before
