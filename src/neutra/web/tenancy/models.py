"""Tenancy tables: who serves whom, who belongs where, and who changed what.

Every row that belongs to a client carries its `Organisation`. Models hold no
business rules: writes go through `services`, reads for views through
`selectors`. Database constraints are the last guard behind the services.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from neutra.core.boundary import Control as CoreControl
from neutra.core.boundary import EntityLink
from neutra.core.errors import NeutraError
from neutra.core.workflow import Role as CoreRole


class Role(models.TextChoices):
    """What a user may do. The first two are consultancy staff roles."""

    CONSULTANCY_ADMIN = "consultancy_admin", "Consultancy admin"
    CONSULTANT = "consultant", "Consultant"
    CLIENT_ADMIN = "client_admin", "Client admin"
    CONTRIBUTOR = "contributor", "Contributor"
    VIEWER = "viewer", "Viewer"
    AUDITOR = "auditor", "Auditor (read-only, until a date)"


STAFF_ROLES = (Role.CONSULTANCY_ADMIN, Role.CONSULTANT)

assert set(Role.values) == {r.value for r in CoreRole}, "Role must follow neutra.core.workflow"


class Control(models.TextChoices):
    """A parent's control over an entity; the same values as `neutra.core.boundary.Control`."""

    FULL = CoreControl.FULL.value, "Full"
    JOINT = CoreControl.JOINT.value, "Joint"
    NONE = CoreControl.NONE.value, "None"


class Consultancy(models.Model):
    """A climate consultancy: it serves client organisations."""

    name = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "consultancies"
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    """A client organisation (the reporter), served by one consultancy."""

    consultancy = models.ForeignKey(
        Consultancy, on_delete=models.PROTECT, related_name="organisations"
    )
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. GB")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["name", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["consultancy", "name"], name="organisation_name_unique_in_consultancy"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ConsultancyMembership(models.Model):
    """A member of a consultancy's staff: sees every organisation it serves."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consultancy_memberships"
    )
    consultancy = models.ForeignKey(Consultancy, on_delete=models.CASCADE, related_name="staff")
    role = models.CharField(max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user", "consultancy"], name="one_staff_membership_per_consultancy"
            ),
            models.CheckConstraint(
                condition=Q(role__in=[str(r) for r in STAFF_ROLES]),
                name="staff_membership_role_is_a_staff_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} at {self.consultancy}"


class Membership(models.Model):
    """A user's role in one client organisation, possibly until `expires_at`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=32, choices=Role.choices)
    # The membership gives no access from this moment on; required for auditors.
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="one_membership_per_organisation"
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.AUDITOR) | Q(expires_at__isnull=False),
                name="auditor_membership_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} of {self.organisation}"


class InvitationState(models.TextChoices):
    """Where an invitation stands. Only a pending one can be answered or withdrawn."""

    PENDING = "pending", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Invitation(models.Model):
    """A role in an organisation offered to an e-mail address: nothing is granted until the
    owner of that address logs in and accepts it.

    It names an address, never an account: whether one exists is not the
    inviter's to learn (the mail and the answer are the same either way).
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.CharField(max_length=254)  # NFKC-normalised, lower case: a user name
    role = models.CharField(max_length=32, choices=Role.choices)
    # The membership's end, once accepted (required for auditors).
    expires_at = models.DateTimeField(null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField()  # the link and the offer end here
    token_sha256 = models.CharField(max_length=64)  # of the mail's link secret; never the secret
    state = models.CharField(
        max_length=16, choices=InvitationState.choices, default=InvitationState.PENDING
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organisation", "email"],
                condition=Q(state="pending"),
                name="one_pending_invitation_per_address",
            ),
            models.CheckConstraint(
                condition=~Q(role=Role.AUDITOR) | Q(expires_at__isnull=False),
                name="auditor_invitation_expires",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} invited as {self.get_role_display()} of {self.organisation}"


class Entity(models.Model):
    """A company, site or joint venture in an organisation's boundary tree.

    The link fields say what the parent holds in this entity; a root (no
    parent) is the organisation itself and holds all of itself.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="entities"
    )
    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    equity_share = models.FloatField(default=1.0)  # the parent's holding, a fraction 0-1
    financial_control = models.CharField(max_length=8, choices=Control.choices)
    operational_control = models.CharField(max_length=8, choices=Control.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "entities"
        ordering: ClassVar = ["organisation", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="entity_name_unique_in_organisation"
            ),
            models.CheckConstraint(
                condition=Q(equity_share__gte=0.0) & Q(equity_share__lte=1.0),
                name="entity_equity_share_is_a_fraction",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def as_link(self) -> EntityLink:
        """This entity as the core's link (reads `parent`: select_related it)."""
        return EntityLink(
            entity=self.name,
            parent=None if self.parent is None else self.parent.name,
            equity_share=self.equity_share,
            financial_control=CoreControl(self.financial_control),
            operational_control=CoreControl(self.operational_control),
        )


class AppendOnlyError(NeutraError, RuntimeError):
    """Raised on any attempt to change or delete an audit entry."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    # Bulk paths skip Model.save/delete, so they refuse here too.
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit entries are append-only: they cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries are append-only: they cannot be deleted")


class AuditEntry(models.Model):
    """Who did what, when, to which object, in which organisation. Append-only."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # PROTECT: a user who acted stays in the database (deactivate, do not delete).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="empty for actions of the system itself (set-up commands)",
    )
    action = models.CharField(max_length=64)  # e.g. "organisation.create"
    object_type = models.CharField(max_length=64)  # app_label.model
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    consultancy = models.ForeignKey(
        Consultancy, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.JSONField(default=dict, blank=True)  # the values written

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "audit entries"
        ordering: ClassVar = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor or 'system'} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError("audit entries are append-only: they cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit entries are append-only: they cannot be deleted")
