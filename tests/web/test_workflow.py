"""The workflow in the web: who moves an inventory, send-back with a reason, what auditors
see, and figures that say which calculation they are from and whether the data changed since."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from neutra.core.errors import InvalidInputError
from neutra.web.errors import NotAllowedError, NotFoundError
from neutra.web.inventories.models import Inventory, InventoryState
from neutra.web.inventories.selectors import (
    inventories_for,
    inventory_audit_entries,
    inventory_for,
)
from neutra.web.inventories.services import inventory_create
from neutra.web.tenancy.models import Role
from neutra.web.tenancy.services import membership_grant
from neutra.web.workflow.selectors import figures_status
from neutra.web.workflow.services import InventoryStateError, inventory_transition
from tests.web.helpers import calculated, uploaded

MORE = "id,year,activity,quantity,unit,region\ngas-2,2025,fuel.natural_gas,2000,kWh,GB\n"


@pytest.fixture
def people(world: dict, make_user: Any) -> dict:
    """The world, plus erin (contributor of B1) and vera (viewer of B2, which has no client
    admin or contributor: only dora, its auditor, and vera)."""
    erin, vera = make_user("erin"), make_user("vera")
    membership_grant(organisation=world["B1"], user=erin, role=Role.CONTRIBUTOR, by=world["alice"])
    membership_grant(organisation=world["B2"], user=vera, role=Role.VIEWER, by=world["alice"])
    return {**world, "erin": erin, "vera": vera}


def reviewed(people: dict) -> Inventory:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    uploaded(inventory, people["erin"])
    inventory_transition(inventory=inventory, to="submitted", by=people["erin"])
    calculated(inventory, people["alice"])
    return inventory_transition(inventory=inventory, to="reviewed", by=people["alice"])


def test_a_consultant_submits_the_draft_of_a_client_that_has_no_client_users(
    people: dict,
) -> None:
    inventory = inventory_create(organisation=people["B2"], year=2025, by=people["alice"])
    uploaded(inventory, people["alice"])
    moved = inventory_transition(inventory=inventory, to="submitted", by=people["alice"])
    assert moved.state == InventoryState.SUBMITTED


def test_a_consultant_leaves_submitting_to_a_client_that_has_its_own_people(
    people: dict,
) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    with pytest.raises(NotAllowedError, match="client's own people submit"):
        inventory_transition(inventory=inventory, to="submitted", by=people["alice"])


def test_a_reviewed_inventory_is_sent_back_with_a_reason_and_submitted_again(
    people: dict,
) -> None:
    inventory = reviewed(people)
    with pytest.raises(InvalidInputError, match="say why"):
        inventory_transition(inventory=inventory, to="draft", by=people["alice"], reason="  ")
    with pytest.raises(NotAllowedError):
        inventory_transition(inventory=inventory, to="draft", by=people["bob"], reason="no")
    inventory_transition(
        inventory=inventory, to="draft", by=people["alice"], reason="The March gas bill is missing"
    )
    assert inventory.state == InventoryState.DRAFT
    entry = inventory_audit_entries(inventory=inventory).first()
    assert entry is not None
    assert entry.actor == people["alice"]
    assert entry.detail == {
        "from": "reviewed",
        "to": "draft",
        "action": "send_back",
        "reason": "The March gas bill is missing",
    }
    # The client adds the missing data and submits again; review needs fresh figures.
    uploaded(inventory, people["erin"], rows=MORE, name="march.csv")
    inventory_transition(inventory=inventory, to="submitted", by=people["erin"])
    with pytest.raises(InventoryStateError, match="calculate it first"):
        inventory_transition(inventory=inventory, to="reviewed", by=people["alice"])
    calculated(inventory, people["alice"])
    assert inventory_transition(inventory=inventory, to="reviewed", by=people["alice"]).state == (
        InventoryState.REVIEWED
    )


def test_the_client_reads_the_reason_on_the_inventory_page(client: Client, people: dict) -> None:
    inventory = reviewed(people)
    client.force_login(people["alice"])
    section = client.get(f"/inventories/{inventory.pk}/workflow").content.decode()
    assert "Send back to draft" in section
    assert 'name="reason"' in section
    answer = client.post(
        f"/inventories/{inventory.pk}/transition",
        {"to": "draft", "reason": "Site <b>B</b> is missing"},
        follow=True,
    )
    assert "The inventory is now Draft." in answer.content.decode()
    client.force_login(people["erin"])
    section = client.get(f"/inventories/{inventory.pk}/workflow").content.decode()
    assert "Sent back to draft: Site &lt;b&gt;B&lt;/b&gt; is missing" in section
    assert "Mark submitted" in section


def test_a_send_back_through_the_api_needs_a_reason_and_records_it(
    client: Client, people: dict
) -> None:
    inventory = reviewed(people)
    client.force_login(people["alice"])
    url = f"/api/inventories/{inventory.pk}/transition"
    refused = client.post(url, {"to": "draft"}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["extra"]["problems"][0]["column"] == "reason"
    moved = client.post(url, {"to": "draft", "reason": "recount"}, content_type="application/json")
    assert moved.status_code == 200
    assert moved.json()["state"] == "draft"
    audit = client.get(f"/api/inventories/{inventory.pk}/audit").json()
    assert audit[0]["detail"]["reason"] == "recount"


def test_an_auditor_sees_no_draft_but_what_was_submitted(client: Client, people: dict) -> None:
    draft = inventory_create(organisation=people["B2"], year=2025, by=people["alice"])
    job = uploaded(draft, people["alice"])
    calculated(draft, people["alice"])
    dora = people["dora"]
    now = draft.created_at
    assert list(inventories_for(dora, people["B2"].pk, now=now)) == []
    with pytest.raises(NotFoundError):
        inventory_for(dora, draft.pk, now=now)
    client.force_login(dora)
    for url in (
        f"/inventories/{draft.pk}/",
        f"/inventories/{draft.pk}/dashboard/",
        f"/api/inventories/{draft.pk}",
        f"/api/inventories/{draft.pk}/footprint",
        f"/api/jobs/{job.pk}",
    ):
        assert client.get(url).status_code == 404, url
    line = client.get(f"/api/inventories/{draft.pk}/lines")
    assert line.status_code == 404
    # A viewer of the same client sees the draft.
    assert inventory_for(people["vera"], draft.pk, now=now) == draft
    # Submitted, it is the auditor's to see.
    inventory_transition(inventory=draft, to="submitted", by=people["alice"])
    assert client.get(f"/api/inventories/{draft.pk}").status_code == 200
    assert [i.pk for i in inventories_for(dora, people["B2"].pk, now=now)] == [draft.pk]


def test_opening_a_year_whose_draft_exists_says_to_open_it_not_to_restate_it(
    people: dict,
) -> None:
    inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    with pytest.raises(InvalidInputError) as caught:
        inventory_create(organisation=people["B1"], year=2025, by=people["bob"])
    assert "version 1 is still draft: open it" in caught.value.message
    assert "restate" not in caught.value.message


# Figures that say which calculation they are from, and whether the data changed since


def test_every_figure_says_when_the_data_changed_since_its_calculation(
    client: Client, people: dict
) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    uploaded(inventory, people["erin"])
    first = calculated(inventory, people["alice"])
    status = figures_status(inventory=inventory)
    assert status.current
    assert status.calculation_id is not None
    client.force_login(people["bob"])
    dashboard = client.get(f"/api/inventories/{inventory.pk}/dashboard").json()
    assert dashboard["calculation"]["current"] is True
    assert dashboard["calculation"]["data_changed"] is False

    uploaded(inventory, people["erin"], rows=MORE, name="more.csv")
    stale = figures_status(inventory=inventory)
    assert not stale.current
    assert stale.data_changed
    assert stale.files_added == 1
    assert stale.calculation_id == status.calculation_id
    page = client.get(f"/inventories/{inventory.pk}/dashboard/").content.decode()
    assert 'data-stale="true"' in page
    assert f"calculation {status.calculation_id} of" in page
    assert "the activity data changed since (1 file added)" in page
    dashboard = client.get(f"/api/inventories/{inventory.pk}/dashboard").json()
    assert dashboard["calculation"]["data_changed"] is True
    assert dashboard["calculation"]["current"] is False
    assert "not current" in dashboard["calculation"]["status"]
    footprint = client.get(f"/api/inventories/{inventory.pk}/footprint").json()
    assert footprint["calculation"]["id"] == status.calculation_id
    assert footprint["calculation"]["data_changed"] is True
    figures = client.get(f"/inventories/{inventory.pk}/figures").content.decode()
    assert 'data-stale="true"' in figures

    calculated(inventory, people["alice"])
    fresh = figures_status(inventory=inventory)
    assert fresh.current
    assert fresh.calculation_id != status.calculation_id
    assert first.pk  # the first job stays in the history
    page = client.get(f"/inventories/{inventory.pk}/dashboard/").content.decode()
    assert 'data-stale="false"' in page
    assert 'data-stale="true"' not in page
    footprint = client.get(f"/api/inventories/{inventory.pk}/footprint").json()
    assert footprint["calculation"]["current"] is True


def test_the_what_changed_page_marks_a_restatement_whose_data_changed_since(
    client: Client, people: dict
) -> None:
    from neutra.web.workflow.services import inventory_restate

    inventory = reviewed(people)
    inventory_transition(inventory=inventory, to="locked", by=people["alice"])
    restatement = inventory_restate(inventory=inventory, by=people["alice"])
    calculated(restatement, people["alice"])
    uploaded(restatement, people["erin"], rows=MORE, name="more.csv")
    client.force_login(people["bob"])
    page = client.get(f"/inventories/{restatement.pk}/compare/").content.decode()
    assert page.count('data-stale="true"') == 1  # this version; the locked one is current
    assert page.count('data-stale="false"') == 1
    compare = client.get(f"/api/inventories/{restatement.pk}/compare").json()
    assert compare["after_status"]["data_changed"] is True
    assert compare["before_status"]["current"] is True


def test_an_expired_auditor_is_told_the_access_ended_not_that_there_is_none(
    client: Client, people: dict
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from neutra.web.tenancy.models import Membership

    ended = timezone.now() - timedelta(days=2)
    Membership.objects.filter(user=people["dora"]).update(expires_at=ended)
    client.force_login(people["dora"])
    page = client.get("/").content.decode()
    assert "Your access as auditor" in page
    assert "B2 Logistics" not in page  # nothing of the client once the access has ended
    assert f"ended on {ended:%Y-%m-%d}" in page
    assert "no organisation yet" not in page


def test_read_only_roles_and_locked_inventories_are_not_told_to_upload(
    client: Client, people: dict
) -> None:
    inventory = reviewed(people)
    client.force_login(people["bob"])
    section = client.get(f"/inventories/{inventory.pk}/activities/").content.decode()
    assert "upload it here" not in section  # reviewed: it takes no more data
    inventory_transition(inventory=inventory, to="draft", by=people["alice"], reason="more")
    section = client.get(f"/inventories/{inventory.pk}/activities/").content.decode()
    assert "upload it here" in section  # a draft, and bob may change its data


def test_the_open_an_inventory_form_proposes_a_year_that_has_none(
    client: Client, people: dict
) -> None:
    from django.utils import timezone

    now = timezone.now()
    proposed = now.year - 1 if now.month < 7 else now.year
    client.force_login(people["alice"])
    url = f"/organisations/{people['B1'].pk}/"
    assert f'value="{proposed}"' in client.get(url).content.decode()
    inventory_create(organisation=people["B1"], year=proposed, by=people["alice"])
    assert (
        f'id="inv-year" name="year" type="number" min="1990" max="2100" value="{proposed + 1}"'
        in (client.get(url).content.decode())
    )


# Scope 3 screening: relevant, not relevant (with the reason) or not yet assessed


def test_scope_3_categories_are_not_yet_assessed_until_screened_and_an_exclusion_says_why(
    client: Client, people: dict
) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    client.force_login(people["erin"])
    url = f"/api/inventories/{inventory.pk}/screening"
    before = client.get(url).json()
    assert [r["relevance"] for r in before] == ["not_assessed"] * 15
    assert before[5]["name"] == "Business travel"
    refused = client.put(
        f"{url}/14", {"relevance": "not_relevant"}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json()["extra"]["problems"][0]["column"] == "reason"
    client.put(
        f"{url}/14",
        {"relevance": "not_relevant", "reason": "B1 has no franchises"},
        content_type="application/json",
    )
    answer = client.put(f"{url}/6", {"relevance": "relevant"}, content_type="application/json")
    assert answer.status_code == 200
    by_category = {r["category"]: r for r in answer.json()}
    assert by_category[14] == {
        "category": 14,
        "name": "Franchises",
        "relevance": "not_relevant",
        "reason": "B1 has no franchises",
    }
    assert by_category[6]["relevance"] == "relevant"
    assert by_category[1]["relevance"] == "not_assessed"
    assert inventory_audit_entries(inventory=inventory).first().action == (
        "inventory.scope3_screening"
    )
    # The dashboard shows it, page and API.
    client.force_login(people["bob"])
    page = client.get(f"/inventories/{inventory.pk}/dashboard/").content.decode()
    assert 'data-category="14" data-relevance="not_relevant"' in page
    assert "B1 has no franchises" in page
    assert 'data-category="1" data-relevance="not_assessed"' in page
    dashboard = client.get(f"/api/inventories/{inventory.pk}/dashboard").json()
    assert dashboard["scope3_screening"][13]["reason"] == "B1 has no franchises"


def test_only_editors_screen_and_only_a_draft(client: Client, people: dict) -> None:
    from neutra.web.inventories.services import screening_set

    inventory = inventory_create(organisation=people["B2"], year=2025, by=people["alice"])
    with pytest.raises(NotAllowedError):
        screening_set(
            inventory=inventory, category=1, relevance="relevant", reason="", by=people["vera"]
        )
    inventory_transition(inventory=inventory, to="submitted", by=people["alice"])
    with pytest.raises(InvalidInputError, match="only a draft"):
        screening_set(
            inventory=inventory, category=1, relevance="relevant", reason="", by=people["alice"]
        )
    with pytest.raises(InvalidInputError, match="1 to 15"):
        screening_set(
            inventory=inventory, category=16, relevance="relevant", reason="", by=people["alice"]
        )
