"""Activity data of an inventory, stored where the engine reads it (the app database).

An upload is one validated file; its rows are stored together, in one
transaction, or not at all. The row columns are the validated activity
table of `neutra.core.activities.CANONICAL_COLUMNS` (`source`/`row` locate a
row in its file; `row_id` is the user's `id`); columns the file had beyond
those are kept in `extra`. The engine runs on this table directly (an Ibis
connection to the same database), so a calculation never copies it.

Rows of a locked inventory never change: the services refuse it, and the
inventory's own lock is the guard (an upload needs a draft inventory).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from neutra.web.inventories.models import Inventory
from neutra.web.tenancy.models import Organisation


class ActivityUpload(models.Model):
    """One activity file accepted into an inventory."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="uploads")
    file_name = models.CharField(max_length=255)  # as the user named it; the label in errors
    sha256 = models.CharField(max_length=64)  # of the file's bytes, for provenance
    row_count = models.PositiveBigIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("uploaded_at", "id")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.row_count} rows)"


class ActivityRow(models.Model):
    """One validated activity row (CANONICAL_COLUMNS, typed as the core validated them)."""

    # Rows are written a million at a time by COPY, in the transaction that creates their
    # upload (activities.services.upload_store_work), and never changed. A foreign key
    # the database checks costs a trigger call per row, about a third of what writing
    # the row costs, for a parent made a moment before in the same transaction: the
    # keys stay relations (Django cascades deletes, as it does for every model here)
    # without the database's per-row check. The (inventory, source, row) index serves
    # look-ups by inventory; the upload's index its cascade.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    inventory = models.ForeignKey(
        Inventory, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    upload = models.ForeignKey(
        ActivityUpload, on_delete=models.CASCADE, related_name="rows", db_constraint=False
    )
    source = models.CharField(max_length=255)  # the file label (`_source`)
    row = models.PositiveBigIntegerField()  # spreadsheet-style row number, header = 1 (`_row`)
    row_id = models.CharField(max_length=255)  # the user's `id` (default: the row number)
    entity = models.CharField(max_length=200, null=True, blank=True)
    year = models.IntegerField()
    activity = models.CharField(max_length=255, null=True, blank=True)
    factor = models.CharField(max_length=255, null=True, blank=True)
    quantity = models.FloatField()  # may be negative (a correction)
    unit = models.CharField(max_length=64)
    region = models.CharField(max_length=16, null=True, blank=True)
    scope = models.SmallIntegerField(null=True, blank=True)
    category = models.SmallIntegerField(null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)  # pass-through columns, as text

    class Meta:
        indexes = (models.Index(fields=("inventory", "source", "row")),)

    def __str__(self) -> str:
        return f"{self.source} row {self.row}"
