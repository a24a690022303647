from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _


def _attrs(attrs: dict[str, Any]) -> str:
    """What ``django/forms/widgets/attrs.html`` writes."""
    return format_html_join(
        "",
        "{}",
        (
            (format_html(" {}", k) if v is True else format_html(' {}="{}"', k, v),)
            for k, v in attrs.items()
            if v is not False
        ),
    )


class PlainNumberInput(forms.NumberInput):
    """A number input written in Python instead of through the widget templates: the same HTML as
    ``NumberInput``, at a fraction of the cost, for grids of hundreds of cells (a proposal's budget
    and co-funding: two thirds of its page's time went into the widget templates)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html(
            '<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], shown, _attrs(widget["attrs"])
        )


class PlainSelect(forms.Select):
    """A select written in Python: the same HTML as ``Select`` (blank lines included), without a
    template per option (a list of every organisation, twice on a proposal's page, took a quarter
    of the page's time)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], _attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        option["value"],
                        _attrs(option["attrs"]),
                        option["label"],
                    )
                )
            if group_name:
                parts.append(SafeString("\n  </optgroup>"))
        parts.append(SafeString("\n</select>"))
        return SafeString("".join(parts))


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
