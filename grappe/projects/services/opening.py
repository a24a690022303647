"""Opening a project from a funded award.

Functions are atomic, take the acting user as ``actor=`` and leave one audit entry per change.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from grappe.core.services import log_action
from grappe.people.models import Organisation, Person
from grappe.projects.models import (
    Grant,
    Project,
    ProjectMember,
    ProjectPartner,
    ProjectRole,
)
from grappe.selection.models import Award, Outcome
from grappe.submissions.models import Answer, InvitationState, TeamRole


class ProjectError(Exception):
    """A write refused for a reason the user can fix; ``str()`` is translated."""


def add_months(day: dt.date, months: int) -> dt.date:
    """The last day of a ``months``-month period starting on ``day`` (1 Jan + 24 → 31 Dec of the next year)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last)) - dt.timedelta(days=1)


def _theme(award: Award) -> str:
    settings = getattr(award.call, "selection_settings", None)
    if settings is None or settings.theme_question is None:
        return ""
    answer = Answer.objects.filter(proposal=award.proposal, question=settings.theme_question).first()
    if answer is None or answer.value in (None, ""):
        return ""
    return dict(settings.theme_question.choice_pairs()).get(str(answer.value), str(answer.value))


@dataclass(frozen=True)
class Opening:
    """What the office gives when it opens a project (the rest comes from the proposal)."""

    start_date: dt.date
    managing_institution: Organisation
    finance_contact: Person | None = None
    public_partner_ids: frozenset[int] = frozenset()
    rf_version: str = "RF France 2030"
    regime: str = "marginal"


@transaction.atomic
def open_project(award: Award, opening: Opening, *, actor: Any) -> Project:
    """Open the project of a funded award: title, summary, theme, team and partners carried over,
    the grant record prepared (maximum = the award, the programme's overhead rate).

    The award row is locked, so two clicks cannot open two projects. The budget table and the
    co-funding pledges are carried over by ``funding.services.open_project_from_award``, which
    calls this function in the same transaction.
    """
    award = Award.objects.select_for_update().select_related("proposal", "call__programme").get(pk=award.pk)
    proposal = award.proposal
    if Project.objects.filter(award=award).exists():
        raise ProjectError(_("A project was already opened from this award."))
    decision = getattr(proposal, "decision", None)
    if decision is None or decision.outcome != Outcome.FUNDED:
        raise ProjectError(_("Only a funded proposal can become a project."))
    end_date = add_months(opening.start_date, proposal.duration_months)
    last_day = dt.date(award.call.programme.end_year, 12, 31)
    if end_date > last_day:
        raise ProjectError(
            _("A %(months)s-month project starting then would end on %(end)s, after the programme (%(last)s).")
            % {"months": proposal.duration_months, "end": end_date.isoformat(), "last": last_day.isoformat()}
        )
    project = Project.objects.create(
        award=award,
        proposal=proposal,
        call=award.call,
        title=proposal.title,
        acronym=proposal.acronym,
        summary=proposal.abstract,
        theme=_theme(award),
        lead=proposal.lead,
    )
    members = []
    for member in proposal.team.filter(state=InvitationState.ACCEPTED).exclude(person=None):
        role = ProjectRole.LEAD if member.role == TeamRole.LEAD else ProjectRole.MEMBER
        members.append(
            ProjectMember(
                project=project, person_id=member.person_id, role=role, organisation_id=member.organisation_id
            )
        )
    if opening.finance_contact is not None:
        members.append(
            ProjectMember(
                project=project,
                person=opening.finance_contact,
                role=ProjectRole.FINANCE,
                organisation=opening.managing_institution,
            )
        )
    ProjectMember.objects.bulk_create(members)
    ProjectPartner.objects.bulk_create(
        ProjectPartner(
            project=project,
            organisation_id=p.organisation_id,
            role=p.role,
            shown_publicly=p.organisation_id in opening.public_partner_ids,
        )
        for p in proposal.partners.all()
    )
    Grant.objects.create(
        project=project,
        rf_version=opening.rf_version,
        managing_institution=opening.managing_institution,
        start_date=opening.start_date,
        end_date=end_date,
        max_amount=award.amount,
        overhead_rate=award.call.programme.overhead_rate,
        regime=opening.regime,
    )
    log_action(
        project,
        "project.opened",
        actor=actor,
        data={"award": award.pk, "proposal": proposal.code, "amount": award.amount, "start": opening.start_date},
    )
    return project
