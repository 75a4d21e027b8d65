"""The organisation and inventory pages: what each person sees and may do in the browser.

Through Django's test client, logged in as the tenancy personas of conftest
(alice consultant at A, bob client admin of B1, charlie contributor of C1 at
consultancy C, dora auditor of B2).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from neutra.web.inventories.models import Inventory, InventoryState
from neutra.web.inventories.services import default_factor_sets, inventory_create
from neutra.web.tenancy.models import (
    AuditEntry,
    Entity,
    Invitation,
    Membership,
    Organisation,
    Role,
)
from neutra.web.tenancy.services import membership_grant


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_home_page_lists_only_the_organisations_a_person_may_see(world: dict) -> None:
    page = client_for(world["bob"]).get("/").content.decode()
    assert "B1 Manufacturing" in page
    assert "B2 Logistics" not in page
    assert "C1 Foods" not in page
    page = client_for(world["alice"]).get("/").content.decode()
    assert "B1 Manufacturing" in page
    assert "B2 Logistics" in page
    assert "C1 Foods" not in page


def test_an_anonymous_visitor_is_sent_to_the_log_in_page(world: dict) -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_consultant_adds_a_client_organisation_from_the_home_page(world: dict) -> None:
    client = client_for(world["alice"])
    response = client.post(
        "/organisations/new", {"consultancy": world["A"].pk, "name": "Delta Mills", "country": "ie"}
    )
    created = Organisation.objects.get(name="Delta Mills")
    assert response.status_code == 302
    assert response["Location"] == f"/organisations/{created.pk}/"
    assert created.country == "IE"
    assert created.consultancy == world["A"]


def test_a_bad_country_is_shown_as_a_message_and_adds_nothing(world: dict) -> None:
    client = client_for(world["alice"])
    response = client.post(
        "/organisations/new",
        {"consultancy": world["A"].pk, "name": "Delta Mills", "country": "XX"},
        follow=True,
    )
    assert response.status_code == 200
    assert any("country" in m for m in messages_of(response))
    assert not Organisation.objects.filter(name="Delta Mills").exists()


def test_a_client_admin_cannot_add_organisations_to_a_consultancy(world: dict) -> None:
    response = client_for(world["bob"]).post(
        "/organisations/new", {"consultancy": world["A"].pk, "name": "Sneaky", "country": "GB"}
    )
    assert response.status_code == 404
    assert not Organisation.objects.filter(name="Sneaky").exists()


def test_the_organisation_page_shows_the_entity_tree_indented(world: dict) -> None:
    client = client_for(world["alice"])
    b1 = world["B1"]
    client.post(
        f"/organisations/{b1.pk}/entities",
        {
            "name": "B1 Group",
            "equity_share": "1",
            "financial_control": "full",
            "operational_control": "full",
        },
    )
    root = Entity.objects.get(organisation=b1, name="B1 Group")
    client.post(
        f"/organisations/{b1.pk}/entities",
        {
            "name": "B1 Plant",
            "parent": root.pk,
            "equity_share": "0.6",
            "financial_control": "full",
            "operational_control": "full",
        },
    )
    page = client.get(f"/organisations/{b1.pk}/").content.decode()
    assert re.search(r'class="depth-0">\s*B1 Group', page)
    assert re.search(r'class="depth-1">└ B1 Plant</td><td class="num">60 %', page)


def test_an_entity_that_breaks_the_boundary_is_refused_with_the_reason(world: dict) -> None:
    client = client_for(world["alice"])
    b1 = world["B1"]
    response = client.post(
        f"/organisations/{b1.pk}/entities",
        {
            "name": "Half root",
            "equity_share": "0.5",
            "financial_control": "full",
            "operational_control": "full",
        },
        follow=True,
    )
    assert any("Half root" in m for m in messages_of(response))
    assert not Entity.objects.filter(organisation=b1).exists()


def test_an_equity_share_that_is_not_a_number_is_refused(world: dict) -> None:
    response = client_for(world["alice"]).post(
        f"/organisations/{world['B1'].pk}/entities",
        {
            "name": "X",
            "equity_share": "lots",
            "financial_control": "full",
            "operational_control": "full",
        },
        follow=True,
    )
    assert any(m.startswith("equity_share:") for m in messages_of(response))


def test_an_auditor_invitation_needs_an_end_date(world: dict) -> None:
    response = client_for(world["alice"]).post(
        f"/organisations/{world['B1'].pk}/members",
        {"email": "audit@firm.example", "role": "auditor"},
        follow=True,
    )
    assert any("end date" in m for m in messages_of(response))
    assert not Invitation.objects.exists()


def test_a_contributor_cannot_invite_people(world: dict, make_user: Any) -> None:
    erin = make_user("erin")
    membership_grant(organisation=world["B1"], user=erin, role=Role.CONTRIBUTOR, by=world["alice"])
    response = client_for(erin).post(
        f"/organisations/{world['B1'].pk}/members",
        {"email": "x@y.example", "role": "client_admin"},
        follow=True,
    )
    assert any("may not grant" in m for m in messages_of(response))
    assert not Invitation.objects.exists()


def test_a_client_admin_removes_a_person_and_the_removal_is_audited(
    world: dict, make_user: Any
) -> None:
    erin = make_user("erin")
    membership = membership_grant(
        organisation=world["B1"], user=erin, role=Role.CONTRIBUTOR, by=world["alice"]
    )
    response = client_for(world["bob"]).post(
        f"/organisations/{world['B1'].pk}/members/{membership.pk}/revoke"
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.filter(action="membership.revoke", organisation=world["B1"]).exists()


def test_removing_a_membership_of_another_organisation_is_not_found(world: dict) -> None:
    charlie_membership = Membership.objects.get(user=world["charlie"])
    response = client_for(world["bob"]).post(
        f"/organisations/{world['B1'].pk}/members/{charlie_membership.pk}/revoke"
    )
    assert response.status_code == 404
    assert Membership.objects.filter(pk=charlie_membership.pk).exists()


def test_a_consultant_opens_an_inventory_from_the_organisation_page(world: dict) -> None:
    client = client_for(world["alice"])
    response = client.post(
        f"/organisations/{world['B1'].pk}/inventories",
        {
            "year": "2025",
            "gwp_set": "AR6",
            "approach": "equity",
            "factor_set": [
                "desnz-2025@" + dict(default_factor_sets())["desnz-2025"],
                "egrid@" + dict(default_factor_sets())["egrid"],
            ],
        },
    )
    inventory = Inventory.objects.get(organisation=world["B1"], year=2025)
    assert [pin["name"] for pin in inventory.factor_sets] == ["desnz-2025", "egrid"]
    assert response["Location"] == f"/inventories/{inventory.pk}/"
    assert (inventory.gwp_set, inventory.approach, inventory.state) == ("AR6", "equity", "draft")


def test_a_year_outside_the_range_is_refused_on_the_page(world: dict) -> None:
    response = client_for(world["alice"]).post(
        f"/organisations/{world['B1'].pk}/inventories",
        {"year": "1850", "gwp_set": "AR5", "approach": "equity"},
        follow=True,
    )
    assert any(m.startswith("year:") for m in messages_of(response))
    assert not Inventory.objects.filter(organisation=world["B1"]).exists()


def test_the_inventory_page_offers_only_the_moves_of_the_persons_role(world: dict) -> None:
    inventory = inventory_create(organisation=world["B1"], year=2025, by=world["alice"])
    # The moves are the workflow section, which the page loads (htmx).
    section = f"/inventories/{inventory.pk}/workflow"
    assert section in client_for(world["bob"]).get(f"/inventories/{inventory.pk}/").content.decode()
    bob_page = client_for(world["bob"]).get(section).content.decode()
    assert 'value="submitted"' in bob_page
    assert 'value="locked"' not in bob_page
    alice_page = client_for(world["alice"]).get(section).content.decode()
    assert 'value="submitted"' not in alice_page  # staff review; the client submits
    page = client_for(world["alice"]).get(f"/inventories/{inventory.pk}/").content.decode()
    assert "inventory.create" in page  # the audit log


def test_a_move_the_role_does_not_allow_is_refused_with_a_message(world: dict) -> None:
    inventory = inventory_create(organisation=world["B1"], year=2025, by=world["alice"])
    response = client_for(world["bob"]).post(
        f"/inventories/{inventory.pk}/transition", {"to": "locked"}, follow=True
    )
    assert any("cannot go from Draft to Locked" in m for m in messages_of(response))
    inventory.refresh_from_db()
    assert inventory.state == InventoryState.DRAFT


@pytest.mark.parametrize(
    "url", ["/inventories/{id}/", "/inventories/{id}/transition", "/inventories/{id}/restate"]
)
def test_another_tenants_inventory_pages_are_not_found(world: dict, url: str) -> None:
    inventory = inventory_create(organisation=world["B1"], year=2025, by=world["alice"])
    client = client_for(world["charlie"])
    path = url.format(id=inventory.pk)
    response = client.get(path) if url.endswith("/") else client.post(path, {"to": "submitted"})
    assert response.status_code == 404
    inventory.refresh_from_db()
    assert inventory.state == InventoryState.DRAFT


def test_the_organisation_page_offers_the_starter_sets_checked_in_search_order(world: dict) -> None:
    page = client_for(world["alice"]).get(f"/organisations/{world['B1'].pk}/").content.decode()
    offered = re.findall(r'name="factor_set" value="([^"@]+)@[0-9a-f]{16}" checked', page)
    assert offered == [name for name, _ in default_factor_sets()]


def test_an_inventory_with_no_factor_set_checked_is_refused(world: dict) -> None:
    response = client_for(world["alice"]).post(
        f"/organisations/{world['B1'].pk}/inventories",
        {"year": "2025", "gwp_set": "AR5", "approach": "equity"},
        follow=True,
    )
    assert any("at least one factor set" in m for m in messages_of(response))
    assert not Inventory.objects.filter(organisation=world["B1"]).exists()


def test_a_forged_factor_set_pin_is_refused_naming_it(world: dict) -> None:
    response = client_for(world["alice"]).post(
        f"/organisations/{world['B1'].pk}/inventories",
        {"year": "2025", "gwp_set": "AR5", "approach": "equity", "factor_set": ["../etc@passwd"]},
        follow=True,
    )
    assert any("factor_sets" in m or "set name" in m for m in messages_of(response))
    assert not Inventory.objects.filter(organisation=world["B1"]).exists()


def test_error_pages_are_styled_pages_not_debug_pages(client: Client, world: dict) -> None:
    from django.test import RequestFactory
    from django.views.defaults import server_error

    missing = client.get("/no/such/page/")
    assert missing.status_code == 404
    text = missing.content.decode()
    assert "Not found" in text
    assert "neutra.css" in text
    assert "URLconf" not in text  # no list of URL patterns
    broken = server_error(RequestFactory().get("/"))
    assert broken.status_code == 500
    assert "Something went wrong" in broken.content.decode()
    assert "neutra.css" in broken.content.decode()


def test_a_form_refused_by_the_csrf_check_is_a_styled_page_saying_what_to_do(
    world: dict,
) -> None:
    strict = Client(enforce_csrf_checks=True)
    refused = strict.post("/accounts/login/", {"username": "bob", "password": "x"})
    assert refused.status_code == 403
    text = refused.content.decode()
    assert "This form could not be accepted" in text
    assert "reload the page" in text
    assert "neutra.css" in text
    assert "DEBUG" not in text  # not Django's own page


def test_the_demo_keeps_its_own_secret_key_in_its_home(tmp_path: Any, monkeypatch: Any) -> None:
    from neutra.cli.web import demo_secret_key

    monkeypatch.setenv("NEUTRA_HOME", str(tmp_path))
    first = demo_secret_key()
    assert len(first) >= 50
    assert demo_secret_key() == first  # kept, so sessions survive a restart
    assert (tmp_path / "demo-secret-key").stat().st_mode & 0o077 == 0  # the owner's only
