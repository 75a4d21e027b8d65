"""Spend in other currencies and price years, against hand-computed answers."""

from __future__ import annotations

import pytest

from neutra.core.money import convert_money, currency_of

# fed-h10-annual: EUR per USD 2024 = 0.9239; bls-cpi-u-annual: 2022 = 292.655, 2024 = 313.689


def test_currency_of_reads_prefixed_money_units():
    assert currency_of("kEUR") == "EUR"
    assert currency_of("USD") == "USD"
    assert currency_of("kWh") is None


def test_eur_2024_becomes_usd_2022_at_the_2024_rate_then_deflated():
    money = convert_money("EUR", 2024, "USD", 2022)
    assert money.scale == pytest.approx((1 / 0.9239) * (292.655 / 313.689))
    assert money.converted
    assert "EUR -> USD" in money.detail
    assert "2024 -> 2022 prices" in money.detail


def test_thousands_of_usd_in_the_factor_year_only_change_the_prefix():
    money = convert_money("kUSD", 2022, "USD", 2022)
    assert money.scale == pytest.approx(1000)
    assert not money.converted


def test_a_year_after_the_data_uses_the_latest_earlier_rate_and_says_so():
    money = convert_money("GBP", 2025, "USD", 2022)
    assert money.scale == pytest.approx((1 / 0.7824) * (292.655 / 313.689))
    assert "latest before 2025" in money.detail


def test_a_currency_without_rates_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="no exchange rate for JPY"):
        convert_money("JPY", 2024, "USD", 2022)
    with pytest.raises(ValueError, match="no price index for EUR"):
        convert_money("USD", 2024, "EUR", 2020)
