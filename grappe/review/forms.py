from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import Form, ModelForm
from grappe.review.models import ConflictOrigin, PublicationSource, ReviewSettings

OBJECTIVES = [
    ("max-affinity", _("Best total affinity (exact)")),
    ("fair", _("Fair: best worst-served proposal first")),
    ("randomized", _("Randomised: no pair above a probability cap")),
]


class InviteForm(Form):
    email = forms.EmailField(label=_("email"))
    first_name = forms.CharField(label=_("first name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("last name"), max_length=100, required=False)
    max_load = forms.IntegerField(label=_("maximum load"), min_value=0, max_value=50, initial=6)
    is_external = forms.BooleanField(label=_("external to the cluster"), required=False)
    is_international = forms.BooleanField(label=_("international"), required=False)


class RespondForm(Form):
    accept = forms.TypedChoiceField(
        label=_("your answer"),
        choices=[("1", _("I accept")), ("0", _("I decline"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("reason (if you decline)"), max_length=500, required=False)


class PublicationImportForm(Form):
    fmt = forms.ChoiceField(
        label=_("format"),
        choices=[
            (PublicationSource.BIBTEX, PublicationSource.BIBTEX.label),
            (PublicationSource.JSONL, PublicationSource.JSONL.label),
        ],
    )
    file = forms.FileField(label=_("file"))

    def clean_file(self) -> str:
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        try:
            return upload.read().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The file must be UTF-8 text.")) from exc


class SettingsForm(ModelForm):
    class Meta:
        model = ReviewSettings
        fields = ["review_deadline", "conflict_window_years", "reviews_visible_after_submit", "bidding_open"]
        widgets = {"review_deadline": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")}


class AssignmentRunForm(Form):
    reviews_per_proposal = forms.IntegerField(label=_("reviews per proposal"), min_value=1, max_value=10, initial=3)
    max_load = forms.IntegerField(
        label=_("maximum load (caps each expert's own)"), min_value=1, max_value=50, required=False
    )
    objective = forms.ChoiceField(label=_("objective"), choices=OBJECTIVES)
    q = forms.DecimalField(
        label=_("probability cap (randomised)"), min_value=0.05, max_value=1, decimal_places=2, initial=0.5
    )
    bid_weight = forms.DecimalField(
        label=_("weight of the bids (0 = ignored, 1 = bids only)"),
        min_value=0,
        max_value=1,
        decimal_places=2,
        initial=0.25,
    )
    require_external = forms.BooleanField(label=_("at least one external expert per proposal"), required=False)
    seed = forms.IntegerField(label=_("seed"), required=False, initial=1, min_value=0, max_value=2**31 - 1)


class ReasonForm(Form):
    reason = forms.CharField(label=_("reason"), max_length=500)


class WaiverForm(Form):
    justification = forms.CharField(label=_("justification"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class IdsField(forms.Field):
    """Several ids posted under one name (ticked rows)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        if not all(str(v).isdigit() and len(str(v)) < 10 for v in values):
            raise forms.ValidationError(_("Choose experts from the list."))
        return [int(v) for v in values]


class LoadsForm(Form):
    """One expert's maximum load, or several experts' at once (the ticked rows of the pool)."""

    members = IdsField(label=_("experts"), error_messages={"required": _("Choose at least one expert.")})
    max_load = forms.IntegerField(label=_("maximum load"), min_value=0, max_value=50)


class ConflictFilterForm(Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    reviewer = forms.ChoiceField(label=_("Expert"), required=False)
    proposal = forms.CharField(label=_("Proposal (code)"), required=False, max_length=12)
    origin = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("All sources")), *ConflictOrigin.choices]
    )
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All")), ("standing", _("Standing")), ("waived", _("Waived"))],
    )

    def __init__(self, *args: Any, call: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from grappe.people.models import Person

        experts = Person.objects.filter(pools__call=call).order_by("last_name", "first_name")
        self.fields["reviewer"].choices = [("", _("All experts")), *((p.code, p.full_name) for p in experts)]
