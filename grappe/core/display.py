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
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
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


def show_score(value: Any, places: int | None = None) -> str:
    """A score for reading, in the current language, rounded half up to the hundredth: "4,5", "4",
    "4,17" (``places=None``: no trailing zeros), or with ``places`` decimals ("13,00"). Scores are
    computed unrounded (a total sums the exact criterion means); only what is shown is rounded."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"), ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return str(value)
    if places is None:
        places = 0 if number == number.to_integral_value() else len(str(number.normalize()).split(".")[1])
    return formats.number_format(number, decimal_pos=places, use_l10n=True)


def rate_number(percentage: Any) -> str:
    """A rate in percent as the audits show it: one decimal under 10 ("1,3", "4,0"), whole
    points from 10 on ("27"), in the current language."""
    number = Decimal(str(percentage))
    places = 1 if abs(number) < 10 else 0
    return formats.number_format(number.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP), places, use_l10n=True)


def show_percent(share: Any, rule: str = "") -> str:
    """A share (0.08) as a percentage in the current language: "8 %" in French, "8%" in English;
    "12,5 %", "7,25 %" (up to two decimals, none when whole). With ``rule="rate"``, as the audits
    show success rates (:func:`rate_number`: "1,3 %", "4,0 %", "27 %")."""
    if share is None or share == "":
        return "—"
    number = Decimal(str(share)) * 100
    shown = rate_number(number) if rule == "rate" else show_score(number)
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
