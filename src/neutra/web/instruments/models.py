"""Contractual instruments of an inventory, stored as the rows of an instrument file.

An instrument is kept as its row of the instrument file of DESIGN.md §3.4
(`cells`: column -> the text as given), so the inventory's instruments can be
handed to the engine, and to `neutra footprint --instruments`, exactly as
they were recorded: `neutra.formats.instrument_file` reads them by the same
rules as a file. A quality column missing from `cells` was not given (the
criterion is not judged); present but empty, it was given empty.

Instruments belong to one inventory (one client, one year, one version) and
change only while it is a draft (the services refuse otherwise); a
restatement starts with a copy of them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from neutra.web.inventories.models import Inventory
from neutra.web.tenancy.models import Organisation


class ContractualInstrument(models.Model):
    """One energy attribute certificate, contract or supplier rate of an inventory."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="instruments")
    instrument_id = models.CharField(
        max_length=255
    )  # the row's instrument_id, unique per inventory
    cells = models.JSONField()  # §3.4 column -> cell text, as given
    source = models.CharField(max_length=255)  # the file it came from, or "form" / "API"
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("id",)
        constraints = (
            models.UniqueConstraint(
                fields=("inventory", "instrument_id"), name="instrument_id_unique_per_inventory"
            ),
        )

    def __str__(self) -> str:
        return f"instrument {self.instrument_id}"
