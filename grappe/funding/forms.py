"""Forms of the funding pages; every error is a sentence that says how to fix it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.people.models import Organisation, Person
from grappe.projects.models import CostRegime
from grappe.selection.models import Award


class OpenProjectForm(forms.Form):
    start_date = forms.DateField(label=_("Start date"), widget=forms.DateInput(attrs={"type": "date"}))
    managing_institution = forms.ModelChoiceField(
        label=_("Managing institution"),
        queryset=Organisation.objects.none(),
        help_text=_("The beneficiary that receives the money (tutelle gestionnaire)."),
    )
    finance_contact = forms.EmailField(
        label=_("Finance contact's email"),
        required=False,
        help_text=_("A person already in the directory, at the managing institution."),
    )
    public_partners = forms.ModelMultipleChoiceField(
        label=_("Partners that agreed to be shown publicly"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rf_version = forms.CharField(label=_("Financial rules version"), max_length=50, initial="RF France 2030")
    regime = forms.ChoiceField(label=_("Regime"), choices=CostRegime.choices, initial=CostRegime.MARGINAL)

    def __init__(self, *args: Any, award: Award, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        proposal = award.proposal
        ids = set(proposal.budget_lines.values_list("organisation_id", flat=True))
        ids |= set(proposal.team.exclude(organisation=None).values_list("organisation_id", flat=True))
        if proposal.lead_organisation_id:
            ids.add(proposal.lead_organisation_id)
        self.fields["managing_institution"].queryset = Organisation.objects.filter(pk__in=ids).order_by("name")
        self.fields["managing_institution"].initial = proposal.lead_organisation_id
        self.fields["public_partners"].queryset = Organisation.objects.filter(
            proposal_partnerships__proposal=proposal
        ).order_by("name")

    def clean_finance_contact(self) -> Person | None:
        email = self.cleaned_data["finance_contact"]
        if not email:
            return None
        person = Person.objects.filter(email__iexact=email).first()
        if person is None:
            raise forms.ValidationError(
                _("No one with this email is in the directory: add the person first, or leave the field empty.")
            )
        return person
