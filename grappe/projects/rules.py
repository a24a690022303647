"""Who may see and do what in a project (DOMAIN roles: lead, members, finance contact,
partner contacts, institution contacts, office, board). Others get a 404."""

from __future__ import annotations

from typing import Any

import rules

from grappe.people.models import RoleKind
from grappe.people.rules import is_board, is_office, roles_of
from grappe.projects import queries
from grappe.projects.models import ProjectRole
from grappe.submissions.queries import contact_organisation_ids


def _project(obj: Any) -> Any:
    """A project from a project or from an object that belongs to one (``obj.project``)."""
    return getattr(obj, "project", obj) if obj is not None and not hasattr(obj, "award_id") else obj


@rules.predicate
def is_project_member(user: Any, obj: Any) -> bool:
    project = _project(obj)
    person_id = roles_of(user).person_id
    return project is not None and person_id is not None and person_id in queries.member_roles(project)


@rules.predicate
def is_project_lead(user: Any, obj: Any) -> bool:
    project = _project(obj)
    person_id = roles_of(user).person_id
    return project is not None and ProjectRole.LEAD in queries.member_roles(project).get(person_id or 0, set())


@rules.predicate
def is_finance_contact(user: Any, obj: Any) -> bool:
    project = _project(obj)
    person_id = roles_of(user).person_id
    return project is not None and ProjectRole.FINANCE in queries.member_roles(project).get(person_id or 0, set())


@rules.predicate
def is_institution_contact_of_project(user: Any, obj: Any) -> bool:
    project = _project(obj)
    if project is None:
        return False
    orgs = contact_organisation_ids(user, RoleKind.INSTITUTION_CONTACT)
    return bool(orgs) and bool(orgs & queries.institution_ids(project))


@rules.predicate
def is_partner_contact_of_project(user: Any, obj: Any) -> bool:
    project = _project(obj)
    return project is not None and bool(queries.partner_orgs_of_user(user, project))


@rules.predicate
def is_public_project(user: Any, obj: Any) -> bool:
    return obj is not None and obj.is_public


@rules.predicate
def is_approver(user: Any, deliverable: Any) -> bool:
    person_id = roles_of(user).person_id
    return deliverable is not None and person_id is not None and deliverable.approver_id == person_id


is_insider = is_office | is_board | is_project_member | is_institution_contact_of_project

rules.add_perm("projects.list_projects", rules.is_authenticated)
rules.add_perm("projects.view_public_project", is_public_project | is_office)
# The internal page: partner contacts see it with their own pledges only.
rules.add_perm("projects.view_project", is_insider | is_partner_contact_of_project)
# Everything inside: grant, work plan, budget, statements, every pledge.
rules.add_perm("projects.view_project_full", is_insider)
rules.add_perm("projects.open_project", is_office)
# Summary and theme: office and lead; the public flag, the team and partners shown: office.
rules.add_perm("projects.change_project", is_office | is_project_lead)
rules.add_perm("projects.manage_team", is_office)
rules.add_perm("projects.change_grant", is_office)
# The work plan
rules.add_perm("projects.manage_workplan", is_office | is_project_lead)
# A deliverable's due date: the office moves it, with a reason (the lead may not erase a delay).
rules.add_perm("projects.move_due_date", is_office)
rules.add_perm("projects.submit_deliverable", is_project_member)
rules.add_perm("projects.review_deliverable", is_office | is_approver)
# Reports
rules.add_perm("projects.schedule_report", is_office)
rules.add_perm("projects.write_report", is_project_lead)
rules.add_perm("projects.review_report", is_office)
