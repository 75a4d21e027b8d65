"""The REST API root (django-ninja; OpenAPI docs at /api/docs).

Each app adds its router here. Endpoints stay thin: input schema -> one
service or selector -> output schema. It must never answer a `NeutraError`
with a 500: every one becomes `{"message", "extra"}` with its 4xx status.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from neutra.core.errors import NeutraError
from neutra.web.accounts.auth import ApiTokenAuth
from neutra.web.errors import http_status, jsonable_extra
from neutra.web.tenancy.api import router as tenancy_router

# Every endpoint needs a bearer token or a session unless it says otherwise. The
# token goes first: a session's CSRF check would refuse a bearer request's POST.
api = NinjaAPI(
    title="Neutra API",
    version="1",
    docs_url="/docs",
    urls_namespace="api",
    auth=[ApiTokenAuth(), django_auth],
)
api.add_router("/organisations", tenancy_router)


@api.exception_handler(NeutraError)
def neutra_error(request: HttpRequest, error: NeutraError) -> HttpResponse:
    return api.create_response(
        request,
        {"message": error.message, "extra": jsonable_extra(error)},
        status=http_status(error),
    )
