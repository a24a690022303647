"""Background tasks (django.tasks, database backend) of notifications."""

from __future__ import annotations

from django_tasks import task


@task()
def send_delivery(delivery_id: int) -> bool:
    """Send one immediate email (queued by ``notify``; again after a failure, when it is due)."""
    from grappe.notifications.services import send_delivery as send

    return send(delivery_id)


@task()
def send_due() -> int:
    """Every immediate email whose (re)try is due, for a worker-side scheduler (same as the command)."""
    from grappe.notifications.services import send_due as sweep

    return sweep()


@task()
def send_digests() -> int:
    """The daily digests, for a worker-side scheduler (same as the command ``send-notification-digests``)."""
    from grappe.notifications.services import send_digests as digests

    return digests()
