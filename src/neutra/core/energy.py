"""Energy consumption from a footprint's activity lines (ESRS E1-5, UK SECR).

The footprint counts emissions; disclosures also ask how much energy the
organisation used, and from which sources. This module turns the activity
quantities of scope 1 and 2 (the organisation's own operations), already
multiplied by their inclusion share, into kWh by energy carrier:

- quantities in an energy unit (kWh, MWh, GJ, therm, ...) are energy as they
  stand (a UK gas bill's kWh are on a gross calorific value basis, as the
  taxonomy's `fuel.natural_gas` says);
- fuels by mass or volume are converted with the publisher's gross
  calorific value (and density, for volumes): reference data in
  `neutra/data/energy/fuel_properties.csv` (DESNZ 2024, "Fuel properties");
- everything else of scope 1 and 2 (refrigerants, an activity the data does
  not know, a fuel by volume without a published density) is listed with the
  reason, never dropped in silence.

Scope 3 lines are the value chain's energy, not the organisation's: not counted.
It must never guess a fuel, never round, and never read a file other than its
reference data.
"""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib.resources import files
from typing import Any

from neutra.core.errors import UnitError
from neutra.core.taxonomy import activity_of_factor
from neutra.core.units import conversion_factor, dimension_name

__all__ = [
    "FUEL_PROPERTIES_SOURCE",
    "ActivityAmount",
    "EnergyCarrier",
    "EnergyUse",
    "FuelProperties",
    "UnconvertedActivity",
    "energy_use",
    "fuel_properties",
]

FUEL_PROPERTIES_SOURCE = (
    "Department for Energy Security and Net Zero, GHG Conversion Factors 2024 "
    "(full set v1.1), Fuel properties; gross calorific values"
)
KWH_PER_GJ = 1e3 / 3.6  # 1 GJ = 277.77... kWh (1 kWh = 3.6 MJ)


class EnergyCarrier(StrEnum):
    """Where consumed energy comes from, in the breakdown ESRS E1 §37-38 asks for."""

    COAL = "coal"  # coal and coal products (fossil)
    OIL = "oil"  # crude oil and petroleum products (fossil): diesel, petrol, LPG, fuel oils
    NATURAL_GAS = "natural_gas"  # natural gas (fossil)
    BIOMASS = "biomass"  # renewable fuels: wood, biogas, biofuels
    FUEL_UNSPECIFIED = "fuel_unspecified"  # scope 1 energy whose fuel the data does not name
    ELECTRICITY = "electricity"  # purchased or acquired electricity
    HEAT = "heat"  # purchased or acquired heat, steam or cooling
    PURCHASED_UNSPECIFIED = "purchased_unspecified"  # scope 2 energy of a kind not named
    NONE = "none"  # not energy (refrigerants); only in the reference data

    @property
    def is_fossil_fuel(self) -> bool:
        return self in (EnergyCarrier.COAL, EnergyCarrier.OIL, EnergyCarrier.NATURAL_GAS)

    @property
    def is_purchased(self) -> bool:
        return self in (
            EnergyCarrier.ELECTRICITY,
            EnergyCarrier.HEAT,
            EnergyCarrier.PURCHASED_UNSPECIFIED,
        )


@dataclass(frozen=True, slots=True)
class FuelProperties:
    """An activity key's energy carrier and, for a fuel, its publisher's figures."""

    activity: str  # the taxonomy key, e.g. "fuel.diesel"
    carrier: EnergyCarrier
    fuel: str = ""  # the publisher's name of the fuel ("" for energy bought as such)
    gross_cv_gj_per_t: float | None = None  # gross calorific value, GJ per tonne
    net_cv_gj_per_t: float | None = None  # net calorific value, GJ per tonne (kept, not used)
    density_kg_per_m3: float | None = None  # None: not published, volumes cannot be converted


@cache
def fuel_properties() -> dict[str, FuelProperties]:
    """The reference data, by activity key."""
    text = (files("neutra.data") / "energy" / "fuel_properties.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(
        io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))
    )

    def number(cell: str) -> float | None:
        return float(cell) if cell else None

    return {
        row["activity"]: FuelProperties(
            activity=row["activity"],
            carrier=EnergyCarrier(row["carrier"]),
            fuel=row["fuel"],
            gross_cv_gj_per_t=number(row["gross_cv_gj_per_t"]),
            net_cv_gj_per_t=number(row["net_cv_gj_per_t"]),
            density_kg_per_m3=number(row["density_kg_per_m3"]),
        )
        for row in rows
    }


@dataclass(frozen=True, slots=True)
class ActivityAmount:
    """Activity of one kind in the boundary: the sum of its lines' quantity x inclusion share."""

    activity: str | None  # the rows' activity key (None: the rows named a factor)
    factor: str | None  # the factor used, "SET:FACTOR_ID"
    unit: str  # the rows' unit
    scope: int | None  # the lines' scope (after any override on the row)
    quantity: float  # in `unit`, inside the boundary
    rows: int = 1  # how many activity rows


@dataclass(frozen=True, slots=True)
class UnconvertedActivity:
    """Scope 1 or 2 activity that is not counted as energy, and why."""

    activity: str  # the activity key, or "" when the rows named a factor only
    factor: str  # the factor, "" when unknown
    unit: str
    scope: int
    quantity: float  # in `unit`, inside the boundary
    rows: int
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {
            "activity": self.activity,
            "factor": self.factor,
            "unit": self.unit,
            "scope": self.scope,
            "quantity": self.quantity,
            "rows": self.rows,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class EnergyUse:
    """Energy consumed in the organisation's own operations (scopes 1 and 2), in kWh, unrounded."""

    by_carrier_kwh: tuple[tuple[EnergyCarrier, float], ...]  # every carrier but NONE, in order
    not_converted: tuple[UnconvertedActivity, ...] = ()  # scope 1 and 2 activity not counted
    basis: str = FUEL_PROPERTIES_SOURCE  # how fuels were converted

    def kwh(self, *carriers: EnergyCarrier) -> float:
        """kWh from these carriers together."""
        wanted = set(carriers)
        return math.fsum(v for c, v in self.by_carrier_kwh if c in wanted)

    @property
    def total_kwh(self) -> float:
        return math.fsum(v for _, v in self.by_carrier_kwh)

    @property
    def fossil_fuel_kwh(self) -> float:
        return self.kwh(*(c for c in EnergyCarrier if c.is_fossil_fuel))

    @property
    def purchased_kwh(self) -> float:
        return self.kwh(*(c for c in EnergyCarrier if c.is_purchased))

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": "kWh",
            "total_kwh": self.total_kwh,
            "by_carrier_kwh": {c.value: v for c, v in self.by_carrier_kwh},
            "not_converted": [item.as_json() for item in self.not_converted],
            "basis": self.basis,
        }


@dataclass(frozen=True, slots=True)
class _Conversion:
    carrier: EnergyCarrier | None  # None: not converted (`reason` says why)
    kwh_per_unit: float = 0.0
    reason: str = ""


def energy_use(amounts: Iterable[ActivityAmount]) -> EnergyUse:
    """kWh by carrier of the scope 1 and 2 amounts, and the amounts that are not energy or cannot be converted."""
    totals: dict[EnergyCarrier, list[float]] = defaultdict(list)
    skipped: dict[tuple[str, str, str, int, str], list[float]] = defaultdict(lambda: [0.0, 0])
    conversions: dict[tuple[str | None, str | None, str, int], _Conversion] = {}
    for amount in amounts:
        if amount.scope not in (1, 2):
            continue  # scope 3: the value chain's energy, not the organisation's
        key = (amount.activity, amount.factor, amount.unit, amount.scope)
        if key not in conversions:
            conversions[key] = _convert(amount.activity, amount.factor, amount.unit, amount.scope)
        conversion = conversions[key]
        if conversion.carrier is None:
            where = (
                amount.activity or "",
                amount.factor or "",
                amount.unit,
                amount.scope,
                conversion.reason,
            )
            skipped[where][0] += amount.quantity
            skipped[where][1] += amount.rows
            continue
        totals[conversion.carrier].append(amount.quantity * conversion.kwh_per_unit)
    return EnergyUse(
        by_carrier_kwh=tuple(
            (c, math.fsum(totals.get(c, []))) for c in EnergyCarrier if c is not EnergyCarrier.NONE
        ),
        not_converted=tuple(
            UnconvertedActivity(activity, factor, unit, scope, quantity, int(rows), reason)
            for (activity, factor, unit, scope, reason), (quantity, rows) in sorted(skipped.items())
        ),
    )


def _activity_key(activity: str | None, factor: str | None) -> str | None:
    """The taxonomy key of the lines: the rows' own, else the one the factor is mapped to."""
    known = fuel_properties()
    if activity and activity in known:
        return activity
    if factor:
        mapped = activity_of_factor(factor.rpartition(":")[2])
        if mapped in known:
            return mapped
    return activity


def _convert(activity: str | None, factor: str | None, unit: str, scope: int) -> _Conversion:
    key = _activity_key(activity, factor)
    properties = fuel_properties().get(key or "")
    try:
        dimension = dimension_name(unit)
    except UnitError:
        return _Conversion(None, reason=f"unknown unit {unit!r}")
    named = key or factor or "the activity"
    if properties is not None and properties.carrier is EnergyCarrier.NONE:
        return _Conversion(None, reason=f"{named} is not energy")
    if dimension == "energy":
        carrier = (
            properties.carrier
            if properties is not None
            else EnergyCarrier.FUEL_UNSPECIFIED
            if scope == 1
            else EnergyCarrier.PURCHASED_UNSPECIFIED
        )
        return _Conversion(carrier, conversion_factor(unit, "kWh"))
    if properties is None or properties.gross_cv_gj_per_t is None:
        return _Conversion(
            None,
            reason=f"no calorific value for {named} in {dimension}: give the energy (kWh) "
            "or name a fuel of the activity taxonomy",
        )
    gj_per_kg = properties.gross_cv_gj_per_t / 1000
    if dimension == "mass":
        return _Conversion(
            properties.carrier, conversion_factor(unit, "kg") * gj_per_kg * KWH_PER_GJ
        )
    if dimension == "volume":
        if properties.density_kg_per_m3 is None:
            return _Conversion(
                None,
                reason=f"no published density for {properties.fuel}: give it by mass or energy",
            )
        kg_per_unit = conversion_factor(unit, "m**3") * properties.density_kg_per_m3
        return _Conversion(properties.carrier, kg_per_unit * gj_per_kg * KWH_PER_GJ)
    return _Conversion(
        None, reason=f"{dimension} is not an amount of {properties.fuel or key}: not energy"
    )
