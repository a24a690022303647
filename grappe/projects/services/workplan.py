"""The work plan: work packages, tasks, deliverables (draft → submitted → approved / returned),
milestones, and the reminders before due dates and on lateness."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grappe.core.services import ConcurrentEditError, log_action
from grappe.notifications.models import Kind
from grappe.people.models import Person
from grappe.projects.models import (
    Deliverable,
    DeliverableState,
    Milestone,
    Project,
    ReminderRules,
    Task,
    WorkPackage,
)
from grappe.projects.services import notify
from grappe.projects.services.opening import ProjectError

DEFAULT_DAYS_BEFORE = (30, 7, 1)
DEFAULT_LATE_EVERY = 7
FIELDS = {
    WorkPackage: ["number", "title", "lead", "start_date", "end_date"],
    Task: ["work_package", "number", "title", "start_date", "end_date"],
    Deliverable: ["work_package", "label", "title", "due_date", "owner", "approver"],
    Milestone: ["work_package", "title", "due_date"],
}
DATE_FIELDS = ("start_date", "end_date", "due_date")


def outside_dates(project: Project, values: dict[str, Any]) -> str | None:
    """The error for the first date of ``values`` outside the project's dates, or None."""
    grant = project.grant
    for name in DATE_FIELDS:
        day = values.get(name)
        if day is not None and not (grant.start_date <= day <= grant.end_date):
            return _("The date must be inside the project: from %(start)s to %(end)s.") % {
                "start": date_format(grant.start_date, "SHORT_DATE_FORMAT"),
                "end": date_format(grant.end_date, "SHORT_DATE_FORMAT"),
            }
    return None


def _check_number(project: Project, model: type[models.Model], fields: dict[str, Any], instance: Any) -> None:
    if model is WorkPackage:
        taken = WorkPackage.objects.filter(project=project, number=fields.get("number"))
    elif model is Task:
        taken = Task.objects.filter(work_package=fields.get("work_package"), number=fields.get("number"))
    else:
        return
    if instance is not None:
        taken = taken.exclude(pk=instance.pk)
    if taken.exists():
        raise ProjectError(_("This number is taken already: choose another one."))


def _refuse_rewriting_history(deliverable: Deliverable, fields: dict[str, Any]) -> None:
    """An approved deliverable no longer changes, and one handed in keeps its due date: its
    lateness is measured against it (moving it erased "handed in late")."""
    stored = Deliverable.objects.get(pk=deliverable.pk)
    if stored.state == DeliverableState.APPROVED and any(
        getattr(stored, name) != value for name, value in fields.items()
    ):
        raise ProjectError(_("This deliverable has been approved: it can no longer be changed."))
    if stored.submitted_at is not None and "due_date" in fields and fields["due_date"] != stored.due_date:
        raise ProjectError(
            _("This deliverable has been handed in: its due date stays as it was (its delay is measured against it).")
        )


def _due_date_move(deliverable: Deliverable, fields: dict[str, Any], reason: str, actor: Any) -> dict[str, Any] | None:
    """Moving a deliverable's due date is the office's decision, with its reason; the move is kept
    on the deliverable with whether it was late then (so the delay incurred stays visible)."""
    stored = Deliverable.objects.get(pk=deliverable.pk)
    if "due_date" not in fields or fields["due_date"] == stored.due_date:
        return None
    if actor is None or not actor.has_perm("projects.move_due_date", deliverable.project):
        raise ProjectError(_("Only the cluster office moves a deliverable's due date: ask it, with the reason."))
    reason = reason.strip()
    if len(reason) < 10:
        raise ProjectError(_("Give the reason for moving the due date (10 characters at least)."))
    return {
        "from": stored.due_date.isoformat(),
        "to": fields["due_date"].isoformat(),
        "on": timezone.localdate().isoformat(),
        "reason": reason,
        "was_late": stored.is_late,
        "by": getattr(actor, "pk", None),
    }


@transaction.atomic
def save_plan_item(
    project: Project,
    model: type[models.Model],
    values: dict[str, Any],
    *,
    instance: models.Model | None = None,
    reviewers: list[Person] | None = None,
    expected_version: int | None = None,
    due_date_reason: str = "",
    actor: Any,
) -> models.Model:
    """Create or change a work package, task, deliverable or milestone of ``project``.

    Dates must lie inside the project. Every item carries a version: editing, a stale
    one is refused with nothing saved (``expected_version``). A deliverable's due date is moved
    by the office only, with ``due_date_reason`` (kept on the deliverable and in the audit log).
    """
    problem = outside_dates(project, values)
    if problem:
        raise ProjectError(problem)
    fields = {k: v for k, v in values.items() if k in FIELDS[model]}
    _check_number(project, model, fields, instance)
    move = None
    if isinstance(instance, Deliverable):
        _refuse_rewriting_history(instance, fields)
        move = _due_date_move(instance, fields, due_date_reason, actor)
    before: dict[str, str] = {}
    if instance is None:
        instance = model(**fields) if model is Task else model(project=project, **fields)
        instance.save()
        action = "created"
    else:
        if expected_version is not None:
            bumped = model._default_manager.filter(pk=instance.pk, version=expected_version).update(
                version=models.F("version") + 1
            )
            if bumped != 1:
                raise ConcurrentEditError()
            instance.version = expected_version + 1  # type: ignore[attr-defined]
        before = {name: str(getattr(instance, name)) for name in fields}
        for name, value in fields.items():
            setattr(instance, name, value)
        if move is not None:
            instance.due_date_moves = [*instance.due_date_moves, move]  # type: ignore[attr-defined]
        instance.save()
        action = "changed"
    if reviewers is not None:
        instance.reviewers.set(reviewers)  # type: ignore[attr-defined]
    log_action(
        project,
        f"workplan.{model._meta.model_name}_{action}",
        actor=actor,
        data={"item": str(instance), "fields": {k: str(v) for k, v in fields.items()}}
        | ({"before": before} if before else {})
        | ({"due_date_reason": move["reason"], "was_late": move["was_late"]} if move else {}),
    )
    return instance


@transaction.atomic
def submit_deliverable(
    deliverable: Deliverable, *, upload: UploadedFile | None, justification: str, expected_version: int, actor: Any
) -> Deliverable:
    """Hand a deliverable in (draft or returned → submitted). Past its due date it needs a
    justification of the delay (10 characters at least); the approver is emailed."""
    locked = Deliverable.objects.select_for_update().get(pk=deliverable.pk)
    if locked.version != expected_version:
        raise ConcurrentEditError()
    if locked.state not in DeliverableState.open_states():
        raise ProjectError(_("Only a draft or returned deliverable can be submitted."))
    if not upload and not locked.file:
        raise ProjectError(_("Attach the deliverable (PDF) before submitting it."))
    late = locked.due_date < timezone.localdate()
    if late and len(justification.strip()) < 10:
        raise ProjectError(
            _("This deliverable was due on %(due)s: justify the delay (10 characters at least).")
            % {"due": date_format(locked.due_date, "SHORT_DATE_FORMAT")}
        )
    if upload:
        deliverable.file = upload
        deliverable.file_name = upload.name or "deliverable.pdf"
    deliverable.state = DeliverableState.SUBMITTED
    deliverable.submitted_at = timezone.now()
    deliverable.late_justification = justification.strip() if late else ""
    deliverable.version = expected_version + 1
    deliverable.save()
    log_action(
        deliverable.project,
        "workplan.deliverable_submitted",
        actor=actor,
        data={"deliverable": deliverable.label, "late": late, "justification": deliverable.late_justification},
    )
    return deliverable


@transaction.atomic
def review_deliverable(
    deliverable: Deliverable, *, approve: bool, comment: str, expected_version: int, actor: Any
) -> Deliverable:
    """Approve a submitted deliverable, or return it with a comment (needed) for a new version."""
    locked = Deliverable.objects.select_for_update().get(pk=deliverable.pk)
    if locked.version != expected_version:
        raise ConcurrentEditError()
    if locked.state != DeliverableState.SUBMITTED:
        raise ProjectError(_("Only a submitted deliverable can be approved or returned."))
    if not approve and len(comment.strip()) < 10:
        raise ProjectError(_("Say what to change before returning it (10 characters at least)."))
    deliverable.state = DeliverableState.APPROVED if approve else DeliverableState.RETURNED
    deliverable.review_comment = comment.strip()
    deliverable.decided_by = actor
    deliverable.decided_at = timezone.now()
    deliverable.version = expected_version + 1
    deliverable.save()
    log_action(
        deliverable.project,
        "workplan.deliverable_approved" if approve else "workplan.deliverable_returned",
        actor=actor,
        data={"deliverable": deliverable.label, "comment": deliverable.review_comment},
    )
    notify.tell_decision(
        deliverable.project,
        what="deliverable",
        label=f"{deliverable.label} {deliverable.title}",
        accepted=approve,
        comment=deliverable.review_comment,
        url=notify.link("projects:deliverable", deliverable.project.code, deliverable.code),
        people=notify.people_to_tell(deliverable.project, extra=[deliverable.owner_id]),
    )
    return deliverable


@transaction.atomic
def record_milestone(milestone: Milestone, *, achieved_on: dt.date | None, actor: Any) -> Milestone:
    milestone.achieved_on = achieved_on
    milestone.save(update_fields=["achieved_on"])
    log_action(
        milestone.project,
        "workplan.milestone_recorded",
        actor=actor,
        data={"milestone": milestone.title, "on": achieved_on},
    )
    return milestone


def _rules(programme_id: int, cache: dict[int, tuple[tuple[int, ...], int]]) -> tuple[tuple[int, ...], int]:
    if programme_id not in cache:
        rules = ReminderRules.objects.filter(programme_id=programme_id).first()
        cache[programme_id] = (
            (tuple(int(d) for d in rules.days_before), rules.late_every_days)
            if rules
            else (DEFAULT_DAYS_BEFORE, DEFAULT_LATE_EVERY)
        )
    return cache[programme_id]


def reminder_kind(
    deliverable: Deliverable, today: dt.date, days_before: tuple[int, ...], late_every: int
) -> str | None:
    """``"before"``, ``"late"`` or None: whether ``deliverable`` gets a reminder on ``today``."""
    days = (deliverable.due_date - today).days
    if days >= 0:
        return "before" if days in days_before else None
    return "late" if late_every and (-days) % late_every == 0 else None


def send_deliverable_reminders(*, today: dt.date | None = None, actor: Any = None) -> int:
    """Email the owner and the project lead of each deliverable still owed, on the configured days
    before its due date and regularly while it is late; at most once a day each. Returns how many
    deliverables were reminded. Run daily (command ``send_deliverable_reminders`` or its task)."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=366)  # offsets are days, at most a year ahead
    cache: dict[int, tuple[tuple[int, ...], int]] = {}
    sent = 0
    owed = (
        Deliverable.objects.filter(state__in=DeliverableState.open_states(), due_date__lte=horizon)
        .select_related("project__call", "owner")
        .order_by("due_date", "pk")
    )
    for deliverable in owed:
        days_before, late_every = _rules(deliverable.project.call.programme_id, cache)
        kind = reminder_kind(deliverable, today, days_before, late_every)
        stamp = f"{today.isoformat()}:{kind}"
        if kind is None or stamp in deliverable.reminders_sent:
            continue
        with transaction.atomic():
            _send(deliverable, kind, today)
            deliverable.reminders_sent = [*deliverable.reminders_sent[-20:], stamp]
            Deliverable.objects.filter(pk=deliverable.pk).update(reminders_sent=deliverable.reminders_sent)
            log_action(
                deliverable.project, f"workplan.reminder_{kind}", actor=actor, data={"deliverable": deliverable.label}
            )
        sent += 1
    return sent


def _send(deliverable: Deliverable, kind: str, today: dt.date) -> None:
    def subject() -> str:
        if kind == "late":
            return _("Late deliverable %(label)s: %(title)s") % {"label": deliverable.label, "title": deliverable.title}
        return _("Deliverable %(label)s due on %(due)s") % {
            "label": deliverable.label,
            "due": date_format(deliverable.due_date, "SHORT_DATE_FORMAT"),
        }

    notify.email_people(
        notify.people_to_tell(deliverable.project, extra=[deliverable.owner_id]),
        subject,
        "projects/email/deliverable_reminder.txt",
        {
            "deliverable": deliverable,
            "kind": kind,
            "link": settings.SITE_URL + reverse("projects:workplan", args=[deliverable.project.code]),
            "days": (deliverable.due_date - today).days,
        },
        kind=Kind.DEADLINE,
    )
