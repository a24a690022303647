"""Forms of the project pages; every error is a sentence that says how to fix it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.people.models import Organisation
from grappe.projects import services
from grappe.projects.models import CostRegime, Grant
from grappe.projects.validators import money_field, validate_pdf

DATE = {"widget": forms.DateInput(attrs={"type": "date"})}


class VersionedForm(forms.Form):
    """A form over a record two people may edit: the version read travels in a hidden field."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class GrantForm(VersionedForm):
    rf_version = forms.CharField(label=_("Financial rules version"), max_length=50)
    managing_institution = forms.ModelChoiceField(label=_("Managing institution"), queryset=Organisation.objects.none())
    start_date = forms.DateField(label=_("Start date"), **DATE)
    end_date = forms.DateField(label=_("End date"), **DATE)
    max_amount = money_field(_("Maximum amount (EUR)"))
    overhead_rate = forms.DecimalField(
        label=_("Overhead rate"),
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        max_digits=5,
        decimal_places=4,
        help_text=_("A share: 0.08 = 8 %."),
    )
    regime = forms.ChoiceField(label=_("Regime"), choices=CostRegime.choices)

    def __init__(self, *args: Any, grant: Grant, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {name: getattr(grant, name) for name in services.AMENDABLE} | {"version": grant.version}
        )
        super().__init__(*args, **kwargs)
        self.grant = grant
        ids = set(grant.project.members.exclude(organisation=None).values_list("organisation_id", flat=True))
        ids.add(grant.managing_institution_id)
        self.fields["managing_institution"].queryset = Organisation.objects.filter(pk__in=ids).order_by("name")

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in services.AMENDABLE}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if all(name in data for name in services.AMENDABLE):
            for name, message in services.grant_problems(self.grant, self.changes()).items():
                self.add_error(name, message)
        return data


class AmendmentForm(GrantForm):
    reason = forms.CharField(
        label=_("Reason"), min_length=10, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    signed_on = forms.DateField(label=_("Signed on"), **DATE)
    document = forms.FileField(
        label=_("Signed amendment (PDF)"),
        validators=[validate_pdf],
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )


class SignForm(VersionedForm):
    signed_on = forms.DateField(label=_("Signed on"), **DATE)
    document = forms.FileField(
        label=_("Signed grant agreement (PDF)"),
        validators=[validate_pdf],
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    document = forms.FileField(
        label=_("Signed document (PDF)"),
        validators=[validate_pdf],
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )
