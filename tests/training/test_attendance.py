"""Attendance, the sign-in sheet (preview then apply), completion by the rule, certificates."""

from decimal import Decimal

import pytest

from grappe.training import services
from grappe.training.models import Enrolment, Outcome
from tests.factories import UserFactory
from tests.notifications.checks import assert_notified
from tests.training.conftest import held, make_programme, make_session, xlsx


def _two_registered(session):
    users = [UserFactory(), UserFactory()]
    regs = [services.register_person(session, u.person, email=u.email, actor=u) for u in users]
    return users, regs


def test_sheet_preview_writes_nothing_then_apply_completes(client, office, session):
    users, _regs = _two_registered(session)
    held(session)
    client.force_login(office)
    sheet = xlsx([["Email", "Present"], [users[0].email.upper(), "x"], [users[1].email, "absent"], ["x@y.org", "1"]])

    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("sheet.xlsx", sheet)
    preview = client.post(f"/training/sessions/{session.code}/organise/", {"action": "sheet", "sheet": upload})

    assert preview.status_code == 200
    after = {email: value for _pk, _name, email, _before, value in preview.context["preview"]["changes"]}
    assert after == {users[0].email: True, users[1].email: False}
    assert preview.context["preview"]["unknown"] == ["x@y.org"]
    assert Enrolment.objects.count() == 0

    client.post(
        f"/training/sessions/{session.code}/organise/",
        {"action": "apply_sheet", "token": preview.context["preview"]["token"]},
    )

    enrolment = Enrolment.objects.get()
    assert (enrolment.person_id, enrolment.hours_sessions, enrolment.outcome) == (
        users[0].person_id,
        Decimal("3.0"),
        Outcome.AWARE,
    )
    assert enrolment.certificate_code


def test_rule_gives_trained_after_enough_hours(university, office):
    programme = make_programme(university, trained_min_hours=Decimal("6"), aware_min_hours=Decimal("2"))
    first, second = make_session(programme, days=5), make_session(programme, days=6)
    user = UserFactory()
    r1 = services.register_person(first, user.person, email=user.email, actor=user)
    r2 = services.register_person(second, user.person, email=user.email, actor=user)
    held(first, second)

    services.mark_attendance(first, {r1.pk: True}, actor=office)
    services.mark_attendance(second, {r2.pk: True}, actor=office)

    assert Enrolment.objects.get().outcome == Outcome.TRAINED


def test_tampered_preview_is_refused(client, office, session):
    client.force_login(office)

    response = client.post(
        f"/training/sessions/{session.code}/organise/", {"action": "apply_sheet", "token": "forged"}, follow=True
    )

    assert "expired or was altered" in response.content.decode()


def test_sheet_without_email_column_and_not_a_sheet(client, office, session):
    from django.core.files.uploadedfile import SimpleUploadedFile

    held(session)
    client.force_login(office)
    no_email = client.post(
        f"/training/sessions/{session.code}/organise/",
        {"action": "sheet", "sheet": SimpleUploadedFile("s.csv", b"name;present\nAda;x\n")},
    )
    garbage = client.post(
        f"/training/sessions/{session.code}/organise/",
        {"action": "sheet", "sheet": SimpleUploadedFile("s.xlsx", b"\x00\x01binary")},
    )

    assert "no email column" in no_email.content.decode()
    assert "not a spreadsheet" in garbage.content.decode()


def test_certificate_pdf_and_public_verification(client, office, session):
    users, regs = _two_registered(session)
    held(session)
    services.mark_attendance(session, {regs[0].pk: True}, actor=office)
    code = Enrolment.objects.get().certificate_code

    client.force_login(users[0])
    pdf = client.get(f"/training/certificates/{code}.pdf")
    client.force_login(users[1])
    denied = client.get(f"/training/certificates/{code}.pdf")
    client.logout()
    verified = client.get(f"/training/verify/{code}/")
    unknown = client.get("/training/verify/NOPE/")

    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert denied.status_code == 404
    assert "This certificate is genuine" in verified.content.decode()
    assert unknown.status_code == 404


def test_organiser_closes_messages_and_exports(client, institution_contact, session):
    from django.core import mail

    users, _regs = _two_registered(session)
    client.force_login(institution_contact)
    mail.outbox.clear()

    client.post(f"/training/sessions/{session.code}/organise/", {"action": "close"})
    client.post(
        f"/training/sessions/{session.code}/organise/",
        {"action": "message", "subject": "Salle changée", "body": "Rendez-vous en salle 12."},
    )
    export = b"".join(client.get(f"/training/sessions/{session.code}/registrants.csv").streaming_content).decode()
    closed = client.post(
        f"/training/sessions/{session.code}/register/",
        {"first_name": "A", "last_name": "B", "email": "late@example.org"},
        follow=True,
    )

    session.refresh_from_db()
    assert session.registration_open is False
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    assert all(assert_notified("message", u.email).subject.startswith("Salle changée — ") for u in users)
    assert export.count("\n") == 3 and users[0].email in export
    assert "Registration to this session is closed." in closed.content.decode()


def test_contact_creates_programme_only_for_their_institution(
    client, institution_contact, university, other_university
):
    client.force_login(institution_contact)
    data = {
        "title": "Mineure IA et droit",
        "kind": "master",
        "language": "fr",
        "level": "intro",
        "audience": "students",
        "hours": "24",
        "trained_min_hours": "18",
        "aware_min_hours": "2",
    }

    foreign = client.post("/office/training/", data | {"institution": other_university.pk})
    own = client.post("/office/training/", data | {"institution": university.pk})
    bad_rule = client.post("/office/training/", data | {"institution": university.pk, "trained_min_hours": "1"})

    from grappe.training.models import TrainingProgramme

    assert "Select a valid choice" in foreign.content.decode()
    assert own.status_code == 302
    assert "at least as many hours" in bad_rule.content.decode()
    assert list(TrainingProgramme.objects.values_list("institution", flat=True)) == [university.pk]


def test_session_added_with_paris_times(client, office, programme):
    from grappe.training.models import Course, TrainingSession

    course = Course.objects.create(programme=programme, title="TD")
    client.force_login(office)

    client.post(
        f"/office/training/programmes/{programme.code}/",
        {
            "action": "session",
            "course": course.pk,
            "session-starts_at": "2027-03-29T09:00",
            "session-ends_at": "2027-03-29T12:00",
            "session-hours": "3",
            "session-place": "Salle 1",
            "session-capacity": "20",
            "session-registration_open": "on",
            "session-trainer_emails": office.email,
        },
    )
    wrong = client.post(
        f"/office/training/programmes/{programme.code}/",
        {
            "action": "session",
            "course": course.pk,
            "session-starts_at": "2027-03-29T09:00",
            "session-ends_at": "2027-03-29T08:00",
            "session-hours": "3",
            "session-capacity": "0",
            "session-trainer_emails": "nobody@example.org",
        },
    )

    session = TrainingSession.objects.get()
    assert session.starts_at.isoformat() == "2027-03-29T07:00:00+00:00"  # summer time in Paris
    assert list(session.trainers.all()) == [office.person]
    assert all(
        text in wrong.content.decode()
        for text in ("must end after it starts", "Give a place or an online link", "No person in the directory")
    )


def test_no_attendance_before_the_session_takes_place(client, office, session):
    """Nobody can have attended a session still to come: no certificate, no count."""
    _users, regs = _two_registered(session)
    client.force_login(office)

    with pytest.raises(services.TrainingError, match="from the day of the session"):
        services.mark_attendance(session, {regs[0].pk: True}, actor=office)
    page = client.post(
        f"/training/sessions/{session.code}/organise/", {"action": "attendance", f"r{regs[0].pk}": "yes"}, follow=True
    )

    assert "from the day of the session" in page.content.decode()
    assert not Enrolment.objects.exists()


def test_a_certificate_is_withdrawn_when_its_attendance_is_corrected(client, office, session):
    users, regs = _two_registered(session)
    held(session)
    services.mark_attendance(session, {regs[0].pk: True}, actor=office)
    code = Enrolment.objects.get().certificate_code

    services.mark_attendance(session, {regs[0].pk: False}, actor=office)

    verify = client.get(f"/training/verify/{code}/").content.decode()
    assert "This certificate has been withdrawn." in verify and "genuine" not in verify
    client.force_login(users[0])
    assert client.get(f"/training/certificates/{code}.pdf").status_code != 200
    assert f"/training/certificates/{code}.pdf" not in client.get("/training/mine/").content.decode()
