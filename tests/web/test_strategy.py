"""The climate strategy on the web: base year and recalculation, denominators, intensities,
targets with the SBTi check, the reduction plan, charts and the DESIGN.md §8 exports.

B1 has three calculated years of natural gas (2024 and 2025 locked, 2026 a draft); the
figures each test expects come from the dashboards' own totals or are computed by hand
from them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from typer.testing import CliRunner

from neutra.core.errors import InvalidInputError
from neutra.core.history import EmissionKey
from neutra.core.rounding import format_tonnes
from neutra.formats.strategy_files import read_history
from neutra.web.dashboards.selectors import year_over_year
from neutra.web.errors import NotAllowedError
from neutra.web.inventories.services import inventory_create
from neutra.web.strategy.models import Denominator, StructuralChange, Target
from neutra.web.strategy.selectors import emissions_history, strategy_view
from neutra.web.strategy.services import (
    base_year_set,
    denominator_set,
    measure_create,
    recalculation_accept,
    structural_change_record,
    target_set,
)
from neutra.web.tenancy.models import AuditEntry, Role
from neutra.web.tenancy.services import membership_grant
from neutra.web.workflow.services import inventory_transition
from tests.web.helpers import calculated, uploaded

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

GAS_KWH = {2024: 1_000_000, 2025: 950_000, 2026: 990_000}  # 2026 grows: off a steep path


def b1_history(world: dict[str, Any]) -> dict[int, Any]:
    """B1's three years, calculated; 2024 and 2025 locked."""
    alice, bob, b1 = world["alice"], world["bob"], world["B1"]
    inventories = {}
    for year, kwh in GAS_KWH.items():
        inventory = inventory_create(organisation=b1, year=year, by=alice)
        uploaded(
            inventory,
            bob,
            f"id,year,activity,quantity,unit,region\ng,{year},fuel.natural_gas,{kwh},kWh,GB\n",
        )
        if year < 2026:
            inventory_transition(inventory=inventory, to="submitted", by=bob)
            calculated(inventory, alice)
            inventory_transition(inventory=inventory, to="reviewed", by=alice)
            inventory = inventory_transition(inventory=inventory, to="locked", by=alice)
        else:
            calculated(inventory, alice)
        inventories[year] = inventory
    return inventories


@pytest.fixture
def b1(world: dict[str, Any]) -> dict[str, Any]:
    b1_history(world)
    totals = {y.year: y.totals for y in year_over_year(organisation=world["B1"])}
    return {**world, "totals": totals}


def test_the_history_is_the_dashboards_figures_year_by_year(b1: dict[str, Any]) -> None:
    history, sources = emissions_history(organisation=b1["B1"])
    assert [y.year for y in history.years] == [2024, 2025, 2026]
    for year in history.years:
        assert year.scope1 == b1["totals"][year.year]["scope1"] > 0
        assert year.scope2_market == b1["totals"][year.year]["scope2_market"]
    assert [s.state for s in sources] == ["locked", "locked", "draft"]


def test_a_client_admin_enters_denominators_and_intensities_say_scopes_and_boundary(
    b1: dict[str, Any],
) -> None:
    bob, organisation = b1["bob"], b1["B1"]
    denominator_set(
        organisation=organisation,
        year=2024,
        indicator="fte",
        value=200,
        unit="FTE",
        source="HR",
        by=bob,
    )
    denominator_set(
        organisation=organisation,
        year=2024,
        indicator="revenue",
        value=40e6,
        unit="GBP",
        source="AR",
        by=bob,
    )
    view = strategy_view(organisation=organisation)
    assert view.report is not None
    found = {(i.indicator, i.key.value): i for i in view.report.intensities}
    scope1 = b1["totals"][2024]["scope1"]
    assert found["fte", "scope1_2_market"].value == pytest.approx(
        (scope1 + b1["totals"][2024]["scope2_market"]) / 200
    )
    assert found["revenue", "scope1"].value == pytest.approx(scope1 / 40)  # per million GBP
    statement = found["fte", "scope1_2_market"].statement
    assert "scopes 1 + 2 (market-based)" in statement
    assert "B1 Manufacturing, operational control boundary" in statement
    entry = AuditEntry.objects.filter(
        organisation=organisation, action="strategy.denominator"
    ).first()
    assert entry is not None
    assert entry.actor == bob
    assert entry.detail["value"] == 40e6


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"indicator": "fte", "value": -3, "unit": "FTE"}, "value"),
        ({"indicator": "revenue", "value": 1e6, "unit": "EURO"}, "unit"),
        ({"indicator": "Tonnes Produced", "value": 1.0, "unit": "t"}, "indicator"),
    ],
    ids=["negative-headcount", "not-a-currency", "bad-indicator-name"],
)
def test_a_bad_denominator_names_its_field_and_writes_nothing(
    b1: dict[str, Any], fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        denominator_set(organisation=b1["B1"], year=2024, source="", by=b1["bob"], **fields)
    assert caught.value.problems[0].column == field
    assert not Denominator.objects.exists()


def test_a_revenue_currency_with_no_exchange_rate_for_the_year_is_refused(
    b1: dict[str, Any],
) -> None:
    bob, organisation = b1["bob"], b1["B1"]
    denominator_set(
        organisation=organisation,
        year=2024,
        indicator="revenue",
        value=1e6,
        unit="GBP",
        source="",
        by=bob,
    )
    # The rates kept (ecb-eur-annual) end with 2025: 2026 has none yet.
    with pytest.raises(InvalidInputError, match="no 2026 exchange rate"):
        denominator_set(
            organisation=organisation,
            year=2026,
            indicator="revenue",
            value=1e6,
            unit="EUR",
            source="",
            by=bob,
        )
    assert Denominator.objects.count() == 1


def test_a_viewer_may_read_but_not_enter_denominators(b1: dict[str, Any], make_user: Any) -> None:
    viewer = make_user("b1-viewer")
    membership_grant(organisation=b1["B1"], user=viewer, role=Role.VIEWER, by=b1["alice"])
    with pytest.raises(NotAllowedError):
        denominator_set(
            organisation=b1["B1"],
            year=2024,
            indicator="fte",
            value=1,
            unit="",
            source="",
            by=viewer,
        )


def test_a_target_year_before_the_base_year_and_a_reduction_over_100_percent_are_refused(
    b1: dict[str, Any],
) -> None:
    common = {
        "organisation": b1["B1"],
        "code": "T",
        "kind": "absolute",
        "scopes": "1+2",
        "by": b1["alice"],
    }
    with pytest.raises(InvalidInputError) as caught:
        target_set(base_year=2024, target_year=2020, reduction=0.4, **common)
    assert caught.value.problems[0].column == "target_year"
    with pytest.raises(InvalidInputError) as caught:
        target_set(base_year=2024, target_year=2030, reduction=1.5, **common)
    assert caught.value.problems[0].column == "reduction"
    assert not Target.objects.exists()


def test_a_consultants_target_shows_its_path_status_and_sbti_check(b1: dict[str, Any]) -> None:
    target_set(
        organisation=b1["B1"], code="SBTi-S12", kind="absolute", scopes="1+2", base_year=2024,
        target_year=2032, reduction=0.42, criteria="sbti-near-term-1.5c", by=b1["alice"],
    )  # fmt: skip
    report = strategy_view(organisation=b1["B1"]).report
    assert report is not None
    (result,) = report.targets
    base = b1["totals"][2024]["scope1"] + b1["totals"][2024]["scope2_market"]
    assert result.base_value == pytest.approx(base)
    assert result.path[2026] == pytest.approx(base * (1 - 0.42 * 2 / 8))  # linear, 5.25 %/yr
    assert result.status.value == "off_track"  # 2026 burns less gas than 2024, not enough
    # 5.25 %/yr >= 4.2 %; 2032 is 6 years after 2026, the latest year; scope 3 is none.
    assert result.criteria is not None
    assert result.criteria.met, result.criteria.problems
    target_set(
        organisation=b1["B1"], code="SBTi-S12", kind="absolute", scopes="1+2", base_year=2024,
        target_year=2030, reduction=0.42, criteria="sbti-near-term-1.5c", by=b1["alice"],
    )  # fmt: skip
    report = strategy_view(organisation=b1["B1"]).report
    assert report is not None
    (replaced,) = report.targets
    assert replaced.criteria is not None
    assert replaced.criteria.problems == (
        "the target year 2030 is 4 years after 2026, the year it is set; it must be 5 to 10 years ahead",
    )


def test_small_changes_are_logged_until_together_they_pass_the_threshold_then_accepted_restate(
    b1: dict[str, Any],
) -> None:
    alice, organisation = b1["alice"], b1["B1"]
    base_total = b1["totals"][2024]["total_market"]
    base_year_set(
        organisation=organisation, year=2024, threshold=0.05, policy="Recalculate at 5 %.", by=alice
    )
    structural_change_record(
        organisation=organisation,
        year=2025,
        kind="organic",
        description="New shift",
        base_year_effect_t=base_total,
        by=alice,
    )
    structural_change_record(
        organisation=organisation,
        year=2025,
        kind="acquisition",
        description="Bought a depot",
        base_year_effect_t=0.03 * base_total,
        by=alice,
    )
    view = strategy_view(organisation=organisation)
    assert not view.proposal_due  # 3 %; organic growth never counts
    with pytest.raises(InvalidInputError, match="below the threshold"):
        recalculation_accept(organisation=organisation, by=alice)
    structural_change_record(
        organisation=organisation,
        year=2026,
        kind="method",
        description="New boiler factors",
        base_year_effect_t=0.025 * base_total,
        by=alice,
    )
    assert strategy_view(organisation=organisation).proposal_due  # 5.5 % together
    recalculation = recalculation_accept(organisation=organisation, by=alice)
    assert recalculation.restated_t == pytest.approx(1.055 * base_total)
    assert recalculation.as_reported_t == pytest.approx(base_total)
    series = {r["year"]: r for r in recalculation.series}
    assert series[2025]["restated_t"] == pytest.approx(
        b1["totals"][2025]["total_market"] + 0.025 * base_total
    )
    assert series[2026]["restated_t"] == pytest.approx(b1["totals"][2026]["total_market"])
    assert (
        StructuralChange.objects.filter(recalculation=recalculation).count() == 2
    )  # not the organic one
    after = strategy_view(organisation=organisation)
    assert not after.proposal_due
    assert after.report is not None
    assert after.report.base_year.restated_t == pytest.approx(1.055 * base_total)
    # The figures as reported never change: the inventories' totals are the same.
    assert {y.year: y.totals for y in year_over_year(organisation=organisation)} == b1["totals"]
    assert (
        AuditEntry.objects.filter(
            organisation=organisation, action="strategy.recalculation"
        ).count()
        == 1
    )
    with pytest.raises(InvalidInputError):
        recalculation_accept(organisation=organisation, by=alice)  # nothing pending any more


def test_the_page_shows_figures_charts_and_the_off_track_warning(b1: dict[str, Any]) -> None:
    alice, bob, organisation = b1["alice"], b1["bob"], b1["B1"]
    denominator_set(
        organisation=organisation,
        year=2024,
        indicator="fte",
        value=200,
        unit="FTE",
        source="HR",
        by=bob,
    )
    target_set(
        organisation=organisation,
        code="T1",
        kind="absolute",
        scopes="1+2",
        base_year=2024,
        target_year=2030,
        reduction=0.42,
        by=alice,
    )
    measure_create(
        organisation=organisation,
        name="Heat pumps",
        abatement_t_per_year=20,
        cost_per_year=4000,
        currency="GBP",
        start_year=2027,
        owner="Facilities",
        scope="1",
        by=alice,
    )
    client = Client()
    client.force_login(bob)
    page = client.get(f"/organisations/{organisation.pk}/strategy/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="warning-T1"' in text
    assert "Off track" in text
    assert 'id="trajectory-T1"' in text
    assert "<svg" in text
    assert "scopes 1 + 2 (market-based) per FTE" in text
    assert 'id="mac-curve"' in text
    # An absolute target's tonnes are written as every table writes tonnes (3 decimals).
    base = b1["totals"][2024]["scope1"] + b1["totals"][2024]["scope2_market"]
    assert f"Base value {format_tonnes(base)} t CO2e;" in text
    svg = client.get(f"/organisations/{organisation.pk}/strategy/charts/trajectory-T1.svg")
    assert svg.status_code == 200
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert b"<a " not in svg.content  # static: no links
    assert (
        client.get(f"/organisations/{organisation.pk}/strategy/charts/nothing.svg").status_code
        == 404
    )


def test_the_exported_files_give_the_api_figures_through_neutra_strategy(
    b1: dict[str, Any], tmp_path: Path
) -> None:
    alice, bob, organisation = b1["alice"], b1["bob"], b1["B1"]
    denominator_set(
        organisation=organisation,
        year=2025,
        indicator="fte",
        value=180,
        unit="FTE",
        source="HR",
        by=bob,
    )
    target_set(
        organisation=organisation,
        code="T1",
        kind="absolute",
        scopes="1+2+3",
        base_year=2024,
        target_year=2030,
        reduction=0.3,
        by=alice,
    )
    client = Client()
    client.force_login(bob)
    files = {}
    for name in ("history", "denominators", "targets"):
        response = client.get(f"/organisations/{organisation.pk}/strategy/export/{name}.csv")
        assert response.status_code == 200
        files[name] = tmp_path / f"{name}.csv"
        files[name].write_bytes(response.content)
    from neutra.cli.main import app

    result = CliRunner().invoke(
        app,
        ["strategy", "--history", str(files["history"]), "--denominators", str(files["denominators"]),
         "--targets", str(files["targets"]), "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    offline = json.loads(result.stdout)
    online = client.get(f"/api/organisations/{organisation.pk}/strategy").json()
    for key in ("base_year", "years", "targets"):
        assert online[key] == offline[key]


def test_the_api_refuses_bad_input_with_the_one_error_shape(b1: dict[str, Any]) -> None:
    client = Client()
    client.force_login(b1["bob"])
    response = client.post(
        f"/api/organisations/{b1['B1'].pk}/strategy/denominators",
        json.dumps({"year": 2024, "indicator": "fte", "value": -1}),
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"message", "extra"}
    assert body["extra"]["problems"][0]["column"] == "value"


def test_the_restated_history_export_holds_the_restated_figures(
    b1: dict[str, Any], tmp_path: Path
) -> None:
    alice, organisation = b1["alice"], b1["B1"]
    base_year_set(organisation=organisation, year=2024, by=alice)
    structural_change_record(
        organisation=organisation,
        year=2025,
        kind="acquisition",
        description="Depot",
        base_year_effect_t=b1["totals"][2024]["total_market"] * 0.1,
        by=alice,
    )
    recalculation_accept(organisation=organisation, by=alice)
    client = Client()
    client.force_login(b1["bob"])
    histories = {}
    for name in ("history", "history-restated"):
        path = tmp_path / f"{name}.csv"
        path.write_bytes(
            client.get(f"/organisations/{organisation.pk}/strategy/export/{name}.csv").content
        )
        histories[name] = read_history(path)[0]
    reported, restated = histories["history"], histories["history-restated"]
    assert reported.year(2024).figure(EmissionKey.TOTAL_MARKET) == pytest.approx(
        b1["totals"][2024]["total_market"]
    )
    assert restated.year(2024).figure(EmissionKey.TOTAL_MARKET) == pytest.approx(
        1.1 * b1["totals"][2024]["total_market"]
    )
    assert restated.year(2025) == reported.year(2025)  # the change took effect in 2025: as reported


def test_moving_to_newer_factor_sets_is_a_restatement_and_the_locked_figures_never_change(
    world: dict[str, Any], tmp_path: Path
) -> None:
    from neutra.formats.factor_csv import read_factor_csv
    from neutra.formats.factor_store import FactorStore
    from neutra.web.calculations.models import Calculation, EmissionLine
    from neutra.web.inventories.models import InventoryLockedError
    from neutra.web.workflow.services import inventory_restate
    from tests.web.helpers import walked_to_locked

    alice, bob = world["alice"], world["bob"]
    locked = walked_to_locked(
        inventory_create(organisation=world["B1"], year=2025, by=alice), client=bob, staff=alice
    )
    before = Calculation.objects.get(inventory=locked)
    lines_before = list(
        EmissionLine.objects.filter(calculation=before).values("factor", "emissions_t_co2e")
    )
    factors = tmp_path / "newer.csv"
    factors.write_text(
        "factor_id,activity,gas,value,unit,gwp_set,scope\ngas,fuel.natural_gas,CO2e,0.2,kg/kWh,AR5,1\n"
    )
    newer = read_factor_csv(factors, name="newer-gas")
    FactorStore().save(newer)
    pins = [{"name": "newer-gas", "version": newer.version}, *locked.factor_sets]

    locked.factor_sets = pins  # changing the locked version itself is refused
    with pytest.raises(InventoryLockedError):
        locked.save()
    locked.refresh_from_db()

    restatement = inventory_restate(inventory=locked, by=alice, factor_sets=pins)
    assert restatement.factor_sets == pins
    assert restatement.version == 2
    assert restatement.restates_id == locked.pk
    entry = AuditEntry.objects.filter(action="inventory.restate").first()
    assert entry is not None
    assert entry.detail["factor_sets"] == pins
    assert entry.detail["factor_sets_before"] == locked.factor_sets
    calculated(restatement, alice)

    # The locked version's figures are exactly what they were.
    assert list(Calculation.objects.filter(inventory=locked)) == [before]
    again = Calculation.objects.get(inventory=locked)
    assert (again.summary, again.output_hash) == (before.summary, before.output_hash)
    assert (
        list(EmissionLine.objects.filter(calculation=before).values("factor", "emissions_t_co2e"))
        == lines_before
    )

    # The comparison shows the difference line by line: 1000 kWh x (0.2 - 0.18296) kg.
    client = Client()
    client.force_login(bob)
    page = client.get(f"/inventories/{restatement.pk}/compare/").content.decode()
    assert 'id="diff-lines"' in page
    assert "1 activity row changed, 0 unchanged" in page
    assert "newer-gas:gas" in page
    assert lines_before[0]["factor"] in page
    assert f"+{1000 * (0.0002 - 0.00018296):.3f}" in page  # +0.017 t


def test_the_api_restates_on_other_factor_sets_and_refuses_a_bad_pin(world: dict[str, Any]) -> None:
    from neutra.web.inventories.models import Inventory
    from neutra.web.inventories.services import default_factor_sets
    from tests.web.helpers import walked_to_locked

    alice, bob = world["alice"], world["bob"]
    locked = walked_to_locked(
        inventory_create(organisation=world["B1"], year=2025, by=alice), client=bob, staff=alice
    )
    client = Client()
    client.force_login(alice)
    url = f"/api/inventories/{locked.pk}/restate-factor-sets"
    bad = client.post(
        url,
        json.dumps({"factor_sets": [{"name": "desnz-2025", "version": "latest"}]}),
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["extra"]["problems"][0]["column"] == "factor_sets[0].version"
    assert Inventory.objects.filter(restates=locked).count() == 0
    name, version = default_factor_sets()[0]  # only the first set: the others left out
    good = client.post(
        url,
        json.dumps({"factor_sets": [{"name": name, "version": version}]}),
        content_type="application/json",
    )
    assert good.status_code == 201, good.content
    assert good.json()["factor_sets"] == [{"name": name, "version": version}]
    assert good.json()["restates_id"] == locked.pk


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (68.8, "68.8"),
        (1094.37, "1,094.37"),
        (86_500_000.0, "86,500,000"),  # a revenue: never "8.65e+07"
        (1_234_567.89, "1,234,568"),
        (0.000012, "0.000012"),
        (412.0, "412"),
    ],
)
def test_intensities_and_denominators_read_as_numbers_never_in_exponent_form(
    value: float, shown: str
) -> None:
    from neutra.web.strategy.templatetags.strategy_figures import intensity

    assert intensity(value) == shown


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("changes", {"year": 2025, "kind": "acquisition", "description": "Plant",
                     "base_year_effect_t": 1e308}, "base_year_effect_t"),
        ("measures", {"name": "Huge", "abatement_t_per_year": 1e308, "cost_per_year": 1,
                      "currency": "GBP", "start_year": 2027, "owner": "Facilities"},
         "abatement_t_per_year"),
        ("targets", {"code": "T1", "kind": "absolute", "scopes": "1+2", "base_year": 2024,
                     "base_value": 1e308, "target_year": 2030, "reduction": 0.4}, "base_value"),
    ],
    ids=["change", "measure", "target-base-value"],
)  # fmt: skip
def test_an_emission_figure_of_1e308_tonnes_is_refused_and_the_strategy_still_reads(
    b1: dict[str, Any], path: str, body: dict[str, Any], field: str
) -> None:
    # Two changes of 1e308 t overflowed the base year's sum: every read of the strategy
    # (the API, the page, the exports) was a server error from then on.
    client = Client()
    client.force_login(b1["alice"])
    url = f"/api/organisations/{b1['B1'].pk}/strategy"
    client.put(f"{url}/base-year", json.dumps({"year": 2024}), content_type="application/json")
    for _ in range(2):
        response = client.post(f"{url}/{path}", json.dumps(body), content_type="application/json")
        assert response.status_code == 400
        assert response.json()["message"] == (
            f"{field}: too large: an emission figure is at most 1e+15 t CO2e"
        )
    assert not StructuralChange.objects.exists()
    assert not Target.objects.exists()
    assert client.get(url).status_code == 200
    assert client.get(f"/organisations/{b1['B1'].pk}/strategy/").status_code == 200


@pytest.mark.parametrize("value", [1e-320, 1e308])
def test_a_denominator_so_small_or_large_that_intensities_are_not_finite_is_refused(
    b1: dict[str, Any], value: float
) -> None:
    # 1e-320 FTE made every intensity of 2024 infinite: the API answered `Infinity`,
    # which is not JSON.
    client = Client()
    client.force_login(b1["bob"])
    url = f"/api/organisations/{b1['B1'].pk}/strategy"
    response = client.post(
        f"{url}/denominators",
        json.dumps({"year": 2024, "indicator": "fte", "value": value}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert (
        response.json()["message"] == "value: a denominator is between 1e-06 and 1e+18 in its unit"
    )
    assert not Denominator.objects.exists()
    json.loads(client.get(url).content, parse_constant=pytest.fail)  # strict JSON: no Infinity


def test_a_measure_whose_cost_per_tonne_is_infinite_is_refused_and_the_page_still_draws(
    b1: dict[str, Any],
) -> None:
    # 5 GBP over 1e-320 t is an infinite cost per tonne: the MAC curve could not be drawn
    # and the strategy page and its chart were server errors.
    with pytest.raises(InvalidInputError) as caught:
        measure_create(
            organisation=b1["B1"], name="Tiny", abatement_t_per_year=1e-320, cost_per_year=5,
            currency="GBP", start_year=2027, owner="Facilities", by=b1["alice"],
        )  # fmt: skip
    assert caught.value.problems[0].column == "abatement_t_per_year"
    assert "the cost per t CO2e would not be a finite figure" in caught.value.message
    client = Client()
    client.force_login(b1["bob"])
    assert client.get(f"/organisations/{b1['B1'].pk}/strategy/").status_code == 200


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"categories": "²"}, "categories: give scope 3 categories 1-15 separated by &#x27;;&#x27;"),
        ({"categories": "٣"}, "categories: give scope 3 categories 1-15 separated by &#x27;;&#x27;"),
        ({"milestones": "٢٠٢٦:10"}, "milestones: give year:percent pairs, e.g. 2025:21;2027:30"),
        ({"milestones": "2026:1_0"}, "milestones: give year:percent pairs, e.g. 2025:21;2027:30"),
        ({"base_year": "２０２４"}, "base_year: give a whole number in digits 0-9"),
        ({"reduction_percent": "4_0"}, "reduction_percent: give a number with &#x27;.&#x27; as decimal point"),
    ],
    ids=["superscript-two", "arabic-indic-category", "arabic-indic-year", "underscore-percent",
         "fullwidth-year", "underscore-reduction"],
)  # fmt: skip
def test_the_target_form_takes_only_ascii_digits_and_names_the_field(
    b1: dict[str, Any], fields: dict[str, str], message: str
) -> None:
    # int() took "٣" and "２０２４" and "1_0", and failed on "²" (which str.isdigit() passes):
    # a server error.
    client = Client()
    client.force_login(b1["alice"])
    form = {"code": "T1", "kind": "absolute", "scopes": "3", "scope2": "market",
            "base_year": "2024", "target_year": "2030", "reduction_percent": "40", **fields}  # fmt: skip
    page = client.post(f"/organisations/{b1['B1'].pk}/strategy/targets", form, follow=True)
    assert page.status_code == 200
    assert message in page.content.decode()
    assert not Target.objects.exists()


def test_the_denominator_form_refuses_a_figure_in_other_digits(b1: dict[str, Any]) -> None:
    client = Client()
    client.force_login(b1["bob"])
    form = {"year": "2024", "indicator": "fte", "value": "١٢٠", "unit": "FTE"}
    page = client.post(f"/organisations/{b1['B1'].pk}/strategy/denominators", form, follow=True)
    assert "value: give a number with &#x27;.&#x27; as decimal point" in page.content.decode()
    assert not Denominator.objects.exists()
