"""Sessions: none created in the past, none offered once started; cancel (with emails and a
calendar CANCEL) and delete sessions and courses, with confirmation and audit entries."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from grappe.core.models import AuditLog
from grappe.training import services
from grappe.training.models import Course, Registration, RegistrationState, TrainingSession
from grappe.training.services import TrainingError
from tests.factories import UserFactory
from tests.training.conftest import make_session


def _register(session, user):
    return services.register_person(session, user.person, email=user.email, actor=user)


def _session_post(start, **extra):
    local = timezone.localtime(start)
    return {
        "action": "session",
        "session-starts_at": local.strftime("%Y-%m-%dT%H:%M"),
        "session-ends_at": (local + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "session-hours": "2",
        "session-place": "Amphi A",
        "session-capacity": "10",
        "session-registration_open": "on",
        **extra,
    }


def _new_session(course, start, actor):
    return services.save_session(
        None,
        {"starts_at": start, "ends_at": start + dt.timedelta(hours=2), "hours": 2, "capacity": 5, "place": "A"},
        course=course,
        trainers=[],
        actor=actor,
    )


def test_a_session_in_the_past_is_refused_with_a_clear_message(client, office, programme):
    course = Course.objects.create(programme=programme, title="Cours")
    client.force_login(office)

    past = client.post(
        f"/office/training/programmes/{programme.code}/",
        _session_post(timezone.now() - dt.timedelta(days=1), course=course.pk),
    )
    future = client.post(
        f"/office/training/programmes/{programme.code}/",
        _session_post(timezone.now() + dt.timedelta(days=3), course=course.pk),
    )

    assert past.status_code == 200
    assert "starts_at" in past.context["session_form"].errors
    assert future.status_code == 302
    assert TrainingSession.objects.count() == 1


def test_the_service_refuses_a_past_start_too(programme, office):
    course = Course.objects.create(programme=programme, title="Cours")
    start = timezone.now() - dt.timedelta(hours=1)

    with pytest.raises(TrainingError):
        _new_session(course, start, office)


def test_a_started_session_offers_no_registration(client, session):
    TrainingSession.objects.filter(pk=session.pk).update(starts_at=timezone.now() - dt.timedelta(minutes=1))

    page = client.get(f"/training/sessions/{session.code}/")
    post = client.post(
        f"/training/sessions/{session.code}/register/",
        {"first_name": "A", "last_name": "B", "email": "a@example.org"},
    )

    assert b'action="/training/sessions/' not in page.content
    assert post.status_code == 302 and Registration.objects.count() == 0
    with pytest.raises(TrainingError):
        _register(TrainingSession.objects.get(pk=session.pk), UserFactory())


def test_cancelling_asks_first_then_tells_everyone_with_a_calendar_cancel(client, office, programme):
    session = make_session(programme, capacity=1)
    holder, waiter = UserFactory(), UserFactory()
    held = _register(session, holder)
    _register(session, waiter)
    confirmation_ics = mail.outbox[0].attachments[0][1]
    mail.outbox.clear()
    client.force_login(office)

    ask = client.get(f"/office/training/sessions/{session.code}/cancel/")
    assert ask.status_code == 200 and TrainingSession.objects.get(pk=session.pk).cancelled_at is None
    assert mail.outbox == []

    client.post(f"/office/training/sessions/{session.code}/cancel/", {"note": "Salle indisponible."})

    session.refresh_from_db()
    assert session.cancelled_at is not None and not session.registration_open
    assert set(Registration.objects.values_list("state", flat=True)) == {RegistrationState.CANCELLED}
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {holder.email, waiter.email}
    assert "Salle indisponible." in by_address[holder.email].body
    assert by_address[waiter.email].attachments == []  # no event was in their calendar
    cancel_ics = by_address[holder.email].attachments[0][1]
    confirmation, cancel = _event(confirmation_ics), _event(cancel_ics)
    assert cancel["METHOD"] == "CANCEL" and cancel["STATUS"] == "CANCELLED"
    assert cancel["UID"] == confirmation["UID"] == f"{session.code}-{held.token[:12]}@grappe"
    assert int(cancel["SEQUENCE"]) > int(confirmation["SEQUENCE"])
    assert AuditLog.objects.filter(action="training.session_cancelled").count() == 1
    page = client.get(f"/training/sessions/{session.code}/")
    assert page.context["session"].cancelled_at is not None
    assert "<title>Cancelled · " in page.content.decode()


def _event(ics):
    text = ics.decode() if isinstance(ics, bytes) else ics
    return dict(line.split(":", 1) for line in text.replace("\r\n ", "").split("\r\n") if ":" in line)


def test_own_cancellation_sends_a_calendar_cancel(session):
    user = UserFactory()
    registration = _register(session, user)
    mail.outbox.clear()

    services.cancel(registration, actor=user)

    assert _event(mail.outbox[0].attachments[0][1])["METHOD"] == "CANCEL"


@pytest.mark.parametrize(("persona", "status"), [("board", 404), ("applicant", 404), ("anonymous", 302)])
def test_cancel_and_delete_denied(as_persona, persona, status, session):
    client = as_persona(persona)

    for url in ("cancel", "delete"):
        assert client.post(f"/office/training/sessions/{session.code}/{url}/").status_code == status
    assert TrainingSession.objects.get(pk=session.pk).cancelled_at is None


def test_trainer_may_organise_but_not_cancel(client, session):
    trainer = UserFactory()
    session.trainers.add(trainer.person)
    client.force_login(trainer)

    assert client.post(f"/office/training/sessions/{session.code}/cancel/").status_code == 404


def test_delete_a_session_without_registrations_after_confirming(client, institution_contact, session):
    client.force_login(institution_contact)

    assert client.get(f"/office/training/sessions/{session.code}/delete/").status_code == 200
    assert TrainingSession.objects.filter(pk=session.pk).exists()
    client.post(f"/office/training/sessions/{session.code}/delete/")

    assert not TrainingSession.objects.filter(pk=session.pk).exists()
    log = AuditLog.objects.get(action="training.session_deleted")
    assert log.data["session"] == session.code


def test_a_session_with_registrations_is_not_deleted_but_cancel_is_offered(client, office, session):
    _register(session, UserFactory())
    client.force_login(office)

    page = client.get(f"/office/training/sessions/{session.code}/delete/")
    client.post(f"/office/training/sessions/{session.code}/delete/")

    assert TrainingSession.objects.filter(pk=session.pk).exists()
    assert f"/office/training/sessions/{session.code}/cancel/" in page.content.decode()
    with pytest.raises(TrainingError):
        services.delete_session(session, actor=office)


def test_course_deleted_when_free_archived_when_it_has_history(client, office, programme):
    free = Course.objects.create(programme=programme, title="Libre")
    make_session(programme)  # of the first course, "Libre"
    used = Course.objects.create(programme=programme, title="Suivi")
    past = make_session(programme)
    past.course = used
    past.save()
    _register(past, UserFactory())
    client.force_login(office)
    base = f"/office/training/programmes/{programme.code}/courses"

    client.post(f"{base}/{used.pk}/remove/", {"action": "delete"})
    assert Course.objects.filter(pk=used.pk).exists()
    # Its session is still to come: archiving asks to cancel it first.
    client.post(f"{base}/{used.pk}/remove/", {"action": "archive"})
    assert Course.objects.get(pk=used.pk).archived_at is None
    TrainingSession.objects.filter(pk=past.pk).update(
        starts_at=timezone.now() - dt.timedelta(days=2), ends_at=timezone.now() - dt.timedelta(days=2, hours=-2)
    )
    client.post(f"{base}/{used.pk}/remove/", {"action": "archive"})
    assert Course.objects.get(pk=used.pk).archived_at is not None

    assert client.get(f"{base}/{free.pk}/remove/").status_code == 200
    client.post(f"{base}/{free.pk}/remove/", {"action": "delete"})
    assert not Course.objects.filter(pk=free.pk).exists()
    assert list(
        AuditLog.objects.filter(action__startswith="training.course_").order_by("id").values_list("action", flat=True)
    ) == [
        "training.course_archived",
        "training.course_deleted",
    ]


def test_an_archived_course_takes_no_new_session(programme, office):
    course = Course.objects.create(programme=programme, title="Ancien", archived_at=timezone.now())
    start = timezone.now() + dt.timedelta(days=3)

    with pytest.raises(TrainingError):
        _new_session(course, start, office)


def test_course_of_another_institution_is_404(as_persona, other_university):
    from tests.training.conftest import make_programme

    foreign = make_programme(other_university)
    course = Course.objects.create(programme=foreign, title="X")

    client = as_persona("institution_contact")
    assert client.get(f"/office/training/programmes/{foreign.code}/courses/{course.pk}/remove/").status_code == 404


def test_a_course_named_like_its_programme_is_named_once(session):
    course = session.course
    course.title = course.programme.title
    course.save()
    registration = _register(session, UserFactory())

    assert course.full_title == course.programme.title
    assert _event(mail.outbox[0].attachments[0][1])["SUMMARY"] == course.programme.title
    assert registration.session.course.full_title.count(course.programme.title) == 1
