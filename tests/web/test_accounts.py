"""Accounts: throttled log-in pages, and personal API tokens with scopes and expiry."""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from neutra.core.errors import InvalidInputError
from neutra.web.accounts.addresses import client_address_of
from neutra.web.accounts.auth import require_scope
from neutra.web.accounts.models import ApiToken, Scope
from neutra.web.accounts.services import api_token_create, api_token_revoke
from neutra.web.errors import NotAllowedError
from neutra.web.tenancy.models import AuditEntry

pytestmark = pytest.mark.django_db

PASSWORD = "a long passphrase 42"  # the conftest's make_user password


@pytest.fixture(autouse=True)
def _fresh_throttle() -> Iterator[None]:
    # The counters live in the process-wide cache, not in the test database.
    cache.clear()
    yield
    cache.clear()


def _token(user: Any, *, scopes: tuple[str, ...] = ("read",), days: int = 30) -> tuple[Any, str]:
    return api_token_create(
        user=user,
        name="ERP export",
        scopes=scopes,
        expires_at=timezone.now() + timedelta(days=days),
    )


def _bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


# --- API tokens ----------------------------------------------------------------


def test_the_hash_of_a_token_is_stored_and_the_secret_is_not(world: dict) -> None:
    token, secret = _token(world["bob"])
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert stored.prefix == secret[:8]
    row_values = [str(v) for v in ApiToken.objects.filter(pk=token.pk).values().get().values()]
    assert not any(secret in value for value in row_values)


def test_a_token_sees_exactly_the_organisations_its_user_may_see(
    client: Client, world: dict
) -> None:
    _, bob_secret = _token(world["bob"])
    _, alice_secret = _token(world["alice"])
    bob_sees = client.get("/api/organisations", **_bearer(bob_secret))
    alice_sees = client.get("/api/organisations", **_bearer(alice_secret))
    assert bob_sees.status_code == 200
    assert [o["name"] for o in bob_sees.json()] == ["B1 Manufacturing"]
    assert [o["name"] for o in alice_sees.json()] == ["B1 Manufacturing", "B2 Logistics"]
    other = client.get(f"/api/organisations/{world['C1'].id}", **_bearer(bob_secret))
    assert other.status_code == 404


def test_using_a_token_records_when_it_was_last_used(client: Client, world: dict) -> None:
    token, secret = _token(world["bob"])
    assert token.last_used_at is None
    client.get("/api/organisations", **_bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_an_expired_token_gets_401_in_the_api_error_shape(client: Client, world: dict) -> None:
    token, secret = _token(world["bob"])
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - timedelta(days=2),
        expires_at=timezone.now() - timedelta(seconds=1),
    )
    response = client.get("/api/organisations", **_bearer(secret))
    assert response.status_code == 401
    assert response.json() == {
        "message": "this API token has expired",
        "extra": {"token": token.prefix},
    }


def test_a_revoked_token_gets_401(client: Client, world: dict) -> None:
    token, secret = _token(world["bob"])
    api_token_revoke(token=token, by=world["bob"])
    response = client.get("/api/organisations", **_bearer(secret))
    assert response.status_code == 401
    assert response.json()["message"] == "this API token has been revoked"


def test_an_unknown_token_gets_401_and_is_not_mistaken_for_a_session(
    client: Client, world: dict
) -> None:
    client.force_login(world["bob"])  # a session does not rescue a bad bearer token
    _, secret = _token(world["bob"])
    response = client.get("/api/organisations", **_bearer(secret[:8] + "x" * 35))
    assert response.status_code == 401
    assert response.json() == {"message": "not a valid API token", "extra": {}}


def test_a_deactivated_users_token_gets_401(client: Client, world: dict) -> None:
    _, secret = _token(world["bob"])
    world["bob"].is_active = False
    world["bob"].save()
    assert client.get("/api/organisations", **_bearer(secret)).status_code == 401


def test_a_session_still_works_without_a_token(client: Client, world: dict) -> None:
    client.force_login(world["charlie"])
    response = client.get("/api/organisations")
    assert [o["name"] for o in response.json()] == ["C1 Foods"]


def test_a_read_only_token_cannot_pass_the_write_check(client: Client, world: dict) -> None:
    _, read_secret = _token(world["bob"], scopes=("read",))
    _, write_secret = _token(world["bob"], scopes=("read", "write"))
    seen: dict[str, Any] = {}

    # Capture the request as the API's authentication left it (ninja keeps what the
    # authentication returned as request.auth).
    from neutra.web.accounts.auth import ApiTokenAuth

    for label, secret in (("read", read_secret), ("write", write_secret)):
        request = SimpleNamespace(headers={"Authorization": f"Bearer {secret}"})
        request.auth = ApiTokenAuth()(request)  # type: ignore[arg-type]
        seen[label] = request
    with pytest.raises(NotAllowedError, match="'write' scope"):
        require_scope(seen["read"], Scope.WRITE)
    require_scope(seen["write"], Scope.WRITE)
    require_scope(seen["read"], Scope.READ)


def test_a_session_passes_the_write_check_and_its_roles_decide(client: Client, world: dict) -> None:
    from neutra.web.tenancy.models import Entity

    url = f"/api/organisations/{world['B1'].pk}/entities"
    _, read_secret = _token(world["bob"], scopes=("read",))
    refused = client.post(
        url, {"name": "Works"}, content_type="application/json", **_bearer(read_secret)
    )
    assert refused.status_code == 403
    assert refused.json()["message"] == "this API token does not have the 'write' scope"
    client.force_login(world["bob"])  # B1's client admin: a session has every scope
    created = client.post(url, {"name": "Works"}, content_type="application/json")
    assert created.status_code == 201, created.content
    assert list(Entity.objects.filter(organisation=world["B1"]).values_list("name", flat=True)) == [
        "Works"
    ]


def test_a_token_must_expire_within_a_year(world: dict) -> None:
    with pytest.raises(InvalidInputError, match="at most one year ahead"):
        _token(world["bob"], days=366)
    with pytest.raises(InvalidInputError, match="in the future"):
        _token(world["bob"], days=-1)


def test_a_token_needs_known_scopes(world: dict) -> None:
    with pytest.raises(InvalidInputError, match="scopes"):
        _token(world["bob"], scopes=("admin",))
    with pytest.raises(InvalidInputError, match="scopes"):
        _token(world["bob"], scopes=())


def test_only_the_owner_or_an_administrator_revokes_a_token(world: dict) -> None:
    token, _ = _token(world["bob"])
    with pytest.raises(NotAllowedError):
        api_token_revoke(token=token, by=world["charlie"])
    assert api_token_revoke(token=token, by=world["bob"]).revoked_at is not None


def test_making_and_revoking_a_token_are_audited(world: dict) -> None:
    token, _ = _token(world["bob"])
    api_token_revoke(token=token, by=world["bob"])
    api_token_revoke(token=token, by=world["bob"])  # a second revocation changes nothing
    actions = list(
        AuditEntry.objects.filter(object_type="accounts.apitoken", object_id=str(token.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["api_token.create", "api_token.revoke"]


def test_the_admin_lists_tokens_without_their_hash_and_revokes_them(
    client: Client, world: dict, make_user: Any
) -> None:
    token, secret = _token(world["bob"])
    boss = make_user("boss", is_staff=True, is_superuser=True)
    client.force_login(boss)
    listing = client.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200
    assert token.prefix.encode() in listing.content
    assert token.token_hash.encode() not in listing.content
    detail = client.get(f"/admin/accounts/apitoken/{token.pk}/change/")
    assert token.token_hash.encode() not in detail.content
    client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert token.revoked_by == boss
    assert secret.encode() not in listing.content


# --- log-in pages ----------------------------------------------------------------


def _login(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password}, **extra)


def test_login_works_with_the_correct_password(client: Client, world: dict) -> None:
    response = _login(client, "bob", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world["bob"].pk)
    entry = AuditEntry.objects.get(action="user.login")
    assert entry.actor == world["bob"]
    assert entry.organisation is None


def test_a_wrong_password_is_refused_and_audited(client: Client, world: dict) -> None:
    response = _login(client, "bob", "not it")
    assert response.status_code == 200
    assert b"did not match" in response.content
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="user.login_failed")
    assert (entry.actor, entry.object_repr) == (None, "bob")


def test_five_wrong_passwords_then_the_right_one_gives_429(client: Client, world: dict) -> None:
    for _ in range(5):
        assert _login(client, "bob", "not it").status_code == 200
    response = _login(client, "bob", PASSWORD)
    assert response.status_code == 429
    assert b"Too many failed log-in attempts" in response.content
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session


def test_the_username_limit_ignores_case_and_spares_other_users(
    client: Client, world: dict
) -> None:
    for _ in range(5):
        _login(client, "BOB", "not it")
    assert _login(client, "bob", PASSWORD).status_code == 429
    assert _login(client, "charlie", PASSWORD).status_code == 302


def test_fullwidth_letters_count_against_the_same_username(client: Client, world: dict) -> None:
    # NFKC makes "ｂｏｂ" the account "bob", as the log-in form reads it: the
    # fullwidth spelling must use up bob's failures, not a fresh allowance.
    for _ in range(3):
        _login(client, "ｂｏｂ", "not it")
    for _ in range(2):
        _login(client, "Bob", "not it")
    elsewhere = Client(REMOTE_ADDR="192.0.2.8")
    assert _login(elsewhere, "bob", PASSWORD).status_code == 429


def test_twenty_failures_from_one_address_block_every_username_from_it(
    client: Client, world: dict
) -> None:
    for attempt in range(20):
        _login(client, f"nobody{attempt}", "guess")
    assert _login(client, "alice", PASSWORD).status_code == 429
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    assert _login(elsewhere, "alice", PASSWORD).status_code == 302


def test_the_block_ends_when_the_window_passes(client: Client, world: dict) -> None:
    from neutra.web.accounts import services

    past = timezone.now() - timedelta(minutes=16)
    for _ in range(5):
        services.login_failure_record(username="bob", address="127.0.0.1", now=past)
    # The window's end is a cache expiry; ending it is what 15 minutes would do.
    cache.delete_many(services._keys("username", "bob"))
    assert _login(client, "bob", PASSWORD).status_code == 302


def test_a_successful_login_forgets_the_usernames_earlier_failures(
    client: Client, world: dict
) -> None:
    for _ in range(4):
        _login(client, "bob", "not it")
    assert _login(client, "bob", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        _login(client, "bob", "not it")
    assert _login(client, "bob", PASSWORD).status_code == 302


def test_the_login_form_requires_the_csrf_token(world: dict) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert _login(strict, "bob", PASSWORD).status_code == 403
    page = strict.get("/accounts/login/")
    assert page.status_code == 200
    token = page.context["csrf_token"]
    response = strict.post(
        "/accounts/login/",
        {"username": "bob", "password": PASSWORD, "csrfmiddlewaretoken": str(token)},
    )
    assert response.status_code == 302


def test_the_back_office_logs_in_through_the_throttled_page(client: Client, world: dict) -> None:
    for _ in range(5):
        client.post("/admin/login/", {"username": "bob", "password": "not it"})
    response = client.post("/admin/login/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 429


def test_logout_ends_the_session(client: Client, world: dict) -> None:
    client.force_login(world["bob"])
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_passwords_are_hashed_with_argon2(world: dict) -> None:
    world["bob"].refresh_from_db()
    assert world["bob"].password.startswith("argon2$argon2id$")
    assert world["bob"].check_password(PASSWORD)


# --- the client address behind reverse proxies -------------------------------------


def test_a_forged_x_forwarded_for_from_an_untrusted_peer_is_ignored(
    world: dict, settings: Any
) -> None:
    settings.NEUTRA_LOGIN_FAILURES_PER_ADDRESS = 3  # fewer slow password checks
    # No trusted proxies (the default): a client that sends a new made-up
    # address with every guess is still counted by its own address.
    attacker = Client(REMOTE_ADDR="203.0.113.5")
    for attempt in range(3):
        forged = {"HTTP_X_FORWARDED_FOR": f"198.51.100.{attempt}"}
        assert _login(attacker, f"nobody{attempt}", "guess", **forged).status_code == 200
    response = _login(attacker, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.99")
    assert response.status_code == 429
    failed = AuditEntry.objects.filter(action="user.login_failed")
    assert {entry.detail["address"] for entry in failed} == {"203.0.113.5"}


def test_behind_a_trusted_proxy_each_client_is_counted_by_the_address_it_forwarded(
    world: dict, settings: Any
) -> None:
    settings.NEUTRA_TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)
    settings.NEUTRA_LOGIN_FAILURES_PER_ADDRESS = 3
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    for attempt in range(3):
        # The client wrote the left part itself; the proxy appended what it saw.
        chain = {"HTTP_X_FORWARDED_FOR": f"192.0.2.{attempt}, 198.51.100.7"}
        assert _login(proxy, f"nobody{attempt}", "guess", **chain).status_code == 200
    blocked = _login(proxy, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert blocked.status_code == 429
    # Another client behind the same proxy is not punished for the first one.
    other = _login(proxy, "alice", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.status_code == 302
    addresses = {e.detail["address"] for e in AuditEntry.objects.filter(action__startswith="user")}
    assert addresses == {"198.51.100.7", "198.51.100.8"}


@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "expected"),
    [
        # An untrusted peer: its own address, whatever it claims.
        ("203.0.113.5", "198.51.100.1", "203.0.113.5"),
        # A trusted proxy without the header: the proxy itself.
        ("10.0.0.2", None, "10.0.0.2"),
        # Two of our proxies in a row: the right-most address that is not ours.
        ("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.9", "198.51.100.1"),
        # The same in IPv6, written in another form than the network.
        ("fd00::2", "2001:db8:0:0::1, fd00::9", "2001:db8::1"),
        # Our proxy forwarded garbage: the peer is the one address we can vouch for.
        ("10.0.0.2", "198.51.100.1, not-an-address", "10.0.0.2"),
        # Every hop is ours: the request started inside, at the left-most.
        ("10.0.0.2", "10.0.0.7, 10.0.0.9", "10.0.0.7"),
        # No peer address at all (a test client, a Unix socket).
        (None, "198.51.100.1", "unknown"),
    ],
)
def test_the_client_address_is_the_right_most_one_not_of_a_trusted_proxy(
    remote_addr: str | None, forwarded_for: str | None, expected: str
) -> None:
    proxies = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8"))
    found = client_address_of(
        remote_addr=remote_addr, forwarded_for=forwarded_for, trusted_proxies=proxies
    )
    assert found == expected


def test_the_failure_counts_are_rows_of_the_database_every_worker_shares(world: dict) -> None:
    from django.conf import settings
    from django.db import connection

    assert settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache")
    table = settings.CACHES["default"]["LOCATION"]
    _login(Client(REMOTE_ADDR="192.0.2.1"), "bob", "not it")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        (rows,) = cursor.fetchone()
    assert rows == 4  # a count and a window end, for the username and for the address
