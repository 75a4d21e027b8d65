"""Results of calculating an inventory: the footprint document and its lines.

A calculation is immutable once written; a new calculation of the same
inventory supersedes it (the newest is the current one). The summary is the
`neutra.footprint/1` document of DESIGN.md §3.6 without its lines and with
the flags' counts, so a dashboard reads one row. Lines are one per activity
row, as the engine wrote them, for drill-down.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from neutra.web.inventories.models import Inventory
from neutra.web.tenancy.models import Organisation

# The engine's line columns (core.engine.lines, in its order) an EmissionLine stores
# as they are; the engine's "<GAS>_t" columns go to gases_t.
LINE_COLUMNS = (
    "file",
    "row",
    "id",
    "entity",
    "year",
    "scope",
    "category",
    "activity",
    "quantity",
    "unit",
    "region",
    "factor",
    "factor_source",
    "gwp_set",
    "flags",
    "inclusion_share",
    "emissions_t_co2e",
    "emissions_market_t_co2e",
    "market_detail",
    "biogenic_co2_t",
)
# The EmissionLine fields that hold them, in the same order (the engine's "id" is row_id).
LINE_FIELDS = tuple("row_id" if c == "id" else c for c in LINE_COLUMNS)


class Calculation(models.Model):
    """One run of the engine over an inventory's activity rows."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    inventory = models.ForeignKey(Inventory, on_delete=models.CASCADE, related_name="calculations")
    summary = models.JSONField()  # neutra.footprint/1 without lines; flags as counts + first ones
    output_hash = models.CharField(max_length=64)  # provenance hash of the summary
    row_count = models.PositiveBigIntegerField()  # activity rows calculated
    calculated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    calculated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-calculated_at", "-id")
        get_latest_by = ("calculated_at", "id")

    def __str__(self) -> str:
        return f"calculation {self.pk} of {self.inventory}"


class EmissionLine(models.Model):
    """One activity row's result: factor, source, GWP set, flags, gas masses and CO2e (tonnes)."""

    # Lines are written a million at a time by one INSERT ... SELECT, in the transaction
    # that creates their calculation (calculations.services._store), and never changed.
    # A foreign key the database checks costs a trigger call per line, about a third of
    # what writing the line costs, for a parent made a moment before in the same
    # transaction: the keys stay relations (Django cascades deletes, as it does for every
    # model here) without the database's per-row check. The composite indexes below,
    # which begin with the calculation, serve its look-ups and its cascade.
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    calculation = models.ForeignKey(
        Calculation,
        on_delete=models.CASCADE,
        related_name="lines",
        db_index=False,
        db_constraint=False,
    )
    file = models.CharField(max_length=255)
    row = models.PositiveBigIntegerField()
    row_id = models.CharField(max_length=255)
    entity = models.CharField(max_length=200, null=True, blank=True)
    year = models.IntegerField()
    scope = models.SmallIntegerField(null=True, blank=True)
    category = models.SmallIntegerField(null=True, blank=True)
    activity = models.CharField(max_length=255, null=True, blank=True)
    quantity = models.FloatField()
    unit = models.CharField(max_length=64)
    region = models.CharField(max_length=16, null=True, blank=True)
    factor = models.CharField(max_length=255, null=True, blank=True)  # "SET:FACTOR_ID"
    factor_source = models.TextField(null=True, blank=True)
    gwp_set = models.CharField(max_length=8)
    flags = models.CharField(max_length=500, null=True, blank=True)  # "a;b", sorted
    inclusion_share = models.FloatField()
    emissions_t_co2e = models.FloatField()  # location-based for scope 2
    emissions_market_t_co2e = models.FloatField()
    # Scope 2 rows that instruments could cover: how their consumption group's market-based
    # figure was made (the engine's JSON; core.engine.explain_market reads this line's part).
    market_detail = models.TextField(null=True, blank=True)
    biogenic_co2_t = models.FloatField()
    gases_t = models.JSONField(default=dict)  # gas -> tonnes of that gas

    class Meta:
        indexes = (
            models.Index(fields=("calculation", "scope", "category")),
            models.Index(fields=("calculation", "entity")),
            models.Index(fields=("calculation", "file", "row")),
        )

    def __str__(self) -> str:
        return f"{self.file} row {self.row}"
