"""Registration to a session: places, the waiting list, confirmation by email, cancellation.

Every change of a session's places runs in a transaction that first locks the session's row
(``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite a write to the row takes the database's write
lock first), so two people asking for the last place at once cannot both get it, and a
cancellation promotes exactly one person from the waiting list.

Every email names the session (programme, course, date and time, place or link), says so in its
subject, and answers to the session's organisers (Reply-To). A visitor's address, and the network
address they ask from, may cause only so many emails an hour (``MAILS_PER_ADDRESS``,
``MAILS_PER_IP``).

Side effects: emails (the confirmation carries an ``.ics`` file, a cancellation the same event
with ``METHOD:CANCEL``), audit entries.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from grappe.core.services import log_action
from grappe.core.validation import one_line
from grappe.notifications.models import Kind
from grappe.notifications.services import notify
from grappe.people.models import Person, Role, RoleKind
from grappe.training.ics import session_ics
from grappe.training.models import ConfirmationMail, Registration, RegistrationState, TrainingSession
from grappe.training.services.catalogue import TrainingError


def _lock(session: TrainingSession) -> TrainingSession:
    if connection.vendor == "sqlite":  # take SQLite's write lock before reading the places
        TrainingSession.objects.filter(pk=session.pk).update(version=F("version"))
    return TrainingSession.objects.select_for_update().select_related("course__programme").get(pk=session.pk)


def _registered_code(registration: Registration) -> str:
    return "training.registered" if registration.state == RegistrationState.CONFIRMED else "training.waitlisted"


def _confirmed_count(session: TrainingSession) -> int:
    return Registration.objects.filter(session=session, state=RegistrationState.CONFIRMED).count()


def _open_or_refuse(session: TrainingSession) -> None:
    if session.cancelled_at is not None:
        raise TrainingError(_("This session is cancelled."))
    if session.starts_at <= timezone.now():
        raise TrainingError(_("This session has already started: registration is closed."))
    if not session.registration_open:
        raise TrainingError(_("Registration to this session is closed."))


class TooManyEmails(TrainingError):
    """More registration emails asked for than the hourly limits allow."""


MAILS_PER_ADDRESS = 3  # registration emails one address may receive per hour
MAILS_PER_IP = 10  # registration emails one network address may cause per hour
MAIL_WINDOW = dt.timedelta(hours=1)


def _throttle(email: str, ip: str | None) -> None:
    """Refuse (with a message for the person) an email beyond the hourly limits; else count it."""
    since = timezone.now() - MAIL_WINDOW
    ConfirmationMail.objects.filter(email=email, sent_at__lt=since).delete()  # keep the table small
    if ConfirmationMail.objects.filter(email=email, sent_at__gte=since).count() >= MAILS_PER_ADDRESS:
        raise TooManyEmails(
            _(
                "We have already sent %(n)s emails to this address in the last hour. Look for them in your "
                "mailbox (and its spam folder), or try again in an hour."
            )
            % {"n": MAILS_PER_ADDRESS}
        )
    if ip and ConfirmationMail.objects.filter(ip=ip, sent_at__gte=since).count() >= MAILS_PER_IP:
        raise TooManyEmails(
            _("Too many registration requests came from your network in the last hour. Try again in an hour.")
        )
    ConfirmationMail.objects.create(email=email, ip=ip or None)


def _place_state(session: TrainingSession) -> str:
    return RegistrationState.CONFIRMED if _confirmed_count(session) < session.capacity else RegistrationState.WAITING


def _seat(registration: Registration, session: TrainingSession) -> None:
    registration.state = _place_state(session)
    if registration.state == RegistrationState.WAITING:
        registration.queued_at = timezone.now()


@transaction.atomic
def register_person(session: TrainingSession, person: Person, *, email: str, actor: Any) -> Registration:
    """An account holder takes a place (or joins the waiting list when the session is full)."""
    session = _lock(session)
    _open_or_refuse(session)
    email = email.strip().lower()
    if Registration.objects.filter(session=session, email=email, state__in=RegistrationState.active()).exists():
        raise TrainingError(_("You are already registered for this session."))
    registration = Registration(
        session=session,
        person=person,
        first_name=person.first_name,
        last_name=person.last_name,
        email=email,
        token=secrets.token_urlsafe(24),
        language=translation.get_language() or "fr",
    )
    _seat(registration, session)
    registration.save()
    log_action(session, _registered_code(registration), actor=actor, data={"email": email})
    transaction.on_commit(lambda: _send_outcome(registration))
    return registration


@transaction.atomic
def request_registration(
    session: TrainingSession,
    *,
    first_name: str,
    last_name: str,
    email: str,
    organisation_name: str,
    ip: str | None = None,
) -> Registration | None:
    """A visitor asks for a place: nothing is held until they follow the link sent to ``email``.

    Asking again for the same address sends the link again (or a reminder that they are registered);
    the page says the same in every case, so it tells nobody who is registered. Beyond
    ``MAILS_PER_ADDRESS`` emails to one address, or ``MAILS_PER_IP`` from one network address, in
    an hour, the request is refused with a message and nothing is sent.
    """
    _open_or_refuse(session)
    email = email.strip().lower()
    _throttle(email, ip)
    existing = Registration.objects.filter(session=session, email=email, state__in=RegistrationState.active()).first()
    if existing is not None:
        transaction.on_commit(
            lambda: _send_link(existing) if existing.state == RegistrationState.PENDING else _send_outcome(existing)
        )
        return None
    registration = Registration.objects.create(
        session=session,
        first_name=first_name,
        last_name=last_name,
        email=email,
        organisation_name=organisation_name,
        state=RegistrationState.PENDING,
        token=secrets.token_urlsafe(24),
        language=translation.get_language() or "fr",
    )
    transaction.on_commit(lambda: _send_link(registration))
    return registration


def person_for(email: str, first_name: str, last_name: str) -> Person:
    """The directory's person with this address, or a new one."""
    person = Person.objects.filter(email__iexact=email).order_by("id").first()
    if person is None:
        person = Person.objects.create(first_name=first_name, last_name=last_name, email=email)
    return person


@transaction.atomic
def confirm(registration: Registration) -> Registration:
    """The visitor followed the link: they get a place, or a place on the waiting list."""
    session = _lock(registration.session)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.state != RegistrationState.PENDING:
        return registration
    _open_or_refuse(session)
    registration.session = session
    registration.person = person_for(registration.email, registration.first_name, registration.last_name)
    _seat(registration, session)
    registration.save(update_fields=["person", "state", "queued_at"])
    log_action(session, _registered_code(registration), actor=None, data={"email": registration.email})
    transaction.on_commit(lambda: _send_outcome(registration))
    return registration


@transaction.atomic
def cancel(registration: Registration, *, actor: Any) -> Registration | None:
    """Cancel a registration; a freed place goes to the first on the waiting list, who is told.
    Returns the promoted registration, if any."""
    session = _lock(registration.session)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.state == RegistrationState.CANCELLED:
        return None
    had_place = registration.state == RegistrationState.CONFIRMED
    registration.state = RegistrationState.CANCELLED
    registration.save(update_fields=["state"])
    log_action(session, "training.registration_cancelled", actor=actor, data={"email": registration.email})
    if had_place:
        registration.session = session
        transaction.on_commit(lambda: _send_cancelled(registration, session_cancelled=False, had_place=True))
    if not had_place or _confirmed_count(session) >= session.capacity:
        return None
    promoted = (
        Registration.objects.select_for_update()
        .filter(session=session, state=RegistrationState.WAITING)
        .order_by("queued_at", "id")
        .first()
    )
    if promoted is None:
        return None
    promoted.state = RegistrationState.CONFIRMED
    promoted.save(update_fields=["state"])
    promoted.session = session
    log_action(session, "training.promoted", actor=None, data={"email": promoted.email})
    transaction.on_commit(lambda: _send_outcome(promoted, promoted_now=True))
    return promoted


def message_registrants(session: TrainingSession, *, subject: str, body: str, actor: Any) -> int:
    """Email every registrant with a place or on the waiting list; returns how many.

    Each message names the session and links to the person's registration; replies go to the
    person who wrote it."""
    registrations = list(
        Registration.objects.filter(
            session=session, state__in=[RegistrationState.CONFIRMED, RegistrationState.WAITING]
        ).select_related("session__course__programme")
    )
    reply_to = [actor.email] if getattr(actor, "email", "") else organisers(session)
    sender = getattr(actor, "get_full_name", lambda: "")()
    for registration in registrations:
        context = _context(registration)
        notify(
            registration.person,
            Kind.MESSAGE,
            email=registration.email,
            language=registration.language,
            subject=lambda r=registration: _subject(subject, r.session),  # the organiser's own words
            template="training/email/message.txt",
            context={**context, "body": body, "sender": sender},
            link=context["url"],
            reply_to=reply_to,
        )
    log_action(
        session, "training.registrants_messaged", actor=actor, data={"subject": subject, "count": len(registrations)}
    )
    return len(registrations)


@transaction.atomic
def cancel_session(session: TrainingSession, *, note: str, actor: Any) -> int:
    """Cancel a session: registration closes, every registration is cancelled and its holder told
    (with the calendar event cancelled: same UID, higher SEQUENCE). Returns how many were told."""
    session = _lock(session)
    if session.cancelled_at is not None:
        raise TrainingError(_("This session is already cancelled."))
    registrations = list(
        Registration.objects.select_for_update().filter(session=session, state__in=RegistrationState.active())
    )
    TrainingSession.objects.filter(pk=session.pk).update(
        cancelled_at=timezone.now(), registration_open=False, version=F("version") + 1
    )
    session.refresh_from_db()
    had_place = {r.pk for r in registrations if r.state == RegistrationState.CONFIRMED}
    Registration.objects.filter(pk__in=[r.pk for r in registrations]).update(state=RegistrationState.CANCELLED)
    log_action(
        session, "training.session_cancelled", actor=actor, data={"registrations": len(registrations), "note": note}
    )
    for registration in registrations:
        registration.session = session
        registration.state = RegistrationState.CANCELLED

    def send() -> None:
        for registration in registrations:
            _send_cancelled(registration, session_cancelled=True, had_place=registration.pk in had_place, note=note)

    transaction.on_commit(send)
    return len(registrations)


def organisers(session: TrainingSession) -> list[str]:
    """Who answers for a session (the Reply-To of its emails): its trainers, else the contacts of
    the programme's institution."""
    emails = [p.email for p in session.trainers.all() if p.email]
    if not emails:
        emails = list(
            Role.objects.filter(
                kind=RoleKind.INSTITUTION_CONTACT, organisation_id=session.course.programme.institution_id
            )
            .exclude(person__email="")
            .order_by("id")
            .values_list("person__email", flat=True)[:3]
        )
    return emails


def _url(name: str, *args: Any) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def _subject(what: str, session: TrainingSession) -> str:
    """``what — programme, course: date`` (the date in the reader's language, Paris time)."""
    when = formats.date_format(timezone.localtime(session.starts_at), "SHORT_DATETIME_FORMAT")
    course = session.course
    title = (
        course.programme.title
        if course.title == course.programme.title
        else f"{course.programme.title}, {course.title}"
    )
    return one_line(f"{what} — {title} ({when})")


def _context(registration: Registration) -> dict[str, Any]:
    session = registration.session
    return {
        "registration": registration,
        "session": session,
        "programme": session.course.programme,
        "organisers": organisers(session),
        "url": _url("training:manage_registration", registration.token),
    }


def _send_link(registration: Registration) -> None:
    url = _url("training:confirm", registration.token)
    notify(
        registration.person,
        Kind.SECURITY,  # proves the address: always sent at once, never grouped or silenced
        email=registration.email,
        language=registration.language,
        subject=lambda: _subject(_("Confirm your registration"), registration.session),
        template="training/email/confirm_link.txt",
        context={**_context(registration), "confirm_url": url},
        link=url,
        reply_to=organisers(registration.session),
    )


def _send_outcome(registration: Registration, *, promoted_now: bool = False) -> None:
    session = registration.session
    context = _context(registration)
    confirmed = registration.state == RegistrationState.CONFIRMED

    def subject() -> str:
        if confirmed:
            what = _("A place is yours") if promoted_now else _("Registration confirmed")
        else:
            what = _("Waiting list")
        return _subject(what, session)

    notify(
        registration.person,
        Kind.RECEIPT,
        email=registration.email,
        language=registration.language,
        subject=subject,
        template="training/email/outcome.txt",
        context={**context, "promoted": promoted_now},
        link=context["url"],
        attachments=[("session.ics", session_ics(registration, url=context["url"]), "text/calendar")]
        if confirmed
        else [],
        reply_to=context["organisers"],
    )


def _send_cancelled(registration: Registration, *, session_cancelled: bool, had_place: bool, note: str = "") -> None:
    """Tell a registrant their place is gone (the session is cancelled, or they cancelled it);
    who had a place also gets the calendar event cancelled."""
    session = registration.session
    context = _context(registration)
    notify(
        registration.person,
        Kind.RECEIPT,  # a cancellation is never silenced
        email=registration.email,
        language=registration.language,
        subject=lambda: _subject(_("Session cancelled") if session_cancelled else _("Registration cancelled"), session),
        template="training/email/cancelled.txt",
        context={
            **context,
            "session_cancelled": session_cancelled,
            "had_place": had_place,
            "note": note,
            "catalogue_url": _url("training:catalogue"),
        },
        link=context["url"],
        attachments=[("session.ics", session_ics(registration, url=context["url"], cancel=True), "text/calendar")]
        if had_place
        else [],
        reply_to=context["organisers"],
    )
