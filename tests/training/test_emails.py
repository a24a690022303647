"""Training emails name the session (programme, date, place or link) in subject and body, answer
to the organisers, and a visitor's address or network may cause only so many an hour."""

import pytest
from django.core import mail
from django.utils import timezone, translation

from grappe.people.models import Role, RoleKind
from grappe.training import services
from grappe.training.models import ConfirmationMail, Registration
from grappe.training.services import registration as registration_service
from tests.factories import PersonFactory, UserFactory


def _visitor(client, session, email="ada@example.org", ip="203.0.113.5"):
    return client.post(
        f"/training/sessions/{session.code}/register/",
        {"first_name": "Ada", "last_name": "Lovelace", "email": email},
        REMOTE_ADDR=ip,
    )


def test_every_email_names_programme_course_date_and_place(client, session):
    trainer = PersonFactory(email="trainer@example.org")
    session.trainers.add(trainer)
    _visitor(client, session)
    registration = Registration.objects.get()
    client.post(f"/training/registrations/{registration.token}/confirm/")
    services.cancel(Registration.objects.get(), actor=None)

    assert len(mail.outbox) == 3  # link, confirmation, cancellation
    with translation.override("fr"):
        day = timezone.localtime(session.starts_at).strftime("%Y")
    for message in mail.outbox:
        assert session.course.programme.title in message.subject
        assert day in message.subject
        assert session.course.programme.title in message.body and session.course.title in message.body
        assert "Campus Jussieu, amphi 25" in message.body
        assert message.reply_to == ["trainer@example.org"]


def test_without_trainer_replies_go_to_the_institution_contacts(session, institution_contact):
    user = UserFactory()

    services.register_person(session, user.person, email=user.email, actor=user)

    assert mail.outbox[0].reply_to == [institution_contact.email]


def test_message_to_registrants_names_the_session_and_replies_to_the_sender(client, office, session):
    users = [UserFactory(), UserFactory()]
    for user in users:
        services.register_person(session, user.person, email=user.email, actor=user)
    mail.outbox.clear()
    client.force_login(office)

    client.post(
        f"/training/sessions/{session.code}/organise/",
        {"action": "message", "subject": "Salle changée", "body": "Rendez-vous en salle 101."},
    )

    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users)
    message = mail.outbox[0]
    assert message.subject.startswith("Salle changée — ")
    assert session.course.programme.title in message.subject
    assert "Rendez-vous en salle 101." in message.body
    assert "Campus Jussieu, amphi 25" in message.body
    assert "/training/registrations/" in message.body
    assert message.reply_to == [office.email]


def test_online_link_is_named_when_there_is_no_place(client, session):
    session.place = ""
    session.link = "https://visio.example.org/ia"
    session.save()
    user = UserFactory()

    services.register_person(session, user.person, email=user.email, actor=user)

    assert "https://visio.example.org/ia" in mail.outbox[0].body


def test_one_address_gets_at_most_three_emails_an_hour(client, session):
    statuses = [_visitor(client, session, ip=f"203.0.113.{i}").status_code for i in range(5)]

    assert statuses == [200, 200, 200, 429, 429]
    assert len(mail.outbox) == 3
    refused = _visitor(client, session, ip="203.0.113.9")
    assert "last hour" in refused.content.decode() or "dernière heure" in refused.content.decode()


def test_one_network_address_is_limited_too(client, session, monkeypatch):
    monkeypatch.setattr(registration_service, "MAILS_PER_IP", 2)

    statuses = [_visitor(client, session, email=f"v{i}@example.org").status_code for i in range(3)]

    assert statuses == [200, 200, 429]
    assert Registration.objects.count() == 2


def test_the_limit_is_per_hour(client, session):
    for i in range(3):
        _visitor(client, session, ip=f"198.51.100.{i}")
    ConfirmationMail.objects.update(sent_at=timezone.now() - registration_service.MAIL_WINDOW)

    assert _visitor(client, session).status_code == 200
    assert ConfirmationMail.objects.count() == 1  # the old rows of the address are pruned


@pytest.mark.parametrize("language", ["fr", "en"])
def test_email_is_in_the_registrants_language(session, language):
    user = UserFactory()
    with translation.override(language):
        services.register_person(session, user.person, email=user.email, actor=user)

    body = mail.outbox[0].body
    assert ("Bonjour" in body) == (language == "fr")
    assert Role.objects.filter(kind=RoleKind.INSTITUTION_CONTACT).count() == 0
