"""The one form of single sign-on: what ORCID did not give when an unknown iD makes an account."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import Form
from grappe.sso.services import Claims


class NewcomerForm(Form):
    """The address (always: ORCID gives none) and the names, asked only when ORCID gave none."""

    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("We send a link to this address to confirm it is yours."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)

    def __init__(self, *args: Any, claims: Claims, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.names_given = bool(claims.first_name.strip() or claims.last_name.strip())
        if self.names_given:  # ORCID's names are kept and shown as text: what the provider gave is not asked again
            del self.fields["first_name"], self.fields["last_name"]

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()
