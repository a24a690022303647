from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from grappe.calls.models import SCORE_MAX, Call, Question, QuestionKind, RuleKind
from grappe.core.forms import Form, ModelForm
from grappe.people.forms import VersionedForm
from grappe.programmes.models import Programme


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class CallForm(VersionedForm):
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.all(), to_field_name="code")

    class Meta:
        model = Call
        fields = [
            "programme",
            "call_type",
            "title_fr",
            "title_en",
            "description_fr",
            "description_en",
            "opens_at",
            "closes_at",
            "budget",
            "min_amount",
            "max_amount",
            "min_duration",
            "max_duration",
        ]
        widgets = {
            "opens_at": DateTimeInput(),
            "closes_at": DateTimeInput(),
            "description_fr": forms.Textarea(attrs={"rows": 6}),
            "description_en": forms.Textarea(attrs={"rows": 6}),
        }
        help_texts = {
            "opens_at": _("Paris time."),
            "closes_at": _("Paris time. Submissions are refused from this instant."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # The programme of an existing call does not change (its budget is reserved there).
            self.fields["programme"].disabled = True
            self.initial["programme"] = self.instance.programme.code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        pairs = [
            ("opens_at", "closes_at", _("The closing date must be after the opening date.")),
            ("min_amount", "max_amount", _("The maximum amount must not be below the minimum.")),
            ("min_duration", "max_duration", _("The maximum duration must not be below the minimum.")),
        ]
        for low, high, message in pairs:
            if data.get(low) is not None and data.get(high) is not None and data[high] < data[low]:
                self.add_error(high, message)
        if data.get("closes_at") and data.get("opens_at") and data["closes_at"] == data["opens_at"]:
            self.add_error("closes_at", pairs[0][2])
        budget, max_amount = data.get("budget"), data.get("max_amount")
        if budget is not None and max_amount is not None and max_amount > budget:
            self.add_error("max_amount", _("The maximum amount per proposal cannot exceed the call's budget."))
        return data


class RulesForm(Form):
    """One checkbox per rule kind, with a parameter where the rule takes one."""

    def __init__(self, *args: Any, call: Call, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = {r.kind: r.parameter for r in call.rules.all()}
        for kind in RuleKind:
            self.fields[f"use_{kind.value}"] = forms.BooleanField(
                label=kind.label, required=False, initial=kind.value in current
            )
            if kind == RuleKind.MIN_PARTNERS:  # a count: "1", never "1.00"
                value = current.get(kind.value)
                self.fields[f"param_{kind.value}"] = forms.IntegerField(
                    label=_("Minimum number"),
                    required=False,
                    min_value=0,
                    max_value=1000,
                    initial=int(value) if value is not None else None,
                )
            elif kind.value in RuleKind.with_parameter():
                self.fields[f"param_{kind.value}"] = forms.DecimalField(
                    label=_("Minimum %"),
                    required=False,
                    min_value=Decimal("0"),
                    max_digits=8,
                    decimal_places=2,
                    initial=current.get(kind.value),
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for kind in RuleKind.with_parameter():
            if data.get(f"use_{kind}") and data.get(f"param_{kind}") is None:
                self.add_error(f"param_{kind}", _("This rule needs a value."))
        return data

    def rules(self) -> dict[str, Decimal | None]:
        data = self.cleaned_data
        return {kind.value: data.get(f"param_{kind.value}") for kind in RuleKind if data.get(f"use_{kind.value}")}

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField | None]]:
        return [
            (self[f"use_{k.value}"], self[f"param_{k.value}"] if k.value in RuleKind.with_parameter() else None)
            for k in RuleKind
        ]


class QuestionForm(ModelForm):
    choices_text = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For choice questions: one choice per line, as “French | English”."),
    )

    class Meta:
        model = Question
        fields = ["kind", "label_fr", "label_en", "help_fr", "help_en", "required", "word_limit", "position"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.choices:
            self.fields["choices_text"].initial = "\n".join(
                f"{c.get('fr', '')} | {c.get('en', '')}" for c in self.instance.choices
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        choices = []
        for line in (data.get("choices_text") or "").splitlines():
            if not line.strip():
                continue
            fr, _sep, en = line.partition("|")
            choices.append({"fr": fr.strip()[:200], "en": (en.strip() or fr.strip())[:200]})
        if kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.MULTIPLE_CHOICE) and len(choices) < 2:
            self.add_error("choices_text", _("A choice question needs at least two choices."))
        if data.get("word_limit") is not None and kind != QuestionKind.LONG_TEXT:
            self.add_error("word_limit", _("A word limit applies to long texts only."))
        self.instance.choices = choices
        return data


class SchemeForm(Form):
    overall_threshold = forms.DecimalField(
        label=_("Overall threshold"), min_value=Decimal("0"), max_digits=5, decimal_places=2
    )


class CriterionForm(Form):
    label_fr = forms.CharField(label=_("Label (French)"), max_length=120)
    label_en = forms.CharField(label=_("Label (English)"), max_length=120)
    weight = forms.DecimalField(
        label=_("Weight"), min_value=Decimal("0"), max_digits=5, decimal_places=2, initial=Decimal("1")
    )
    threshold = forms.DecimalField(
        label=_("Threshold"),
        min_value=Decimal("0"),
        max_value=SCORE_MAX,
        max_digits=3,
        decimal_places=1,
        initial=Decimal("0"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The cells of the criteria table are labelled for screen readers (row and column).
        index = (self.prefix or "").rpartition("-")[2]
        number = int(index) + 1 if index.isdigit() else 1
        for name, field in self.fields.items():
            if name != "DELETE":
                field.widget.attrs["aria-label"] = _("%(field)s, criterion %(n)s") % {"field": field.label, "n": number}

    def clean_threshold(self) -> Decimal:
        value = self.cleaned_data["threshold"]
        if (value * 2) % 1 != 0:
            raise forms.ValidationError(_("Scores go by half points: use a multiple of 0.5."))
        return value


CriterionFormSet = forms.formset_factory(
    CriterionForm, extra=1, can_delete=True, min_num=1, validate_min=True, max_num=12
)
