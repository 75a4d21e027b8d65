"""The footprint and its lines download as CSV and XLSX (the `neutra footprint` formats), with
the dashboard's totals, and text a spreadsheet would run written as text."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest
from django.test import Client

from neutra.formats import workbook
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.services import inventory_create
from neutra.web.tenancy.models import Role
from neutra.web.tenancy.services import membership_grant
from tests.web.helpers import calculated, uploaded

# 1000 kWh of natural gas at DESNZ 2025's 0.00018296 t/kWh, and 2000 kWh of grid electricity
# at DESNZ 2025's per-gas factors weighted with AR5 (CO2 0.00017489 t/kWh, CH4 x 28, N2O
# x 265); the descriptions are what a hostile contributor might write.
ROWS = (
    "id,year,activity,quantity,unit,region,description\n"
    'gas-1,2025,fuel.natural_gas,1000,kWh,GB,"=HYPERLINK(""http://x.example"",""click"")"\n'
    "power-1,2025,electricity.grid,2000,kWh,GB,@SUM(A1:A9)\n"
)
SCOPE1 = 1000 * 0.00018296
SCOPE2 = 2000 * (0.00017489 + 3.2142857142857145e-08 * 28 + 4.60377358490566e-09 * 265)


@pytest.fixture
def inventory(world: dict[str, Any], make_user: Any) -> Inventory:
    erin = make_user("erin")
    membership_grant(organisation=world["B1"], user=erin, role=Role.CONTRIBUTOR, by=world["alice"])
    inventory = inventory_create(organisation=world["B1"], year=2025, by=world["alice"])
    uploaded(inventory, erin, rows=ROWS, name="=cmd.csv")
    calculated(inventory, world["alice"])
    return inventory


def test_the_lines_xlsx_has_the_dashboards_totals_and_no_formula(
    client: Client, world: dict[str, Any], inventory: Inventory
) -> None:
    client.force_login(world["bob"])
    answer = client.get(f"/inventories/{inventory.pk}/export/lines.xlsx")
    assert answer.status_code == 200
    assert "attachment" in answer["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    sheet = book["Lines"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    assert [r["row_id"] for r in rows] == ["gas-1", "power-1"]
    dashboard = client.get(f"/api/inventories/{inventory.pk}/dashboard").json()
    totals = dashboard["figures"]["totals"]
    assert sum(r["emissions_t_co2e"] for r in rows) == pytest.approx(totals["total_location"])
    assert totals["total_location"] == pytest.approx(SCOPE1 + SCOPE2)
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]  # no formula anywhere
    assert "=cmd.csv" in [r["file"] for r in rows]  # kept, as text
    summary = book["Summary"]
    assert {r[0].value: r[1].value for r in summary.iter_rows(2)}["scope1"] == pytest.approx(SCOPE1)


def test_the_csv_exports_guard_formula_like_text(
    client: Client, world: dict[str, Any], inventory: Inventory
) -> None:
    client.force_login(world["bob"])
    lines = client.get(f"/inventories/{inventory.pk}/export/lines.csv")
    assert lines["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(lines.content.decode())))
    assert [r["file"] for r in rows] == ["'=cmd.csv", "'=cmd.csv"]
    assert not [v for r in rows for v in r.values() if v.startswith(("=", "+", "@"))]
    footprint = client.get(f"/inventories/{inventory.pk}/export/footprint.csv").content.decode()
    by_key = {
        (r["section"], r["key"]): float(r["value"]) for r in csv.DictReader(io.StringIO(footprint))
    }
    assert by_key[("totals", "scope2_location")] == pytest.approx(SCOPE2)


def test_exports_through_the_api_and_refusals(
    client: Client, world: dict[str, Any], inventory: Inventory
) -> None:
    client.force_login(world["bob"])
    api = client.get(f"/api/inventories/{inventory.pk}/export/footprint?format=xlsx")
    assert api.status_code == 200
    assert openpyxl.load_workbook(io.BytesIO(api.content))["Summary"]["A1"].value == "figure"
    assert client.get(f"/api/inventories/{inventory.pk}/export/lines?format=pdf").status_code == 404
    assert client.get(f"/inventories/{inventory.pk}/export/other.csv").status_code == 404
    empty = inventory_create(organisation=world["B1"], year=2024, by=world["alice"])
    assert client.get(f"/inventories/{empty.pk}/export/lines.csv").status_code == 404
    client.force_login(world["charlie"])  # another consultancy's client
    assert client.get(f"/inventories/{inventory.pk}/export/lines.csv").status_code == 404


def test_the_dashboard_and_the_inventory_page_link_the_exports(
    client: Client, world: dict[str, Any], inventory: Inventory
) -> None:
    client.force_login(world["bob"])
    url = f"/inventories/{inventory.pk}/export/lines.xlsx"
    assert url in client.get(f"/inventories/{inventory.pk}/dashboard/").content.decode()
    assert url in client.get(f"/inventories/{inventory.pk}/calculation/").content.decode()


def test_more_than_an_xlsx_sheet_holds_is_refused_not_cut_short(
    client: Client, world: dict[str, Any], inventory: Inventory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A sheet holds 1,048,575 rows; here one, so that the two lines are too many.
    monkeypatch.setattr(workbook, "SHEET_ROWS", 1)
    client.force_login(world["bob"])
    page = client.get(f"/inventories/{inventory.pk}/export/lines.xlsx")
    assert page.status_code == 400
    assert "an XLSX sheet holds 1 rows and this footprint has 2 lines" in page.content.decode()
    api = client.get(f"/api/inventories/{inventory.pk}/export/lines?format=xlsx")
    assert api.status_code == 400
    assert "write it as CSV or JSON" in api.content.decode()
    # CSV has no such limit.
    assert client.get(f"/inventories/{inventory.pk}/export/lines.csv").status_code == 200
