"""Tables of neutrality claims: claims, the serials each issued claim counts, and signing keys.

Every claim row carries its organisation; serials counted by a claim are
copied from the credits ledger's cancelled blocks (which never change), so a
claim's public page shows exactly what it was issued with. Signing keys
belong to the consultancy: the public key is published, the private key is
kept encrypted (PKCS #8 with a key derived from SECRET_KEY) and never leaves
the server. Models hold no rules: core.claims decides, services write.
"""

from __future__ import annotations

from enum import StrEnum

from django.conf import settings
from django.db import models
from django.utils import timezone

from neutra.core.claims import ClaimState, Scope2Basis, Standard, Verification
from neutra.web.tenancy.models import Consultancy, Organisation


def _choices(kind: type[StrEnum]) -> list[tuple[str, str]]:
    return [(member.value, member.value) for member in kind]


class SigningKey(models.Model):
    """One of a consultancy's claim-signing key pairs; the newest unretired one signs."""

    consultancy = models.ForeignKey(Consultancy, on_delete=models.PROTECT, related_name="+")
    key_id = models.CharField(max_length=16, unique=True)  # SHA-256 of the public key, 16 hex
    public_pem = models.TextField()  # published on the public keys page
    private_pem_encrypted = models.BinaryField()  # PKCS #8, encrypted; never served
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)  # rotated out: verifies, never signs
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"signing key {self.key_id}"


class Claim(models.Model):
    """A neutrality claim of one client for one period, through draft, evaluated, issued, withdrawn."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="claims")
    standard = models.CharField(max_length=16, choices=_choices(Standard))
    period = models.CharField(max_length=21)  # "2024" or "YYYY-MM-DD/YYYY-MM-DD"
    scope2 = models.CharField(max_length=8, choices=_choices(Scope2Basis))
    state = models.CharField(max_length=10, choices=_choices(ClaimState), default="draft")
    token = models.CharField(max_length=32, unique=True)  # the public page's unguessable name
    evaluation = models.JSONField(null=True, blank=True)  # neutra.claim/1 of the last evaluation
    calculation_id = models.BigIntegerField(null=True, blank=True)  # the footprint evaluated
    plan_name = models.CharField(max_length=200, blank=True)
    plan_sha256 = models.CharField(max_length=64, blank=True)
    verification = models.CharField(max_length=16, choices=_choices(Verification), blank=True)
    signatory = models.CharField(max_length=200, blank=True)
    pdf = models.BinaryField(null=True, blank=True)  # certificate and report, signed
    certificate_pdf = models.BinaryField(null=True, blank=True)  # the certificate page, signed
    signing_key = models.ForeignKey(
        SigningKey, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.organisation} {self.period} ({self.standard}, {self.state})"


class ClaimCredit(models.Model):
    """Serials an issued claim counts, copied from the ledger's cancelled block."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="credits")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    space_key = models.CharField(max_length=120)  # the serial space, as core names it
    programme = models.CharField(max_length=16)
    unit_type = models.CharField(max_length=8)
    host_party = models.CharField(max_length=2)
    project_id = models.CharField(max_length=64)
    vintage = models.CharField(max_length=21)
    serial_start = models.BigIntegerField()
    serial_end = models.BigIntegerField()
    quantity = models.BigIntegerField()
    cancelled_on = models.DateField()

    class Meta:
        ordering = ("programme", "space_key", "serial_start")
