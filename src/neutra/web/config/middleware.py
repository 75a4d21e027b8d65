"""Project-wide middleware: response headers Django 5.2 does not set itself, and
the refusal of input no database may see.

It must never relax a policy per request: pages that need more belong in the
one policy of settings.CONTENT_SECURITY_POLICY, where a reviewer sees them.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from neutra.web.config.json_input import UnreadableBodyError, read_json


class ContentSecurityPolicyMiddleware:
    """Add settings.CONTENT_SECURITY_POLICY to every response that has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy: str = settings.CONTENT_SECURITY_POLICY

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class RejectUnreadableInputMiddleware:
    """Answer 400 for a NUL character (0x00) in the path, or a JSON body no endpoint should read.

    A JSON body is read once by `json_input.read_json`, which refuses NUL
    characters and lone surrogates (PostgreSQL cannot store them: a 500
    there), nesting that would exhaust recursion, numbers JSON does not have
    and bytes that are not UTF-8, naming where. Under /api/ the answer is the
    API's `{"message", "extra"}` shape, elsewhere a plain message. Form
    fields go through Django forms, which refuse NUL themselves, and query
    parameters through each endpoint's own validation; multipart bodies
    (uploaded files, binary by nature) are never read here, so views keep
    control of how uploads are read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused: UnreadableBodyError | None
        if "\x00" in request.path:
            refused = UnreadableBodyError(
                "path", "contains a NUL character (0x00), which no field accepts"
            )
        else:
            refused = _unreadable_json(request)
        if refused is None:
            return self.get_response(request)
        if request.path.startswith("/api/"):
            problem = {"file": "request", "row": None, "column": refused.where, "value": None}
            return JsonResponse(
                {
                    "message": f"{refused.where}: {refused.reason}",
                    "extra": {"problems": [{**problem, "reason": refused.reason}]},
                },
                status=400,
            )
        return HttpResponseBadRequest(
            f"{refused.where}: {refused.reason}\n", content_type="text/plain"
        )


def _unreadable_json(request: HttpRequest) -> UnreadableBodyError | None:
    if request.content_type != "application/json" or request.method in ("GET", "HEAD"):
        return None
    if not request.body:
        return None
    try:
        read_json(request.body)
    except UnreadableBodyError as error:
        return error
    return None
