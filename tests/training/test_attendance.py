"""Attendance, the sign-in sheet (preview then apply), completion by the rule, certificates."""

from decimal import Decimal

from grappe.training import services
from grappe.training.models import Enrolment, Outcome
from tests.factories import UserFactory
from tests.training.conftest import make_programme, make_session, xlsx


def _two_registered(session):
    users = [UserFactory(), UserFactory()]
    regs = [services.register_person(session, u.person, email=u.email, actor=u) for u in users]
    return users, regs


def test_sheet_preview_writes_nothing_then_apply_completes(client, office, session):
    users, _regs = _two_registered(session)
    client.force_login(office)
    sheet = xlsx([["Email", "Present"], [users[0].email.upper(), "x"], [users[1].email, "absent"], ["x@y.org", "1"]])

    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("sheet.xlsx", sheet)
    preview = client.post(f"/training/sessions/{session.code}/organise/", {"action": "sheet", "sheet": upload})

    assert preview.status_code == 200
    assert [c[4] for c in preview.context["preview"]["changes"]] == [True, False]
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
