"""The calendar file (RFC 5545) attached to a registration's confirmation, through ``icalendar``."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from grappe.training.models import Registration


def session_ics(registration: Registration, *, url: str) -> bytes:
    from icalendar import Calendar, Event, vCalAddress

    session = registration.session
    course = session.course
    calendar = Calendar()
    calendar.add("prodid", "-//Grappe//Training//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"{session.code}-{registration.token[:12]}@grappe")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at)  # aware (UTC in the file): every calendar converts it
    event.add("dtend", session.ends_at)
    event.add("summary", f"{course.programme.title} — {course.title}")
    event.add("location", session.place or session.link)
    event.add("description", "\n".join(part for part in [session.link, url] if part))
    event.add("url", url)
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL.split('<')[-1].rstrip('>')}")
    event.add("organizer", organizer)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
