"""Contractual instruments on the web: a client's guarantees of origin lower its market-based
scope 2, the line shows the certificate it got, and the figures are the CLI's.

The hand-checked case is DOMAIN.md §2's worked case: 1,000,000 kWh of German
electricity, grid 0.20 kg/kWh -> 200 t location-based; zero-emission guarantees
of origin cover 600,000 kWh and the remaining 400,000 kWh take the residual mix
0.45 kg/kWh -> 180 t market-based (the factors are a set of our own, pinned by
the inventory, with exactly those two rates).
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from neutra.core.errors import InvalidInputError
from neutra.core.rounding import format_tonnes
from neutra.formats.factor_csv import read_factor_csv
from neutra.formats.factor_store import FactorStore
from neutra.web.activities.services import upload_accept
from neutra.web.calculations.models import EmissionLine
from neutra.web.calculations.selectors import calculation_current
from neutra.web.calculations.services import calculation_start
from neutra.web.errors import NotAllowedError
from neutra.web.instruments.models import ContractualInstrument
from neutra.web.instruments.selectors import instrument_set
from neutra.web.instruments.services import (
    instrument_add,
    instrument_delete,
    instruments_upload,
)
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.services import inventory_create
from neutra.web.jobs.models import JobStatus
from neutra.web.tenancy.models import AuditEntry, Role
from neutra.web.tenancy.services import membership_grant
from neutra.web.workflow.selectors import figures_status
from neutra.web.workflow.services import inventory_restate, inventory_transition

pytestmark = pytest.mark.django_db

FACTORS_CSV = (
    "factor_id,activity,gas,value,unit,gwp_set,region,year,scope,basis,source\n"
    "de_grid,electricity.grid,CO2e,0.20,kg/kWh,AR5,DE,2025,2,location,DOMAIN.md §2 (grid)\n"
    "de_residual,electricity.grid,CO2e,0.45,kg/kWh,AR5,DE,2025,2,residual_mix,DOMAIN.md §2\n"
)
ACTIVITIES_CSV = (
    "id,entity,year,activity,quantity,unit,region,description\n"
    "E-Q1,Berlin Office,2025,electricity.grid,250000,kWh,DE,Electricity January-March\n"
    "E-Q2,Berlin Office,2025,electricity.grid,750000,kWh,DE,Electricity April-December\n"
)
GOS_CSV = (
    "instrument_id,type,entity,region,year,quantity,unit,value,value_unit,gas,"
    "tracking_id,cancelled_for,vintage,market\n"
    "GO-DE-2025-001,certificate,Berlin Office,DE,2025,600,MWh,0,kg/kWh,CO2e,"
    "UBA-HKNR-2025-000123,B2 Logistics,2025,DE\n"
)
LOCATION_T = 1_000_000 * 0.20 / 1000  # 200 t
MARKET_T = 400_000 * 0.45 / 1000  # 180 t: 600,000 kWh at 0, the rest at the residual mix


@pytest.fixture(autouse=True)
def quick_passwords(settings: Any) -> None:
    """Cheap password hashes: these tests log in with force_login only."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(world: dict, make_user: Any) -> dict:
    """The world, plus erin (client admin of B2) and victor (viewer of B2)."""
    erin, victor = make_user("erin"), make_user("victor")
    membership_grant(organisation=world["B2"], user=erin, role=Role.CLIENT_ADMIN, by=world["alice"])
    membership_grant(organisation=world["B2"], user=victor, role=Role.VIEWER, by=world["alice"])
    return {**world, "erin": erin, "victor": victor}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def berlin(people: dict, folder: Path) -> Inventory:
    """B2's 2025 inventory: a million kWh of German electricity, on DOMAIN.md §2's factors."""
    (folder / "domain-s2.csv").write_text(FACTORS_CSV)
    factors = read_factor_csv(folder / "domain-s2.csv", name="domain-s2")
    FactorStore().save(factors)
    inventory = inventory_create(
        organisation=people["B2"],
        year=2025,
        by=people["alice"],
        factor_sets=[{"name": "domain-s2", "version": factors.version}],
    )
    data = ACTIVITIES_CSV.encode()
    job = upload_accept(
        inventory=inventory,
        by=people["erin"],
        file_name="activities.csv",
        stream_or_path=io.BytesIO(data),
        size=len(data),
    )
    assert job.status == JobStatus.SUCCEEDED, (job.message, job.problems)
    return inventory


def calculate(inventory: Inventory, by: Any) -> Any:
    job = calculation_start(inventory=inventory, by=by)
    assert job.status == JobStatus.SUCCEEDED, (job.message, job.problems)
    return calculation_current(inventory=inventory)


def upload_page(client: Client, inventory: Inventory, name: str, content: bytes) -> Any:
    return client.post(
        f"/inventories/{inventory.pk}/instruments/upload",
        {"file": SimpleUploadedFile(name, content, content_type="text/csv")},
    )


def close(got: float, want: float) -> bool:
    return math.isclose(got, want, rel_tol=1e-12, abs_tol=1e-12)


# The worked case, end to end


def test_guarantees_of_origin_lower_the_dashboards_market_based_scope_2_to_180_t(
    client: Client, berlin: Inventory, people: dict
) -> None:
    before = calculate(berlin, people["alice"])
    # Without instruments: the residual mix on all of it, 450 t.
    assert close(before.summary["totals"]["scope2_market"], 1_000_000 * 0.45 / 1000)
    client.force_login(people["erin"])
    answer = upload_page(client, berlin, "gos-2025.csv", GOS_CSV.encode())
    assert answer.status_code == 303
    stale = figures_status(inventory=berlin)  # the figures wait for a calculation
    assert not stale.current
    assert stale.instruments_changed
    calculate(berlin, people["erin"])

    dashboard = client.get(f"/api/inventories/{berlin.pk}/dashboard").json()
    totals = dashboard["figures"]["totals"]
    assert close(totals["scope2_location"], LOCATION_T)
    assert close(totals["scope2_market"], MARKET_T)
    page = client.get(f"/inventories/{berlin.pk}/dashboard/").content.decode()
    by_scope = page[page.index('id="by-scope"') : page.index('id="scope3"')]
    (scope2,) = re.findall(r'<tr data-key="2">(.*?)</tr>', by_scope, flags=re.S)
    location, market = re.findall(r'<td class="num"><a [^>]*>([^<]*)</a>', scope2)
    assert (location, market) == (format_tonnes(LOCATION_T), format_tonnes(MARKET_T))


def test_the_lines_drill_down_shows_the_certificate_applied_to_it(
    client: Client, berlin: Inventory, people: dict
) -> None:
    instruments_upload(
        inventory=berlin,
        by=people["erin"],
        file_name="gos-2025.csv",
        stream=io.BytesIO(GOS_CSV.encode()),
        size=None,
    )
    calculation = calculate(berlin, people["alice"])
    line = EmissionLine.objects.get(calculation=calculation, row_id="E-Q2")
    # E-Q2 is 75% of the office's million kWh: 75% of 180 t.
    assert close(line.emissions_market_t_co2e, 0.75 * MARKET_T)
    client.force_login(people["victor"])  # a viewer reads it all
    detail = client.get(f"/api/lines/{line.pk}").json()["market"]
    assert detail["consumption"] == "Berlin Office / DE / 2025"
    (go,) = detail["instruments"]
    assert go["instrument_id"] == "GO-DE-2025-001"
    assert go["type"] == "certificate"
    assert go["qualified"] is True
    assert go["reasons"] == []
    assert close(go["group_covered_kwh"], 600_000)
    assert close(go["covered_kwh"], 450_000)
    assert go["rate_t_co2e_per_kwh"] == 0.0
    assert close(detail["uncovered_kwh"], 300_000)
    assert detail["uncovered_basis"] == "residual_mix"
    assert close(detail["market_t_co2e"], 0.75 * MARKET_T)
    page = client.get(f"/inventories/{berlin.pk}/lines/{line.pk}/").content.decode()
    assert "GO-DE-2025-001" in page
    assert "qualifies" in page
    assert "450000" in page.replace(",", "")


def test_an_instrument_that_fails_a_quality_criterion_is_on_the_line_with_its_reason(
    client: Client, berlin: Inventory, people: dict
) -> None:
    instrument_add(
        inventory=berlin,
        by=people["alice"],
        cells={
            "instrument_id": "GO-NO-1",
            "type": "certificate",
            "entity": "Berlin Office",
            "region": "DE",
            "year": "2025",
            "quantity": "600000",
            "unit": "kWh",
            "value": "0",
            "value_unit": "kg/kWh",
            "gas": "CO2e",
            "market": "NO",
        },
    )
    calculation = calculate(berlin, people["alice"])
    assert close(calculation.summary["totals"]["scope2_market"], 450.0)  # it lowers nothing
    line = EmissionLine.objects.get(calculation=calculation, row_id="E-Q1")
    client.force_login(people["alice"])
    (refused,) = client.get(f"/api/lines/{line.pk}").json()["market"]["instruments"]
    assert refused["qualified"] is False
    assert refused["covered_kwh"] == 0
    assert "market NO" in refused["reasons"][0]


def test_the_web_figures_and_output_hash_equal_the_clis_on_the_exported_instrument_file(
    client: Client, berlin: Inventory, people: dict, folder: Path
) -> None:
    instruments_upload(
        inventory=berlin,
        by=people["erin"],
        file_name="gos-2025.csv",
        stream=io.BytesIO(GOS_CSV.encode()),
        size=None,
    )
    calculate(berlin, people["alice"])
    client.force_login(people["erin"])
    exported = client.get(f"/inventories/{berlin.pk}/instruments.csv")
    assert exported.status_code == 200
    assert "instruments.csv" in exported.headers["Content-Disposition"]
    (folder / "instruments.csv").write_bytes(exported.content)
    (folder / "activities.csv").write_text(ACTIVITIES_CSV)
    version = berlin.factor_sets[0]["version"]
    command = (
        "footprint", "activities.csv", "--factors", f"domain-s2@{version}",
        "--instruments", "instruments.csv", "--gwp", "AR5", "--format", "json",
    )  # fmt: skip
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
    document = client.get(f"/api/inventories/{berlin.pk}/footprint").json()
    document.pop("calculation")
    assert close(cli["totals"]["scope2_market"], MARKET_T)
    assert document == cli  # every figure, flag and the provenance with its hash
    assert (
        document["provenance"]["inputs"]["instruments.csv"]
        == instrument_set(inventory=berlin).sha256
    )  # type: ignore[union-attr]


# Bad input changes nothing


BAD_CSV = (
    "instrument_id,type,entity,region,year,quantity,unit,value,value_unit,gas\n"
    "GO-1,eac,Berlin Office,DE,2025,600,MWh,0,kg/kWh,CO2e\n"  # GO, REC, I-REC are types; EAC is not
    "GO-2,certificate,Berlin Office,DE,2024,600,MWh,0,kg/kWh,CO2e\n"
    "GO-3,certificate,Berlin Office,DE,2025,lots,MWh,0,kg/kWh,CO2e\n"
    "GO-4,certificate,Berlin Office,DE,2025,600,kg,0,kg/kWh,N2O\n"
    "GO-1,certificate,Berlin Office,DE,2025,600,MWh,0,kg/kWh,CO2e\n"
)


def test_a_bad_instrument_file_lists_every_problem_by_row_and_stores_nothing(
    client: Client, berlin: Inventory, people: dict
) -> None:
    audit_before = AuditEntry.objects.count()
    client.force_login(people["erin"])
    answer = upload_page(client, berlin, "bad.csv", BAD_CSV.encode())
    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Nothing was stored" in page
    with pytest.raises(InvalidInputError) as caught:
        instruments_upload(
            inventory=berlin,
            by=people["erin"],
            file_name="bad.csv",
            stream=io.BytesIO(BAD_CSV.encode()),
            size=None,
        )
    found = {(p.file, p.row, p.column) for p in caught.value.problems}
    assert found == {
        ("bad.csv", 2, "type"),
        ("bad.csv", 3, "year"),  # another year than the inventory's
        ("bad.csv", 4, "quantity"),
        ("bad.csv", 5, "unit"),
        ("bad.csv", 5, "gas"),
        ("bad.csv", 6, "instrument_id"),  # a duplicate of row 2
    }
    api = client.post(
        f"/api/inventories/{berlin.pk}/instruments/file",
        {"file": SimpleUploadedFile("bad.csv", BAD_CSV.encode(), content_type="text/csv")},
    )
    assert api.status_code == 400
    rows = {(p["row"], p["column"]) for p in api.json()["extra"]["problems"]}
    assert {(3, "year"), (6, "instrument_id")} <= rows
    assert ContractualInstrument.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_an_instrument_file_of_another_type_or_an_unknown_entity_is_refused(
    berlin: Inventory, people: dict
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        instruments_upload(
            inventory=berlin,
            by=people["erin"],
            file_name="gos.pdf",
            stream=io.BytesIO(b"%PDF"),
            size=4,
        )
    assert ".pdf files are not taken" in caught.value.problems[0].reason
    from neutra.web.tenancy.services import entity_create

    entity_create(organisation=people["B2"], name="Berlin Office", by=people["alice"])
    wrong = GOS_CSV.replace("Berlin Office,DE", "Munich Office,DE").encode()
    with pytest.raises(InvalidInputError) as caught:
        instruments_upload(
            inventory=berlin, by=people["erin"], file_name="gos.csv", stream=io.BytesIO(wrong),
            size=None,
        )  # fmt: skip
    (problem,) = caught.value.problems
    assert (problem.row, problem.column, problem.value) == (2, "entity", "Munich Office")
    assert ContractualInstrument.objects.count() == 0


def test_a_workbook_of_instruments_is_taken_like_the_csv(berlin: Inventory, people: dict) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    for line in GOS_CSV.strip().split("\n"):
        book.active.append(line.split(","))
    content = io.BytesIO()
    book.save(content)
    stored = instruments_upload(
        inventory=berlin,
        by=people["erin"],
        file_name="gos-2025.xlsx",
        stream=io.BytesIO(content.getvalue()),
        size=None,
    )
    assert [s.instrument_id for s in stored] == ["GO-DE-2025-001"]
    found = instrument_set(inventory=berlin)
    assert found is not None
    assert found.instruments[0].quantity_kwh == 600_000
    assert found.instruments[0].tracking_id == "UBA-HKNR-2025-000123"


def test_an_instrument_added_by_the_api_with_a_bad_field_is_named_and_not_stored(
    client: Client, berlin: Inventory, people: dict
) -> None:
    client.force_login(people["erin"])
    payload = {
        "instrument_id": "PPA-1",
        "type": "ppa",
        "region": "DE",
        "year": 2025,
        "quantity": 100000,
        "unit": "kWh",
        "value": 0.05,
        "value_unit": "kg/kWh",
    }
    refused = client.post(
        f"/api/inventories/{berlin.pk}/instruments", payload, content_type="application/json"
    )
    assert refused.status_code == 400
    (problem,) = refused.json()["extra"]["problems"]
    assert problem["column"] == "type"
    assert "for ppa write 'contract'" in problem["reason"]
    assert ContractualInstrument.objects.count() == 0
    added = client.post(
        f"/api/inventories/{berlin.pk}/instruments",
        {**payload, "type": "contract"},
        content_type="application/json",
    )
    assert added.status_code == 201, added.json()
    body = added.json()
    assert body["quantity_kwh"] == 100000
    assert close(body["rate_t_co2e_per_kwh"], 0.05 / 1000)
    assert body["tracking_id"] is None  # not given: not judged
    listed = client.get(f"/api/inventories/{berlin.pk}/instruments").json()
    assert [i["instrument_id"] for i in listed] == ["PPA-1"]
    entry = AuditEntry.objects.filter(action="instruments.add").get()
    assert entry.actor == people["erin"]
    assert entry.detail["instrument_ids"] == ["PPA-1"]
    gone = client.delete(f"/api/instruments/{body['id']}")
    assert gone.status_code == 204
    assert ContractualInstrument.objects.count() == 0
    assert AuditEntry.objects.filter(action="instruments.delete").count() == 1


# Who, and when


def test_a_viewer_reads_the_instruments_but_cannot_change_them(
    client: Client, berlin: Inventory, people: dict
) -> None:
    instruments_upload(
        inventory=berlin, by=people["erin"], file_name="gos.csv",
        stream=io.BytesIO(GOS_CSV.encode()), size=None,
    )  # fmt: skip
    client.force_login(people["victor"])
    page = client.get(f"/inventories/{berlin.pk}/instruments/")
    assert page.status_code == 200
    assert "GO-DE-2025-001" in page.content.decode()
    assert "cannot change the instruments" in page.content.decode()
    assert upload_page(client, berlin, "more.csv", GOS_CSV.encode()).status_code == 403
    with pytest.raises(NotAllowedError):
        instrument_delete(instrument=ContractualInstrument.objects.get(), by=people["victor"])
    assert ContractualInstrument.objects.count() == 1


def test_a_locked_inventory_keeps_its_instruments_and_a_restatement_starts_with_a_copy(
    berlin: Inventory, people: dict
) -> None:
    instruments_upload(
        inventory=berlin, by=people["erin"], file_name="gos.csv",
        stream=io.BytesIO(GOS_CSV.encode()), size=None,
    )  # fmt: skip
    calculate(berlin, people["alice"])
    inventory_transition(inventory=berlin, to="submitted", by=people["erin"])
    with pytest.raises(InvalidInputError, match="change only while it is a draft"):
        instrument_delete(instrument=ContractualInstrument.objects.get(), by=people["alice"])
    inventory_transition(inventory=berlin, to="reviewed", by=people["alice"])
    inventory_transition(inventory=berlin, to="locked", by=people["alice"])
    with pytest.raises(InvalidInputError):
        instrument_add(
            inventory=berlin,
            by=people["alice"],
            cells={"instrument_id": "late", "type": "certificate", "year": "2025",
                   "quantity": "1", "unit": "kWh", "value": "0", "value_unit": "kg/kWh",
                   "gas": "CO2e"},
        )  # fmt: skip
    restatement = inventory_restate(inventory=berlin, by=people["alice"])
    copied = instrument_set(inventory=restatement)
    original = instrument_set(inventory=berlin)
    assert copied is not None
    assert original is not None
    assert copied.sha256 == original.sha256  # the same instruments, as one file
    entry = AuditEntry.objects.filter(action="inventory.restate").get()
    assert entry.detail["instruments_copied"] == 1
    instrument_delete(instrument=restatement.instruments.get(), by=people["alice"])
    assert berlin.instruments.count() == 1  # the locked version keeps its own
    calculation = calculate(restatement, people["alice"])
    assert close(calculation.summary["totals"]["scope2_market"], 450.0)


def test_a_file_name_with_control_characters_or_a_path_is_cleaned_before_it_is_shown(
    berlin: Inventory, people: dict
) -> None:
    stored = instruments_upload(
        inventory=berlin,
        by=people["erin"],
        file_name="C:\\Users\\erin\\gos\x00\x1b-2025.csv",
        stream=io.BytesIO(GOS_CSV.encode()),
        size=None,
    )
    assert [s.source for s in stored] == ["gos-2025.csv"]


def test_instruments_that_no_longer_read_are_shown_with_the_problem_not_a_server_error(
    client: Client, berlin: Inventory, people: dict
) -> None:
    instruments_upload(
        inventory=berlin, by=people["erin"], file_name="gos.csv",
        stream=io.BytesIO(GOS_CSV.encode()), size=None,
    )  # fmt: skip
    # As if the rules had changed since it was recorded: a unit no longer understood.
    ContractualInstrument.objects.update(cells={**ContractualInstrument.objects.get().cells,
                                                "unit": "parsecs"})  # fmt: skip
    client.force_login(people["erin"])
    page = client.get(f"/inventories/{berlin.pk}/instruments/")
    assert page.status_code == 200
    assert "no longer read as an instrument file" in page.content.decode()
    refused = calculation_start(inventory=berlin, by=people["alice"])
    assert refused.status == JobStatus.FAILED
    assert {p["column"] for p in refused.problems} == {"unit"}


@pytest.mark.parametrize(
    ("year", "reason"),
    [
        ("²", "not a year from 1990 to 2100, e.g. 2024"),
        ("+²", "not a year from 1990 to 2100, e.g. 2024"),
        ("9" * 5000, "the value is longer than 255 characters"),
    ],
    ids=["superscript-two", "signed-superscript-two", "five-thousand-digits"],
)
def test_an_instrument_year_that_int_cannot_read_is_named_not_a_server_error(
    client: Client, berlin: Inventory, people: dict[str, Any], year: str, reason: str
) -> None:
    # str.isdigit() passes "²" and 5,000 nines; int() refuses both: a server error.
    client.force_login(people["erin"])
    payload = {"instrument_id": "GO-1", "type": "certificate", "region": "DE", "year": year,
               "quantity": "100", "unit": "kWh", "value": "0", "value_unit": "kg/kWh"}  # fmt: skip
    refused = client.post(
        f"/api/inventories/{berlin.pk}/instruments", payload, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["message"] == f"year: {reason}"
    assert ContractualInstrument.objects.count() == 0
