from typing import Any

from django import forms

from grappe.core.forms import Form
from grappe.privacy.models import ConsentKind
from grappe.privacy.texts import CONSENT_TEXTS


class ConsentForm(Form):
    """One checkbox per kind of consent, labelled with the text it agrees to."""

    def __init__(self, *args: Any, current: dict[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = current or {}
        for kind in ConsentKind:
            _version, text = CONSENT_TEXTS[kind]
            latest = current.get(kind.value)
            self.fields[kind.value] = forms.BooleanField(
                label=kind.label,
                required=False,
                help_text=text,
                initial=bool(latest and latest.given),
            )
