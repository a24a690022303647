import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grappe.notifications import services
from grappe.notifications.models import Delivery, Kind, Mode, Notification, Preference
from tests.factories import PersonFactory


@pytest.fixture
def person(db):
    return PersonFactory(email="ada@example.org", preferred_language="fr")


def _notify(person, kind=Kind.INVITATION, **kwargs):
    return services.notify(
        person, kind, subject=lambda: _("Log out"), body=lambda: _("Log out") + " body", link="https://g/x", **kwargs
    )


def test_notify_writes_the_notification_in_the_persons_language_and_emails_it_at_once(person):
    notification = _notify(person)

    delivery = notification.deliveries.get()
    assert (notification.subject, notification.body, notification.language) == (
        "Déconnexion",
        "Déconnexion body",
        "fr",
    )
    assert (delivery.state, delivery.attempts, delivery.mode) == ("sent", 1, "immediate")
    assert [(m.to, m.subject) for m in mail.outbox] == [(["ada@example.org"], "Déconnexion")]


def test_an_address_without_an_account_is_emailed_in_the_language_given(db):
    notification = services.notify(
        None, Kind.INVITATION, subject=lambda: _("Log out"), email="new@example.org", language="en"
    )

    assert (notification.person, notification.email, notification.subject) == (None, "new@example.org", "Log out")
    assert mail.outbox[0].to == ["new@example.org"]


def test_attachments_are_kept_and_sent(person):
    _notify(person, attachments=[("session.ics", b"BEGIN:VCALENDAR", "text/calendar")])

    assert list(mail.outbox[0].attachments) == [("session.ics", "BEGIN:VCALENDAR", "text/calendar")]  # text: decoded


def test_off_keeps_the_notification_in_grappe_and_sends_no_email(person):
    services.set_preference(person, Kind.INVITATION, Mode.OFF, actor=None)

    notification = _notify(person)

    assert notification.deliveries.count() == 0
    assert mail.outbox == []
    assert Notification.objects.filter(person=person).count() == 1


@pytest.mark.parametrize("kind", [Kind.DEADLINE, Kind.DECISION, Kind.RECEIPT, Kind.SECURITY])
def test_mandatory_kinds_cannot_be_turned_off(person, kind):
    with pytest.raises(services.NotificationError):
        services.set_preference(person, kind, Mode.OFF, actor=None)
    with pytest.raises(IntegrityError), transaction.atomic():  # nor behind the service's back
        Preference.objects.create(person=person, kind=kind, mode=Mode.OFF)

    _notify(person, kind=kind)
    assert len(mail.outbox) == 1


def test_unknown_kind_or_mode_is_refused(person):
    with pytest.raises(services.NotificationError):
        services.set_preference(person, "gossip", Mode.OFF, actor=None)
    with pytest.raises(services.NotificationError):
        services.set_preference(person, Kind.MESSAGE, "weekly", actor=None)
    assert not Preference.objects.exists()


def test_daily_waits_for_the_digest_which_groups_the_days_notifications(person):
    services.set_preference(person, Kind.MESSAGE, Mode.DAILY, actor=None)
    services.set_preference(person, Kind.DEADLINE, Mode.DAILY, actor=None)
    first = _notify(person, kind=Kind.MESSAGE)
    second = services.notify(person, Kind.DEADLINE, subject="Second", body="Due soon", link="https://g/y")
    _notify(person, kind=Kind.INVITATION)  # immediate: its own email at once
    assert len(mail.outbox) == 1

    assert services.send_digests() == 1
    assert services.send_digests() == 0  # sent once, never again

    digest = mail.outbox[1]
    assert digest.to == ["ada@example.org"]
    assert digest.subject.endswith(": 2 notifications")
    assert first.subject in digest.body and "Second" in digest.body and "Due soon" in digest.body
    assert "Bonjour" in digest.body  # in the person's language
    assert "/accounts/profile/notifications/" in digest.body  # where to change the choice
    assert set(Delivery.objects.filter(mode=Mode.DAILY).values_list("state", flat=True)) == {"sent"}
    assert second.deliveries.get().sent_at is not None


def test_digest_leaves_out_what_was_written_after_its_time(person):
    services.set_preference(person, Kind.MESSAGE, Mode.DAILY, actor=None)
    _notify(person, kind=Kind.MESSAGE)

    assert services.send_digests(now=timezone.now() - dt.timedelta(hours=1)) == 0
    assert mail.outbox == []


@pytest.fixture
def smtp_down(monkeypatch):
    """The SMTP server refuses the next ``n`` messages."""
    state = {"fail": 0}
    original = EmailBackend.send_messages

    def send_messages(self, messages):
        if state["fail"]:
            state["fail"] -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)
    return state


def test_a_failed_send_is_recorded_and_retried_after_its_backoff(person, smtp_down):
    smtp_down["fail"] = 1
    notification = _notify(person)
    delivery = notification.deliveries.get()
    assert (delivery.state, delivery.attempts) == ("queued", 1)
    assert delivery.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert delivery.next_attempt_at > timezone.now()

    assert services.send_due() == 0  # not due yet
    assert services.send_due(now=delivery.next_attempt_at + dt.timedelta(seconds=1)) == 1

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 2)
    assert delivery.last_error.startswith("SMTPServerDisconnected")  # the last error stays, for the record
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]


def test_after_the_last_attempt_the_delivery_is_failed_for_good(person, smtp_down):
    smtp_down["fail"] = services.MAX_ATTEMPTS
    delivery = _notify(person).deliveries.get()
    later = timezone.now()
    for _attempt in range(services.MAX_ATTEMPTS - 1):
        later += dt.timedelta(days=1)
        services.send_due(now=later)

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("failed", services.MAX_ATTEMPTS, None)
    assert services.send_due(now=later + dt.timedelta(days=1)) == 0
    assert mail.outbox == []


def test_backoff_grows():
    assert [services.backoff(n).total_seconds() / 60 for n in (1, 2, 3, 4)] == [1, 4, 16, 64]


def test_a_delivery_is_never_sent_twice(person):
    delivery = _notify(person).deliveries.get()

    assert services.send_delivery(delivery.pk) is False
    assert services.send_due(now=timezone.now() + dt.timedelta(days=1)) == 0
    assert len(mail.outbox) == 1


def test_a_notification_written_in_a_rolled_back_transaction_leaves_nothing(person):
    with pytest.raises(RuntimeError), transaction.atomic():
        _notify(person, send_email=False)
        raise RuntimeError

    assert not Notification.objects.exists()


def test_unread_count_is_cached_and_forgotten_on_change(person, django_assert_num_queries):
    _notify(person)
    assert services.unread_count(person.pk) == 1
    with django_assert_num_queries(0):
        assert services.unread_count(person.pk) == 1

    services.mark_read(person)

    assert services.unread_count(person.pk) == 0


def test_mark_read_ignores_another_persons_notifications(person):
    other = PersonFactory(email="bob@example.org")
    mine, theirs = _notify(person), _notify(other)

    assert services.mark_read(person, [mine.pk, theirs.pk]) == 1
    theirs.refresh_from_db()
    assert theirs.read_at is None
