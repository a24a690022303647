"""Fetch-and-authorise helpers: one call that answers 404 for what a user may not know exists."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.http import Http404

M = TypeVar("M", bound=models.Model)


def get_for_user_or_404(user: Any, queryset: models.QuerySet[M], perm: str, **lookup: Any) -> M:
    """Return the object matching ``lookup`` if ``user`` has ``perm`` on it, else raise 404.

    Not found and not allowed look the same from outside, so object codes cannot be probed.
    """
    try:
        obj = queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, models.ObjectDoesNotExist) as exc:
        raise Http404 from exc
    if not user.has_perm(perm, obj):
        raise Http404
    return obj


def require_perm_or_404(user: Any, perm: str, obj: Any = None) -> None:
    if not user.has_perm(perm, obj):
        raise Http404
