"""Reusable reads of the review app."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from grappe.review.models import Conflict


def filter_conflicts(queryset: QuerySet[Conflict], data: dict[str, Any]) -> QuerySet[Conflict]:
    """A call's conflicts filtered by expert (code), proposal (code), origin, state (standing or
    waived) and searched (expert's name, proposal's code or title, reasons)."""
    if data.get("reviewer"):
        queryset = queryset.filter(reviewer__code=data["reviewer"])
    if data.get("proposal"):
        queryset = queryset.filter(proposal__code__iexact=data["proposal"].strip())
    if data.get("origin"):
        queryset = queryset.filter(origin=data["origin"])
    if data.get("state") == "waived":
        queryset = queryset.filter(waived=True)
    elif data.get("state") == "standing":
        queryset = queryset.filter(waived=False)
    for term in (data.get("q") or "").split()[:5]:
        queryset = queryset.filter(
            Q(reviewer__last_name__icontains=term)
            | Q(reviewer__first_name__icontains=term)
            | Q(proposal__code__iexact=term)
            | Q(proposal__title__icontains=term)
            | Q(reasons__icontains=term)
        )
    return queryset
