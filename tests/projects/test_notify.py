"""Emails in the recipient's language when a deliverable, report or expense statement is decided,
and the reminders of periodic reports (before the due date, while late, once a day)."""

import datetime as dt

import pytest
from django.core.management import call_command

from grappe.projects import services
from grappe.projects.models import ProjectRole, ReminderRules
from tests.funding.test_statements import make_statement
from tests.notifications.checks import assert_notified
from tests.projects.test_workplan import make_deliverable

pytestmark = pytest.mark.django_db
DUE = dt.date(2026, 12, 31)


@pytest.fixture
def report(project, office):
    return services.schedule_report(project, title="Rapport 2026", due_date=DUE, actor=office)


def _english(person):
    person.preferred_language = "en"
    person.save(update_fields=["preferred_language"])


def test_report_returned_and_accepted_emails_in_the_lead_language(
    project, report, office, mailoutbox, django_capture_on_commit_callbacks
):
    services.save_report(report, answers={"0": "a", "1": "b", "2": "c"}, submit=True, expected_version=1, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_report(
            report, accept=False, comment="Section 2 is too short.", expected_version=2, actor=office
        )
    _english(project.lead)
    services.save_report(report, answers={"0": "a", "1": "b", "2": "c"}, submit=True, expected_version=3, actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        services.review_report(report, accept=True, comment="", expected_version=4, actor=office)

    assert [m.to for m in mailoutbox] == [[project.lead.email]] * 2
    # The label already says "Rapport": the subject does not repeat the word (in either language).
    assert mailoutbox[0].subject == "Rapport 2026 : renvoyé pour modifications"
    assert "Section 2 is too short." in mailoutbox[0].body
    assert mailoutbox[1].subject == "Rapport 2026: accepted"
    assert assert_notified("decision", project.lead.email).subject == "Rapport 2026: accepted"


def test_deliverable_decision_reaches_owner_and_lead(
    project, office, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    deliverable = make_deliverable(project, office, owner=reviewer.person)
    deliverable.state = "submitted"
    deliverable.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.review_deliverable(
            deliverable, approve=False, comment="Add the measurements.", expected_version=1, actor=office
        )

    assert sorted(m.to[0] for m in mailoutbox) == sorted([project.lead.email, reviewer.person.email])
    assert all("Add the measurements." in m.body for m in mailoutbox)


def test_statement_decision_reaches_lead_and_finance_contact(
    project, university, office, reviewer, mailoutbox, django_capture_on_commit_callbacks
):
    project.members.create(person=reviewer.person, role=ProjectRole.FINANCE, organisation=university)
    _english(reviewer.person)

    with django_capture_on_commit_callbacks(execute=True):
        make_statement(project, university, state="returned")

    subjects = {m.to[0]: m.subject for m in mailoutbox}
    assert subjects[reviewer.person.email].startswith("Expense statement ")
    assert subjects[reviewer.person.email].endswith("returned for changes")
    assert subjects[project.lead.email].startswith("État récapitulatif des dépenses ")


def test_report_reminders_once_a_day_configurable_and_late(project, report, mailoutbox):
    assert services.send_report_reminders(today=DUE - dt.timedelta(days=7)) == 1
    assert services.send_report_reminders(today=DUE - dt.timedelta(days=7)) == 0
    assert mailoutbox[0].to == [project.lead.email]
    assert mailoutbox[0].subject.startswith("Échéance du rapport Rapport 2026")
    assert_notified("deadline", project.lead.email)

    ReminderRules.objects.create(programme=project.call.programme, days_before=[10], late_every_days=3)
    assert services.send_report_reminders(today=DUE - dt.timedelta(days=7)) == 0
    call_command("send_report_reminders", "--today", (DUE + dt.timedelta(days=3)).isoformat())
    assert mailoutbox[-1].subject == "Rapport en retard : Rapport 2026"
    report.state = "submitted"
    report.save()
    assert services.send_report_reminders(today=DUE + dt.timedelta(days=6)) == 0
