"""The request of a signed-in user, as a type for views and API endpoints.

Django's `HttpRequest.user` is a user or `AnonymousUser`. A view behind
`login_required`, an API endpoint behind the API's authentication (a session or
`accounts.auth.ApiTokenAuth`) and a page of the admin site only ever run for a
signed-in user: they take an `AuthenticatedRequest`, so that `request.user` is a
`User` to the type checker. It is a type only: Django builds the request, and
nothing here checks it at run time.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest

__all__ = ["AuthenticatedRequest"]


class AuthenticatedRequest(HttpRequest):
    """A request whose user is signed in (django-stubs' documented way to say so)."""

    user: User
