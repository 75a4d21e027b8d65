"""Units of activity data and of emission factors, on pint.

Quantities in activity files and factor denominators are converted here, once
per distinct pair of units, never per row. Besides pint's own units it knows
the energy, volume and activity units of GHG accounting (kWh, MWh, GJ, therm,
mmBtu, scf, passenger_km, tonne_km, night) and the ISO 4217 currencies, each
its own dimension: converting between currencies needs exchange rates and
price years, never a fixed unit ratio.

It must never hold per-row state, and never guess a unit it does not know.
"""

from __future__ import annotations

import pickle
import re
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import pint
import platformdirs

from neutra.core.errors import UnitError

__all__ = [
    "CURRENCIES",
    "UnitError",
    "conversion_factor",
    "dimension_name",
    "is_currency",
    "parse_unit",
    "registry",
]

# ISO 4217 active codes, each its own base dimension (reference data file).
CURRENCIES = frozenset(
    line.strip()
    for line in (files("neutra.data") / "currencies.txt").read_text().splitlines()
    if line.strip() and not line.startswith("#")
)

_DEFINITIONS = [
    # Energy: mmBtu is a million British thermal units (the US convention), in
    # the International Table Btu that US statistics and EPA factors use (pint's
    # plain Btu is the ISO one, 1055.056 J, about 1.4e-7 larger).
    "mmBtu = 1e6 * Btu_it = MMBtu = MMBTU = mmbtu",
    # Volume: a standard cubic foot is a cubic foot of gas at standard conditions.
    "standard_cubic_foot = foot ** 3 = scf",
    # Activity units that are not physical quantities of their own.
    "passenger = [passenger]",
    "passenger_km = passenger * kilometer = pkm = passenger_kilometer",
    "passenger_mile = passenger * mile = pmi",
    "tonne_km = tonne * kilometer = tkm = tonne_kilometer",
    "ton_mile = short_ton * mile",
    "night = [night] = room_night",
    "unit = [item] = item = piece",
]
_DEFINITIONS += [f"{code} = [currency_{code}]" for code in sorted(CURRENCIES)]

# "m3", "km2": an exponent glued to a unit name, as publishers write it.
_GLUED_EXPONENT = re.compile(r"(?<=[A-Za-z])([23])\b")


def _make_registry() -> pint.UnitRegistry[Any]:
    """pint's registry with ours added. pint keeps its parsed definition files in the
    user's cache folder (a tenth of a second saved on every start). A cached file
    that does not load (half-written by another process, say) is removed, and the
    definitions are parsed afresh and cached again; where the folder cannot be
    written at all, they are parsed on every start."""
    ureg: pint.UnitRegistry[Any]
    try:
        ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=":auto:")
    except Exception:  # OSError, or a damaged pickle: any failure of the cache alone
        _remove_damaged(platformdirs.user_cache_path(appname="pint", appauthor=False))
        try:
            ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=":auto:")
        except Exception:
            ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=None)
    for definition in _DEFINITIONS:
        ureg.define(definition)
    return ureg


def _remove_damaged(folder: Path) -> None:
    """Remove the cached files in `folder` that do not load: pint then writes them anew."""
    for cached in folder.glob("*.pickle"):
        try:
            with cached.open("rb") as handle:
                pickle.load(handle)
        except Exception:  # cut short, or not a pickle at all
            cached.unlink(missing_ok=True)


registry = _make_registry()


def _normalise(text: str) -> str:
    text = text.strip().replace("³", "3").replace("²", "2")
    return _GLUED_EXPONENT.sub(r"**\1", text)


MAX_UNIT_CHARS = 100  # "t CO2e / (passenger km)" is 23; pint's parser slows with length
# Text with every power ("**" or "^") followed by a plain number of 1 or 2 digits (and
# a decimal of at most 3), never by another power: what pint can work out at once.
_POWERS = re.compile(
    r"(?:[^*^]|\*(?!\*))*"
    r"(?:(?:\*\*|\^)\s*\(?\s*[+-]?\d{1,2}(?:\.\d{1,3})?\s*\)?(?![\d.]|\s*(?:\*\*|\^))"
    r"(?:[^*^]|\*(?!\*))*)*",
    re.DOTALL,
)

_POWER = re.compile(r"(?:\*\*|\^)\s*\(?\s*[+-]?[\d.]+\s*\)?")
# A number not glued to a name (m3 is m**3; 1/km is per km): a scale, as in 1000 kWh.
_SCALE = re.compile(r"(?<![A-Za-z_\d.])\.?\d[\d.]*(?:[eE][+-]?\d+)?")


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> pint.Unit:
    """The pint unit a user wrote, or a `UnitError` saying why not."""
    if not isinstance(text, str) or not text.strip():
        raise UnitError("no unit given", unit=text)
    if len(text) > MAX_UNIT_CHARS:
        raise UnitError(f"a unit is at most {MAX_UNIT_CHARS} characters", unit=text)
    if any(ord(c) < 32 or ord(c) == 127 for c in text):  # a NUL would travel to every output
        raise UnitError(f"unit {text!r} holds a control character (a NUL, a tab...)", unit=text)
    if not _POWERS.fullmatch(text):
        # pint works powers out exactly: 9**9**9 would run for hours.
        raise UnitError(
            f"cannot read unit {text!r}: a power is a number of 1 or 2 digits", unit=text
        )
    scale = _SCALE.search(_POWER.sub(" ", text))
    if scale and scale.group() != "1" and _readable(_SCALE.sub("1", text)):
        # A unit but for its number: pint would read 1e3 as the elementary charge cubed,
        # and refuse 1000 unexplained. (Free text with a number in it is just unreadable.)
        raise UnitError(
            f"cannot read unit {text!r}: a unit holds no number ({scale.group()}): "
            "write t/MWh, not t/1000 kWh",
            unit=text,
        )
    try:
        parsed = registry.parse_units(_normalise(text))
    except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError) as exc:
        raise UnitError(f"unknown unit {text!r}", unit=text) from exc
    except Exception as exc:  # pint's parser raises assorted errors on garbage
        raise UnitError(f"cannot read unit {text!r}", unit=text) from exc
    return parsed


def _readable(text: str) -> bool:
    try:
        registry.parse_units(_normalise(text))
    except Exception:  # pint's parser raises assorted errors on garbage
        return False
    return True


@lru_cache(maxsize=4096)
def dimension_name(text: str) -> str:
    """The dimension of a unit, in words: 'energy', 'volume', 'currency USD', ..."""
    unit = parse_unit(text)
    dims = dict(registry.get_dimensionality(unit))
    if not dims:
        return "dimensionless"
    for name, dimensionality in _NAMED_DIMENSIONS.items():
        if dims == dimensionality:
            return name
    if len(dims) == 1:
        ((dim, power),) = dims.items()
        if dim.startswith("[currency_") and power == 1:
            return "currency " + dim[len("[currency_") : -1]
    return str(registry.get_dimensionality(unit))


_NAMED_DIMENSIONS: dict[str, dict[str, float]] = {
    "energy": {"[mass]": 1, "[length]": 2, "[time]": -2},
    "mass": {"[mass]": 1},
    "volume": {"[length]": 3},
    "distance": {"[length]": 1},
    "passenger distance": {"[passenger]": 1, "[length]": 1},
    "freight (mass x distance)": {"[mass]": 1, "[length]": 1},
    "nights": {"[night]": 1},
    "items": {"[item]": 1},
    "area": {"[length]": 2},
    "time": {"[time]": 1},
}


def is_currency(text: str) -> bool:
    """Whether a unit is an amount of money (in any single currency)."""
    return dimension_name(text).startswith("currency ")


@lru_cache(maxsize=16384)
def conversion_factor(from_unit: str, to_unit: str) -> float:
    """How many `to_unit` one `from_unit` is; a `UnitError` naming both if incompatible."""
    source, target = parse_unit(from_unit), parse_unit(to_unit)
    try:
        return float(registry.Quantity(1.0, source).to(target).magnitude)
    except pint.errors.DimensionalityError as exc:
        raise UnitError(
            f"unit {from_unit!r} ({dimension_name(from_unit)}) cannot be converted to "
            f"{to_unit!r} ({dimension_name(to_unit)})",
            from_unit=from_unit,
            to_unit=to_unit,
        ) from exc
