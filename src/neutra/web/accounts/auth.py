"""API authentication by personal token, and the scope check of write endpoints.

`ApiTokenAuth` goes before session authentication in the API's `auth` list:
a bearer request carries no session cookie, so it needs no CSRF token, and a
request without an Authorization header falls through to the session. It must
never accept a revoked or expired token, nor one of a deactivated user.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from neutra.web.accounts.models import ApiToken, Scope
from neutra.web.accounts.services import api_token_authenticate
from neutra.web.errors import NotAllowedError

__all__ = ["ApiTokenAuth", "require_scope"]


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer <secret>`; 401 `{"message", "extra"}` for a bad token."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = api_token_authenticate(secret=token)
        # Endpoints and selectors read request.user, exactly as for a session;
        # ninja keeps the token as request.auth (its scopes: `require_scope`).
        request.user = found.user
        return found


def require_scope(request: HttpRequest, scope: Scope | str) -> None:
    """Raise `NotAllowedError` (403) if the request's API token lacks `scope`.

    A session has every scope: what it may do is decided by the user's roles.
    Write endpoints call this with "write" before their service.
    """
    token = getattr(request, "auth", None)  # set by ninja: the ApiToken, or a session's user
    if isinstance(token, ApiToken) and str(scope) not in token.scopes:
        raise NotAllowedError(
            f"this API token does not have the {str(scope)!r} scope", scope=str(scope)
        )
