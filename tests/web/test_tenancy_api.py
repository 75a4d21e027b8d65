"""The tenancy API: adding clients, their entity trees and their people, as the pages do."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from neutra.web.accounts.services import api_token_create
from neutra.web.inventories.services import inventory_create
from neutra.web.tenancy.models import Entity, Invitation, Membership, Organisation


def session(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_consultant_adds_a_client_through_the_api(world: dict) -> None:
    answer = session(world["alice"]).post(
        "/api/organisations",
        {"consultancy_id": world["A"].pk, "name": "Echo Dairy", "country": "nl"},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    created = Organisation.objects.get(pk=answer.json()["id"])
    assert (created.name, created.country, created.consultancy) == ("Echo Dairy", "NL", world["A"])


def test_a_consultancy_the_user_does_not_work_for_is_not_found(world: dict) -> None:
    answer = session(world["alice"]).post(
        "/api/organisations",
        {"consultancy_id": world["C"].pk, "name": "Echo Dairy", "country": "NL"},
        content_type="application/json",
    )
    assert answer.status_code == 404
    assert answer.json()["message"] == "consultancy not found"


def test_the_entity_tree_is_built_and_read_through_the_api(world: dict) -> None:
    client = session(world["bob"])  # a client admin runs his organisation's tree
    url = f"/api/organisations/{world['B1'].pk}/entities"
    root = client.post(url, {"name": "B1 Group"}, content_type="application/json")
    assert root.status_code == 201, root.content
    child = client.post(
        url,
        {"name": "B1 JV", "parent": "B1 Group", "equity_share": 0.4, "operational_control": "none", "financial_control": "joint"},
        content_type="application/json",
    )  # fmt: skip
    assert child.status_code == 201, child.content
    tree = client.get(url).json()
    assert [(e["name"], e["parent"], e["depth"], e["equity_share"]) for e in tree] == [
        ("B1 Group", None, 0, 1.0),
        ("B1 JV", "B1 Group", 1, 0.4),
    ]


def test_an_unknown_parent_or_a_bad_control_is_a_400_naming_the_field(world: dict) -> None:
    client = session(world["alice"])
    url = f"/api/organisations/{world['B1'].pk}/entities"
    unknown = client.post(url, {"name": "X", "parent": "Nowhere"}, content_type="application/json")
    assert unknown.status_code == 400
    assert unknown.json()["extra"]["problems"][0]["column"] == "parent"
    bad = client.post(
        url, {"name": "X", "financial_control": "most"}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert bad.json()["extra"]["problems"][0]["column"] == "financial_control"
    assert not Entity.objects.filter(organisation=world["B1"]).exists()


def test_a_client_admin_invites_an_auditor_until_a_date_and_removes_them(world: dict) -> None:
    client = session(world["bob"])
    url = f"/api/organisations/{world['B1'].pk}/invitations"
    until = (timezone.now() + timedelta(days=10)).isoformat()
    answer = client.post(
        url,
        {"email": "Auditor@Firm.example", "role": "auditor", "expires_at": until},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["email"], body["role"], body["state"]) == (
        "auditor@firm.example",
        "auditor",
        "pending",
    )
    assert [i["id"] for i in client.get(url).json()] == [body["id"]]
    members = f"/api/organisations/{world['B1'].pk}/members"
    assert "auditor@firm.example" not in [m["username"] for m in client.get(members).json()]
    withdrawn = client.delete(f"{url}/{body['id']}")
    assert withdrawn.status_code == 204
    assert client.get(url).json() == []
    # A member is removed by the members endpoint.
    bob_membership = Membership.objects.get(user=world["bob"], organisation=world["B1"])
    removed = session(world["alice"]).delete(f"{members}/{bob_membership.pk}")
    assert removed.status_code == 204
    assert not Membership.objects.filter(pk=bob_membership.pk).exists()


def test_a_viewer_may_not_list_the_people(world: dict, make_user: Any) -> None:
    from neutra.web.tenancy.services import membership_grant

    vera = make_user("vera")
    membership_grant(organisation=world["B1"], user=vera, role="viewer", by=world["alice"])
    answer = session(vera).get(f"/api/organisations/{world['B1'].pk}/members")
    assert answer.status_code == 403


def test_a_read_only_token_cannot_invite(world: dict) -> None:
    _token, secret = api_token_create(
        user=world["bob"],
        name="reader",
        scopes=["read"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    answer = Client().post(
        f"/api/organisations/{world['B1'].pk}/invitations",
        {"email": "x@y.example", "role": "viewer"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert answer.status_code == 403
    assert not Invitation.objects.exists()


def test_the_inventory_audit_log_is_read_newest_first(world: dict) -> None:
    inventory = inventory_create(organisation=world["B1"], year=2025, by=world["alice"])
    answer = session(world["bob"]).get(f"/api/inventories/{inventory.pk}/audit?limit=5")
    assert answer.status_code == 200
    [entry] = answer.json()
    assert (entry["action"], entry["actor"], entry["detail"]["year"]) == (
        "inventory.create",
        "alice",
        2025,
    )
    assert (
        session(world["charlie"]).get(f"/api/inventories/{inventory.pk}/audit").status_code == 404
    )
    assert (
        session(world["bob"]).get(f"/api/inventories/{inventory.pk}/audit?limit=0").status_code
        == 422
    )
