"""Tenancy: each user sees exactly the organisations their memberships allow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError
from django.utils import timezone

from neutra.core.boundary import Approach
from neutra.core.errors import InvalidInputError
from neutra.web.errors import NotAllowedError, NotFoundError
from neutra.web.tenancy.models import AppendOnlyError, AuditEntry, Control, Membership, Role
from neutra.web.tenancy.selectors import (
    audit_entries_for,
    organisation_boundary,
    organisation_for,
    organisations_visible_to,
    roles_in,
)
from neutra.web.tenancy.services import (
    entity_create,
    membership_grant,
    organisation_create,
)


def visible(user: Any, *, now: Any = None) -> list[str]:
    return sorted(o.name for o in organisations_visible_to(user, now=now or timezone.now()))


def test_a_consultant_sees_every_client_of_her_consultancy_and_no_other(world: dict) -> None:
    assert visible(world["alice"]) == ["B1 Manufacturing", "B2 Logistics"]


def test_a_client_admin_sees_only_his_own_organisation(world: dict) -> None:
    assert visible(world["bob"]) == ["B1 Manufacturing"]


def test_a_contributor_of_another_consultancy_sees_only_his_client(world: dict) -> None:
    assert visible(world["charlie"]) == ["C1 Foods"]


def test_an_auditor_sees_the_client_until_the_end_date_and_nothing_after(world: dict) -> None:
    until = world["dora_until"]
    assert visible(world["dora"], now=until - timedelta(seconds=1)) == ["B2 Logistics"]
    assert visible(world["dora"], now=until) == []
    assert roles_in(world["dora"], world["B2"], now=until) == frozenset()


def test_an_anonymous_visitor_sees_no_organisation(world: dict) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert visible(AnonymousUser()) == []


def test_a_deactivated_user_sees_no_organisation(world: dict) -> None:
    world["bob"].is_active = False
    assert visible(world["bob"]) == []


def test_another_consultancys_organisation_is_not_found_not_forbidden(world: dict) -> None:
    with pytest.raises(NotFoundError) as caught:
        organisation_for(world["charlie"], world["B1"].id, now=timezone.now())
    assert caught.value.extra == {"organisation_id": str(world["B1"].id)}


def test_a_missing_or_malformed_organisation_id_is_not_found(world: dict) -> None:
    for bad_id in (999_999, "abc", None):
        with pytest.raises(NotFoundError):
            organisation_for(world["alice"], bad_id, now=timezone.now())


def test_a_visible_organisation_is_returned_by_id(world: dict) -> None:
    found = organisation_for(world["bob"], str(world["B1"].id), now=timezone.now())
    assert found == world["B1"]


def test_roles_include_staff_roles_from_the_consultancy(world: dict) -> None:
    now = timezone.now()
    assert roles_in(world["alice"], world["B1"], now=now) == {Role.CONSULTANT}
    assert roles_in(world["bob"], world["B1"], now=now) == {Role.CLIENT_ADMIN}
    assert roles_in(world["bob"], world["B2"], now=now) == frozenset()


def test_an_auditor_membership_without_end_date_is_refused(world: dict) -> None:
    with pytest.raises(InvalidInputError, match="end date"):
        membership_grant(
            organisation=world["B1"], user=world["charlie"], role=Role.AUDITOR, by=world["alice"]
        )


def test_an_auditor_access_ending_in_9999_is_refused_with_the_latest_date_allowed(
    world: dict, settings: Any
) -> None:
    far = timezone.now().replace(year=9999, month=12, day=31)
    with pytest.raises(InvalidInputError, match="at most 365 days") as caught:
        membership_grant(
            organisation=world["B1"],
            user=world["charlie"],
            role=Role.AUDITOR,
            expires_at=far,
            by=world["alice"],
        )
    assert caught.value.problems[0].column == "expires_at"
    assert not Membership.objects.filter(user=world["charlie"], organisation=world["B1"]).exists()
    # A year is allowed, and the maximum is the installation's to set.
    year = timezone.now() + timedelta(days=364)
    membership_grant(
        organisation=world["B1"],
        user=world["charlie"],
        role=Role.AUDITOR,
        expires_at=year,
        by=world["alice"],
    )
    settings.NEUTRA_MAX_AUDITOR_DAYS = 30
    with pytest.raises(InvalidInputError, match="at most 30 days"):
        membership_grant(
            organisation=world["B1"],
            user=world["charlie"],
            role=Role.AUDITOR,
            expires_at=year,
            by=world["alice"],
        )


def test_the_database_refuses_an_auditor_membership_without_end_date(world: dict) -> None:
    with pytest.raises(IntegrityError):
        Membership.objects.create(
            organisation=world["B1"], user=world["charlie"], role=Role.AUDITOR
        )


def test_a_membership_ending_in_the_past_is_refused(world: dict) -> None:
    with pytest.raises(InvalidInputError, match="past"):
        membership_grant(
            organisation=world["B1"],
            user=world["charlie"],
            role=Role.VIEWER,
            expires_at=timezone.now() - timedelta(days=1),
            by=world["alice"],
        )


def test_a_client_admin_cannot_make_anyone_consultancy_staff(world: dict) -> None:
    with pytest.raises(NotAllowedError):
        membership_grant(
            organisation=world["B1"], user=world["charlie"], role=Role.CONSULTANT, by=world["bob"]
        )


def test_a_client_admin_cannot_grant_roles_in_another_organisation(world: dict) -> None:
    with pytest.raises(NotAllowedError):
        membership_grant(
            organisation=world["B2"], user=world["charlie"], role=Role.VIEWER, by=world["bob"]
        )


def test_a_client_admin_may_invite_a_contributor_to_his_organisation(world: dict) -> None:
    membership_grant(
        organisation=world["B1"], user=world["charlie"], role=Role.CONTRIBUTOR, by=world["bob"]
    )
    assert visible(world["charlie"]) == ["B1 Manufacturing", "C1 Foods"]


def test_only_staff_of_the_consultancy_create_its_organisations(world: dict) -> None:
    with pytest.raises(NotAllowedError):
        organisation_create(consultancy=world["C"], name="Sneaky", country="GB", by=world["alice"])


def test_an_organisation_country_must_be_an_iso_country_code(world: dict) -> None:
    with pytest.raises(InvalidInputError) as caught:
        organisation_create(consultancy=world["A"], name="New", country="XX", by=world["alice"])
    assert [(p.column, p.value) for p in caught.value.problems] == [("country", "XX")]


def test_an_organisation_country_is_stored_in_upper_case(world: dict) -> None:
    made = organisation_create(
        consultancy=world["A"], name="New", country=" nl ", by=world["alice"]
    )
    assert made.country == "NL"


def test_an_entity_parent_from_another_organisation_is_refused(world: dict) -> None:
    alice, b1, b2 = world["alice"], world["B1"], world["B2"]
    b1_root = entity_create(organisation=b1, name="B1 plc", by=alice)
    with pytest.raises(InvalidInputError, match="same organisation"):
        entity_create(organisation=b2, name="Depot", parent=b1_root, equity_share=0.5, by=alice)


def test_an_entity_tree_becomes_the_boundary_of_the_domain_worked_case(world: dict) -> None:
    # DOMAIN.md: a parent owns 83% of A; A holds 50% of joint venture B under
    # joint financial control, operated by the partner.
    alice, org = world["alice"], world["B1"]
    parent = entity_create(organisation=org, name="Parent", by=alice)
    a = entity_create(organisation=org, name="A", parent=parent, equity_share=0.83, by=alice)
    entity_create(
        organisation=org,
        name="B",
        parent=a,
        equity_share=0.5,
        financial_control=Control.JOINT,
        operational_control=Control.NONE,
        by=alice,
    )
    boundary = organisation_boundary(organisation=org)
    assert boundary.inclusion_shares(Approach.EQUITY)["B"] == pytest.approx(0.415)
    assert boundary.inclusion_shares(Approach.FINANCIAL)["B"] == pytest.approx(0.5)
    assert boundary.inclusion_shares(Approach.OPERATIONAL)["B"] == 0.0


def test_the_core_refuses_a_root_entity_that_holds_less_than_all_of_itself(world: dict) -> None:
    with pytest.raises(InvalidInputError, match="its share is 1"):
        entity_create(organisation=world["B1"], name="Half", equity_share=0.5, by=world["alice"])


def test_an_equity_share_above_one_is_refused(world: dict) -> None:
    root = entity_create(organisation=world["B1"], name="Root", by=world["alice"])
    with pytest.raises(InvalidInputError, match="0-1"):
        entity_create(
            organisation=world["B1"], name="Sub", parent=root, equity_share=1.2, by=world["alice"]
        )


def test_a_duplicate_entity_name_is_refused(world: dict) -> None:
    entity_create(organisation=world["B1"], name="Root", by=world["alice"])
    with pytest.raises(InvalidInputError, match="duplicate"):
        entity_create(organisation=world["B1"], name="Root", by=world["alice"])


def test_a_contributor_cannot_change_the_entity_tree(world: dict) -> None:
    with pytest.raises(NotAllowedError):
        entity_create(organisation=world["C1"], name="Root", by=world["charlie"])


def test_every_write_is_in_the_organisations_audit_log(world: dict) -> None:
    entity_create(organisation=world["B1"], name="B1 plc", by=world["alice"])
    log = list(audit_entries_for(organisation=world["B1"]))
    assert [(e.action, e.actor) for e in log] == [
        ("entity.create", world["alice"]),
        ("membership.grant", world["alice"]),
        ("organisation.create", world["alice"]),
    ]
    assert log[0].detail["name"] == "B1 plc"


def test_an_audit_entry_cannot_be_changed(world: dict) -> None:
    entry = AuditEntry.objects.filter(organisation=world["B1"]).first()
    assert entry is not None
    entry.action = "nothing.happened"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="nothing.happened")
    entry.refresh_from_db()
    assert entry.action != "nothing.happened"


def test_an_audit_entry_cannot_be_deleted(world: dict) -> None:
    count = AuditEntry.objects.count()
    entry = AuditEntry.objects.first()
    assert entry is not None
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == count


@pytest.mark.postgres  # the append-only trigger exists on PostgreSQL only (CI's second pass)
def test_on_postgresql_the_database_itself_refuses_to_change_an_audit_entry(world: dict) -> None:
    from django.db import DatabaseError, connection, transaction

    assert connection.vendor == "postgresql"
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE tenancy_auditentry SET action = 'x'")
