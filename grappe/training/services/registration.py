"""Registration to a session: places, the waiting list, confirmation by email, cancellation.

Every change of a session's places runs in a transaction that first locks the session's row
(``SELECT … FOR UPDATE`` on PostgreSQL; on SQLite a write to the row takes the database's write
lock first), so two people asking for the last place at once cannot both get it, and a
cancellation promotes exactly one person from the waiting list.

Side effects: emails (the confirmation carries an ``.ics`` file), audit entries.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grappe.core.services import log_action
from grappe.core.validation import one_line
from grappe.notifications.models import Kind
from grappe.notifications.services import notify
from grappe.people.models import Person
from grappe.training.ics import session_ics
from grappe.training.models import Registration, RegistrationState, TrainingSession
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
    if not session.registration_open:
        raise TrainingError(_("Registration to this session is closed."))
    if session.starts_at <= timezone.now():
        raise TrainingError(_("This session has already started."))


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
    session: TrainingSession, *, first_name: str, last_name: str, email: str, organisation_name: str
) -> Registration | None:
    """A visitor asks for a place: nothing is held until they follow the link sent to ``email``.

    Asking again for the same address sends the link again (or a reminder that they are registered);
    the page says the same in every case, so it tells nobody who is registered.
    """
    _open_or_refuse(session)
    email = email.strip().lower()
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
    """Email every registrant with a place or on the waiting list; returns how many."""
    recipients = list(
        Registration.objects.filter(
            session=session, state__in=[RegistrationState.CONFIRMED, RegistrationState.WAITING]
        ).select_related("person")
    )
    link = _url("training:session", session.code)
    for registration in recipients:
        notify(
            registration.person,
            Kind.MESSAGE,
            email=registration.email,
            language=registration.language,
            subject=one_line(subject),  # the office's own words, in the language they wrote them
            body=body,
            link=link,
        )
    log_action(
        session, "training.registrants_messaged", actor=actor, data={"subject": subject, "count": len(recipients)}
    )
    return len(recipients)


def _url(name: str, *args: Any) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def _send_link(registration: Registration) -> None:
    url = _url("training:confirm", registration.token)
    notify(
        registration.person,
        Kind.SECURITY,  # proves the address: always sent at once, never grouped or silenced
        email=registration.email,
        language=registration.language,
        subject=lambda: _("Confirm your registration: %(title)s") % {"title": registration.session.course.title},
        template="training/email/confirm_link.txt",
        context={"registration": registration, "url": url},
        link=url,
    )


def _send_outcome(registration: Registration, *, promoted_now: bool = False) -> None:
    session = registration.session
    manage_url = _url("training:manage_registration", registration.token)
    confirmed = registration.state == RegistrationState.CONFIRMED

    def subject() -> str:
        if confirmed:
            title = _("A place is yours: %(title)s") if promoted_now else _("Registration confirmed: %(title)s")
        else:
            title = _("Waiting list: %(title)s")
        return title % {"title": session.course.title}

    notify(
        registration.person,
        Kind.RECEIPT,
        email=registration.email,
        language=registration.language,
        subject=subject,
        template="training/email/outcome.txt",
        context={"registration": registration, "session": session, "url": manage_url, "promoted": promoted_now},
        link=manage_url,
        attachments=[("session.ics", session_ics(registration, url=manage_url), "text/calendar")] if confirmed else [],
    )
