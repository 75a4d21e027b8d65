"""Tenant isolation: every page and API endpoint, as every outsider, shows nothing of a client.

The walk collects EVERY URL pattern of the project (recursively from Django's
resolver, the admin included) and EVERY operation of the API's OpenAPI schema,
fills each URL parameter BY NAME from a complete data set of the victim
client B1 (consultancy A), and requests it as every kind of outsider: an
anonymous visitor, each role of another client of the same consultancy and
of a client of another consultancy, the other consultancy's staff, and an
auditor of B1 whose access has expired; pages with a session, the API with a
session and with a read+write bearer token. Every answer must be a 404 or a
403 (anonymous: 401 from the API, the log-in page from a page; the admin
sends everyone who is not staff to its log-in page), show none of B1's
names or figures, and leave the database exactly as it was.

A URL parameter the walk does not know fails the test, naming the endpoint:
a new endpoint cannot slip past it. Public endpoints are an explicit list,
each with its reason.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import product
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils import timezone

from neutra.web.accounts.services import api_token_create
from neutra.web.config.api import api
from neutra.web.tenancy.models import Membership, Role
from neutra.web.tenancy.services import (
    consultancy_membership_grant,
    membership_grant,
    organisation_create,
)
from tests.web.client_data import (
    VICTIM_FIGURES,
    VICTIM_NAMES,
    Victim,
    client_b1,
)

pytestmark = [
    pytest.mark.django_db,
    # The tests never run collectstatic, so NEUTRA_HOME/static may not exist.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture(autouse=True)
def quick_passwords(settings: Any) -> None:
    """Cheap password hashes: the walk logs its dozen users in with force_login only."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- what is public, and why -----------------------------------------------------------

# Routes (as the resolver spells them) that anyone may open. Each is still
# requested by every visitor and must answer without a server error and
# without B1's data; it is only spared the "404, 403 or log-in" rule.
PUBLIC: dict[str, str] = {
    "accounts/login/": "the log-in page",
    "accounts/logout/": "logging out reveals nothing and changes only the visitor's session",
    "admin/login/": "the back office's log-in page (the same throttled view)",
    "admin/logout/": "the back office's log-out: sends a visitor who is not staff to its index",
    "healthz": "the load balancer's health check: 'ok' and nothing else",
    "api/docs": "the API documentation page (no data, only the schema)",
    "api/openapi.json": "the API schema (no data)",
    "api/": "django-ninja's root: always 404, it names the docs' address",
    "accounts/password/reset/": (
        "asking for a password-reset link: the same answer whether an account exists or not"
    ),
    "accounts/password/reset/sent/": "the page saying a reset link is on its way",
    "accounts/password/reset/done/": "the page saying a new password is set",
    "accounts/password/reset/<uidb64>/<token>/": (
        "a password-reset link: its one-time token is the credential; walked with B1's "
        "user and a made-up token, which must show nothing of B1"
    ),
    "verify/keys/": "the published claim-signing public keys (no client data)",
    "verify/<str:claim_token>/": "an issued claim's public check page, by its unguessable token "
    "(tests/web/test_claims.py walks it: only issued claims, nothing unpublished)",
    "verify/<str:claim_token>/certificate.pdf": "an issued claim's signed certificate, by its token",
    "invitations/<int:invitation_id>/<str:token>/": (
        "an invitation's mailed link: its secret is the credential; walked with B1's "
        "pending invitation and a made-up secret, which must show nothing of B1"
    ),
}

# Pages about the visitor's own account, never another's: walked (logged in or not)
# but only read, since posting the walk's form counts a wrong current password
# like a failed log-in, which is what the page is for (tests/web/test_passwords.py).
OWN_ACCOUNT_ONLY_READ = {"accounts/password/"}

# Static files (/static/) are served by WhiteNoise's middleware, outside the
# URL map: the stylesheet and htmx, the same for everyone, with no client data.

# What an outsider posts: a small valid activity file of their own.
VISITOR_CSV = (
    b"id,entity,year,activity,quantity,unit,region,description\n"
    b"W1,,2025,electricity.grid,100,kWh,FR,walk\n"
)


# --- the visitors -----------------------------------------------------------------------


@dataclass
class Visitor:
    label: str
    user: Any  # None: anonymous
    own: str | None  # the organisation this visitor sees, if any
    session: Client = field(init=False)
    bearer: Client | None = field(init=False, default=None)


def _visitors(world: dict[str, Any], make_user: Callable[..., Any]) -> list[Visitor]:
    """Everyone who must see nothing of B1, logged in (session and token) before the walk."""
    alice, b1, b2, c1 = world["alice"], world["B1"], world["B2"], world["C1"]
    # A second client of C, so that C's staff see a list, not one organisation.
    organisation_create(consultancy=world["C"], name="C2 Textiles", country="IT", by=None)
    soon = timezone.now() + timedelta(days=30)
    visitors = [Visitor("an anonymous visitor", None, None)]
    for organisation, prefix, grantor in ((b2, "b2", alice), (c1, "c1", None)):
        for role in (Role.CLIENT_ADMIN, Role.CONTRIBUTOR, Role.VIEWER, Role.AUDITOR):
            user = make_user(f"{prefix}-{role.value}")
            expires = soon if role is Role.AUDITOR else None
            membership_grant(
                organisation=organisation, user=user, role=role, expires_at=expires, by=grantor
            )
            where = "same consultancy" if prefix == "b2" else "another consultancy"
            label = f"{role.label.split(' (')[0].lower()} of {organisation} ({where})"
            visitors.append(Visitor(label, user, organisation.name))
    for role in (Role.CONSULTANCY_ADMIN, Role.CONSULTANT):
        user = make_user(f"c-{role.value}")
        consultancy_membership_grant(consultancy=world["C"], user=user, role=role, by=None)
        visitors.append(Visitor(f"{role.label.lower()} of {world['C']}", user, c1.name))
    expired = make_user("b1-expired-auditor")
    membership_grant(organisation=b1, user=expired, role=Role.AUDITOR, expires_at=soon, by=alice)
    Membership.objects.filter(user=expired).update(expires_at=timezone.now() - timedelta(days=1))
    visitors.append(Visitor(f"an auditor of {b1} whose access has expired", expired, None))

    for visitor in visitors:
        # A 500 must come back as a response to report, not as an exception.
        visitor.session = Client(raise_request_exception=False)
        if visitor.user is None:
            visitor.bearer = None
            continue
        visitor.session.force_login(visitor.user)
        _, secret = api_token_create(
            user=visitor.user, name="walk", scopes=["read", "write"], expires_at=soon
        )
        visitor.bearer = Client(
            raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {secret}"
        )
    return visitors


# --- the endpoints ----------------------------------------------------------------------

_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
_REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>")
_API_PARAM = re.compile(r"{(?P<name>\w+)}")


@dataclass(frozen=True)
class Page:
    """One URL pattern of the resolver, as the chain of patterns that leads to it."""

    route: str  # the patterns' text joined, e.g. "inventories/<int:inventory_id>/"
    name: str | None  # "namespace:name"
    pieces: tuple[Any, ...]  # the pattern objects, outermost first
    callback: Any

    @property
    def params(self) -> tuple[str, ...]:
        names: list[str] = []
        for piece in self.pieces:
            text = str(piece)
            names += [m["name"] for m in _ROUTE_PARAM.finditer(text)] if _is_route(piece) else []
            names += (
                [m["name"] for m in _REGEX_GROUP.finditer(text)] if not _is_route(piece) else []
            )
        return tuple(names)

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    @property
    def is_api(self) -> bool:
        return self.route.startswith("api/")


def _is_route(pattern: Any) -> bool:
    return type(pattern).__name__ == "RoutePattern"


def all_pages() -> list[Page]:
    """Every URL pattern Django knows, with the chain of resolvers above it."""
    found: list[Page] = []

    def walk(resolver: URLResolver, pieces: tuple[Any, ...], namespace: str | None) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, (*pieces, entry.pattern), inner)
            elif isinstance(entry, URLPattern):
                chain = (*pieces, entry.pattern)
                name = (
                    None if entry.name is None else ":".join(filter(None, [namespace, entry.name]))
                )
                route = "".join(str(p) for p in chain)
                found.append(Page(route, name, chain, entry.callback))

    walk(get_resolver(), (), None)
    return found


def _regex_text(regex: str, values: dict[str, str]) -> str:
    """A path for a regex pattern: each named group replaced by its value."""
    out, i = [], 0
    body = regex.lstrip("^").rstrip("$").removesuffix("\\Z")
    while i < len(body):
        match = _REGEX_GROUP.match(body, i)
        if match is None:
            char = body[i]
            if char == "\\" and i + 1 < len(body):
                out.append(body[i + 1])
                i += 2
            else:
                out.append(char)
                i += 1
            continue
        depth, j = 1, match.end()
        while depth:  # the group's closing parenthesis (groups may nest)
            depth += {"(": 1, ")": -1}.get(body[j], 0) if body[j - 1] != "\\" else 0
            j += 1
        out.append(values[match["name"]])
        i = j
    return "".join(out)


def page_path(page: Page, values: dict[str, str]) -> str:
    parts = []
    for piece in page.pieces:
        text = str(piece)
        if _is_route(piece):
            parts.append(_ROUTE_PARAM.sub(lambda m: values[m["name"]], text))
        else:
            parts.append(_regex_text(text, values))
    return "/" + "".join(parts)


class UnknownParameter(LookupError):
    pass


def fillings(
    route: str, params: tuple[str, ...], known: dict[str, list[str]]
) -> Iterator[dict[str, str]]:
    """Every combination of victim values for `params`; an unknown name fails loudly."""
    unknown = [p for p in params if p not in known]
    if unknown:
        raise UnknownParameter(
            f"{route}: the isolation walk does not know the URL parameter(s) "
            f"{', '.join(unknown)}: add what they name in B1's data set to "
            "tests/web/test_isolation.py (client_data.py: url_values), so that outsiders are "
            "shown to get nothing from this endpoint"
        )
    for combination in product(*(known[p] for p in params)):
        yield dict(zip(params, combination, strict=True))


@dataclass(frozen=True)
class Operation:
    """One API operation of the OpenAPI schema."""

    method: str  # "get", "post", ...
    path: str  # "/api/inventories/{inventory_id}"
    spec: dict[str, Any] = field(hash=False, compare=False)

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(m["name"] for m in _API_PARAM.finditer(self.path))

    def url(self, values: dict[str, str]) -> str:
        return _API_PARAM.sub(lambda m: values[m["name"]], self.path)


def all_operations() -> list[Operation]:
    schema = api.get_openapi_schema()
    return [
        Operation(method, path, spec)
        for path, methods in schema["paths"].items()
        for method, spec in methods.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _api_route(page: Page) -> str:
    """A resolver API route in the schema's spelling: api/x/<int:y_id> -> /api/x/{y_id}."""
    return "/" + _ROUTE_PARAM.sub(lambda m: "{" + m["name"] + "}", page.route)


# --- requests and their bodies --------------------------------------------------------------

_COMPONENTS: dict[str, Any] = {}


def _resolved(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = _COMPONENTS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def example(schema: dict[str, Any], name: str, victim: Victim) -> Any:
    """A plausible value of `schema` for the field `name`; ids point at B1."""
    schema = _resolved(schema)
    if name in victim.form_values and schema.get("type") in ("integer", "string", None):
        value = victim.form_values[name]
        return int(value) if schema.get("type") == "integer" else value
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [_resolved(s) for s in schema[key]]
            if any(o.get("type") == "null" for o in options):
                return None
            return example(options[0], name, victim)
    kind = schema.get("type")
    if kind == "object":
        return {
            prop: example(sub, prop, victim) for prop, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [example(schema.get("items", {}), name, victim)]
    if kind == "integer":
        return 2025 if name == "year" else 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return True
    if schema.get("format") == "binary":
        return SimpleUploadedFile("walk.csv", VISITOR_CSV, content_type="text/csv")
    if schema.get("format") == "date-time":
        return "2030-01-01T00:00:00Z"
    if schema.get("format") == "date":
        return "2030-01-01"
    return {"to": "submitted", "country": "FR", "email": "walk@example.com"}.get(name, "walk")


def api_request(client: Client, operation: Operation, path: str, victim: Victim) -> Any:
    query = {
        p["name"]: victim.form_values[p["name"]]
        for p in operation.spec.get("parameters", [])
        if p.get("in") == "query" and p["name"] in victim.form_values
    }
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    content = operation.spec.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = example(content["application/json"]["schema"], "", victim)
        return client.generic(
            operation.method.upper(), path, json.dumps(body), content_type="application/json"
        )
    if "multipart/form-data" in content:
        form = example(content["multipart/form-data"]["schema"], "", victim)
        return getattr(client, operation.method)(path, form)
    return getattr(client, operation.method)(path)


def page_form(victim: Victim) -> dict[str, Any]:
    """What an outsider posts to any page: plausible fields, B1's ids, a file of their own."""
    return {
        "name": "Walk",
        "country": "FR",
        "year": "2025",
        "to": "submitted",
        "role": "viewer",
        "email": "walk@example.com",
        "username": "walk-new-user",
        "equity_share": "0.5",
        "financial_control": "full",
        "operational_control": "full",
        "expires_at": "2030-01-01",
        "confirm": "yes",
        **victim.form_values,
        "file": SimpleUploadedFile("walk.csv", VISITOR_CSV, content_type="text/csv"),
    }


def body_of(response: Any) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", errors="replace")


def victim_data_in(text: str) -> list[str]:
    return [s for s in (*VICTIM_NAMES, *VICTIM_FIGURES) if s in text]


def login_redirect(response: Any) -> bool:
    location = response.get("Location", "")
    return response.status_code == 302 and location.split("?")[0] in (
        "/accounts/login/",
        "/admin/login/",
    )


# --- the database must not change ---------------------------------------------------------------

# Written by every authenticated request, not by the endpoints: a token's
# last use, a user's last log-in. Sessions' contents change with messages.
_VOLATILE = {"accounts.apitoken": {"last_used_at"}, "auth.user": {"last_login"}}


def database_state() -> dict[str, tuple[int, str]]:
    """Row count and content digest of every table of every model (through tables too)."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label_lower
        rows = model._base_manager.order_by("pk").values()
        count = rows.count()
        if label == "sessions.session":
            state[label] = (count, "")
            continue
        skip = _VOLATILE.get(label, set())
        text = repr([{k: v for k, v in row.items() if k not in skip} for row in rows])
        state[label] = (count, hashlib.sha256(text.encode()).hexdigest())
    return state


# --- the walk ----------------------------------------------------------------------------------


def test_no_outsider_gets_anything_of_another_client_from_any_page_or_endpoint(
    world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    victim = client_b1(world)
    visitors = _visitors(world, make_user)
    _COMPONENTS.update(api.get_openapi_schema().get("components", {}).get("schemas", {}))
    failures: list[str] = []
    pages, operations = all_pages(), all_operations()
    schema_routes = {op.path for op in operations}

    # Every URL the resolver serves under /api/ must be an operation of the schema,
    # or public: an endpoint hidden from the schema would be missed by the walk.
    for page in pages:
        if page.is_api and page.route not in PUBLIC and _api_route(page) not in schema_routes:
            failures.append(f"{page.route}: an API URL missing from the OpenAPI schema")

    before = database_state()
    requests = 0

    def check(what: str, response: Any, expect: Callable[[Any], bool], wanted: str) -> None:
        nonlocal requests
        requests += 1
        text = body_of(response)
        if response.status_code >= 500:
            failures.append(f"{what}: server error {response.status_code}")
        elif not expect(response):
            failures.append(f"{what}: {response.status_code}, expected {wanted}")
        leaked = victim_data_in(text)
        if leaked:
            failures.append(f"{what}: shows B1's {', '.join(leaked)}")

    def refused(response: Any) -> bool:
        return response.status_code in (403, 404)

    # Pages, the admin included (the API's URLs are walked from its schema below,
    # but for its public documentation).
    for page in pages:
        if page.is_api and page.route not in PUBLIC:
            continue
        try:
            resolvable = list(fillings(page.route, page.params, _page_values(page, victim)))
        except UnknownParameter as error:
            failures.append(str(error))
            continue
        for values in resolvable:
            path = page_path(page, values)
            try:
                reached = resolve(path).func
            except Resolver404:
                failures.append(f"{page.route}: the walk built {path}, which does not resolve")
                continue
            if reached is not page.callback:
                continue  # shadowed by an earlier pattern (e.g. admin/login/): never reached
            public = page.route in PUBLIC
            targeted = bool(page.params)
            for visitor in visitors:
                # Public pages are only read: posting would log the visitor out or
                # count failed log-ins, which is what those pages are for.
                only_read = public or page.route in OWN_ACCOUNT_ONLY_READ
                for method in ("get",) if only_read else ("get", "post"):
                    what = f"{method.upper()} {path} ({page.route}) as {visitor.label}"
                    if method == "get":
                        response = visitor.session.get(path)
                    else:
                        response = visitor.session.post(path, page_form(victim))
                    if public:
                        check(what, response, lambda r: True, "anything but a server error")
                    elif page.is_admin:
                        check(what, response, login_redirect, "the log-in page")
                    elif visitor.user is None:
                        check(
                            what,
                            response,
                            lambda r: login_redirect(r) or r.status_code == 405,
                            "the log-in page (or 405 for a method the page does not take)",
                        )
                    elif targeted:
                        check(
                            what,
                            response,
                            lambda r: r.status_code in (403, 404, 405),
                            "404 or 403 (or 405 for a method the page does not take)",
                        )
                    else:  # a page of one's own (the home page): B1 must not be on it
                        check(what, response, lambda r: True, "anything but a server error")

    # The API: every operation of the schema, with a session and with a bearer token.
    for operation in operations:
        try:
            resolvable = list(fillings(operation.path, operation.params, victim.url_values))
        except UnknownParameter as error:
            failures.append(str(error))
            continue
        targeted = bool(operation.params)
        for values in resolvable:
            path = operation.url(values)
            for visitor in visitors:
                for how, client in (("session", visitor.session), ("token", visitor.bearer)):
                    if client is None:
                        continue
                    what = f"{operation.method.upper()} {path} as {visitor.label} ({how})"
                    response = api_request(client, operation, path, victim)
                    if visitor.user is None:
                        check(what, response, lambda r: r.status_code == 401, "401")
                    elif targeted:
                        check(what, response, refused, "404 or 403")
                    else:
                        check(what, response, lambda r: True, "anything but a server error")

    after = database_state()
    changed = [
        f"{label}: {before[label][0]} rows before, {after[label][0]} after"
        + ("" if before[label][0] != after[label][0] else " (contents changed)")
        for label in before
        if before[label] != after[label]
    ]
    if changed:
        failures.append("the walk changed the database: " + "; ".join(changed))

    # Not vacuous: B1's own client admin reaches every endpoint the walk filled
    # (at least one of its fillings is not a 404), so the 404s above were refusals.
    owner = Client(raise_request_exception=False)
    owner.force_login(victim.owner)
    owner_sees: list[str] = []
    for page in pages:
        if page.is_api or page.is_admin or page.route in PUBLIC or not page.params:
            continue
        try:
            paths = [
                page_path(page, v) for v in fillings(page.route, page.params, victim.url_values)
            ]
        except UnknownParameter:
            continue  # reported above
        responses = [owner.get(p) for p in paths]
        owner_sees.extend(body_of(r) for r in responses)
        statuses = [r.status_code for r in responses]
        if all(s == 404 or s >= 500 for s in statuses):
            failures.append(
                f"GET {paths[0]} as B1's client admin: {statuses}: the walk's data set "
                "does not reach this page, so its 404s to outsiders prove nothing"
            )
    for operation in operations:
        if operation.method != "get" or not operation.params:
            continue
        paths = [
            operation.url(values)
            for values in fillings(operation.path, operation.params, victim.url_values)
        ]
        responses = [owner.get(p) for p in paths]
        owner_sees.extend(body_of(r) for r in responses)
        statuses = [r.status_code for r in responses]
        if all(s == 404 or s >= 500 for s in statuses):
            failures.append(
                f"GET {paths[0]} as B1's client admin: {statuses}: the walk's data set "
                "does not reach this endpoint, so its 404s to outsiders prove nothing"
            )
    # ...and the names and figures looked for are what B1's own pages show.
    everything = "\n".join(owner_sees)
    unseen = [s for s in (*VICTIM_NAMES, *VICTIM_FIGURES) if s not in everything]
    if unseen:
        failures.append(f"B1's own pages never show {unseen}: looking for them proves nothing")

    assert not failures, (
        f"{len(failures)} isolation failures in {requests} requests:\n" + "\n".join(failures)
    )
    assert requests > 1000  # every visitor, endpoint and method was asked


def _page_values(page: Page, victim: Victim) -> dict[str, list[str]]:
    """URL values for a page; admin URLs name rows by model, apps and content types."""
    if not page.is_admin:
        return victim.url_values
    from django.contrib.contenttypes.models import ContentType

    label = _admin_model(page.route)
    organisation_type = ContentType.objects.get_for_model(victim.organisation)
    return {
        **victim.url_values,
        "object_id": [victim.admin_objects.get(label or "", victim.url_values["user_id"][0])],
        "id": victim.url_values["user_id"],  # the user admin's password page
        "app_label": ["tenancy"],
        "content_type_id": [str(organisation_type.pk)],
        "url": ["no-such-page/"],
    }


def _admin_model(route: str) -> str | None:
    match = re.match(r"admin/(\w+)/(\w+)/", route)
    return None if match is None else f"{match[1]}.{match[2]}"


# --- the walk is not vacuous, and cannot be dodged ---------------------------------------------------


def test_each_visitor_sees_their_own_organisation_and_not_the_victim(
    world: dict[str, Any], make_user: Callable[..., Any]
) -> None:
    visitors = _visitors(world, make_user)
    seen = {}
    for visitor in visitors:
        if visitor.user is None:
            assert visitor.session.get("/api/organisations").status_code == 401
            continue
        assert visitor.bearer is not None
        by_session = [o["name"] for o in visitor.session.get("/api/organisations").json()]
        by_token = [o["name"] for o in visitor.bearer.get("/api/organisations").json()]
        assert by_session == by_token, visitor.label
        home = body_of(visitor.session.get("/"))
        assert "B1 Manufacturing" not in by_session, visitor.label
        assert "B1 Manufacturing" not in home, visitor.label
        if visitor.own is not None:
            assert visitor.own in by_session, visitor.label
            assert visitor.own in home, visitor.label
        seen[visitor.label] = by_session
    assert seen["an auditor of B1 Manufacturing whose access has expired"] == []
    assert seen["consultancy admin of Consultancy C"] == ["C1 Foods", "C2 Textiles"]
    assert seen["viewer of B2 Logistics (same consultancy)"] == ["B2 Logistics"]
    assert len(seen) == 11


def test_an_endpoint_with_a_parameter_the_walk_does_not_know_fails_it() -> None:
    with pytest.raises(UnknownParameter, match=r"widget_id.*add what they name in B1.s data set"):
        list(fillings("widgets/<int:widget_id>/", ("widget_id",), {"inventory_id": ["1"]}))


def test_the_walk_builds_each_kind_of_url_pattern() -> None:
    pages = {page.route: page for page in all_pages()}
    assert "healthz" in pages
    admin_app = next(p for p in pages.values() if p.name == "admin:app_list")
    assert page_path(admin_app, {"app_label": "tenancy"}) == "/admin/tenancy/"
    catch_all = next(p for p in pages.values() if p.params == ("url",))
    assert page_path(catch_all, {"url": "x/y/"}) == "/admin/x/y/"
    job = pages["jobs/<int:job_id>/"]
    assert page_path(job, {"job_id": "7"}) == "/jobs/7/"
    operations = {(op.method, op.path) for op in all_operations()}
    assert ("get", "/api/organisations/{organisation_id}") in operations


def test_every_public_endpoint_on_the_list_exists() -> None:
    routes = {page.route for page in all_pages()}
    stale = [route for route in PUBLIC if route not in routes]
    assert not stale, f"remove these from PUBLIC, they are no longer served: {stale}"


def test_the_models_the_walk_compares_include_every_app(world: dict[str, Any]) -> None:
    state = database_state()
    for label in (
        "tenancy.organisation",
        "jobs.job",
        "activities.activityrow",
        "tenancy.auditentry",
    ):
        assert label in state
    assert state["tenancy.organisation"][0] == 3
