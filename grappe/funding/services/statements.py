"""Expense statements (draft → submitted → accepted / returned) with evidence, and reallocations
between cost categories (applied directly under the programme's threshold, else approved by the office)."""

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

from grappe.core.money import format_money
from grappe.core.services import ConcurrentEditError, log_action
from grappe.funding.models import (
    DEFAULT_RULES,
    Evidence,
    ExpenseLine,
    ExpenseStatement,
    FundingRules,
    PlannedBudget,
    Reallocation,
    RequestState,
    StatementState,
)
from grappe.people.models import Organisation
from grappe.programmes.models import CostCategory
from grappe.projects.models import Grant, Project, ProjectRole
from grappe.projects.services import ProjectError, notify

ZERO = Decimal("0")


class FundingError(ProjectError):
    """A money write refused for a reason the user can fix; ``str()`` is translated."""


def rules_for(project: Project) -> dict[str, Decimal]:
    """The programme's tolerances and reallocation threshold (defaults when not set)."""
    rules = FundingRules.objects.filter(programme_id=project.call.programme_id).first()
    if rules is None:
        return dict(DEFAULT_RULES)
    return {name: getattr(rules, name) for name in DEFAULT_RULES}


def beneficiary_ids(project: Project) -> set[int]:
    """Organisations with planned money in the project (they file statements)."""
    ids = set(PlannedBudget.objects.filter(project=project).values_list("organisation_id", flat=True))
    return ids | {project.grant.managing_institution_id}


def period_problem(
    project: Project, beneficiary: Organisation, start: dt.date, end: dt.date, *, exclude: int | None = None
) -> str | None:
    grant = project.grant
    if end < start:
        return _("The end must come after the start.")
    if start < grant.start_date or end > grant.end_date:
        return _("The date must be inside the project: from %(start)s to %(end)s.") % {
            "start": date_format(grant.start_date, "SHORT_DATE_FORMAT"),
            "end": date_format(grant.end_date, "SHORT_DATE_FORMAT"),
        }
    overlapping = ExpenseStatement.objects.filter(
        project=project, beneficiary=beneficiary, period_start__lte=end, period_end__gte=start
    ).exclude(pk=exclude)
    if overlapping.exists():
        return _("This period overlaps another statement of this beneficiary.")
    return None


@transaction.atomic
def create_statement(
    project: Project, *, beneficiary: Organisation, period_start: dt.date, period_end: dt.date, actor: Any
) -> ExpenseStatement:
    if beneficiary.pk not in beneficiary_ids(project):
        raise FundingError(_("Only a beneficiary of the project files expense statements."))
    Grant.objects.select_for_update().get(project=project)  # one statement at a time per project: no overlap race
    problem = period_problem(project, beneficiary, period_start, period_end)
    if problem:
        raise FundingError(problem)
    statement = ExpenseStatement.objects.create(
        project=project, beneficiary=beneficiary, period_start=period_start, period_end=period_end
    )
    log_action(
        project,
        "funding.statement_created",
        actor=actor,
        data={"statement": statement.code, "beneficiary": str(beneficiary)},
    )
    return statement


def _locked(statement: ExpenseStatement, expected_version: int) -> ExpenseStatement:
    locked = ExpenseStatement.objects.select_for_update().get(pk=statement.pk)
    if locked.version != expected_version:
        raise ConcurrentEditError()
    return locked


@transaction.atomic
def save_lines(
    statement: ExpenseStatement,
    lines: dict[CostCategory, tuple[Decimal, Decimal, str]],
    *,
    expected_version: int,
    actor: Any,
) -> ExpenseStatement:
    """Replace the statement's lines: ``{category: (amount, person-months, description)}``; zero lines dropped."""
    locked = _locked(statement, expected_version)
    if locked.state not in StatementState.editable():
        raise FundingError(_("This statement is submitted: it can no longer be changed."))
    if any(amount < 0 for amount, _pm, _d in lines.values()):
        raise FundingError(_("The amount cannot be negative."))
    ExpenseLine.objects.filter(statement=statement).delete()
    ExpenseLine.objects.bulk_create(
        ExpenseLine(statement=statement, category=c, amount=a, person_months=pm, description=d)
        for c, (a, pm, d) in lines.items()
        if a or pm
    )
    total = sum((a for a, _pm, _d in lines.values()), ZERO)
    ExpenseStatement.objects.filter(pk=statement.pk).update(total=total, version=expected_version + 1)
    statement.total, statement.version = total, expected_version + 1
    log_action(
        statement.project,
        "funding.statement_lines_saved",
        actor=actor,
        data={"statement": statement.code, "total": total},
    )
    return statement


@transaction.atomic
def add_evidence(statement: ExpenseStatement, *, upload: UploadedFile, content_type: str, actor: Any) -> Evidence:
    if statement.state not in StatementState.editable():
        raise FundingError(_("This statement is submitted: it can no longer be changed."))
    evidence = Evidence.objects.create(
        statement=statement,
        file=upload,
        file_name=upload.name or "evidence",
        content_type=content_type,
        uploaded_by=actor,
    )
    log_action(
        statement.project,
        "funding.evidence_added",
        actor=actor,
        data={"statement": statement.code, "file": evidence.file_name},
    )
    return evidence


@transaction.atomic
def submit_statement(statement: ExpenseStatement, *, expected_version: int, actor: Any) -> ExpenseStatement:
    """Hand the statement to the office: it needs lines and at least one piece of evidence."""
    locked = _locked(statement, expected_version)
    if locked.state not in StatementState.editable():
        raise FundingError(_("This statement is submitted already."))
    if not locked.lines.exists():
        raise FundingError(_("Fill in the statement's lines before submitting it."))
    if not locked.evidence.exists():
        raise FundingError(_("Attach the evidence (PDF or images) before submitting the statement."))
    ExpenseStatement.objects.filter(pk=statement.pk).update(
        state=StatementState.SUBMITTED, submitted_by=actor, submitted_at=timezone.now(), version=expected_version + 1
    )
    statement.refresh_from_db()
    log_action(
        statement.project,
        "funding.statement_submitted",
        actor=actor,
        data={"statement": statement.code, "total": statement.total},
    )
    return statement


def never_submitted(statement: ExpenseStatement) -> bool:
    """A draft nobody ever handed in: the only statement that may be deleted."""
    return statement.state == StatementState.DRAFT and statement.submitted_at is None


@transaction.atomic
def delete_statement(statement: ExpenseStatement, *, expected_version: int, actor: Any) -> None:
    """Delete a draft statement never submitted, with its lines and evidence (the files go after
    the commit). A submitted, returned or accepted statement is never deleted."""
    locked = _locked(statement, expected_version)
    if not never_submitted(locked):
        raise FundingError(_("Only a draft statement never submitted can be deleted."))
    files = [e.file for e in locked.evidence.all() if e.file]
    log_action(
        statement.project,
        "funding.statement_deleted",
        actor=actor,
        data={"statement": locked.code, "beneficiary": str(locked.beneficiary), "total": locked.total},
    )
    locked.delete()
    transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])


def accepted_total(project: Project, *, exclude: int | None = None) -> Decimal:
    statements = ExpenseStatement.objects.filter(project=project, state=StatementState.ACCEPTED).exclude(pk=exclude)
    return statements.aggregate(t=Sum("total"))["t"] or ZERO


@transaction.atomic
def check_statement(
    statement: ExpenseStatement, *, accept: bool, comment: str, expected_version: int, actor: Any
) -> ExpenseStatement:
    """The office accepts a submitted statement or returns it with a comment (needed).

    Accepted spending may not exceed the grant's maximum (the grant row is locked so two
    acceptances at once cannot both pass).
    """
    grant = Grant.objects.select_for_update().get(project_id=statement.project_id)
    locked = _locked(statement, expected_version)
    if locked.state != StatementState.SUBMITTED:
        raise FundingError(_("Only a submitted statement can be accepted or returned."))
    if not accept and len(comment.strip()) < 10:
        raise FundingError(_("Say what to correct before returning it (10 characters at least)."))
    if accept:
        already = accepted_total(statement.project, exclude=statement.pk)
        if already + locked.total > grant.max_amount:
            raise FundingError(
                _("Accepting %(amount)s would bring the accepted spending beyond the grant's maximum (%(limit)s).")
                % {"amount": format_money(locked.total), "limit": format_money(grant.max_amount)}
            )
    state = StatementState.ACCEPTED if accept else StatementState.RETURNED
    ExpenseStatement.objects.filter(pk=statement.pk).update(
        state=state,
        office_comment=comment.strip(),
        checked_by=actor,
        checked_at=timezone.now(),
        version=expected_version + 1,
    )
    statement.refresh_from_db()
    log_action(
        statement.project,
        "funding.statement_accepted" if accept else "funding.statement_returned",
        actor=actor,
        data={"statement": statement.code, "total": statement.total, "comment": statement.office_comment},
    )
    submitter = getattr(statement.submitted_by, "person_id", None) if statement.submitted_by_id else None
    notify.tell_decision(
        statement.project,
        what="statement",
        label=f"{statement.beneficiary} {statement.period_start:%d/%m/%Y}–{statement.period_end:%d/%m/%Y}",
        accepted=accept,
        comment=statement.office_comment,
        url=notify.link("funding:statement", statement.project.code, statement.code),
        people=notify.people_to_tell(
            statement.project, roles=(ProjectRole.LEAD, ProjectRole.FINANCE), extra=[submitter]
        ),
    )
    return statement


# --- Reallocations ------------------------------------------------------------------------------


def _planned_cell(project: Project, beneficiary_id: int, category_id: int, year: int) -> PlannedBudget | None:
    return (
        PlannedBudget.objects.select_for_update()
        .filter(project=project, organisation_id=beneficiary_id, category_id=category_id, year=year)
        .first()
    )


def _move(realloc: Reallocation) -> None:
    source = _planned_cell(realloc.project, realloc.beneficiary_id, realloc.from_category_id, realloc.year)
    if source is None or source.amount < realloc.amount:
        raise FundingError(
            _("Only %(left)s is planned in this category for this beneficiary and year.")
            % {"left": format_money(source.amount if source else ZERO)}
        )
    source.amount -= realloc.amount
    source.save(update_fields=["amount"])
    target = _planned_cell(realloc.project, realloc.beneficiary_id, realloc.to_category_id, realloc.year)
    if target is None:
        PlannedBudget.objects.create(
            project=realloc.project,
            organisation_id=realloc.beneficiary_id,
            category_id=realloc.to_category_id,
            year=realloc.year,
            amount=realloc.amount,
        )
    else:
        target.amount += realloc.amount
        target.save(update_fields=["amount"])


@transaction.atomic
def request_reallocation(
    project: Project,
    *,
    beneficiary: Organisation,
    year: int,
    from_category: CostCategory,
    to_category: CostCategory,
    amount: Decimal,
    reason: str,
    actor: Any,
) -> Reallocation:
    """Move ``amount`` between two categories of one beneficiary's year. Up to the programme's
    threshold (a share of the project's planned total) it is applied at once; above, it waits
    for the office."""
    if from_category == to_category:
        raise FundingError(_("Choose two different cost categories."))
    if amount <= 0:
        raise FundingError(_("The amount must be at least 0.01 €."))
    Grant.objects.select_for_update().get(project=project)
    realloc = Reallocation(
        project=project,
        beneficiary=beneficiary,
        year=year,
        from_category=from_category,
        to_category=to_category,
        amount=amount,
        reason=reason.strip(),
        requested_by=actor,
    )
    planned = PlannedBudget.objects.filter(project=project).aggregate(t=Sum("amount"))["t"] or ZERO
    threshold = (planned * rules_for(project)["reallocation_threshold"]).quantize(Decimal("0.01"))
    if amount <= threshold:
        _move(realloc)
        realloc.state = RequestState.APPLIED
    else:
        source = _planned_cell(project, beneficiary.pk, from_category.pk, year)
        if source is None or source.amount < amount:
            raise FundingError(
                _("Only %(left)s is planned in this category for this beneficiary and year.")
                % {"left": format_money(source.amount if source else ZERO)}
            )
    realloc.save()
    log_action(
        project,
        "funding.reallocation_" + realloc.state,
        actor=actor,
        data={"amount": amount, "threshold": threshold, "from": from_category.code, "to": to_category.code},
    )
    return realloc


@transaction.atomic
def decide_reallocation(realloc: Reallocation, *, approve: bool, comment: str, actor: Any) -> Reallocation:
    Grant.objects.select_for_update().get(project_id=realloc.project_id)
    realloc = Reallocation.objects.select_for_update().select_related("project").get(pk=realloc.pk)
    if realloc.state != RequestState.PENDING:
        raise FundingError(_("This request was decided already."))
    if approve:
        _move(realloc)
    realloc.state = RequestState.APPROVED if approve else RequestState.REJECTED
    realloc.comment = comment.strip()
    realloc.decided_by = actor
    realloc.decided_at = timezone.now()
    realloc.save()
    log_action(
        realloc.project,
        "funding.reallocation_" + realloc.state,
        actor=actor,
        data={"amount": realloc.amount, "comment": realloc.comment},
    )
    return realloc
