"""Changing a project after it is opened: its public summary, theme and public flag, its team and
their project-scoped roles (lead, member, finance contact) with planned person-months, which
partners appear on the public page, and deleting work-plan items while it is safe.

Every change carries the project's ``version`` (one counter for the settings page): a stale form
is refused with nothing saved. Grant fields are not here: after signature they go through
amendments (``services.grant``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from grappe.core.services import ConcurrentEditError, log_action
from grappe.people.models import Organisation, Person
from grappe.projects.models import (
    Deliverable,
    DeliverableState,
    Milestone,
    Project,
    ProjectMember,
    ProjectRole,
    Task,
    WorkPackage,
)
from grappe.projects.services.opening import ProjectError

EDITABLE = ("summary", "theme", "is_public")


def _bump(project: Project, expected_version: int) -> Project:
    """Lock the project row, check the version read by the form and count one more change."""
    locked = Project.objects.select_for_update().get(pk=project.pk)
    if locked.version != expected_version:
        raise ConcurrentEditError()
    Project.objects.filter(pk=project.pk).update(version=models.F("version") + 1)
    project.version = expected_version + 1
    return locked


@transaction.atomic
def update_project(project: Project, *, changes: dict[str, Any], expected_version: int, actor: Any) -> Project:
    """Change the summary, theme or public flag; the audit entry keeps before and after."""
    locked = _bump(project, expected_version)
    diff = {}
    for name, value in changes.items():
        if name not in EDITABLE:
            raise ProjectError(_("This field cannot be changed here."))
        if getattr(locked, name) != value:
            diff[name] = [getattr(locked, name), value]
        setattr(project, name, value)
    Project.objects.filter(pk=project.pk).update(**{k: getattr(project, k) for k in changes})
    log_action(project, "project.changed", actor=actor, data={"changes": diff})
    return project


def _check_person_months(value: Decimal) -> None:
    if value < 0 or value > Decimal("999.9"):
        raise ProjectError(_("Person-months go from 0 to 999.9."))


@transaction.atomic
def add_member(
    project: Project,
    *,
    person: Person,
    role: str,
    organisation: Organisation | None,
    person_months: Decimal,
    expected_version: int,
    actor: Any,
) -> ProjectMember:
    """Add someone to the team as a member or finance contact (the lead is changed with
    :func:`change_member`, so the project never has two leads)."""
    _bump(project, expected_version)
    if role not in (ProjectRole.MEMBER, ProjectRole.FINANCE):
        raise ProjectError(_("Add the person as a member first, then make them the lead."))
    _check_person_months(person_months)
    if ProjectMember.objects.filter(project=project, person=person, role=role).exists():
        raise ProjectError(_("This person already has this role in the project."))
    member = ProjectMember.objects.create(
        project=project, person=person, role=role, organisation=organisation, person_months=person_months
    )
    log_action(
        project,
        "project.member_added",
        actor=actor,
        data={"person": person.pk, "role": role, "person_months": person_months},
    )
    return member


@transaction.atomic
def change_member(
    member: ProjectMember,
    *,
    role: str,
    organisation: Organisation | None,
    person_months: Decimal,
    expected_version: int,
    actor: Any,
) -> ProjectMember:
    """Change a team member's role, organisation or person-months. Making someone the lead
    hands the lead over: the former lead stays in the team as a member."""
    project = member.project
    _bump(project, expected_version)
    _check_person_months(person_months)
    if role not in ProjectRole.values:
        raise ProjectError(_("Choose a role from the list."))
    before = {"role": member.role, "organisation": member.organisation_id, "person_months": member.person_months}
    if member.role == ProjectRole.LEAD and role != ProjectRole.LEAD:
        raise ProjectError(_("A project always has a lead: make someone else the lead instead."))
    twin = ProjectMember.objects.filter(project=project, person_id=member.person_id, role=role).exclude(pk=member.pk)
    if twin.exists():
        raise ProjectError(_("This person already has this role in the project."))
    if role == ProjectRole.LEAD and member.role != ProjectRole.LEAD:
        former = ProjectMember.objects.select_for_update().filter(project=project, role=ProjectRole.LEAD).first()
        if former is not None:
            if ProjectMember.objects.filter(
                project=project, person_id=former.person_id, role=ProjectRole.MEMBER
            ).exists():
                former.delete()
            else:
                former.role = ProjectRole.MEMBER
                former.save(update_fields=["role"])
        Project.objects.filter(pk=project.pk).update(lead_id=member.person_id)
        project.lead_id = member.person_id
    member.role, member.organisation, member.person_months = role, organisation, person_months
    member.save(update_fields=["role", "organisation", "person_months"])
    after = {"role": role, "organisation": member.organisation_id, "person_months": person_months}
    log_action(
        project,
        "project.member_changed",
        actor=actor,
        data={
            "person": member.person_id,
            "changes": {k: [before[k], after[k]] for k in before if before[k] != after[k]},
        },
    )
    return member


@transaction.atomic
def remove_member(member: ProjectMember, *, expected_version: int, actor: Any) -> None:
    """Take someone out of the team (never the lead: hand the lead over first)."""
    project = member.project
    _bump(project, expected_version)
    if member.role == ProjectRole.LEAD:
        raise ProjectError(_("A project always has a lead: make someone else the lead instead."))
    log_action(project, "project.member_removed", actor=actor, data={"person": member.person_id, "role": member.role})
    member.delete()


@transaction.atomic
def set_public_partners(project: Project, *, shown_ids: set[int], expected_version: int, actor: Any) -> None:
    """Show on the public page the partners in ``shown_ids`` (those that agreed), hide the others."""
    _bump(project, expected_version)
    project.partners.update(
        shown_publicly=models.Case(
            models.When(organisation_id__in=shown_ids, then=models.Value(True)), default=models.Value(False)
        )
    )
    log_action(project, "project.partners_shown", actor=actor, data={"shown": sorted(shown_ids)})


# --- Deleting work-plan items -------------------------------------------------------------------


def deletion_problem(item: models.Model) -> str | None:
    """Why ``item`` may not be deleted (None: it may). Nothing handed in, decided or achieved is
    deleted, and a work package goes only once nothing hangs from it."""
    if isinstance(item, WorkPackage):
        if item.tasks.exists() or item.deliverables.exists() or item.milestones.exists():
            return _("Delete or move its tasks, deliverables and milestones first.")
    elif isinstance(item, Deliverable):
        if item.state != DeliverableState.DRAFT or item.submitted_at is not None:
            return _("A deliverable that was handed in is part of the record: it cannot be deleted.")
    elif isinstance(item, Milestone):
        if item.achieved_on is not None:
            return _("An achieved milestone cannot be deleted: clear its date first.")
    elif not isinstance(item, Task):
        return _("This cannot be deleted.")
    return None


@transaction.atomic
def delete_plan_item(project: Project, item: models.Model, *, actor: Any) -> None:
    """Delete a work package, task, deliverable or milestone of ``project`` when it is safe."""
    locked = type(item)._default_manager.select_for_update().filter(pk=item.pk).first()
    if locked is None:
        raise ProjectError(_("This item was deleted already."))
    problem = deletion_problem(locked)
    if problem:
        raise ProjectError(problem)
    log_action(project, f"workplan.{type(item)._meta.model_name}_deleted", actor=actor, data={"item": str(locked)})
    locked.delete()
