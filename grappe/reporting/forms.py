"""Forms of the reporting pages; every error says how to fix it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import Form, ModelForm
from grappe.core.uploads import file_input_attrs
from grappe.people.forms import DateInput
from grappe.people.models import Organisation
from grappe.projects.validators import validate_pdf
from grappe.reporting import computations
from grappe.reporting.models import DEFAULT_PERIODS, Indicator, Method
from grappe.reporting.services import INDICATOR_FIELDS

# NaN, Infinity, "1e30" and numbers beyond 16 digits are told with the largest value accepted by
# every decimal field (core.validation.check_decimal_text); these say the rest.
VALUE_ERRORS = {
    "invalid": _("Enter the value in digits, e.g. 1250 or 1250.50 (no exponent such as 1e3)."),
    "max_decimal_places": _("Give the value with at most 2 decimals."),
    "max_digits": _("Give at most %(max)s digits, 2 of them after the decimal point."),
    "max_whole_digits": _("This value is too large: at most %(max)s digits before the decimal point."),
    "min_value": _("The value cannot be negative."),
}


# One digit fewer than the columns hold (16): SQLite keeps 15 significant digits, and a value of
# 16 read back from it (99,999,999,999,999.99) fails Django's conversion, a server error on every
# page that shows it. The largest value accepted is 9,999,999,999,999.99 on every database.
VALUE_DIGITS = 15


def value_field(label: Any, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=VALUE_DIGITS,
        decimal_places=2,
        min_value=Decimal("0"),
        error_messages=VALUE_ERRORS,
        **kwargs,
    )


class IndicatorForm(ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    computation = forms.ChoiceField(label=_("Computation"), required=False)
    baseline = value_field(_("Baseline"), initial=Decimal("0"))

    class Meta:
        model = Indicator
        fields = list(INDICATOR_FIELDS)
        widgets = {
            "definition_fr": forms.Textarea(attrs={"rows": 3}),
            "definition_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["computation"].choices = [("", "—"), *computations.choices()]
        self.fields["code"].help_text = _("Letters, digits and dashes, e.g. TRA-1.")
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
        # The default period reads in the reader's language (stored as typed otherwise).
        if "period" in self.fields and not self.is_bound:
            period = self.initial.get("period", self.fields["period"].initial) or ""
            if str(period).strip().lower() in DEFAULT_PERIODS:
                self.initial["period"] = str(_("calendar year"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("method") == Method.COMPUTED and not data.get("computation"):
            self.add_error("computation", _("Choose the computation of a computed indicator."))
        return data


class TargetForm(Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    value = value_field(_("Target"))
    frozen_on = forms.DateField(
        label=_("Frozen on"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "From this date on, a change needs a reason and is kept in the history (e.g. the grant's signature)."
        ),
    )
    reason = forms.CharField(label=_("Reason for a change of a frozen target"), required=False, max_length=2000)


class ManualValueForm(Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    value = value_field(_("Value"))
    note = forms.CharField(label=_("Source and note"), required=False, max_length=500)
    file = forms.FileField(
        label=_("Evidence (PDF)"),
        required=False,
        validators=[validate_pdf],
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The limit as configured, said before choosing a file and checked in the browser too.
        self.fields["file"].help_text = _("PDF, at most %(mb)s MB.") % {"mb": settings.GRAPPE_MAX_UPLOAD_MB}
        self.fields["file"].widget.attrs.update(file_input_attrs())


class ScopeForm(Form):
    """The dashboard's view: a year, an "as of" date, and a call, institution or partner."""

    year = forms.IntegerField(label=_("Year"), required=False, min_value=2000, max_value=2100)
    as_of = forms.DateField(label=_("As of"), required=False, widget=DateInput())
    call = forms.ModelChoiceField(label=_("Call"), queryset=None, required=False, empty_label=_("All calls"))
    institution = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("All institutions"),
        to_field_name="code",
    )
    partner = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("All partners"),
        to_field_name="code",
    )

    def __init__(self, *args: Any, programme: Any, choices: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from grappe.calls.models import Call

        self.programme = programme
        call_field = self.fields["call"]
        call_field.queryset = Call.objects.filter(programme=programme)  # type: ignore[attr-defined]
        call_field.to_field_name = "code"  # type: ignore[attr-defined]
        call_field.choices = [("", _("All calls")), *[(c.code, c.title) for c in choices["calls"]]]  # type: ignore[attr-defined]
        for name in ("institution", "partner"):
            field = self.fields[name]
            ids = [o.pk for o in choices[f"{name}s"]]
            field.queryset = Organisation.objects.filter(pk__in=ids)  # type: ignore[attr-defined]
            field.choices = [("", field.empty_label), *[(o.code, o.name) for o in choices[f"{name}s"]]]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = [n for n in ("call", "institution", "partner") if data.get(n)]
        if len(chosen) > 1:
            raise forms.ValidationError(_("Choose one of call, institution or partner at a time."))
        year = data.get("year")
        if year is not None and not self.programme.start_year <= year <= self.programme.end_year:
            self.add_error("year", _("Choose a year of the programme."))
        as_of = data.get("as_of")
        if as_of is not None and as_of > timezone.localdate():
            self.add_error("as_of", _('"As of" is today or a past date.'))
        return data

    def as_of_instant(self) -> dt.datetime:
        as_of = self.cleaned_data.get("as_of") if self.is_valid() else None
        if as_of is None:
            return timezone.now()
        return timezone.make_aware(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min))
