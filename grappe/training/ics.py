"""The calendar file of a registration (``core.calendar.event_ics``).

The confirmation publishes the event (``SEQUENCE`` = the session's version); a cancellation (of
the session, or of the person's place) sends the same ``UID`` cancelled, with a higher
``SEQUENCE``.
"""

from __future__ import annotations

from grappe.core.calendar import event_ics
from grappe.training.models import Registration


def event_uid(registration: Registration) -> str:
    return f"{registration.session.code}-{registration.token[:12]}@grappe"


def session_ics(registration: Registration, *, url: str, cancel: bool = False) -> bytes:
    session = registration.session
    course = session.course
    return event_ics(
        uid=event_uid(registration),
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        summary=course.full_title,
        location=session.place or session.link,
        description="\n".join(part for part in [session.link, url] if part),
        url=url,
        product="Training",
        sequence=session.version + 1 if cancel else session.version,
        cancel=cancel,
        attendee=registration.email if cancel else "",
    )
