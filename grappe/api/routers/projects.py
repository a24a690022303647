"""Projects: those the caller may open (as the projects list), and public ones for everyone."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router
from pydantic import Field

from grappe.api.common import ERRORS
from grappe.api.pagination import page
from grappe.api.routers.directory import PageQuery
from grappe.api.schemas import ProjectOut, ProjectPage
from grappe.core.access import posted_code
from grappe.projects.models import Project
from grappe.projects.queries import projects_visible_to

router = Router(tags=["projects"])
RELATED = ("call", "lead")


class ProjectFilters(PageQuery):
    public: bool = Field(False, description="The public list of projects instead of the caller's.")


def project_out(project: Project, internal: bool) -> dict[str, Any]:
    return {
        "code": project.code,
        "title": project.title,
        "acronym": project.acronym,
        "summary": project.summary,
        "theme": project.theme,
        "state": project.state,
        "call": project.call.code,
        "lead_name": project.lead.full_name,
        "is_public": project.is_public,
        "internal": internal,
    }


@router.get("/projects", response={200: ProjectPage, **ERRORS})
def list_projects(request: HttpRequest, filters: Query[ProjectFilters]) -> Any:
    """The projects the caller may open (their own, their institution's or partner's; all for the
    office and the board); ``public=true`` (or an anonymous caller): the public list."""
    user = request.user
    if filters.public or not user.is_authenticated:
        projects = Project.objects.filter(is_public=True).select_related(*RELATED)
        return page(projects, cursor=filters.cursor, limit=filters.limit, item=lambda p: project_out(p, False))
    projects = projects_visible_to(user).select_related(*RELATED)
    return page(projects, cursor=filters.cursor, limit=filters.limit, item=lambda p: project_out(p, True))


@router.get("/projects/{code}", response={200: ProjectOut, **ERRORS})
def get_project(request: HttpRequest, code: str) -> Any:
    """A project's internal page for its insiders and partner contacts, else its public page."""
    user = request.user
    project = Project.objects.select_related(*RELATED).filter(code=posted_code(code)).first()
    if project is None:
        raise Http404
    if user.has_perm("projects.view_project", project):
        return project_out(project, True)
    if user.has_perm("projects.view_public_project", project):
        return project_out(project, False)
    raise Http404
