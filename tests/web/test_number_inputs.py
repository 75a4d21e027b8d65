"""Money and other numbers on the credits and strategy pages and API: ASCII digits, exact
prices, bounded amounts.

Django's `DecimalField` and pydantic's `Decimal` took "١٠" and "1_0" as 10; pydantic's
`int` and `float` took "1_0" and `true`; a measure's cost per year had no bound. Every
refusal here names the field, changes nothing and is never a server error.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from neutra.core.errors import InvalidInputError
from neutra.formats.ledger_file import read_ledger
from neutra.web.credits.models import CreditBlock, CreditTransaction, JournalEntry
from neutra.web.credits.services import ledger_import
from neutra.web.strategy.models import Measure
from neutra.web.strategy.services import measure_create
from tests.web.credits_data import Book, buy, credits_book

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
MONEY_TEXT = "price: give an amount in digits 0-9 with &#x27;.&#x27; as decimal point"
TOO_DEAR = "price: too large: a price per unit is below 1e+10 in its currency"


@pytest.fixture
def book(world: dict[str, Any]) -> Book:
    return credits_book(world)


def ledger_state() -> tuple[int, int, int]:
    return (
        CreditBlock.objects.count(),
        CreditTransaction.objects.count(),
        JournalEntry.objects.count(),
    )


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def purchase_form(book: Book, **fields: str) -> dict[str, str]:
    return {"account": str(book.cdm.pk), "project": str(book.wind.pk), "unit_type": "CER",
            "vintage": "2012", "serial_start": "1", "serial_end": "100", "date": "2025-01-10",
            "currency": "EUR", **fields}  # fmt: skip


def purchase_body(book: Book, **fields: Any) -> dict[str, Any]:
    return {"account_id": book.cdm.pk, "project_id": book.wind.pk, "unit_type": "CER",
            "vintage": "2012", "serial_start": 1, "serial_end": 100, "date": "2025-01-10",
            "currency": "EUR", **fields}  # fmt: skip


def post_json(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(url, json.dumps(body), content_type="application/json")


# --- the credits ledger's price, on the page -------------------------------------------


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("١٠", MONEY_TEXT),
        ("1_0", MONEY_TEXT),
        ("1,25", MONEY_TEXT),
        ("€1", MONEY_TEXT),
        ("10000000000", TOO_DEAR),
        ("1e400", TOO_DEAR),
        ("1.23456", "price: at most 4 decimal places"),
        ("-1", "price: a price per unit is not negative"),
    ],
    ids=["arabic-indic", "underscore", "comma", "currency-sign", "1e10", "1e400",
         "five-places", "negative"],
)  # fmt: skip
def test_a_purchase_form_with_a_price_that_is_no_price_names_it_and_buys_nothing(
    world: dict[str, Any], book: Book, price: str, message: str
) -> None:
    page = logged_in(world["alice"]).post(
        "/credits/purchase", purchase_form(book, price=price), follow=True
    )
    assert page.status_code == 200
    assert message in page.content.decode()
    assert ledger_state() == (0, 0, 0)


def test_a_price_typed_on_the_page_is_kept_exactly(world: dict[str, Any], book: Book) -> None:
    page = logged_in(world["alice"]).post(
        "/credits/purchase", purchase_form(book, price="0.1"), follow=True
    )
    assert "recorded: 100 units." in page.content.decode()
    txn = CreditTransaction.objects.get()
    assert txn.price == Decimal("0.1")
    assert txn.row["price"] == "0.1"


def test_a_sale_form_with_a_price_in_other_digits_sells_nothing(
    world: dict[str, Any], book: Book
) -> None:
    buy(world, book, 1, 100)
    before = ledger_state()
    page = logged_in(world["alice"]).post(
        "/credits/operate",
        {"action": "sale", "date": "2025-02-01", "project": str(book.wind.pk), "unit_type": "CER",
         "serial_start": "1", "serial_end": "10", "counterparty": "Buyer", "price": "٢",
         "currency": "EUR"},
        follow=True,
    )  # fmt: skip
    assert MONEY_TEXT in page.content.decode()
    assert ledger_state() == before


# --- the credits ledger's price, on the API --------------------------------------------


@pytest.mark.parametrize("price", ["١٠", "1_0", "1,5", True])
def test_an_api_price_that_is_no_plain_number_is_refused_naming_the_field(
    world: dict[str, Any], book: Book, price: Any
) -> None:
    answer = post_json(
        logged_in(world["alice"]), "/api/credits/purchases", purchase_body(book, price=price)
    )
    assert answer.status_code == 422, answer.content
    assert answer.json()["message"].startswith("body.payload.price: give an amount in digits 0-9")
    assert ledger_state() == (0, 0, 0)


@pytest.mark.parametrize(
    ("price", "reason"),
    [
        ("1e400", "too large: a price per unit is below 1e+10 in its currency"),
        (1e300, "too large: a price per unit is below 1e+10 in its currency"),
        (10_000_000_000, "too large: a price per unit is below 1e+10 in its currency"),
        ("1.23456", "at most 4 decimal places"),
        (-0.5, "a price per unit is not negative"),
    ],
)
def test_an_api_price_out_of_bounds_is_refused_with_the_reason(
    world: dict[str, Any], book: Book, price: Any, reason: str
) -> None:
    answer = post_json(
        logged_in(world["alice"]), "/api/credits/purchases", purchase_body(book, price=price)
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["message"] == f"price: {reason}"
    assert answer.json()["extra"]["problems"][0]["column"] == "price"
    assert ledger_state() == (0, 0, 0)


@pytest.mark.parametrize(
    ("price", "written"),
    [(0.1, "0.1"), ("0.1", "0.1"), ("1.5e2", "150"), (2, "2")],
    ids=["json-number", "json-string", "exponent", "whole"],
)
def test_an_api_price_is_kept_exactly_and_written_as_a_ledger_file_gives_it_back(
    world: dict[str, Any], book: Book, price: Any, written: str
) -> None:
    # "1.5E+2" in the ledger row would not read back from the exported ledger file.
    answer = post_json(
        logged_in(world["alice"]), "/api/credits/purchases", purchase_body(book, price=price)
    )
    assert answer.status_code == 201, answer.content
    txn = CreditTransaction.objects.get()
    assert txn.price == Decimal(written)
    assert txn.row["price"] == written


def test_an_api_sale_price_in_other_digits_is_refused(world: dict[str, Any], book: Book) -> None:
    buy(world, book, 1, 100)
    before = ledger_state()
    body = {"project_id": book.wind.pk, "unit_type": "CER", "serial_start": 1, "serial_end": 10,
            "date": "2025-02-01", "buyer": "Buyer", "price": "١٫٥", "currency": "EUR"}  # fmt: skip
    answer = post_json(logged_in(world["alice"]), "/api/credits/sales", body)
    assert answer.status_code == 422
    assert answer.json()["message"].startswith("body.payload.price: ")
    assert ledger_state() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("serial_start", "1_0"), ("serial_start", True), ("serial_end", " ٣ "), ("quantity", "1e2")],
)
def test_api_serials_and_quantities_are_ascii_whole_numbers(
    world: dict[str, Any], book: Book, field: str, value: Any
) -> None:
    # pydantic's int took "1_0" as 10 and true as 1: units nobody wrote in digits.
    answer = post_json(
        logged_in(world["alice"]), "/api/credits/purchases", purchase_body(book, **{field: value})
    )
    assert answer.status_code == 422, answer.content
    assert answer.json()["message"].startswith(f"body.payload.{field}: give a whole number")
    assert ledger_state() == (0, 0, 0)


def test_finding_a_serial_on_the_api_takes_ascii_digits_only(
    world: dict[str, Any], book: Book
) -> None:
    buy(world, book, 1, 100)
    client = logged_in(world["alice"])
    assert len(client.get("/api/credits/find", {"serial": "10"}).json()) == 1
    answer = client.get("/api/credits/find", {"serial": "1_0"})
    assert answer.status_code == 422
    assert answer.json()["message"].startswith("query.serial: give a whole number")


def test_a_consultancy_named_in_other_digits_is_not_found(
    world: dict[str, Any], book: Book
) -> None:
    # int() read "١" as 1: the ledger page answered for a consultancy id nobody wrote.
    client = logged_in(world["alice"])
    own = str(world["A"].pk)
    assert client.get("/credits/", {"consultancy": own}).status_code == 200
    assert client.get("/credits/", {"consultancy": own.translate(ARABIC_INDIC)}).status_code == 404


def test_a_ledger_file_with_a_price_too_large_imports_nothing_and_names_the_row(
    world: dict[str, Any], book: Book, tmp_path: Any
) -> None:
    path = tmp_path / "ledger.csv"
    path.write_text(
        "txn_id,date,action,programme,unit_type,host_party,project_id,vintage,serial_start,"
        "serial_end,registry,account,counterparty,price,currency\n"
        "p1,2025-01-10,purchase,CDM,CER,IN,1234,2012,1,100,CDM,A-HOLD,Broker,1.50,EUR\n"
        "p2,2025-01-11,purchase,CDM,CER,IN,1234,2012,101,200,CDM,A-HOLD,Broker,"
        "123456789012345678901234,EUR\n"
        "p3,2025-01-12,purchase,CDM,CER,IN,1234,2012,201,300,CDM,A-HOLD,Broker,1.234567,EUR\n"
    )
    with pytest.raises(InvalidInputError) as refused:
        ledger_import(
            consultancy=world["A"], rows=read_ledger(path), source="ledger.csv", by=world["alice"]
        )
    assert [(p.row, p.column, p.reason) for p in refused.value.problems] == [
        (3, "price", "too large: a price per unit is below 1e+10 in its currency"),
        (4, "price", "at most 4 decimal places"),
    ]
    assert ledger_state() == (0, 0, 0)


# --- the strategy: a measure's cost and the other numbers of the API --------------------

MEASURE = {"name": "Heat pumps", "abatement_t_per_year": 120, "currency": "GBP",
           "start_year": 2027, "owner": "Facilities"}  # fmt: skip
TOO_MUCH = "cost_per_year: too large: an amount of money is at most 1e+18 in its currency"


@pytest.mark.parametrize("cost", [1e19, -1e300])
def test_a_measure_costing_more_than_any_amount_of_money_is_refused_on_the_api(
    world: dict[str, Any], cost: float
) -> None:
    url = f"/api/organisations/{world['B1'].pk}/strategy/measures"
    answer = post_json(logged_in(world["alice"]), url, {**MEASURE, "cost_per_year": cost})
    assert answer.status_code == 400, answer.content
    assert answer.json()["message"] == TOO_MUCH
    assert not Measure.objects.exists()


def test_a_measure_costing_more_than_any_amount_of_money_is_refused_on_the_page(
    world: dict[str, Any],
) -> None:
    form = {**MEASURE, "cost_per_year": "1e19", "status": "planned"}
    page = logged_in(world["alice"]).post(
        f"/organisations/{world['B1'].pk}/strategy/measures", form, follow=True
    )
    assert page.status_code == 200
    assert TOO_MUCH in page.content.decode()
    assert not Measure.objects.exists()


def test_a_measure_at_the_money_bound_is_planned(world: dict[str, Any]) -> None:
    measure_create(organisation=world["B1"], by=world["alice"], cost_per_year=1e18, **MEASURE)
    assert Measure.objects.get().cost_per_year == 1e18


@pytest.mark.parametrize(
    ("path", "body", "field", "reason"),
    [
        ("measures", {**MEASURE, "cost_per_year": "1_000"}, "cost_per_year", "give a number"),
        ("measures", {**MEASURE, "cost_per_year": True}, "cost_per_year", "give a number"),
        ("measures", {**MEASURE, "cost_per_year": 5, "start_year": "2_027"}, "start_year",
         "give a whole number"),
        ("denominators", {"year": 2024, "indicator": "fte", "value": "1_20"}, "value",
         "give a number"),
        ("changes", {"year": 2025, "kind": "acquisition", "description": "Plant",
                     "base_year_effect_t": "١٠"}, "base_year_effect_t", "give a number"),
        ("targets", {"code": "T1", "kind": "absolute", "scopes": "1+2", "base_year": 2024,
                     "target_year": 2030, "reduction": 0.4, "categories": ["1_0"]},
         "categories.0", "give a whole number"),
    ],
    ids=["cost-underscore", "cost-true", "year-underscore", "denominator-underscore",
         "effect-arabic-indic", "category-underscore"],
)  # fmt: skip
def test_strategy_api_numbers_sent_as_text_are_ascii_only(
    world: dict[str, Any], path: str, body: dict[str, Any], field: str, reason: str
) -> None:
    # pydantic's float and int took "1_000" as 1000 and true as 1.
    url = f"/api/organisations/{world['B1'].pk}/strategy/{path}"
    answer = post_json(logged_in(world["alice"]), url, body)
    assert answer.status_code == 422, answer.content
    assert answer.json()["message"].startswith(f"body.payload.{field}: {reason}")
    assert not Measure.objects.exists()


def test_strategy_api_numbers_sent_as_plain_text_still_count(world: dict[str, Any]) -> None:
    url = f"/api/organisations/{world['B1'].pk}/strategy/measures"
    body = {**MEASURE, "cost_per_year": "-2500.5", "start_year": "2027"}
    answer = post_json(logged_in(world["alice"]), url, body)
    assert answer.status_code == 201, answer.content
    assert Measure.objects.get().cost_per_year == -2500.5


def test_a_stored_measure_core_refuses_is_said_on_the_page_not_a_server_error(
    world: dict[str, Any],
) -> None:
    # A row written before the services refused it (or around them): 5 GBP over 1e-320 t.
    Measure.objects.create(organisation=world["B1"], name="Tiny", abatement_t_per_year=1e-320,
                           cost_per_year=5, currency="GBP", start_year=2027, owner="Facilities")  # fmt: skip
    client = logged_in(world["bob"])
    page = client.get(f"/organisations/{world['B1'].pk}/strategy/")
    assert page.status_code == 200
    assert "the cost per t CO2e would not be a finite figure" in page.content.decode()
    answer = client.get(f"/api/organisations/{world['B1'].pk}/strategy")
    assert answer.status_code == 200
    document = json.loads(answer.content, parse_constant=pytest.fail)  # strict JSON
    assert document["measures"] == []
