"""One calendar event as an ``.ics`` file (RFC 5545, through ``icalendar``): a training session,
a hearing. Aware datetimes (written in UTC: every calendar converts them).

An event is published (``METHOD:PUBLISH``) with a ``SEQUENCE``; cancelling it sends the same
``UID`` with ``METHOD:CANCEL``, ``STATUS:CANCELLED`` and a higher ``SEQUENCE``, so that calendar
programs remove it (RFC 5546 §3.2.5)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def event_ics(
    *,
    uid: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    summary: str,
    location: str = "",
    description: str = "",
    url: str = "",
    product: str = "Grappe",
    sequence: int | None = None,
    cancel: bool = False,
    attendee: str = "",
) -> bytes:
    from icalendar import Calendar, Event, vCalAddress

    calendar = Calendar()
    calendar.add("prodid", f"-//Grappe//{product}//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancel else "PUBLISH")
    event = Event()
    event.add("uid", uid)
    if sequence is not None:
        event.add("sequence", sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", starts_at)
    event.add("dtend", ends_at)
    event.add("summary", summary)
    event.add("location", location)
    event.add("description", description)
    if url:
        event.add("url", url)
    organizer = vCalAddress(f"mailto:{settings.DEFAULT_FROM_EMAIL.split('<')[-1].rstrip('>')}")
    event.add("organizer", organizer)
    if cancel:
        event.add("status", "CANCELLED")
    if attendee:
        event.add("attendee", vCalAddress(f"mailto:{attendee}"))
    calendar.add_component(event)
    return bytes(calendar.to_ical())
