"""The calendar file (RFC 5545) attached to a registration's confirmation (``core.calendar``)."""

from __future__ import annotations

from grappe.core.calendar import event_ics
from grappe.training.models import Registration


def session_ics(registration: Registration, *, url: str) -> bytes:
    session = registration.session
    course = session.course
    return event_ics(
        uid=f"{session.code}-{registration.token[:12]}@grappe",
        starts_at=session.starts_at,
        ends_at=session.ends_at,
        summary=f"{course.programme.title} — {course.title}",
        location=session.place or session.link,
        description="\n".join(part for part in [session.link, url] if part),
        url=url,
        product="Training",
    )
