"""Factor selection: which factor serves each distinct activity key.

Runs once per distinct (factor, activity, unit, region, year) of the input,
never per row. An explicit factor reference wins; otherwise the factor sets
are searched in the order they are pinned, and within a set the region chain
(subregion -> country -> region -> world), then the year (same year, else the
latest earlier one). Every fallback is a flag; a key without a factor is an
error, never a zero.

It must never touch the activity table: it sees only distinct keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from neutra.core.errors import UnitError
from neutra.core.factors import Basis, Factor, FactorSet, Scope
from neutra.core.flags import FlagKind
from neutra.core.money import MoneyConversion, convert_money, currency_of
from neutra.core.regions import fallback_chain
from neutra.core.units import conversion_factor, dimension_name

# Words in a factor's description that mark a lifecycle (not combustion-only) figure.
LIFECYCLE = "lifecycle"

__all__ = [
    "ActivityKey",
    "FactorIndex",
    "Residual",
    "Selection",
    "UnitScale",
    "select_factor",
    "select_residual",
    "unit_scale",
]


@dataclass(frozen=True, slots=True)
class ActivityKey:
    """What the engine needs to pick a factor for a group of rows."""

    factor: str | None  # explicit reference "SET:ID" or "ID"
    activity: str | None  # activity key
    unit: str  # activity unit as written
    region: str | None  # region of the rows
    year: int  # data year of the rows


@dataclass(frozen=True, slots=True)
class Selection:
    """The factor chosen for a key, or why none could be."""

    key: ActivityKey
    factor: Factor | None  # None when `error` says why
    factor_set: FactorSet | None  # the set the factor came from
    scale: float = 0.0  # factor units per one activity unit
    flags: tuple[tuple[FlagKind, str], ...] = ()  # (flag, detail) for every fallback taken
    error: str | None = None  # why no factor could be used

    @property
    def factor_ref(self) -> str:
        assert self.factor is not None
        assert self.factor_set is not None
        return f"{self.factor_set.name}:{self.factor.factor_id}"


# activity factors of one set and basis: unit dimension -> region (None = anywhere) -> factors
_ByDimension = dict[str, dict[str | None, list[Factor]]]


@dataclass(slots=True)
class FactorIndex:
    """Factors of the pinned sets, indexed once so each key's selection is a few look-ups."""

    sets: Sequence[FactorSet]
    _by_activity: dict[tuple[int, str, Basis], _ByDimension] = field(default_factory=dict)

    def __post_init__(self) -> None:
        index: dict[tuple[int, str, Basis], _ByDimension] = {}
        for position, factor_set in enumerate(self.sets):
            for factor in factor_set.factors:
                if factor.activity:
                    by_dimension = index.setdefault((position, factor.activity, factor.basis), {})
                    by_region = by_dimension.setdefault(_dimension(factor.unit), {})
                    by_region.setdefault(factor.region, []).append(factor)
        self._by_activity = index

    def by_reference(self, reference: str) -> tuple[FactorSet, Factor] | None:
        set_name, _, factor_id = reference.rpartition(":")
        for factor_set in self.sets:
            if set_name and set_name not in (factor_set.name, factor_set.label):
                continue
            factor = factor_set.get(factor_id)
            if factor is not None:
                return factor_set, factor
        return None

    def candidates(self, position: int, activity: str, basis: Basis) -> _ByDimension:
        return self._by_activity.get((position, activity, basis), {})


def select_factor(index: FactorIndex, key: ActivityKey) -> Selection:
    """Pick the factor for one activity key."""
    if key.factor:
        found = index.by_reference(key.factor)
        if found is None:
            names = ", ".join(s.name for s in index.sets) or "none"
            return Selection(
                key, None, None, error=f"factor {key.factor!r} is not in the factor sets ({names})"
            )
        factor_set, factor = found
        if factor.basis is Basis.RESIDUAL_MIX:
            return Selection(
                key, None, None,
                error=f"factor {key.factor!r} is a residual-mix factor: it serves only the "
                "market-based figure; reference the location-based (grid average) factor",
            )  # fmt: skip
        # DOMAIN §4: a factor used outside its region or year is flagged, however chosen.
        flags = _reference_flags(factor_set, factor, key)
    else:
        if not key.activity:
            return Selection(
                key, None, None, error="the row names neither an activity nor a factor"
            )
        picked = _match(index, key, Basis.LOCATION)
        if isinstance(picked, str):
            return Selection(key, None, None, error=picked)
        factor_set, factor, flags = picked
    if factor.scope is Scope.S2 and LIFECYCLE in (factor.description or "").lower():
        # DOMAIN §4 / SOURCES.md: lifecycle, generation-based grid figures (OWID/Ember)
        # are not the combustion-only emission rate scope 2 asks for: say so on the rows.
        flags.append(
            (
                FlagKind.LIFECYCLE_FACTOR,
                f"{factor_set.name}:{factor.factor_id} is a lifecycle, generation-based grid "
                "intensity, not a combustion-only scope 2 rate",
            )
        )
    where = f"factor {factor_set.name}:{factor.factor_id} is per {factor.unit}"
    try:
        scaled = unit_scale(key.unit, key.year, factor)
    except UnitError as exc:
        return Selection(key, None, None, error=f"{exc.message} ({where})")
    except ValueError as exc:  # a missing exchange rate or price index
        return Selection(key, None, None, error=f"{exc} ({where})")
    if scaled.money is not None and scaled.money.converted:
        flags.append((FlagKind.MONEY_CONVERTED, scaled.money.detail))
    return Selection(key, factor, factor_set, scaled.scale, tuple(flags))


@dataclass(frozen=True, slots=True)
class UnitScale:
    """How one activity unit becomes factor units."""

    scale: float  # factor units per one activity unit
    note: str  # how, in words: the unit conversion, or the money and price steps
    money: MoneyConversion | None = None  # for spend, the conversion made


def unit_scale(unit: str, year: int, factor: Factor) -> UnitScale:
    """The one rule from a row's unit to its factor's: spend by money, the rest by units.

    Spend goes to the factor's currency at the row year's exchange rate, then to
    the factor's price year. Raises `UnitError` (units of another dimension) or
    ValueError (a missing exchange rate or price index), with the reason.
    """
    if currency_of(unit) and currency_of(factor.unit):
        money = convert_money(unit, year, factor.unit, factor.year)
        return UnitScale(money.scale, money.detail, money)
    scale = conversion_factor(unit, factor.unit)
    return UnitScale(scale, f"1 {unit} = {scale:.10g} {factor.unit}")


@dataclass(frozen=True, slots=True)
class Residual:
    """The residual-mix factor of a scope 2 key, for the market-based figure."""

    factor: Factor  # the residual-mix factor
    scale: float  # its factor units per one activity unit
    flags: tuple[tuple[FlagKind, str], ...]  # fallbacks taken to find it


def select_residual(index: FactorIndex, selection: Selection) -> Residual | None:
    """The residual-mix factor for a selection's activity, region and year, if any.

    Asked only for keys with scope 2 rows: most keys never need it.
    """
    key, factor = selection.key, selection.factor
    activity = (factor.activity if factor else None) or key.activity
    if not activity:
        return None
    found = _match(
        index, ActivityKey(None, activity, key.unit, key.region, key.year), Basis.RESIDUAL_MIX
    )
    if isinstance(found, str):
        return None
    try:
        scale = conversion_factor(key.unit, found[1].unit)
    except UnitError:
        return None
    return Residual(
        found[1], scale, tuple((flag, f"residual mix: {detail}") for flag, detail in found[2])
    )


def _years_apart(used: int, wanted: int) -> str:
    gap = abs(wanted - used)
    return f"{gap} year{'s' if gap != 1 else ''} {'earlier' if used < wanted else 'later'}"


def _reference_flags(
    factor_set: FactorSet, factor: Factor, key: ActivityKey
) -> list[tuple[FlagKind, str]]:
    """The fallbacks an explicit `SET:ID` reference takes: the user chose it, the reader is told."""
    flags: list[tuple[FlagKind, str]] = []
    ref = f"{factor_set.name}:{factor.factor_id}"
    if key.region is not None and factor.region is not None and factor.region != key.region:
        where = (
            "a wider region"
            if factor.region in fallback_chain(key.region)
            else "outside the row's region"
        )
        flags.append(
            (
                FlagKind.REGION_FALLBACK,
                f"{ref} is for {factor.region}, used for {key.region} ({where})",
            )
        )
    is_money = currency_of(factor.unit) is not None  # a price year, not a data year
    if factor.year is not None and factor.year != key.year and not is_money:
        flags.append(
            (
                FlagKind.YEAR_FALLBACK,
                f"{ref} is for {factor.year}, used for {key.year} "
                f"({_years_apart(factor.year, key.year)})",
            )
        )
    return flags


def _pick_year(
    here: list[Factor], key: ActivityKey, is_money: bool
) -> tuple[Factor | None, int | None]:
    """The factor of the row's year (or with none), else of the latest earlier year.

    Returns (factor, the earlier year used or None); (None, None) when only later years exist.
    A money factor's year is a price year (DOMAIN §3/§4: USEEIO's 2022 USD): any row year
    uses it, the spend moved to that price year with a price index (select_factor), which is
    no year fallback.
    """
    if is_money:
        return _prefer_unit([_nearest_price_year(here, key.year)], key.unit), None
    exact: list[Factor] = []
    latest: int | None = None  # the latest earlier year, in the same one pass
    for factor in here:
        year = factor.year
        if year is None or year == key.year:
            exact.append(factor)
        elif year < key.year and (latest is None or year > latest):
            latest = year
    if exact:
        return _prefer_unit(exact, key.unit), None
    if latest is None:
        return None, None
    return _prefer_unit([f for f in here if f.year == latest], key.unit), latest


def _year_flag(
    factor_set: FactorSet, chosen: Factor, key: ActivityKey, latest: int
) -> tuple[FlagKind, str]:
    return (
        FlagKind.YEAR_FALLBACK,
        f"no {key.year} factor in {factor_set.name}; used {latest}, "
        f"{_years_apart(latest, key.year)} ({chosen.factor_id})",
    )


def _match(
    index: FactorIndex, key: ActivityKey, basis: Basis
) -> tuple[FactorSet, Factor, list[tuple[FlagKind, str]]] | str:
    assert key.activity is not None
    dimension = _dimension(key.unit)
    is_money = dimension.startswith("currency ")
    chain = fallback_chain(key.region)
    elsewhere: list[_ByDimension] = []  # candidates of each set, for a unit mismatch's words
    later_only: list[int] = []
    skipped: list[str] = []  # earlier sets with factors here, but only for later years
    outside: list[tuple[FactorSet, str, list[Factor]]] = []  # a set's one region, not the row's
    for position, factor_set in enumerate(index.sets):
        candidates = index.candidates(position, key.activity, basis)
        if not candidates:
            continue
        usable = candidates.get(dimension, {})
        if not usable and is_money:
            # Spend in another currency: any money factor serves, converted (see select_factor).
            usable = _any_currency(candidates)
        elsewhere.append(candidates)
        # A factor without a region applies anywhere: it is tried last, and is no fallback.
        for region in (*chain, None):
            here = usable.get(region, [])
            if not here:
                continue
            chosen, latest = _pick_year(here, key, is_money)
            if chosen is None:
                earliest = min(f.year or 0 for f in here)
                later_only.append(earliest)
                skipped.append(f"{factor_set.name} (earliest {earliest})")
                continue
            flags = _set_flags(skipped, key, factor_set)
            if region is not None and region != chain[0]:
                flags.append(
                    (
                        FlagKind.REGION_FALLBACK,
                        f"no {key.activity} factor for {chain[0]} in {factor_set.name}; used {region}",
                    )
                )
            if latest is not None:
                flags.append(_year_flag(factor_set, chosen, key, latest))
            return factor_set, chosen, flags
        regions = [r for r in usable if r is not None and r not in chain]
        if len(regions) == 1 and len(usable) == 1:
            outside.append((factor_set, regions[0], usable[regions[0]]))
    # DOMAIN §4: a set whose factors for this activity are all of one region (a publisher's
    # own, DESNZ: GB) serves rows elsewhere only as a last resort, flagged with both regions.
    for factor_set, region, here in outside:
        chosen, latest = _pick_year(here, key, is_money)
        if chosen is None:
            continue
        flags = _set_flags(skipped, key, factor_set)
        if key.region is not None:
            flags.append(
                (
                    FlagKind.REGION_FALLBACK,
                    f"no {key.activity} factor for {key.region} in the pinned sets; used "
                    f"{factor_set.name}'s factor for {region}, outside the row's region",
                )
            )
        if latest is not None:
            flags.append(_year_flag(factor_set, chosen, key, latest))
        return factor_set, chosen, flags
    what = "residual-mix " if basis is Basis.RESIDUAL_MIX else ""
    if later_only:
        return f"no {what}factor for {key.activity!r} in {key.year} or earlier (the earliest is {min(later_only)})"
    # Written out only now, for the error: most keys find a factor.
    unit_mismatch = [
        f.unit for candidates in elsewhere for dim, by_region in candidates.items()
        if dim != dimension for factors in by_region.values() for f in factors
    ]  # fmt: skip
    if unit_mismatch:
        units = ", ".join(sorted(set(unit_mismatch)))
        return (
            f"unit {key.unit!r} ({dimension}) does not fit the factors for {key.activity!r} "
            f"(per {units}, {_dimension(unit_mismatch[0])})"
        )
    return f"no {what}factor for activity {key.activity!r} in region {' -> '.join(chain)}"


def _set_flags(
    skipped: list[str], key: ActivityKey, factor_set: FactorSet
) -> list[tuple[FlagKind, str]]:
    """A flag when sets pinned before the one used had this activity, but only later years.

    A switch of publisher (from DESNZ's combustion factors to a lifecycle grid intensity, say)
    is never silent.
    """
    if not skipped:
        return []
    return [
        (
            FlagKind.SET_FALLBACK,
            f"no {key.year} or earlier {key.activity} factor in {', '.join(skipped)}; "
            f"used {factor_set.name}",
        )
    ]


def _any_currency(candidates: _ByDimension) -> dict[str | None, list[Factor]]:
    merged: dict[str | None, list[Factor]] = {}
    for dimension, by_region in sorted(candidates.items()):
        if dimension.startswith("currency "):
            for region, factors in by_region.items():
                merged.setdefault(region, []).extend(factors)
    return merged


def _nearest_price_year(factors: list[Factor], year: int) -> Factor:
    """The spend factor whose price year is nearest the row's year (the earlier on a tie).

    Several price years of one activity only occur when sets of several editions are
    pinned; the nearest one needs the smallest price-index step.
    """
    return min(
        factors, key=lambda f: (abs((f.year or year) - year), -(f.year or year), f.factor_id)
    )


def _prefer_unit(factors: list[Factor], unit: str) -> Factor:
    """Same unit as written first, then the lowest factor id: deterministic."""
    return min(factors, key=lambda f: (f.unit != unit, f.factor_id))


@lru_cache(maxsize=4096)
def _dimension(unit: str) -> str:
    try:
        return dimension_name(unit)
    except UnitError:
        return "unknown"
