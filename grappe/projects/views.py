"""Project pages: the public list and page, the internal list and page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from grappe.core.access import get_for_user_or_404
from grappe.core.paginate import paginate
from grappe.projects import queries
from grappe.projects.models import Project, ProjectRole

LIST_RELATED = ("call", "lead", "grant__managing_institution")


def public_list(request: HttpRequest) -> HttpResponse:
    projects = Project.objects.filter(is_public=True).select_related(*LIST_RELATED).order_by("title", "code")
    return render(request, "projects/public_list.html", {"page": paginate(request, projects)})


def public_detail(request: HttpRequest, code: str) -> HttpResponse:
    project = get_for_user_or_404(
        request.user, Project.objects.select_related(*LIST_RELATED), "projects.view_public_project", code=code
    )
    team = project.members.exclude(role=ProjectRole.FINANCE).select_related("person", "organisation")
    partners = project.partners.filter(shown_publicly=True).select_related("organisation")
    return render(request, "projects/public_detail.html", {"project": project, "team": team, "partners": partners})


@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    projects = queries.projects_visible_to(request.user).select_related(*LIST_RELATED).order_by("-created_at", "code")
    return render(request, "projects/list.html", {"page": paginate(request, projects)})


def get_project(request: HttpRequest, code: str, perm: str) -> Project:
    """Fetch a project and check ``perm`` on it; 404 for whoever may not know it exists."""
    queryset = Project.objects.select_related("call__programme", "lead", "grant__managing_institution", "award")
    return get_for_user_or_404(request.user, queryset, perm, code=code)


@login_required
def project_detail(request: HttpRequest, code: str) -> HttpResponse:
    project = get_project(request, code, "projects.view_project")
    full = request.user.has_perm("projects.view_project_full", project)
    team = project.members.select_related("person", "organisation") if full else []
    partners = project.partners.select_related("organisation")
    return render(
        request,
        "projects/detail.html",
        {"project": project, "grant": project.grant, "team": team, "partners": partners, "full": full},
    )
