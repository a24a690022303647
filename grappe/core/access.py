"""Fetch-and-authorise helpers: one call that answers 404 for what a user may not know exists."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.http import Http404, HttpResponseNotAllowed

M = TypeVar("M", bound=models.Model)


def get_for_user_or_404(user: Any, queryset: models.QuerySet[M], perm: str, **lookup: Any) -> M:
    """Return the object matching ``lookup`` if ``user`` has ``perm`` on it, else raise 404.

    Not found and not allowed look the same from outside, so object codes cannot be probed.
    A code holding control characters (a NUL byte, which PostgreSQL refuses) finds nothing.
    """
    if any(isinstance(value, str) and not posted_code(value) for value in lookup.values()):
        raise Http404
    try:
        obj = queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, models.ObjectDoesNotExist) as exc:
        raise Http404 from exc
    if not user.has_perm(perm, obj):
        raise Http404
    return obj


def posted_code(value: object, *, max_length: int = 64) -> str:
    """A public code taken from the request, or "" when it cannot be one (control characters,
    too long), so looking it up finds nothing instead of failing in the database."""
    text = str(value or "").strip()
    if len(text) > max_length or any(ord(char) < 32 or 127 <= ord(char) < 160 for char in text):
        return ""
    return text


def require_perm_or_404(user: Any, perm: str, obj: Any = None) -> None:
    if not user.has_perm(perm, obj):
        raise Http404


def post_only(request: Any) -> HttpResponseNotAllowed | None:
    """For a POST-only view that first looks its object up (404 for whoever may not know it
    exists): the 405 to any other method, given only after that lookup."""
    return None if request.method == "POST" else HttpResponseNotAllowed(["POST"])
