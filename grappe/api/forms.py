from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from grappe.api.models import TokenScope
from grappe.core.forms import Form


class TokenForm(Form):
    name = forms.CharField(
        label=_("Name"), max_length=80, help_text=_("What the token is for, e.g. “Lab reporting script”.")
    )
    scope = forms.ChoiceField(label=_("Access"), choices=TokenScope.choices, initial=TokenScope.READ)
    days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=settings.GRAPPE_API_TOKEN_MAX_DAYS,
        initial=90,
    )
