"""Background tasks (django.tasks, database backend) of training: large enrolment imports."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import(import_id: int, step: str) -> None:
    """Check (preview) or apply an enrolment import in the worker (its page follows the state)."""
    from grappe.training.services.imports import run

    run(import_id, step)
