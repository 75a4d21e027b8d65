"""Units of activity data: conversions compared with hand-computed answers."""

from __future__ import annotations

import pickle

import pytest

from neutra.core import units
from neutra.core.errors import NeutraError, UnitError
from neutra.core.units import (
    CURRENCIES,
    conversion_factor,
    dimension_name,
    is_currency,
    parse_unit,
)

# International Table Btu, exact by definition: 1055.05585262 J.
BTU_IT_J = 1055.05585262
KWH_J = 3.6e6


@pytest.mark.parametrize(
    ("from_unit", "to_unit", "hand_computed"),
    [
        ("MWh", "kWh", 1000.0),
        ("kWh", "MJ", 3.6),
        ("GJ", "kWh", 1e9 / KWH_J),  # 277.777...
        ("GJ", "MWh", 1e9 / KWH_J / 1000),
        ("mmBtu", "kWh", 1e6 * BTU_IT_J / KWH_J),  # 293.0711
        ("MMBtu", "GJ", 1e6 * BTU_IT_J / 1e9),  # 1.055056
        ("therm", "kWh", 1e5 * BTU_IT_J / KWH_J),  # 29.3071
    ],
)
def test_energy_units_convert_by_their_definitions(from_unit, to_unit, hand_computed):
    assert conversion_factor(from_unit, to_unit) == pytest.approx(hand_computed, rel=1e-6)


def test_one_gigajoule_is_277_point_7_recurring_kilowatt_hours():
    assert conversion_factor("GJ", "kWh") == pytest.approx(277.7777777777778, rel=1e-12)


def test_one_mmbtu_is_293_071_kwh_in_international_table_btu():
    assert conversion_factor("mmBtu", "kWh") == pytest.approx(293.07107017, rel=1e-9)


def test_one_therm_is_29_3071_kwh():
    assert conversion_factor("therm", "kWh") == pytest.approx(29.3071, rel=1e-5)


@pytest.mark.parametrize(
    ("from_unit", "to_unit", "hand_computed"),
    [
        ("m3", "L", 1000.0),
        ("m³", "L", 1000.0),
        ("L", "m3", 0.001),
        ("gal", "L", 3.785411784),  # US liquid gallon: 231 cubic inches
        ("gal", "m3", 0.003785411784),
        ("scf", "m3", 0.3048**3),  # 0.028316846592
        ("scf", "L", 28.316846592),
    ],
)
def test_volume_units_convert_by_their_definitions(from_unit, to_unit, hand_computed):
    assert conversion_factor(from_unit, to_unit) == pytest.approx(hand_computed, rel=1e-12)


def test_m3_and_m_cubed_parse_to_the_same_unit():
    assert parse_unit("m3") == parse_unit("m³") == parse_unit("m**3")
    assert dimension_name("m3") == dimension_name("m³") == "volume"


def test_a_passenger_mile_is_1_609344_passenger_km():
    assert conversion_factor("passenger_mile", "passenger_km") == pytest.approx(1.609344)
    assert conversion_factor("passenger_km", "passenger_mile") == pytest.approx(1 / 1.609344)
    assert conversion_factor("pkm", "passenger_km") == 1.0


def test_passenger_distance_is_not_plain_distance():
    assert dimension_name("passenger_km") == "passenger distance"
    with pytest.raises(UnitError):
        conversion_factor("passenger_km", "km")


def test_tonne_km_is_a_tonne_carried_one_kilometre():
    assert conversion_factor("tonne_km", "kg*km") == pytest.approx(1000.0)
    assert conversion_factor("tkm", "tonne_km") == 1.0
    assert dimension_name("tonne_km") == "freight (mass x distance)"
    # A short ton carried a mile: 0.90718474 t x 1.609344 km.
    assert conversion_factor("ton_mile", "tonne_km") == pytest.approx(0.90718474 * 1.609344)


def test_hotel_nights_are_their_own_dimension():
    assert dimension_name("night") == "nights"
    assert conversion_factor("room_night", "night") == 1.0
    with pytest.raises(UnitError):
        conversion_factor("night", "day")


def test_mass_units_convert():
    assert conversion_factor("t", "kg") == 1000.0
    assert conversion_factor("g", "kg") == pytest.approx(0.001)


def test_a_thousand_euros_is_a_kilo_euro():
    assert conversion_factor("kEUR", "EUR") == pytest.approx(1000.0)
    assert dimension_name("kEUR") == "currency EUR"


def test_each_currency_is_its_own_dimension():
    assert {"EUR", "USD", "GBP", "CHF"} <= CURRENCIES
    assert is_currency("EUR")
    assert is_currency("USD")
    assert not is_currency("kWh")
    assert dimension_name("USD") == "currency USD"


def test_converting_euros_to_dollars_is_a_unit_error_naming_both_units_and_dimensions():
    with pytest.raises(UnitError) as caught:
        conversion_factor("EUR", "USD")
    message = str(caught.value)
    assert "'EUR'" in message
    assert "'USD'" in message
    assert "currency EUR" in message
    assert "currency USD" in message
    assert caught.value.extra == {"from_unit": "EUR", "to_unit": "USD"}


def test_converting_energy_to_volume_is_a_unit_error_naming_the_dimensions():
    with pytest.raises(UnitError, match=r"'kWh' \(energy\).*'L' \(volume\)"):
        conversion_factor("kWh", "L")


@pytest.mark.parametrize("text", ["furlongs_per_fortnight", "kwhh", "XYZ"])
def test_an_unknown_unit_is_a_unit_error_naming_it(text):
    with pytest.raises(UnitError, match=text):
        parse_unit(text)


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_unit_is_a_unit_error(text):
    with pytest.raises(UnitError, match="no unit"):
        parse_unit(text)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("9**9**9", "cannot read unit '9**9**9': a power is a number of 1 or 2 digits"),
        ("kg/9**9**9", "cannot read unit 'kg/9**9**9': a power is a number of 1 or 2 digits"),
        ("m^2^3", "cannot read unit 'm^2^3': a power is a number of 1 or 2 digits"),
        ("kg**999", "cannot read unit 'kg**999': a power is a number of 1 or 2 digits"),
        ("k" * 101, "a unit is at most 100 characters"),
        ("k" * 30_000, "a unit is at most 100 characters"),
        ("kWh\x00", "unit 'kWh\\x00' holds a control character (a NUL, a tab...)"),
        ("k\tWh", "unit 'k\\tWh' holds a control character (a NUL, a tab...)"),
    ],
)
def test_a_unit_pint_would_work_out_for_hours_is_refused_at_once(text, reason):
    # pint works powers out exactly (9**9**9 has 370 million digits) and parses long
    # texts in time that grows with the square of their length.
    with pytest.raises(UnitError) as caught:
        parse_unit(text)
    assert caught.value.message == reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [("kg/m**3", "kg/m3"), ("m^2", "m2"), ("kg**2.5", "kg**2.5"), ("m ** -2", "1/m2")],
)
def test_small_powers_still_read(text, expected):
    assert parse_unit(text) == parse_unit(expected)


def test_a_unit_error_is_a_value_error_and_survives_pickling():
    with pytest.raises(UnitError) as caught:
        conversion_factor("EUR", "USD")
    error = caught.value
    assert isinstance(error, ValueError)
    assert isinstance(error, NeutraError)
    restored = pickle.loads(pickle.dumps(error))
    assert type(restored) is UnitError
    assert str(restored) == str(error)
    assert restored.extra == error.extra


def test_a_damaged_cache_of_pints_definitions_is_parsed_afresh(tmp_path, monkeypatch):
    # pint keeps its parsed definition files in the user's cache folder; a file there
    # that was cut short (another process writing it) must not stop Neutra starting.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    units._make_registry()
    pickles = list(tmp_path.rglob("*.pickle"))
    assert pickles  # the cache was written where the environment says
    for cached in pickles:
        cached.write_bytes(cached.read_bytes()[:10])
    registry = units._make_registry()
    assert registry.Quantity(1, "MWh").to("kWh").magnitude == 1000
    # ... and cached again, whole: the next start reads the cache instead of parsing.
    again = list(tmp_path.rglob("*.pickle"))
    assert sorted(again) == sorted(pickles)
    assert all(len(cached.read_bytes()) > 10 for cached in again)


@pytest.mark.parametrize(("text", "number"), [("t/1e3 kWh", "1e3"), ("kg/1000 kWh", "1000"),
                                              ("USD/1e6", "1e6"), ("10 kg", "10")])  # fmt: skip
def test_a_number_in_a_unit_is_named_not_read_as_a_unit(text: str, number: str) -> None:
    # Was read as the elementary charge cubed: "1e3" became "1e**3", and t/MWh did not fit.
    with pytest.raises(UnitError, match=rf"holds no number \({number}\)"):
        parse_unit(text)


@pytest.mark.parametrize("text", ["1/km", "1 / kWh", "m3", "m^ 2", "kg/(m**2.5)", "m**-2"])
def test_a_one_per_unit_and_powers_are_no_scale(text: str) -> None:
    assert parse_unit(text)
