"""Co-funding realised by partners, the payment schedule, and payments (the programme's ledger)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grappe.core.money import format_money, money
from grappe.core.services import ConcurrentEditError, log_action
from grappe.funding.models import (
    Contribution,
    ContributionState,
    ExpenseStatement,
    Instalment,
    StatementState,
    Trigger,
)
from grappe.funding.services.statements import ZERO, FundingError, accepted_total
from grappe.people.models import Organisation
from grappe.programmes.models import Programme
from grappe.projects.models import Grant, GrantState, Project, Report, ReportState
from grappe.projects.queries import partner_organisation_ids
from grappe.submissions.models import ContributionKind

PAYMENT_GRACE_DAYS = 366  # the balance is paid after the final report, up to a year after the end


def contribution_problems(
    project: Project,
    *,
    organisation: Organisation | None,
    kind: str | None,
    amount: Decimal | None,
    received_on: dt.date | None,
    description: str,
    has_evidence: bool,
) -> dict[str, str]:
    """What is wrong with a contribution, per form field (empty when it may be recorded).

    A partner of the project; an amount above zero; received or valued inside the project and not
    after today (its year is the year of that date); in kind: a description of the valuation and
    evidence (DOMAIN.md R6.7, docs/projects.md)."""
    problems: dict[str, str] = {}
    if organisation is not None and organisation.pk not in partner_organisation_ids(project):
        problems["organisation"] = _("Only a partner of the project brings co-funding.")
    if amount is not None and amount <= 0:
        problems["amount"] = _("The amount must be at least 0.01 €.")
    if received_on is not None:
        grant, today = project.grant, timezone.localdate()
        if not (grant.start_date <= received_on <= grant.end_date):
            problems["received_on"] = _("The date must be inside the project: from %(start)s to %(end)s.") % {
                "start": date_format(grant.start_date, "SHORT_DATE_FORMAT"),
                "end": date_format(grant.end_date, "SHORT_DATE_FORMAT"),
            }
        elif received_on > today:
            problems["received_on"] = _(
                "A contribution is recorded once received or valued: the date cannot be after today (%(today)s)."
            ) % {"today": date_format(today, "SHORT_DATE_FORMAT")}
    if kind == ContributionKind.IN_KIND:
        if not description.strip():
            problems["description"] = _(
                "Describe what the partner brought in kind and how it is valued (e.g. 120 engineer hours × 65 €)."
            )
        if not has_evidence:
            problems["file"] = _("Attach the evidence of the valuation in kind (PDF or image).")
    return problems


@transaction.atomic
def record_contribution(
    project: Project,
    *,
    organisation: Organisation,
    kind: str,
    amount: Decimal,
    received_on: dt.date,
    description: str,
    upload: UploadedFile | None,
    content_type: str,
    actor: Any,
    confirmed: bool = False,
) -> Contribution:
    """Record co-funding a partner brought, with its evidence; partners of the project only. It
    counts in the year of ``received_on``. Declared by the project it waits for the office's
    confirmation; ``confirmed``: recorded by the office itself, counted at once."""
    problems = contribution_problems(
        project,
        organisation=organisation,
        kind=kind,
        amount=amount,
        received_on=received_on,
        description=description,
        has_evidence=upload is not None,
    )
    if problems:
        raise FundingError(" ".join(problems.values()))
    if confirmed and actor is not None and not actor.has_perm("funding.confirm_contribution", project):
        raise FundingError(_("Only the office confirms co-funding."))
    now = timezone.now()
    contribution = Contribution.objects.create(
        project=project,
        organisation=organisation,
        year=received_on.year,
        kind=kind,
        amount=amount,
        received_on=received_on,
        description=description.strip(),
        file=upload or "",
        file_name=(upload.name or "evidence") if upload else "",
        content_type=content_type if upload else "",
        state=ContributionState.CONFIRMED if confirmed else ContributionState.DECLARED,
        decided_by=actor if confirmed else None,
        decided_at=now if confirmed else None,
        recorded_by=actor,
    )
    log_action(
        project,
        "funding.contribution_recorded",
        actor=actor,
        data={"partner": str(organisation), "amount": amount, "kind": kind, "state": contribution.state},
    )
    return contribution


@transaction.atomic
def decide_contribution(
    contribution: Contribution, *, confirm: bool, comment: str, expected_version: int, actor: Any
) -> Contribution:
    """The office confirms a declared contribution (it then counts in the co-funding realised, the
    leverage, the ledger and the public figures) or rejects it with a reason (it never counts)."""
    locked = Contribution.objects.select_for_update().filter(pk=contribution.pk).first()
    if locked is None:
        raise FundingError(_("This contribution no longer exists."))
    if locked.version != expected_version:
        raise ConcurrentEditError()
    if locked.state != ContributionState.DECLARED:
        raise FundingError(_("This contribution is confirmed or rejected already."))
    comment = comment.strip()
    if not confirm and len(comment) < 10:
        raise FundingError(_("Say why the contribution is rejected (10 characters at least)."))
    state = ContributionState.CONFIRMED if confirm else ContributionState.REJECTED
    Contribution.objects.filter(pk=locked.pk).update(
        state=state,
        decided_by=actor,
        decided_at=timezone.now(),
        office_comment=comment,
        version=expected_version + 1,
    )
    contribution.refresh_from_db()
    log_action(
        locked.project,
        "funding.contribution_confirmed" if confirm else "funding.contribution_rejected",
        actor=actor,
        data={"partner": str(locked.organisation), "amount": locked.amount, "kind": locked.kind, "comment": comment},
    )
    return contribution


def scheduled_total(project: Project, *, exclude: int | None = None) -> Decimal:
    return Instalment.objects.filter(project=project).exclude(pk=exclude).aggregate(t=Sum("amount"))["t"] or ZERO


def paid_total(project: Project) -> Decimal:
    return Instalment.objects.filter(project=project).exclude(paid_on=None).aggregate(t=Sum("amount"))["t"] or ZERO


def maximum_floor(grant: Grant) -> list[tuple[str, Decimal]]:
    """What a grant's maximum may not go below (registered with ``projects``): what is paid, the
    accepted spending, and the schedule (which never exceeds the maximum: docs/projects.md)."""
    project = grant.project
    return [
        (_("paid"), paid_total(project)),
        (_("accepted statements"), accepted_total(project)),
        (_("scheduled payments"), scheduled_total(project)),
    ]


def share_problem(share: Decimal | None) -> str | None:
    if share is not None and not (ZERO < share <= 1):
        return _("A share of the maximum is more than 0 and at most 1 (0.3 = 30 %%).") % {}
    return None


def amount_or_share_problem(amount: Decimal | None, share: Decimal | None) -> str | None:
    if amount is None and share is None:
        return _("Give an amount, or a share of the maximum.")
    if amount is not None and share is not None:
        return _("Give either an amount or a share of the maximum, not both.")
    return share_problem(share)


def paid_on_problem(day: dt.date) -> str | None:
    today = timezone.localdate()
    if day > today:
        return _("A payment is recorded once made: the date paid cannot be after today (%(today)s).") % {
            "today": date_format(today, "SHORT_DATE_FORMAT")
        }
    return None


def due_date_problem(grant: Grant, day: dt.date) -> str | None:
    last = grant.end_date + dt.timedelta(days=PAYMENT_GRACE_DAYS)
    if not (grant.start_date <= day <= last):
        return _("A payment falls between the project's start and a year after its end: from %(start)s to %(end)s.") % {
            "start": date_format(grant.start_date, "SHORT_DATE_FORMAT"),
            "end": date_format(last, "SHORT_DATE_FORMAT"),
        }
    return None


@transaction.atomic
def schedule_instalment(
    project: Project,
    *,
    kind: str,
    amount: Decimal | None,
    share: Decimal | None,
    trigger: str,
    due_date: dt.date,
    actor: Any,
) -> Instalment:
    """Add a payment to the schedule, as an amount or a share of the grant's maximum. The schedule
    never exceeds the maximum (the grant row is locked while it is checked)."""
    grant = Grant.objects.select_for_update().get(project=project)
    problem = amount_or_share_problem(amount, share)
    if problem:
        raise FundingError(problem)
    if share is not None:
        amount = money(grant.max_amount * share)
    if amount is None or amount <= 0:
        raise FundingError(_("The amount must be at least 0.01 €."))
    problem = due_date_problem(grant, due_date)
    if problem:
        raise FundingError(problem)
    left = grant.max_amount - scheduled_total(project)
    if amount > left:
        raise FundingError(
            _("%(amount)s is more than what is left to schedule under the grant's maximum (%(limit)s).")
            % {"amount": format_money(amount), "limit": format_money(left)}
        )
    instalment = Instalment.objects.create(
        project=project, kind=kind, amount=amount, share=share, trigger=trigger, due_date=due_date
    )
    log_action(
        project, "funding.instalment_scheduled", actor=actor, data={"kind": kind, "amount": amount, "trigger": trigger}
    )
    return instalment


def trigger_met(project: Project, trigger: str) -> bool:
    if trigger == Trigger.SIGNATURE:
        return Grant.objects.filter(project=project, state=GrantState.SIGNED).exists()
    if trigger == Trigger.STATEMENT:
        return ExpenseStatement.objects.filter(project=project, state=StatementState.ACCEPTED).exists()
    return Report.objects.filter(project=project, state=ReportState.ACCEPTED).exists()


@transaction.atomic
def pay_instalment(instalment: Instalment, *, paid_on: dt.date, expected_version: int, actor: Any) -> Instalment:
    """Record the payment of an instalment whose condition is met.

    The programme row is locked first (as for awards), then the grant: the programme's paid
    total can never pass what its awards committed, nor the envelope.
    """
    project = instalment.project
    Programme.objects.select_for_update().get(pk=project.call.programme_id)
    grant = Grant.objects.select_for_update().get(project=project)
    locked = Instalment.objects.select_for_update().get(pk=instalment.pk)
    if locked.version != expected_version:
        raise ConcurrentEditError()
    if locked.paid_on is not None:
        raise FundingError(_("This instalment is paid already."))
    if not trigger_met(project, locked.trigger):
        raise FundingError(
            _("This instalment waits for its condition: %(condition)s.") % {"condition": Trigger(locked.trigger).label}
        )
    problem = paid_on_problem(paid_on) or due_date_problem(grant, paid_on)
    if problem:
        raise FundingError(problem)
    paid = paid_total(project)
    if paid + locked.amount > grant.max_amount:
        raise FundingError(
            _("Paying %(amount)s would pay more than the grant's maximum (%(limit)s).")
            % {"amount": format_money(locked.amount), "limit": format_money(grant.max_amount)}
        )
    Instalment.objects.filter(pk=locked.pk).update(paid_on=paid_on, version=expected_version + 1)
    instalment.paid_on, instalment.version = paid_on, expected_version + 1
    log_action(project, "funding.instalment_paid", actor=actor, data={"amount": locked.amount, "paid_on": paid_on})
    return instalment


@transaction.atomic
def unschedule_instalment(instalment: Instalment, *, expected_version: int, actor: Any) -> None:
    """Take an unpaid instalment out of the schedule. A paid one is part of the ledger and
    is never deleted."""
    locked = Instalment.objects.select_for_update().filter(pk=instalment.pk).first()
    if locked is None:
        raise FundingError(_("This instalment was taken out of the schedule already."))
    if locked.version != expected_version:
        raise ConcurrentEditError()
    if locked.paid_on is not None:
        raise FundingError(_("A paid instalment is part of the ledger: it cannot be deleted."))
    log_action(
        locked.project,
        "funding.instalment_unscheduled",
        actor=actor,
        data={"kind": locked.kind, "amount": locked.amount, "due": locked.due_date},
    )
    locked.delete()
