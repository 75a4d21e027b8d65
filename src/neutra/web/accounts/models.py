"""Personal API tokens: a user's bearer credentials for the REST API.

Only the SHA-256 of a token's secret is stored; the secret is shown once, when
the token is made, and can never be read back. Models hold no rules: tokens
are made, checked and revoked by `neutra.web.accounts.services`.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

PREFIX_LENGTH = 8  # characters of the secret kept in clear, to recognise a token


class Scope(models.TextChoices):
    """What a token may do, on top of what its user's roles allow."""

    READ = "read", "Read"
    WRITE = "write", "Write"


class ApiToken(models.Model):
    """A bearer token of one user, with scopes, until `expires_at` unless revoked."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)  # the owner's label, e.g. "ERP export"
    prefix = models.CharField(max_length=PREFIX_LENGTH, db_index=True)  # the secret's start
    token_hash = models.CharField(max_length=64, unique=True)  # SHA-256 hex of the secret
    scopes = models.JSONField(default=list)  # a list of `Scope` values
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()  # required: no token lives for ever
    last_used_at = models.DateTimeField(null=True, blank=True)  # to the minute
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "API token"
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")),
                name="api_token_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}...)"
