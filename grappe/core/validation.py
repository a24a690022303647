"""Input checks shared by every form (``core.forms.CleanInputMixin``) and by the services that
take raw values (scores, amounts, reasons, parameters).

- Text never holds control characters: NUL (which PostgreSQL refuses) and the other C0/C1
  controls; multi-line text may hold tabs and line breaks, single-line text (names, titles,
  subjects, codes) may not, so nothing typed can add a line to an email header.
- Numbers are finite (no NaN, no Infinity) and integers stay within what the database stores.
  A decimal typed in a form that is not a number ("NaN", "inf") or beyond what its field stores
  ("1e30", forty digits) is told so with the largest value the field accepts
  (:func:`check_decimal_text`, run by ``core.forms.harden`` for every decimal field).

Each check raises ``ValidationError`` with a translated sentence that says how to fix the input;
services pass their own error class (``error=ReviewError``), which their views already catch.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

# Integers stored in the database: PostgreSQL's ``integer`` (Django's IntegerField).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # keeps \t \n \r
_LINE_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]")

CONTROL_MESSAGE = _("This text contains invisible control characters (such as NUL): remove them.")
LINE_MESSAGE = _("Write this on a single line (no line breaks).")
NUMBER_MESSAGE = _("Enter a finite number (not NaN or Infinity).")
NOT_A_NUMBER_MESSAGE = _("“%(value)s” is not a number: write the value in digits, at most %(max)s.")
NOT_A_NUMBER_PLAIN_MESSAGE = _("“%(value)s” is not a number: write the value in digits.")
TOO_LARGE_MESSAGE = _("This number is too large: the largest value accepted is %(max)s.")
TOO_SMALL_MESSAGE = _("This number is too small: the smallest value accepted is %(min)s.")
SHOWN_CHARACTERS = 24  # of what was typed, quoted back in a message


def validate_no_control_characters(value: Any) -> None:
    """Refuse text holding NUL or another control character (tabs and line breaks allowed)."""
    if isinstance(value, str) and _CONTROL.search(value):
        raise ValidationError(CONTROL_MESSAGE, code="control_characters")


def validate_single_line(value: Any) -> None:
    """Refuse text holding control characters or line breaks (names, titles, subjects, codes)."""
    validate_no_control_characters(value)
    if isinstance(value, str) and _LINE_BREAKS.search(value):
        raise ValidationError(LINE_MESSAGE, code="line_break")


def one_line(value: Any) -> str:
    """``value`` with every run of control characters and line breaks made one space: for text
    stored before the checks that goes into an email header (a subject)."""
    return " ".join(_LINE_BREAKS.sub(" ", _CONTROL.sub(" ", str(value))).split())


def clean_text(
    value: Any, *, max_length: int, single_line: bool = False, label: str = "", error: type[Exception] = ValidationError
) -> str:
    """``value`` as trimmed text, checked for control characters (and line breaks if
    ``single_line``) and for its length. For services that take text outside a form."""
    text = "" if value is None else str(value)
    try:
        (validate_single_line if single_line else validate_no_control_characters)(text)
    except ValidationError as exc:
        raise error(exc.messages[0]) from exc
    text = text.strip()
    if len(text) > max_length:
        raise error(
            _("%(label)s is too long: %(length)s characters, at most %(max)s.")
            % {"label": label or _("This text"), "length": len(text), "max": max_length}
        )
    return text


def finite_decimal(value: Any, *, error: type[Exception] = ValidationError) -> Decimal | None:
    """``value`` as a finite Decimal (a comma is read as the decimal point); None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError, TypeError) as exc:
        raise error(NUMBER_MESSAGE) from exc
    if not number.is_finite() or abs(number) >= Decimal("1e15"):
        raise error(NUMBER_MESSAGE)
    return number


def largest_decimal(max_digits: int | None, decimal_places: int | None, max_value: Any = None) -> Decimal | None:
    """The largest value a decimal field stores: its digits all nines (``max_digits`` 16 with
    2 decimals: 99,999,999,999,999.99), or its ``max_value`` when lower; None without a bound."""
    largest = None
    if max_digits is not None:
        places = decimal_places or 0
        largest = Decimal(10) ** (max_digits - places) - Decimal(1).scaleb(-places)
    if max_value is not None and (largest is None or Decimal(max_value) < largest):
        largest = Decimal(max_value)
    return largest


def format_decimal(value: Decimal, decimal_places: int | None) -> str:
    """``value`` as the active language writes it, grouped by thousands (99 999 999 999 999,99)."""
    return number_format(value, decimal_pos=decimal_places or None, use_l10n=True, force_grouping=True)


def check_decimal_text(
    text: str,
    *,
    max_digits: int | None,
    decimal_places: int | None,
    min_value: Any = None,
    max_value: Any = None,
) -> None:
    """Refuse, with a message naming the limit, a number typed in a decimal field that is not one
    ("NaN", "inf", "-Infinity") or that the field cannot store ("1e30", forty digits): the field's
    own messages say only "Enter a number" or "too large". Text that does not read as a number is
    left to the field (its own "invalid" message)."""
    typed = text.strip()
    try:
        number = Decimal(typed)
    except (InvalidOperation, ValueError):
        return
    digits_limit = largest_decimal(max_digits, decimal_places)
    largest = largest_decimal(max_digits, decimal_places, max_value)
    shown = typed if len(typed) <= SHOWN_CHARACTERS else f"{typed[: SHOWN_CHARACTERS - 1]}…"
    if not number.is_finite():
        if largest is None:
            raise ValidationError(NOT_A_NUMBER_PLAIN_MESSAGE % {"value": shown}, code="invalid")
        raise ValidationError(
            NOT_A_NUMBER_MESSAGE % {"value": shown, "max": format_decimal(largest, decimal_places)}, code="invalid"
        )
    if digits_limit is None or largest is None:
        return
    if number > digits_limit:
        raise ValidationError(TOO_LARGE_MESSAGE % {"max": format_decimal(largest, decimal_places)}, code="max_value")
    if number < -digits_limit and (min_value is None or Decimal(min_value) < 0):
        smallest = -digits_limit if min_value is None else max(Decimal(min_value), -digits_limit)
        raise ValidationError(TOO_SMALL_MESSAGE % {"min": format_decimal(smallest, decimal_places)}, code="min_value")


def bounded_int(
    value: Any, *, minimum: int = INT_MIN, maximum: int = INT_MAX, error: type[Exception] = ValidationError
) -> int | None:
    """``value`` as an integer between ``minimum`` and ``maximum``; None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except (ValueError, TypeError) as exc:
        raise error(_("Enter a whole number.")) from exc
    if not minimum <= number <= maximum:
        raise error(_("Enter a whole number from %(min)s to %(max)s.") % {"min": minimum, "max": maximum})
    return number
