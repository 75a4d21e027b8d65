"""The REST API root (django-ninja; OpenAPI docs at /api/docs).

Each app adds its router here. Endpoints stay thin: input schema -> one
service or selector -> output schema. It must never answer a `NeutraError`
with a 500: every one becomes `{"message", "extra"}` with its 4xx status.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import django_auth

from neutra.core.errors import NeutraError
from neutra.web.accounts.auth import ApiTokenAuth
from neutra.web.activities.api import router as activities_router
from neutra.web.calculations.api import router as calculations_router
from neutra.web.claims.api import router as claims_router
from neutra.web.config.json_input import UnreadableBodyError, read_json
from neutra.web.credits.api import router as credits_router
from neutra.web.dashboards.api import router as dashboards_router
from neutra.web.errors import http_status, jsonable_extra
from neutra.web.instruments.api import router as instruments_router
from neutra.web.inventories.api import router as inventories_router
from neutra.web.jobs.api import router as jobs_router
from neutra.web.strategy.api import router as strategy_router
from neutra.web.tenancy.api import invitations_router
from neutra.web.tenancy.api import router as tenancy_router
from neutra.web.workflow.api import router as workflow_router


class GuardedParser(Parser):
    """JSON bodies as ninja reads them, through the one hostile-input reader.

    The middleware refuses a hostile `application/json` body before any view;
    this covers a body sent under another content type. A body must be a
    JSON object.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        document = read_json(request.body)
        if not isinstance(document, dict):
            raise UnreadableBodyError("body", "it must be a JSON object ({...})")
        return document


# Every endpoint needs a bearer token or a session unless it says otherwise. The
# token goes first: a session's CSRF check would refuse a bearer request's POST.
api = NinjaAPI(
    title="Neutra API",
    version="1",
    docs_url="/docs",
    urls_namespace="api",
    auth=[ApiTokenAuth(), django_auth],
    parser=GuardedParser(),
)
api.add_router("/organisations", tenancy_router)
api.add_router("/invitations", invitations_router)  # your own: /invitations, /{id}/accept
api.add_router("", inventories_router)  # /organisations/{id}/inventories and /inventories/{id}
api.add_router("", activities_router)  # /inventories/{id}/uploads, /uploads/{id}
api.add_router("", instruments_router)  # /inventories/{id}/instruments, /instruments/{id}
api.add_router("", calculations_router)  # /inventories/{id}/calculate
api.add_router("", workflow_router)  # /inventories/{id}/transition, /footprint, /calculations
api.add_router("", dashboards_router)  # /inventories/{id}/lines, /lines/{id}
api.add_router("/jobs", jobs_router)
api.add_router("", credits_router)  # /organisations/{id}/credits, /credits/...
api.add_router("", strategy_router)  # /organisations/{id}/strategy...
api.add_router("", claims_router)  # /organisations/{id}/claims, /claims/{id}


@api.exception_handler(NeutraError)
def neutra_error(request: HttpRequest, error: NeutraError) -> HttpResponse:
    return api.create_response(
        request,
        {"message": error.message, "extra": jsonable_extra(error)},
        status=http_status(error),
    )


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, error: ValidationError) -> HttpResponse:
    # A payload or parameter of the wrong shape or type, in the one error shape.
    problems = [
        {
            "file": "request",
            "row": None,
            "column": ".".join(str(part) for part in e.get("loc", ())),
            "value": None if e.get("input") is None else str(e.get("input"))[:200],
            "reason": _reason(e),
        }
        for e in error.errors
    ]
    first = problems[0] if problems else {"column": "", "reason": "invalid request"}
    return api.create_response(
        request,
        {"message": f"{first['column']}: {first['reason']}", "extra": {"problems": problems}},
        status=422,
    )


def _reason(error: dict[str, Any]) -> str:
    if error.get("type") == "extra_forbidden":
        # A misspelt field must never be ignored: say which, and where the fields are listed.
        field = str(error.get("loc", ("",))[-1])
        return f"unknown field {field!r}: this request has no such field (see /api/docs)"
    return str(error.get("msg", "invalid"))


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    # Ninja's own refusals (401, a body that is not JSON) in the one error shape.
    message = error.message
    if isinstance(error.__cause__, UnreadableBodyError):  # our parser's reason, not ninja's words
        message = f"cannot read the request body: {error.__cause__}"
    return api.create_response(request, {"message": message, "extra": {}}, status=error.status_code)
