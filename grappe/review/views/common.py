"""Helpers shared by the review pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils.text import capfirst

from grappe.calls.models import Call
from grappe.core.access import get_for_user_or_404
from grappe.review import services


def _errors(request: HttpRequest, exc: services.ReviewError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _form_errors(request: HttpRequest, form: Any) -> None:
    """A form posted from the desk, invalid: each error as a message, named by its field."""
    for field, errors in form.errors.items():
        label = capfirst(form.fields[field].label) if field in form.fields else ""
        messages.error(request, f"{label}: {' '.join(errors)}" if label else " ".join(errors))


def _office_call(request: HttpRequest, code: str, perm: str = "review.manage_review") -> Call:
    return get_for_user_or_404(request.user, Call.objects.select_related("programme"), perm, code=code)
