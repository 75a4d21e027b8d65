"""Form parsing for the tenancy pages: types and shapes only.

Rules (who may, what a valid tree is) stay in the services; a form only turns
posted text into typed values and names the field when it cannot.
"""

from __future__ import annotations

from django import forms

from neutra.web.fields import DecimalNumberField, WholeNumberField
from neutra.web.tenancy.models import Control, Role


class OrganisationForm(forms.Form):
    consultancy = WholeNumberField(widget=forms.HiddenInput)
    name = forms.CharField(max_length=200)
    country = forms.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, e.g. GB")


class EntityForm(forms.Form):
    name = forms.CharField(max_length=200)
    parent = WholeNumberField(required=False)
    equity_share = DecimalNumberField(min_value=0.0, max_value=1.0, initial=1.0)
    financial_control = forms.ChoiceField(choices=Control.choices, initial=Control.FULL)
    operational_control = forms.ChoiceField(choices=Control.choices, initial=Control.FULL)


class InviteForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices)
    expires_on = forms.DateField(required=False, help_text="required for auditors")


def form_error_text(form: forms.Form) -> str:
    """The form's errors as one sentence naming each field."""
    parts = []
    for field, errors in form.errors.items():
        label = "form" if field == "__all__" else field
        parts.append(f"{label}: {' '.join(str(e) for e in errors)}")
    return "; ".join(parts)
