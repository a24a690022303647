from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.calls.forms import DateTimeInput
from grappe.core.forms import Form, ModelForm
from grappe.stages.models import AppealSettings, RedressState


class LinkForm(Form):
    stage2 = forms.CharField(
        label=_("Code of the full-proposal call (stage 2)"),
        max_length=12,
        help_text=_("A call of the same programme, closing after this one, with no proposal yet."),
    )
    target_factor = forms.DecimalField(
        label=_("Invite enough to request this many times the stage-2 budget"),
        min_value=1,
        max_value=10,
        decimal_places=2,
        initial=3,
    )
    minimum_factor = forms.DecimalField(
        label=_("and never less than"), min_value=1, max_value=10, decimal_places=2, initial="2.5"
    )


class FactorsForm(Form):
    target_factor = forms.DecimalField(
        label=_("Invite enough to request this many times the stage-2 budget"),
        min_value=1,
        max_value=10,
        decimal_places=2,
    )
    minimum_factor = forms.DecimalField(label=_("and never less than"), min_value=1, max_value=10, decimal_places=2)
    version = forms.IntegerField(widget=forms.HiddenInput)


class AppealSettingsForm(ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = AppealSettings
        fields = ["rebuttal_opens_at", "rebuttal_closes_at", "rebuttal_word_limit", "redress_days"]
        widgets = {"rebuttal_opens_at": DateTimeInput(), "rebuttal_closes_at": DateTimeInput()}
        help_texts = {
            "rebuttal_opens_at": _("Paris time. Leave both dates empty for no rebuttal."),
            "rebuttal_closes_at": _("Paris time. Answers are refused from this instant."),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        opens, closes = data.get("rebuttal_opens_at"), data.get("rebuttal_closes_at")
        if bool(opens) != bool(closes):
            raise forms.ValidationError(_("Give both the opening and the closing of the rebuttal window, or neither."))
        if opens and closes and closes <= opens:
            self.add_error("rebuttal_closes_at", _("The rebuttal window closes after it opens."))
        return data


class RebuttalForm(Form):
    text = forms.CharField(
        label=_("Your answer to the reviews"),
        widget=forms.Textarea(attrs={"rows": 12}),
        required=False,
        max_length=50000,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class RedressForm(Form):
    grounds = forms.CharField(
        label=_("Procedural grounds"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=10000,
        min_length=20,
        help_text=_(
            "Redress examines how the procedure was followed (a conflict of interest, a criterion not applied, "
            "a factual error in the evaluation), not the scientific judgement of the experts."
        ),
    )


class ExamineForm(Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            ("", "—"),
            (RedressState.UPHELD, RedressState.UPHELD.label),
            (RedressState.REJECTED, RedressState.REJECTED.label),
        ],
    )
    examination = forms.CharField(
        label=_("Examination"), widget=forms.Textarea(attrs={"rows": 4}), min_length=10, max_length=10000
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
