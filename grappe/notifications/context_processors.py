from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from grappe.notifications.services import unread_count


def notifications(request: HttpRequest) -> dict[str, Any]:
    """``unread_notifications``: the signed-in person's unread count — a callable, so the template
    computes it (one cached COUNT) only where it shows it."""
    user = getattr(request, "user", None)
    person_id = getattr(user, "person_id", None) if user is not None and user.is_authenticated else None

    def unread() -> int:
        return unread_count(person_id) if person_id else 0

    load: Callable[[], int] = unread
    return {"unread_notifications": load}
