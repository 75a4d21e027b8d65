"""Inventories: opened per client and year, moved draft -> locked by the right
roles, never changed once locked, corrected by restatement, and invisible to
every other tenant."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from neutra.core.errors import InvalidInputError
from neutra.web.errors import NotAllowedError, NotFoundError
from neutra.web.inventories.models import Inventory, InventoryLockedError, InventoryState
from neutra.web.inventories.selectors import (
    inventories_for,
    inventory_audit_entries,
    inventory_for,
)
from neutra.web.inventories.services import default_factor_sets, inventory_create
from neutra.web.tenancy.models import Role
from neutra.web.tenancy.services import membership_grant
from neutra.web.workflow.services import (
    InventoryStateError,
    inventory_restate,
    inventory_transition,
)
from tests.web.helpers import calculated, uploaded, walked_to_locked


@pytest.fixture
def people(world: dict, make_user: Any) -> dict:
    """The world, plus erin: contributor of B1."""
    erin = make_user("erin")
    membership_grant(organisation=world["B1"], user=erin, role=Role.CONTRIBUTOR, by=world["alice"])
    return {**world, "erin": erin}


def locked(people: dict, year: int = 2024) -> Inventory:
    """B1's inventory for `year`, walked to LOCKED by the right people."""
    inventory = inventory_create(organisation=people["B1"], year=year, by=people["alice"])
    walked_to_locked(inventory, client=people["erin"], staff=people["alice"])
    return inventory


# Services and selectors


def test_a_consultant_opens_a_draft_inventory_pinned_to_the_starter_library(people: dict) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    assert inventory.state == InventoryState.DRAFT
    assert inventory.version == 1
    assert inventory.restates is None
    assert inventory.gwp_set == "AR5"
    assert inventory.approach == "operational"
    assert [p["name"] for p in inventory.factor_sets] == [
        "desnz-2025",
        "desnz-2024",
        "egrid",
        "owid-ember",
        "useeio-1.3",
    ]
    assert [(p["name"], p["version"]) for p in inventory.factor_sets] == list(default_factor_sets())


def test_a_client_admin_opens_an_inventory_with_his_own_settings(people: dict) -> None:
    pins = [{"name": "desnz-2024", "version": "4946cc6f55f9e703"}]
    inventory = inventory_create(
        organisation=people["B1"],
        year=2024,
        by=people["bob"],
        factor_sets=pins,
        gwp_set="AR6",
        approach="equity",
    )
    assert (inventory.factor_sets, inventory.gwp_set, inventory.approach) == (pins, "AR6", "equity")
    assert inventory.created_by == people["bob"]


def test_a_contributor_or_an_auditor_cannot_open_an_inventory(people: dict) -> None:
    with pytest.raises(NotAllowedError):
        inventory_create(organisation=people["B1"], year=2025, by=people["erin"])
    with pytest.raises(NotAllowedError):
        inventory_create(organisation=people["B2"], year=2025, by=people["dora"])
    assert Inventory.objects.count() == 0


def test_a_second_inventory_for_the_same_year_is_refused(people: dict) -> None:
    inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    with pytest.raises(InvalidInputError, match="already has an inventory for 2025"):
        inventory_create(organisation=people["B1"], year=2025, by=people["bob"])
    assert inventory_create(organisation=people["B2"], year=2025, by=people["alice"]).version == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("year", 1800),
        ("year", 2101),
        ("year", "2025"),
        ("gwp_set", "SAR"),
        ("approach", "control"),
        ("factor_sets", []),
        ("factor_sets", [{"name": "desnz-2025"}]),
        ("factor_sets", [{"name": "bad name!", "version": "fa1b9e9d66365e12"}]),
        ("factor_sets", [{"name": "desnz-2025", "version": "latest"}]),
    ],
)
def test_bad_settings_are_refused_naming_the_field(people: dict, field: str, value: Any) -> None:
    arguments: dict[str, Any] = {"organisation": people["B1"], "year": 2025, "by": people["alice"]}
    arguments[field] = value
    with pytest.raises(InvalidInputError) as caught:
        inventory_create(**arguments)
    assert caught.value.problems[0].column.startswith(field)
    assert Inventory.objects.count() == 0


def test_the_full_state_path_ends_locked(people: dict) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    uploaded(inventory, people["erin"])
    seen = [inventory.state]
    for to, by in (("submitted", "erin"), ("reviewed", "alice"), ("locked", "alice")):
        if to == "reviewed":
            calculated(inventory, people["alice"])
        seen.append(inventory_transition(inventory=inventory, to=to, by=people[by]).state)
    assert seen == ["draft", "submitted", "reviewed", "locked"]
    assert inventory.state == InventoryState.LOCKED  # the caller's copy is refreshed


def test_a_consultant_sends_a_submitted_inventory_back_to_draft_with_a_reason(
    people: dict,
) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    inventory_transition(inventory=inventory, to="submitted", by=people["bob"])
    with pytest.raises(InvalidInputError, match="say why"):
        inventory_transition(inventory=inventory, to="draft", by=people["alice"])
    moved = inventory_transition(
        inventory=inventory, to="draft", by=people["alice"], reason="March is missing"
    )
    assert moved.state == "draft"


def test_a_contributor_cannot_review_or_lock(people: dict) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    uploaded(inventory, people["erin"])
    inventory_transition(inventory=inventory, to="submitted", by=people["erin"])
    calculated(inventory, people["alice"])
    with pytest.raises(NotAllowedError):
        inventory_transition(inventory=inventory, to="reviewed", by=people["erin"])
    inventory_transition(inventory=inventory, to="reviewed", by=people["alice"])
    for who in ("erin", "bob"):
        with pytest.raises(NotAllowedError):
            inventory_transition(inventory=inventory, to="locked", by=people[who])
    inventory.refresh_from_db()
    assert inventory.state == InventoryState.REVIEWED


def test_a_consultant_cannot_submit_for_the_client(people: dict) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    with pytest.raises(NotAllowedError):
        inventory_transition(inventory=inventory, to="submitted", by=people["alice"])


def test_skipping_a_state_or_naming_an_unknown_one_is_refused(people: dict) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    with pytest.raises(InventoryStateError, match="cannot go from Draft to Locked"):
        inventory_transition(inventory=inventory, to="locked", by=people["alice"])
    with pytest.raises(InvalidInputError, match="unknown state"):
        inventory_transition(inventory=inventory, to="published", by=people["alice"])
    inventory.refresh_from_db()
    assert inventory.state == InventoryState.DRAFT


def test_a_locked_inventory_refuses_every_transition(people: dict) -> None:
    inventory = locked(people)
    for to in InventoryState.values:
        with pytest.raises(InventoryLockedError):
            inventory_transition(inventory=inventory, to=to, by=people["alice"])
    inventory.refresh_from_db()
    assert inventory.state == InventoryState.LOCKED


def test_a_locked_inventory_refuses_a_save_a_bulk_update_and_a_delete(people: dict) -> None:
    inventory = locked(people)
    inventory.gwp_set = "AR6"
    with pytest.raises(InventoryLockedError):
        inventory.save()
    with pytest.raises(InventoryLockedError):
        Inventory.objects.filter(pk=inventory.pk).update(gwp_set="AR6")
    with pytest.raises(InventoryLockedError):
        Inventory.objects.get(pk=inventory.pk).delete()
    with pytest.raises(InventoryLockedError):
        Inventory.objects.filter(pk=inventory.pk).delete()
    assert Inventory.objects.get(pk=inventory.pk).gwp_set == "AR5"


def test_the_database_itself_refuses_to_update_a_locked_inventory(people: dict) -> None:
    inventory = locked(people)
    table = Inventory._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET gwp_set = 'AR6' WHERE id = %s", [inventory.pk])
    assert Inventory.objects.get(pk=inventory.pk).gwp_set == "AR5"


def test_a_restatement_is_version_2_in_draft_linked_to_the_locked_version_1(people: dict) -> None:
    original = inventory_create(
        organisation=people["B1"], year=2024, by=people["alice"], gwp_set="AR6", approach="equity"
    )
    walked_to_locked(original, client=people["erin"], staff=people["alice"])
    restated = inventory_restate(inventory=original, by=people["bob"])
    assert (restated.year, restated.version, restated.state) == (2024, 2, "draft")
    assert restated.restates == original
    assert (restated.factor_sets, restated.gwp_set, restated.approach) == (
        original.factor_sets,
        "AR6",
        "equity",
    )
    original.refresh_from_db()
    assert original.state == InventoryState.LOCKED


def test_only_the_latest_locked_version_can_be_restated(people: dict) -> None:
    draft = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    with pytest.raises(InvalidInputError, match="only a locked inventory"):
        inventory_restate(inventory=draft, by=people["alice"])
    original = locked(people)
    inventory_restate(inventory=original, by=people["alice"])
    with pytest.raises(InvalidInputError, match="already restated"):
        inventory_restate(inventory=original, by=people["alice"])
    with pytest.raises(NotAllowedError):
        inventory_restate(inventory=original, by=people["erin"])
    assert Inventory.objects.filter(year=2024).count() == 2


def test_the_database_allows_one_unlocked_version_per_year(people: dict) -> None:
    original = locked(people)
    inventory_restate(inventory=original, by=people["alice"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Inventory.objects.create(organisation=people["B1"], year=2024, version=3, restates=original)


def test_the_audit_log_has_an_entry_per_change(people: dict) -> None:
    original = locked(people)
    restated = inventory_restate(inventory=original, by=people["alice"])
    entries = list(inventory_audit_entries(inventory=original).order_by("at", "id"))
    assert [(e.action, e.actor.username, e.detail.get("to")) for e in entries] == [
        ("inventory.create", "alice", None),
        ("activities.upload", "erin", None),
        ("inventory.transition", "erin", "submitted"),
        ("calculation.run", "alice", None),
        ("inventory.transition", "alice", "reviewed"),
        ("inventory.transition", "alice", "locked"),
    ]
    assert entries[2].detail == {"from": "draft", "to": "submitted", "action": "submit"}
    assert all(e.organisation == people["B1"] for e in entries)
    (restatement,) = inventory_audit_entries(inventory=restated)
    assert restatement.action == "inventory.restate"
    assert restatement.detail == {
        "restates": original.pk,
        "version": 2,
        "activity_rows_copied": 1,
        "instruments_copied": 0,
    }


def test_selectors_show_inventories_only_to_who_may_see_the_organisation(people: dict) -> None:
    now = timezone.now()
    mine = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    assert list(inventories_for(people["bob"], people["B1"].id, now=now)) == [mine]
    assert inventory_for(people["erin"], mine.id, now=now) == mine
    for who in ("charlie", "dora"):
        with pytest.raises(NotFoundError):
            inventories_for(people[who], people["B1"].id, now=now)
        with pytest.raises(NotFoundError) as caught:
            inventory_for(people[who], mine.id, now=now)
        assert caught.value.extra == {"inventory_id": str(mine.id)}
    for bad_id in (999_999, "abc", None, 10**30):
        with pytest.raises(NotFoundError):
            inventory_for(people["alice"], bad_id, now=now)


# The API


def test_the_api_opens_lists_and_reads_inventories(client: Client, people: dict) -> None:
    client.force_login(people["bob"])
    url = f"/api/organisations/{people['B1'].id}/inventories"
    created = client.post(url, {"year": 2025, "gwp_set": "AR6"}, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["year"], body["version"], body["state"], body["gwp_set"]) == (
        2025,
        1,
        "draft",
        "AR6",
    )
    assert body["created_by"] == "bob"
    assert body["restates_id"] is None
    assert [i["id"] for i in client.get(url).json()] == [body["id"]]
    assert client.get(f"/api/inventories/{body['id']}").json() == body


def test_the_api_walks_the_state_path_and_restates(client: Client, people: dict) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2024, by=people["alice"])
    url = f"/api/inventories/{inventory.id}"
    uploaded(inventory, people["erin"])
    for to, who in (("submitted", "erin"), ("reviewed", "alice"), ("locked", "alice")):
        if to == "reviewed":
            calculated(inventory, people["alice"])
        client.force_login(people[who])
        answer = client.post(f"{url}/transition", {"to": to}, content_type="application/json")
        assert answer.status_code == 200, answer.content
        assert answer.json()["state"] == to
    restated = client.post(f"{url}/restate")
    assert restated.status_code == 201
    assert (restated.json()["version"], restated.json()["restates_id"]) == (2, inventory.id)
    assert client.get(url).json()["state"] == "locked"


def test_the_api_refuses_a_contributor_locking_with_403(client: Client, people: dict) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    uploaded(inventory, people["erin"])
    inventory_transition(inventory=inventory, to="submitted", by=people["erin"])
    calculated(inventory, people["alice"])
    inventory_transition(inventory=inventory, to="reviewed", by=people["alice"])
    client.force_login(people["erin"])
    answer = client.post(
        f"/api/inventories/{inventory.id}/transition",
        {"to": "locked"},
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert set(answer.json()) == {"message", "extra"}
    inventory.refresh_from_db()
    assert inventory.state == InventoryState.REVIEWED


def test_another_consultancys_user_gets_404_on_every_inventory_endpoint(
    client: Client, people: dict
) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    org_url = f"/api/organisations/{people['B1'].id}/inventories"
    url = f"/api/inventories/{inventory.id}"
    client.force_login(people["charlie"])
    answers = [
        client.get(org_url),
        client.post(org_url, {"year": 2026}, content_type="application/json"),
        client.get(url),
        client.post(f"{url}/transition", {"to": "submitted"}, content_type="application/json"),
        client.post(f"{url}/restate"),
    ]
    assert [a.status_code for a in answers] == [404] * 5
    assert all(set(a.json()) == {"message", "extra"} for a in answers)
    assert answers[2].json()["message"] == "inventory not found"
    inventory.refresh_from_db()
    assert (inventory.state, Inventory.objects.count()) == ("draft", 1)


def test_an_anonymous_visitor_gets_401_from_every_inventory_endpoint(
    client: Client, people: dict
) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    answers = [
        client.get(f"/api/organisations/{people['B1'].id}/inventories"),
        client.get(f"/api/inventories/{inventory.id}"),
        client.post(f"/api/inventories/{inventory.id}/restate"),
    ]
    assert [a.status_code for a in answers] == [401] * 3


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"year": 1800}, 400, "year"),
        ({"year": 2025, "gwp_set": "AR9"}, 400, "gwp_set"),
        ({"year": 2025, "approach": "vibes"}, 400, "approach"),
        ({"year": 2025, "factor_sets": [{"name": "x", "version": "1"}]}, 400, "factor_sets"),
        ({"year": "twenty"}, 422, "body.payload.year"),
        ({}, 422, "body.payload.year"),
        ({"year": 2025, "factor_sets": "desnz"}, 422, "body.payload.factor_sets"),
    ],
)
def test_bad_inventory_payloads_get_a_4xx_in_the_error_shape(
    client: Client, people: dict, payload: dict, status: int, field: str
) -> None:
    client.force_login(people["alice"])
    answer = client.post(
        f"/api/organisations/{people['B1'].id}/inventories",
        payload,
        content_type="application/json",
    )
    assert answer.status_code == status, answer.content
    body = answer.json()
    assert set(body) == {"message", "extra"}
    assert body["extra"]["problems"][0]["column"].startswith(field)
    assert Inventory.objects.count() == 0


def test_an_unknown_state_or_a_malformed_body_gets_a_4xx_in_the_error_shape(
    client: Client, people: dict
) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    client.force_login(people["alice"])
    url = f"/api/inventories/{inventory.id}/transition"
    unknown = client.post(url, {"to": "published"}, content_type="application/json")
    skipped = client.post(url, {"to": "locked"}, content_type="application/json")
    broken = client.post(url, "{not json", content_type="application/json")
    assert [a.status_code for a in (unknown, skipped, broken)] == [400, 400, 400]
    assert "unknown state" in unknown.json()["message"]
    assert all(set(a.json()) == {"message", "extra"} for a in (unknown, skipped, broken))


def test_changing_a_locked_inventory_through_the_api_gets_400(client: Client, people: dict) -> None:
    inventory = locked(people)
    client.force_login(people["alice"])
    answer = client.post(
        f"/api/inventories/{inventory.id}/transition",
        {"to": "draft"},
        content_type="application/json",
    )
    assert answer.status_code == 400
    assert "locked" in answer.json()["message"]


def test_an_anonymous_visitor_is_refused_in_the_error_shape(client: Client, people: dict) -> None:
    answer = client.get(f"/api/organisations/{people['B1'].id}/inventories")
    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthorized", "extra": {}}


def test_a_read_only_api_token_reads_inventories_but_cannot_open_one(
    client: Client, people: dict
) -> None:
    from datetime import timedelta

    from neutra.web.accounts.services import api_token_create

    inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    _, secret = api_token_create(
        user=people["bob"],
        name="ERP export",
        scopes=("read",),
        expires_at=timezone.now() + timedelta(days=30),
    )
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    url = f"/api/organisations/{people['B1'].id}/inventories"
    assert [i["year"] for i in client.get(url, **bearer).json()] == [2025]
    refused = client.post(url, {"year": 2026}, content_type="application/json", **bearer)
    assert refused.status_code == 403
    assert Inventory.objects.count() == 1


def test_review_waits_for_figures_calculated_from_the_current_data(people: dict) -> None:
    inventory = inventory_create(organisation=people["B1"], year=2025, by=people["alice"])
    uploaded(inventory, people["erin"])
    inventory_transition(inventory=inventory, to="submitted", by=people["erin"])
    with pytest.raises(InventoryStateError, match="calculate it first"):
        inventory_transition(inventory=inventory, to="reviewed", by=people["alice"])
    calculated(inventory, people["alice"])
    inventory_transition(inventory=inventory, to="reviewed", by=people["alice"])
    assert inventory.state == InventoryState.REVIEWED


def test_a_restatement_starts_from_a_copy_of_the_locked_versions_activity_data(
    people: dict,
) -> None:
    from neutra.web.activities.models import ActivityRow, ActivityUpload

    original = locked(people)
    restatement = inventory_restate(inventory=original, by=people["alice"])
    copied = ActivityRow.objects.filter(inventory=restatement)
    kept = ActivityRow.objects.filter(inventory=original)
    assert copied.count() == kept.count() == 1
    row = copied.get()
    assert (row.row_id, row.activity, row.quantity, row.unit, row.year) == (
        "gas-1",
        "fuel.natural_gas",
        1000.0,
        "kWh",
        2024,
    )
    assert row.upload.inventory == restatement
    assert ActivityUpload.objects.filter(inventory=original).count() == 1
    # The copy is data, not figures: the new version is calculated again before review.
    inventory_transition(inventory=restatement, to="submitted", by=people["erin"])
    with pytest.raises(InventoryStateError, match="calculate it first"):
        inventory_transition(inventory=restatement, to="reviewed", by=people["alice"])
