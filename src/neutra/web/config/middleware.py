"""Project-wide middleware: response headers Django 5.2 does not set itself, and
the refusal of input no database may see.

It must never relax a policy per request: pages that need more belong in the
one policy of settings.CONTENT_SECURITY_POLICY, where a reviewer sees them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

from neutra.web.config.json_input import UnreadableBodyError, read_json

# The headers a reverse proxy writes about the client and the original request.
PROXY_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)


class UntrustedProxyHeadersMiddleware:
    """Drop the proxy headers of a request that did not come from a trusted proxy.

    `neutra serve` passes X-Forwarded-* through (waitress would otherwise drop
    them, and trusts at most one proxy address): which peer may set them is
    decided here, by settings.NEUTRA_TRUSTED_PROXIES, before anything reads
    them. So X-Forwarded-Proto (HTTPS behind NEUTRA_BEHIND_TLS_PROXY: HSTS,
    the HTTPS redirect, CSRF's origin check) and X-Forwarded-For (log-in
    throttling) count only from our own proxies; a client that connects
    directly and writes them is not believed. First in the chain.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self._from_a_proxy(request.META.get("REMOTE_ADDR", "")):
            for header in PROXY_HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)

    def _from_a_proxy(self, remote_addr: str) -> bool:
        try:
            peer = ipaddress.ip_address(remote_addr.strip())
        except ValueError:
            return False
        proxies = settings.NEUTRA_TRUSTED_PROXIES
        return any(peer.version == net.version and peer in net for net in proxies)


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
