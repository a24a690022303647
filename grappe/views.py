"""Site-wide pages: home and error pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.templatetags.static import static

from grappe import dashboards
from grappe.calls.queries import open_calls
from grappe.people.models import Relationship
from grappe.people.queries import public_directory
from grappe.people.rules import roles_of


def home(request: HttpRequest) -> HttpResponse:
    stats = public_directory().aggregate(
        members=Count("id", filter=Q(relationship=Relationship.MEMBER)),
        partners=Count("id", filter=Q(relationship=Relationship.PARTNER)),
    )
    context: dict[str, Any] = {"stats": stats, "open_calls": open_calls()[:6]}
    user = request.user
    if user.is_authenticated:
        if user.has_perm("calls.manage_call"):
            context["office"] = dashboards.office_dashboard()
        elif roles_of(user).is_board:  # the board decides: the decisions left to it
            context["board"] = dashboards.board_dashboard()
        context["reviewing"] = dashboards.reviewer_dashboard(user)
        context["applying"] = dashboards.applicant_dashboard(user)
    return render(request, "home.html", context)


def favicon(request: HttpRequest) -> HttpResponse:
    return redirect(static("img/favicon.svg"), permanent=True)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "errors/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors here: the failure may come from one of them.
    return HttpResponse(get_template("errors/500.html").render({"request": request}), status=500)
