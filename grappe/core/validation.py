"""Input checks shared by every form (``core.forms.CleanInputMixin``) and by the services that
take raw values (scores, amounts, reasons, parameters).

- Text never holds control characters: NUL (which PostgreSQL refuses) and the other C0/C1
  controls; multi-line text may hold tabs and line breaks, single-line text (names, titles,
  subjects, codes) may not, so nothing typed can add a line to an email header.
- Numbers are finite (no NaN, no Infinity) and integers stay within what the database stores.

Each check raises ``ValidationError`` with a translated sentence that says how to fix the input;
services pass their own error class (``error=ReviewError``), which their views already catch.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Integers stored in the database: PostgreSQL's ``integer`` (Django's IntegerField).
INT_MIN, INT_MAX = -(2**31), 2**31 - 1

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # keeps \t \n \r
_LINE_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x85\u2028\u2029]")

CONTROL_MESSAGE = _("This text contains invisible control characters (such as NUL): remove them.")
LINE_MESSAGE = _("Write this on a single line (no line breaks).")
NUMBER_MESSAGE = _("Enter a finite number (not NaN or Infinity).")


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
