"""End to end in a real browser: Debian's chromium driven by Playwright against `neutra serve`.

The server is started the way a user starts it: `neutra demo --load-only`
loads the demonstration consultancy into a fresh database (SQLite under its
own NEUTRA_HOME, or a fresh PostgreSQL database in the PostgreSQL run), then
`neutra serve` runs waitress with its background worker process. The story:
the consultant adds a new client with its entity tree, opens its 2026
inventory and invites the client's contributor, who chooses a password
through the link mailed to them and accepts, uploads a file with a mistake, sees the row
error in the page, fixes it and submits; the consultant calculates, reviews
and locks, and the dashboard's figures equal `neutra footprint` on the
same file with the same entity tree.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from neutra.core.rounding import format_tonnes
from tests.web.conftest import CHROMIUM_ARGS, free_port

PASSWORD = "end-to-end passphrase 2026"
CLIENT = "Harbour Foods Ltd"
CONTRIBUTOR = "ops@harbour-foods.example"
# (entity, parent, equity share, financial control, operational control), as typed in the page.
ENTITIES = (
    ("Harbour Foods", "", "1", "full", "full"),
    ("Harbour Bakery", "Harbour Foods", "1", "full", "full"),
    ("Harbour Depot", "Harbour Foods", "0.75", "full", "full"),
    ("Harbour Mill JV", "Harbour Foods", "0.5", "joint", "none"),
)
TIMEOUT_MS = 60_000  # a job waits for the worker's next poll; CI machines are slow

GOOD = """id,entity,year,activity,quantity,unit,region,description
e2e-1,Harbour Bakery,2026,fuel.natural_gas,350000,kWh,GB,Ovens (January-June)
e2e-2,Harbour Bakery,2026,electricity.grid,210000,kWh,GB,Bakery electricity
e2e-3,Harbour Depot,2026,fuel.diesel,18000,L,GB,Delivery fleet
e2e-4,Harbour Foods,2026,travel.air.short_haul.economy,42000,passenger_km,GB,Flights
e2e-5,Harbour Mill JV,2026,fuel.natural_gas,75000,kWh,GB,JV boilers (not operated)
"""
BAD = GOOD.replace("210000,kWh", '"1,000",kWh')


@pytest.fixture(scope="module")
def server_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The served installation's NEUTRA_HOME; its serve.log holds the mail (console backend)."""
    return tmp_path_factory.mktemp("neutra-e2e-home")


@pytest.fixture(scope="module")
def server(server_home: Path, database_url: str | None) -> Iterator[str]:
    home = server_home
    env = {
        **os.environ,
        "NEUTRA_HOME": str(home),
        "NEUTRA_TASKS": "database",  # the real worker process, as `neutra serve` runs it
        "NEUTRA_DEMO_PASSWORD": PASSWORD,
        "NEUTRA_SECURE_COOKIES": "0",  # plain HTTP on loopback
        "NEUTRA_HSTS_SECONDS": "0",
    }
    env.pop("NEUTRA_DEBUG", None)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    neutra = [sys.executable, "-m", "neutra"]
    loaded = subprocess.run(
        [*neutra, "demo", "--load-only"], env=env, capture_output=True, text=True, timeout=900
    )
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    assert "northwind-consultant" in loaded.stdout
    port = free_port()
    log = (home / "serve.log").open("w")
    process = subprocess.Popen(
        [*neutra, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("neutra serve did not start:\n" + (home / "serve.log").read_text()[-3000:])
        time.sleep(0.3)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def new_page(browser: Any) -> Any:
    page = browser.new_context().new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def log_in(browser: Any, url: str, username: str, password: str = PASSWORD) -> Any:
    page = new_page(browser)
    page.goto(f"{url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}/")
    return page


def cli_footprint(folder: Path, csv_text: str) -> dict[str, Any]:
    """`neutra footprint` on the same file, with the client's entity tree and approach."""
    activities = folder / "harbour-2026.csv"
    activities.write_text(csv_text, encoding="utf-8")
    entities = folder / "entities.csv"
    header = "entity,parent,equity_share,financial_control,operational_control"
    entities.write_text("\n".join([header, *(",".join(e) for e in ENTITIES)]) + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "neutra", "footprint", str(activities), "--entities", str(entities),
         "--approach", "operational", "--gwp", "AR5", "--format", "json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_a_contributor_fixes_a_rejected_file_and_the_locked_dashboard_equals_the_cli(
    server: str, server_home: Path, browser: Any, tmp_path: Path
) -> None:
    bad, good = tmp_path / "harbour-2026.csv", tmp_path / "fixed" / "harbour-2026.csv"
    good.parent.mkdir()
    bad.write_text(BAD, encoding="utf-8")
    good.write_text(GOOD, encoding="utf-8")

    # The consultant adds the client with its entity tree and opens its 2026 inventory.
    consultant = log_in(browser, server, "northwind-consultant")
    consultant.fill("input[name=name]", CLIENT)
    consultant.fill("input[name=country]", "GB")
    consultant.click("text=Add organisation")
    consultant.wait_for_selector(f"h1:has-text('{CLIENT}')")
    for name, parent, share, financial, operational in ENTITIES:
        consultant.click("summary:has-text('Add an entity')")
        consultant.fill("#ent-name", name)
        if parent:
            consultant.select_option("#ent-parent", label=parent)
        consultant.fill("#ent-share", share)
        consultant.select_option("#ent-fin", financial)
        consultant.select_option("#ent-op", operational)
        consultant.click("button:has-text('Add entity')")
        consultant.wait_for_selector(f"td:has-text('{name}')")

    # ... invites the client's contributor, who gets a link by mail (the console backend
    # writes it to the server's output), chooses a password through it and accepts ...
    consultant.fill("#inv-email", CONTRIBUTOR)
    consultant.select_option("#inv-role", "contributor")
    consultant.click("button:has-text('Invite')")
    assert "on its way by e-mail" in consultant.inner_text("ul.messages")
    deadline = time.monotonic() + 30
    while not (
        found := re.search(
            r"http://\S+/invitations/\d+/\S+/", (server_home / "serve.log").read_text()
        )
    ):
        assert time.monotonic() < deadline, "no invitation mail in the server's output"
        time.sleep(0.2)
    newcomer = new_page(browser)
    newcomer.goto(found.group(0))
    chosen = "harbour contributor passphrase 7"
    newcomer.fill("input[name=new_password1]", chosen)
    newcomer.fill("input[name=new_password2]", chosen)
    newcomer.click("button:has-text('Set my password')")
    newcomer.click("button:has-text('Accept')")
    newcomer.wait_for_selector(f"h1:has-text('{CLIENT}')")

    # ... and opens the 2026 inventory (AR5, operational control).
    consultant.fill("#inv-year", "2026")
    consultant.select_option("#inv-gwp", "AR5")
    consultant.select_option("#inv-approach", "operational")
    consultant.click("text=Open inventory")
    consultant.wait_for_selector("#inventory-state")
    inventory_url = consultant.url
    assert consultant.inner_text("#inventory-state") == "Draft"

    # The contributor uploads a file with a mistake and sees the row error in the page.
    contributor = log_in(browser, server, CONTRIBUTOR, chosen)
    contributor.goto(inventory_url)
    contributor.set_input_files("#activities input[name=file]", str(bad))
    contributor.click("#activities button:has-text('Upload')")
    problems = contributor.wait_for_selector("#activities table.problems")
    text = problems.inner_text()
    assert "quantity" in text
    assert "1,000" in text
    assert "\t3\t" in text  # the spreadsheet row of the bad line (header = row 1)
    assert "No activity data yet" in contributor.inner_text("#activities")

    # Fixed and uploaded again: stored, listed, and the inventory is submitted.
    contributor.set_input_files("#activities input[name=file]", str(good))
    contributor.click("#activities button:has-text('Upload')")
    contributor.wait_for_selector("#activities table.uploads >> text=harbour-2026.csv")
    assert "5 activity rows" in contributor.inner_text("#activities table.uploads caption")
    contributor.click("button:has-text('Mark submitted')")
    contributor.wait_for_selector("#inventory-state:has-text('Submitted')")

    # The consultant calculates (a background job with progress), reviews and locks.
    consultant.goto(inventory_url)
    consultant.click("#calculation button:has-text('Calculate')")
    consultant.wait_for_selector("#calculation .cards")
    consultant.click("button:has-text('Mark reviewed')")
    consultant.wait_for_selector("#inventory-state:has-text('Reviewed')")
    consultant.click("button:has-text('Mark locked')")
    consultant.wait_for_selector("#inventory-state:has-text('Locked')")

    # The dashboard's figures are the command line's for the same file.
    consultant.goto(inventory_url.rstrip("/") + "/dashboard/")
    expected = cli_footprint(tmp_path, GOOD)["totals"]
    for key in (
        "scope1",
        "scope2_location",
        "scope2_market",
        "scope3",
        "total_location",
        "total_market",
    ):
        shown = consultant.inner_text(f"#headline .card[data-key={key}] .figure")
        assert shown == format_tonnes(expected[key]), key
    assert expected["scope1"] > 0
    assert expected["scope3"] > 0


BRIGHTWATER = "Brightwater Manufacturing Ltd"
# March's gas of the Leeds plant, forgotten in the first upload: 200,000 kWh more.
MARCH_GAS = "id,entity,year,activity,quantity,unit,region\nm1,Leeds plant,2026,fuel.natural_gas,200000,kWh,GB\n"


def open_inventory(page: Any, url: str, year: int) -> str:
    """From the organisations page to the client's inventory of `year`; its URL."""
    page.goto(f"{url}/")
    page.click(f"a:has-text('{BRIGHTWATER}')")
    page.click(f"table a:has-text('{year}')")
    page.wait_for_selector("#inventory-state")
    return str(page.url)


def headline(page: Any, key: str) -> str:
    return str(page.inner_text(f"#headline .card[data-key={key}] .figure"))


def test_reset_send_back_stale_then_fresh_figures_and_the_lines_export(
    server: str, server_home: Path, browser: Any, tmp_path: Path
) -> None:
    import openpyxl

    # The client's viewer forgot the password: a link by mail (the console backend
    # writes it to the server's output), a new password, and a log-in with it.
    viewer = new_page(browser)
    viewer.goto(f"{server}/accounts/login/")
    viewer.click("text=Forgotten your password?")
    viewer.fill("input[name=email]", "brightwater-viewer@example.com")
    viewer.click("button:has-text('Send me a link')")
    viewer.wait_for_selector("h1:has-text('Check your e-mail')")
    deadline = time.monotonic() + 30
    while not (
        found := re.search(
            r"http://\S+/accounts/password/reset/\S+/", (server_home / "serve.log").read_text()
        )
    ):
        assert time.monotonic() < deadline, "no reset mail in the server's output"
        time.sleep(0.2)
    viewer.goto(found.group(0))
    fresh = "brightwater viewer new passphrase 11"
    viewer.fill("input[name=new_password1]", fresh)
    viewer.fill("input[name=new_password2]", fresh)
    viewer.click("button:has-text('Set my new password')")
    viewer.wait_for_selector("h1:has-text('Your new password is set')")
    viewer = log_in(browser, server, "brightwater-viewer", fresh)

    # The client admin submits the 2026 draft; the consultant reviews it, then sends
    # it back with a reason, which the client reads on the inventory page.
    client_admin = log_in(browser, server, "brightwater-client-admin")
    inventory_url = open_inventory(client_admin, server, 2026)
    client_admin.click("button:has-text('Mark submitted')")
    client_admin.wait_for_selector("#inventory-state:has-text('Submitted')")
    consultant = log_in(browser, server, "northwind-consultant")
    consultant.goto(inventory_url)
    consultant.click("button:has-text('Mark reviewed')")
    consultant.wait_for_selector("#inventory-state:has-text('Reviewed')")
    reason = "March gas of the Leeds plant is missing"
    consultant.fill("textarea[name=reason]", reason)
    consultant.click("button:has-text('Send back to draft')")
    consultant.wait_for_selector("#inventory-state:has-text('Draft')")
    client_admin.goto(inventory_url)
    assert reason in client_admin.inner_text("[data-send-back-reason]")
    assert client_admin.locator(f"td.detail:has-text('{reason}')").count() == 1  # audit log

    # The viewer's dashboard before, then stale after the contributor's new upload ...
    dashboard_url = inventory_url.rstrip("/") + "/dashboard/"
    viewer.goto(dashboard_url)
    before = headline(viewer, "scope1")
    assert viewer.get_attribute("[data-stale]", "data-stale") == "false"
    contributor = log_in(browser, server, "brightwater-contributor")
    contributor.goto(inventory_url)
    march = tmp_path / "march-gas.csv"
    march.write_text(MARCH_GAS, encoding="utf-8")
    contributor.set_input_files("#activities input[name=file]", str(march))
    contributor.click("#activities button:has-text('Upload')")
    contributor.wait_for_selector("#activities table.uploads >> text=march-gas.csv")
    viewer.goto(dashboard_url)
    assert viewer.get_attribute("[data-stale]", "data-stale") == "true"
    assert "not current" in viewer.inner_text("[data-stale]")
    assert headline(viewer, "scope1") == before  # the old figures, marked

    # ... and fresh after the consultant calculates: 200,000 kWh x 0.00018296 t more.
    consultant.goto(inventory_url)
    consultant.click("#calculation button:has-text('Calculate')")
    consultant.wait_for_selector("#figures-status [data-stale=false]")
    viewer.goto(dashboard_url)
    assert viewer.get_attribute("[data-stale]", "data-stale") == "false"
    after = headline(viewer, "scope1")
    grown = float(after.replace(",", "")) - float(before.replace(",", ""))
    assert abs(grown - 200_000 * 0.00018296) < 0.002

    # The lines export, opened in openpyxl, adds up to the dashboard's totals.
    with viewer.expect_download() as download:
        viewer.click("a[data-export=lines-xlsx]")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = book["Lines"]
    header = [c.value for c in sheet[1]]
    lines = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    location = sum(float(line["emissions_t_co2e"]) for line in lines)
    market = sum(float(line["emissions_market_t_co2e"]) for line in lines)
    assert format_tonnes(location) == headline(viewer, "total_location")
    assert format_tonnes(market) == headline(viewer, "total_market")
    assert "m1" in [line["row_id"] for line in lines]


STRATEGY_CLIENT = "Cascade Outdoor Retail Inc."
FLOOR_AREA_M2 = {2024: 48_500, 2025: 49_200, 2026: 51_000}  # the stores' sales floor


def test_denominators_and_a_target_entered_in_the_page_give_the_cli_figures_and_warn_off_track(
    server: str, browser: Any, tmp_path: Path
) -> None:
    # The client admin enters a denominator of their own, year by year, with its source.
    admin = log_in(browser, server, "cascade-client-admin")
    admin.click(f"text={STRATEGY_CLIENT}")
    admin.click("text=Climate strategy")
    admin.wait_for_selector("h1:has-text('climate strategy')")
    strategy_url = admin.url.split("#")[0]
    for year, area in FLOOR_AREA_M2.items():
        admin.fill("#denominator-form input[name=year]", str(year))
        admin.fill("#denominator-form input[name=indicator]", "floor_m2")
        admin.fill("#denominator-form input[name=value]", str(area))
        admin.fill("#denominator-form input[name=unit]", "m2")
        admin.fill("#denominator-form input[name=source]", "Lease schedules")
        admin.click("#denominator-form button[type=submit]")
        admin.wait_for_selector(f"tr[data-indicator=floor_m2][data-year='{year}']")
    assert admin.locator("#target-form").count() == 1  # a client admin may also set targets

    # The consultant sets a steep target: 90 % of scopes 1 + 2 from 2024 by 2030.
    consultant = log_in(browser, server, "northwind-consultant")
    consultant.goto(strategy_url)
    consultant.fill("#target-form input[name=code]", "E2E-S12")
    consultant.select_option("#target-form select[name=kind]", "absolute")
    consultant.select_option("#target-form select[name=scopes]", "1+2")
    consultant.select_option("#target-form select[name=scope2]", "market")
    consultant.fill("#target-form input[name=base_year]", "2024")
    consultant.fill("#target-form input[name=target_year]", "2030")
    consultant.fill("#target-form input[name=reduction_percent]", "90")
    consultant.click("#target-form button[type=submit]")
    section = consultant.wait_for_selector("#target-E2E-S12")
    assert section.get_attribute("data-status") == "off_track"
    warning = consultant.inner_text("#warning-E2E-S12")
    assert "above the target path" in warning

    # The trajectory chart in the page: actuals, the target path and the plan path.
    chart = consultant.locator("#trajectory-E2E-S12 svg")
    legend = chart.locator("g.legend").text_content() or ""
    for series in ("Actual", "Target path", "Plan path"):
        assert series in legend
    assert chart.locator("rect.bar[data-series='0']").count() == 3  # actuals: 2024-2026 only
    assert chart.locator("rect.bar[data-series='1']").count() == 7  # the path: 2024-2030
    tooltips = " ".join(chart.locator("rect.bar title").all_text_contents())
    assert "2026 · Actual" in tooltips
    assert "2030 · Target path" in tooltips
    assert "2027 · Actual" not in tooltips  # no bar claims a figure for a year to come

    # The page's figures are `neutra strategy`'s on the files the page exports.
    files = {}
    for name in ("history", "denominators", "targets"):
        answer = consultant.request.get(f"{strategy_url}export/{name}.csv")
        assert answer.ok, name
        files[name] = tmp_path / f"{name}.csv"
        files[name].write_bytes(answer.body())
    done = subprocess.run(
        [sys.executable, "-m", "neutra", "strategy", "--history", str(files["history"]),
         "--denominators", str(files["denominators"]), "--targets", str(files["targets"]),
         "--format", "json"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    offline = json.loads(done.stdout)
    (target,) = [t for t in offline["targets"] if t["target_id"] == "E2E-S12"]
    assert target["status"] == "off_track"
    rows = consultant.locator("#target-E2E-S12 tr[data-year]")
    assert rows.count() == 7
    for index in range(rows.count()):
        row = rows.nth(index)
        year = row.get_attribute("data-year")
        shown_path = row.locator("td[data-path]").get_attribute("data-path")
        assert float(shown_path) == pytest.approx(target["path"][year], rel=1e-12), year
        shown_actual = row.locator("td[data-actual]").get_attribute("data-actual")
        if year in target["actual"]:
            assert float(shown_actual) == pytest.approx(target["actual"][year], rel=1e-12), year
        else:
            assert shown_actual == ""
    cell = consultant.locator(
        "#intensity-table tr[data-indicator=floor_m2][data-key=scope1_2_market] td[data-value]"
    )
    shown = [float(v) for v in cell.evaluate_all("cells => cells.map(c => c.dataset.value)")]
    expected = [
        offline["years"][str(y)]["intensity"]["floor_m2"]["scope1_2_market"] for y in FLOOR_AREA_M2
    ]
    assert shown == pytest.approx(expected, rel=1e-12)
    row_label = consultant.inner_text(
        "#intensity-table tr[data-indicator=floor_m2][data-key=scope1_2_market] th"
    )
    assert row_label == "scopes 1 + 2 (market-based) per m2"
    assert "operational control boundary" in consultant.inner_text("#intensity-table caption")
