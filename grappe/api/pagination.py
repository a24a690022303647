"""Cursor pagination: items in a stable order (by id), ``next`` an opaque cursor to the following page."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from grappe.api.problems import ApiProblem


def encode(pk: int) -> str:
    return base64.urlsafe_b64encode(f"id:{pk}".encode()).decode().rstrip("=")


def decode(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _sep, value = text.partition(":")
        if kind != "id" or not value.isdigit() or len(value) > 18:
            raise ValueError(text)
        return int(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiProblem(400, _("This cursor is not one the API gave."), kind="bad-cursor") from exc


def page(
    queryset: QuerySet[Any],
    *,
    cursor: str | None,
    limit: int | None,
    item: Callable[[Any], Any],
    prepare: Callable[[list[Any]], None] | None = None,
) -> dict[str, Any]:
    """``{"items": [...], "next": cursor or None}``: at most ``limit`` items after ``cursor``;
    ``prepare(rows)`` may load what the permission checks of the page's rows read, in a few queries."""
    size = min(max(limit or settings.GRAPPE_API_PAGE_SIZE, 1), settings.GRAPPE_API_PAGE_SIZE)
    if cursor:
        queryset = queryset.filter(pk__gt=decode(cursor))
    rows = list(queryset.order_by("pk")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if prepare is not None:
        prepare(rows)
    return {"items": [item(row) for row in rows], "next": encode(rows[-1].pk) if more and rows else None}
