"""Dashboards: an inventory's figures and charts, the lines behind every figure, a line's
factor with its source and GWP set, the years side by side and what a restatement changed,
for everyone who sees the client and nobody else.

Most tests store a small calculation by hand: seven lines whose factors are real
factors of the starter library (so the line page can show them), with every figure
worked out below from the factor values in src/neutra/data/starter/. One test stores
a real engine run instead.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from neutra.core.engine import FootprintOptions, compute_footprint
from neutra.core.engine.result import output_hash
from neutra.core.gwp import gwp_set
from neutra.formats.activity_files import read_activities
from neutra.formats.starter import starter_library
from neutra.web.calculations.models import Calculation, EmissionLine
from neutra.web.dashboards.selectors import year_over_year
from neutra.web.inventories.models import Inventory, InventoryState
from neutra.web.inventories.services import inventory_create
from neutra.web.tenancy.models import Membership, Role
from neutra.web.tenancy.services import membership_grant
from neutra.web.workflow.services import inventory_transition

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

SVG = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert(1)</script>"

# --- the hand-made calculation ------------------------------------------------------
# Factors (t per unit) from the starter library:
GAS_KWH = 0.00018296  # desnz-2025 1_100_1004_6, natural gas per kWh (gross CV), scope 1
# desnz-2025 7_400_4000_5, UK grid electricity per kWh, scope 2, kept per gas: AR5 parts
# 0.17489 (CO2) + 0.00090 (CH4) + 0.00122 (N2O) kg CO2e; the total, rounded apart, is 0.17700.
GRID_GB_CO2, GRID_GB_CH4, GRID_GB_N2O = 0.00017489, 0.0009e-3 / 28, 0.00122e-3 / 265
GRID_GB_KWH = GRID_GB_CO2 + 28 * GRID_GB_CH4 + 265 * GRID_GB_N2O  # 0.00017701
RAIL_PKM = 3.546e-05  # desnz-2025 25_315_3147_11, national rail per passenger km, cat 6
HOTEL_GB_NIGHT = 0.0104  # desnz-2025 29_600_4000_13, UK hotel night, cat 6
WATER_M3 = 0.0001913  # desnz-2025 17_404_4005_1, water supply per m3, cat 1
# egrid ERCT-2021-location (eGRID2021 data) per MWh, per gas; AR5 GWP100: CH4 28, N2O 265.
ERCT_CO2, ERCT_CH4, ERCT_N2O = 0.3690424512, 2.4493968e-05, 3.628736e-06
ERCT_CO2E_MWH = ERCT_CO2 + 28 * ERCT_CH4 + 265 * ERCT_N2O  # 0.370689897344

G1 = 10_000 * GAS_KWH  # 1.8296
E1 = 100_000 * GRID_GB_KWH  # 17.701
E1_MARKET = 12.5  # the market-based figure, as if a supplier's rate covered it
E2 = 200 * ERCT_CO2E_MWH  # 74.1379794688
T1 = 1000 * RAIL_PKM  # 0.03546
T2 = 10 * HOTEL_GB_NIGHT  # 0.104
T3 = -2 * HOTEL_GB_NIGHT  # -0.0208, a correction
S1 = 5000 * WATER_M3  # 0.9565

SCOPE1 = G1
SCOPE2_LOCATION = E1 + E2  # 91.8389794688
SCOPE2_MARKET = E1_MARKET + E2  # 86.6379794688
CATEGORY_6 = T1 + T2 + T3  # 0.11866
CATEGORY_1 = S1
SCOPE3 = CATEGORY_6 + CATEGORY_1  # 1.07516
TOTAL_LOCATION = SCOPE1 + SCOPE2_LOCATION + SCOPE3  # 94.7437394688
TOTAL_MARKET = SCOPE1 + SCOPE2_MARKET + SCOPE3  # 89.5427394688


def _line(**fields: Any) -> dict[str, Any]:
    base = {
        "year": 2024,
        "region": None,
        "category": None,
        "factor_source": None,
        "gwp_set": "AR5",
        "flags": None,
        "inclusion_share": 1.0,
        "biogenic_co2_t": 0.0,
    }
    base.update(fields)
    base.setdefault("emissions_market_t_co2e", base["emissions_t_co2e"])
    base.setdefault("gases_t", {"CO2e": base["emissions_t_co2e"]})
    return base


HAND_LINES = [
    _line(file="gas.csv", row=2, row_id="G1", entity="Plant", scope=1,
          activity="fuel.natural_gas", quantity=10_000, unit="kWh",
          factor="desnz-2025:1_100_1004_6", emissions_t_co2e=G1),
    _line(file="elec.csv", row=2, row_id="E1", entity="Plant", scope=2, region="GB",
          activity="electricity.grid", quantity=100_000, unit="kWh",
          factor="desnz-2025:7_400_4000_5", emissions_t_co2e=E1,
          emissions_market_t_co2e=E1_MARKET,
          gases_t={"CH4": 100_000 * GRID_GB_CH4, "CO2": 100_000 * GRID_GB_CO2,
                   "N2O": 100_000 * GRID_GB_N2O}),
    _line(file="elec.csv", row=3, row_id="E2", entity="Texas site", scope=2, region="US-ERCT",
          activity="electricity.grid", quantity=200, unit="MWh",
          factor="egrid:ERCT-2021-location", emissions_t_co2e=E2,
          flags="residual_mix_missing;year_fallback",
          gases_t={"CH4": 200 * ERCT_CH4, "CO2": 200 * ERCT_CO2, "N2O": 200 * ERCT_N2O}),
    _line(file="travel.csv", row=2, row_id="T1", entity="Office", scope=3, category=6,
          activity="travel.rail.national", quantity=1000, unit="passenger_km",
          factor="desnz-2025:25_315_3147_11", emissions_t_co2e=T1),
    _line(file="travel.csv", row=3, row_id="T2", entity="Office", scope=3, category=6,
          activity="hotel.night", quantity=10, unit="night", region="GB",
          factor="desnz-2025:29_600_4000_13", emissions_t_co2e=T2),
    _line(file="travel.csv", row=4, row_id="T3", entity="Office", scope=3, category=6,
          activity="hotel.night", quantity=-2, unit="night", region="GB",
          factor="desnz-2025:29_600_4000_13", emissions_t_co2e=T3, flags="negative_quantity"),
    _line(file="water.csv", row=2, row_id="S1", entity=EVIL, scope=3, category=1,
          activity="water.supply", quantity=5000, unit="m3",
          factor="desnz-2025:17_404_4005_1", emissions_t_co2e=S1),
]  # fmt: skip


def _totals(s1: float, s2l: float, s2m: float, s3: float) -> dict[str, float]:
    return {
        "scope1": s1,
        "scope2_location": s2l,
        "scope2_market": s2m,
        "scope3": s3,
        "total_location": s1 + s2l + s3,
        "total_market": s1 + s2m + s3,
    }


HAND_SUMMARY: dict[str, Any] = {
    "schema": "neutra.footprint/1",
    "gwp_set": "AR5",
    "unit": "t CO2e",
    "totals": _totals(SCOPE1, SCOPE2_LOCATION, SCOPE2_MARKET, SCOPE3),
    "scope3_categories": {str(c): {1: CATEGORY_1, 6: CATEGORY_6}.get(c, 0.0) for c in range(1, 16)},
    "by_gas": {
        "CH4": {"t": 200 * ERCT_CH4, "t_co2e": 200 * ERCT_CH4 * 28},
        "CO2": {"t": 200 * ERCT_CO2, "t_co2e": 200 * ERCT_CO2},
        "CO2e": {"t": G1 + E1 + CATEGORY_6 + S1, "t_co2e": G1 + E1 + CATEGORY_6 + S1},
        "N2O": {"t": 200 * ERCT_N2O, "t_co2e": 200 * ERCT_N2O * 265},
    },
    "biogenic_co2_t": 0.0,
    "by_entity": {
        "Plant": _totals(G1, E1, E1_MARKET, 0.0),
        "Texas site": _totals(0.0, E2, E2, 0.0),
        "Office": _totals(0.0, 0.0, 0.0, CATEGORY_6),
        EVIL: _totals(0.0, 0.0, 0.0, S1),
    },
    "flag_summary": [
        ["negative_quantity", "", 1],
        ["residual_mix_missing", "no residual-mix factor for US-ERCT 2024", 1],
        ["year_fallback", "ERCT 2023 used for 2024", 1],
    ],
    "flags": [
        {"row": "T3", "flag": "negative_quantity", "detail": "a correction"},
        {"row": "E2", "flag": "residual_mix_missing", "detail": "no residual mix"},
        {"row": "E2", "flag": "year_fallback", "detail": "2023 for 2024"},
    ],
    "provenance": {
        "engine": "neutra test",
        "inputs": {"gas.csv": "ab" * 32},
        "factor_sets": [{"name": "desnz-2025", "version": "fa1b9e9d66365e12", "factors": 90}],
        "gwp_set": {"name": "AR5", "source": "IPCC AR5"},
        "hash": "cd" * 32,
    },
}


def store(
    inventory: Inventory,
    summary: dict[str, Any],
    lines: list[dict[str, Any]],
    *,
    by: Any = None,
    at: Any = None,
) -> Calculation:
    """A calculation of `inventory` with these lines, stored as the calculations app stores one."""
    calculation = Calculation.objects.create(
        organisation=inventory.organisation,
        inventory=inventory,
        summary=summary,
        output_hash=output_hash(summary),
        row_count=len(lines),
        calculated_by=by,
        calculated_at=at or timezone.now(),
    )
    EmissionLine.objects.bulk_create(
        EmissionLine(organisation=inventory.organisation, calculation=calculation, **line)
        for line in lines
    )
    return calculation


def summary_with(total_location: float, total_market: float | None = None) -> dict[str, Any]:
    """A summary whose scope 1 is the whole footprint (for year-over-year and restatements)."""
    market = total_location if total_market is None else total_market
    return {
        **HAND_SUMMARY,
        "totals": _totals(total_location, 0.0, market - total_location, 0.0),
        "by_entity": {"Plant": _totals(total_location, 0.0, 0.0, 0.0)},
    }


@pytest.fixture(autouse=True)
def quick_passwords(settings: Any) -> None:
    # These tests log in with force_login: argon2's deliberate slowness buys nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(world: dict[str, Any], make_user: Any) -> dict[str, Any]:
    """The world, plus B1's viewer vera, live auditor audrey and expired auditor ed."""
    vera, audrey, ed = make_user("vera"), make_user("audrey"), make_user("ed")
    b1, alice = world["B1"], world["alice"]
    soon = timezone.now() + timedelta(days=10)
    membership_grant(organisation=b1, user=vera, role=Role.VIEWER, by=alice)
    membership_grant(organisation=b1, user=audrey, role=Role.AUDITOR, expires_at=soon, by=alice)
    membership_grant(organisation=b1, user=ed, role=Role.AUDITOR, expires_at=soon, by=alice)
    Membership.objects.filter(user=ed).update(expires_at=timezone.now() - timedelta(days=1))
    return {**world, "vera": vera, "audrey": audrey, "ed": ed}


@pytest.fixture
def calculated(people: dict[str, Any]) -> dict[str, Any]:
    """B1's 2024 inventory with the hand-made calculation, submitted (auditors see no draft)."""
    inventory = inventory_create(organisation=people["B1"], year=2024, by=people["alice"])
    calculation = store(inventory, HAND_SUMMARY, HAND_LINES, by=people["alice"])
    inventory_transition(inventory=inventory, to="submitted", by=people["bob"])
    lines = {line.row_id: line for line in EmissionLine.objects.filter(calculation=calculation)}
    return {**people, "inventory": inventory, "calculation": calculation, "lines": lines}


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def main(response: Any) -> str:
    """The page's <main> element."""
    return response.content.decode().split("<main>", 1)[1].split("</main>", 1)[0]


def line_ids(response: Any) -> list[str]:
    return re.findall(r'data-line="(\d+)"', response.content.decode())


def rows(lines: dict[str, EmissionLine], *ids: str) -> list[str]:
    return [str(lines[i].pk) for i in ids]


# --- the dashboard ------------------------------------------------------------------


def test_the_dashboard_shows_the_stored_totals_with_scope_2_by_both_methods(
    calculated: dict[str, Any],
) -> None:
    response = logged_in(calculated["bob"]).get(
        f"/inventories/{calculated['inventory'].pk}/dashboard/"
    )
    assert response.status_code == 200
    page = text_of(response)
    cards = dict(
        re.findall(
            r'<div class="card" data-key="(\w+)">.*?<div class="figure">(?:<a [^>]*>)?([-\d,.]+)',
            page,
        )
    )
    assert cards == {
        "scope1": "1.830",  # 1.8296
        "scope2_location": "91.839",  # 17.701 + 74.1379794688
        "scope2_market": "86.638",  # 12.5 + 74.1379794688
        "scope3": "1.075",  # 1.07516
        "total_location": "94.744",
        "total_market": "89.543",
        "biogenic": "0.000",
    }
    assert "Business travel" in page
    assert "Purchased goods and services" in page
    assert "0.119" in page  # category 6: 0.03546 + 0.104 - 0.0208
    # by gas, in tonnes of gas and in CO2e: 200 MWh x 2.4493968e-05 t CH4/MWh
    assert re.search(
        r"CH4</a></th> <td class=\"num\">0.005</td> <td class=\"num\"><a [^>]*>0.137<", page
    )
    # year over year, the flags and the provenance
    assert "2024 (version 1)" in page
    assert "negative_quantity" in page
    assert "a correction of an earlier row" in page
    assert "fa1b9e9d66365e12" in page
    assert calculated["calculation"].output_hash in page
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') == 5


def test_every_figure_of_the_dashboard_links_to_its_lines(calculated: dict[str, Any]) -> None:
    pk = calculated["inventory"].pk
    page = text_of(logged_in(calculated["alice"]).get(f"/inventories/{pk}/dashboard/"))
    for query in (
        "?scope=1",
        "?scope=2",
        "?scope=3",
        "?category=6",
        "?entity=Texas+site",
        "?gas=CH4",
        "?flag=negative_quantity",
        "?flag=any",
    ):
        assert f'href="/inventories/{pk}/lines/{query}' in page, query
    # the charts' bars too (scope 3 category bars carry the category)
    assert re.search(
        rf'<a href="/inventories/{pk}/lines/\?category=6"[^>]*><rect class="bar"', page
    )


def test_the_dashboard_never_reads_the_lines_and_draws_a_calculation_once(
    calculated: dict[str, Any],
) -> None:
    client = logged_in(calculated["bob"])
    url = f"/inventories/{calculated['inventory'].pk}/dashboard/"
    with CaptureQueriesContext(connection) as first:
        drawn = client.get(url)
    with CaptureQueriesContext(connection) as again:
        again_drawn = client.get(url)
    assert main(again_drawn) == main(drawn)  # the page around it carries a fresh CSRF token
    for queries in (first, again):
        assert not [q for q in queries.captured_queries if "emissionline" in q["sql"].lower()]
    # The second time only names the calculation: no figure of the summary is read or
    # drawn again (the uploads it was made from are read: are its figures current?).
    read = [q["sql"].lower() for q in again.captured_queries]
    assert [q for q in read if "summary" in q] == [
        q for q in read if "summary" in q and "'uploads'" in q.replace('"', "'")
    ]
    # Two of them say whether the figures are current, one reads the scope 3 screening.
    assert len(again.captured_queries) <= 11


def test_a_new_calculation_shows_on_the_dashboard_at_once(calculated: dict[str, Any]) -> None:
    client = logged_in(calculated["bob"])
    inventory = calculated["inventory"]
    url = f"/inventories/{inventory.pk}/dashboard/"
    assert "94.744" in text_of(client.get(url))
    store(inventory, summary_with(1234.5), [], at=timezone.now() + timedelta(seconds=1))
    page = text_of(client.get(url))
    assert "1,234.500" in page
    assert "94.744" not in page


def test_the_dashboard_api_serves_the_stored_figures_and_the_chart_specs(
    calculated: dict[str, Any],
) -> None:
    pk = calculated["inventory"].pk
    response = logged_in(calculated["bob"]).get(f"/api/inventories/{pk}/dashboard")
    assert response.status_code == 200
    body = response.json()
    assert body["calculated"] is True
    assert body["calculation"]["id"] == calculated["calculation"].pk
    assert body["calculation"]["row_count"] == 7
    assert body["calculation"]["calculated_by"] == "alice"
    figures = body["figures"]
    assert figures["totals"] == pytest.approx(HAND_SUMMARY["totals"])
    assert figures["totals"]["scope2_location"] == pytest.approx(91.8389794688)
    assert figures["totals"]["scope2_market"] == pytest.approx(86.6379794688)
    categories = {c["category"]: (c["name"], c["t_co2e"]) for c in figures["scope3_categories"]}
    assert categories[6] == ("Business travel", pytest.approx(0.11866))
    assert categories[1] == ("Purchased goods and services", pytest.approx(0.9565))
    assert figures["by_gas"]["N2O"] == pytest.approx({"t": 0.0007257472, "t_co2e": 0.192323008})
    assert figures["flag_counts"] == {
        "negative_quantity": 1,
        "residual_mix_missing": 1,
        "year_fallback": 1,
    }
    assert set(body["charts"]) == {"by-scope", "scope3", "by-entity", "by-gas", "year-over-year"}
    by_scope = body["charts"]["by-scope"]
    assert by_scope["categories"] == ["Scope 1", "Scope 2", "Scope 3"]
    assert [s["name"] for s in by_scope["series"]] == ["Location-based", "Market-based"]
    assert by_scope["series"][1]["values"] == pytest.approx([SCOPE1, SCOPE2_MARKET, SCOPE3])
    assert by_scope["series"][0]["links"][1] == f"/inventories/{pk}/lines/?scope=2"
    assert body["year_over_year"] == [
        {
            "year": 2024,
            "inventory_id": pk,
            "version": 1,
            "calculation_id": calculated["calculation"].pk,
            "totals": pytest.approx(HAND_SUMMARY["totals"]),
        }
    ]


def test_an_inventory_never_calculated_says_so_and_links_back_to_its_page(
    people: dict[str, Any],
) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    client = logged_in(people["bob"])
    page = client.get(f"/inventories/{inventory.pk}/dashboard/")
    assert page.status_code == 200
    assert "has not been calculated yet" in text_of(page)
    assert f'href="/inventories/{inventory.pk}/"' in text_of(page)
    lines = client.get(f"/inventories/{inventory.pk}/lines/")
    assert lines.status_code == 200
    assert "has not been calculated yet" in text_of(lines)
    api = client.get(f"/api/inventories/{inventory.pk}/dashboard").json()
    assert (api["calculated"], api["figures"], list(api["charts"])) == (
        False,
        None,
        ["year-over-year"],
    )
    missing = client.get(f"/api/inventories/{inventory.pk}/lines")
    assert missing.status_code == 404
    assert "has not been calculated yet" in missing.json()["message"]
    assert client.get(f"/inventories/{inventory.pk}/charts/by-scope.svg").status_code == 404


# --- drill-down ---------------------------------------------------------------------


def test_drilling_into_business_travel_shows_exactly_its_lines_summing_to_the_category(
    calculated: dict[str, Any],
) -> None:
    pk, lines = calculated["inventory"].pk, calculated["lines"]
    client = logged_in(calculated["vera"])
    page = client.get(f"/inventories/{pk}/lines/?category=6")
    assert page.status_code == 200
    assert line_ids(page) == rows(lines, "T1", "T2", "T3")
    text = text_of(page)
    assert "<strong>3</strong> lines: <strong>0.119</strong> t CO2e location-based" in text
    assert "Category 6: Business travel" in text  # the filter, as a removable chip
    assert f'href="/inventories/{pk}/lines/" aria-label="Remove filter Category 6' in text
    api = client.get(f"/api/inventories/{pk}/lines", {"category": "6"}).json()
    assert [line["row_id"] for line in api["lines"]] == ["T1", "T2", "T3"]
    assert api["count"] == 3
    summed = math.fsum(line["emissions_t_co2e"] for line in api["lines"])
    assert summed == pytest.approx(HAND_SUMMARY["scope3_categories"]["6"])
    assert api["emissions_t_co2e"] == pytest.approx(summed)


@pytest.mark.parametrize(
    ("query", "expected", "location", "market"),
    [
        ({}, ["E1", "E2", "G1", "T1", "T2", "T3", "S1"], TOTAL_LOCATION, TOTAL_MARKET),
        ({"scope": "2"}, ["E1", "E2"], SCOPE2_LOCATION, SCOPE2_MARKET),
        ({"entity": "Plant"}, ["E1", "G1"], G1 + E1, G1 + E1_MARKET),
        ({"entity": "Plant", "scope": "2"}, ["E1"], E1, E1_MARKET),
        ({"entity": EVIL}, ["S1"], S1, S1),
        ({"gas": "CH4"}, ["E1", "E2"], E1 + E2, E1_MARKET + E2),  # DESNZ UK grid: per gas too
        ({"flag": "negative_quantity"}, ["T3"], T3, T3),
        ({"flag": "year_fallback"}, ["E2"], E2, E2),
        ({"flag": "any"}, ["E2", "T3"], E2 + T3, E2 + T3),
        ({"q": "HOTEL"}, ["T2", "T3"], T2 + T3, T2 + T3),
        ({"q": "egrid:"}, ["E2"], E2, E2),
        ({"scope": "3", "q": "nothing like this"}, [], 0.0, 0.0),
    ],
)
def test_the_line_filters_select_the_right_lines_and_sum_them(
    calculated: dict[str, Any],
    query: dict[str, str],
    expected: list[str],
    location: float,
    market: float,
) -> None:
    pk = calculated["inventory"].pk
    body = logged_in(calculated["bob"]).get(f"/api/inventories/{pk}/lines", query).json()
    assert [line["row_id"] for line in body["lines"]] == expected  # file, then row order
    assert body["count"] == len(expected)
    assert body["emissions_t_co2e"] == pytest.approx(location)
    assert body["emissions_market_t_co2e"] == pytest.approx(market)


def test_the_lines_come_a_hundred_to_a_page(people: dict[str, Any]) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2023, by=people["alice"])
    many = [
        _line(file="many.csv", row=r, row_id=f"R{r}", entity="Plant", scope=1,
              activity="fuel.natural_gas", quantity=1.0, unit="kWh",
              factor="desnz-2025:1_100_1004_6", emissions_t_co2e=GAS_KWH)
        for r in range(2, 252)
    ]  # fmt: skip
    store(inventory, summary_with(250 * GAS_KWH), many)
    client = logged_in(people["bob"])
    base = f"/inventories/{inventory.pk}/lines/"
    first, third = client.get(base), client.get(base + "?page=3")
    assert len(line_ids(first)) == 100
    assert "Page 1 of 3" in text_of(first)
    assert f'href="{base}?page=2" rel="next"' in text_of(first)
    assert len(line_ids(third)) == 50
    assert "R202" in text_of(third)
    assert "R251" in text_of(third)
    assert client.get(base + "?page=4").status_code == 400
    api = client.get(f"/api/inventories/{inventory.pk}/lines", {"limit": "1000", "offset": "240"})
    assert [line["row_id"] for line in api.json()["lines"]] == [f"R{r}" for r in range(242, 252)]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("scope=7", "scope"),
        ("scope=one", "scope"),
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=99999999999999999999", "page"),
        ("category=99", "category"),
        ("category=6&scope=1", "category"),
        ("entity=Nobody", "entity"),
        ("gas=XYZ", "gas"),
        ("flag=made_up", "flag"),
        ("q=" + "x" * 101, "q"),
        ("q=a%00b", "q"),
        ("scope=1&scope=2", "scope"),
    ],
)
def test_a_bad_query_parameter_is_a_400_page_naming_it(
    calculated: dict[str, Any], query: str, parameter: str
) -> None:
    pk = calculated["inventory"].pk
    client = logged_in(calculated["bob"])
    page = client.get(f"/inventories/{pk}/lines/?{query}")
    assert page.status_code == 400
    assert f"<td>{parameter}</td>" in text_of(page)
    assert "Traceback" not in text_of(page)
    api = client.get(f"/api/inventories/{pk}/lines?{query.replace('page=', 'offset=')}")
    if parameter != "page" or "abc" in query:
        assert api.status_code == 400
        body = api.json()
        problem = body["extra"]["problems"][0]
        assert problem["column"] in (parameter, "offset")
        assert body["message"].startswith(problem["column"])


def test_every_bad_parameter_is_named_at_once(calculated: dict[str, Any]) -> None:
    pk = calculated["inventory"].pk
    client = logged_in(calculated["bob"])
    page = text_of(client.get(f"/inventories/{pk}/lines/?scope=7&page=abc&gas=XYZ"))
    assert re.findall(r"<tr><td>(\w+)</td>", page) == ["scope", "gas", "page"]
    assert "scope: must be 1, 2 or 3" in page
    body = client.get(f"/api/inventories/{pk}/lines?limit=x&category=0").json()
    assert [p["column"] for p in body["extra"]["problems"]] == ["category", "limit"]
    assert body["message"] == "category: must be a scope 3 category, 1 to 15"


@pytest.mark.parametrize("query", ["limit=0", "limit=1001", "limit=x", "offset=-1"])
def test_the_api_refuses_a_bad_page_size_or_offset(calculated: dict[str, Any], query: str) -> None:
    pk = calculated["inventory"].pk
    response = logged_in(calculated["bob"]).get(f"/api/inventories/{pk}/lines?{query}")
    assert response.status_code == 400
    assert response.json()["message"].split(":")[0] in ("limit", "offset")


# --- a line and its factor ----------------------------------------------------------


def test_a_line_shows_its_factor_source_gwp_set_and_the_arithmetic(
    calculated: dict[str, Any],
) -> None:
    pk, line = calculated["inventory"].pk, calculated["lines"]["E2"]
    client = logged_in(calculated["audrey"])
    page = client.get(f"/inventories/{pk}/lines/{line.pk}/")
    assert page.status_code == 200
    text = text_of(page)
    assert "egrid:ERCT-2021-location" in text
    assert "680dac2a92e76724" in text  # the pinned version of the eGRID set
    assert "US EPA eGRID subregion location-based rates" in text  # the source
    assert "AR5: IPCC AR5 WG1 (2013)" in text  # the GWP set and its citation
    assert re.search(r'data-gas="CH4">.*?2.4493968e-05</td>.*?>28</td>', text)
    assert re.search(r'data-gas="N2O">.*?3.628736e-06</td>.*?>265</td>', text)
    assert "200 MWh × 1 MWh/MWh × 0.370689897344 t CO2e/MWh × 1 (inclusion share)" in text
    assert "This equals the line's location-based figure" in text
    assert "residual_mix_missing</strong>: Scope 2 consumption not covered" in text
    detail = client.get(f"/api/lines/{line.pk}").json()
    assert detail["factor"]["reference"] == "egrid:ERCT-2021-location"
    assert {g["gas"]: g["gwp"] for g in detail["factor"]["gases"]} == {
        "CH4": 28.0,
        "CO2": 1.0,
        "N2O": 265.0,
    }
    arithmetic = detail["arithmetic"]
    assert arithmetic["co2e_per_unit"] == pytest.approx(ERCT_CO2E_MWH)
    assert arithmetic["computed_t_co2e"] == pytest.approx(line.emissions_t_co2e, rel=1e-12)
    assert arithmetic["matches"] is True


def test_the_arithmetic_converts_units_and_reproduces_every_hand_made_line(
    calculated: dict[str, Any],
) -> None:
    client = logged_in(calculated["alice"])
    for row_id, line in calculated["lines"].items():
        detail = client.get(f"/api/lines/{line.pk}").json()
        assert detail["arithmetic"]["matches"] is True, row_id
        assert detail["factor"]["source"].startswith(("Department for Energy", "US EPA")), row_id


def test_a_line_of_another_inventory_is_not_found_under_this_one(
    calculated: dict[str, Any],
) -> None:
    other = inventory_create(organisation=calculated["B1"], year=2022, by=calculated["alice"])
    line = calculated["lines"]["G1"]
    response = logged_in(calculated["bob"]).get(f"/inventories/{other.pk}/lines/{line.pk}/")
    assert response.status_code == 404


# --- year over year and restatements ------------------------------------------------


def _locked(people: dict[str, Any], year: int, version: int = 1, restates: Any = None) -> Inventory:
    return Inventory.objects.create(
        organisation=people["B1"],
        year=year,
        version=version,
        restates=restates,
        state=InventoryState.LOCKED,
        created_by=people["alice"],
    )


def test_year_over_year_orders_the_years_and_takes_the_newest_calculated_version(
    people: dict[str, Any],
) -> None:
    now = timezone.now()
    v2021 = _locked(people, 2021)
    store(v2021, summary_with(10.0), [])
    Inventory.objects.create(organisation=people["B1"], year=2021, version=2, restates=v2021)
    v2022 = _locked(people, 2022)
    store(v2022, summary_with(20.0), [])
    v2022b = Inventory.objects.create(
        organisation=people["B1"], year=2022, version=2, restates=v2022
    )
    store(v2022b, summary_with(22.0, 21.0), [])
    v2023 = _locked(people, 2023)
    store(v2023, summary_with(30.0), [], at=now - timedelta(days=2))
    store(v2023, summary_with(33.0), [], at=now - timedelta(days=1))  # recalculated
    inventory_create(organisation=people["B1"], year=2024, by=people["alice"])  # not calculated
    store(_locked({**people, "B1": people["B2"]}, 2022), summary_with(99.0), [])  # B2's

    years = year_over_year(organisation=people["B1"])
    assert [(y.year, y.version) for y in years] == [(2021, 1), (2022, 2), (2023, 1)]
    assert [y.totals["total_location"] for y in years] == [10.0, 22.0, 33.0]
    assert [y.totals["total_market"] for y in years] == [10.0, 21.0, 33.0]
    page = text_of(logged_in(people["bob"]).get(f"/inventories/{v2022b.pk}/dashboard/"))
    assert re.findall(r"(\d{4}) \(version (\d)\)", page) == [
        ("2021", "1"),
        ("2022", "2"),
        ("2023", "1"),
    ]


def test_a_restatement_shows_what_changed_against_the_version_it_restates(
    people: dict[str, Any],
) -> None:
    before = _locked(people, 2023)
    store(before, HAND_SUMMARY, HAND_LINES)
    after = Inventory.objects.create(
        organisation=people["B1"], year=2023, version=2, restates=before
    )
    corrected = {
        **HAND_SUMMARY,
        # The Plant's gas was twice what was reported, the water row was wrong and dropped.
        "totals": _totals(2 * G1, SCOPE2_LOCATION, SCOPE2_MARKET, CATEGORY_6),
        "scope3_categories": {**HAND_SUMMARY["scope3_categories"], "1": 0.0},
        "by_entity": {
            "Plant": _totals(2 * G1, E1, E1_MARKET, 0.0),
            "Texas site": _totals(0.0, E2, E2, 0.0),
            "Office": _totals(0.0, 0.0, 0.0, CATEGORY_6),
        },
    }
    store(after, corrected, [])
    client = logged_in(people["dora"])  # B2's auditor sees nothing of B1
    assert client.get(f"/inventories/{after.pk}/compare/").status_code == 404
    client = logged_in(people["vera"])
    body = client.get(f"/api/inventories/{after.pk}/compare").json()
    assert body["restates_id"] == before.pk
    totals = {row["key"]: row for row in body["totals"]}
    assert totals["scope1"]["before"] == pytest.approx(G1)
    assert totals["scope1"]["after"] == pytest.approx(2 * G1)
    assert totals["scope1"]["change"] == pytest.approx(G1)
    assert totals["scope1"]["change_percent"] == pytest.approx(100.0)
    assert totals["total_location"]["change"] == pytest.approx(G1 - S1)  # 1.8296 - 0.9565
    categories = {row["key"]: row for row in body["scope3_categories"]}
    assert set(categories) == {"1", "6"}
    assert categories["1"]["change"] == pytest.approx(-S1)
    assert categories["6"]["change"] == pytest.approx(0.0)
    entities = {row["key"]: row for row in body["entities"]}
    assert entities[EVIL]["after"] == 0.0
    assert entities["Plant"]["change"] == pytest.approx(G1)
    page = client.get(f"/inventories/{after.pk}/compare/")
    text = text_of(page)
    assert '<tr data-key="scope1"><th scope="row">Scope 1</th><td class="num">1.830</td>' in text
    assert "+1.830" in text
    assert "+100.0 %" in text
    assert "-0.956" in text  # the water row dropped
    assert EVIL not in text
    assert "&lt;script&gt;" in text
    first = client.get(f"/api/inventories/{before.pk}/compare").json()
    assert (first["restates_id"], first["totals"]) == (None, [])
    assert "restates nothing" in text_of(client.get(f"/inventories/{before.pk}/compare/"))


# --- who may see what ---------------------------------------------------------------


def _urls(calculated: dict[str, Any]) -> tuple[list[str], list[str]]:
    pk, line = calculated["inventory"].pk, calculated["lines"]["E2"].pk
    pages = [
        f"/inventories/{pk}/dashboard/",
        f"/inventories/{pk}/lines/",
        f"/inventories/{pk}/lines/?category=6",
        f"/inventories/{pk}/lines/{line}/",
        f"/inventories/{pk}/compare/",
        *(f"/inventories/{pk}/charts/{name}.svg" for name in ("by-scope", "scope3", "by-entity",
                                                               "by-gas", "year-over-year")),
    ]  # fmt: skip
    api = [
        f"/api/inventories/{pk}/dashboard",
        f"/api/inventories/{pk}/lines",
        f"/api/lines/{line}",
        f"/api/inventories/{pk}/compare",
    ]
    return pages, api


@pytest.mark.parametrize("reader", ["alice", "bob", "vera", "audrey"])
def test_staff_client_admin_viewer_and_a_live_auditor_read_every_page_and_endpoint(
    calculated: dict[str, Any], reader: str
) -> None:
    client = logged_in(calculated[reader])
    pages, api = _urls(calculated)
    for url in pages + api:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("visitor", ["ed", "charlie", "dora"])
def test_an_expired_auditor_and_other_tenants_get_404_everywhere(
    calculated: dict[str, Any], visitor: str
) -> None:
    client = logged_in(calculated[visitor])
    pages, api = _urls(calculated)
    for url in pages + api:
        response = client.get(url)
        assert response.status_code == 404, url
        assert b"Plant" not in response.content, url
        assert b"94.744" not in response.content, url


def test_a_line_of_another_tenant_is_not_found_even_under_ones_own_inventory(
    calculated: dict[str, Any],
) -> None:
    own = inventory_create(organisation=calculated["C1"], year=2024, by=None)
    line = calculated["lines"]["G1"]
    client = logged_in(calculated["charlie"])
    assert client.get(f"/inventories/{own.pk}/lines/{line.pk}/").status_code == 404
    assert client.get(f"/api/lines/{line.pk}").json() == {
        "message": "line not found",
        "extra": {"line_id": str(line.pk)},
    }


def test_anonymous_visitors_are_sent_to_log_in_and_the_api_says_401(
    calculated: dict[str, Any],
) -> None:
    client = Client()
    pages, api = _urls(calculated)
    for url in pages:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login"), url
    for url in api:
        assert client.get(url).status_code == 401, url


def test_an_unknown_chart_is_404(calculated: dict[str, Any]) -> None:
    pk = calculated["inventory"].pk
    assert logged_in(calculated["bob"]).get(f"/inventories/{pk}/charts/pie.svg").status_code == 404


# --- charts and escaping ------------------------------------------------------------


def test_an_entity_named_like_a_script_is_text_in_the_pages_and_the_svg(
    calculated: dict[str, Any],
) -> None:
    pk, line = calculated["inventory"].pk, calculated["lines"]["S1"]
    client = logged_in(calculated["bob"])
    escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"
    for url in (
        f"/inventories/{pk}/dashboard/",
        f"/inventories/{pk}/lines/",
        f"/inventories/{pk}/lines/{line.pk}/",
        f"/inventories/{pk}/charts/by-entity.svg",
    ):
        body = client.get(url).content.decode()
        assert EVIL not in body, url
        assert escaped in body, url
    chip = client.get(f"/inventories/{pk}/lines/", {"entity": EVIL})
    assert line_ids(chip) == [str(line.pk)]
    assert EVIL not in chip.content.decode()


def test_the_static_chart_is_the_page_chart_without_links(calculated: dict[str, Any]) -> None:
    pk = calculated["inventory"].pk
    client = logged_in(calculated["bob"])
    response = client.get(f"/inventories/{pk}/charts/scope3.svg")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)
    assert not list(root.iter(f"{SVG}a"))
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert len(bars) == 15  # one per scope 3 category
    titles = [r.findtext(f"{SVG}title") for r in bars]
    assert titles[5] == "6. Business travel · Scope 3: 0.119 t CO2e"
    page = client.get(f"/inventories/{pk}/dashboard/").content.decode()
    assert page.count(f'href="/inventories/{pk}/lines/?category=') >= 15 * 2  # bars and table


# --- a real engine run --------------------------------------------------------------

ACTIVITIES = """id,entity,year,activity,quantity,unit,region,scope,category
gas-1,Plant,2025,fuel.natural_gas,12000,kWh,GB,,
elec-1,Plant,2025,electricity.grid,250000,kWh,GB,,
elec-2,Office,2025,electricity.grid,40,MWh,GB,,
hotel-1,Office,2025,hotel.night,12,night,GB,,
rail-1,Office,2025,travel.rail.national,3200,passenger_km,GB,,
water-1,Plant,2025,water.supply,900,m3,GB,,
"""


def store_footprint(inventory: Inventory, footprint: Any) -> Calculation:
    """A footprint stored the way the calculations app stores one (summary, then lines)."""
    summary = footprint.summary_json()
    summary["flags"] = [flag.as_dict() for flag in footprint.flags.first(1000)]
    gas_columns = [
        c for c in footprint.lines.column_names if c.endswith("_t") and c != "biogenic_co2_t"
    ]
    lines = []
    for row in footprint.lines.to_pylist():
        gases = {column[:-2]: row.pop(column) for column in gas_columns}
        row["row_id"] = row.pop("id")
        lines.append({**row, "gases_t": {g: t for g, t in gases.items() if t}})
    summary["provenance"]["hash"] = summary["provenance"].get("hash") or "0" * 64
    return store(inventory, summary, lines)


def test_a_real_engine_run_reads_back_exactly_and_every_line_reproduces_from_its_factor(
    people: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "activities.csv"
    path.write_text(ACTIVITIES)
    footprint = compute_footprint(
        read_activities([path]),
        starter_library(),
        gwp_set("AR5"),
        options=FootprintOptions(lines=True),
    )
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    store_footprint(inventory, footprint)
    client = logged_in(people["bob"])

    figures = client.get(f"/api/inventories/{inventory.pk}/dashboard").json()["figures"]
    assert figures["totals"] == footprint.totals  # stored and read back to the last bit
    assert {str(c["category"]): c["t_co2e"] for c in figures["scope3_categories"]} == (
        footprint.scope3_categories
    )
    assert figures["by_entity"] == footprint.by_entity
    # By hand from the starter's DESNZ 2025 factors: electricity 290,000 kWh x 0.00017701.
    assert figures["totals"]["scope2_location"] == pytest.approx(290_000 * GRID_GB_KWH)
    assert figures["totals"]["scope1"] == pytest.approx(12_000 * GAS_KWH)

    for scope in ("1", "2", "3"):
        body = client.get(f"/api/inventories/{inventory.pk}/lines", {"scope": scope}).json()
        key = {"1": "scope1", "2": "scope2_location", "3": "scope3"}[scope]
        summed = math.fsum(line["emissions_t_co2e"] for line in body["lines"])
        assert summed == pytest.approx(footprint.totals[key], rel=1e-12)
    travel = client.get(f"/api/inventories/{inventory.pk}/lines", {"category": "6"}).json()
    assert [line["row_id"] for line in travel["lines"]] == ["hotel-1", "rail-1"]
    assert math.fsum(line["emissions_t_co2e"] for line in travel["lines"]) == pytest.approx(
        footprint.scope3_categories["6"], rel=1e-12
    )
    for line in EmissionLine.objects.filter(calculation__inventory=inventory):
        detail = client.get(f"/api/lines/{line.pk}").json()
        assert detail["arithmetic"]["matches"] is True, line.row_id
        assert detail["factor"]["set_name"] == "desnz-2025", line.row_id
