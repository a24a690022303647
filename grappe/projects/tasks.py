"""Background tasks (django.tasks, database backend) of projects."""

from __future__ import annotations

from django_tasks import task


@task()
def deliverable_reminders() -> int:
    """The daily deliverable reminders, for a worker-side scheduler (same as the command)."""
    from grappe.projects.services import send_deliverable_reminders

    return send_deliverable_reminders()


@task()
def report_reminders() -> int:
    """The daily report reminders, for a worker-side scheduler (same as the command)."""
    from grappe.projects.services import send_report_reminders

    return send_report_reminders()
