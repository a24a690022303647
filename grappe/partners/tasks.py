"""Background tasks (django.tasks, database backend) of partners."""

from __future__ import annotations

from django_tasks import task


@task()
def agreement_reminders() -> int:
    """The daily renewal reminders, for a worker-side scheduler (same as the command)."""
    from grappe.partners.services import send_agreement_reminders

    return send_agreement_reminders()
