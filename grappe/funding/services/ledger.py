"""Co-funding realised by partners, the payment schedule, and payments (the programme's ledger)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grappe.core.money import format_money, money
from grappe.core.services import ConcurrentEditError, log_action
from grappe.funding.models import Contribution, ExpenseStatement, Instalment, StatementState, Trigger
from grappe.funding.services.statements import ZERO, FundingError
from grappe.people.models import Organisation
from grappe.programmes.models import Programme
from grappe.projects.models import Grant, GrantState, Project, Report, ReportState
from grappe.projects.queries import partner_organisation_ids

PAYMENT_GRACE_DAYS = 366  # the balance is paid after the final report, up to a year after the end


@transaction.atomic
def record_contribution(
    project: Project,
    *,
    organisation: Organisation,
    year: int,
    kind: str,
    amount: Decimal,
    received_on: dt.date,
    description: str,
    upload: UploadedFile | None,
    content_type: str,
    actor: Any,
) -> Contribution:
    """Record co-funding a partner brought, with its evidence; partners of the project only."""
    if organisation.pk not in partner_organisation_ids(project):
        raise FundingError(_("Only a partner of the project brings co-funding."))
    if amount <= 0:
        raise FundingError(_("The amount must be at least 0.01 €."))
    contribution = Contribution.objects.create(
        project=project,
        organisation=organisation,
        year=year,
        kind=kind,
        amount=amount,
        received_on=received_on,
        description=description.strip(),
        file=upload or "",
        file_name=(upload.name or "evidence") if upload else "",
        content_type=content_type if upload else "",
        recorded_by=actor,
    )
    log_action(
        project,
        "funding.contribution_recorded",
        actor=actor,
        data={"partner": str(organisation), "amount": amount, "kind": kind},
    )
    return contribution


def scheduled_total(project: Project, *, exclude: int | None = None) -> Decimal:
    return Instalment.objects.filter(project=project).exclude(pk=exclude).aggregate(t=Sum("amount"))["t"] or ZERO


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
    if (amount is None) == (share is None):
        raise FundingError(_("Give either an amount or a share of the maximum, not both."))
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
    problem = due_date_problem(grant, paid_on)
    if problem:
        raise FundingError(problem)
    paid = Instalment.objects.filter(project=project).exclude(paid_on=None).aggregate(t=Sum("amount"))["t"] or ZERO
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
