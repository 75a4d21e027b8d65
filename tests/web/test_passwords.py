"""People change and reset their own password with Django's views and tokens; mail goes
through the configured backend; both are throttled like the log-in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from neutra.web.tenancy.models import AuditEntry

PASSWORD = "a long passphrase 42"  # the conftest's make_user password
NEW = "another long passphrase 7"


@pytest.fixture(autouse=True)
def _fresh_throttle(db: None) -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def _link(message: Any) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def test_a_user_resets_a_forgotten_password_through_the_emailed_link(
    client: Client, world: dict
) -> None:
    answer = client.post("/accounts/password/reset/", {"email": "bob@example.com"})
    assert answer.status_code == 302
    assert answer["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["bob@example.com"]
    link = _link(mail.outbox[0])
    form = client.get(link, follow=True)  # Django moves the token into the session
    assert b"Choose a new password" in form.content
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW}, follow=True
    )
    assert b"Your new password is set" in done.content
    assert (
        client.post("/accounts/login/", {"username": "bob", "password": PASSWORD}).status_code
        == 200
    )
    assert client.post("/accounts/login/", {"username": "bob", "password": NEW}).status_code == 302
    assert AuditEntry.objects.filter(action="user.password_reset", actor=world["bob"]).exists()
    # The link works once.
    again = client.get(link, follow=True)
    assert b"no longer valid" in again.content


def test_the_answer_is_the_same_for_an_address_without_an_account(
    client: Client, world: dict
) -> None:
    known = client.post("/accounts/password/reset/", {"email": "bob@example.com"})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]


def test_reset_requests_are_throttled_like_log_ins(client: Client, world: dict) -> None:
    for _ in range(5):
        client.post("/accounts/password/reset/", {"email": "bob@example.com"})
    refused = client.post("/accounts/password/reset/", {"email": "bob@example.com"})
    assert refused.status_code == 429
    assert b"Too many" in refused.content
    assert len(mail.outbox) == 5


def test_a_logged_in_user_changes_the_password_giving_the_current_one(
    client: Client, world: dict
) -> None:
    client.force_login(world["alice"])
    wrong = client.post(
        "/accounts/password/",
        {"old_password": "not it", "new_password1": NEW, "new_password2": NEW},
    )
    assert wrong.status_code == 200
    assert AuditEntry.objects.filter(action="user.password_change_failed").count() == 1
    right = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
        follow=True,
    )
    assert b"Password changed" in right.content
    world["alice"].refresh_from_db()
    assert world["alice"].check_password(NEW)
    assert "_auth_user_id" in client.session  # still logged in on this session


def test_guessing_the_current_password_is_throttled_like_the_log_in(
    client: Client, world: dict
) -> None:
    client.force_login(world["alice"])
    for _ in range(5):
        client.post(
            "/accounts/password/",
            {"old_password": "guess", "new_password1": NEW, "new_password2": NEW},
        )
    refused = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert refused.status_code == 429
    world["alice"].refresh_from_db()
    assert world["alice"].check_password(PASSWORD)


def _mail_settings(env: dict[str, str]) -> tuple[int, str]:
    import os
    import subprocess
    import sys

    code = "import neutra.web.config.settings as s; print(s.EMAIL_BACKEND, getattr(s, 'EMAIL_PORT', ''))"
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NEUTRA_EMAIL", "EMAIL_"))}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "SECRET_KEY": "x" * 50, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_the_mail_backend_comes_from_the_environment() -> None:
    assert _mail_settings({}) == (0, "django.core.mail.backends.console.EmailBackend \n")
    smtp = {"NEUTRA_EMAIL": "smtp", "EMAIL_HOST": "mail.example.com", "EMAIL_PORT": "2525"}
    assert _mail_settings(smtp) == (0, "django.core.mail.backends.smtp.EmailBackend 2525\n")
    code, output = _mail_settings({"NEUTRA_EMAIL": "smtp"})
    assert code != 0
    assert "EMAIL_HOST" in output
    code, output = _mail_settings({"NEUTRA_EMAIL": "pigeon"})
    assert code != 0
    assert "NEUTRA_EMAIL" in output
