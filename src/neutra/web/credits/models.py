"""Credits tables: projects, registries and accounts, serial blocks, transactions, the journal.

A block is never edited: a partial move closes it (`closed_by`) and its
children (`parent`) partition it, as `neutra.core.credits` computes. Writes go
through `services` only. The database is the last guard: quantities agree
with serials, and on PostgreSQL an exclusion constraint (migration 0002)
forbids two open (held or cancelled, not yet split) blocks of one serial
space to overlap. The journal is append-only and hash-chained.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from neutra.core.credits import Action as CoreAction
from neutra.core.credits import BlockState as CoreState
from neutra.core.credits import Policy as CorePolicy
from neutra.core.credits import UnitType as CoreUnitType
from neutra.web.tenancy.models import AppendOnlyError, Consultancy, Organisation


def _choices(enum: Any) -> list[tuple[str, str]]:
    return [(member.value, member.value) for member in enum]


class ReductionOrRemoval(models.TextChoices):
    REDUCTION = "reduction", "Reduction"
    REMOVAL = "removal", "Removal"


class Authorisation(models.TextChoices):
    """Paris-era status of a project's units (Article 6); pre-2021 units: not applicable."""

    NOT_APPLICABLE = "not_applicable", "Not applicable"
    PENDING = "pending", "Pending"
    AUTHORISED = "authorised", "Authorised"
    NOT_AUTHORISED = "not_authorised", "Not authorised"


class Adjustment(models.TextChoices):
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    PENDING = "pending", "Pending"
    APPLIED = "applied", "Corresponding adjustment applied"
    NOT_APPLIED = "not_applied", "Not applied"


class RegistryKind(models.TextChoices):
    CDM = "cdm", "UN CDM registry"
    NATIONAL = "national", "National registry"
    A64 = "a6.4", "Article 6.4 mechanism registry"
    PROGRAMME = "programme", "Programme registry (Gold Standard, Verra, ...)"


class AccountKind(models.TextChoices):
    HOLDING = "holding", "Holding account"
    CLIENT = "client", "Client sub-account"
    CANCELLATION = "cancellation", "Voluntary cancellation account"


class CreditProject(models.Model):
    """A credit project or programme of activities, as its programme registers it."""

    consultancy = models.ForeignKey(Consultancy, on_delete=models.PROTECT, related_name="+")
    programme = models.CharField(max_length=16)  # CDM, JI, A6.4, GS, VCS, ...
    project_id = models.CharField(max_length=64)  # the programme's project or PoA number
    title = models.CharField(max_length=300)
    host_party = models.CharField(max_length=2)  # ISO 3166 alpha-2
    project_type = models.CharField(max_length=100, blank=True)  # e.g. "wind", "cookstoves"
    methodology = models.CharField(max_length=100, blank=True)  # e.g. "ACM0002"
    reduction_or_removal = models.CharField(
        max_length=16, choices=ReductionOrRemoval.choices, default=ReductionOrRemoval.REDUCTION
    )
    authorisation = models.CharField(
        max_length=16, choices=Authorisation.choices, default=Authorisation.NOT_APPLICABLE
    )
    corresponding_adjustment = models.CharField(
        max_length=16, choices=Adjustment.choices, default=Adjustment.NOT_APPLICABLE
    )

    class Meta:
        ordering: ClassVar = ["programme", "project_id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["consultancy", "programme", "project_id"], name="credit_project_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme} {self.project_id} {self.title}"


class Registry(models.Model):
    """A registry the consultancy holds accounts in: CDM, a national registry, GS, Verra, A6.4."""

    consultancy = models.ForeignKey(Consultancy, on_delete=models.PROTECT, related_name="+")
    code = models.CharField(max_length=16)  # CDM, A6.4, GS, VERRA, or a party's ISO code
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=RegistryKind.choices)

    class Meta:
        verbose_name_plural = "registries"
        ordering: ClassVar = ["code"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["consultancy", "code"], name="registry_code_unique")
        ]

    def __str__(self) -> str:
        return self.code


class RegistryAccount(models.Model):
    """An account in a registry: the consultancy's holding account, a client's, or cancellation."""

    registry = models.ForeignKey(Registry, on_delete=models.PROTECT, related_name="accounts")
    number = models.CharField(max_length=64)  # the registry's account identifier
    label = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=16, choices=AccountKind.choices, default=AccountKind.HOLDING)
    # A client sub-account belongs to one client; the others to the consultancy.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["registry__code", "number"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["registry", "number"], name="account_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.registry.code} {self.number}"


class CreditTransaction(models.Model):
    """One transaction of the ledger: a row of the ledger file (DESIGN.md §5.1)."""

    consultancy = models.ForeignKey(Consultancy, on_delete=models.PROTECT, related_name="+")
    txn_id = models.CharField(max_length=64)
    action = models.CharField(max_length=16, choices=_choices(CoreAction))
    date = models.DateField()
    # Whose units the transaction acted on (None: the consultancy's stock), and to whom
    # stock was allocated.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    policy = models.CharField(max_length=16, choices=_choices(CorePolicy), blank=True)
    quantity = models.BigIntegerField()  # units acted on
    counterparty = models.CharField(max_length=200, blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    reference = models.CharField(max_length=200, blank=True)
    beneficiary = models.CharField(max_length=200, blank=True)
    purpose = models.CharField(max_length=300, blank=True)
    for_period = models.CharField(max_length=21, blank=True)
    attestation_name = models.CharField(max_length=200, blank=True)
    attestation_sha256 = models.CharField(max_length=64, blank=True)
    attestation = models.BinaryField(null=True, blank=True)  # the registry's document
    row = models.JSONField(default=dict)  # the ledger file row, for export
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["consultancy", "txn_id"], name="credit_txn_id_unique")
        ]

    def __str__(self) -> str:
        return f"{self.txn_id} {self.action} {self.date}"


class CreditBlock(models.Model):
    """A serial block of units. Never edited: closed when split, its children partition it."""

    consultancy = models.ForeignKey(Consultancy, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(  # whose units; None: the consultancy's stock
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey(CreditProject, on_delete=models.PROTECT, related_name="blocks")
    account = models.ForeignKey(RegistryAccount, on_delete=models.PROTECT, related_name="blocks")
    state = models.CharField(max_length=16, choices=_choices(CoreState))
    programme = models.CharField(max_length=16)
    unit_type = models.CharField(max_length=8, choices=_choices(CoreUnitType))
    host_party = models.CharField(max_length=2)
    project_code = models.CharField(max_length=64)  # the programme's project number
    vintage = models.CharField(max_length=21)
    space_key = models.CharField(max_length=120)  # the serial space, for the exclusion constraint
    serial_start = models.BigIntegerField()
    serial_end = models.BigIntegerField()
    quantity = models.BigIntegerField()
    date = models.DateField()
    beneficiary = models.CharField(max_length=200, blank=True)
    purpose = models.CharField(max_length=300, blank=True)
    for_period = models.CharField(max_length=21, blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    seller = models.CharField(max_length=200, blank=True)
    buyer = models.CharField(max_length=200, blank=True)
    reference = models.CharField(max_length=200, blank=True)
    original_cp = models.PositiveSmallIntegerField(null=True, blank=True)
    applicable_cp = models.PositiveSmallIntegerField(null=True, blank=True)
    lulucf_activity = models.PositiveSmallIntegerField(null=True, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    made_by = models.ForeignKey(CreditTransaction, on_delete=models.PROTECT, related_name="blocks")
    closed_by = models.ForeignKey(  # set once, when the block is split: then it is history
        CreditTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="closed"
    )

    class Meta:
        ordering: ClassVar = ["space_key", "serial_start", "id"]
        indexes: ClassVar = [
            models.Index(fields=["consultancy", "space_key", "serial_start"]),
            models.Index(fields=["organisation", "state"]),
        ]
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(serial_end__gte=F("serial_start")) & Q(serial_start__gte=0),
                name="credit_block_serials_ordered",
            ),
            models.CheckConstraint(
                condition=Q(quantity=F("serial_end") - F("serial_start") + 1),
                name="credit_block_quantity_is_its_serials",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.space_key} {self.serial_start}-{self.serial_end} {self.state}"


class JournalEntryQuerySet(models.QuerySet["JournalEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("the credits journal is append-only: entries cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the credits journal is append-only: entries cannot be deleted")


class JournalEntry(models.Model):
    """One change of the ledger, chained to the one before by its hash."""

    consultancy = models.ForeignKey(Consultancy, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveBigIntegerField()  # 1, 2, 3 ... per consultancy
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=32)
    transaction = models.ForeignKey(
        CreditTransaction, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payload = models.JSONField(default=dict)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    objects = JournalEntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "journal entries"
        ordering: ClassVar = ["consultancy", "seq"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["consultancy", "seq"], name="journal_seq_unique")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or not self._state.adding:
            raise AppendOnlyError("the credits journal is append-only: entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("the credits journal is append-only: entries cannot be deleted")
