"""Shared validators for project and funding forms: money, dates inside the project, files."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from grappe.core.money import format_money
from grappe.core.uploads import too_large_hint, too_large_message, upload_limit_bytes

PDF_MAGIC = (b"%PDF-",)
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")


class CommaDecimalField(forms.DecimalField):
    """A decimal typed as people write it: "1500,00" (French decimal comma) as well as "1500.00";
    spaces between thousands ("1 500,00", also the non-breaking ones) are ignored. A number with
    both a comma and a point ("1.500,00") stays ambiguous and is refused. A text input with a
    decimal keyboard: a number input would not let "1500,00" be typed in every browser."""

    widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = "".join(value.split())
            if "," in value and "." not in value and value.count(",") == 1:
                value = value.replace(",", ".")
        return super().to_python(value)


def money_field(label: Any, *, required: bool = True, allow_zero: bool = True, **kwargs: Any) -> forms.DecimalField:
    """A euro amount: at most 2 decimals, never negative (messages name the limit); a decimal
    comma is accepted, as the error's example (1500,00 in French) promises."""
    return CommaDecimalField(
        label=label,
        required=required,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0") if allow_zero else Decimal("0.01"),
        error_messages={
            "max_decimal_places": _("Give the amount in euros with at most 2 decimals (cents)."),
            "min_value": _("The amount cannot be negative.")
            if allow_zero
            else _("The amount must be at least 0.01 €."),
            "invalid": _("Enter an amount in euros, e.g. 1500.00."),
            "max_digits": _("This amount is too large."),
            "max_whole_digits": _("This amount is too large."),
        },
        **kwargs,
    )


def check_at_most(amount: Decimal | None, limit: Decimal, what: Any) -> None:
    if amount is not None and amount > limit:
        raise ValidationError(
            _("%(amount)s is more than %(what)s (%(limit)s).")
            % {"amount": format_money(amount), "what": what, "limit": format_money(limit)}
        )


def check_inside(day: dt.date | None, start: dt.date, end: dt.date) -> None:
    """Raise a form error when ``day`` is outside the project's dates (both named)."""
    if day is not None and not (start <= day <= end):
        raise ValidationError(
            _("The date must be inside the project: from %(start)s to %(end)s.")
            % {"start": date_format(start, "SHORT_DATE_FORMAT"), "end": date_format(end, "SHORT_DATE_FORMAT")}
        )


def _head(upload: UploadedFile) -> bytes:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return head


def check_size(upload: UploadedFile) -> None:
    """Refuse a file over ``GRAPPE_MAX_UPLOAD_MB``, saying its size and the limit (a file just over
    the limit passes the upload handler, which allows for the form's other fields)."""
    if upload.size and upload.size > upload_limit_bytes():
        raise ValidationError(too_large_message(upload.size), code="file_too_large")


def file_input(accept: str) -> forms.ClearableFileInput:
    """A file input whose file over the upload limit is refused in the browser before sending
    (``data-max-bytes``, grappe.js), with the message in the page's language (lazy: a form's
    class attribute is built once, the page's language is known at rendering)."""
    return forms.ClearableFileInput(
        attrs={
            "accept": accept,
            "data-max-bytes": lazy(upload_limit_bytes, int)(),
            "data-too-large": lazy(too_large_hint, str)(),
        }
    )


def validate_pdf(upload: UploadedFile) -> None:
    check_size(upload)
    if not _head(upload).startswith(PDF_MAGIC):
        raise ValidationError(_("This file is not a PDF (whatever its name says): export your document as PDF."))


def validate_pdf_or_image(upload: UploadedFile) -> None:
    check_size(upload)
    if not _head(upload).startswith(PDF_MAGIC + IMAGE_MAGIC):
        raise ValidationError(_("Evidence must be a PDF or an image (PNG or JPEG), whatever its name says."))
