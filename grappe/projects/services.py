"""Every write about projects: opening from an award, the grant record, the work plan.

Functions are atomic, take the acting user as ``actor=`` and leave one audit entry per change.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Max
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grappe.core.money import format_money
from grappe.core.services import diff, log_action, save_versioned
from grappe.people.models import Organisation, Person
from grappe.projects.models import (
    AMENDABLE,
    Amendment,
    Grant,
    GrantDocument,
    GrantState,
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


# --- The grant record ---------------------------------------------------------------------------


def grant_problems(grant: Grant, values: dict[str, Any]) -> dict[str, str]:
    """What is wrong with these grant values, per field (empty when they may be saved).

    The maximum may not exceed the award (what the programme's ledger committed); the end comes
    after the start and inside the programme.
    """
    problems: dict[str, str] = {}
    award = grant.project.award
    amount = values.get("max_amount", grant.max_amount)
    if amount is not None and amount > award.amount:
        problems["max_amount"] = _("%(amount)s is more than the award committed for this project (%(limit)s).") % {
            "amount": format_money(amount),
            "limit": format_money(award.amount),
        }
    start, end = values.get("start_date", grant.start_date), values.get("end_date", grant.end_date)
    last = dt.date(grant.project.call.programme.end_year, 12, 31)
    if start and end and end <= start:
        problems["end_date"] = _("The end must come after the start.")
    elif end and end > last:
        problems["end_date"] = _("The project must end by the programme's last day (%(last)s).") % {
            "last": date_format(last, "SHORT_DATE_FORMAT")
        }
    return problems


def _readable(value: Any) -> Any:
    return str(value) if isinstance(value, models.Model) else value


def _check(grant: Grant, changes: dict[str, Any]) -> None:
    problems = grant_problems(grant, changes)
    if problems:
        raise ProjectError(" ".join(problems.values()))


@transaction.atomic
def update_grant(grant: Grant, *, changes: dict[str, Any], expected_version: int, actor: Any) -> dict[str, list[Any]]:
    """Change the grant while it is being prepared; once signed, changes are amendments."""
    grant = (
        Grant.objects.select_for_update().select_related("project__award", "project__call__programme").get(pk=grant.pk)
    )
    if grant.state != GrantState.DRAFT:
        raise ProjectError(_("The grant is signed: record an amendment instead."))
    changes = {k: v for k, v in changes.items() if k in AMENDABLE}
    _check(grant, changes)
    changed = diff(grant, changes)
    if changed:
        save_versioned(grant, changes, expected_version=expected_version)
        log_action(grant.project, "grant.updated", actor=actor, data={"changed": _json_diff(changed)})
    return changed


def _json_diff(changed: dict[str, list[Any]]) -> dict[str, list[Any]]:
    return {k: [_readable(a), _readable(b)] for k, (a, b) in changed.items()}


def _document(grant: Grant, title: str, upload: UploadedFile, actor: Any) -> GrantDocument:
    return GrantDocument.objects.create(
        grant=grant, title=title, file=upload, file_name=upload.name or "document.pdf", uploaded_by=actor
    )


@transaction.atomic
def sign_grant(grant: Grant, *, signed_on: dt.date, document: UploadedFile, expected_version: int, actor: Any) -> Grant:
    """Record the signature with the signed convention (PDF); later changes need an amendment."""
    locked = Grant.objects.select_for_update().get(pk=grant.pk)
    if locked.state != GrantState.DRAFT:
        raise ProjectError(_("The grant is already signed."))
    save_versioned(grant, {"state": GrantState.SIGNED, "signed_on": signed_on}, expected_version=expected_version)
    _document(grant, str(_("Signed grant agreement")), document, actor)
    log_action(grant.project, "grant.signed", actor=actor, data={"signed_on": signed_on})
    return grant


@transaction.atomic
def amend_grant(
    grant: Grant,
    *,
    changes: dict[str, Any],
    reason: str,
    signed_on: dt.date,
    document: UploadedFile,
    expected_version: int,
    actor: Any,
) -> Amendment:
    """Record an amendment to the signed grant: its number, reason, date, before/after and the
    signed document; the grant then shows the new values."""
    grant = (
        Grant.objects.select_for_update().select_related("project__award", "project__call__programme").get(pk=grant.pk)
    )
    if grant.state != GrantState.SIGNED:
        raise ProjectError(_("Only a signed grant is amended: while it is prepared, edit it."))
    if len(reason.strip()) < 10:
        raise ProjectError(_("Say why the grant is amended (10 characters at least)."))
    changes = {k: v for k, v in changes.items() if k in AMENDABLE}
    _check(grant, changes)
    changed = diff(grant, changes)
    if not changed:
        raise ProjectError(_("This amendment changes nothing: change at least one value."))
    save_versioned(grant, changes, expected_version=expected_version)
    number = (grant.amendments.aggregate(n=Max("number"))["n"] or 0) + 1
    doc = _document(grant, str(_("Amendment %(n)s") % {"n": number}), document, actor)
    amendment = Amendment.objects.create(
        grant=grant,
        number=number,
        reason=reason.strip(),
        signed_on=signed_on,
        changes=json.loads(json.dumps(_json_diff(changed), cls=DjangoJSONEncoder)),
        document=doc,
        created_by=actor,
    )
    log_action(grant.project, "grant.amended", actor=actor, data={"number": number, "changed": _json_diff(changed)})
    return amendment


@transaction.atomic
def add_grant_document(grant: Grant, *, title: str, upload: UploadedFile, actor: Any) -> GrantDocument:
    doc = _document(grant, title, upload, actor)
    log_action(grant.project, "grant.document_added", actor=actor, data={"title": title})
    return doc
