"""Form fields for numbers typed into a page, read by the one rule for outside numbers.

Django's `IntegerField` and `FloatField` hand the posted text to `int()` and
`float()`, which take any Unicode digit ("٢٠٢٤", "２０２４") and "_" between
digits ("1_000"), and `int()` fails on "²" although `str.isdigit()` says yes.
These fields read the text with `neutra.formats.numbers` instead, so a page
accepts exactly the numbers a file may give. They must never copy that
module's rules: only call it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from neutra.formats.numbers import MAX_WHOLE_DIGITS, decimal_number, whole_number

__all__ = ["DecimalNumberField", "WholeNumberField"]


class WholeNumberField(forms.IntegerField):
    """A whole number in ASCII digits, with an optional '-' (at most 18 digits)."""

    default_error_messages = {  # noqa: RUF012 (Django's own attribute)
        "invalid": (
            f"give a whole number in digits 0-9 (at most {MAX_WHOLE_DIGITS}), without separators"
        ),
    }

    def to_python(self, value: Any) -> int | None:
        text = str(value).strip() if value is not None else ""
        if text in self.empty_values:
            return None
        sign, digits = (-1, text[1:]) if text.startswith("-") else (1, text)
        number = whole_number(digits)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return sign * number


class DecimalNumberField(forms.FloatField):
    """A finite decimal in ASCII: `12`, `-0.5`, `1.2e3`; no "1,000", "1_000" or "١٠٠"."""

    default_error_messages = {  # noqa: RUF012 (Django's own attribute)
        "invalid": "give a number with '.' as decimal point and no thousands separators",
    }

    # django-stubs type FloatField's to_python as IntegerField's (Django's returns a float).
    def to_python(self, value: Any) -> float | None:  # type: ignore[override]
        text = str(value).strip() if value is not None else ""
        if text in self.empty_values:
            return None
        number = decimal_number(text)
        if number is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return number
