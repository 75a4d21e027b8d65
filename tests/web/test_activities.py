"""Activity uploads: a contributor downloads the template, uploads a file, sees every
row error inline, fixes it and uploads again; a file with any error stores nothing;
only a draft inventory takes data; nobody sees another tenant's uploads."""

from __future__ import annotations

import hashlib
import io
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone

from neutra.core.errors import InvalidInputError
from neutra.formats.activity_template import COLUMNS
from neutra.web.accounts.services import api_token_create
from neutra.web.activities.models import ActivityRow, ActivityUpload
from neutra.web.activities.services import upload_accept, upload_delete, upload_root, upload_store
from neutra.web.errors import NotAllowedError
from neutra.web.inventories.models import Inventory
from neutra.web.inventories.services import inventory_create
from neutra.web.jobs.models import Job, JobKind
from neutra.web.jobs.services import job_create
from neutra.web.tenancy.models import AuditEntry, Role
from neutra.web.tenancy.services import entity_create, membership_grant
from neutra.web.workflow.services import inventory_transition

pytestmark = [
    pytest.mark.django_db,
    # The tests never run collectstatic, so NEUTRA_HOME/static may not exist.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

GOOD_CSV = (
    "id,entity,year,activity,quantity,unit,region,cost_centre\n"
    "gas-jan,Plant A,2025,fuel.natural_gas,1000,kWh,GB,CC1\n"
    "power-q1,Head office,2025,electricity.grid,12.5,MWh,gb,\n"
    "diesel,,2025,fuel.diesel,-3.25,L,,CC2\n"
)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def quick_passwords(settings: Any) -> None:
    # Seven personas with Argon2 hashes cost seconds per test; log-in is not tested here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def people(world: dict, make_user: Any) -> dict:
    """The world, plus erin (contributor of B1), vera (viewer of B1), B1's 2025
    inventory (a draft) with entities Plant A and Head office, and B2's."""
    erin, vera = make_user("erin"), make_user("vera")
    alice = world["alice"]
    membership_grant(organisation=world["B1"], user=erin, role=Role.CONTRIBUTOR, by=alice)
    membership_grant(organisation=world["B1"], user=vera, role=Role.VIEWER, by=alice)
    root = entity_create(organisation=world["B1"], name="B1 Manufacturing", by=alice)
    entity_create(organisation=world["B1"], name="Plant A", parent=root, by=alice)
    entity_create(organisation=world["B1"], name="Head office", parent=root, by=alice)
    inventory = inventory_create(organisation=world["B1"], year=2025, by=alice)
    other = inventory_create(organisation=world["B2"], year=2025, by=alice)
    return {**world, "erin": erin, "vera": vera, "inventory": inventory, "b2_inventory": other}


def _upload(people: dict, text: str | bytes, name: str = "activities.csv", by: str = "erin") -> Job:
    content = text.encode() if isinstance(text, str) else text
    return upload_accept(
        inventory=people["inventory"],
        by=people[by],
        file_name=name,
        stream_or_path=SimpleUploadedFile(name, content),
        size=len(content),
    )


def _xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _left_behind() -> list[Path]:
    root = upload_root()
    return sorted(root.rglob("*")) if root.exists() else []


def _nothing_stored() -> bool:
    return not ActivityUpload.objects.exists() and not ActivityRow.objects.exists()


# Storing good files


def test_a_contributors_csv_is_stored_with_exactly_its_rows(people: dict) -> None:
    job = _upload(people, GOOD_CSV)
    assert job.status == "succeeded", job.problems
    assert job.message == "activities.csv: 3 activity rows stored."
    (upload,) = ActivityUpload.objects.all()
    assert (upload.file_name, upload.row_count, upload.uploaded_by) == (
        "activities.csv",
        3,
        people["erin"],
    )
    assert upload.sha256 == hashlib.sha256(GOOD_CSV.encode()).hexdigest()
    rows = list(ActivityRow.objects.filter(upload=upload).order_by("row"))
    assert [(r.row, r.row_id, r.source) for r in rows] == [
        (2, "gas-jan", "activities.csv"),
        (3, "power-q1", "activities.csv"),
        (4, "diesel", "activities.csv"),
    ]
    gas, power, diesel = rows
    assert (gas.entity, gas.year, gas.activity, gas.quantity, gas.unit, gas.region) == (
        "Plant A",
        2025,
        "fuel.natural_gas",
        1000.0,
        "kWh",
        "GB",
    )
    assert (power.quantity, power.unit, power.region) == (12.5, "MWh", "GB")  # upper-cased
    assert (diesel.entity, diesel.quantity, diesel.region) == (None, -3.25, None)
    assert [r.extra for r in rows] == [{"cost_centre": "CC1"}, {}, {"cost_centre": "CC2"}]
    assert {r.inventory_id for r in rows} == {people["inventory"].pk}
    assert {r.organisation_id for r in rows} == {people["B1"].pk}


def test_text_with_commas_quotes_newlines_and_accents_is_stored_exactly(people: dict) -> None:
    # On PostgreSQL the rows travel as CSV into COPY: every character must arrive as typed.
    content = (
        'id,year,activity,quantity,unit,description,"note ""A""",cost\\centre\n'
        'r1,2025,fuel.natural_gas,0.1,kWh,"Boiler, ""main"" \nline two","Zürich; 50%",C\\1\n'
        "r2,2025,fuel.natural_gas,123456.789012345,kWh,{},NULL,\n"
        'r3,2025,fuel.natural_gas,2,kWh,"""",\\N,""\n'
    )
    job = _upload(people, content)
    assert job.status == "succeeded", job.problems
    rows = list(ActivityRow.objects.order_by("row"))
    assert [(r.row_id, r.quantity, r.description) for r in rows] == [
        ("r1", 0.1, 'Boiler, "main" \nline two'),
        ("r2", 123456.789012345, "{}"),
        ("r3", 2.0, '"'),
    ]
    assert [r.extra for r in rows] == [
        {'note "A"': "Zürich; 50%", "cost\\centre": "C\\1"},
        {'note "A"': "NULL"},
        {'note "A"': "\\N"},
    ]


def test_a_spreadsheet_is_stored_with_its_numbers_as_typed(people: dict) -> None:
    content = _xlsx(
        [
            ["year", "activity", "quantity", "unit", "scope", "category", "description"],
            [2025, "travel.air.long_haul.economy", 5423.7, "passenger_km", 3, 6, "Sales trip"],
            [2025, "fuel.petrol", 80, "L", 3, 6, "Own car, business mileage"],
        ]
    )
    job = _upload(people, content, name="Travel 2025.xlsx")
    assert job.status == "succeeded", job.problems
    rows = list(ActivityRow.objects.order_by("row"))
    assert [(r.row, r.row_id, r.quantity, r.unit, r.scope, r.category) for r in rows] == [
        (2, "2", 5423.7, "passenger_km", 3, 6),
        (3, "3", 80.0, "L", 3, 6),
    ]
    assert rows[0].source == "Travel 2025.xlsx"
    assert ActivityUpload.objects.get().row_count == 2


def test_an_upload_is_audited_with_its_name_hash_and_row_count(people: dict) -> None:
    _upload(people, GOOD_CSV)
    entry = AuditEntry.objects.get(action="activities.upload")
    assert entry.actor == people["erin"]
    assert entry.organisation == people["B1"]
    assert entry.detail["file_name"] == "activities.csv"
    assert entry.detail["sha256"] == hashlib.sha256(GOOD_CSV.encode()).hexdigest()
    assert entry.detail["row_count"] == 3
    assert entry.detail["inventory_id"] == people["inventory"].pk


def test_the_job_ends_with_every_row_counted_and_the_file_deleted(people: dict) -> None:
    job = _upload(people, GOOD_CSV)
    assert (job.done, job.total) == (3, 3)
    assert job.task_id
    assert _left_behind() == []


# Files with errors store nothing


BAD_FILES = [
    pytest.param(
        'year,activity,quantity,unit\n2025,fuel.diesel,12,L\n2025,fuel.diesel,"1,000",L\n',
        (3, "quantity", "1,000", "not a number"),
        id="thousands separator",
    ),
    pytest.param(
        "year,activity,quantity,unit\n2025,fuel.diesel,12,bananas\n",
        (2, "unit", "bananas", "unknown unit"),
        id="unknown unit",
    ),
    pytest.param(
        "year,activity,quantity\n2025,fuel.diesel,12\n",
        (1, "unit", None, "required column 'unit' is missing"),
        id="missing required column",
    ),
    pytest.param(
        "year,activity,quantity,unit\n2025,fuel.diesel,12,L\n2024,fuel.diesel,3,L\n",
        (3, "year", "2024", "the row's year 2024 is not the inventory's year 2025"),
        id="another year",
    ),
    pytest.param(
        "entity,year,activity,quantity,unit\nPlant B,2025,fuel.diesel,12,L\n",
        (2, "entity", "Plant B", "B1 Manufacturing has no entity of this name"),
        id="unknown entity",
    ),
]


@pytest.mark.parametrize(("text", "expected"), BAD_FILES)
def test_a_file_with_an_error_stores_nothing_and_names_the_row_and_column(
    people: dict, text: str, expected: tuple[int, str, str | None, str]
) -> None:
    job = _upload(people, text, name="site data.csv")
    assert job.status == "failed"
    row, column, value, reason = expected
    (problem,) = job.problems
    assert (problem["file"], problem["row"], problem["column"]) == ("site data.csv", row, column)
    assert problem["value"] == value
    assert reason in problem["reason"]
    assert _nothing_stored()
    assert _left_behind() == []


def test_every_problem_of_a_file_is_listed_at_once(people: dict) -> None:
    text = (
        "id,entity,year,activity,quantity,unit\n"
        "a,Plant A,2024,fuel.diesel,1,L\n"
        "b,plant a,2025,fuel.diesel,2,L\n"
        "c,Plant A,2023,fuel.diesel,3,L\n"
    )
    job = _upload(people, text)
    assert [(p["row"], p["column"], p["reason"]) for p in job.problems] == [
        (2, "year", "the row's year 2024 is not the inventory's year 2025"),
        (3, "entity", "no entity is named exactly so; did you mean 'Plant A'?"),
        (4, "year", "the row's year 2023 is not the inventory's year 2025"),
    ]
    assert _nothing_stored()


def test_the_problems_name_the_users_file_never_the_servers_path(people: dict) -> None:
    job = _upload(
        people, 'year,activity,quantity,unit\n2025,x,"1,000",L\n', name="C:\\data\\gas.csv"
    )
    assert [p["file"] for p in job.problems] == ["gas.csv"]
    assert str(upload_root()) not in str(job.problems) + job.message + job.stage


def test_an_unreadable_workbook_is_one_clear_problem(people: dict) -> None:
    job = _upload(people, b"PK\x03\x04 not really a zip", name="broken.xlsx")
    assert job.status == "failed"
    (problem,) = job.problems
    assert problem["file"] == "broken.xlsx"
    assert "cannot read the file as a workbook" in problem["reason"]
    assert str(upload_root()) not in problem["reason"]
    assert _nothing_stored()


def test_a_contributor_fixes_the_rows_and_uploads_again(people: dict) -> None:
    bad = 'year,activity,quantity,unit\n2025,fuel.diesel,"1,000",L\n'
    assert _upload(people, bad).status == "failed"
    fixed = _upload(people, "year,activity,quantity,unit\n2025,fuel.diesel,1000,L\n")
    assert fixed.status == "succeeded"
    assert ActivityRow.objects.get().quantity == 1000.0


# Refusals at once


def test_a_viewer_and_an_auditor_may_not_upload(people: dict) -> None:
    with pytest.raises(NotAllowedError):
        _upload(people, GOOD_CSV, by="vera")
    with pytest.raises(NotAllowedError):
        upload_accept(
            inventory=people["b2_inventory"],
            by=people["dora"],
            file_name="a.csv",
            stream_or_path=io.BytesIO(GOOD_CSV.encode()),
            size=None,
        )
    assert _nothing_stored()
    assert not Job.objects.exists()


@pytest.mark.parametrize("state", ["submitted", "locked"])
def test_an_inventory_that_is_not_a_draft_takes_no_data(people: dict, state: str) -> None:
    inventory = people["inventory"]
    inventory_transition(inventory=inventory, to="submitted", by=people["erin"])
    if state == "locked":
        # Reviewing needs a calculation first (the calculations area); only the
        # state matters here, so the row is set to locked directly.
        Inventory.objects.filter(pk=inventory.pk).update(state="locked")
    people["inventory"] = Inventory.objects.get(pk=inventory.pk)
    with pytest.raises(InvalidInputError) as refused:
        _upload(people, GOOD_CSV, by="alice")
    assert refused.value.message.startswith(f"this inventory is {state}: it takes no more")
    assert _nothing_stored()
    assert not Job.objects.exists()


def test_a_file_larger_than_the_limit_is_refused_before_it_is_saved(people: dict) -> None:
    with override_settings(NEUTRA_MAX_UPLOAD_BYTES=100), pytest.raises(InvalidInputError) as big:
        _upload(people, GOOD_CSV)
    assert big.value.message == (
        "activities.csv: the file is 0.0 MB; the largest accepted is 0 MB "
        "(split it into several files)"
    )
    assert _left_behind() == []


def test_a_file_that_sends_more_than_it_announced_is_refused_too(people: dict) -> None:
    with override_settings(NEUTRA_MAX_UPLOAD_BYTES=100), pytest.raises(InvalidInputError):
        upload_accept(
            inventory=people["inventory"],
            by=people["erin"],
            file_name="a.csv",
            stream_or_path=io.BytesIO(GOOD_CSV.encode()),
            size=10,
        )
    assert _left_behind() == []
    assert not Job.objects.exists()


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("activities.txt", ".txt files are not taken: upload a .csv or .xlsx file"),
        ("old.xls", ".xls files are not taken: upload a .csv or .xlsx file (save an old .xls"),
        ("activities", "(none) files are not taken"),
    ],
)
def test_a_file_of_another_type_is_refused_with_a_clear_message(
    people: dict, name: str, reason: str
) -> None:
    with pytest.raises(InvalidInputError) as refused:
        _upload(people, GOOD_CSV, name=name)
    assert reason in refused.value.message
    assert _left_behind() == []


def test_an_empty_file_is_refused(people: dict) -> None:
    with pytest.raises(InvalidInputError) as refused:
        _upload(people, b"")
    assert refused.value.message == "activities.csv: the file is empty"


def test_a_job_that_finds_its_inventory_submitted_stores_nothing(people: dict) -> None:
    # The inventory is submitted after the upload was accepted, before the worker ran it.
    inventory = people["inventory"]
    job = job_create(kind=JobKind.UPLOAD, inventory=inventory, by=people["erin"])
    folder = upload_root() / "upload-race"
    folder.mkdir(parents=True)
    (folder / "a.csv").write_text(GOOD_CSV)
    inventory_transition(inventory=inventory, to="submitted", by=people["bob"])
    upload_store.call(job_id=job.pk, path=str(folder / "a.csv"), file_name="a.csv")
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.message.startswith("this inventory is submitted")
    assert _nothing_stored()
    assert not folder.exists()


QUEUED = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}


def test_a_queued_upload_shows_a_polling_panel_until_the_worker_has_run_it(
    client: Client, people: dict
) -> None:
    client.force_login(people["erin"])
    url = f"/inventories/{people['inventory'].pk}/activities/upload"
    with override_settings(TASKS=QUEUED):  # a worker that has not picked it up yet
        answer = client.post(url, {"file": SimpleUploadedFile("a.csv", GOOD_CSV.encode())}, **HTMX)
    job = Job.objects.get()
    html = answer.content.decode()
    assert "waiting for a worker" in html
    assert f'hx-get="/jobs/{job.pk}/"' in html
    (saved,) = [p for p in _left_behind() if p.is_file()]
    assert saved.name == "a.csv"
    assert saved.read_bytes() == GOOD_CSV.encode()
    # The worker runs the task it was given.
    upload_store.call(job_id=job.pk, path=str(saved), file_name="a.csv")
    panel = client.get(f"/jobs/{job.pk}/")
    assert panel["HX-Trigger"] == "job-finished"
    assert "a.csv: 3 activity rows stored." in panel.content.decode()
    assert ActivityRow.objects.count() == 3
    assert _left_behind() == []
    # Reloaded on job-finished, the section lists the file instead of the panel.
    section = client.get(_section_url(people)).content.decode()
    assert "<td>a.csv</td>" in section
    assert 'hx-get="/jobs/' not in section


# Deleting


def test_deleting_an_upload_removes_its_rows_only(people: dict) -> None:
    _upload(people, GOOD_CSV, name="first.csv")
    _upload(people, "year,activity,quantity,unit\n2025,fuel.diesel,7,L\n", name="second.csv")
    first = ActivityUpload.objects.get(file_name="first.csv")
    upload_delete(upload=first, by=people["erin"])
    assert list(ActivityUpload.objects.values_list("file_name", flat=True)) == ["second.csv"]
    assert list(ActivityRow.objects.values_list("quantity", flat=True)) == [7.0]
    entry = AuditEntry.objects.get(action="activities.delete")
    assert (entry.detail["file_name"], entry.detail["row_count"]) == ("first.csv", 3)


def test_an_upload_of_a_submitted_inventory_cannot_be_deleted(people: dict) -> None:
    _upload(people, GOOD_CSV)
    inventory_transition(inventory=people["inventory"], to="submitted", by=people["erin"])
    upload = ActivityUpload.objects.select_related("inventory").get()
    with pytest.raises(InvalidInputError):
        upload_delete(upload=upload, by=people["alice"])
    with pytest.raises(NotAllowedError):
        upload_delete(upload=upload, by=people["vera"])
    assert ActivityRow.objects.count() == 3


# Pages


def _section_url(people: dict) -> str:
    return f"/inventories/{people['inventory'].pk}/activities/"


def test_the_section_shows_the_upload_form_and_the_template_link(
    client: Client, people: dict
) -> None:
    client.force_login(people["erin"])
    page = client.get(_section_url(people))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" not in html  # a fragment for the inventory page's section
    assert f'href="/inventories/{people["inventory"].pk}/activities/template.xlsx"' in html
    assert 'hx-encoding="multipart/form-data"' in html
    assert 'name="file"' in html
    assert "No activity data yet." in html
    assert " style=" not in html  # the CSP allows no inline style
    assert "<script" not in html


def test_a_failed_upload_shows_every_row_error_inline(client: Client, people: dict) -> None:
    client.force_login(people["erin"])
    text = 'id,year,activity,quantity,unit\na,2025,fuel.diesel,"1,000",L\nb,2024,fuel.diesel,2,L\n'
    answer = client.post(
        f"/inventories/{people['inventory'].pk}/activities/upload",
        {"file": SimpleUploadedFile("fleet.csv", text.encode())},
        **HTMX,
    )
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "nothing from it was stored" in html
    assert '<td>fleet.csv</td><td class="num">2</td><td>quantity</td><td>1,000</td>' in html
    assert "quantity is not a number" in html
    # The page shows the same after a reload (the job panel is the latest upload's).
    again = client.get(_section_url(people)).content.decode()
    assert "quantity is not a number" in again
    assert _nothing_stored()


def test_a_year_error_shows_inline_with_its_row(client: Client, people: dict) -> None:
    client.force_login(people["erin"])
    text = "id,year,activity,quantity,unit\na,2025,fuel.diesel,1,L\nb,2024,fuel.diesel,2,L\n"
    client.post(
        f"/inventories/{people['inventory'].pk}/activities/upload",
        {"file": SimpleUploadedFile("fleet.csv", text.encode())},
        **HTMX,
    )
    html = client.get(_section_url(people)).content.decode()
    assert '<td class="num">3</td><td>year</td><td>2024</td>' in html
    assert "the row&#x27;s year 2024 is not the inventory&#x27;s year 2025" in html


def test_a_good_upload_is_listed_with_its_rows_and_a_delete_button(
    client: Client, people: dict
) -> None:
    client.force_login(people["erin"])
    answer = client.post(
        f"/inventories/{people['inventory'].pk}/activities/upload",
        {"file": SimpleUploadedFile("activities.csv", GOOD_CSV.encode())},
        **HTMX,
    )
    html = answer.content.decode()
    assert "activities.csv: 3 activity rows stored." in html
    assert "3 activity rows in 1 file" in html
    assert "<td>erin</td>" in html
    upload = ActivityUpload.objects.get()
    delete_url = f"/inventories/{people['inventory'].pk}/activities/{upload.pk}/delete"
    assert f'hx-post="{delete_url}"' in html
    removed = client.post(delete_url, **HTMX)
    assert "activities.csv and its 3 rows removed." in removed.content.decode()
    assert _nothing_stored()


def test_without_javascript_an_upload_redirects_to_the_inventory_with_a_message(
    client: Client, people: dict
) -> None:
    client.force_login(people["erin"])
    answer = client.post(
        f"/inventories/{people['inventory'].pk}/activities/upload",
        {"file": SimpleUploadedFile("activities.csv", GOOD_CSV.encode())},
    )
    assert answer.status_code == 303
    assert answer["Location"] == f"/inventories/{people['inventory'].pk}/"
    page = client.get(answer["Location"])
    assert "activities.csv: 3 activity rows stored." in page.content.decode()
    assert f'hx-get="/inventories/{people["inventory"].pk}/activities/"' in page.content.decode()


def test_without_javascript_a_refusal_is_a_message_on_the_inventory_page(
    client: Client, people: dict
) -> None:
    client.force_login(people["erin"])
    answer = client.post(
        f"/inventories/{people['inventory'].pk}/activities/upload",
        {"file": SimpleUploadedFile("activities.ods", b"PK")},
        follow=True,
    )
    assert answer.redirect_chain == [(f"/inventories/{people['inventory'].pk}/", 303)]
    assert ".ods files are not taken: upload a .csv or .xlsx file" in answer.content.decode()


def test_a_form_without_a_file_is_answered_with_a_message(client: Client, people: dict) -> None:
    client.force_login(people["erin"])
    url = f"/inventories/{people['inventory'].pk}/activities/upload"
    answer = client.post(url, {"note": "no file"}, **HTMX)
    assert answer.status_code == 200
    assert "choose a .csv or .xlsx file to upload" in answer.content.decode()
    not_multipart = client.post(url, "file=x", content_type="text/plain", **HTMX)
    assert "choose a .csv or .xlsx file to upload" in not_multipart.content.decode()
    broken = client.post(url, b"--x\r\n", content_type="multipart/form-data", **HTMX)
    assert broken.status_code == 200
    assert "the upload could not be read" in broken.content.decode()
    assert not Job.objects.exists()


def test_a_refused_file_type_is_shown_in_the_section(client: Client, people: dict) -> None:
    client.force_login(people["erin"])
    answer = client.post(
        f"/inventories/{people['inventory'].pk}/activities/upload",
        {"file": SimpleUploadedFile("notes.docx", b"PK")},
        **HTMX,
    )
    assert answer.status_code == 200
    assert ".docx files are not taken: upload a .csv or .xlsx file" in answer.content.decode()


def test_a_viewer_sees_the_data_but_no_upload_form(client: Client, people: dict) -> None:
    _upload(people, GOOD_CSV)
    client.force_login(people["vera"])
    html = client.get(_section_url(people)).content.decode()
    assert "<td>activities.csv</td>" in html
    assert 'name="file"' not in html
    assert "Delete" not in html
    assert "You cannot upload activity data here: your role lets you read" in html
    answer = client.post(
        f"/inventories/{people['inventory'].pk}/activities/upload",
        {"file": SimpleUploadedFile("a.csv", GOOD_CSV.encode())},
        **HTMX,
    )
    assert "your role lets you read this inventory" in answer.content.decode()
    assert ActivityUpload.objects.count() == 1


def test_a_submitted_inventory_says_why_it_takes_no_upload(client: Client, people: dict) -> None:
    inventory_transition(inventory=people["inventory"], to="submitted", by=people["erin"])
    client.force_login(people["erin"])
    html = client.get(_section_url(people)).content.decode()
    assert 'name="file"' not in html
    assert "this inventory is submitted: it takes no more activity data" in html


def test_the_template_downloads_opens_and_a_filled_copy_uploads_cleanly(
    client: Client, people: dict
) -> None:
    client.force_login(people["erin"])
    answer = client.get(f"/inventories/{people['inventory'].pk}/activities/template.xlsx")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    assert answer["Content-Disposition"] == (
        'attachment; filename="B1-Manufacturing-2025-activities.xlsx"'
    )
    workbook = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert workbook.sheetnames[:3] == ["activities", "activity keys", "read me"]
    sheet = workbook["activities"]
    assert tuple(cell.value for cell in sheet[1]) == COLUMNS
    keys = {row[0] for row in workbook["activity keys"].iter_rows(min_row=2, values_only=True)}
    assert {"fuel.natural_gas", "electricity.grid", "spend.naics.111110"} <= keys
    entities = {row[0] for row in workbook["lists"].iter_rows(min_row=2, values_only=True)}
    assert {"Plant A", "Head office", "B1 Manufacturing"} <= entities
    sheet.append(
        ["r1", "Plant A", 2025, "fuel.natural_gas", None, 5200, "kWh", "GB", 1, None, "Boiler"]
    )
    filled = io.BytesIO()
    workbook.save(filled)
    job = _upload(people, filled.getvalue(), name="B1-Manufacturing-2025-activities.xlsx")
    assert job.status == "succeeded", job.problems
    row = ActivityRow.objects.get()
    assert (row.row, row.row_id, row.entity, row.quantity, row.scope, row.description) == (
        2,
        "r1",
        "Plant A",
        5200.0,
        1,
        "Boiler",
    )


# Tenancy: another tenant's inventory and uploads are 404, everywhere


def test_another_tenants_user_gets_404_on_every_url_and_endpoint(
    client: Client, people: dict
) -> None:
    _upload(people, GOOD_CSV)
    upload = ActivityUpload.objects.get()
    inventory = people["inventory"].pk
    client.force_login(people["charlie"])
    file = {"file": SimpleUploadedFile("a.csv", GOOD_CSV.encode())}
    answers = {
        "section": client.get(f"/inventories/{inventory}/activities/"),
        "upload": client.post(f"/inventories/{inventory}/activities/upload", file),
        "template": client.get(f"/inventories/{inventory}/activities/template.xlsx"),
        "delete": client.post(f"/inventories/{inventory}/activities/{upload.pk}/delete"),
        "api upload": client.post(
            f"/api/inventories/{inventory}/uploads",
            {"file": SimpleUploadedFile("a.csv", GOOD_CSV.encode())},
        ),
        "api list": client.get(f"/api/inventories/{inventory}/uploads"),
        "api delete": client.delete(f"/api/uploads/{upload.pk}"),
        "api template": client.get(f"/api/inventories/{inventory}/template.xlsx"),
    }
    assert {name: a.status_code for name, a in answers.items()} == dict.fromkeys(answers, 404)
    assert answers["api delete"].json() == {
        "message": "upload not found",
        "extra": {"upload_id": str(upload.pk)},
    }
    assert ActivityUpload.objects.count() == 1
    assert ActivityRow.objects.count() == 3


def test_an_upload_of_another_inventory_is_404_under_this_one(client: Client, people: dict) -> None:
    _upload(people, GOOD_CSV)
    upload = ActivityUpload.objects.get()
    client.force_login(people["alice"])  # sees both of A's clients
    other = people["b2_inventory"].pk
    answer = client.post(f"/inventories/{other}/activities/{upload.pk}/delete")
    assert answer.status_code == 404
    assert ActivityRow.objects.count() == 3


def test_ids_beyond_any_row_are_404_not_errors(client: Client, people: dict) -> None:
    client.force_login(people["erin"])
    huge = "9" * 30
    assert client.get(f"/inventories/{huge}/activities/").status_code == 404
    assert client.delete(f"/api/uploads/{huge}").status_code in (404, 422)


def test_an_anonymous_visitor_is_sent_to_log_in(client: Client, people: dict) -> None:
    answer = client.get(_section_url(people))
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")
    assert client.get(f"/api/inventories/{people['inventory'].pk}/uploads").status_code == 401


# API


def test_the_api_flow_upload_job_and_list(client: Client, people: dict) -> None:
    client.force_login(people["erin"])
    inventory = people["inventory"].pk
    answer = client.post(
        f"/api/inventories/{inventory}/uploads",
        {"file": SimpleUploadedFile("activities.csv", GOOD_CSV.encode())},
    )
    assert answer.status_code == 202
    job = answer.json()
    assert (job["kind"], job["inventory_id"]) == ("upload", inventory)
    polled = client.get(f"/api/jobs/{job['id']}").json()
    assert (polled["status"], polled["message"], polled["problems"]) == (
        "succeeded",
        "activities.csv: 3 activity rows stored.",
        [],
    )
    (listed,) = client.get(f"/api/inventories/{inventory}/uploads").json()
    assert listed["file_name"] == "activities.csv"
    assert listed["row_count"] == 3
    assert listed["uploaded_by"] == "erin"
    assert listed["sha256"] == hashlib.sha256(GOOD_CSV.encode()).hexdigest()
    assert client.delete(f"/api/uploads/{listed['id']}").status_code == 204
    assert client.get(f"/api/inventories/{inventory}/uploads").json() == []
    assert _nothing_stored()


def test_the_api_lists_every_problem_of_a_bad_file_in_the_failed_job(
    client: Client, people: dict
) -> None:
    client.force_login(people["erin"])
    text = 'year,activity,quantity,unit\n2025,fuel.diesel,"1,000",L\n2024,fuel.diesel,2,L\n'
    answer = client.post(
        f"/api/inventories/{people['inventory'].pk}/uploads",
        {"file": SimpleUploadedFile("fleet.csv", text.encode())},
    )
    assert answer.status_code == 202
    job = client.get(f"/api/jobs/{answer.json()['id']}").json()
    assert job["status"] == "failed"
    assert [(p["file"], p["row"], p["column"]) for p in job["problems"]] == [
        ("fleet.csv", 2, "quantity"),
        ("fleet.csv", 3, "year"),
    ]


def test_the_api_refuses_with_the_one_error_shape(client: Client, people: dict) -> None:
    inventory = people["inventory"].pk
    url = f"/api/inventories/{inventory}/uploads"
    client.force_login(people["vera"])
    viewer = client.post(url, {"file": SimpleUploadedFile("a.csv", GOOD_CSV.encode())})
    assert viewer.status_code == 403
    assert viewer.json()["message"] == (
        "your role lets you read this inventory's activity data, not change it"
    )
    client.force_login(people["erin"])
    wrong = client.post(url, {"file": SimpleUploadedFile("a.pdf", b"%PDF")})
    assert wrong.status_code == 400
    assert wrong.json()["extra"]["problems"] == [
        {
            "file": "a.pdf",
            "row": None,
            "column": None,
            "value": None,
            "reason": ".pdf files are not taken: upload a .csv or .xlsx file",
        }
    ]
    missing = client.post(url, {})
    assert missing.status_code == 422
    assert missing.json()["message"].startswith("file")
    with override_settings(NEUTRA_MAX_UPLOAD_BYTES=10):
        big = client.post(url, {"file": SimpleUploadedFile("a.csv", GOOD_CSV.encode())})
    assert big.status_code == 400
    assert "the largest accepted is" in big.json()["message"]
    assert _nothing_stored()


def test_an_auditor_gets_404_for_a_draft_and_403_once_it_is_submitted(
    client: Client, people: dict
) -> None:
    client.force_login(people["dora"])
    url = f"/api/inventories/{people['b2_inventory'].pk}/uploads"
    assert client.get(url).status_code == 404  # auditors see no draft
    # B2 has no client admin or contributor: its consultant submits for it.
    inventory_transition(inventory=people["b2_inventory"], to="submitted", by=people["alice"])
    answer = client.post(
        f"/api/inventories/{people['b2_inventory'].pk}/uploads",
        {"file": SimpleUploadedFile("a.csv", GOOD_CSV.encode())},
    )
    assert answer.status_code == 403
    listed = client.get(f"/api/inventories/{people['b2_inventory'].pk}/uploads")
    assert (listed.status_code, listed.json()) == (200, [])


def test_a_read_only_token_lists_uploads_but_cannot_upload(client: Client, people: dict) -> None:
    _, secret = api_token_create(
        user=people["erin"],
        name="ERP export",
        scopes=("read",),
        expires_at=timezone.now() + timedelta(days=30),
    )
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    inventory = people["inventory"].pk
    refused = client.post(
        f"/api/inventories/{inventory}/uploads",
        {"file": SimpleUploadedFile("a.csv", GOOD_CSV.encode())},
        **bearer,
    )
    assert refused.status_code == 403
    assert client.get(f"/api/inventories/{inventory}/uploads", **bearer).json() == []


def test_a_write_token_uploads_without_a_session(client: Client, people: dict) -> None:
    _, secret = api_token_create(
        user=people["erin"],
        name="ERP export",
        scopes=("read", "write"),
        expires_at=timezone.now() + timedelta(days=30),
    )
    answer = client.post(
        f"/api/inventories/{people['inventory'].pk}/uploads",
        {"file": SimpleUploadedFile("activities.csv", GOOD_CSV.encode())},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert answer.status_code == 202
    assert answer.json()["status"] == "succeeded"
    assert ActivityUpload.objects.get().uploaded_by == people["erin"]
    polled = client.get(f"/api/jobs/{answer.json()['id']}", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert (polled.status_code, polled.json()["status"]) == (200, "succeeded")


def test_the_api_serves_the_template(client: Client, people: dict) -> None:
    client.force_login(people["vera"])  # reading is enough
    answer = client.get(f"/api/inventories/{people['inventory'].pk}/template.xlsx")
    assert answer.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert tuple(c.value for c in workbook["activities"][1]) == COLUMNS


def test_uploads_are_kept_under_neutra_home() -> None:
    assert upload_root() == Path(settings.NEUTRA_HOME) / "uploads"


def test_a_bad_quantity_and_a_row_of_another_year_are_reported_together(
    client: Client, people: dict
) -> None:
    client.force_login(people["erin"])
    text = 'id,year,activity,quantity,unit\na,2025,fuel.diesel,"1,000",L\nb,2024,fuel.diesel,2,L\n'
    client.post(
        f"/inventories/{people['inventory'].pk}/activities/upload",
        {"file": SimpleUploadedFile("fleet.csv", text.encode())},
        **HTMX,
    )
    html = client.get(_section_url(people)).content.decode()
    assert '<td class="num">2</td><td>quantity</td><td>1,000</td>' in html
    assert '<td class="num">3</td><td>year</td><td>2024</td>' in html
    assert _nothing_stored()


def test_a_worker_start_removes_only_uploads_older_than_a_week() -> None:
    import os
    import time as clock

    from neutra.web.activities.services import upload_folders_prune, upload_root

    upload_root().mkdir(parents=True, exist_ok=True)
    old, fresh, other = (upload_root() / name for name in ("upload-old", "upload-new", "keep-me"))
    for folder in (old, fresh, other):
        folder.mkdir()
        (folder / "a.csv").write_text("id\n")
    eight_days_ago = clock.time() - 8 * 24 * 3600
    os.utime(old, (eight_days_ago, eight_days_ago))
    os.utime(other, (eight_days_ago, eight_days_ago))
    try:
        assert upload_folders_prune() == 1
        assert not old.exists()
        assert fresh.exists()
        assert other.exists()  # not a folder the upload service made
    finally:
        for folder in (fresh, other):
            shutil.rmtree(folder, ignore_errors=True)


def test_a_file_the_calculation_would_refuse_is_not_stored(people: dict) -> None:
    # The reader takes both rows (a known unit word, an activity key of the right shape);
    # the pinned factor sets have no such activity, and furlong is no energy: the engine
    # itself says so at upload time, naming each row, instead of at the calculation.
    job = _upload(
        people,
        "id,entity,year,activity,quantity,unit,region\n"
        "gas,Plant A,2025,fuel.natural_gas,1000,kWh,GB\n"
        "far,Plant A,2025,fuel.natural_gas,3,furlong,GB\n"
        "moon,Plant A,2025,fuel.moon_dust,5,kg,GB\n",
    )
    job.refresh_from_db()
    assert job.status == "failed"
    found = {(p["row"], p["column"]) for p in job.problems}
    rows = [p["row"] for p in job.problems]
    assert rows == sorted(rows)  # listed in the file's order
    assert (4, "activity") in found  # fuel.moon_dust: no pinned set has it
    assert 3 in {row for row, _ in found}  # furlong: not convertible to the factor's kWh
    assert all(p["file"] == "activities.csv" for p in job.problems)
    assert _nothing_stored()
