"""Reusable reads about projects, including who may see which."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from grappe.people.models import RoleKind
from grappe.people.rules import roles_of
from grappe.projects.models import Project, ProjectRole
from grappe.submissions.queries import contact_organisation_ids


def member_roles(project: Project) -> dict[int, set[str]]:
    """``{person_id: {role, …}}`` for the project's people (one query, cached on the object)."""
    cached = getattr(project, "_member_roles", None)
    if cached is None:
        cached = {}
        for person_id, role in project.members.values_list("person_id", "role"):
            cached.setdefault(person_id, set()).add(role)
        project._member_roles = cached  # type: ignore[attr-defined]
    return cached


def partner_organisation_ids(project: Project) -> set[int]:
    cached = getattr(project, "_partner_org_ids", None)
    if cached is None:
        cached = set(project.partners.values_list("organisation_id", flat=True))
        project._partner_org_ids = cached  # type: ignore[attr-defined]
    return cached


def institution_ids(project: Project) -> set[int]:
    """The managing institution and the members' organisations (cached on the object)."""
    cached = getattr(project, "_institution_ids", None)
    if cached is None:
        cached = set(project.members.exclude(organisation=None).values_list("organisation_id", flat=True))
        grant = getattr(project, "grant", None)
        if grant is not None:
            cached.add(grant.managing_institution_id)
        project._institution_ids = cached  # type: ignore[attr-defined]
    return cached


def partner_orgs_of_user(user: Any, project: Project) -> set[int]:
    """The project's partner organisations the user is a partner contact of."""
    orgs = contact_organisation_ids(user, RoleKind.PARTNER_CONTACT)
    return orgs & partner_organisation_ids(project) if orgs else set()


def projects_visible_to(user: Any) -> QuerySet[Project]:
    """Projects ``user`` may open: office and board all; others theirs, their institution's or partner's."""
    roles = roles_of(user)
    if roles.is_office or roles.is_board:
        return Project.objects.all()
    if roles.person_id is None:
        return Project.objects.none()
    condition = Q(members__person_id=roles.person_id)
    institutions = contact_organisation_ids(user, RoleKind.INSTITUTION_CONTACT)
    if institutions:
        condition |= Q(members__organisation_id__in=institutions) | Q(grant__managing_institution_id__in=institutions)
    partners = contact_organisation_ids(user, RoleKind.PARTNER_CONTACT)
    if partners:
        condition |= Q(partners__organisation_id__in=partners)
    ids = Project.objects.filter(condition).values("id")
    return Project.objects.filter(id__in=ids)


def lead_or_finance(project: Project) -> set[int]:
    return {pid for pid, roles in member_roles(project).items() if roles & {ProjectRole.LEAD, ProjectRole.FINANCE}}
