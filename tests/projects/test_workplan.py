"""The work plan: items inside the project's dates, deliverables' states, lateness, reminders,
the server-side timeline, and who may do what."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from grappe.core.models import AuditLog
from grappe.projects import services, timeline
from grappe.projects.models import Deliverable, Milestone, ReminderRules, Task, WorkPackage
from tests.conftest import PERSONAS
from tests.notifications.checks import assert_notified
from tests.projects.conftest import dates, fake, pdf

pytestmark = pytest.mark.django_db
FUTURE = dt.date(2027, 6, 30)
PAST = dt.date(2026, 3, 1)


@pytest.fixture
def wp(project, office):
    values = {"number": 1, "title": "Data", "start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31)}
    return services.save_plan_item(project, WorkPackage, values, actor=office)


def make_deliverable(project, office, due=FUTURE, **extra):
    values = {"label": "D1.1", "title": "Data management plan", "due_date": due, "owner": project.lead} | extra
    return services.save_plan_item(project, Deliverable, values, reviewers=[], actor=office)


def _add(client, project, kind, data):
    return client.post(reverse("projects:workplan", args=[project.code]), {"kind": kind} | data)


def test_lead_builds_the_work_plan(as_persona, project, applicant):
    client = as_persona("applicant")

    _add(
        client,
        project,
        "work_package",
        {
            "number": "1",
            "title": "Data",
            "lead": applicant.person.pk,
            "start_date": "2026-01-01",
            "end_date": "2026-12-31",
        },
    )
    wp = WorkPackage.objects.get()
    _add(
        client,
        project,
        "task",
        {
            "work_package": wp.pk,
            "number": "1",
            "title": "Collect",
            "start_date": "2026-02-01",
            "end_date": "2026-06-30",
        },
    )
    _add(
        client,
        project,
        "deliverable",
        {
            "work_package": wp.pk,
            "label": "D1.1",
            "title": "DMP",
            "due_date": "2026-06-30",
            "owner": applicant.person.pk,
            "approver": "",
        },
    )
    response = _add(
        client, project, "milestone", {"work_package": wp.pk, "title": "Corpus ready", "due_date": "2026-09-30"}
    )

    assert response.status_code == 302
    assert [str(t) for t in Task.objects.all()] == ["T1.1 Collect"]
    assert Deliverable.objects.get().owner == applicant.person
    assert Milestone.objects.get().title == "Corpus ready"
    assert AuditLog.objects.filter(action__startswith="workplan.").count() == 4


@pytest.mark.parametrize(
    ("kind", "data", "field", "message"),
    [
        (
            "work_package",
            {"number": "1", "title": "X", "start_date": "2025-12-01", "end_date": "2026-03-01"},
            "start_date",
            "The date must be inside the project: from <2026-01-01> to <2027-12-31>.",
        ),
        (
            "work_package",
            {"number": "1", "title": "X", "start_date": "2026-05-01", "end_date": "2026-03-01"},
            "end_date",
            "The end must come after the start.",
        ),
        (
            "milestone",
            {"title": "X", "due_date": "2028-01-01"},
            "due_date",
            "The date must be inside the project: from <2026-01-01> to <2027-12-31>.",
        ),
    ],
)
def test_plan_items_outside_the_project_are_refused(as_persona, project, kind, data, field, message):
    response = _add(as_persona("office"), project, kind, data)

    assert response.context["forms"][kind].errors[field] == [dates(message)]
    assert not WorkPackage.objects.exists() and not Milestone.objects.exists()


def test_a_taken_number_is_refused(as_persona, project, wp):
    data = {"number": "1", "title": "Again", "start_date": "2026-01-01", "end_date": "2026-02-01"}

    response = _add(as_persona("office"), project, "work_package", data)

    assert response.context["forms"]["work_package"].non_field_errors() == [
        "This number is taken already: choose another one."
    ]
    assert WorkPackage.objects.count() == 1


def _deliverable_post(client, deliverable, action, data):
    url = reverse("projects:deliverable", args=[deliverable.project.code, deliverable.code])
    return client.post(url, {"action": action} | data)


def test_deliverable_submitted_returned_and_approved(as_persona, project, office, reviewer):
    deliverable = make_deliverable(project, office, approver=None)
    lead = as_persona("applicant")

    bad = _deliverable_post(lead, deliverable, "submit", {"version": "1", "document": fake()})
    assert bad.context["submit_form"].errors["document"] == [
        "This file is not a PDF (whatever its name says): export your document as PDF."
    ]
    assert (
        _deliverable_post(lead, deliverable, "submit", {"version": "1", "document": pdf("dmp.pdf")}).status_code == 302
    )
    deliverable.refresh_from_db()
    assert (deliverable.state, deliverable.file_name, deliverable.is_late) == ("submitted", "dmp.pdf", False)

    assert _deliverable_post(lead, deliverable, "review", {"version": "2", "decision": "approve"}).status_code == 404
    office_client = as_persona("office")
    no_comment = _deliverable_post(
        office_client, deliverable, "review", {"version": "2", "decision": "return", "comment": ""}
    )
    assert no_comment.context["review_form"].non_field_errors() == [
        "Say what to change before returning it (10 characters at least)."
    ]
    _deliverable_post(
        office_client, deliverable, "review", {"version": "2", "decision": "return", "comment": "Add the data sources."}
    )
    deliverable.refresh_from_db()
    assert (deliverable.state, deliverable.review_comment) == ("returned", "Add the data sources.")

    stale = _deliverable_post(lead, deliverable, "submit", {"version": "2", "document": pdf()})
    assert "Someone else changed this record" in stale.context["submit_form"].non_field_errors()[0]
    _deliverable_post(lead, deliverable, "submit", {"version": "3"})
    _deliverable_post(office_client, deliverable, "review", {"version": "4", "decision": "approve", "comment": ""})
    assert Deliverable.objects.get().state == "approved"


def test_the_approver_may_approve(as_persona, project, office, reviewer):
    project.members.create(person=reviewer.person, role="member")
    deliverable = make_deliverable(project, office, approver=reviewer.person)
    services.submit_deliverable(deliverable, upload=pdf(), justification="", expected_version=1, actor=None)

    _deliverable_post(as_persona("reviewer"), deliverable, "review", {"version": "2", "decision": "approve"})

    assert Deliverable.objects.get().state == "approved"


def test_late_deliverable_needs_a_justification(as_persona, project, office):
    deliverable = make_deliverable(project, office, due=PAST)
    lead = as_persona("applicant")
    assert deliverable.is_late

    response = _deliverable_post(lead, deliverable, "submit", {"version": "1", "document": pdf()})

    assert response.context["submit_form"].non_field_errors() == [
        dates("This deliverable was due on <2026-03-01>: justify the delay (10 characters at least).")
    ]
    assert Deliverable.objects.get().state == "draft"
    _deliverable_post(
        lead,
        deliverable,
        "submit",
        {"version": "1", "document": pdf(), "justification": "The partner's data came late."},
    )
    deliverable.refresh_from_db()
    assert (deliverable.state, deliverable.late_justification, deliverable.is_late) == (
        "submitted",
        "The partner's data came late.",
        True,
    )


@pytest.mark.parametrize(
    ("days", "expected"), [(30, "before"), (7, "before"), (6, None), (0, None), (-7, "late"), (-14, "late"), (-8, None)]
)
def test_reminder_kind(project, office, days, expected):
    deliverable = make_deliverable(project, office)

    assert services.reminder_kind(deliverable, FUTURE - dt.timedelta(days=days), (30, 7, 1), 7) == expected


def test_reminders_go_once_a_day_to_owner_and_lead(project, office, mailoutbox):
    make_deliverable(project, office)
    approved = make_deliverable(project, office, label="D1.2")
    approved.state = "approved"
    approved.save()

    sent = services.send_deliverable_reminders(today=FUTURE - dt.timedelta(days=7))
    again = services.send_deliverable_reminders(today=FUTURE - dt.timedelta(days=7))

    assert (sent, again) == (1, 0)
    assert [m.to for m in mailoutbox] == [[project.lead.email]]
    assert_notified("deadline", project.lead.email)
    with translation.override("fr"):  # the lead reads French
        assert mailoutbox[0].subject == dates("Échéance du livrable D1.1 le <2027-06-30>")


def test_reminder_offsets_are_configurable_and_lateness_repeats(project, office, mailoutbox):
    make_deliverable(project, office)
    ReminderRules.objects.create(programme=project.call.programme, days_before=[10], late_every_days=3)

    assert services.send_deliverable_reminders(today=FUTURE - dt.timedelta(days=7)) == 0
    assert services.send_deliverable_reminders(today=FUTURE - dt.timedelta(days=10)) == 1
    call_command("send_deliverable_reminders", "--today", (FUTURE + dt.timedelta(days=3)).isoformat())
    assert mailoutbox[-1].subject.startswith("Livrable en retard D1.1")


def test_timeline_is_svg_with_late_deliverables_in_red():
    rows = [
        timeline.Row("WP1 Data", "wp", dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
        timeline.Row("D1.1 <b>", "deliverable", dt.date(2026, 3, 1), dt.date(2026, 3, 1), late=True),
    ]

    svg = timeline.render(rows, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), today=dt.date(2026, 7, 1))

    assert svg.startswith("<svg") and svg.count("<rect") == 12 + 1
    assert 'fill="#b91c1c"' in svg and "D1.1 &lt;b&gt;" in svg and "stroke-dasharray" in svg
    # A picture with a name for screen readers (axe-core's svg-img-alt).
    assert 'role="img" aria-label="' in svg and "<title>" in svg


def test_timeline_months_are_initials_named_in_full_on_hover():
    with translation.override("fr"):
        svg = timeline.render([], start=dt.date(2026, 6, 1), end=dt.date(2026, 7, 31), today=dt.date(2026, 7, 1))

    # Three letters would read "jui" for both; an initial each, the full name in a title.
    assert "<title>juin 2026</title>J</text>" in svg and "<title>juillet 2026</title>J</text>" in svg


@pytest.mark.parametrize("persona", PERSONAS)
def test_workplan_pages_access(as_persona, project, office, persona):
    deliverable = make_deliverable(project, office)
    client = as_persona(persona)
    expected = {"office": 200, "board": 200, "institution_contact": 200, "applicant": 200, "anonymous": 302}

    for url in (
        reverse("projects:workplan", args=[project.code]),
        reverse("projects:timeline", args=[project.code]),
        reverse("projects:deliverable", args=[project.code, deliverable.code]),
    ):
        assert client.get(url).status_code == expected.get(persona, 404)


@pytest.mark.parametrize("persona", ["board", "institution_contact", "partner_contact", "reviewer"])
def test_only_office_and_lead_change_the_plan(as_persona, project, office, persona):
    deliverable = make_deliverable(project, office)
    client = as_persona(persona)

    added = _add(client, project, "milestone", {"title": "X", "due_date": "2026-09-30"})
    submitted = _deliverable_post(client, deliverable, "submit", {"version": "1", "document": pdf()})

    assert (added.status_code, submitted.status_code) == (404, 404)
    assert not Milestone.objects.exists() and Deliverable.objects.get().state == "draft"


@pytest.mark.parametrize("item_count", [1, 3])
def test_workplan_page_keeps_a_constant_query_count(as_persona, django_assert_num_queries, project, office, item_count):
    for n in range(item_count):
        values = {
            "number": n + 1,
            "title": f"WP{n}",
            "start_date": dt.date(2026, 1, 1),
            "end_date": dt.date(2026, 6, 30),
        }
        wp = services.save_plan_item(project, WorkPackage, values, actor=office)
        services.save_plan_item(project, Task, values | {"work_package": wp, "number": 1}, actor=office)
        make_deliverable(project, office, label=f"D{n}")
        services.save_plan_item(project, Milestone, {"title": f"M{n}", "due_date": FUTURE}, actor=office)
    client = as_persona("applicant")

    with django_assert_num_queries(17):
        response = client.get(reverse("projects:workplan", args=[project.code]))

    assert len(response.context["deliverables"]) == item_count


def test_a_handed_in_deliverable_keeps_its_due_date_and_an_approved_one_stays(project, office):
    """Moving the due date after a late hand-in erased "handed in late" (outside walk-through)."""
    deliverable = make_deliverable(project, office, due=PAST)
    services.submit_deliverable(
        deliverable, upload=pdf(), justification="The partner's data came late.", expected_version=1, actor=None
    )
    deliverable.refresh_from_db()
    values = {"label": "D1.1", "title": "Data management plan", "due_date": FUTURE, "owner": project.lead}
    with pytest.raises(services.ProjectError, match="handed in"):
        services.save_plan_item(project, Deliverable, values, instance=deliverable, actor=office)
    # Its title may still be corrected while it is under review; its date may not.
    services.save_plan_item(
        project, Deliverable, values | {"due_date": PAST, "title": "Data plan"}, instance=deliverable, actor=office
    )
    deliverable.refresh_from_db()
    assert (deliverable.due_date, deliverable.title, deliverable.is_late) == (PAST, "Data plan", True)
    services.review_deliverable(
        deliverable, approve=True, comment="", expected_version=deliverable.version, actor=office
    )
    deliverable.refresh_from_db()
    with pytest.raises(services.ProjectError, match="approved"):
        services.save_plan_item(
            project, Deliverable, values | {"due_date": PAST, "title": "Renamed"}, instance=deliverable, actor=office
        )
    assert Deliverable.objects.get().title == "Data plan"


def _edit_url(project, kind, pk):
    return reverse("projects:edit_item", args=[project.code, kind, pk])


def test_lead_edits_a_work_package_a_task_and_a_milestone(as_persona, project, office, applicant, wp):
    task = services.save_plan_item(
        project,
        Task,
        {"work_package": wp, "number": 1, "title": "Collect", "start_date": wp.start_date, "end_date": wp.end_date},
        actor=office,
    )
    milestone = services.save_plan_item(project, Milestone, {"title": "Kick-off", "due_date": FUTURE}, actor=office)
    client = as_persona("applicant")
    page = client.get(_edit_url(project, "work_package", wp.pk))
    assert page.context["form"].initial["version"] == 1 and "Edit the work package" in page.content.decode()

    client.post(
        _edit_url(project, "work_package", wp.pk),
        {
            "number": "2",
            "title": "Data and models",
            "lead": applicant.person.pk,
            "start_date": "2026-02-01",
            "end_date": "2027-01-31",
            "version": "1",
        },
    )
    client.post(
        _edit_url(project, "task", task.pk),
        {
            "work_package": wp.pk,
            "number": "3",
            "title": "Collect more",
            "start_date": "2026-02-01",
            "end_date": "2026-03-01",
            "version": "1",
        },
    )
    response = client.post(
        _edit_url(project, "milestone", milestone.pk),
        {"work_package": wp.pk, "title": "Kick-off meeting", "due_date": "2026-02-15", "version": "1"},
    )

    assert response.url == reverse("projects:workplan", args=[project.code])
    wp.refresh_from_db(), task.refresh_from_db(), milestone.refresh_from_db()
    assert (wp.number, wp.title, wp.lead, wp.start_date, wp.version) == (
        2,
        "Data and models",
        applicant.person,
        dt.date(2026, 2, 1),
        2,
    )
    assert (task.number, task.title, task.version) == (3, "Collect more", 2)
    assert (milestone.title, milestone.due_date, milestone.work_package, milestone.version) == (
        "Kick-off meeting",
        dt.date(2026, 2, 15),
        wp,
        2,
    )
    entry = AuditLog.objects.filter(action="workplan.workpackage_changed").get()
    assert entry.data["before"]["title"] == "Data" and entry.data["fields"]["title"] == "Data and models"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"due_date": "2028-01-01", "version": "1"}, "The date must be inside the project"),
        ({"due_date": "2026-05-01", "version": "0"}, "changed"),  # stale: someone saved in between
        ({"due_date": "2026-05-01"}, "changed"),  # no version read: refused too
    ],
)
def test_milestone_edits_outside_the_project_or_stale_save_nothing(as_persona, project, office, data, error):
    milestone = services.save_plan_item(project, Milestone, {"title": "Kick-off", "due_date": FUTURE}, actor=office)

    response = as_persona("office").post(_edit_url(project, "milestone", milestone.pk), {"title": "New"} | data)

    assert response.status_code == 200 and error in str(response.context["form"].errors)
    milestone.refresh_from_db()
    assert (milestone.title, milestone.due_date, milestone.version) == ("Kick-off", FUTURE, 1)


@pytest.mark.parametrize("persona", PERSONAS)
def test_edit_page_access(as_persona, project, wp, persona):
    client = as_persona(persona)
    url = _edit_url(project, "work_package", wp.pk)
    data = {"number": "1", "title": "Taken over", "start_date": "2026-01-01", "end_date": "2026-02-01", "version": "1"}

    got, posted = client.get(url).status_code, client.post(url, data).status_code

    allowed = persona in {"office", "applicant"}
    assert got == (200 if allowed else 302 if persona == "anonymous" else 404)
    assert posted == (302 if allowed or persona == "anonymous" else 404)
    assert (WorkPackage.objects.get().title == "Taken over") is allowed


def test_edit_of_an_item_of_another_project_or_a_deliverable_is_a_404(as_persona, project, office, wp):
    deliverable = make_deliverable(project, office)
    client = as_persona("office")

    assert client.get(_edit_url(project, "deliverable", deliverable.pk)).status_code == 404
    assert client.get(_edit_url(project, "milestone", wp.pk + 1000)).status_code == 404


def _edit_deliverable(client, deliverable, **changes):
    data = {
        "version": str(deliverable.version),
        "label": deliverable.label,
        "title": deliverable.title,
        "due_date": deliverable.due_date.isoformat(),
        "owner": str(deliverable.owner_id),
    } | changes
    return _deliverable_post(client, deliverable, "edit", data)


def test_the_lead_cannot_move_a_due_date_and_a_delay_stays_visible(as_persona, project, office):
    """A late deliverable stopped being late when the lead moved its due date (outside walk-through):
    the lead may not move it; the office may, with a reason kept in its history, and "was late" stays."""
    deliverable = make_deliverable(project, office, due=PAST)
    assert deliverable.is_late
    lead = as_persona("applicant")

    page = lead.get(reverse("projects:deliverable", args=[project.code, deliverable.code]))
    assert page.context["edit_form"].fields["due_date"].disabled
    assert "due_date_reason" not in page.context["edit_form"].fields
    # A forged post with a new date changes the title but never the date.
    _edit_deliverable(lead, deliverable, due_date="2027-03-31", title="Plan v2")
    deliverable.refresh_from_db()
    assert (deliverable.due_date, deliverable.title, deliverable.is_late) == (PAST, "Plan v2", True)
    # The service refuses it too, whoever calls it.
    with pytest.raises(services.ProjectError, match="Only the cluster office moves"):
        services.save_plan_item(
            project,
            Deliverable,
            {"label": "D1.1", "title": "Plan v2", "due_date": FUTURE, "owner": project.lead},
            instance=deliverable,
            actor=project.lead.user,
        )

    office_client = as_persona("office")
    no_reason = _edit_deliverable(office_client, deliverable, due_date="2027-03-31")
    assert no_reason.context["edit_form"].errors["due_date_reason"] == [
        "Give the reason for moving the due date (10 characters at least)."
    ]
    moved = _edit_deliverable(
        office_client, deliverable, due_date="2027-03-31", due_date_reason="The partner's data arrives in March."
    )
    assert moved.status_code == 302
    deliverable.refresh_from_db()
    assert deliverable.due_date == dt.date(2027, 3, 31)
    assert (deliverable.is_late, deliverable.was_late) == (False, True)
    assert [(m["from"], m["to"], m["reason"]) for m in deliverable.due_date_moves] == [
        ("2026-03-01", "2027-03-31", "The partner's data arrives in March.")
    ]
    entry = AuditLog.objects.filter(action="workplan.deliverable_changed").latest("pk")
    assert entry.data["due_date_reason"] == "The partner's data arrives in March." and entry.data["was_late"]
    html = lead.get(reverse("projects:deliverable", args=[project.code, deliverable.code])).content.decode()
    assert "was late" in html and "it was late then" in html and "arrives in March" in html
    assert "was late" in lead.get(reverse("projects:workplan", args=[project.code])).content.decode()
