"""Background tasks (django.tasks) of reporting: building an annual report's snapshot."""

from __future__ import annotations

from django_tasks import task


@task()
def build_report(report_id: int) -> None:
    from grappe.reporting import services

    try:
        services.build_report(report_id)
    except Exception as exc:
        services.fail_report(report_id, str(exc))
        raise
