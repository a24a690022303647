"""Values as people read them: labelled, translated and formatted for the current language.

Stored parameters, audit data and engine results are dictionaries of codes (``max_load``,
``None``, ``True``, ``{'1': 10}``). Templates show them through the ``grappe`` template tags
(``{{ value|show }}``, ``{{ key|label }}``, ``{% labelled mapping %}``, ``{% colon %}``), which call
the functions below, never by printing the raw value.

Apps register the labels of their keys (``register_labels``) in their ``AppConfig.ready``;
core imports no app.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

_LABELS: dict[str, Promise | str] = {}
# A key whose value needs its own wording (a code to a name, a threshold to a sentence).
_FORMATTERS: dict[str, Callable[[Any], str]] = {}


def register_labels(labels: Mapping[str, Promise | str]) -> None:
    """Add labels for stored keys (lazy translations), e.g. ``{"max_load": _("most reviews per expert")}``."""
    _LABELS.update(labels)


def register_formatter(key: str, formatter: Callable[[Any], str]) -> None:
    _FORMATTERS[key] = formatter


def register_values(key: str, values: Mapping[Any, Promise | str]) -> None:
    """The stored codes of ``key`` in words, e.g. ``{"fair": _("fair to the worst-served proposal")}``."""
    register_formatter(key, lambda value: str(values.get(value, value)))


def label_for(key: Any) -> str:
    """The translated label of a stored key; an unknown key reads as words ("max_load" → "Max load")."""
    text = str(key)
    label = _LABELS.get(text)
    if label is not None:
        return str(label)
    words = text.replace("_", " ").replace(".", " · ").strip()
    return words[:1].upper() + words[1:]


def colon() -> str:
    """The label separator of the language: ":" in English, " :" (no-break space) in French."""
    return pgettext("label separator", ":")


def with_colon(label: Any) -> str:
    return f"{label}{colon()}"


def show_number(value: float | int | Decimal) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, float):
        value = round(value, 3)
    return formats.number_format(value, use_l10n=True, force_grouping=True)


def show_percent(share: float | Decimal | None) -> str:
    """A stored share as a percentage of the language: 0.100 → "10 %" in French, "10%" in English."""
    if share is None or share == "":
        return "—"
    value = Decimal(str(share)) * 100
    shown = show_number(value.quantize(Decimal("0.01")).normalize() if value != value.to_integral() else int(value))
    return pgettext("percentage", "%(number)s%%") % {"number": shown}


def show_value(value: Any, key: str | None = None) -> str:  # noqa: PLR0911 - one branch per kind of value
    """One value in words for the current language: "—" for nothing, yes/no, localised numbers and dates."""
    if key is not None and key in _FORMATTERS and value is not None:
        return _FORMATTERS[key](value)
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float | Decimal):
        return show_number(value)
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, list | tuple | set):
        if not value:
            return "—"
        if key is not None and len(value) == 2 and key not in _LABELS_OF_LISTS:
            # An audit diff: [old, new].
            return f"{show_value(value[0])} → {show_value(value[1])}"
        return ", ".join(show_value(item) for item in value)
    if isinstance(value, Mapping):
        if not value:
            return "—"
        return " · ".join(f"{with_colon(label_for(k))} {show_value(v, str(k))}" for k, v in value.items())
    return str(value)


# Keys whose values are real lists, not [old, new] pairs of an audit diff.
_LABELS_OF_LISTS: set[str] = {"fields", "reasons", "criteria", "questions", "reviewers", "cells", "added"}


def register_list_keys(*keys: str) -> None:
    _LABELS_OF_LISTS.update(keys)


def labelled(mapping: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """``[(label, value), …]`` of a stored dictionary, for templates."""
    if not mapping:
        return []
    return [(label_for(key), show_value(value, str(key))) for key, value in mapping.items()]


_HELP: dict[str, Promise | str] = {}


def register_help(texts: Mapping[str, Promise | str]) -> None:
    """Short explanations of technical terms (lazy translations), shown by ``{% help_term %}``."""
    _HELP.update(texts)


def help_text(term: str) -> str:
    text = _HELP.get(term)
    return str(text) if text is not None else ""
