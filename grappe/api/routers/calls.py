"""Programmes (office and board) and calls (public ones for everyone, every call for the office)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router
from pydantic import Field

from grappe.api.common import ERRORS
from grappe.api.pagination import page
from grappe.api.routers.directory import PageQuery
from grappe.api.schemas import CallOut, CallPage, ProgrammeOut, ProgrammePage, money
from grappe.calls.models import Call, CallState
from grappe.core.access import get_for_user_or_404, require_perm_or_404
from grappe.programmes.models import Programme

router = Router(tags=["programmes and calls"])


class CallFilters(PageQuery):
    state: CallState | None = None
    programme: str = Field("", max_length=12)
    open: bool | None = Field(None, description="Only calls open for proposals now (or only those not open).")


def programme_out(programme: Programme) -> dict[str, Any]:
    return {
        "code": programme.code,
        "name": programme.name,
        "funders": programme.funders,
        "total_amount": money(programme.total_amount),
        "currency": programme.currency,
        "start_year": programme.start_year,
        "end_year": programme.end_year,
    }


def call_out(call: Call) -> dict[str, Any]:
    return {
        "code": call.code,
        "programme": call.programme.code,
        "programme_name": call.programme.name,
        "call_type": call.call_type,
        "title_fr": call.title_fr,
        "title_en": call.title_en,
        "state": call.state,
        "opens_at": call.opens_at,
        "closes_at": call.closes_at,
        "is_open": call.is_open(),
        "budget": money(call.budget),
        "min_amount": money(call.min_amount),
        "max_amount": money(call.max_amount),
        "min_duration": call.min_duration,
        "max_duration": call.max_duration,
    }


@router.get("/programmes", response={200: ProgrammePage, **ERRORS})
def list_programmes(request: HttpRequest, filters: Query[PageQuery]) -> Any:
    """The funding programmes (the office and the board, as the programme pages)."""
    require_perm_or_404(request.user, "programmes.view_programme")
    return page(Programme.objects.all(), cursor=filters.cursor, limit=filters.limit, item=programme_out)


@router.get("/programmes/{code}", response={200: ProgrammeOut, **ERRORS})
def get_programme(request: HttpRequest, code: str) -> Any:
    return programme_out(get_for_user_or_404(request.user, Programme.objects, "programmes.view_programme", code=code))


@router.get("/calls", response={200: CallPage, **ERRORS})
def list_calls(request: HttpRequest, filters: Query[CallFilters]) -> Any:
    """Published and closed calls for everyone; drafts and archived calls too for the office and the board."""
    calls = Call.objects.select_related("programme")
    if not request.user.has_perm("calls.list_calls_office"):
        calls = calls.filter(state__in=CallState.public())
    if filters.state:
        calls = calls.filter(state=filters.state)
    if filters.programme:
        calls = calls.filter(programme__code=filters.programme)
    if filters.open is not None:
        now = timezone.now()
        is_open = calls.filter(state=CallState.PUBLISHED, opens_at__lte=now, closes_at__gt=now)
        calls = is_open if filters.open else calls.exclude(pk__in=is_open.values("pk"))
    return page(calls, cursor=filters.cursor, limit=filters.limit, item=call_out)


@router.get("/calls/{code}", response={200: CallOut, **ERRORS})
def get_call(request: HttpRequest, code: str) -> Any:
    return call_out(
        get_for_user_or_404(request.user, Call.objects.select_related("programme"), "calls.view_call", code=code)
    )
