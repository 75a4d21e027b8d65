"""Invitations: an address is offered a role, and only its owner takes it.

One client's admin may type any address. Whether that address has an
account (perhaps another client's user) must not show in what the admin
gets back: the same page message, API answer, status code, mail and
database work either way. Nothing is granted until the owner of the address
logs in and accepts; a decline grants nothing; both are in the audit log.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from neutra.web.accounts.services import api_token_create
from neutra.web.tenancy.models import AuditEntry, Invitation, InvitationState, Membership, Role
from neutra.web.tenancy.selectors import organisations_visible_to
from neutra.web.tenancy.services import invitation_create

pytestmark = pytest.mark.django_db

PASSWORD = "a long passphrase 42"  # the conftest's make_user password


@pytest.fixture(autouse=True)
def quick_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def erik(world: dict, make_user: Any) -> Any:
    """erik@b2.example: a user of B2 (another client), whose address B1's admin may type."""
    from neutra.web.tenancy.services import membership_grant

    erik = make_user("erik@b2.example")
    membership_grant(organisation=world["B2"], user=erik, role=Role.VIEWER, by=world["alice"])
    return erik


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def link_in(message: mail.EmailMessage) -> str:
    found = re.search(r"http://testserver(/invitations/\d+/[\w-]+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_an_existing_account_invited_by_another_client_gains_nothing_until_it_accepts(
    world: dict, erik: Any
) -> None:
    b1, bob = world["B1"], world["bob"]
    response = logged_in(bob).post(
        f"/organisations/{b1.pk}/members",
        {"email": "Erik@B2.example", "role": "viewer"},
        follow=True,
    )
    assert any("on its way" in m for m in messages_of(response))
    # Nothing granted: erik sees no B1 anywhere, by page or API.
    assert not Membership.objects.filter(user=erik, organisation=b1).exists()
    assert list(organisations_visible_to(erik, now=timezone.now())) == [world["B2"]]
    as_erik = logged_in(erik)
    assert as_erik.get(f"/organisations/{b1.pk}/").status_code == 404
    assert as_erik.get(f"/api/organisations/{b1.pk}").status_code == 404
    # After logging in, erik finds the invitation waiting, and accepts it.
    home = as_erik.get("/").content.decode()
    assert "Invitations waiting for your answer" in home
    assert "B1 Manufacturing" in home
    invitation = Invitation.objects.get(organisation=b1)
    accepted = as_erik.post(f"/invitations/{invitation.pk}/accept", follow=True)
    assert "You are now viewer of B1 Manufacturing." in messages_of(accepted)
    assert Membership.objects.get(user=erik, organisation=b1).role == Role.VIEWER
    assert as_erik.get(f"/api/organisations/{b1.pk}").status_code == 200
    # The audit log has the invitation by bob and the acceptance by erik.
    log = [(e.action, e.actor) for e in AuditEntry.objects.filter(organisation=b1)]
    assert log[:2] == [("invitation.accept", erik), ("invitation.create", bob)]


def test_a_declined_invitation_grants_nothing_and_is_audited(world: dict, erik: Any) -> None:
    invitation = invitation_create(
        organisation=world["B1"],
        email="erik@b2.example",
        role=Role.CLIENT_ADMIN,
        by=world["bob"],
        site="http://testserver",
    )
    answer = logged_in(erik).post(f"/invitations/{invitation.pk}/decline", follow=True)
    assert "You declined the invitation to B1 Manufacturing." in messages_of(answer)
    assert not Membership.objects.filter(user=erik, organisation=world["B1"]).exists()
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.DECLINED
    entry = AuditEntry.objects.filter(organisation=world["B1"]).first()
    assert entry is not None
    assert (entry.action, entry.actor) == ("invitation.decline", erik)
    # Answered once: accepting afterwards is refused and grants nothing.
    late = logged_in(erik).post(f"/invitations/{invitation.pk}/accept", follow=True)
    assert any("declined already" in m for m in messages_of(late))
    assert not Membership.objects.filter(user=erik, organisation=world["B1"]).exists()


def test_nobody_but_the_owner_of_the_address_may_answer(world: dict, erik: Any) -> None:
    invitation = invitation_create(
        organisation=world["B1"],
        email="erik@b2.example",
        role=Role.VIEWER,
        by=world["bob"],
        site="http://testserver",
    )
    for who in ("bob", "alice", "charlie", "dora"):
        client = logged_in(world[who])
        assert client.post(f"/invitations/{invitation.pk}/accept").status_code == 404, who
        assert client.post(f"/invitations/{invitation.pk}/decline").status_code == 404, who
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.PENDING
    assert not Membership.objects.filter(user=erik, organisation=world["B1"]).exists()


def _invite_page(client: Client, organisation_id: int, email: str) -> tuple[int, str, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            f"/organisations/{organisation_id}/members", {"email": email, "role": "viewer"}
        )
    shown = client.get(response["Location"])
    [message] = [m for m in messages_of(shown) if email in m]
    return response.status_code, message.replace(email, "ADDRESS"), len(queries)


def test_the_inviting_page_answers_the_same_whether_the_address_has_an_account(
    world: dict, erik: Any
) -> None:
    client = logged_in(world["bob"])
    b1 = world["B1"].pk
    known = _invite_page(client, b1, "erik@b2.example")
    unknown = _invite_page(client, b1, "nobody@b2.example")
    # The same status, the same words, and the same database work (no account is looked up).
    assert known == unknown
    assert known[0] == 302
    assert "Nothing is granted until they accept it" in known[1]
    # One mail each, the same but for the address and the link's secret.
    first, second = mail.outbox
    assert [first.to, second.to] == [["erik@b2.example"], ["nobody@b2.example"]]
    assert first.subject == second.subject == "Invitation to B1 Manufacturing on Neutra"

    def shape(message: mail.EmailMessage) -> str:
        body = message.body.replace(message.to[0], "ADDRESS")
        return re.sub(r"/invitations/\d+/[\w-]+/", "/invitations/ID/SECRET/", body)

    assert shape(first) == shape(second)
    assert not get_user_model().objects.filter(username="nobody@b2.example").exists()


def test_the_invitations_api_answers_the_same_whether_the_address_has_an_account(
    world: dict, erik: Any
) -> None:
    _, secret = api_token_create(
        user=world["bob"],
        name="people",
        scopes=["read", "write"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    url = f"/api/organisations/{world['B1'].pk}/invitations"

    def invite(email: str) -> tuple[int, dict[str, Any], int]:
        with CaptureQueriesContext(connection) as queries:
            answer = api.post(
                url, {"email": email, "role": "viewer"}, content_type="application/json"
            )
        body = answer.json()
        for varying in ("id", "valid_until"):
            body.pop(varying)
        body["email"] = body["email"].replace(email, "ADDRESS")
        return answer.status_code, body, len(queries)

    assert api.get(url).json() == []  # the token's first use is recorded before the two asks
    known, unknown = invite("erik@b2.example"), invite("nobody@b2.example")
    assert known == unknown
    assert known[0] == 201
    assert known[1]["state"] == "pending"
    assert set(known[1]) == {
        "organisation_id",
        "organisation",
        "email",
        "role",
        "expires_at",
        "state",
        "invited_by",
    }
    assert [i["email"] for i in api.get(url).json()] == ["nobody@b2.example", "erik@b2.example"]
    assert not Membership.objects.filter(user=erik, organisation=world["B1"]).exists()


def test_the_invited_user_accepts_or_declines_through_the_api(world: dict, erik: Any) -> None:
    offered = [
        invitation_create(
            organisation=organisation,
            email="erik@b2.example",
            role=Role.CONTRIBUTOR,
            by=world["alice"],
            site="http://testserver",
        )
        for organisation in (world["B1"], world["B2"])
    ]
    _, secret = api_token_create(
        user=erik,
        name="me",
        scopes=["read", "write"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    waiting = api.get("/api/invitations").json()
    assert sorted(i["organisation"] for i in waiting) == ["B1 Manufacturing", "B2 Logistics"]
    accepted = api.post(f"/api/invitations/{offered[0].pk}/accept")
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["role"] == "contributor"
    declined = api.post(f"/api/invitations/{offered[1].pk}/decline")
    assert declined.json()["state"] == "declined"
    assert Membership.objects.get(user=erik, organisation=world["B2"]).role == Role.VIEWER
    assert Membership.objects.get(user=erik, organisation=world["B1"]).role == Role.CONTRIBUTOR
    assert api.get("/api/invitations").json() == []
    # Someone else's invitation is a 404 in the error shape, like a missing one.
    other = invitation_create(
        organisation=world["B1"],
        email="someone@b1.example",
        role=Role.VIEWER,
        by=world["bob"],
        site="http://testserver",
    )
    refused = api.post(f"/api/invitations/{other.pk}/accept")
    assert refused.status_code == 404
    assert set(refused.json()) == {"message", "extra"}


def test_a_new_address_chooses_its_password_through_the_link_then_accepts(world: dict) -> None:
    logged_in(world["bob"]).post(
        f"/organisations/{world['B1'].pk}/members",
        {"email": "Sam@Client.example", "role": "client_admin"},
    )
    [message] = mail.outbox
    link = link_in(message)
    visitor = Client()
    page = visitor.get(link).content.decode()
    assert "Choose the password" in page
    chosen = "a new long passphrase 73"
    done = visitor.post(link, {"new_password1": chosen, "new_password2": chosen})
    assert done.status_code == 302
    sam = get_user_model().objects.get(username="sam@client.example")
    assert sam.check_password(chosen)
    # An account, but no access yet: the new owner answers first.
    assert not Membership.objects.filter(user=sam).exists()
    answer = visitor.get(link).content.decode()
    assert "Accept" in answer
    assert "Decline" in answer
    invitation = Invitation.objects.get(email="sam@client.example")
    visitor.post(f"/invitations/{invitation.pk}/accept")
    assert Membership.objects.get(user=sam, organisation=world["B1"]).role == Role.CLIENT_ADMIN
    # The account's creation is not in the organisation's log (it would tell new from old).
    assert not AuditEntry.objects.filter(organisation=world["B1"], action="user.create").exists()
    assert AuditEntry.objects.filter(action="user.create", actor=sam).exists()
    # The link is spent once answered.
    assert Client().get(link).status_code == 404


def test_the_link_of_an_existing_account_asks_it_to_log_in_and_sets_no_password(
    world: dict, erik: Any
) -> None:
    logged_in(world["bob"]).post(
        f"/organisations/{world['B1'].pk}/members", {"email": "erik@b2.example", "role": "viewer"}
    )
    link = link_in(mail.outbox[0])
    visitor = Client()
    page = visitor.get(link).content.decode()
    assert "Log in as erik@b2.example" in page
    assert "new_password1" not in page
    visitor.post(link, {"new_password1": "taken over 12345", "new_password2": "taken over 12345"})
    erik.refresh_from_db()
    assert erik.check_password(PASSWORD)
    # Logged in as someone else, the link says it is not theirs.
    other = logged_in(world["charlie"]).get(link).content.decode()
    assert "for another address" in other
    assert "Accept</button>" not in other


def test_a_wrong_secret_a_withdrawn_or_an_expired_invitation_opens_nothing(
    world: dict, erik: Any
) -> None:
    bob = logged_in(world["bob"])
    b1 = world["B1"].pk
    bob.post(f"/organisations/{b1}/members", {"email": "erik@b2.example", "role": "viewer"})
    link = link_in(mail.outbox[0])
    invitation = Invitation.objects.get(email="erik@b2.example")
    forged = re.sub(r"/[\w-]+/$", "/not-the-secret/", link)
    assert Client().get(forged).status_code == 404
    withdrawn = bob.post(f"/organisations/{b1}/invitations/{invitation.pk}/withdraw", follow=True)
    assert "The invitation to erik@b2.example is withdrawn." in messages_of(withdrawn)
    assert Client().get(link).status_code == 404
    late = logged_in(erik).post(f"/invitations/{invitation.pk}/accept", follow=True)
    assert any("withdrawn already" in m for m in messages_of(late))
    assert AuditEntry.objects.filter(action="invitation.withdraw", actor=world["bob"]).exists()
    expired = invitation_create(
        organisation=world["B1"],
        email="erik@b2.example",
        role=Role.VIEWER,
        by=world["bob"],
        site="http://testserver",
    )
    Invitation.objects.filter(pk=expired.pk).update(
        valid_until=timezone.now() - timedelta(seconds=1)
    )
    refused = logged_in(erik).post(f"/invitations/{expired.pk}/accept", follow=True)
    assert any("expired" in m for m in messages_of(refused))
    assert not Membership.objects.filter(user=erik, organisation=world["B1"]).exists()


def test_a_viewer_may_not_invite_nor_see_the_invitations(world: dict, erik: Any) -> None:
    answer = logged_in(erik).post(
        f"/api/organisations/{world['B2'].pk}/invitations",
        {"email": "x@y.example", "role": "viewer"},
        content_type="application/json",
    )
    assert answer.status_code == 403
    assert (
        logged_in(erik).get(f"/api/organisations/{world['B2'].pk}/invitations").status_code == 403
    )
    assert not Invitation.objects.exists()
    assert mail.outbox == []
