"""The project answers on its fixed URLs, with its security headers."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

pytestmark = [
    pytest.mark.django_db,
    # The tests never run collectstatic, so NEUTRA_HOME/static may not exist.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def test_the_health_check_answers_ok(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_every_page_carries_the_security_headers(client: Client) -> None:
    response = client.get("/healthz")
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_api_documentation_is_served_from_our_own_static_files(client: Client) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert b"/static/ninja/swagger-ui-bundle.js" in response.content
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "Neutra API"


def test_the_admin_login_page_loads(client: Client) -> None:
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert b"Neutra back office" in response.content


def test_the_api_lists_only_the_organisations_a_user_may_see(client: Client, world: dict) -> None:
    client.force_login(world["bob"])
    response = client.get("/api/organisations")
    assert response.status_code == 200
    assert [o["name"] for o in response.json()] == ["B1 Manufacturing"]


def test_the_api_answers_404_for_another_tenants_organisation(client: Client, world: dict) -> None:
    client.force_login(world["charlie"])
    response = client.get(f"/api/organisations/{world['B1'].id}")
    assert response.status_code == 404
    assert response.json() == {
        "message": "organisation not found",
        "extra": {"organisation_id": str(world["B1"].id)},
    }


def test_the_api_refuses_an_anonymous_visitor(client: Client, world: dict) -> None:
    assert client.get("/api/organisations").status_code == 401
    assert client.get(f"/api/organisations/{world['B1'].id}").status_code == 401


def test_the_tests_run_on_postgresql_when_ci_asks_for_it() -> None:
    import os

    from django.db import connection

    wanted = "postgresql" if os.environ.get("NEUTRA_TEST_WEB_DATABASE") == "postgres" else "sqlite"
    assert connection.vendor == wanted
    assert timezone.now().tzinfo is not None
