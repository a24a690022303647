"""What every part of the review services shares."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from grappe.calls.models import Call
from grappe.review.models import (
    ReviewSettings,
)


class ReviewError(ValidationError):
    """A review action that cannot be done; the message says why, in the user's language."""


def clean_reason(value: object, *, max_length: int = 500) -> str:
    """A reason or justification typed by someone: trimmed, one control-free text, not too long."""
    from grappe.core.validation import clean_text

    return clean_text(value, max_length=max_length, label=_("The reason"), error=ReviewError)


def settings_for(call: Call) -> ReviewSettings:
    found, _created = ReviewSettings.objects.get_or_create(call=call)
    return found
