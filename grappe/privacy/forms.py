from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grappe.core.forms import Form
from grappe.privacy.models import OWN_FORM_KINDS, CareerStage, ConsentKind, SelfDeclaration
from grappe.privacy.texts import CONSENT_TEXTS
from grappe.training.models import Gender


class ConsentForm(Form):
    """One checkbox per kind of consent, labelled with the text it agrees to."""

    def __init__(self, *args: Any, current: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = current or {}
        for kind in ConsentKind:
            if kind in OWN_FORM_KINDS:
                continue
            _version, text = CONSENT_TEXTS[kind]
            latest = current.get(kind.value)
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label,
                required=False,
                help_text=text,
                initial=bool(latest and latest.given),
            )


class SelfDeclarationForm(Form):
    """Career stage, year of the PhD and gender, all optional, and the consent that allows them."""

    career_stage = forms.ChoiceField(
        label=_("Career stage"), required=False, choices=[("", _("Not given")), *CareerStage.choices]
    )
    phd_year = forms.IntegerField(label=_("Year of the PhD"), required=False, min_value=1940, max_value=2100)
    gender = forms.ChoiceField(label=_("Gender"), required=False, choices=[("", _("Not given")), *Gender.choices])
    consent = forms.BooleanField(
        label=ConsentKind.EQUALITY.label, required=False, help_text=CONSENT_TEXTS[ConsentKind.EQUALITY][1]
    )

    def __init__(self, *args: Any, declaration: SelfDeclaration | None = None, consented: bool = False, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["consent"].initial = consented
        if declaration is not None:
            for name in ("career_stage", "phd_year", "gender"):
                self.fields[name].initial = getattr(declaration, name)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        year = data.get("phd_year")
        if year is not None and year > timezone.localdate().year:
            self.add_error("phd_year", _("The year of the PhD cannot be in the future."))
        if not data.get("consent") and any(data.get(n) for n in ("career_stage", "phd_year", "gender")):
            self.add_error(
                "consent", _("Tick the consent to have what you declare counted, or leave the fields empty.")
            )
        return data
