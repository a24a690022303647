"""Emails of the project pages, each written in its recipient's language: decisions of the office
or of an approver (a deliverable, a report, an expense statement returned or accepted), and the
reminders of periodic reports before their due date and while late (the deliverables' mechanism:
same per-programme offsets, at most once a day each)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from grappe.core.services import log_action
from grappe.notifications.models import Kind
from grappe.notifications.services import notify
from grappe.people.models import Person
from grappe.projects.models import Project, ProjectRole, Report, ReportState


def people_to_tell(
    project: Project, *, roles: Iterable[str] = (ProjectRole.LEAD,), extra: Iterable[Any] = ()
) -> list[Person]:
    """The people of ``project`` with one of ``roles``, plus the person ids in ``extra``, with an email."""
    ids = set(project.members.filter(role__in=list(roles)).values_list("person_id", flat=True))
    ids |= {i for i in extra if i}
    return list(Person.objects.filter(pk__in=ids).exclude(email="").order_by("pk"))


def email_people(
    people: Iterable[Person], subject: Callable[[], str], template: str, context: dict[str, Any], *, kind: str
) -> int:
    """Notify each person (``notifications.notify``: in-app, and emailed as they chose for
    ``kind``), the subject and body rendered in the person's language (French when unset).
    Returns how many were notified."""
    sent = 0
    for person in people:
        notify(person, kind, subject=subject, template=template, context=context, link=context.get("link", ""))
        sent += 1
    return sent


def link(name: str, *args: Any) -> str:
    from django.urls import reverse

    return settings.SITE_URL + reverse(name, args=args)


def tell_decision(
    project: Project, *, what: str, label: str, accepted: bool, comment: str, url: str, people: list[Person]
) -> None:
    """After the transaction commits: tell ``people`` that ``what`` (“deliverable”, “report”,
    “statement”) called ``label`` was accepted or returned, with the comment."""
    from django.utils.translation import gettext as _

    def subject() -> str:
        words = {
            "deliverable": _("Deliverable"),
            "report": _("Report"),
            "statement": _("Expense statement"),
        }
        if _names_itself(label, words[what], what):
            # "Rapport annuel 2025" already says what it is: no "Rapport Rapport annuel 2025".
            if accepted:
                return _("%(label)s: accepted") % {"label": label}
            return _("%(label)s: returned for changes") % {"label": label}
        if accepted:
            return _("%(what)s %(label)s accepted") % {"what": words[what], "label": label}
        return _("%(what)s %(label)s returned for changes") % {"what": words[what], "label": label}

    context = {"project": project, "what": what, "label": label, "accepted": accepted, "comment": comment, "link": url}
    transaction.on_commit(
        lambda: email_people(people, subject, "projects/email/decision.txt", context, kind=Kind.DECISION)
    )


def _names_itself(label: str, word: str, what: str) -> bool:
    """Whether ``label`` already starts with the kind's word, in the reader's language, English or
    French (a report titled "Rapport 2026" read in English)."""
    from django.utils import translation

    with translation.override("fr"):
        french = translation.gettext({"deliverable": "Deliverable", "report": "Report"}.get(what, "Expense statement"))
    return any(label.casefold().startswith(w.casefold() + " ") for w in (word, what, french))


# --- Report reminders ---------------------------------------------------------------------------


def send_report_reminders(*, today: dt.date | None = None, actor: Any = None) -> int:
    """Email the lead of each report still owed (draft or returned) on the programme's days before
    its due date and regularly while late (``ReminderRules``, as for deliverables); at most once a
    day each. Returns how many reports were reminded. Run daily (command ``send_report_reminders``
    or its task)."""
    from django.utils.formats import date_format
    from django.utils.translation import gettext as _

    from grappe.projects.services.workplan import _rules, reminder_kind

    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=366)
    cache: dict[int, tuple[tuple[int, ...], int]] = {}
    sent = 0
    owed = (
        Report.objects.filter(state__in=ReportState.editable(), due_date__lte=horizon)
        .select_related("project__call")
        .order_by("due_date", "pk")
    )
    for report in owed:
        days_before, late_every = _rules(report.project.call.programme_id, cache)
        kind = reminder_kind(report, today, days_before, late_every)  # type: ignore[arg-type]
        stamp = f"{today.isoformat()}:{kind}"
        if kind is None or stamp in report.reminders_sent:
            continue

        def subject(report: Report = report, kind: str = kind) -> str:
            if kind == "late":
                return _("Late report: %(title)s") % {"title": report.title}
            return _("Report %(title)s due on %(due)s") % {
                "title": report.title,
                "due": date_format(report.due_date, "SHORT_DATE_FORMAT"),
            }

        with transaction.atomic():
            email_people(
                people_to_tell(report.project),
                subject,
                "projects/email/report_reminder.txt",
                {
                    "report": report,
                    "kind": kind,
                    "days": (report.due_date - today).days,
                    "link": link("projects:report", report.project.code, report.code),
                },
                kind=Kind.DEADLINE,
            )
            report.reminders_sent = [*report.reminders_sent[-20:], stamp]
            Report.objects.filter(pk=report.pk).update(reminders_sent=report.reminders_sent)
            log_action(report.project, f"report.reminder_{kind}", actor=actor, data={"report": report.code})
        sent += 1
    return sent
