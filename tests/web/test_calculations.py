"""Calculating an inventory: the footprint engine on the app database, stored with its
lines, the same figures as the CLI, refused to the wrong people and to locked
inventories, invisible to other tenants, superseded by the next calculation.

The hand-checked inventory: 1000 kWh of GB grid electricity at DESNZ 2025's
0.000177 t/kWh (factor 7_400_4000_5), 5000 kWh of natural gas at 0.00018296
t/kWh (1_100_1004_6), and USD 2000 of 2025 trucking spend at USEEIO 1.3's
0.000595 t per 2022 USD (484121), brought to 2022 prices by the CPI-U annual
averages 292.655 (2022) / 313.689 (2024, the latest before 2025) -- the
values in src/neutra/data/starter/ and src/neutra/data/money/price_indices.csv.

Activity rows are stored the way `neutra.web.activities.models` documents
(the validated table of `read_activities`, one ActivityRow per row), by a
helper here, since the upload service is another app's.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from neutra.core.engine import FootprintOptions, compute_footprint
from neutra.core.errors import InvalidInputError
from neutra.core.gwp import gwp_set
from neutra.formats.activity_files import read_activities
from neutra.formats.factor_csv import read_factor_csv
from neutra.formats.factor_store import FactorStore
from neutra.formats.starter import starter_library
from neutra.web.activities.models import ActivityRow, ActivityUpload
from neutra.web.calculations.app_db import app_database, inventory_activities
from neutra.web.calculations.models import Calculation, EmissionLine
from neutra.web.calculations.selectors import (
    calculation_current,
    calculation_for,
    calculations_for,
)
from neutra.web.calculations.services import (
    CalculationRunningError,
    calculation_run,
    calculation_start,
)
from neutra.web.errors import NotAllowedError, NotFoundError
from neutra.web.inventories.models import Inventory, InventoryLockedError
from neutra.web.inventories.services import inventory_create
from neutra.web.jobs.models import Job, JobKind, JobStatus
from neutra.web.jobs.services import job_create
from neutra.web.tenancy.models import AuditEntry, Organisation, Role
from neutra.web.tenancy.services import entity_create, membership_grant
from neutra.web.workflow.selectors import figures_status
from neutra.web.workflow.services import inventory_transition

HAND_CSV = """id,entity,year,activity,quantity,unit,region,category,description
E1,,2025,electricity.grid,1000,kWh,GB,,Office electricity
G1,,2025,fuel.natural_gas,5000,kWh,GB,,Boiler gas
S1,,2025,spend.naics.484121,2000,USD,US,4,Outbound trucking (spend-based)
"""
SCOPE1 = 5000 * 0.00018296  # 0.9148 t
# DESNZ 2025 UK electricity per gas (AR5 parts 0.17489 CO2 + 0.00090 CH4 + 0.00122 N2O
# kg CO2e/kWh; the total, rounded apart, is 0.17700): location- and market-based (no residual
# mix for GB).
SCOPE2 = 1000 * (0.17489 + 0.00090 + 0.00122) / 1000  # 0.17701 t
SCOPE3_CAT4 = 2000 * 0.000595 * 292.655 / 313.689  # 1.1102... t
TOTAL = SCOPE1 + SCOPE2 + SCOPE3_CAT4


@pytest.fixture(autouse=True)
def quick_passwords(settings: Any) -> None:
    """The personas' passwords hashed cheaply: these tests log in with force_login only,
    and Argon2's deliberate slowness would otherwise be most of their run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(world: dict, make_user: Any) -> dict:
    """The world, plus erin (contributor of B1) and victor (viewer of B1)."""
    erin, victor = make_user("erin"), make_user("victor")
    membership_grant(organisation=world["B1"], user=erin, role=Role.CONTRIBUTOR, by=world["alice"])
    membership_grant(organisation=world["B1"], user=victor, role=Role.VIEWER, by=world["alice"])
    return {**world, "erin": erin, "victor": victor}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder, so files are named as a user names them ("activities.csv")."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(folder: Path, text: str, name: str = "activities.csv") -> Path:
    (folder / name).write_text(text)
    return Path(name)


def stored_upload(inventory: Inventory, path: Path, *, by: Any = None) -> ActivityUpload:
    """An activity file accepted into the inventory: its validated rows, as the model says."""
    data = read_activities([path])
    label = str(path)
    rows = data.table.to_pyarrow().to_pylist()
    upload = ActivityUpload.objects.create(
        organisation=inventory.organisation,
        inventory=inventory,
        file_name=label,
        sha256=data.sources[label],
        row_count=len(rows),
        uploaded_by=by,
    )
    ActivityRow.objects.bulk_create(
        ActivityRow(
            organisation=inventory.organisation,
            inventory=inventory,
            upload=upload,
            source=row["_source"],
            row=row["_row"],
            row_id=row["id"],
            entity=row["entity"],
            year=row["year"],
            activity=row["activity"],
            factor=row["factor"],
            quantity=row["quantity"],
            unit=row["unit"],
            region=row["region"],
            scope=row["scope"],
            category=row["category"],
            description=row["description"],
            extra={name: row[name] for name in data.passthrough},
        )
        for row in rows
    )
    return upload


@pytest.fixture
def hand(people: dict, folder: Path) -> Inventory:
    """B1's 2025 inventory holding the hand-checked file."""
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    stored_upload(inventory, write(folder, HAND_CSV), by=people["bob"])
    return inventory


def calculated(inventory: Inventory, by: Any) -> Calculation:
    job = calculation_start(inventory=inventory, by=by)
    assert job.status == JobStatus.SUCCEEDED, (job.message, job.problems)
    current = calculation_current(inventory=inventory)
    assert current is not None
    return current


def locked(inventory: Inventory, people: dict) -> Inventory:
    inventory_transition(inventory=inventory, to="submitted", by=people["erin"])
    inventory_transition(inventory=inventory, to="reviewed", by=people["alice"])
    inventory_transition(inventory=inventory, to="locked", by=people["alice"])
    inventory.refresh_from_db()
    return inventory


def assert_close(got: float, want: float) -> None:
    assert math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-15), (got, want)


# The figures


def test_a_calculation_gives_the_hand_computed_figures(hand: Inventory, people: dict) -> None:
    calculation = calculated(hand, people["alice"])
    totals = calculation.summary["totals"]
    assert_close(totals["scope1"], SCOPE1)
    assert_close(totals["scope2_location"], SCOPE2)
    assert_close(totals["scope2_market"], SCOPE2)
    assert_close(totals["scope3"], SCOPE3_CAT4)
    assert_close(calculation.summary["scope3_categories"]["4"], SCOPE3_CAT4)
    assert_close(totals["total_location"], TOTAL)
    assert_close(totals["total_market"], TOTAL)
    assert calculation.row_count == 3
    assert calculation.calculated_by == people["alice"]
    # No instruments yet: market-based scope 2 is the grid average, flagged. The spend row's
    # move to USEEIO's 2022 price year is a money conversion, not a year fallback; its
    # category 4 overrides the factor's category 1 (USEEIO's default), which is flagged.
    assert calculation.summary["flag_counts"] == {
        "money_converted": 1,
        "residual_mix_missing": 1,
        "scope_overridden": 1,
    }


def test_the_app_database_gives_duckdbs_figures_and_output_hash(
    hand: Inventory, folder: Path
) -> None:
    sets, gwp = starter_library(), gwp_set("AR5")
    options = FootprintOptions(lines=True)
    on_duckdb = compute_footprint(
        read_activities([Path("activities.csv")]), sets, gwp, options=options
    )
    uploads = list(ActivityUpload.objects.filter(inventory=hand))
    with app_database() as backend:
        data = inventory_activities(backend, inventory_id=hand.pk, uploads=uploads)
        here = compute_footprint(data, sets, gwp, options=options, backend=backend)
        assert list(here.flags) == list(on_duckdb.flags)
    # Same inputs (file name and content hash), same figures to the bit: same hash.
    assert here.summary_json() == on_duckdb.summary_json()
    assert here.provenance["hash"] == on_duckdb.provenance["hash"]
    assert here.lines is not None
    assert on_duckdb.lines is not None
    assert here.lines.to_pylist() == on_duckdb.lines.to_pylist()


def test_the_api_footprint_is_the_clis_json_for_the_same_file(
    client: Client, hand: Inventory, people: dict, folder: Path
) -> None:
    calculated(hand, people["alice"])
    command = ("footprint", "activities.csv", "--gwp", "AR5", "--format", "json")
    done = subprocess.run(
        [sys.executable, "-m", "neutra", *command],
        capture_output=True,
        text=True,
        cwd=folder,
        env={**os.environ},
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    cli = json.loads(done.stdout)
    client.force_login(people["bob"])
    document = client.get(f"/api/inventories/{hand.pk}/footprint").json()
    calculation = document.pop("calculation")
    assert document == cli  # every figure, flag and the provenance with its hash
    assert calculation["row_count"] == 3
    assert calculation["current"] is True


def test_every_activity_row_is_a_line_with_its_factor_source_and_gwp_set(
    hand: Inventory, people: dict
) -> None:
    calculation = calculated(hand, people["bob"])
    lines = {line.row_id: line for line in EmissionLine.objects.filter(calculation=calculation)}
    assert set(lines) == {"E1", "G1", "S1"}
    electricity, gas, spend = lines["E1"], lines["G1"], lines["S1"]
    assert (electricity.file, electricity.row, electricity.scope) == ("activities.csv", 2, 2)
    assert electricity.factor == "desnz-2025:7_400_4000_5"
    assert electricity.factor_source.startswith("Department for Energy Security and Net Zero")
    assert electricity.flags == "residual_mix_missing"
    assert_close(electricity.emissions_t_co2e, SCOPE2)
    assert gas.factor == "desnz-2025:1_100_1004_6"
    assert gas.flags is None
    assert_close(gas.emissions_t_co2e, SCOPE1)
    # DESNZ natural gas per gas: 5000 kWh x (0.18259 kg CO2, 0.00028 / 28 kg CH4,
    # 0.00009 / 265 kg N2O), the parts the file publishes, as masses.
    assert gas.gases_t == pytest.approx(
        {"CO2": 5000 * 0.18259e-3, "CH4": 5000 * 0.00028e-3 / 28, "N2O": 5000 * 0.00009e-3 / 265},
        rel=1e-12,
    )
    assert (spend.factor, spend.scope, spend.category) == ("useeio-1.3:484121", 3, 4)
    assert spend.flags == "money_converted;scope_overridden"
    assert_close(spend.emissions_market_t_co2e, SCOPE3_CAT4)
    assert {line.gwp_set for line in lines.values()} == {"AR5"}
    assert {line.organisation_id for line in lines.values()} == {hand.organisation_id}


def test_every_stored_line_is_the_engines_line_to_the_bit(people: dict, folder: Path) -> None:
    # The database writes the lines itself (INSERT ... SELECT): each must hold what the
    # engine gives for the same file on DuckDB, every column, every gas mass exactly.
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    path = write(
        folder,
        "id,entity,year,activity,quantity,unit,region,scope,category,description\n"
        'a,Plant A,2025,electricity.grid,1234.56789,kWh,GB,,,"Grid, ""main"" meter"\n'
        "b,,2025,fuel.natural_gas,0.1,kWh,GB,,,\n"
        "c,Plant A,2025,fuel.diesel,-3.3,L,GB,1,,Correction\n"
        "d,,2025,fuel.petrol,77.7,L,GB,3,6,Own car\n"
        "e,,2025,spend.naics.484121,2000,USD,US,,4,\n",
    )
    stored_upload(inventory, path)
    calculation = calculated(inventory, people["alice"])
    engine = compute_footprint(
        read_activities([path]),
        starter_library(),
        gwp_set("AR5"),
        options=FootprintOptions(lines=True),
    )
    assert engine.lines is not None
    gases = [
        c[: -len("_t")] for c in engine.lines.column_names if c.endswith("_t") and c[0].isupper()
    ]
    want = [
        {
            **{k: v for k, v in line.items() if not (k.endswith("_t") and k[0].isupper())},
            "gases_t": {gas: line[f"{gas}_t"] for gas in gases if line[f"{gas}_t"]},
        }
        for line in engine.lines.to_pylist()
    ]
    fields = [f.name for f in EmissionLine._meta.concrete_fields][3:]  # from file on
    got = [
        {("id" if k == "row_id" else k): v for k, v in line.items()}
        for line in EmissionLine.objects.filter(calculation=calculation)
        .order_by("row")
        .values(*fields)
    ]
    assert got == want
    assert [line["flags"] for line in got].count(None) < len(got)  # some lines are flagged


def test_the_stored_totals_are_the_sums_of_the_lines(hand: Inventory, people: dict) -> None:
    calculation = calculated(hand, people["alice"])
    lines = list(EmissionLine.objects.filter(calculation=calculation))
    assert len(lines) == calculation.row_count

    def total(scope: int, market: bool = False) -> float:
        return math.fsum(
            line.emissions_market_t_co2e if market else line.emissions_t_co2e
            for line in lines
            if line.scope == scope
        )

    totals = calculation.summary["totals"]
    assert_close(totals["scope1"], total(1))
    assert_close(totals["scope2_location"], total(2))
    assert_close(totals["scope2_market"], total(2, market=True))
    assert_close(totals["scope3"], total(3))
    by_gas = math.fsum(line.gases_t.get("CO2e", 0.0) for line in lines)
    assert_close(calculation.summary["by_gas"]["CO2e"]["t"], by_gas)


def test_an_equity_share_boundary_includes_half_of_a_half_owned_subsidiary(
    people: dict, folder: Path
) -> None:
    b1, alice = people["B1"], people["alice"]
    group = entity_create(organisation=b1, name="B1 Group", by=alice)
    entity_create(
        organisation=b1,
        name="B1 Joint Sub",
        parent=group,
        equity_share=0.5,
        financial_control="none",
        operational_control="full",
        by=alice,
    )
    inventory = inventory_create(organisation=b1, year=2025, by=alice, approach="equity")
    stored_upload(
        inventory,
        write(
            folder,
            "id,entity,year,activity,quantity,unit,region\n"
            "G1,B1 Group,2025,fuel.natural_gas,5000,kWh,GB\n"
            "G2,B1 Joint Sub,2025,fuel.natural_gas,5000,kWh,GB\n",
        ),
    )
    calculation = calculated(inventory, alice)
    by_entity = calculation.summary["by_entity"]
    assert_close(by_entity["B1 Group"]["scope1"], 5000 * 0.00018296)
    assert_close(by_entity["B1 Joint Sub"]["scope1"], 0.5 * 5000 * 0.00018296)
    assert_close(calculation.summary["totals"]["scope1"], 1.5 * 5000 * 0.00018296)
    assert calculation.summary["provenance"]["options"]["approach"] == "equity"
    shares = dict(
        EmissionLine.objects.filter(calculation=calculation).values_list(
            "row_id", "inclusion_share"
        )
    )
    assert shares == {"G1": 1.0, "G2": 0.5}


def test_a_pinned_set_from_the_factor_store_is_used(people: dict, folder: Path) -> None:
    factors = folder / "own.csv"
    factors.write_text(
        "factor_id,activity,gas,value,unit,gwp_set,scope\n"
        "gas,fuel.natural_gas,CO2e,0.2,kg/kWh,AR5,1\n"
    )
    own = read_factor_csv(factors, name="h2-own-gas")
    FactorStore().save(own)
    inventory = inventory_create(
        organisation=people["B1"],
        year=2025,
        by=people["alice"],
        factor_sets=[{"name": "h2-own-gas", "version": own.version}],
    )
    stored_upload(
        inventory, write(folder, "year,activity,quantity,unit\n2025,fuel.natural_gas,1000,kWh\n")
    )
    calculation = calculated(inventory, people["alice"])
    assert_close(calculation.summary["totals"]["scope1"], 0.2)  # 1000 kWh x 0.2 kg
    assert calculation.summary["provenance"]["factor_sets"][0]["version"] == own.version
    line = EmissionLine.objects.get(calculation=calculation)
    assert line.factor == "h2-own-gas:gas"


# Refusals and failures


def test_an_unknown_activity_key_fails_the_job_naming_the_row_and_stores_nothing(
    people: dict, folder: Path
) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    stored_upload(
        inventory,
        write(
            folder,
            "id,year,activity,quantity,unit,region\n"
            "ok,2025,fuel.natural_gas,100,kWh,GB\n"
            "bad,2025,fuel.unobtainium,5,kWh,GB\n",
        ),
    )
    job = calculation_start(inventory=inventory, by=people["erin"])
    assert job.status == JobStatus.FAILED
    assert len(job.problems) == 1
    problem = job.problems[0]
    assert (problem["file"], problem["row"], problem["column"]) == ("activities.csv", 3, "activity")
    assert problem["value"] == "fuel.unobtainium"
    assert Calculation.objects.count() == 0
    assert EmissionLine.objects.count() == 0
    assert not AuditEntry.objects.filter(action="calculation.run").exists()


def test_a_pinned_factor_set_that_cannot_be_found_fails_naming_the_pin(
    people: dict, folder: Path
) -> None:
    pins = [{"name": "nowhere-factors", "version": "0123456789abcdef"}]
    inventory = inventory_create(
        organisation=people["B1"], year=2025, by=people["alice"], factor_sets=pins
    )
    stored_upload(inventory, write(folder, HAND_CSV))
    job = calculation_start(inventory=inventory, by=people["alice"])
    assert job.status == JobStatus.FAILED
    assert [(p["column"], p["value"]) for p in job.problems] == [
        ("factor_sets[0]", "nowhere-factors@0123456789abcdef")
    ]
    assert "cannot be found" in job.problems[0]["reason"]
    assert Calculation.objects.count() == 0


def test_an_inventory_without_activity_rows_asks_for_an_upload_first(people: dict) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    with pytest.raises(InvalidInputError, match="upload activity data first"):
        calculation_start(inventory=inventory, by=people["alice"])
    assert Job.objects.count() == 0


def test_a_locked_inventory_refuses_to_calculate(
    client: Client, hand: Inventory, people: dict
) -> None:
    first = calculated(hand, people["alice"])
    locked(hand, people)
    with pytest.raises(InventoryLockedError, match="its figures never change"):
        calculation_start(inventory=hand, by=people["alice"])
    client.force_login(people["alice"])
    answer = client.post(f"/api/inventories/{hand.pk}/calculate")
    assert answer.status_code == 400
    assert "locked" in answer.json()["message"]
    section = client.get(f"/inventories/{hand.pk}/calculation/").content.decode()
    assert "is locked: its figures never change" in section
    assert 'hx-post="' not in section  # no Calculate button
    assert list(calculations_for(inventory=hand)) == [first]


def test_a_viewer_or_an_auditor_may_not_calculate(
    client: Client, people: dict, folder: Path
) -> None:
    for who, organisation in (("victor", "B1"), ("dora", "B2")):
        inventory = inventory_create(
            organisation=people[organisation], year=2025, by=people["alice"]
        )
        stored_upload(inventory, write(folder, HAND_CSV))
        if who == "dora":  # auditors see no draft; B2 has no client people: alice submits
            inventory_transition(inventory=inventory, to="submitted", by=people["alice"])
        with pytest.raises(NotAllowedError):
            calculation_start(inventory=inventory, by=people[who])
        client.force_login(people[who])
        assert client.post(f"/api/inventories/{inventory.pk}/calculate").status_code == 403
        section = client.get(f"/inventories/{inventory.pk}/calculation/").content.decode()
        assert "calculating needs a consultant, a client admin or a contributor" in section
        assert 'hx-post="' not in section
        pressed = client.post(
            f"/inventories/{inventory.pk}/calculation/run", HTTP_HX_REQUEST="true"
        )
        assert pressed.status_code == 200
        assert 'role="alert"' in pressed.content.decode()
    assert Job.objects.count() == 0


def test_a_second_press_while_a_calculation_runs_is_refused_until_it_is_abandoned(
    hand: Inventory, people: dict
) -> None:
    running = job_create(kind=JobKind.CALCULATION, inventory=hand, by=people["alice"])
    Job.objects.filter(pk=running.pk).update(status=JobStatus.RUNNING)
    with pytest.raises(CalculationRunningError):
        calculation_start(inventory=hand, by=people["bob"])
    # A worker that died an hour ago keeps nobody from calculating.
    Job.objects.filter(pk=running.pk).update(created_at=timezone.now() - timedelta(hours=2))
    assert calculated(hand, people["bob"]).row_count == 3


def test_another_tenant_gets_404_on_every_calculation_url_and_endpoint(
    client: Client, hand: Inventory, people: dict
) -> None:
    calculation = calculated(hand, people["alice"])
    with pytest.raises(NotFoundError):
        calculation_for(people["charlie"], calculation.pk, now=timezone.now())
    client.force_login(people["charlie"])
    answers = [
        client.get(f"/inventories/{hand.pk}/calculation/"),
        client.post(f"/inventories/{hand.pk}/calculation/run"),
        client.post(f"/inventories/{hand.pk}/calculation/run", HTTP_HX_REQUEST="true"),
        client.post(f"/api/inventories/{hand.pk}/calculate"),
        client.get(f"/api/inventories/{hand.pk}/footprint"),
        client.get(f"/api/inventories/{hand.pk}/calculations"),
        client.get(f"/api/calculations/{calculation.pk}"),
    ]
    assert [answer.status_code for answer in answers] == [404] * len(answers)
    assert answers[-1].json() == answers[-1].json() | {"message": "calculation not found"}
    missing = client.get(f"/api/calculations/{calculation.pk + 1000}")
    assert missing.status_code == 404
    assert missing.json()["message"] == "calculation not found"  # the same as another tenant's
    assert Job.objects.filter(created_by=people["charlie"]).count() == 0


def test_anonymous_visitors_are_sent_to_log_in_or_get_401(client: Client, hand: Inventory) -> None:
    page = client.get(f"/inventories/{hand.pk}/calculation/")
    assert page.status_code == 302
    assert "/accounts/login" in page["Location"]
    assert client.post(f"/api/inventories/{hand.pk}/calculate").status_code == 401
    assert client.get(f"/api/inventories/{hand.pk}/footprint").status_code == 401


def test_bad_ids_in_the_api_get_a_4xx_in_the_error_shape(client: Client, people: dict) -> None:
    client.force_login(people["alice"])
    for url in ("/api/calculations/abc", "/api/inventories/x/footprint"):
        answer = client.get(url)
        assert answer.status_code == 422
        assert set(answer.json()) == {"message", "extra"}
    huge = client.get(f"/api/calculations/{2**70}")
    assert huge.status_code in (404, 422)
    assert set(huge.json()) == {"message", "extra"}


# History, staleness, progress, audit


def test_the_footprint_is_404_before_any_calculation(
    client: Client, hand: Inventory, people: dict
) -> None:
    client.force_login(people["bob"])
    answer = client.get(f"/api/inventories/{hand.pk}/footprint")
    assert answer.status_code == 404
    assert "not been calculated yet" in answer.json()["message"]
    assert client.get(f"/api/inventories/{hand.pk}/calculations").json() == []
    assert (
        "Not calculated yet" in client.get(f"/inventories/{hand.pk}/calculation/").content.decode()
    )


def test_a_recalculation_supersedes_the_last_one_which_stays_in_the_history(
    client: Client, hand: Inventory, people: dict
) -> None:
    first = calculated(hand, people["alice"])
    second = calculated(hand, people["erin"])
    assert calculation_current(inventory=hand) == second
    assert list(calculations_for(inventory=hand)) == [second, first]
    assert second.output_hash == first.output_hash  # same data, same figures
    # Only the current figures keep their lines.
    assert EmissionLine.objects.filter(calculation=first).count() == 0
    assert EmissionLine.objects.filter(calculation=second).count() == 3
    client.force_login(people["alice"])
    history = client.get(f"/api/inventories/{hand.pk}/calculations").json()
    assert [(c["id"], c["by"], c["current"]) for c in history] == [
        (second.pk, "erin", True),
        (first.pk, "alice", False),
    ]
    old = client.get(f"/api/calculations/{first.pk}").json()
    assert old["calculation"] == old["calculation"] | {"id": first.pk, "current": False}
    assert_close(old["totals"]["total_location"], TOTAL)


def test_the_figures_are_stale_after_a_new_upload_until_calculated_again(
    client: Client, hand: Inventory, people: dict, folder: Path
) -> None:
    assert figures_status(inventory=hand).current is False  # never calculated
    calculated(hand, people["alice"])
    assert figures_status(inventory=hand).current is True
    more = write(
        folder,
        "id,year,activity,quantity,unit,region\nG9,2025,fuel.natural_gas,1000,kWh,GB\n",
        "more.csv",
    )
    stored_upload(hand, more)
    assert figures_status(inventory=hand).current is False
    client.force_login(people["alice"])
    assert 'data-stale="true"' in client.get(f"/inventories/{hand.pk}/figures").content.decode()
    assert (
        client.get(f"/api/inventories/{hand.pk}/footprint").json()["calculation"]["current"]
        is False
    )
    again = calculated(hand, people["alice"])
    assert figures_status(inventory=hand).current is True
    assert again.row_count == 4
    assert set(again.summary["provenance"]["inputs"]) == {"activities.csv", "more.csv"}
    assert_close(again.summary["totals"]["scope1"], SCOPE1 + 1000 * 0.00018296)


def test_a_removed_upload_makes_the_figures_stale(
    hand: Inventory, people: dict, folder: Path
) -> None:
    extra = stored_upload(
        hand, write(folder, "year,activity,quantity,unit\n2025,fuel.natural_gas,1,kWh\n", "x.csv")
    )
    calculated(hand, people["alice"])
    extra.delete()
    assert figures_status(inventory=hand).current is False


def test_the_progress_of_a_calculation_reaches_its_total(hand: Inventory, people: dict) -> None:
    job = calculation_start(inventory=hand, by=people["alice"])
    assert (job.kind, job.status) == (JobKind.CALCULATION, JobStatus.SUCCEEDED)
    assert (job.done, job.total, job.percent) == (3, 3, 100)
    assert job.task_id
    assert job.message.startswith("Calculated 3 activity rows: 2.202 t CO2e location-based")


def test_a_calculation_is_audited_with_its_output_hash_and_totals(
    hand: Inventory, people: dict
) -> None:
    calculation = calculated(hand, people["erin"])
    entry = AuditEntry.objects.get(action="calculation.run")
    assert entry.actor == people["erin"]
    assert entry.organisation == hand.organisation
    assert entry.object_id == str(calculation.pk)
    assert entry.detail["inventory_id"] == hand.pk
    assert entry.detail["output_hash"] == calculation.output_hash
    assert entry.detail["row_count"] == 3
    assert_close(entry.detail["totals"]["total_location"], TOTAL)


# Pages and API


def test_natural_gas_declared_as_commuting_is_flagged_on_its_line_the_dashboard_and_the_api(
    client: Client, people: dict, folder: Path
) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    text = (
        "id,entity,year,activity,quantity,unit,region,scope,category,description\n"
        "G1,,2025,fuel.natural_gas,5000,kWh,GB,,,Boiler gas\n"
        "G7,,2025,fuel.natural_gas,1000,kWh,GB,3,7,Declared as commuting by mistake\n"
    )
    stored_upload(inventory, write(folder, text), by=people["bob"])
    calculation = calculated(inventory, people["alice"])
    # Counted where the row says (1000 kWh x 0.00018296 t/kWh in category 7), and flagged.
    assert_close(calculation.summary["scope3_categories"]["7"], 1000 * 0.00018296)
    assert_close(calculation.summary["totals"]["scope1"], SCOPE1)
    assert calculation.summary["flag_counts"] == {"scope_overridden": 1}
    lines = {line.row_id: line for line in EmissionLine.objects.filter(calculation=calculation)}
    assert (lines["G7"].flags, lines["G1"].flags) == ("scope_overridden", None)
    client.force_login(people["bob"])
    dashboard = client.get(f"/inventories/{inventory.pk}/dashboard/").content.decode()
    assert "scope_overridden" in dashboard
    assert "declares a scope or scope 3 category other than its factor" in dashboard
    flagged = client.get(f"/inventories/{inventory.pk}/lines/?flag=scope_overridden")
    assert flagged.status_code == 200
    assert "G7" in flagged.content.decode()
    assert ">G1<" not in flagged.content.decode()
    document = client.get(f"/api/inventories/{inventory.pk}/footprint").json()
    assert document["flags"] == [
        {
            "row": "G7",
            "flag": "scope_overridden",
            "detail": "scope 3 category 7 declared; the factor is scope 1",
        }
    ]


def test_the_section_shows_the_headline_figures_rounded_for_display(
    client: Client, hand: Inventory, people: dict
) -> None:
    calculation = calculated(hand, people["alice"])
    client.force_login(people["bob"])
    page = client.get(f"/inventories/{hand.pk}/calculation/")
    assert page.status_code == 200
    html = page.content.decode()
    for shown in ("0.915", "0.177", "1.110", "2.202"):  # format_tonnes: 3 decimals
        assert f'<div class="figure">{shown}</div>' in html
    assert calculation.output_hash in html
    assert f'href="/inventories/{hand.pk}/dashboard/"' in html
    assert "residual_mix_missing" in html
    assert "by alice" in html
    assert 'hx-post="/inventories/' in html  # bob may calculate again
    assert 'style="' not in html  # the CSP allows no inline style
    assert "<script" not in html  # nor inline script


def test_pressing_calculate_with_htmx_answers_with_the_section(
    client: Client, hand: Inventory, people: dict
) -> None:
    client.force_login(people["erin"])
    pressed = client.post(f"/inventories/{hand.pk}/calculation/run", HTTP_HX_REQUEST="true")
    assert pressed.status_code == 200
    html = pressed.content.decode()
    assert f'id="calculation-{hand.pk}"' in html
    assert "Calculated 3 activity rows" in html  # the finished job's panel
    assert "from 3 activity rows" in html
    assert '<div class="figure">2.202</div>' in html
    assert Calculation.objects.filter(inventory=hand, calculated_by=people["erin"]).count() == 1


def test_pressing_calculate_without_htmx_goes_back_to_the_inventory_with_a_message(
    client: Client, hand: Inventory, people: dict, folder: Path
) -> None:
    client.force_login(people["alice"])
    pressed = client.post(f"/inventories/{hand.pk}/calculation/run")
    assert pressed.status_code == 302
    assert pressed["Location"] == f"/inventories/{hand.pk}/"
    empty = inventory_create(organisation=people["B2"], year=2025, by=people["alice"])
    refused = client.post(f"/inventories/{empty.pk}/calculation/run", follow=False)
    assert refused.status_code == 302
    messages = [str(m) for m in refused.wsgi_request._messages]  # type: ignore[attr-defined]
    assert any("upload activity data first" in m for m in messages)


def test_the_api_starts_a_calculation_with_202_and_its_job(
    client: Client, hand: Inventory, people: dict
) -> None:
    client.force_login(people["bob"])
    answer = client.post(f"/api/inventories/{hand.pk}/calculate")
    assert answer.status_code == 202
    job = answer.json()
    assert (job["kind"], job["status"], job["inventory_id"]) == (
        "calculation",
        "succeeded",
        hand.pk,
    )
    assert client.get(f"/api/jobs/{job['id']}").json()["percent"] == 100
    document = client.get(f"/api/inventories/{hand.pk}/footprint").json()
    assert document["schema"] == "neutra.footprint/1"
    assert document["lines"] == []
    assert [f["flag"] for f in document["flags"]] == [
        "residual_mix_missing",
        "money_converted",
        "scope_overridden",
    ]
    assert_close(document["totals"]["total_market"], TOTAL)


def test_a_read_only_api_token_reads_the_footprint_but_cannot_calculate(
    client: Client, hand: Inventory, people: dict
) -> None:
    from neutra.web.accounts.services import api_token_create

    calculated(hand, people["alice"])
    _, secret = api_token_create(
        user=people["bob"],
        name="reader",
        scopes=["read"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get(f"/api/inventories/{hand.pk}/footprint", **bearer).status_code == 200
    refused = client.post(f"/api/inventories/{hand.pk}/calculate", **bearer)
    assert refused.status_code == 403
    assert "write" in refused.json()["message"]


# The engine's borrowing of Django's connection


def test_calculating_leaves_djangos_transaction_and_session_as_they_were(
    hand: Inventory, people: dict
) -> None:
    def temp_tables() -> int:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("SELECT count(*) FROM sqlite_temp_master WHERE type = 'table'")
            else:
                cursor.execute(
                    "SELECT count(*) FROM pg_class WHERE relnamespace = pg_my_temp_schema()"
                )
            return int(cursor.fetchone()[0])

    before = temp_tables()
    # Ibis commits and rolls back the connections it owns; had it done so to
    # Django's, this savepoint would be gone and the rows below would stay.
    stored_inside: list[int] = []

    def calculate_then_undo() -> None:
        with transaction.atomic():
            job = job_create(kind=JobKind.CALCULATION, inventory=hand, by=people["alice"])
            calculation_run(job_id=job.pk)
            stored_inside.append(Calculation.objects.filter(inventory=hand).count())
            raise RuntimeError("undo")

    with pytest.raises(RuntimeError, match="undo"):
        calculate_then_undo()
    assert stored_inside == [1]
    assert Calculation.objects.count() == 0
    assert EmissionLine.objects.count() == 0
    assert temp_tables() == before
    # Django's icontains relies on SQLite's LIKE being case-blind; Ibis turns it case-sensitive.
    assert Organisation.objects.filter(name__icontains="b1 MANUFACTURING").exists()


@pytest.mark.django_db(transaction=True)
def test_a_calculation_in_a_worker_outside_any_transaction_is_stored_whole(
    world: dict, folder: Path
) -> None:
    # As `neutra worker` runs it: autocommit, progress written as it goes.
    inventory = inventory_create(organisation=world["B1"], year=2025, by=world["alice"])
    stored_upload(inventory, write(folder, HAND_CSV))
    assert not connection.in_atomic_block
    job = calculation_start(inventory=inventory, by=world["alice"])
    assert (job.status, job.done, job.total) == (JobStatus.SUCCEEDED, 3, 3)
    calculation = calculation_current(inventory=inventory)
    assert calculation is not None
    assert_close(calculation.summary["totals"]["total_location"], TOTAL)
    assert EmissionLine.objects.filter(calculation=calculation).count() == 3
    if connection.vendor == "postgresql":
        # The engine turns nested-loop joins off on the worker's connection while it
        # runs; a later query on the same connection has them back.
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('enable_nestloop')")
            assert cursor.fetchone()[0] == "on"


def test_one_row_is_one_activity_row_and_counts_separate_thousands(world: dict) -> None:
    from neutra.web.calculations.templatetags.calculation_figures import count
    from tests.web.helpers import calculated as calculated_job
    from tests.web.helpers import uploaded as uploaded_job

    inventory = inventory_create(organisation=world["B1"], year=2025, by=world["alice"])
    uploaded_job(inventory, world["bob"])
    job = calculated_job(inventory, world["alice"])
    assert job.message.startswith("Calculated 1 activity row: 0.183 t CO2e")
    assert count(150141) == "150,141"
