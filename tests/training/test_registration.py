"""Registration: places, the waiting list, visitors' confirmation by email, cancellation."""

import threading

import pytest
from django.core import mail
from django.db import connection

from grappe.training import services
from grappe.training.models import Registration, RegistrationState
from grappe.training.services import TrainingError
from tests.factories import UserFactory
from tests.notifications.checks import assert_notified


def _register(session, user):
    return services.register_person(session, user.person, email=user.email, actor=user)


def test_full_session_queues_then_promotes_on_cancellation(session):
    first, second, third = UserFactory(), UserFactory(), UserFactory()

    a = _register(session, first)
    _register(session, second)
    c = _register(session, third)
    mail.outbox.clear()
    promoted = services.cancel(a, actor=first)

    assert [a.state, c.state] == [RegistrationState.CONFIRMED, RegistrationState.WAITING]
    assert promoted.pk == c.pk
    assert Registration.objects.get(pk=c.pk).state == RegistrationState.CONFIRMED
    # The one who cancelled is told (their calendar event cancelled); the promoted one gets the place.
    assert sorted(m.to for m in mail.outbox) == sorted([[first.email], [third.email]])
    promoted_mail = next(m for m in mail.outbox if m.to == [third.email])
    assert promoted_mail.subject.startswith("A place is yours")
    assert promoted_mail.attachments[0][0] == "session.ics"
    assert assert_notified("receipt", third.email).attachments.get().filename == "session.ics"


def test_confirmation_carries_an_ics_file(session):
    user = UserFactory()

    _register(session, user)

    name, content, mimetype = mail.outbox[0].attachments[0]
    text = content if isinstance(content, str) else content.decode()
    assert (name, mimetype) == ("session.ics", "text/calendar")
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert "BEGIN:VEVENT" in text and "DTSTART" in text and "END:VCALENDAR" in text


def test_registering_twice_is_refused(session):
    user = UserFactory()
    _register(session, user)

    with pytest.raises(TrainingError):
        _register(session, user)


def test_closed_session_refuses(session, office):
    services.set_registration_open(session, False, actor=office)

    with pytest.raises(TrainingError):
        _register(session, UserFactory())


def test_visitor_holds_no_place_until_the_link_is_followed(client, session):
    response = client.post(
        f"/training/sessions/{session.code}/register/",
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": "Ada@Example.org",
            "organisation": "Analytical",
        },
    )

    registration = Registration.objects.get()
    assert response.status_code == 200
    assert registration.state == RegistrationState.PENDING and registration.person is None
    assert f"/training/registrations/{registration.token}/confirm/" in mail.outbox[0].body
    assert assert_notified("security", registration.email).person is None  # a visitor: an address only

    client.get(f"/training/registrations/{registration.token}/confirm/")
    assert Registration.objects.get().state == RegistrationState.PENDING  # a GET confirms nothing
    client.post(f"/training/registrations/{registration.token}/confirm/")
    registration.refresh_from_db()
    assert registration.state == RegistrationState.CONFIRMED
    assert registration.person.email == "ada@example.org"


def test_visitor_form_errors_and_honeypot(client, session):
    bad = client.post(f"/training/sessions/{session.code}/register/", {"first_name": "A\x00", "email": "nope"})
    bot = client.post(
        f"/training/sessions/{session.code}/register/",
        {"first_name": "A", "last_name": "B", "email": "bot@example.org", "website": "spam"},
    )

    assert (bad.status_code, bot.status_code) == (400, 400)
    assert b"Enter a valid email address" in bad.content
    assert Registration.objects.count() == 0


def test_visitor_asking_twice_gets_the_link_again(client, session):
    data = {"first_name": "Ada", "last_name": "L", "email": "ada@example.org"}
    client.post(f"/training/sessions/{session.code}/register/", data)
    client.post(f"/training/sessions/{session.code}/register/", data)

    assert Registration.objects.count() == 1
    assert len(mail.outbox) == 2


def test_cancel_by_secret_link(client, session):
    registration = _register(session, UserFactory())

    client.post(f"/training/registrations/{registration.token}/", {"action": "cancel"})

    assert Registration.objects.get().state == RegistrationState.CANCELLED
    assert client.get("/training/registrations/nope/").status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("config.getoption('--ds', default='') == 'never'")
def test_last_place_goes_to_one_of_two_at_once(programme):
    """Two people ask for the last place at the same instant: one gets it, the other waits."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every write: the race needs PostgreSQL's row locks (CI runs both)")
    from tests.training.conftest import make_session

    session = make_session(programme, capacity=1)
    users = [UserFactory(), UserFactory()]
    barrier = threading.Barrier(2)
    errors = []

    def go(user):
        try:
            barrier.wait()
            _register(session, user)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=go, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    states = sorted(Registration.objects.values_list("state", flat=True))
    assert errors == []
    assert states == [RegistrationState.CONFIRMED, RegistrationState.WAITING]


def test_a_registered_person_downloads_the_calendar_file(client, session):
    """The .ics was only an email attachment: the session page, "My trainings" and the
    registration's link offer it to the person registered (the same event as the email's)."""
    from django.urls import reverse

    user = UserFactory()
    registration = _register(session, user)
    attached = mail.outbox[0].attachments[0][1]
    attached = attached if isinstance(attached, str) else attached.decode()
    client.force_login(user)

    page = client.get(reverse("training:session", args=[session.code])).content.decode()
    url = reverse("training:session_calendar", args=[session.code])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    assert 'filename="session-' in response["Content-Disposition"]
    text = response.content.decode()
    uid = next(line for line in attached.splitlines() if line.startswith("UID:"))
    assert uid in text.splitlines() and "DTSTART" in text and "METHOD:PUBLISH" in text

    by_token = reverse("training:calendar", args=[registration.token])
    assert by_token in client.get(reverse("training:mine")).content.decode()
    assert by_token in client.get(reverse("training:manage_registration", args=[registration.token])).content.decode()
    client.logout()
    assert client.get(by_token).status_code == 200  # the secret link works without an account


def test_no_calendar_file_without_a_confirmed_registration(client, session, programme):
    from django.urls import reverse

    url = reverse("training:session_calendar", args=[session.code])
    assert client.get(url).status_code == 302  # to the login page
    stranger = UserFactory()
    client.force_login(stranger)
    assert client.get(url).status_code == 404  # public session, not registered
    programme.is_published = False
    programme.save()
    assert client.get(url).status_code == 404  # private session, not registered
    assert client.get(reverse("training:session_calendar", args=["NOSUCH"])).status_code == 404

    # Registered, then the session went private: the registered person still gets it.
    registered = UserFactory()
    registration = _register(session, registered)
    client.force_login(registered)
    assert client.get(url).status_code == 200
    # Waiting list or cancelled: no event to add.
    services.cancel(registration, actor=registered)
    assert client.get(url).status_code == 404
    assert client.get(reverse("training:calendar", args=[registration.token])).status_code == 404
