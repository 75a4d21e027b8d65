"""The personal API tokens page: a token made there opens the API once, until revoked."""

from __future__ import annotations

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from neutra.web.accounts.models import ApiToken


def test_a_user_makes_a_token_sees_its_secret_once_and_uses_it(world: dict) -> None:
    client = Client()
    client.force_login(world["bob"])
    until = (timezone.now() + timedelta(days=30)).date().isoformat()
    page = client.post(
        "/accounts/tokens/", {"name": "ERP export", "expires_on": until}
    ).content.decode()
    secret = re.search(r'<code id="new-token">([^<]+)</code>', page)
    assert secret
    token = ApiToken.objects.get(user=world["bob"], name="ERP export")
    assert token.scopes == ["read"]
    assert secret.group(1) not in client.get("/accounts/tokens/").content.decode()  # shown once
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret.group(1)}")
    assert [o["name"] for o in api.get("/api/organisations").json()] == ["B1 Manufacturing"]
    client.post(f"/accounts/tokens/{token.pk}/revoke")
    assert api.get("/api/organisations").status_code == 401


def test_a_token_beyond_a_year_is_refused_with_a_message(world: dict) -> None:
    client = Client()
    client.force_login(world["bob"])
    until = (timezone.now() + timedelta(days=800)).date().isoformat()
    response = client.post("/accounts/tokens/", {"name": "forever", "expires_on": until})
    assert "at most one year ahead" in response.content.decode()
    assert not ApiToken.objects.filter(name="forever").exists()


def test_nobody_revokes_another_users_token(world: dict) -> None:
    client = Client()
    client.force_login(world["bob"])
    until = (timezone.now() + timedelta(days=30)).date().isoformat()
    client.post("/accounts/tokens/", {"name": "mine", "expires_on": until})
    token = ApiToken.objects.get(name="mine")
    other = Client()
    other.force_login(world["charlie"])
    assert other.post(f"/accounts/tokens/{token.pk}/revoke").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
