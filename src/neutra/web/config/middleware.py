"""Project-wide middleware: response headers Django 5.2 does not set itself, and
the refusal of input no database may see.

It must never relax a policy per request: pages that need more belong in the
one policy of settings.CONTENT_SECURITY_POLICY, where a reviewer sees them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse


class ContentSecurityPolicyMiddleware:
    """Add settings.CONTENT_SECURITY_POLICY to every response that has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy: str = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class RejectNulCharactersMiddleware:
    """Answer 400 for a NUL character (0x00) in the path or in a JSON body.

    No field of ours takes one, and PostgreSQL cannot store or even compare
    one: a NUL reaching a query is a database error (a 500) there, where
    SQLite would answer. So it is refused up front, naming where it was, in
    the API's `{"message", "extra"}` shape under /api/ and as a plain message
    elsewhere. Form fields go through Django forms, which refuse NUL
    themselves, and query parameters through each endpoint's own validation
    (which names the parameter in its own page); multipart bodies (uploaded
    files, binary by nature) are never read here, so views keep control of
    how uploads are read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        where = "path" if "\x00" in request.path else _nul_in_json(request)
        if where is None:
            return self.get_response(request)
        reason = "contains a NUL character (0x00), which no field accepts"
        if request.path.startswith("/api/"):
            problem = {"file": "request", "row": None, "column": where, "value": None}
            return JsonResponse(
                {
                    "message": f"{where}: {reason}",
                    "extra": {"problems": [{**problem, "reason": reason}]},
                },
                status=400,
            )
        return HttpResponseBadRequest(f"{where}: {reason}\n", content_type="text/plain")


def _nul_in_json(request: HttpRequest) -> str | None:
    if request.content_type != "application/json" or request.method in ("GET", "HEAD"):
        return None
    try:
        document = json.loads(request.body)
    except ValueError:  # not JSON: the endpoint's own validation says so
        return None
    return _nul_in(document, "body")


def _nul_in(value: Any, where: str) -> str | None:
    if isinstance(value, str):
        return where if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            place = f"{where}.{str(key).replace(chr(0), '?')}"
            if "\x00" in str(key):
                return place
            found = _nul_in(item, place)
            if found:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _nul_in(item, f"{where}.{index}")
            if found:
                return found
    return None
