from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _

from grappe.core.forms import Form, harden
from grappe.notifications.models import MANDATORY, Kind, Mode


class PreferencesForm(Form):
    """One choice per kind; the mandatory kinds offer no "off"."""

    def __init__(self, *args: Any, current: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in Kind:
            choices = [(m.value, m.label) for m in Mode if not (m == Mode.OFF and kind in MANDATORY)]
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                choices=choices,
                initial=current.get(kind.value, Mode.IMMEDIATE),
                widget=forms.RadioSelect,
                help_text=_("Always emailed: it cannot be turned off.") if kind in MANDATORY else "",
            )
            harden(self.fields[kind.value])
