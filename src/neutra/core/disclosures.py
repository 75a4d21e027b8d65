"""Disclosure tables (DOMAIN.md §8): GHG Protocol, ESRS E1, CDP climate and UK SECR, from core values.

Each framework's table is a `Disclosure`: rows with the framework's own
reference (e.g. `E1-6 §44(a)`), a label, a figure and its unit. Figures come
unrounded from the footprint, the history (intensities through
`neutra.core.indicators`, the same function as the strategy page) and the
client's cancelled credits; writers in `neutra.formats.disclosures` turn
them into XLSX and JSON.

It must never net credits against emissions (gross figures only; credits
have their own rows, DOMAIN.md §1), never merge the two scope 2 bases, and
never invent a figure the inputs do not hold: such a row says so. Energy
(ESRS E1-5, SECR) comes from the footprint's activity lines through
`neutra.core.energy`; a footprint without lines says how to get them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from neutra.core.claims import CancelledCredit, ClaimPeriod, FootprintFigures, Mitigation
from neutra.core.energy import EnergyCarrier, EnergyUse
from neutra.core.history import EmissionKey, EmissionsHistory, EmissionsYear, Scope2Basis
from neutra.core.indicators import (
    REVENUE,
    Denominator,
    Intensity,
    choose_currency,
    intensities,
    resolve_denominators,
)
from neutra.core.strategy import strategy_report
from neutra.core.targets import Target

__all__ = [
    "Disclosure",
    "DisclosureInputs",
    "DisclosureRow",
    "Framework",
    "build_disclosure",
    "credits_cancelled_in",
    "footprint_year",
    "history_with_period",
    "revenue_intensities",
]


class Framework(StrEnum):
    """The disclosure frameworks Neutra exports."""

    GHGP = "ghgp"  # GHG Protocol Corporate Standard reporting tables
    ESRS = "esrs"  # ESRS E1 (Delegated Regulation (EU) 2023/2772), E1-6 and E1-7
    CDP = "cdp"  # CDP climate change questionnaire, emissions modules
    SECR = "secr"  # UK Streamlined Energy and Carbon Reporting


FRAMEWORK_TITLES = {
    Framework.GHGP: "GHG Protocol Corporate Standard: emissions by scope, category and gas",
    Framework.ESRS: "ESRS E1 Climate change: E1-4 targets, E1-5 energy, E1-6 gross emissions and intensity, E1-7 carbon credits",
    Framework.CDP: "CDP Climate Change: emissions data (scope 1, 2, 3, intensity, gases)",
    Framework.SECR: "UK SECR: energy use, emissions, intensity ratio and methodology",
}


@dataclass(frozen=True, slots=True)
class DisclosureRow:
    """One disclosed figure (or statement) with the framework's reference for it."""

    reference: str  # the framework's datapoint, e.g. "E1-6 §44(a)" or "C6.1"
    label: str  # what it is, in words
    value: float | int | str | None  # None: the inputs do not hold it (the note says why)
    unit: str  # "t CO2e", "units", "t CO2e per million EUR", "" for text
    note: str = ""  # basis, source or why the figure is missing

    def as_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "label": self.label,
            "value": self.value,
            "unit": self.unit,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Disclosure:
    """One framework's table for one client and reporting period."""

    framework: Framework
    client: str
    period: ClaimPeriod
    rows: tuple[DisclosureRow, ...]

    @property
    def title(self) -> str:
        return FRAMEWORK_TITLES[self.framework]

    def value(self, reference: str) -> float | int | str | None:
        """The value of the row with this reference (the first one)."""
        return next(row.value for row in self.rows if row.reference == reference)

    def as_json(self) -> dict[str, Any]:
        return {
            "schema": "neutra.disclosure/1",
            "framework": self.framework.value,
            "title": self.title,
            "client": self.client,
            "period": self.period.label,
            "unit_note": "figures in t CO2e, gross, unrounded; credits in whole units (1 unit = 1 t CO2e)",
            "rows": [row.as_json() for row in self.rows],
        }


@dataclass(frozen=True, slots=True)
class DisclosureInputs:
    """What the disclosures are made from."""

    client: str
    period: ClaimPeriod
    footprint: FootprintFigures  # the reporting period's footprint
    history: EmissionsHistory | None = None  # earlier years (and perhaps this one)
    denominators: Sequence[Denominator] = ()  # revenue, FTE, custom: for intensities
    currency: str | None = None  # revenue intensities per million of this (default: latest)
    credits: Sequence[CancelledCredit] = ()  # cancellations of the ledger (any client)
    targets: Sequence[Target] = ()  # the client's targets (ESRS E1-4)


def footprint_year(footprint: FootprintFigures, year: int) -> EmissionsYear:
    """The footprint as a history year, so the strategy's functions read it."""
    return EmissionsYear(
        year,
        footprint.scope1,
        footprint.scope2_location,
        footprint.scope2_market,
        footprint.scope3,
        {c: v for c, v in footprint.scope3_categories if v >= 0},
    )


def history_with_period(
    history: EmissionsHistory | None, footprint: FootprintFigures, year: int
) -> EmissionsHistory:
    """The history with the period's year taken from its footprint (the figures being reported)."""
    other_years = [y for y in (history.years if history else ()) if y.year != year]
    return EmissionsHistory((*other_years, footprint_year(footprint, year)))


def revenue_intensities(inputs: DisclosureInputs) -> dict[EmissionKey, Intensity]:
    """Intensity per million of net revenue of the period, by emission key (empty: no revenue)."""
    revenue = [
        d for d in inputs.denominators if d.indicator == REVENUE and d.year == inputs.period.year
    ]
    if not revenue:
        return {}
    currency = inputs.currency or choose_currency(inputs.denominators)
    resolved = resolve_denominators(revenue, currency=currency)
    found = intensities(
        history_with_period(inputs.history, inputs.footprint, inputs.period.year), resolved
    )
    return {i.key: i for i in found if i.year == inputs.period.year}


def credits_cancelled_in(inputs: DisclosureInputs) -> list[CancelledCredit]:
    """The client's units cancelled on a date inside the reporting period (ESRS E1-7)."""
    return [
        c
        for c in inputs.credits
        if c.client == inputs.client and inputs.period.start <= c.cancelled_on <= inputs.period.end
    ]


def build_disclosure(framework: Framework, inputs: DisclosureInputs) -> Disclosure:
    """The framework's table for the inputs."""
    builders = {
        Framework.GHGP: _ghgp,
        Framework.ESRS: _esrs,
        Framework.CDP: _cdp,
        Framework.SECR: _secr,
    }
    return Disclosure(framework, inputs.client, inputs.period, tuple(builders[framework](inputs)))


def _categories(footprint: FootprintFigures) -> dict[int, float]:
    given = dict(footprint.scope3_categories)
    return {c: given.get(c, 0.0) for c in range(1, 16)}


def _totals(footprint: FootprintFigures) -> tuple[float, float]:
    return footprint.total(Scope2Basis.LOCATION), footprint.total(Scope2Basis.MARKET)


def _intensity_rows(inputs: DisclosureInputs, reference: str) -> list[DisclosureRow]:
    found = revenue_intensities(inputs)
    rows = []
    for key, label in (
        (EmissionKey.TOTAL_LOCATION, "GHG intensity per net revenue, location-based"),
        (EmissionKey.TOTAL_MARKET, "GHG intensity per net revenue, market-based"),
    ):
        intensity = found.get(key)
        if intensity is None:
            rows.append(
                DisclosureRow(
                    reference,
                    label,
                    None,
                    "",
                    f"no net revenue for {inputs.period.year} (give --denominators)",
                )
            )
        else:
            rows.append(
                DisclosureRow(
                    reference, label, intensity.value, intensity.unit, intensity.statement
                )
            )
    return rows


def _ghgp(inputs: DisclosureInputs) -> list[DisclosureRow]:
    f = inputs.footprint
    location, market = _totals(f)
    rows = [
        DisclosureRow("Scope 1", "Direct emissions", f.scope1, "t CO2e"),
        DisclosureRow(
            "Scope 2 LB",
            "Indirect emissions from purchased energy, location-based",
            f.scope2_location,
            "t CO2e",
        ),
        DisclosureRow(
            "Scope 2 MB",
            "Indirect emissions from purchased energy, market-based",
            f.scope2_market,
            "t CO2e",
        ),
        DisclosureRow("Scope 3", "Other indirect (value chain) emissions", f.scope3, "t CO2e"),
        DisclosureRow("Total LB", "Scope 1 + 2 (location-based) + 3", location, "t CO2e"),
        DisclosureRow("Total MB", "Scope 1 + 2 (market-based) + 3", market, "t CO2e"),
    ]
    rows += [
        DisclosureRow(f"Scope 3 cat. {c}", f"Scope 3 category {c}", v, "t CO2e")
        for c, v in _categories(f).items()
    ]
    rows += [
        DisclosureRow(
            f"Gas {gas}", f"{gas} (mass of gas; CO2e in the note)", mass, "t", f"{co2e!r} t CO2e"
        )
        for gas, mass, co2e in f.by_gas
    ]
    rows.append(
        DisclosureRow("Memo", "Biogenic CO2 (outside the scopes)", f.biogenic_co2_t, "t CO2")
    )
    rows.append(DisclosureRow("GWP", "GWP set of the CO2e figures", f.gwp_set, ""))
    return rows


def _esrs(inputs: DisclosureInputs) -> list[DisclosureRow]:
    f = inputs.footprint
    location, market = _totals(f)
    rows = [
        DisclosureRow("E1-6 §44(a)", "Gross Scope 1 GHG emissions", f.scope1, "t CO2e"),
        DisclosureRow(
            "E1-6 §44(b)", "Gross location-based Scope 2 GHG emissions", f.scope2_location, "t CO2e"
        ),
        DisclosureRow(
            "E1-6 §44(b)", "Gross market-based Scope 2 GHG emissions", f.scope2_market, "t CO2e"
        ),
        DisclosureRow("E1-6 §44(c)", "Gross Scope 3 GHG emissions", f.scope3, "t CO2e"),
    ]
    rows += [
        DisclosureRow(f"E1-6 §51 cat. {c}", f"Scope 3 category {c}", v, "t CO2e")
        for c, v in _categories(f).items()
    ]
    rows += [
        DisclosureRow(
            "E1-6 §44(d)",
            "Total GHG emissions (location-based)",
            location,
            "t CO2e",
            "Scope 1 + 2 (location-based) + 3",
        ),
        DisclosureRow(
            "E1-6 §44(d)",
            "Total GHG emissions (market-based)",
            market,
            "t CO2e",
            "Scope 1 + 2 (market-based) + 3",
        ),
    ]
    rows += _intensity_rows(inputs, "E1-6 §53")
    rows += _credit_rows(inputs)
    return _target_rows(inputs) + _energy_rows(f.energy) + rows


_NO_LINES = (
    "the footprint came without its activity lines: compute it with "
    "neutra footprint --lines --format json (energy is derived from the lines)"
)


def _not_converted_note(energy: EnergyUse) -> str:
    items = energy.not_converted
    if not items:
        return "every scope 1 and 2 activity is counted"
    listed = "; ".join(
        f"{i.activity or i.factor} ({i.quantity!r} {i.unit}, scope {i.scope}): {i.reason}"
        for i in items[:10]
    )
    more = f"; and {len(items) - 10} more" if len(items) > 10 else ""
    return f"{len(items)} scope 1 and 2 activit{'y' if len(items) == 1 else 'ies'} not counted as energy: {listed}{more}"


def _energy_rows(energy: EnergyUse | None) -> list[DisclosureRow]:
    """ESRS E1-5 §37-38: energy consumption of own operations (scopes 1 and 2) in MWh, by source.

    Purchased electricity and heat are given as bought; their split into fossil,
    nuclear and renewable sources needs the supplier's (or the grid's) mix,
    which the activity data does not hold, so those rows say so instead of a figure.
    """
    if energy is None:
        return [
            DisclosureRow(
                "E1-5 §37",
                "Total energy consumption related to own operations",
                None,
                "MWh",
                _NO_LINES,
            )
        ]

    def mwh(*carriers: EnergyCarrier) -> float:
        return energy.kwh(*carriers) / 1000

    basis = f"scopes 1 and 2 of the footprint; fuels at {energy.basis}"
    if energy.not_converted:
        n = len(energy.not_converted)
        basis += (
            f"; {n} scope 1 and 2 activit{'y' if n == 1 else 'ies'} not counted as energy "
            "(listed in the last E1-5 row)"
        )
    purchased = energy.purchased_kwh / 1000
    unspecified_fuel = mwh(EnergyCarrier.FUEL_UNSPECIFIED)
    split_missing = (
        f"{purchased!r} MWh of purchased electricity, heat, steam or cooling is not split by "
        "source: that needs the supplier's (or the grid's) fuel mix, not in the activity data"
    )
    fuel_missing = f"{unspecified_fuel!r} MWh of fuel is not named (given in energy units without a known fuel)"

    def unknown_unless(
        known: bool, value: float, note: str, missing: list[str]
    ) -> tuple[float | None, str]:
        return (value, note) if known else (None, "; ".join(missing))

    fossil_known = purchased == 0 and unspecified_fuel == 0
    fossil_missing = [
        m for m, on in ((split_missing, purchased), (fuel_missing, unspecified_fuel)) if on
    ]
    fossil, fossil_note = unknown_unless(
        fossil_known,
        energy.fossil_fuel_kwh / 1000,
        "coal, oil products and natural gas burnt",
        [f"at least {energy.fossil_fuel_kwh / 1000!r} MWh from fossil fuels", *fossil_missing],
    )
    nuclear, nuclear_note = unknown_unless(
        purchased == 0, 0.0, "no purchased energy; no fuel is nuclear", [split_missing]
    )
    renewable_fuels, renewable_fuels_note = unknown_unless(
        unspecified_fuel == 0,
        mwh(EnergyCarrier.BIOMASS),
        "biomass burnt (diesel and petrol are counted whole as oil products, their biofuel blend share included)",
        [f"at least {mwh(EnergyCarrier.BIOMASS)!r} MWh", fuel_missing],
    )
    renewable_bought, renewable_bought_note = unknown_unless(
        purchased == 0, 0.0, "no purchased energy", [split_missing]
    )
    renewable_total, renewable_total_note = unknown_unless(
        fossil_known,
        mwh(EnergyCarrier.BIOMASS),
        "renewable fuels; self-generated non-fuel renewable energy not in the activity data",
        [f"at least {mwh(EnergyCarrier.BIOMASS)!r} MWh", *fossil_missing],
    )
    other_fossil, other_note = unknown_unless(
        unspecified_fuel == 0, 0.0, "no other fossil fuel in the activity data", [fuel_missing]
    )
    bought_fossil, bought_fossil_note = unknown_unless(
        purchased == 0, 0.0, "no purchased energy", [split_missing]
    )
    return [
        DisclosureRow(
            "E1-5 §37",
            "Total energy consumption related to own operations",
            energy.total_kwh / 1000,
            "MWh",
            basis,
        ),
        DisclosureRow(
            "E1-5 §37(a)",
            "Total energy consumption from fossil sources",
            fossil,
            "MWh",
            fossil_note,
        ),
        DisclosureRow(
            "E1-5 §37(b)",
            "Total energy consumption from nuclear sources",
            nuclear,
            "MWh",
            nuclear_note,
        ),
        DisclosureRow(
            "E1-5 §37(c)",
            "Total energy consumption from renewable sources",
            renewable_total,
            "MWh",
            renewable_total_note,
        ),
        DisclosureRow(
            "E1-5 §37(c)(i)",
            "Fuel consumption from renewable sources (biomass, biofuels, biogas)",
            renewable_fuels,
            "MWh",
            renewable_fuels_note,
        ),
        DisclosureRow(
            "E1-5 §37(c)(ii)",
            "Consumption of purchased or acquired electricity, heat, steam and cooling from renewable sources",
            renewable_bought,
            "MWh",
            renewable_bought_note,
        ),
        DisclosureRow(
            "E1-5 §37(c)(iii)",
            "Consumption of self-generated non-fuel renewable energy",
            None,
            "MWh",
            "not in the activity data (self-generation emits nothing, so the footprint has no line for it)",
        ),
        DisclosureRow(
            "E1-5 §38(a)",
            "Fuel consumption from coal and coal products",
            mwh(EnergyCarrier.COAL),
            "MWh",
        ),
        DisclosureRow(
            "E1-5 §38(b)",
            "Fuel consumption from crude oil and petroleum products",
            mwh(EnergyCarrier.OIL),
            "MWh",
        ),
        DisclosureRow(
            "E1-5 §38(c)",
            "Fuel consumption from natural gas",
            mwh(EnergyCarrier.NATURAL_GAS),
            "MWh",
        ),
        DisclosureRow(
            "E1-5 §38(d)",
            "Fuel consumption from other fossil sources",
            other_fossil,
            "MWh",
            other_note,
        ),
        DisclosureRow(
            "E1-5 §38(e)",
            "Consumption of purchased or acquired electricity, heat, steam or cooling from fossil sources",
            bought_fossil,
            "MWh",
            bought_fossil_note,
        ),
        DisclosureRow(
            "E1-5 §37-38",
            "Purchased or acquired electricity (all sources)",
            mwh(EnergyCarrier.ELECTRICITY),
            "MWh",
            "as bought; its sources are not split",
        ),
        DisclosureRow(
            "E1-5 §37-38",
            "Purchased or acquired heat, steam and cooling (all sources)",
            mwh(EnergyCarrier.HEAT, EnergyCarrier.PURCHASED_UNSPECIFIED),
            "MWh",
            "as bought; its sources are not split",
        ),
        DisclosureRow(
            "E1-5",
            "Scope 1 and 2 activities not counted as energy",
            len(energy.not_converted),
            "activities",
            _not_converted_note(energy),
        ),
    ]


def _target_rows(inputs: DisclosureInputs) -> list[DisclosureRow]:
    """ESRS E1-4: each target with its base value, target value and status, from the
    strategy's own evaluation (the figures of the strategy page and `neutra strategy`)."""
    if not inputs.targets:
        return [
            DisclosureRow(
                "E1-4", "GHG emission reduction targets", None, "", "no targets were given"
            )
        ]
    report = strategy_report(
        history_with_period(inputs.history, inputs.footprint, inputs.period.year),
        denominators=inputs.denominators,
        currency=inputs.currency,
        targets=inputs.targets,
    )
    rows = []
    for result in report.targets:
        target = result.target
        scopes = f"scopes {target.scopes.value}" + (
            f" (scope 3 categories {', '.join(map(str, target.categories))})"
            if target.categories
            else ""
        )
        label = f"Target {target.target_id}: {target.kind.value}, {scopes}"
        basis = f"scope 2 {target.scope2.value}-based; gross, credits never count"
        rows += [
            DisclosureRow("E1-4 §34(a)", label, f"{target.reduction:.1%} reduction", "", basis),
            DisclosureRow(
                "E1-4 §34(e)",
                f"{label}: base value",
                result.base_value,
                result.unit,
                f"base year {target.base_year}",
            ),
            DisclosureRow(
                "E1-4 §34(d)",
                f"{label}: target value",
                result.path[target.target_year],
                result.unit,
                f"target year {target.target_year}, linear path",
            ),
            DisclosureRow(
                "E1-4 §34(f)",
                f"{label}: progress",
                result.status.value,
                "",
                "" if result.status_year is None else f"judged on {result.status_year}",
            ),
        ]
    return rows


def _credit_rows(inputs: DisclosureInputs) -> list[DisclosureRow]:
    cancelled = credits_cancelled_in(inputs)
    total = sum(c.quantity for c in cancelled)
    rows = [
        DisclosureRow(
            "E1-7 §59(b)",
            "Carbon credits cancelled in the reporting period",
            total,
            "units",
            f"cancelled for {inputs.client} between {inputs.period.start} and {inputs.period.end}",
        )
    ]
    by_kind: dict[Mitigation, int] = defaultdict(int)
    by_programme: dict[str, int] = defaultdict(int)
    by_adjustment: dict[str, int] = defaultdict(int)
    for c in cancelled:
        by_kind[c.mitigation] += c.quantity
        by_programme[c.programme] += c.quantity
        adjustment = {True: "with a", False: "without a", None: "with unknown"}[
            c.corresponding_adjustment
        ]
        by_adjustment[adjustment] += c.quantity
    rows += [
        DisclosureRow("E1-7 AR 62", f"Credits from {kind.value} projects", units, "units")
        for kind, units in sorted(by_kind.items())
    ]
    rows += [
        DisclosureRow("E1-7 AR 62", f"Credits under the {programme} standard", units, "units")
        for programme, units in sorted(by_programme.items())
    ]
    rows += [
        DisclosureRow("E1-7 AR 62", f"Credits {which} corresponding adjustment", units, "units")
        for which, units in sorted(by_adjustment.items())
    ]
    return rows


def _cdp(inputs: DisclosureInputs) -> list[DisclosureRow]:
    f = inputs.footprint
    rows = [
        DisclosureRow("C6.1", "Gross global Scope 1 emissions", f.scope1, "t CO2e"),
        DisclosureRow(
            "C6.3", "Gross global Scope 2 emissions, location-based", f.scope2_location, "t CO2e"
        ),
        DisclosureRow(
            "C6.3", "Gross global Scope 2 emissions, market-based", f.scope2_market, "t CO2e"
        ),
    ]
    rows += [
        DisclosureRow("C6.5", f"Scope 3 category {c}", v, "t CO2e")
        for c, v in _categories(f).items()
    ]
    rows += [
        DisclosureRow(
            "C6.10",
            row.label.replace("GHG intensity", "Scope 1+2+3 intensity"),
            row.value,
            row.unit,
            row.note,
        )
        for row in _intensity_rows(inputs, "C6.10")
    ]
    rows += [
        DisclosureRow(
            "C7.1a",
            f"Scope 1 and 2 and 3 emissions of {gas}",
            co2e,
            "t CO2e",
            f"{mass!r} t of {gas}",
        )
        for gas, mass, co2e in f.by_gas
    ]
    rows.append(
        DisclosureRow("C6.7", "Biogenic CO2 (outside the scopes)", f.biogenic_co2_t, "t CO2")
    )
    return rows


def _secr(inputs: DisclosureInputs) -> list[DisclosureRow]:
    f = inputs.footprint
    rows = [
        DisclosureRow(
            "SECR",
            "Scope 1 emissions (combustion of gas and fuel, transport, process, fugitive)",
            f.scope1,
            "t CO2e",
        ),
        DisclosureRow(
            "SECR",
            "Scope 2 emissions from purchased electricity, location-based",
            f.scope2_location,
            "t CO2e",
        ),
        DisclosureRow(
            "SECR", "Scope 2 emissions, market-based (voluntary)", f.scope2_market, "t CO2e"
        ),
        DisclosureRow(
            "SECR", "Scope 1 + 2 emissions, location-based", f.scope1 + f.scope2_location, "t CO2e"
        ),
        DisclosureRow("SECR (voluntary)", "Scope 3 emissions", f.scope3, "t CO2e"),
    ]
    rows += _secr_energy_rows(f.energy)
    found = revenue_intensities(inputs)
    intensity = found.get(EmissionKey.SCOPE1_2_LOCATION)
    rows.append(
        DisclosureRow(
            "SECR",
            "Intensity ratio: scope 1 + 2 (location-based) per net revenue",
            intensity.value,
            intensity.unit,
            intensity.statement,
        )
        if intensity is not None and math.isfinite(intensity.value)
        else DisclosureRow(
            "SECR",
            "Intensity ratio: scope 1 + 2 (location-based) per net revenue",
            None,
            "",
            "no net revenue for the period (give --denominators)",
        )
    )
    rows.append(
        DisclosureRow(
            "SECR",
            "Methodology",
            f"GHG Protocol Corporate Standard; GWP {f.gwp_set or 'as stated'}; factors as in the footprint's provenance",
            "",
        )
    )
    return rows


def _secr_energy_rows(energy: EnergyUse | None) -> list[DisclosureRow]:
    """UK SECR: energy used (kWh) from gas, electricity and other fuels (transport fuel among them)."""
    if energy is None:
        return [DisclosureRow("SECR", "Energy use", None, "kWh", _NO_LINES)]
    scope_note = (
        "scopes 1 and 2 of the footprint's boundary (quoted companies report global energy, "
        "other companies UK energy: compute the footprint on the UK activities for that figure)"
    )
    return [
        DisclosureRow(
            "SECR", "Energy use", energy.total_kwh, "kWh", f"{scope_note}; fuels at {energy.basis}"
        ),
        DisclosureRow(
            "SECR",
            "Energy use: gas",
            energy.kwh(EnergyCarrier.NATURAL_GAS),
            "kWh",
            "natural gas burnt",
        ),
        DisclosureRow(
            "SECR",
            "Energy use: purchased electricity",
            energy.kwh(EnergyCarrier.ELECTRICITY),
            "kWh",
            "purchased or acquired electricity",
        ),
        DisclosureRow(
            "SECR",
            "Energy use: other fuels (transport fuel, oil, LPG, coal, biomass)",
            energy.kwh(
                EnergyCarrier.OIL,
                EnergyCarrier.COAL,
                EnergyCarrier.BIOMASS,
                EnergyCarrier.FUEL_UNSPECIFIED,
            ),
            "kWh",
            "scope 1 fuels other than gas; the activity data does not say which fuel was burnt in vehicles",
        ),
        DisclosureRow(
            "SECR",
            "Energy use: purchased heat, steam and cooling",
            energy.kwh(EnergyCarrier.HEAT, EnergyCarrier.PURCHASED_UNSPECIFIED),
            "kWh",
        ),
        DisclosureRow(
            "SECR",
            "Scope 1 and 2 activities not counted as energy",
            len(energy.not_converted),
            "activities",
            _not_converted_note(energy),
        ),
    ]
