"""The web credits ledger: the core's algebra on the database, tenancy, journal, import and export."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from neutra.core.errors import InvalidInputError
from neutra.formats.ledger_file import read_ledger
from neutra.web.credits.journal import journal_verify
from neutra.web.credits.models import CreditBlock, CreditTransaction, JournalEntry
from neutra.web.credits.selectors import block_for, blocks_of_organisation, find_serial
from neutra.web.credits.services import (
    Units,
    credits_cancel,
    credits_sell,
    credits_transfer,
    ledger_import,
)
from neutra.web.errors import NotAllowedError, NotFoundError
from neutra.web.tenancy.models import AuditEntry, Role
from neutra.web.tenancy.services import membership_grant
from tests.web.credits_data import Book, buy, credits_book

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]
D = dt.date


@pytest.fixture
def book(world: dict[str, Any]) -> Book:
    return credits_book(world)


def serials(book: Book, start: int, end: int, client: Any = None) -> Units:
    return Units(
        organisation=client, project=book.wind, unit_type="CER", serial_start=start, serial_end=end
    )


def state() -> tuple[int, int, int, list[tuple[int, str, int | None]]]:
    blocks = list(CreditBlock.objects.order_by("pk").values_list("pk", "state", "closed_by_id"))
    return (
        CreditBlock.objects.count(),
        CreditTransaction.objects.count(),
        JournalEntry.objects.count(),
        blocks,
    )


def current(client: Any = None) -> list[tuple[str, int, int]]:
    rows = CreditBlock.objects.filter(closed_by__isnull=True, organisation=client).order_by(
        "serial_start"
    )
    return [(b.state, b.serial_start, b.serial_end) for b in rows]


def test_a_partial_cancellation_for_a_client_splits_the_block_and_is_journalled(
    world: dict, book: Book
) -> None:
    b1, alice = world["B1"], world["alice"]
    buy(world, book, 1, 100, client=b1)
    txn = credits_cancel(consultancy=world["A"], units=serials(book, 41, 60, b1), date=D(2025, 3, 1),
                         beneficiary="B1 Manufacturing", purpose="carbon neutral 2024", for_period="2024",
                         attestation=("attestation.pdf", b"%PDF-1.4 UN attestation"), by=alice)  # fmt: skip
    assert current(b1) == [("held", 1, 40), ("cancelled", 41, 60), ("held", 61, 100)]
    parent = CreditBlock.objects.get(closed_by=txn)
    assert (parent.serial_start, parent.serial_end, parent.state) == (
        1,
        100,
        "held",
    )  # closed, not edited
    assert set(CreditBlock.objects.filter(parent=parent).values_list("quantity", flat=True)) == {
        40,
        20,
    }
    assert txn.quantity == 20
    assert txn.attestation_sha256
    assert bytes(txn.attestation) == b"%PDF-1.4 UN attestation"
    assert [e.action for e in JournalEntry.objects.order_by("seq")] == [
        "credits.purchase",
        "credits.cancel",
    ]
    assert AuditEntry.objects.filter(action="credits.cancel", organisation=b1).exists()
    assert journal_verify() == (2, [])


def test_allocation_by_fifo_takes_the_oldest_vintage_from_stock(world: dict, book: Book) -> None:
    buy(world, book, 1, 100, vintage="2014")
    buy(world, book, 101, 150, vintage="2010")
    credits_transfer(consultancy=world["A"], units=Units(quantity=70), to_organisation=world["B2"],
                     date=D(2025, 2, 1), by=world["alice"])  # fmt: skip
    assert current(world["B2"]) == [("held", 1, 20), ("held", 101, 150)]
    assert current(None) == [("held", 21, 100)]


REFUSALS = {
    "cancelling a cancelled unit": (
        "cancel",
        5,
        15,
        "B1",
        "serial_start",
        "were cancelled on 2025-03-01",
    ),
    "cancelling a sold unit": ("cancel", 91, 95, "B1", "serial_start", "were sold on 2025-03-02"),
    "another client's units": ("cancel", 20, 30, "B2", "organisation", "belong to client"),
    "a sold unit among others": (
        "cancel",
        85,
        120,
        "B1",
        "serial_start",
        "units 91-100 of CDM CER IN were sold",
    ),
    "more than is held": (
        "cancel",
        101,
        120,
        "B1",
        "serial_start",
        "units 101-120 of CDM CER IN are not held",
    ),
    "a transfer across registries after the cut-off": (
        "transfer",
        20,
        30,
        "B1",
        "to_account",
        "International Transaction Log stopped",
    ),
}


@pytest.mark.parametrize("kind", REFUSALS)
def test_refused_operations_say_why_and_change_nothing(world: dict, book: Book, kind: str) -> None:
    b1, alice = world["B1"], world["alice"]
    buy(world, book, 1, 100, client=b1)
    credits_cancel(
        consultancy=world["A"],
        units=serials(book, 1, 10, b1),
        date=D(2025, 3, 1),
        beneficiary="B1",
        by=alice,
    )
    credits_sell(
        consultancy=world["A"],
        units=serials(book, 91, 100, b1),
        date=D(2025, 3, 2),
        buyer="Other",
        by=alice,
    )
    action, start, end, client, field, reason = REFUSALS[kind]
    before = state()
    units = serials(book, start, end, world[client])
    if action == "cancel":
        with pytest.raises(InvalidInputError) as refused:
            credits_cancel(
                consultancy=world["A"], units=units, date=D(2026, 5, 1), beneficiary="X", by=alice
            )
    else:
        with pytest.raises(InvalidInputError) as refused:
            credits_transfer(
                consultancy=world["A"],
                units=units,
                to_account=book.de,
                date=D(2026, 4, 1),
                by=alice,
            )
    assert reason in refused.value.message
    assert refused.value.problems[0].column == field
    assert state() == before


def test_an_overlapping_purchase_and_a_quantity_that_disagrees_are_refused(
    world: dict, book: Book
) -> None:
    buy(world, book, 1, 100)
    before = state()
    with pytest.raises(InvalidInputError, match="overlap units 1-100 already held"):
        buy(world, book, 50, 150)
    with pytest.raises(InvalidInputError, match="quantity 5 disagrees with serials 1-10"):
        credits_cancel(consultancy=world["A"], units=Units(project=book.wind, unit_type="CER", serial_start=1, serial_end=10, quantity=5),
                       date=D(2025, 3, 1), beneficiary="X", by=world["alice"])  # fmt: skip
    assert state() == before


def test_only_the_consultancys_staff_keep_its_ledger(world: dict, book: Book) -> None:
    with pytest.raises(NotAllowedError):
        credits_cancel(
            consultancy=world["A"],
            units=Units(quantity=1),
            date=D(2025, 1, 1),
            beneficiary="x",
            by=world["bob"],
        )


def test_a_client_sees_its_own_units_and_nothing_of_other_clients(
    world: dict, book: Book, make_user: Any
) -> None:
    b1, b2, alice = world["B1"], world["B2"], world["alice"]
    viewer = make_user("vera")
    membership_grant(organisation=b1, user=viewer, role=Role.VIEWER, by=alice)
    buy(world, book, 1, 100, client=b1)
    buy(world, book, 101, 200, client=b2)
    now = dt.datetime.now(dt.UTC)
    other = CreditBlock.objects.get(organisation=b2)
    with pytest.raises(NotFoundError):
        block_for(viewer, other.pk, now=now)
    assert [b.organisation_id for b in find_serial(viewer, 150, now=now)] == []
    assert [b.organisation_id for b in find_serial(viewer, 50, now=now)] == [b1.pk]
    assert [b.organisation_id for b in find_serial(alice, 150, now=now)] == [b2.pk]
    client = Client()
    client.force_login(viewer)
    assert client.get(f"/organisations/{b2.pk}/credits/").status_code == 404
    assert client.get(f"/api/organisations/{b2.pk}/credits").status_code == 404
    page = client.get(f"/organisations/{b1.pk}/credits/").content.decode()
    assert "IN-5-1-1-1-0-1234" in page
    assert "B2 Logistics" not in page
    assert (
        client.get("/credits/export.csv").status_code == 404
    )  # the consultancy's ledger is staff-only


def test_tampering_with_the_journal_in_the_database_is_detected(world: dict, book: Book) -> None:
    buy(world, book, 1, 100)
    buy(world, book, 101, 200)
    buy(world, book, 201, 300)
    assert journal_verify() == (3, [])
    second = JournalEntry.objects.get(seq=2)
    with connection.cursor() as cursor:  # what the model refuses, typed at the database
        payload = json.dumps({**second.payload, "date": "2020-01-01"})
        cursor.execute(
            "UPDATE credits_journalentry SET payload = %s WHERE id = %s", [payload, second.pk]
        )
    checked, breaks = journal_verify()
    assert checked == 3
    assert [(b.seq, "changed" in b.reason) for b in breaks] == [(2, True)]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM credits_journalentry WHERE seq = 2")
    _, breaks = journal_verify()
    assert [b.seq for b in breaks] == [3, 3]  # #2 missing, and #3's previous hash leads nowhere
    assert "missing" in breaks[0].reason


LEDGER = """txn_id,date,action,programme,unit_type,host_party,project_id,vintage,serial_start,serial_end,quantity,registry,account,to_registry,to_account,client,to_client,beneficiary,purpose,for_period,counterparty,price,currency,reference
p1,2025-01-10,purchase,CDM,CER,IN,1234,2012,1,100,100,CDM,A-HOLD,,,,,,,,Broker Ltd,1.50,EUR,C-1
a1,2025-02-01,transfer,,,,,,,,60,,,,,,B1 Manufacturing,,,,,,,
c1,2025-03-01,cancel,CDM,CER,IN,,,1,20,20,CDM,A-HOLD,,,B1 Manufacturing,,B1 Manufacturing,offset,2024,,,,ATT-1
"""


def test_a_ledger_file_imports_whole_and_exports_the_same_rows(
    world: dict, book: Book, tmp_path: Any
) -> None:
    path = tmp_path / "ledger.csv"
    path.write_text(LEDGER)
    made = ledger_import(
        consultancy=world["A"], rows=read_ledger(path), source="ledger.csv", by=world["alice"]
    )
    assert [t.txn_id for t in made] == ["p1", "a1", "c1"]
    assert current(world["B1"]) == [("cancelled", 1, 20), ("held", 21, 60)]
    client = Client()
    client.force_login(world["alice"])
    exported = tmp_path / "exported.csv"
    exported.write_bytes(client.get("/credits/export.csv").content)
    again = read_ledger(exported)
    assert [dataclasses.replace(r, row=0) for r in again] == [
        dataclasses.replace(r, row=0) for r in read_ledger(path)
    ]
    assert again[1].to_client == "B1 Manufacturing"


def test_an_import_with_a_bad_row_imports_nothing_and_lists_every_row(
    world: dict, book: Book, tmp_path: Any
) -> None:
    path = tmp_path / "ledger.csv"
    path.write_text(LEDGER + "c2,2025-03-02,cancel,CDM,CER,IN,,,10,30,,CDM,,,,B1 Manufacturing,,X,,,,,,\n"
                    "c3,2025-03-03,cancel,CDM,CER,IN,,,40,45,,CDM,,,,Nobody Ltd,,X,,,,,,\n")  # fmt: skip
    before = state()
    with pytest.raises(InvalidInputError) as refused:
        ledger_import(
            consultancy=world["A"], rows=read_ledger(path), source="ledger.csv", by=world["alice"]
        )
    assert [(p.row, p.column) for p in refused.value.problems] == [(6, "client")]
    path.write_text(
        LEDGER + "c2,2025-03-02,cancel,CDM,CER,IN,,,10,30,,CDM,,,,B1 Manufacturing,,X,,,,,,\n"
    )
    with pytest.raises(InvalidInputError) as refused:
        ledger_import(
            consultancy=world["A"], rows=read_ledger(path), source="ledger.csv", by=world["alice"]
        )
    (problem,) = refused.value.problems
    assert (problem.row, problem.column) == (5, "serial_start")
    assert "were cancelled on 2025-03-01" in problem.reason
    assert state() == before


def test_the_api_refuses_with_the_one_error_shape_and_changes_nothing(
    world: dict, book: Book
) -> None:
    b1 = world["B1"]
    buy(world, book, 1, 100, client=b1)
    client = Client()
    client.force_login(world["alice"])
    body = {"organisation_id": b1.pk, "project_id": book.wind.pk, "unit_type": "CER", "serial_start": 1,
            "serial_end": 200, "date": "2025-03-01", "beneficiary": "B1"}  # fmt: skip
    before = state()
    answer = client.post(
        "/api/credits/cancellations", json.dumps(body), content_type="application/json"
    )
    assert answer.status_code == 400
    assert set(answer.json()) == {"message", "extra"}
    assert "units 101-200 of CDM CER IN are not held" in answer.json()["message"]
    assert state() == before
    body["serial_end"] = 30
    answer = client.post(
        "/api/credits/cancellations", json.dumps(body), content_type="application/json"
    )
    assert answer.status_code == 201, answer.json()
    assert answer.json()["quantity"] == 30
    history = client.get(
        f"/api/credits/blocks/{CreditBlock.objects.get(state='cancelled').pk}"
    ).json()
    assert [t["action"] for t in history["transactions"]] == ["purchase", "cancel"]
    assert history["block"]["serials"] == "IN-5-1-1-1-0-1234 – IN-5-30-1-1-0-1234"


def test_a_policy_choice_is_previewed_before_it_is_committed(world: dict, book: Book) -> None:
    buy(world, book, 1, 50, vintage="2014")
    buy(world, book, 51, 80, vintage="2011")
    client = Client()
    client.force_login(world["alice"])
    before = state()
    page = client.post("/credits/preview", {"quantity": "40", "policy": "fifo"}).content.decode()
    assert "serials 51-80 (30 units, vintage 2011" in page
    assert "serials 1-10 (10 units, vintage 2014" in page
    assert state() == before


def test_the_pages_show_a_refusal_as_a_message_and_change_nothing(world: dict, book: Book) -> None:
    b1 = world["B1"]
    buy(world, book, 1, 100, client=b1)
    client = Client()
    client.force_login(world["alice"])
    before = state()
    answer = client.post("/credits/operate", {"action": "cancel", "date": "2025-03-01", "organisation": str(world["B2"].pk),
                         "project": str(book.wind.pk), "unit_type": "CER", "serial_start": "1", "serial_end": "10",
                         "beneficiary": "X"}, follow=True)  # fmt: skip
    assert "belong to client" in answer.content.decode()
    assert state() == before


def test_a_registry_statement_is_reconciled_on_the_page(world: dict, book: Book) -> None:
    buy(world, book, 1, 100)
    client = Client()
    client.force_login(world["alice"])
    statement = io.BytesIO(
        b"registry,account,programme,unit_type,host_party,project_id,vintage,serial_start,serial_end,quantity\n"
        b"CDM,A-HOLD,CDM,CER,IN,1234,2012,1,90,90\n"
    )
    statement.name = "statement.csv"
    page = client.post("/credits/reconcile", {"file": statement}).content.decode()
    assert "The statement and the ledger differ." in page
    assert "91-100" in page


def test_blocks_of_a_client_come_from_the_tenancy_selectors(world: dict, book: Book) -> None:
    buy(world, book, 1, 10, client=world["B1"])
    assert [b.quantity for b in blocks_of_organisation(organisation=world["B1"])] == [10]
    assert list(blocks_of_organisation(organisation=world["B2"])) == []


@pytest.mark.postgres
def test_postgresql_refuses_overlapping_open_blocks_written_around_the_services(
    world: dict, book: Book
) -> None:
    from django.db import IntegrityError, transaction

    buy(world, book, 1, 100)
    block = CreditBlock.objects.get()
    copy = {
        f.attname: getattr(block, f.attname)
        for f in CreditBlock._meta.concrete_fields
        if f.attname != "id"
    }
    with (
        pytest.raises(IntegrityError, match="credits_open_blocks_never_overlap"),
        transaction.atomic(),
    ):
        CreditBlock.objects.create(
            **{**copy, "serial_start": 50, "serial_end": 150, "quantity": 101}
        )
    CreditBlock.objects.create(
        **{**copy, "serial_start": 101, "serial_end": 150, "quantity": 50}
    )  # beside it: fine


API_REFUSALS = {
    "a cancelled unit": (
        "cancellations",
        {"serial_start": 5, "serial_end": 15},
        "were cancelled on 2025-03-01",
    ),
    "a sold unit": (
        "cancellations",
        {"serial_start": 95, "serial_end": 96},
        "were sold on 2025-03-02",
    ),
    "another client's units": (
        "cancellations",
        {"organisation": "B2", "serial_start": 20, "serial_end": 30},
        "belong to client",
    ),
    "more than is held": (
        "cancellations",
        {"serial_start": None, "serial_end": None, "quantity": 500},
        "500 units asked",
    ),
    "a quantity against the serials": (
        "cancellations",
        {"serial_start": 20, "serial_end": 30, "quantity": 5},
        "disagrees with serials",
    ),
    "a transfer after the cut-off": (
        "transfers",
        {"serial_start": 20, "serial_end": 30, "date": "2026-04-01", "to_account": "de"},
        "International Transaction Log stopped",
    ),
    "an overlapping purchase": ("purchases", {}, "serials 50-150 overlap units 11-90 already held"),
}


@pytest.mark.parametrize("kind", API_REFUSALS)
def test_the_api_refuses_each_kind_of_bad_request_with_a_clear_message(
    world: dict, book: Book, kind: str
) -> None:
    b1, alice = world["B1"], world["alice"]
    buy(world, book, 1, 100, client=b1)
    credits_cancel(
        consultancy=world["A"],
        units=serials(book, 1, 10, b1),
        date=D(2025, 3, 1),
        beneficiary="B1",
        by=alice,
    )
    credits_sell(
        consultancy=world["A"],
        units=serials(book, 91, 100, b1),
        date=D(2025, 3, 2),
        buyer="Other",
        by=alice,
    )
    endpoint, refusal, reason = API_REFUSALS[kind]
    changes = dict(refusal)  # the table stays as written for the other runs
    body: dict[str, Any] = {
        "organisation_id": world[changes.pop("organisation", "B1")].pk, "project_id": book.wind.pk,
        "unit_type": "CER", "date": "2025-06-01", "beneficiary": "X",
    }  # fmt: skip
    if endpoint == "purchases":
        body = {"account_id": book.cdm.pk, "project_id": book.wind.pk, "unit_type": "CER", "vintage": "2012",
                "serial_start": 50, "serial_end": 150, "date": "2025-06-01"}  # fmt: skip
    if changes.pop("to_account", None):
        body["to_account_id"] = book.de.pk
        del body["beneficiary"]  # a transfer has no beneficiary (unknown fields are refused)
    body.update(changes)
    client = Client()
    client.force_login(alice)
    before = state()
    answer = client.post(
        f"/api/credits/{endpoint}", json.dumps(body), content_type="application/json"
    )
    assert answer.status_code == 400, answer.content
    assert reason in answer.json()["message"]
    assert answer.json()["extra"]["problems"][0]["column"]
    assert state() == before


def test_an_attestation_downloads_as_uploaded_under_a_plain_name(world: dict, book: Book) -> None:
    b1 = world["B1"]
    buy(world, book, 1, 100, client=b1)
    txn = credits_cancel(consultancy=world["A"], units=serials(book, 1, 10, b1), date=D(2025, 3, 1), beneficiary="B1",
                         attestation=('cert"\r\nX: y.pdf', b"%PDF-1.4 x"), by=world["alice"])  # fmt: skip
    client = Client()
    client.force_login(world["bob"])  # B1's client admin
    answer = client.get(f"/credits/attestations/{txn.pk}")
    assert answer.status_code == 200
    assert answer.content == b"%PDF-1.4 x"
    assert answer["Content-Disposition"] == 'attachment; filename="cert___X_ y.pdf"'


def test_the_consultancys_credits_page_names_each_client_with_its_units(
    world: dict, book: Book
) -> None:
    b1, b2, alice = world["B1"], world["B2"], world["alice"]
    buy(world, book, 1, 100, client=b1)
    buy(world, book, 101, 130, client=b2)
    buy(world, book, 131, 140)
    credits_cancel(consultancy=world["A"], units=serials(book, 1, 25, b1), date=D(2025, 3, 1),
                   beneficiary="B1 Manufacturing", purpose="carbon neutral 2024", for_period="2024",
                   attestation=None, by=alice)  # fmt: skip
    client = Client()
    client.force_login(alice)
    page = client.get("/credits/").content.decode()
    table = page.split("<h2>Per client</h2>")[1].split("</table>")[0]
    rows = [
        [cell.split(">")[-1] for cell in row.split("</td>")[:3]]
        for row in table.split("<tr><td>")[1:]
    ]
    assert [row[1:] for row in rows] == [["10", "0"], ["75", "25"], ["30", "0"]]
    assert "Stock (the consultancy's own)" in rows[0][0]
    assert ">B1 " in table.split("<tr><td>")[2]
    assert ">B2 " in table.split("<tr><td>")[3]


@pytest.mark.parametrize("serial", ["²", "٣", "1_000"])
def test_finding_a_serial_written_in_other_digits_is_a_message_not_a_server_error(
    world: dict[str, Any], book: Book, serial: str
) -> None:
    # str.isdigit() passes "²", which int() refuses: the page was a server error.
    buy(world, book, 1, 100)
    client = Client()
    client.force_login(world["alice"])
    page = client.get("/credits/find", {"serial": serial})
    assert page.status_code == 200
    assert "serial: write the unit&#x27;s serial number (digits only)" in page.content.decode()


def test_a_purchase_form_with_serials_in_fullwidth_digits_names_the_field_and_buys_nothing(
    world: dict[str, Any], book: Book
) -> None:
    # int() read "１" and "１００" as 1 and 100: the page bought units nobody typed in ASCII.
    client = Client()
    client.force_login(world["alice"])
    before = state()
    page = client.post("/credits/purchase", {"account": str(book.cdm.pk), "project": str(book.wind.pk),
                       "unit_type": "CER", "vintage": "2012", "serial_start": "１", "serial_end": "１００",
                       "date": "2025-01-01"}, follow=True)  # fmt: skip
    assert page.status_code == 200
    assert "serial_start: give a whole number in digits 0-9" in page.content.decode()
    assert state() == before
