"""The project's configuration, URLs and security headers."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from neutra.web.config.env import env_bool, env_int, env_list, env_networks, env_str


@pytest.fixture
def environ(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("NEUTRA_X",):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_a_boolean_that_is_neither_yes_nor_no_stops_the_start(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("NEUTRA_X", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"NEUTRA_X='maybe' is not a boolean"):
        env_bool("NEUTRA_X", False)


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("Yes", True), ("off", False)])
def test_booleans_accept_the_usual_words(
    environ: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    environ.setenv("NEUTRA_X", raw)
    assert env_bool("NEUTRA_X", not expected) is expected


def test_an_unset_variable_gives_the_default(environ: pytest.MonkeyPatch) -> None:
    assert env_bool("NEUTRA_X", True) is True
    assert env_int("NEUTRA_X", 7) == 7
    assert env_list("NEUTRA_X", ["a"]) == ["a"]
    assert env_str("NEUTRA_X") is None


def test_a_set_but_empty_variable_stops_the_start(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("NEUTRA_X", "  ")
    with pytest.raises(ImproperlyConfigured, match="NEUTRA_X is set but empty"):
        env_str("NEUTRA_X")


def test_a_number_that_is_not_whole_stops_the_start(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("NEUTRA_X", "60s")
    with pytest.raises(ImproperlyConfigured, match=r"NEUTRA_X='60s' is not a whole number"):
        env_int("NEUTRA_X", 60)


def test_a_number_below_its_minimum_stops_the_start(environ: pytest.MonkeyPatch) -> None:
    environ.setenv("NEUTRA_X", "-1")
    with pytest.raises(ImproperlyConfigured, match="minimum is 0"):
        env_int("NEUTRA_X", 60, minimum=0)


def test_a_list_is_split_on_commas_and_an_empty_item_is_refused(
    environ: pytest.MonkeyPatch,
) -> None:
    environ.setenv("NEUTRA_X", " example.com, www.example.com")
    assert env_list("NEUTRA_X", []) == ["example.com", "www.example.com"]
    environ.setenv("NEUTRA_X", "example.com,,www.example.com")
    with pytest.raises(ImproperlyConfigured, match="empty item"):
        env_list("NEUTRA_X", [])


def test_trusted_proxies_are_addresses_or_networks(environ: pytest.MonkeyPatch) -> None:
    assert env_networks("NEUTRA_X") == ()
    environ.setenv("NEUTRA_X", "10.0.0.1, 172.16.0.0/12, ::1")
    assert [str(n) for n in env_networks("NEUTRA_X")] == ["10.0.0.1/32", "172.16.0.0/12", "::1/128"]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("proxy.internal", "not an IP address"),
        ("10.0.0.1/8", "has host bits set"),  # 10.0.0.0/8 or 10.0.0.1?
        ("10.0.0.0/33", "not an IP address"),
    ],
)
def test_a_trusted_proxy_that_is_not_an_address_stops_the_start(
    environ: pytest.MonkeyPatch, raw: str, reason: str
) -> None:
    environ.setenv("NEUTRA_X", f"10.1.2.3, {raw}")
    with pytest.raises(ImproperlyConfigured, match=f"NEUTRA_X has {raw!r}.*{reason}"):
        env_networks("NEUTRA_X")


def _settings_in_a_fresh_python(env: dict[str, str]) -> tuple[int, str]:
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "NEUTRA_DEBUG")}
    result = subprocess.run(
        [sys.executable, "-c", "import neutra.web.config.settings as s; print(s.DEBUG)"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode, result.stdout + result.stderr


def test_without_a_secret_key_the_server_refuses_to_start_unless_in_debug_mode() -> None:
    code, output = _settings_in_a_fresh_python({})
    assert code != 0
    assert "SECRET_KEY is not set" in output
    code, output = _settings_in_a_fresh_python({"NEUTRA_DEBUG": "1"})
    assert code == 0
    assert "fixed development key" in output


def test_an_unusable_database_url_stops_the_start_without_showing_the_password() -> None:
    code, output = _settings_in_a_fresh_python(
        {"SECRET_KEY": "k" * 50, "DATABASE_URL": "nosuchdb://neutra:hunter2@db/neutra"}
    )
    assert code != 0
    assert "DATABASE_URL cannot be used" in output
    assert "hunter2" not in output


def test_passwords_are_hashed_with_argon2(make_user: object) -> None:
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username="erin", password="a long passphrase 42")
    assert user.password.startswith("argon2")


def test_a_mistyped_trusted_proxy_stops_the_server_at_start_up() -> None:
    code, output = _settings_in_a_fresh_python(
        {"SECRET_KEY": "k" * 50, "NEUTRA_TRUSTED_PROXIES": "10.0.0.0/8,proxy"}
    )
    assert code != 0
    assert "NEUTRA_TRUSTED_PROXIES has 'proxy'" in output


# --- input no database may see ------------------------------------------------------


@pytest.mark.django_db
def test_a_nul_character_in_an_api_payload_is_refused_naming_the_field(world: dict) -> None:
    from django.test import Client

    from neutra.web.tenancy.models import AuditEntry, Entity

    # PostgreSQL cannot store or compare a NUL: it used to be a server error there.
    client = Client()
    client.force_login(world["alice"])
    entries = AuditEntry.objects.count()
    response = client.post(
        f"/api/organisations/{world['B1'].pk}/entities",
        {"name": "Works", "parent": "\x00"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["message"] == (
        "body.parent: contains a NUL character (0x00), which no field accepts"
    )
    assert response.json()["extra"]["problems"][0]["column"] == "body.parent"
    assert not Entity.objects.exists()
    assert AuditEntry.objects.count() == entries


@pytest.mark.django_db
def test_a_nul_character_in_a_path_is_refused(world: dict) -> None:
    from django.test import Client

    client = Client()
    client.force_login(world["alice"])
    response = client.get("/invitations/%00/x/")
    assert response.status_code == 400
    assert response.content == b"path: contains a NUL character (0x00), which no field accepts\n"


def test_uploaded_files_may_hold_nul_bytes() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.http import HttpResponse
    from django.test import RequestFactory

    from neutra.web.config.middleware import RejectUnreadableInputMiddleware

    # A workbook is binary: the middleware never reads multipart bodies.
    request = RequestFactory().post(
        "/api/inventories/1/uploads",
        {"file": SimpleUploadedFile("book.xlsx", b"PK\x03\x04\x00\x00")},
    )
    passed = RejectUnreadableInputMiddleware(lambda r: HttpResponse("reached the view"))(request)
    assert passed.content == b"reached the view"


# --- the browser tests' set-up ------------------------------------------------------


def test_the_browser_tests_chromium_starts_headless(
    chromium_launch_options: dict[str, Any],
) -> None:
    from playwright.sync_api import sync_playwright

    # Debian's chromium by path (CI: NEUTRA_CHROMIUM), never a downloaded browser.
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch_options)
        try:
            page = browser.new_page()
            page.set_content("<h1>Neutra</h1>")
            assert page.inner_text("h1") == "Neutra"
        finally:
            browser.close()


@pytest.mark.parametrize("debug", ["0", "1"])
def test_a_request_warning_is_logged_exactly_once(debug: str) -> None:
    import subprocess
    import sys

    code = (
        "import django; django.setup(); import logging; "
        "logging.getLogger('django.request').warning('Not Found: /nowhere')"
    )
    env = {
        **os.environ,
        "NEUTRA_DEBUG": debug,
        "DJANGO_SETTINGS_MODULE": "neutra.web.config.settings",
    }
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("Not Found: /nowhere") == 1, done.stderr
