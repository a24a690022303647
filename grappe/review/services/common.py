"""What every part of the review services shares."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from grappe.calls.models import Call
from grappe.review.models import (
    ReviewSettings,
)


class ReviewError(ValidationError):
    """A review action that cannot be done; the message says why, in the user's language."""


def settings_for(call: Call) -> ReviewSettings:
    found, _created = ReviewSettings.objects.get_or_create(call=call)
    return found
