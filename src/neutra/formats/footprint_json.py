"""Read a `neutra.footprint/1` document (DESIGN.md §3.6) back into its figures.

Claims and reports start from a footprint computed earlier (`neutra footprint
--format json`). The reader takes the summary: totals, scope 3 categories,
gases, entities, the biogenic memo and the provenance hash; and, when the
footprint was made with `--lines`, the energy of scopes 1 and 2 derived from
the lines (`neutra.core.energy`; ESRS E1-5 and UK SECR need it).

It must never accept a figure that is not a finite number of tonnes (at most
`MAX_TONNES`), nor totals that disagree with their parts, nor let `json`
raise on a number or a nesting it cannot hold; every problem names the file
and the key (or line and column), all at once.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from neutra.core.claims import FootprintFigures
from neutra.core.energy import ActivityAmount, EnergyUse, energy_use
from neutra.core.errors import MAX_PROBLEMS, InvalidInputError, Problem
from neutra.formats.numbers import MAX_TONNES, TOO_MANY_TONNES, whole_number

__all__ = ["SCHEMA", "read_footprint_json"]

SCHEMA = "neutra.footprint/1"
_PARTS = ("scope1", "scope2_location", "scope2_market", "scope3")
# totals must add up to their parts within this (float sums of many lines differ in the last bits)
_TOLERANCE = 1e-6
# int() refuses more than 4,300 digits; a figure of more than 400 is refused as too large anyway.
_MAX_INTEGER_CHARS = 400
# neutra.core.activities.MAX_QUANTITY (not imported: it loads the ibis engine): no line of a
# footprint has a quantity this large, and a sum of lines stays a finite float.
_MAX_QUANTITY = 1e18
# A footprint document nests four levels deep; json.loads recurses on each level.
_MAX_DEPTH = 100
_BRACKETS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class _LongInteger(str):
    """A JSON integer too long to convert, kept as its text: refused as too large."""


def read_footprint_json(path: Path, label: str | None = None) -> FootprintFigures:
    """The figures of a footprint JSON file; `InvalidInputError` listing every problem."""
    name = label or str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
        document = json.loads(text, parse_int=_integer)
    except FileNotFoundError:
        raise InvalidInputError(
            [Problem(name, None, None, None, "the file does not exist")]
        ) from None
    except IsADirectoryError:
        raise InvalidInputError([Problem(name, None, None, None, "this is a directory")]) from None
    except UnicodeDecodeError:
        raise InvalidInputError(
            [Problem(name, None, None, None, "the file is not UTF-8 text")]
        ) from None
    except json.JSONDecodeError as exc:
        reason = f"not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); give the output of neutra footprint --format json"
        raise InvalidInputError([Problem(name, None, None, None, reason)]) from None
    except RecursionError:
        line, column = _too_deep(text)
        reason = (
            f"not JSON as neutra writes it (line {line}, column {column}: more than {_MAX_DEPTH} "
            "arrays or objects inside each other); give the output of neutra footprint --format json"
        )
        raise InvalidInputError([Problem(name, None, None, None, reason)]) from None
    except OSError as exc:
        raise InvalidInputError(
            [Problem(name, None, None, None, f"cannot read the file: {exc.strerror}")]
        ) from None
    return footprint_from_json(document, name)


def _integer(text: str) -> int | str:
    return _LongInteger(text) if len(text) > _MAX_INTEGER_CHARS else int(text)


def _too_deep(text: str) -> tuple[int, int]:
    """Line and column of the bracket that opens a level deeper than _MAX_DEPTH."""
    depth = 0
    for match in _BRACKETS.finditer(text):
        token = match.group()  # a bracket, or a string (brackets inside it do not count)
        if token in ("[", "{"):
            depth += 1
        elif token in ("]", "}"):
            depth -= 1
        if depth > _MAX_DEPTH:
            start = match.start()
            return text.count("\n", 0, start) + 1, start - text.rfind("\n", 0, start)
    return 1, 1


def footprint_from_json(document: Any, name: str) -> FootprintFigures:
    """The figures of a parsed `neutra.footprint/1` document."""
    problems: list[Problem] = []
    if not isinstance(document, dict):
        raise InvalidInputError(
            [Problem(name, None, None, None, "not a footprint document: expected a JSON object")]
        )
    schema = document.get("schema")
    if schema is not None and schema != SCHEMA:
        problems.append(Problem(name, None, "schema", str(schema)[:80], f"expected {SCHEMA!r}"))
    totals = document.get("totals")
    figures: dict[str, float] = {}
    if not isinstance(totals, dict):
        problems.append(
            Problem(name, None, "totals", None, "missing: the footprint's totals (t CO2e)")
        )
    else:
        for key in (*_PARTS, "total_location", "total_market"):
            value = _tonnes(
                totals.get(key), f"totals.{key}", name, problems, required=key in _PARTS
            )
            if value is not None:
                figures[key] = value
        for basis in ("location", "market"):
            key = f"total_{basis}"
            if key in figures and all(p in figures for p in _PARTS):
                parts = figures["scope1"] + figures[f"scope2_{basis}"] + figures["scope3"]
                if abs(parts - figures[key]) > _TOLERANCE * max(1.0, abs(parts)):
                    problems.append(
                        Problem(name, None, f"totals.{key}", repr(figures[key]),
                                f"is not scope1 + scope2_{basis} + scope3 ({parts!r})")
                    )  # fmt: skip
    categories: list[tuple[int, float]] = []
    raw_categories = document.get("scope3_categories", {})
    if not isinstance(raw_categories, dict):
        problems.append(
            Problem(
                name, None, "scope3_categories", None, "expected an object of category -> t CO2e"
            )
        )
    else:
        for key, raw in raw_categories.items():
            category = whole_number(key, max_digits=2)
            if category is None or not 1 <= category <= 15:
                problems.append(
                    Problem(
                        name,
                        None,
                        f"scope3_categories.{key}",
                        str(key)[:20],
                        "a scope 3 category is 1 to 15",
                    )
                )
                continue
            value = _tonnes(raw, f"scope3_categories.{key}", name, problems, required=True)
            if value is not None:
                categories.append((category, value))
    gases: list[tuple[str, float, float]] = []
    raw_gases = document.get("by_gas", {})
    if isinstance(raw_gases, dict):
        for gas, raw in raw_gases.items():
            if isinstance(raw, dict):
                mass = _tonnes(raw.get("t"), f"by_gas.{gas}.t", name, problems, required=False)
                co2e = _tonnes(
                    raw.get("t_co2e"), f"by_gas.{gas}.t_co2e", name, problems, required=False
                )
                gases.append((str(gas), mass or 0.0, co2e or 0.0))
    entities: list[tuple[str, float, float]] = []
    raw_entities = document.get("by_entity", {})
    if isinstance(raw_entities, dict):
        for entity, raw in raw_entities.items():
            if isinstance(raw, dict):
                lb = _tonnes(
                    raw.get("total_location"),
                    f"by_entity.{entity}.total_location",
                    name,
                    problems,
                    required=False,
                )
                mb = _tonnes(
                    raw.get("total_market"),
                    f"by_entity.{entity}.total_market",
                    name,
                    problems,
                    required=False,
                )
                entities.append((str(entity), lb or 0.0, mb or 0.0))
    biogenic = _tonnes(
        document.get("biogenic_co2_t"), "biogenic_co2_t", name, problems, required=False
    )
    energy = _energy(document.get("lines"), name, problems)
    if problems:
        raise InvalidInputError(problems)
    provenance = document.get("provenance")
    output_hash = str(provenance.get("hash", "")) if isinstance(provenance, dict) else ""
    return FootprintFigures(
        scope1=figures["scope1"],
        scope2_location=figures["scope2_location"],
        scope2_market=figures["scope2_market"],
        scope3=figures["scope3"],
        scope3_categories=tuple(sorted(categories)),
        gwp_set=str(document.get("gwp_set", "")),
        biogenic_co2_t=biogenic or 0.0,
        by_gas=tuple(gases),
        by_entity=tuple(entities),
        output_hash=output_hash,
        energy=energy,
    )


def _energy(lines: Any, name: str, problems: list[Problem]) -> EnergyUse | None:
    """Energy from the lines (None when the document has none: made without --lines)."""
    if lines is None or lines == []:
        return None
    if not isinstance(lines, list):
        problems.append(Problem(name, None, "lines", None, "expected a list of lines"))
        return None
    sums: dict[tuple[str | None, str | None, str, int | None], list[float]] = {}
    found: list[Problem] = []
    for i, line in enumerate(lines):
        where = f"lines[{i}]"
        if not isinstance(line, dict):
            found.append(Problem(name, None, where, None, "expected an object"))
            continue
        activity, factor, unit = line.get("activity"), line.get("factor"), line.get("unit")
        scope, quantity, share = (
            line.get("scope"),
            line.get("quantity"),
            line.get("inclusion_share"),
        )
        checks = (
            ("activity", activity, activity is None or isinstance(activity, str)),
            ("factor", factor, factor is None or isinstance(factor, str)),
            ("unit", unit, isinstance(unit, str) and bool(unit)),
            ("scope", scope, scope in (None, 1, 2, 3) and not isinstance(scope, bool)),
            ("quantity", quantity, _within(quantity, _MAX_QUANTITY)),
            ("inclusion_share", share, share is None or (_within(share, 1.0) and share >= 0)),
        )
        bad = [
            Problem(
                name, None, f"{where}.{key}", str(value)[:80], "not as neutra footprint writes it"
            )
            for key, value, ok in checks
            if not ok
        ]
        if bad:
            found.extend(bad)
            continue
        group = sums.setdefault((activity, factor, str(unit), scope), [0.0, 0])
        group[0] += float(quantity or 0.0) * (1.0 if share is None else float(share))
        group[1] += 1
    problems.extend(found[:MAX_PROBLEMS])
    if found:
        return None
    return energy_use(
        ActivityAmount(activity, factor, unit, scope, quantity, int(rows))
        for (activity, factor, unit, scope), (quantity, rows) in sums.items()
    )


def _within(value: Any, limit: float) -> bool:
    """A JSON number no larger than `limit` either way (never nan or inf; any int compares)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) <= limit


def _tonnes(
    raw: Any, key: str, name: str, problems: list[Problem], *, required: bool
) -> float | None:
    if raw is None:
        if required:
            problems.append(Problem(name, None, key, None, "missing: a figure in t CO2e"))
        return None
    if isinstance(raw, _LongInteger):
        problems.append(Problem(name, None, key, raw[:80], TOO_MANY_TONNES))
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        problems.append(Problem(name, None, key, str(raw)[:80], "not a number"))
        return None
    if isinstance(raw, float) and not math.isfinite(raw):
        problems.append(Problem(name, None, key, str(raw)[:80], "not a finite number"))
        return None
    if abs(raw) > MAX_TONNES:  # before float(): an int of 400 digits does not fit one
        problems.append(Problem(name, None, key, str(raw)[:80], TOO_MANY_TONNES))
        return None
    return float(raw)
