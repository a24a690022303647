from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _


class ActivityFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    object_type = forms.ModelChoiceField(
        label=_("Object type"),
        queryset=ContentType.objects.filter(app_label__in=["people", "core"]).order_by("model"),
        required=False,
        empty_label=_("All types"),
    )
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=64)
    actor = forms.ModelChoiceField(
        label=_("Actor"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("Anyone"),
        to_field_name="email",
    )
    action = forms.CharField(label=_("Action"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = get_user_model().objects.filter(is_active=True).order_by("email")
        self.fields["actor"].widget = forms.TextInput(attrs={"placeholder": _("email address")})


def posted_int(value: object, default: int = 0) -> int:
    """An integer from a posted field (a hidden version, a rank); ``default`` when it is not one."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


def half_point(value: object) -> str:
    """A stored score as the score selects show it ("4" → "4.0"); "" when there is none."""
    from decimal import Decimal, InvalidOperation

    if value in (None, ""):
        return ""
    try:
        return f"{Decimal(str(value)):.1f}"
    except InvalidOperation:
        return ""
