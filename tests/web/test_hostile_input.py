"""Hostile API input of every kind, sent to every operation: always a 4xx in the one
`{"message", "extra"}` shape, never a server error, never an HTML page.

The kinds are the classes that made server errors (found by hand, then swept
over the whole schema here): JSON nested deeper than any parser recursion,
a lone UTF-16 surrogate (which no database or encoder accepts) in every
string field and query parameter, a body that is not JSON or not an object,
an unknown field, and an upload with a file name of a thousand characters.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from neutra.web.accounts.services import api_token_create
from tests.web.client_data import client_b1

pytestmark = pytest.mark.django_db

LONE_SURROGATE = "\ud800"
DEEP = 100_000  # deeper than Python's recursion limit


@pytest.fixture(autouse=True)
def quick_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def api(world: dict[str, Any]) -> tuple[Client, dict[str, int], dict[str, Any]]:
    b1 = client_b1(world)
    _, secret = api_token_create(
        user=world["alice"],
        name="hostile",
        scopes=["read", "write"],
        expires_at=timezone.now() + timedelta(days=1),
    )
    ids = {name: int(values[0]) for name, values in b1.url_values.items() if name.endswith("_id")}
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    schema = client.get("/api/openapi.json").json()
    return client, ids, schema


def _operations(schema: dict[str, Any], ids: dict[str, int]) -> list[tuple[str, str, dict]]:
    found = []
    for template, methods in schema["paths"].items():
        path = template
        for name, value in ids.items():
            path = path.replace("{" + name + "}", str(value))
        path = path.replace("{", "").replace("}", "")  # any other id: a name, a 404 at worst
        for method, operation in methods.items():
            found.append((method, path, operation))
    return found


def _shape(answer: Any, what: str) -> None:
    assert 400 <= answer.status_code < 500, (what, answer.status_code, answer.content[:300])
    assert answer["Content-Type"].startswith("application/json"), (what, answer["Content-Type"])
    body = answer.json()
    assert set(body) == {"message", "extra"}, (what, body)
    assert isinstance(body["message"], str), what
    assert body["message"], what


def _json_bodies(schema: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    ref = content["application/json"]["schema"].get("$ref", "")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else {}


@pytest.mark.parametrize("depth", [DEEP, 900])
def test_deeply_nested_json_is_a_4xx_on_every_operation_with_a_body(api: Any, depth: int) -> None:
    client, ids, schema = api
    sent = 0
    for method, path, operation in _operations(schema, ids):
        body_schema = _json_bodies(schema, operation)
        if body_schema is None:
            continue
        # Deep as the whole body, and deep inside each field (just under the parser's limit).
        bodies = ["[" * depth + "]" * depth]
        bodies += [
            '{"' + field + '": ' + "[" * depth + "]" * depth + "}"
            for field in body_schema.get("properties", {})
        ]
        for body in bodies:
            answer = getattr(client, method)(path, body, content_type="application/json")
            _shape(answer, f"{method} {path} {body[:20]}")
            sent += 1
    assert sent >= 6


def test_a_lone_surrogate_in_any_string_field_is_a_4xx(api: Any) -> None:
    client, ids, schema = api
    sent = 0
    for method, path, operation in _operations(schema, ids):
        body_schema = _json_bodies(schema, operation)
        if body_schema is None:
            continue
        for field, spec in body_schema.get("properties", {}).items():
            kinds = {spec.get("type")} | {a.get("type") for a in spec.get("anyOf", [])}
            if "string" not in kinds:
                continue
            # Every other field valid-looking, this one a lone surrogate (escaped in JSON,
            # which is how a client sends one).
            body = {"name": "x", "email": "x@example.com", "country": "GB", "year": 2025}
            body.update({"to": "submitted", "role": "viewer", "consultancy_id": 1})
            body[field] = "a" + LONE_SURROGATE
            raw = json.dumps(body)  # ensure_ascii: "\\ud800"
            answer = getattr(client, method)(path, raw, content_type="application/json")
            _shape(answer, f"{method} {path} {field}")
            sent += 1
    assert sent >= 5


def test_a_lone_surrogate_in_a_query_parameter_is_a_4xx_or_an_answer(api: Any) -> None:
    client, ids, schema = api
    for method, path, operation in _operations(schema, ids):
        if method != "get":
            continue
        names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "query"]
        if not names:
            continue
        # As a client sends a surrogate in a URL: its (invalid) UTF-8 bytes, percent-encoded.
        query = "&".join(f"{name}=a%ED%A0%80%FF" for name in names)
        answer = client.get(f"{path}?{query}")
        assert answer.status_code < 500, (path, answer.status_code)
        if answer.status_code >= 400:
            _shape(answer, path)


@pytest.mark.parametrize(
    "raw",
    ["not json", "[]", "null", '{"a": 1', '{"name": NaN}', '{"year": 1e999}', "\xff\xfe"],
)
def test_a_body_that_is_no_json_object_is_a_4xx(api: Any, raw: str) -> None:
    client, ids, schema = api
    for method, path, operation in _operations(schema, ids):
        if _json_bodies(schema, operation) is None:
            continue
        answer = getattr(client, method)(path, raw, content_type="application/json")
        _shape(answer, f"{method} {path} {raw!r}")


def test_every_input_schema_refuses_unknown_fields(api: Any) -> None:
    _, ids, schema = api
    checked = 0
    for method, path, operation in _operations(schema, ids):
        body_schema = _json_bodies(schema, operation)
        if body_schema is None:
            continue
        assert body_schema.get("additionalProperties") is False, f"{method} {path}"
        checked += 1
    assert checked >= 5


def test_parent_id_instead_of_parent_is_refused_naming_the_field(
    api: Any, world: dict[str, Any]
) -> None:
    client, _, _ = api
    organisation = world["B2"].pk
    answer = client.post(
        f"/api/organisations/{organisation}/entities",
        {"name": "Plant", "parent_id": 3},
        content_type="application/json",
    )
    assert answer.status_code == 422
    body = answer.json()
    assert "unknown field 'parent_id'" in body["message"]
    assert body["extra"]["problems"][0]["column"].endswith("parent_id")
    assert client.get(f"/api/organisations/{organisation}/entities").json() == []


def test_expires_on_instead_of_expires_at_is_refused_naming_the_field(
    api: Any, world: dict[str, Any]
) -> None:
    client, _, _ = api
    answer = client.post(
        f"/api/organisations/{world['B2'].pk}/invitations",
        {"email": "new@example.com", "role": "auditor", "expires_on": "2027-01-01"},
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert "unknown field 'expires_on'" in answer.json()["message"]


def test_an_upload_with_a_thousand_character_file_name_is_a_4xx(
    api: Any, world: dict[str, Any]
) -> None:
    client, ids, _ = api
    from django.core.files.uploadedfile import SimpleUploadedFile

    name = "a" * 1000 + ".csv"
    data = b"id,year,activity,quantity,unit\n1,2025,fuel.natural_gas,1,kWh\n"
    answer = client.post(
        f"/api/inventories/{ids['inventory_id']}/uploads",
        {"file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )
    assert answer.status_code < 500
    if answer.status_code >= 400:
        _shape(answer, "upload")


def test_a_number_of_five_thousand_digits_is_refused_in_the_clients_words(api: Any) -> None:
    # int() refused it with advice for programmers ("use sys.set_int_max_str_digits()").
    client, ids, _ = api
    answer = client.post(
        f"/api/organisations/{ids['organisation_id']}/strategy/denominators",
        '{"year": ' + "9" * 5000 + ', "indicator": "fte", "value": 1}',
        content_type="application/json",
    )
    _shape(answer, "five thousand digits")
    assert answer.status_code == 400
    message = answer.json()["message"]
    assert message.startswith("body: the number 9999")
    assert message.endswith("has 5000 digits: too large")
    assert "sys." not in message
