from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import formats
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from grappe.core.validation import (
    INT_MAX,
    INT_MIN,
    check_decimal_text,
    validate_no_control_characters,
    validate_single_line,
)


def html_attrs(attrs: dict[str, Any]) -> str:
    """What ``django/forms/widgets/attrs.html`` writes (escaped as ``format_html`` would, without
    its cost: this runs for every cell of a budget grid)."""
    return SafeString(
        "".join(
            f" {conditional_escape(k)}" if v is True else f' {conditional_escape(k)}="{conditional_escape(v)}"'
            for k, v in attrs.items()
            if v is not False
        )
    )


class PlainNumberInput(forms.NumberInput):
    """A number input written in Python instead of through the widget templates: the same HTML as
    ``NumberInput``, at a fraction of the cost, for grids of hundreds of cells (a proposal's budget
    and co-funding: two thirds of its page's time went into the widget templates)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else format_html(' value="{}"', widget["value"])
        return format_html(
            '<input type="{}" name="{}"{}{}>', widget["type"], widget["name"], shown, html_attrs(widget["attrs"])
        )


class PlainSelect(forms.Select):
    """A select written in Python: the same HTML as ``Select`` (blank lines included), without a
    template per option (a list of every organisation, twice on a proposal's page, took a quarter
    of the page's time)."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], html_attrs(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            parts.extend(
                f'\n  <option value="{conditional_escape(option["value"])}"{html_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                parts.append(SafeString("\n  </optgroup>"))
        parts.append(SafeString("\n</select>"))
        return SafeString("".join(parts))


def harden(field: forms.Field) -> None:
    """Add the checks every input of Grappe needs to ``field`` (see ``core.validation``).

    Text refuses control characters (NUL…); text typed in a single-line input (every text field
    but a textarea: names, titles, subjects, codes, hidden values) refuses line breaks too;
    integers stay within the database's range unless the field sets its own bounds. Decimal
    and float fields already refuse NaN and Infinity (Django checks ``is_finite``); decimal fields
    also refuse scientific notation ("1e3"), and say what was wrong and the largest value they
    accept for "NaN", "inf", "1e30" or forty digits (``core.validation.check_decimal_text``). A date picker
    (``<input type="date">``) is given its value as ISO 8601 whatever the language: it shows
    nothing for "30/06/2026", so French edit forms opened with their dates blank. Likewise a
    number input (``<input type="number">``) gets a dot-decimal value in every language: it shows
    nothing for "2,5" and a form saved from it lost the value, so a number input is never localised.
    """
    _check_raw_input_first(field)
    widget = field.widget
    if isinstance(widget, forms.DateInput) and "date" in (widget.input_type, widget.attrs.get("type")):
        widget.format = "%Y-%m-%d"
    if isinstance(widget, forms.NumberInput):
        field.localize = False
        widget.is_localized = False
    if isinstance(field, forms.CharField):
        multi_line = isinstance(field.widget, forms.Textarea)
        field.validators.append(validate_no_control_characters if multi_line else validate_single_line)
    elif isinstance(field, forms.IntegerField) and not isinstance(field, forms.FloatField | forms.DecimalField):
        if field.max_value is None:
            field.validators.append(MaxValueValidator(INT_MAX))
        if field.min_value is None:
            field.validators.append(MinValueValidator(INT_MIN))


def _check_raw_input_first(field: forms.Field) -> None:
    """Refuse control characters in the posted value before the field converts it: a NUL byte
    in a choice, a date or a code looked up in the database (``ModelChoiceField``) would
    otherwise reach PostgreSQL, which refuses it with a server error."""
    convert = field.clean

    lookup = isinstance(field, forms.ModelChoiceField)
    # Python's Decimal reads "1e3" as a thousand: a typo must not become an amount.
    plain = isinstance(field, forms.DecimalField)

    def clean(value: Any, *args: Any) -> Any:  # FileField.clean takes the initial value too
        for item in value if isinstance(value, list | tuple) else [value]:
            validate_no_control_characters(item)
            if lookup and _beyond_64_bits(item):  # SQLite cannot even look such a key up
                raise ValidationError(_("Select a valid choice."), code="invalid_choice")
            if plain and isinstance(item, str):
                check_decimal_text(
                    item,
                    max_digits=field.max_digits,  # type: ignore[attr-defined]
                    decimal_places=field.decimal_places,  # type: ignore[attr-defined]
                    min_value=field.min_value,  # type: ignore[attr-defined]
                    max_value=field.max_value,  # type: ignore[attr-defined]
                )
                if "e" in item or "E" in item:
                    raise ValidationError(field.error_messages["invalid"], code="invalid")
        return convert(value, *args)

    field.clean = clean  # type: ignore[method-assign]


def _beyond_64_bits(value: Any) -> bool:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return False
    return not -(2**63) <= number < 2**63


class CleanInputMixin:
    """The base of every form of Grappe: each field gets :func:`harden`'s checks, so garbage
    (NUL bytes, line breaks in a name, NaN, 2³¹) is a form error, never a server error.
    tests/core/test_forms.py checks that every form class of the project has it."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            harden(field)


class Form(CleanInputMixin, forms.Form):
    pass


class ModelForm(CleanInputMixin, forms.ModelForm):
    pass


def typed_values(form: forms.BaseForm) -> list[tuple[str, str]]:
    """What was typed in the bound ``form`` that differs from its initial values (the record as
    saved now), as ``(label, text)`` pairs: shown back under a refusal that saved nothing (another
    tab saved first, a file too large), so the person can copy it (``includes/kept.html``).
    Hidden fields (the version) and files (a browser cannot be given a file back) are left out."""
    cleaned = getattr(form, "cleaned_data", {})
    out = []
    for name in form.changed_data:
        field = form.fields[name]
        if field.widget.is_hidden or isinstance(field, forms.FileField):
            continue
        value = cleaned[name] if name in cleaned else form[name].data
        out.append((str(field.label or name), _as_text(field, value)))
    return out


def _as_text(field: forms.Field, value: Any) -> str:
    if value is None or value in ("", []):
        return "—"
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, models.Model):
        return str(value)
    values = value if isinstance(value, list | tuple) else [value]
    labels: dict[str, str] = {}
    if isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        labels = {str(k): str(v) for k, v in field.choices}
    return ", ".join(labels.get(str(v), str(formats.localize(v))) for v in values)


class VersionedForm(Form):
    """A form over a record two people may edit: the version read travels in a hidden field and
    the service refuses a stale one. ``people.forms.VersionedForm`` is its model-form variant."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ActivityFilterForm(Form):
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
    """An integer from a posted field (a hidden version, a rank); ``default`` when it is not one
    or lies outside what the database stores."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return number if INT_MIN <= number <= INT_MAX else default


def half_point(value: object) -> str:
    """A stored score as the score selects show it ("4" → "4.0"); "" when there is none."""
    from decimal import Decimal, InvalidOperation

    if value in (None, ""):
        return ""
    try:
        return f"{Decimal(str(value)):.1f}"
    except InvalidOperation:
        return ""
