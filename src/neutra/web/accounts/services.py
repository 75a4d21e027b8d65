"""Writes of the accounts app: log-in throttling and audit, API tokens.

Throttling counts failed log-ins per username and per client address in
Django's cache, in fixed windows that start at the first failure. It must
never count or store a password, and never store an API token's secret: only
its SHA-256 is kept, and the secret is returned once, by `api_token_create`.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from neutra.core.errors import NeutraError
from neutra.web.accounts.models import PREFIX_LENGTH, ApiToken, Scope
from neutra.web.errors import NotAllowedError, NotAuthenticatedError, invalid
from neutra.web.tenancy.models import AuditEntry

__all__ = [
    "LoginThrottledError",
    "api_token_authenticate",
    "api_token_create",
    "api_token_revoke",
    "login_failure_record",
    "login_success_record",
    "login_throttle_check",
    "password_changed_record",
    "username_key",
]

logger = logging.getLogger(__name__)

MAX_TOKEN_LIFETIME = timedelta(days=365)
# last_used_at is for people reading the admin, not for security: writing it
# on every request would turn each API read into a database write.
_LAST_USED_RESOLUTION = timedelta(minutes=1)


class LoginThrottledError(NeutraError, PermissionError):
    """Too many failed log-ins for a username or from an address (HTTP 429)."""


# --- log-in throttling -------------------------------------------------------


def username_key(username: str) -> str:
    """The one form of a user name that log-in throttling counts by.

    NFKC first, as Django's log-in form normalises the name it authenticates
    (`UsernameField`): fullwidth `ｃａ４@example.com` is the account
    `ca4@example.com`, and must use up the same failures. Then case-folded
    and stripped, so `CA4@Example.com ` counts there too.
    """
    return unicodedata.normalize("NFKC", username).strip().casefold()


def _keys(kind: str, value: str) -> tuple[str, str]:
    # Hashed: usernames are user input, and cache backends limit key characters.
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"neutra:login-failures:{kind}:{digest}", f"neutra:login-window:{kind}:{digest}"


def _subjects(username: str, address: str) -> list[tuple[str, str, int]]:
    return [
        ("username", username_key(username), settings.NEUTRA_LOGIN_FAILURES_PER_USERNAME),
        ("address", address, settings.NEUTRA_LOGIN_FAILURES_PER_ADDRESS),
    ]


def login_throttle_check(*, username: str, address: str, now: datetime | None = None) -> None:
    """Raise `LoginThrottledError` if `username` or `address` used up its failures."""
    now = now or timezone.now()
    for kind, value, limit in _subjects(username, address):
        count_key, window_key = _keys(kind, value)
        if (cache.get(count_key) or 0) >= limit:
            ends = cache.get(window_key) or now + timedelta(
                seconds=settings.NEUTRA_LOGIN_WINDOW_SECONDS
            )
            minutes = max(1, -(-int((ends - now).total_seconds()) // 60))
            logger.warning("log-in refused: too many failures for this %s (%s)", kind, address)
            raise LoginThrottledError(
                "Too many failed log-in attempts for this account or from this address. "
                f"Try again in {minutes} minute{'s' if minutes != 1 else ''}.",
                retry_after_seconds=max(1, int((ends - now).total_seconds())),
            )


def login_failure_record(
    *, username: str, address: str, now: datetime | None = None, action: str = "user.login_failed"
) -> None:
    """Count one failed log-in against `username` and `address`, and audit it as `action`.

    Password changes with a wrong current password and password-reset
    requests count here too (`action` says which): guessing or flooding
    through them uses up the same allowance as guessing at the log-in.
    """
    now = now or timezone.now()
    window = settings.NEUTRA_LOGIN_WINDOW_SECONDS
    for kind, value, _limit in _subjects(username, address):
        count_key, window_key = _keys(kind, value)
        # add() only sets a missing key, so the window starts at the first failure.
        cache.add(window_key, now + timedelta(seconds=window), window)
        cache.add(count_key, 0, window)
        try:
            cache.incr(count_key)
        except ValueError:  # the window ended between add() and incr()
            cache.set(count_key, 1, window)
    _audit_login(action, actor=None, username=username, address=address, at=now)


def login_success_record(*, user: User, address: str, now: datetime | None = None) -> None:
    """Audit a successful log-in and forget its username's failures (not its address's)."""
    now = now or timezone.now()
    username = user.get_username()
    cache.delete_many(_keys("username", username_key(username)))
    _audit_login("user.login", actor=user, username=username, address=address, at=now)


def password_changed_record(*, user: User, address: str, how: str) -> None:
    """Audit a new password (`how`: "change" or "reset") and forget the name's failures."""
    username = user.get_username()
    cache.delete_many(_keys("username", username_key(username)))
    _audit_login(
        f"user.password_{how}", actor=user, username=username, address=address, at=timezone.now()
    )


def _audit_login(
    action: str, *, actor: Any, username: str, address: str, at: datetime
) -> AuditEntry:
    logger.info("%s username=%r address=%s", action, username[:150], address)
    return AuditEntry.objects.create(
        at=at,
        actor=actor,
        action=action,
        object_type="auth.user",
        object_id="" if actor is None else str(actor.pk),
        object_repr=username[:200],
        detail={"address": address},
    )


# --- API tokens --------------------------------------------------------------


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _scopes(scopes: Iterable[str]) -> list[str]:
    wanted = list(scopes) if not isinstance(scopes, str) else [scopes]
    known = set(Scope.values)
    unknown = [s for s in wanted if s not in known]
    if unknown or not wanted:
        raise invalid(
            "api token", "scopes", ",".join(map(str, wanted)), f"choose from {sorted(known)}"
        )
    return sorted({str(s) for s in wanted})


def api_token_create(
    *,
    user: User,
    name: str,
    scopes: Iterable[str],
    expires_at: datetime,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `user` and its secret, which is never shown again."""
    now = now or timezone.now()
    label = name.strip() if isinstance(name, str) else ""
    if not label or len(label) > 100:
        raise invalid("api token", "name", name, "a name of 1 to 100 characters is required")
    chosen = _scopes(scopes)
    if not isinstance(expires_at, datetime) or timezone.is_naive(expires_at):
        raise invalid("api token", "expires_at", expires_at, "a date and time with a time zone")
    if expires_at <= now:
        raise invalid("api token", "expires_at", expires_at, "must be in the future")
    if expires_at > now + MAX_TOKEN_LIFETIME:
        raise invalid("api token", "expires_at", expires_at, "must be at most one year ahead")
    if not (user.is_authenticated and user.is_active):
        raise NotAllowedError("only an active user can have API tokens")
    secret = secrets.token_urlsafe(32)  # 256 random bits
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=label,
            prefix=secret[:PREFIX_LENGTH],
            token_hash=_hash(secret),
            scopes=chosen,
            created_at=now,
            expires_at=expires_at,
        )
        AuditEntry.objects.create(
            actor=user,
            action="api_token.create",
            object_type=ApiToken._meta.label_lower,
            object_id=str(token.pk),
            object_repr=str(token)[:200],
            detail={"scopes": chosen, "expires_at": expires_at.isoformat()},
        )
    return token, secret


def api_token_revoke(*, token: ApiToken, by: User | None, now: datetime | None = None) -> ApiToken:
    """Revoke `token` from `now` on; its owner or a user who may change tokens may."""
    now = now or timezone.now()
    if by is None or not (
        by.pk == token.user_id or by.is_superuser or by.has_perm("accounts.change_apitoken")
    ):
        raise NotAllowedError("only the token's owner or an administrator can revoke it")
    with transaction.atomic():
        # A conditional update: of two revocations at once, the first one's time stays.
        changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by
        )
        if changed:
            AuditEntry.objects.create(
                actor=by,
                action="api_token.revoke",
                object_type=ApiToken._meta.label_lower,
                object_id=str(token.pk),
                object_repr=str(token)[:200],
                detail={},
            )
    token.refresh_from_db()
    return token


def api_token_authenticate(*, secret: str, now: datetime | None = None) -> ApiToken:
    """The live token whose secret is `secret`; `NotAuthenticatedError` otherwise.

    The prefix narrows the search through an index; the hashes are then
    compared in constant time, so response times tell nothing about the hash.
    """
    now = now or timezone.now()
    wanted = _hash(secret)
    found = None
    candidates = ApiToken.objects.filter(prefix=secret[:PREFIX_LENGTH]).select_related("user")
    for candidate in candidates:
        if hmac.compare_digest(candidate.token_hash, wanted):
            found = candidate
    if found is None:
        raise NotAuthenticatedError("not a valid API token")
    if found.revoked_at is not None:
        raise NotAuthenticatedError("this API token has been revoked", token=found.prefix)
    if found.expires_at <= now:
        raise NotAuthenticatedError("this API token has expired", token=found.prefix)
    if not found.user.is_active:
        raise NotAuthenticatedError("this API token's user is deactivated", token=found.prefix)
    if found.last_used_at is None or now - found.last_used_at >= _LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
    return found
