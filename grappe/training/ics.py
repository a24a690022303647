"""The calendar file (RFC 5545) of a registration, through ``icalendar``.

The confirmation publishes the event (``METHOD:PUBLISH``, ``SEQUENCE`` = the session's version);
a cancellation (of the session, or of the person's place) sends the same event, same ``UID``,
with ``METHOD:CANCEL``, ``STATUS:CANCELLED`` and a higher ``SEQUENCE``, so that calendar
programs remove it (RFC 5546 §3.2.5).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from grappe.training.models import Registration


def event_uid(registration: Registration) -> str:
    return f"{registration.session.code}-{registration.token[:12]}@grappe"


def session_ics(registration: Registration, *, url: str, cancel: bool = False) -> bytes:
    from icalendar import Calendar, Event, vCalAddress

    session = registration.session
    course = session.course
    calendar = Calendar()
    calendar.add("prodid", "-//Grappe//Training//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "PUBLISH")
    event = Event()
    event.add("uid", event_uid(registration))
    event.add("sequence", session.version + 1 if cancel else session.version)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at)  # aware (UTC in the file): every calendar converts it
    event.add("dtend", session.ends_at)
    event.add("summary", f"{course.programme.title} — {course.title}")
    event.add("location", session.place or session.link)
    event.add("description", "\n".join(part for part in [session.link, url] if part))
    event.add("url", url)
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL.split('<')[-1].rstrip('>')}")
    event.add("organizer", organizer)
    if cancel:
        event.add("status", "CANCELLED")
        event.add("attendee", vCalAddress(f"mailto:{registration.email}"))
    calendar.add_component(event)
    return bytes(calendar.to_ical())
