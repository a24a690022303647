"""The public impact page: the indicators the office marked public and the funded projects shown
publicly. Nothing confidential: no proposal that was not funded, no reviewer, no amount of a
project, no figure the office did not mark public."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from grappe.core.paginate import paginate
from grappe.programmes.models import Programme
from grappe.projects.models import Project
from grappe.reporting import queries
from grappe.reporting.models import Indicator


def impact(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    sections = []
    for programme in Programme.objects.order_by("-start_year", "name"):
        year = min(max(today.year, programme.start_year), programme.end_year)
        public = list(Indicator.objects.filter(programme=programme, is_public=True))
        if not public:
            continue
        sections.append((programme, year, queries.actuals(programme, year, indicators=public)))
    projects = (
        Project.objects.filter(is_public=True)
        .select_related("call")
        .only("code", "title", "acronym", "summary", "theme", "call__title_fr", "call__title_en")
        .order_by("title", "code")
    )
    return render(request, "reporting/impact.html", {"sections": sections, "page": paginate(request, projects)})
