"""Numbers typed into a page or sent to the API, read by the one rule for outside numbers.

Django's `IntegerField`, `FloatField` and `DecimalField` hand the posted text to
`int()`, `float()` and `Decimal()`, which take any Unicode digit ("٢٠٢٤",
"２０２４") and "_" between digits ("1_000"), and `int()` fails on "²" although
`str.isdigit()` says yes. Pydantic, under the API's schemas, does the same with
a number sent as a JSON string ("١٠" is a Decimal 10, "1_0" an int or float 10)
and takes `true` for 1. The form fields here and the API types (`WholeNumber`,
`DecimalNumber`, `Money`) read text with `neutra.formats.numbers` instead, so a
page and the API accept exactly the numbers a file may give. They must never
copy that module's rules, only call it; and they check types only: bounds are
the services' (with core's constants), so a page and the API say the same.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from neutra.formats.numbers import MAX_WHOLE_DIGITS, decimal_number, exact_decimal, whole_number

__all__ = [
    "DecimalNumber",
    "DecimalNumberField",
    "Money",
    "MoneyField",
    "WholeNumber",
    "WholeNumberField",
]

WHOLE = f"give a whole number in digits 0-9 (at most {MAX_WHOLE_DIGITS}), without separators"
DECIMAL = "give a number with '.' as decimal point and no thousands separators"
MONEY = (
    "give an amount in digits 0-9 with '.' as decimal point (e.g. 1.25), "
    "without currency sign or separators"
)


def _signed_whole(text: str) -> int | None:
    sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text)
    number = whole_number(digits)
    return None if number is None else sign * number


class WholeNumberField(forms.IntegerField):
    """A whole number in ASCII digits, with an optional '-' (at most 18 digits)."""

    default_error_messages = {"invalid": WHOLE}  # noqa: RUF012 (Django's own attribute)

    def to_python(self, value: Any) -> int | None:
        text = str(value).strip() if value is not None else ""
        if text in self.empty_values:
            return None
        number = _signed_whole(text)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class DecimalNumberField(forms.FloatField):
    """A finite decimal in ASCII: `12`, `-0.5`, `1.2e3`; no "1,000", "1_000" or "١٠٠"."""

    default_error_messages = {"invalid": DECIMAL}  # noqa: RUF012 (Django's own attribute)

    # django-stubs type FloatField's to_python as IntegerField's (Django's returns a float).
    def to_python(self, value: Any) -> float | None:  # type: ignore[override]
        text = str(value).strip() if value is not None else ""
        if text in self.empty_values:
            return None
        number = decimal_number(text)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


class MoneyField(forms.DecimalField):
    """An exact amount of money in ASCII, as a `Decimal`: `1.25`, `0.1`; no "1,25" or "١٠".

    Never through a float: 0.1 stays 0.1. Its bounds and places are the service's
    (core.money's), not Django's `max_digits`, so the page words them as the API does.
    """

    default_error_messages = {"invalid": MONEY}  # noqa: RUF012 (Django's own attribute)

    # django-stubs type DecimalField's to_python as IntegerField's (Django's returns a Decimal).
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = str(value).strip() if value is not None else ""
        if text in self.empty_values:
            return None
        number = exact_decimal(text)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number


# --- the API's number types --------------------------------------------------------------
#
# A JSON number comes through as it is (the request reader refuses NaN, Infinity and
# numbers too long to convert); a JSON string is read by formats.numbers, as a form's
# text is; `true` and `false` are refused (pydantic took them for 1 and 0).


def _refused(message: str) -> PydanticCustomError:
    return PydanticCustomError("number", message)


def _whole(value: object) -> object:
    if isinstance(value, bool):
        raise _refused(WHOLE)
    if isinstance(value, str):
        number = _signed_whole(value.strip())
        if number is None:
            raise _refused(WHOLE)
        return number
    return value  # pydantic's own check: an int, or a float without a fraction


def _decimal(value: object) -> object:
    if isinstance(value, bool):
        raise _refused(DECIMAL)
    if isinstance(value, str):
        number = decimal_number(value.strip())
        if number is None:
            raise _refused(DECIMAL)
        return number
    return value


def _money(value: object) -> object:
    if isinstance(value, bool):
        raise _refused(MONEY)
    if isinstance(value, str):
        number = exact_decimal(value.strip())
        if number is None:
            raise _refused(MONEY)
        return number
    if isinstance(value, float):
        # The shortest text that reads back as the float: 0.1 is Decimal("0.1"), not
        # the float's exact binary value 0.1000000000000000055511151231257827.
        return Decimal(repr(value))
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole)]
DecimalNumber = Annotated[float, BeforeValidator(_decimal)]
Money = Annotated[Decimal, BeforeValidator(_money)]
