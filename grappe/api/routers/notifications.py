"""The caller's own notifications: list them (all or unread), mark them read. Nobody reads
another person's (404, as on the pages)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja import Query, Router

from grappe.api.auth import require_user, require_write
from grappe.api.common import ERRORS, WRITE_ERRORS
from grappe.api.pagination import page
from grappe.api.routers.directory import PageQuery
from grappe.api.schemas import MarkedRead, NotificationOut, NotificationPage, NotificationsRead
from grappe.core.access import get_for_user_or_404
from grappe.notifications import services
from grappe.notifications.models import Notification
from grappe.people.models import Person

router = Router(tags=["notifications"])


class NotificationFilters(PageQuery):
    unread: bool = False


def notification_out(notification: Notification, request: HttpRequest) -> dict[str, Any]:
    link = notification.site_link
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "subject": notification.subject,
        "body": notification.body,
        "link": request.build_absolute_uri(link) if link.startswith("/") else link,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


def _person_id(request: HttpRequest) -> int | None:
    return getattr(require_user(request), "person_id", None)


@router.get("/notifications", response={200: NotificationPage, **ERRORS})
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> Any:
    """The caller's notifications, oldest first (pages by cursor); ``unread=true`` for the unread only."""
    notifications = Notification.objects.filter(person_id=_person_id(request))
    if filters.unread:
        notifications = notifications.filter(read_at__isnull=True)
    return page(
        notifications, cursor=filters.cursor, limit=filters.limit, item=lambda found: notification_out(found, request)
    )


@router.post("/notifications/read", response={200: MarkedRead, **WRITE_ERRORS})
def mark_read(request: HttpRequest, payload: NotificationsRead) -> Any:
    """Mark the caller's notifications read (``ids``, or all); others' ids are ignored."""
    require_write(request)
    person = Person.objects.filter(pk=_person_id(request)).first()
    return {"marked": services.mark_read(person, payload.ids) if person else 0}


@router.get("/notifications/{notification}", response={200: NotificationOut, **ERRORS})
def get_notification(request: HttpRequest, notification: int) -> Any:
    require_user(request)
    if not 0 < notification < 2**63:  # no row has it; the database would refuse to compare
        raise Http404
    found = get_for_user_or_404(
        request.user, Notification.objects.all(), "notifications.view_notification", pk=notification
    )
    return notification_out(found, request)
