"""Market-based scope 2, end to end: properties a user relies on, for any small input.

Rows of a few entities in regions with and without a residual mix (DE, FR, US-CAMX
with; NL without, and with two factors), in kWh, Wh, MWh and GWh, naming their
factor or not, positive, negative and zero; instruments
of each type, shared and entity-specific, qualifying and not; with and without a
boundary with shares. For any such input:

- the market-based figure per entity is the one worked out by hand from
  docs/methodology.md §7 (an independent allocation in this file), and each group's
  `market_detail` says so: no instrument used beyond its kWh, no group covered beyond
  its net consumption, never below what the instruments' rates alone give;
- the lines add up to it, and so does each line's `explain_market_line`;
- shuffling rows or instruments, splitting the file, writing rows in another energy
  unit, naming the factor the row would take anyway, or adding a zero row changes no
  figure; instruments that do not qualify change none either;
- instruments move scope 2 market-based only: location-based, scope 1 and scope 3 are
  the same without them.

Then hand-computed cases, one per branch of §7.
"""

from __future__ import annotations

import json
import math
import random
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from neutra.core.activities import validate_activities
from neutra.core.boundary import Approach, Boundary, Control, EntityLink
from neutra.core.engine import Footprint, FootprintOptions, compute_footprint
from neutra.core.engine.explain_market import explain_market_line
from neutra.core.factors import Basis, FactorSet, Scope
from neutra.core.gwp import gwp_set
from neutra.core.scope2 import CertificateScheme, Instrument, InstrumentType
from tests.core.test_engine import factor

AR5 = gwp_set("AR5")
CERT, CONTRACT, SUPPLIER = (
    InstrumentType.CERTIFICATE,
    InstrumentType.CONTRACT,
    InstrumentType.SUPPLIER_RATE,
)
KG = Decimal("0.001")  # t per kg


@dataclass(frozen=True)
class Takes:
    """What electricity rows of a region take: a location factor and perhaps a residual mix."""

    activity: str  # the factor's activity
    region: str  # the rows' region
    grid_kg: Decimal  # kg CO2e per kWh
    residual_kg: Decimal | None  # kg CO2e per kWh; None = no residual mix (grid average)


# By factor id. FR's factors are published per MWh; US-CAMX rows take the US factors (a
# fallback); NL has no residual mix, and a second factor (a green tariff, 0.1 kg/kWh).
TAKES = {
    "grid-de": Takes("electricity.grid", "DE", Decimal("0.2"), Decimal("0.45")),
    "grid-nl": Takes("electricity.grid", "NL", Decimal("0.3"), None),
    "tariff-nl": Takes("electricity.green", "NL", Decimal("0.1"), None),
    "grid-fr": Takes("electricity.grid", "FR", Decimal("0.05"), Decimal("0.4")),
    "grid-us": Takes("electricity.grid", "US-CAMX", Decimal("0.4"), Decimal("0.5")),
}


def _s2(factor_id: str, unit: str, kg: float, region: str, **extra: Any) -> Any:
    activity = extra.pop("activity", "electricity.grid")
    return factor(
        factor_id, activity, unit, {"CO2e": kg}, gwp_set="AR5", scope=Scope.S2, region=region,
        **extra,
    )  # fmt: skip


FACTORS = FactorSet(
    "props",
    (
        _s2("grid-de", "kWh", 0.2, "DE"),
        _s2("rm-de", "kWh", 0.45, "DE", basis=Basis.RESIDUAL_MIX),
        _s2("grid-nl", "kWh", 0.3, "NL"),
        _s2("tariff-nl", "kWh", 0.1, "NL", activity="electricity.green"),
        _s2("grid-fr", "MWh", 50, "FR"),
        _s2("rm-fr", "MWh", 400, "FR", basis=Basis.RESIDUAL_MIX),
        _s2("grid-us", "kWh", 0.4, "US"),
        _s2("rm-us", "kWh", 0.5, "US", basis=Basis.RESIDUAL_MIX),
        factor("gas", "fuel.natural_gas", "kWh", {"CO2e": 0.2}, gwp_set="AR5", scope=Scope.S1),
        factor("diesel", "fuel.diesel", "L", {"CO2": 2.5, "CH4": 0.01, "N2O": 0.02}, scope=Scope.S1),
        factor(
            "flight", "travel.air", "passenger_km", {"CO2e": 0.15}, gwp_set="AR5",
            scope=Scope.S3, category=6,
        ),
    ),
)  # fmt: skip
OTHER_UNITS = {"fuel.natural_gas": "kWh", "fuel.diesel": "L", "travel.air": "passenger_km"}
KWH_PER = {"Wh": Decimal("0.001"), "kWh": Decimal(1), "MWh": Decimal(1000), "GWh": Decimal(10**6)}
COLUMNS = ("id", "entity", "year", "activity", "factor", "quantity", "unit", "region")
YEARS = (2023, 2024)
EU = frozenset({"DE", "NL", "FR"})  # the GO market, as far as these regions go
ROOT = "Group"  # the reporter, with share 1, when there is a boundary

# --- inputs ------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class Case:
    """Activity rows, instruments and perhaps shares of entities A and B (the root is 1)."""

    rows: list[dict[str, Any]]
    instruments: list[Instrument]
    shares: tuple[float, float] | None  # equity shares of A and B under the root

    def __repr__(self) -> str:  # what a failing example prints
        rows = "\n  ".join(
            f"{r['id']}: {r['entity']} {r['region']} {r['year']} {r.get('activity')} "
            f"factor={r.get('factor')} {format(Decimal(r['quantity']), 'f')} {r['unit']}"
            for r in self.rows
        )
        instruments = "\n  ".join(map(repr, self.instruments))
        return f"Case(shares={self.shares}\n  {rows}\n  {instruments})"

    @property
    def boundary(self) -> Boundary | None:
        if self.shares is None:
            return None
        return Boundary(
            (
                EntityLink(ROOT, None, 1.0, Control.FULL, Control.FULL),
                EntityLink("A", ROOT, self.shares[0], Control.JOINT, Control.JOINT),
                EntityLink("B", ROOT, self.shares[1], Control.JOINT, Control.JOINT),
            )
        )

    def share(self, entity: str | None) -> Decimal:
        if self.shares is None or entity in (None, ROOT):
            return Decimal(1)
        return Decimal(repr(self.shares[0 if entity == "A" else 1]))


def _in_unit(kwh: Decimal, unit: str) -> Decimal:
    """kWh written exactly in another energy unit (at most 9 decimals: kWh have 3)."""
    return (kwh / KWH_PER[unit]).normalize()


Site = tuple[str | None, str, int]  # entity, factor id, year of some electricity rows


@st.composite
def electricity(draw: st.DrawFn, sites: list[Site]) -> dict[str, Any]:
    entity, takes, year = draw(st.sampled_from(sites))
    kwh = Decimal(draw(st.sampled_from([0, 1, 1000]) | st.integers(-3_000_000, 9_000_000))) / 1000
    unit = draw(st.sampled_from(sorted(KWH_PER)))
    # Now and then the row names the factor it would take anyway, with or without activity.
    named = draw(st.sampled_from([None, None, "props:", ""]))
    return {
        "entity": entity,
        "year": year,
        "activity": draw(st.sampled_from([None, TAKES[takes].activity]))
        if named is not None
        else TAKES[takes].activity,
        "factor": None if named is None else named + takes,
        "quantity": _in_unit(kwh, unit),
        "unit": unit,
        "region": TAKES[takes].region,
        "takes": takes,  # not a column: what the row takes, for the figure by hand
    }


@st.composite
def other(draw: st.DrawFn, entities: list[str | None]) -> dict[str, Any]:
    activity = draw(st.sampled_from(sorted(OTHER_UNITS)))
    return {
        "entity": draw(st.sampled_from(entities)),
        "year": draw(st.sampled_from(YEARS)),
        "activity": activity,
        "factor": None,
        "quantity": Decimal(draw(st.integers(-50, 5000))),
        "unit": OTHER_UNITS[activity],
        "region": None,
        "takes": None,
    }


@st.composite
def instrument(
    draw: st.DrawFn, instrument_id: str, entities: list[str | None], sites: list[Site] = ()
) -> Instrument:
    """An instrument, mostly of a site's region and year (so that it matches something)."""
    site = draw(st.sampled_from(sites)) if sites and draw(st.booleans()) else None
    year = site[2] if site else draw(st.sampled_from(YEARS))
    region = (
        TAKES[site[1]].region
        if site
        else draw(st.sampled_from([None, "DE", "NL", "FR", "US", "US-CAMX"]))
    )
    kind = draw(st.sampled_from(list(InstrumentType)))
    return Instrument(
        instrument_id,
        kind,
        draw(st.sampled_from(entities)),
        region,
        year,
        float(draw(st.sampled_from([0, 500, 1000]) | st.integers(0, 12_000))),
        draw(st.sampled_from([0.0, 0.0001, 0.0003, 0.0006])),
        tracking_id=draw(st.sampled_from([None, "T-1", "T-2", ""])),
        cancelled_for=draw(st.sampled_from([None, None, "Client", ""])),
        vintage=draw(st.none() | st.sampled_from([year - 2, year - 1, year, year + 1])),
        scheme=draw(st.none() | st.sampled_from([CertificateScheme.GO, CertificateScheme.REC]))
        if kind is CERT
        else None,
        market=draw(st.sampled_from([None, None, "DE", "US"])),
    )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    with_boundary = draw(st.booleans())
    entities: list[str | None] = [ROOT if with_boundary else None, "A", "B"]
    site = st.tuples(
        st.sampled_from(entities), st.sampled_from(sorted(TAKES)), st.sampled_from(YEARS)
    )
    sites = draw(st.lists(site, min_size=1, max_size=3))
    rows = draw(
        st.lists(electricity(sites), min_size=1, max_size=8)
        .flatmap(lambda e: st.lists(other(entities), max_size=2).map(lambda o: e + o))
        .flatmap(st.permutations)
    )
    for number, found in enumerate(rows):
        found["id"] = f"r{number}"
    count = draw(st.integers(0, 5))
    instruments = [draw(instrument(f"I{n}", [None, "A", "B"], sites)) for n in range(count)]
    shares = None
    if with_boundary:
        share = st.sampled_from([0.0, 0.25, 0.5, 0.83, 1.0])
        shares = (draw(share), draw(share))
    return Case(rows, instruments, shares)


# --- running the engine --------------------------------------------------------------


def footprint(
    case: Case,
    *,
    files: dict[str, list[dict[str, Any]]] | None = None,
    instruments: list[Instrument] | None = None,
    lines: bool = False,
) -> Footprint:
    """The footprint of the case (or of its rows as `files`), perhaps with other instruments."""
    files = files if files is not None else {"a.csv": case.rows}
    table: dict[str, list[Any]] = {c: [] for c in (*COLUMNS, "_source", "_row")}
    for name, found in files.items():
        for number, row in enumerate(found, start=2):
            for column in COLUMNS:
                value = row.get(column)
                if isinstance(value, Decimal):
                    value = format(value, "f")  # a plain number, never 1.5E+3
                table[column].append(None if value is None else str(value))
            table["_source"].append(name)
            table["_row"].append(number)
    data = validate_activities(
        ibis.memtable(
            pa.table(
                {
                    c: pa.array(v, pa.int64() if c == "_row" else pa.string())
                    for c, v in table.items()
                }
            )
        ),
        {name: f"sha256-of-{name}" for name in files},
    )
    return compute_footprint(
        data,
        [FACTORS],
        AR5,
        boundary=case.boundary,
        instruments=case.instruments if instruments is None else instruments,
        options=FootprintOptions(approach=Approach.EQUITY, lines=lines),
    )


def figures(result: Footprint) -> dict[str, Any]:
    """Every figure of the summary (no provenance, no flag counts)."""
    summary = result.summary_json()
    del summary["provenance"], summary["flag_summary"]
    return summary


def assert_same_figures(after: dict[str, Any], before: dict[str, Any]) -> None:
    """The same figures, to float rounding (sums of differently rounded parts)."""
    assert after.keys() == before.keys()
    for name, value in before.items():
        if isinstance(value, dict):
            assert_same_figures(after[name], value)
        elif not isinstance(value, float):
            assert after[name] == value, name
        else:
            assert after[name] == pytest.approx(value, rel=1e-9, abs=1e-9), name


# Each example computes a footprint or two (DuckDB, a fraction of a second each).
PROPERTIES = settings(max_examples=20, deadline=None)
COMPARED = settings(max_examples=15, deadline=None)  # properties comparing two footprints


# --- the figure, worked out by hand --------------------------------------------------


def _country(region: str | None) -> str | None:
    return region.split("-")[0] if region else None


def _market(instrument: Instrument) -> frozenset[str] | None:
    """docs/methodology.md §7, the table of markets, for the regions of these tests."""
    if instrument.scheme is CertificateScheme.REC:
        return frozenset({"US"})
    if instrument.scheme is CertificateScheme.GO:
        return EU
    country = instrument.market or _country(instrument.region)
    return None if country is None else frozenset({country})


def _matches(instrument: Instrument, entity: str | None, region: str, year: int) -> bool:
    if instrument.year != year or instrument.entity not in (None, entity):
        return False
    if instrument.region is None or instrument.region == region:
        return True
    if instrument.scheme in (CertificateScheme.REC, CertificateScheme.GO):  # both in its market
        market = _market(instrument)
        assert market is not None
        return _country(region) in market and _country(instrument.region) in market
    return "-" not in instrument.region and instrument.region == _country(region)


def _qualifies(instrument: Instrument, region: str, year: int) -> bool:
    if instrument.type is not SUPPLIER and "" in (instrument.tracking_id, instrument.cancelled_for):
        return False
    vintage = instrument.year if instrument.vintage is None else instrument.vintage
    market = _market(instrument)
    own = _country(instrument.region)
    return (
        abs(vintage - year) <= 1
        and market is not None
        and _country(region) in market
        and (own is None or own in market)
    )


def by_hand(case: Case) -> dict[str, float]:
    """Market-based scope 2 per entity ("" = no entity), as §7 says, in exact decimals.

    Consumption groups: one entity's electricity of one region, year and factor, whatever
    the unit and however the row asked for its factor. Groups served by entity (none
    last), region, year, factor; instruments by type, own before shared, id; each takes
    min(need, left); a net correction takes none.
    """
    consumption: dict[tuple[str | None, str, int, str], Decimal] = defaultdict(Decimal)
    entities = set()
    for row in case.rows:
        entities.add(row["entity"] or "")
        if row["takes"] is not None:  # electricity, named or not
            kwh = Decimal(row["quantity"]) * KWH_PER[row["unit"]]
            consumption[(row["entity"], row["region"], row["year"], row["takes"])] += kwh
    rank = {CERT: 0, CONTRACT: 1, SUPPLIER: 2}
    ordered = sorted(
        case.instruments, key=lambda i: (rank[i.type], i.entity is None, i.instrument_id)
    )
    left = {i.instrument_id: Decimal(repr(i.quantity_kwh)) for i in ordered}
    market: dict[str, Decimal] = {e: Decimal(0) for e in entities}

    def served(key: tuple[str | None, str, int, str]) -> tuple[bool, str, str, int, str]:
        return (key[0] is None, key[0] or "", key[1], key[2], key[3])

    for entity, region, year, takes in sorted(consumption, key=served):
        kwh = consumption[(entity, region, year, takes)]
        need = max(kwh, Decimal(0))
        t_co2e = Decimal(0)
        for i in ordered:
            if _matches(i, entity, region, year) and _qualifies(i, region, year):
                take = min(need, left[i.instrument_id])
                left[i.instrument_id] -= take
                need -= take
                t_co2e += take * Decimal(repr(i.rate_t_co2e_per_kwh))
        uncovered = need if kwh > 0 else kwh
        t_co2e += uncovered * _uncovered_kg(takes) * KG
        market[entity or ""] += t_co2e * case.share(entity)
    return {e: float(t) for e, t in market.items()}


def _uncovered_kg(takes: str) -> Decimal:
    """kg CO2e per uncovered kWh: the residual mix, else the grid average."""
    found = TAKES[takes]
    return found.grid_kg if found.residual_kg is None else found.residual_kg


def _details(result: Footprint) -> list[tuple[str, dict[str, Any]]]:
    """Each consumption group's market_detail once (its lines repeat it), with its factor."""
    assert result.lines is not None
    found = {}
    for line in result.lines.to_pylist():
        if line["market_detail"] is not None:
            document = json.loads(line["market_detail"])
            del document["quantity"]  # the line's own unit
            takes = line["factor"].removeprefix("props:")
            found[json.dumps([takes, document], sort_keys=True)] = (takes, document)
    return list(found.values())


@PROPERTIES
@given(cases())
def test_market_based_per_entity_is_the_figure_worked_out_by_hand(case: Case) -> None:
    note(repr(case))
    result = footprint(case)
    expected = by_hand(case)
    got = {e: figures["scope2_market"] for e, figures in result.by_entity.items()}
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert result.totals["scope2_market"] == pytest.approx(
        math.fsum(expected.values()), rel=1e-9, abs=1e-9
    )


@PROPERTIES
@given(cases())
def test_lines_and_their_explanations_add_up_to_market_based_per_entity(case: Case) -> None:
    result = footprint(case, lines=True)
    assert result.lines is not None
    per_entity: dict[str, list[float]] = defaultdict(list)
    for line in result.lines.to_pylist():
        if line["scope"] != 2:
            continue
        per_entity[line["entity"] or ""].append(line["emissions_market_t_co2e"])
        explained = explain_market_line(
            line["market_detail"],
            quantity=line["quantity"],
            inclusion_share=line["inclusion_share"],
        )
        if explained is not None:
            assert explained.market_t_co2e == pytest.approx(
                line["emissions_market_t_co2e"], rel=1e-9, abs=1e-12
            )
            assert explained.covered_kwh + explained.uncovered_kwh == pytest.approx(
                explained.consumption_kwh * explained.row_share, rel=1e-9, abs=1e-9
            )
    for entity, figures in result.by_entity.items():
        assert math.fsum(per_entity[entity]) == pytest.approx(
            figures["scope2_market"], rel=1e-9, abs=1e-9
        )


@PROPERTIES
@given(cases())
def test_no_instrument_or_group_is_used_beyond_its_kwh_and_rates_bound_the_figure(
    case: Case,
) -> None:
    result = footprint(case, lines=True)
    quantity = {i.instrument_id: i.quantity_kwh for i in case.instruments}
    used: dict[str, list[float]] = defaultdict(list)
    for takes, group in _details(result):
        applied = [i for i in group["instruments"] if i["qualified"]]
        refused = [i for i in group["instruments"] if not i["qualified"]]
        consumption = group["consumption_kwh"]
        covered = math.fsum(i["covered_kwh"] for i in applied)
        assert covered <= max(consumption, 0.0) * (1 + 1e-12)
        assert all(i["covered_kwh"] == 0 and i["t_co2e"] == 0 for i in refused)
        by_rates = math.fsum(i["covered_kwh"] * i["rate_t_co2e_per_kwh"] for i in applied)
        if consumption >= 0:
            assert group["market_t_co2e"] >= by_rates * (1 - 1e-12)
        zero_rates = all(i["rate_t_co2e_per_kwh"] == 0 for i in applied)
        if consumption > 0 and covered == consumption and zero_rates:
            assert group["market_t_co2e"] == 0.0
        if group["uncovered_kwh"] != 0:  # what is left takes the residual mix, else the grid
            assert group["uncovered_kwh"] == pytest.approx(consumption - covered, abs=1e-9)
            residual = TAKES[takes].residual_kg
            expected_basis = Basis.LOCATION if residual is None else Basis.RESIDUAL_MIX
            assert group["uncovered_basis"] == expected_basis.value
            rate = float(_uncovered_kg(takes) * KG)
            assert group["uncovered_rate_t_co2e_per_kwh"] == pytest.approx(rate, rel=1e-12)
        for i in applied:
            used[i["instrument_id"]].append(i["covered_kwh"])
    for instrument_id, parts in used.items():
        assert math.fsum(parts) <= quantity[instrument_id] * (1 + 1e-12)


# --- what changes no figure ----------------------------------------------------------


@COMPARED
@given(cases(), st.randoms(use_true_random=False), st.integers(0, 12))
def test_shuffling_rows_and_instruments_or_splitting_the_file_changes_no_figure(
    case: Case, shuffler: random.Random, cut: int
) -> None:
    before = footprint(case)
    rows, instruments = list(case.rows), list(case.instruments)
    shuffler.shuffle(rows)
    shuffler.shuffle(instruments)
    after = footprint(
        case, files={"first.csv": rows[:cut], "second.csv": rows[cut:]}, instruments=instruments
    )
    assert figures(after) == figures(before)  # to the last bit: the order is the code's
    assert after.flags.summary == before.flags.summary


@COMPARED
@given(cases(), st.data())
def test_writing_energy_rows_in_another_unit_changes_no_figure(case: Case, data: Any) -> None:
    rewritten = []
    for row in case.rows:
        if row["unit"] in KWH_PER and data.draw(st.booleans()):
            unit = data.draw(st.sampled_from(sorted(KWH_PER)))
            kwh = Decimal(row["quantity"]) * KWH_PER[row["unit"]]
            row = row | {"quantity": _in_unit(kwh, unit), "unit": unit}
        rewritten.append(row)
    before = footprint(case, lines=True)
    after = footprint(replace(case, rows=rewritten), lines=True)
    assert_same_figures(figures(after), figures(before))
    assert after.flags.counts == before.flags.counts
    assert before.lines is not None
    assert after.lines is not None
    market = {line["id"]: line["emissions_market_t_co2e"] for line in after.lines.to_pylist()}
    assert market == pytest.approx(
        {line["id"]: line["emissions_market_t_co2e"] for line in before.lines.to_pylist()},
        rel=1e-9,
        abs=1e-9,
    )


@COMPARED
@given(cases(), st.data())
def test_naming_the_factor_a_row_would_take_anyway_changes_no_figure(case: Case, data: Any) -> None:
    named = []
    for row in case.rows:
        if row["takes"] is not None and data.draw(st.booleans()):  # electricity: (un)name it
            reference = data.draw(st.sampled_from([None, "props:", ""]))
            activity = TAKES[row["takes"]].activity
            row = row | {
                "factor": None if reference is None else reference + row["takes"],
                "activity": activity
                if reference is None
                else data.draw(st.sampled_from([None, activity])),
            }
        named.append(row)
    before, after = footprint(case), footprint(replace(case, rows=named))
    assert_same_figures(figures(after), figures(before))


@COMPARED
@given(cases(), st.data())
def test_adding_a_row_of_zero_changes_no_figure(case: Case, data: Any) -> None:
    like = data.draw(st.sampled_from(case.rows))
    zero = like | {"id": "zero", "quantity": Decimal(0)}
    if zero["takes"] is not None:  # electricity, perhaps of another factor or year
        takes = data.draw(st.sampled_from(sorted(TAKES)))
        zero |= {
            "unit": data.draw(st.sampled_from(sorted(KWH_PER))),
            "region": TAKES[takes].region,
            "activity": TAKES[takes].activity,
            "factor": zero["factor"] and takes,
            "year": data.draw(st.sampled_from(YEARS)),
            "takes": takes,
        }
    before, after = footprint(case), footprint(replace(case, rows=[*case.rows, zero]))
    assert figures(after) == figures(before)


@COMPARED
@given(cases(), st.data())
def test_instruments_that_do_not_qualify_change_no_figure(case: Case, data: Any) -> None:
    # Disqualified for every consumption: untracked, or five years from its vintage.
    refused = [
        replace(i, instrument_id=f"X{n}", tracking_id="")
        if i.type is not SUPPLIER and data.draw(st.booleans())
        else replace(i, instrument_id=f"X{n}", vintage=i.year - 5)
        for n, i in enumerate(data.draw(st.lists(instrument("X", [None, "A", "B"]), max_size=3)))
    ]
    before = footprint(case)
    after = footprint(case, instruments=[*case.instruments, *refused])
    assert_same_figures(figures(after), figures(before))


@COMPARED
@given(cases())
def test_instruments_move_only_scope_2_market_based(case: Case) -> None:
    with_them, without = figures(footprint(case)), figures(footprint(case, instruments=[]))
    for entity in (with_them["by_entity"], without["by_entity"]):
        for totals in entity.values():
            del totals["scope2_market"], totals["total_market"]
    for totals in (with_them["totals"], without["totals"]):
        del totals["scope2_market"], totals["total_market"]
    assert with_them == without  # to the last bit


# --- hand-computed cases, one per branch of §7 ---------------------------------------


def one_case(
    *rows: tuple[str | None, str, float | str, str],
    instruments: tuple[Instrument, ...] = (),
    shares: tuple[float, float] | None = None,
) -> Footprint:
    """Rows of (entity, region, quantity, unit) of electricity in 2024."""
    found = [
        {"id": f"r{n}", "entity": entity, "year": 2024, "activity": "electricity.grid",
         "quantity": quantity, "unit": unit, "region": region}
        for n, (entity, region, quantity, unit) in enumerate(rows)
    ]  # fmt: skip
    return footprint(Case(found, list(instruments), shares), lines=True)


def cert(instrument_id: str, entity: str | None, region: str, kwh: float, **extra: Any) -> Any:
    return Instrument(instrument_id, CERT, entity, region, 2024, kwh, 0.0, **extra)


def test_uncovered_consumption_takes_the_residual_mix():
    result = one_case(("A", "DE", 1000, "kWh"), ("A", "DE", 1, "MWh"))
    assert result.totals["scope2_location"] == pytest.approx(0.4)  # 2,000 kWh x 0.2 kg
    assert result.totals["scope2_market"] == pytest.approx(0.9)  # 2,000 kWh x 0.45 kg


def test_without_a_residual_mix_the_rest_takes_the_grid_average_and_is_flagged():
    result = one_case(("A", "NL", 1000, "kWh"), instruments=(cert("GO-1", "A", "NL", 400),))
    assert result.totals["scope2_market"] == pytest.approx(0.18)  # 600 kWh x 0.3 kg
    assert result.flags.counts.get("residual_mix_missing") == 1


def test_a_supplier_rate_covers_at_its_rate():
    supplier = Instrument("S-1", SUPPLIER, "A", "DE", 2024, 1000, 0.0001)
    result = one_case(("A", "DE", 1000, "kWh"), instruments=(supplier,))
    assert result.totals["scope2_market"] == pytest.approx(0.1)  # 1,000 kWh x 0.1 kg


def test_a_contract_covers_part_and_the_rest_takes_the_residual_mix():
    ppa = Instrument("PPA-1", CONTRACT, "A", "DE", 2024, 700, 0.0)
    result = one_case(("A", "DE", 1000, "kWh"), instruments=(ppa,))
    assert result.totals["scope2_market"] == pytest.approx(0.135)  # 300 kWh x 0.45 kg


def test_partial_cover_goes_certificates_then_contracts_then_supplier_rates():
    instruments = (
        Instrument("A-supplier", SUPPLIER, "A", "DE", 2024, 1000, 0.0003),
        Instrument("B-contract", CONTRACT, "A", "DE", 2024, 300, 0.00005),
        Instrument("C-cert", CERT, "A", "DE", 2024, 200, 0.0),
    )
    result = one_case(("A", "DE", 1, "MWh"), instruments=instruments)
    # 200 kWh x 0 + 300 kWh x 0.05 kg + 500 kWh x 0.3 kg = 165 kg; the supplier's 500 left over
    assert result.totals["scope2_market"] == pytest.approx(0.165)
    assert result.flags.counts.get("instrument_unused") == 1


def test_a_net_negative_group_takes_no_instrument_and_its_unit_does_not_matter():
    go = cert("GO-1", "A", "DE", 1000)
    for correction in ((-1.5, "MWh"), (-1500, "kWh"), (-1_500_000, "Wh"), ("-0.0015", "GWh")):
        result = one_case(("A", "DE", 1000, "kWh"), ("A", "DE", *correction), instruments=(go,))
        assert result.totals["scope2_market"] == pytest.approx(-0.225), correction  # -500 x 0.45
        assert result.totals["scope2_location"] == pytest.approx(-0.1), correction


def test_a_shared_instrument_is_split_between_two_entities_in_name_order():
    go = cert("GO-1", None, "DE", 1000)
    result = one_case(("B", "DE", 600, "kWh"), ("A", "DE", 0.6, "MWh"), instruments=(go,))
    assert result.by_entity["A"]["scope2_market"] == 0.0  # served first: 600 kWh covered
    assert result.by_entity["B"]["scope2_market"] == pytest.approx(0.09)  # 200 kWh x 0.45 kg


def test_the_inclusion_share_applies_after_the_instrument_covers_the_whole_consumption():
    go = cert("GO-1", "A", "DE", 500)
    result = one_case(("A", "DE", 1000, "kWh"), instruments=(go,), shares=(0.5, 1.0))
    # The GO covers 500 of the entity's 1,000 kWh; 500 kWh x 0.45 kg = 0.225 t, half included.
    assert result.totals["scope2_market"] == pytest.approx(0.1125)
    assert result.totals["scope2_location"] == pytest.approx(0.1)


def test_factors_per_mwh_give_the_same_rate_per_kwh():
    go = cert("GO-1", "A", "FR", 500)
    result = one_case(("A", "FR", 1500, "kWh"), ("A", "FR", "0.5", "MWh"), instruments=(go,))
    assert result.totals["scope2_location"] == pytest.approx(0.1)  # 2 MWh x 50 kg
    assert result.totals["scope2_market"] == pytest.approx(0.6)  # 1,500 kWh x 0.4 kg


def test_a_rec_of_the_us_covers_a_subregion_and_the_rest_takes_the_us_residual_mix():
    rec = cert("REC-1", "A", "US-RFCE", 400, scheme=CertificateScheme.REC)
    result = one_case(("A", "US-CAMX", 1000, "kWh"), instruments=(rec,))
    assert result.totals["scope2_market"] == pytest.approx(0.3)  # 600 kWh x 0.5 kg


def test_a_correction_naming_its_factor_nets_the_consumption_it_corrects():
    # 2,000 kWh less a correction of 1,000 kWh that names the grid factor the first row
    # takes: 1,000 kWh, which the 1,500 kWh GO covers, so 0 t. As a consumption of its
    # own, the correction took no instrument: 500 x 0.45 kg - 1,000 x 0.45 kg = -0.225 t.
    go = cert("GO-1", "A", "DE", 1500)
    rows = [
        {"id": "1", "entity": "A", "year": 2024, "activity": "electricity.grid",
         "quantity": 2000, "unit": "kWh", "region": "DE"},
        {"id": "2", "entity": "A", "year": 2024, "factor": "props:grid-de",
         "quantity": -1, "unit": "MWh", "region": "DE"},
    ]  # fmt: skip
    result = footprint(Case(rows, [go], None), lines=True)
    assert result.totals["scope2_market"] == 0.0
    assert result.totals["scope2_location"] == pytest.approx(0.2)


def test_naming_the_factor_a_row_takes_anyway_does_not_change_which_consumption_is_served_first():
    # Site A in NL: 1,000 kWh at the grid factor (0.3 kg/kWh) and 1,000 kWh at a green
    # tariff (0.1 kg/kWh), no residual mix, and one contract of 1,000 kWh at 0. Served
    # in the order of the factors they take (props:grid-nl, then props:tariff-nl), the
    # contract covers the grid's 1,000 kWh and the tariff's take 0.1 kg: 0.1 t, whether
    # or not the grid row names its factor. In key order, a row naming its factor came
    # before the rows without one, so the tariff was served first: 0.3 t.
    contract = Instrument("C-1", CONTRACT, "A", "NL", 2024, 1000, 0.0)
    tariff = {"id": "2", "entity": "A", "year": 2024, "factor": "props:tariff-nl",
              "quantity": 1000, "unit": "kWh", "region": "NL"}  # fmt: skip
    for reference in (None, "props:grid-nl"):
        grid = {"id": "1", "entity": "A", "year": 2024, "activity": "electricity.grid",
                "factor": reference, "quantity": 1000, "unit": "kWh", "region": "NL"}  # fmt: skip
        result = footprint(Case([grid, tariff], [contract], None))
        assert result.totals["scope2_market"] == pytest.approx(0.1), reference
        assert result.totals["scope2_location"] == pytest.approx(0.4), reference
