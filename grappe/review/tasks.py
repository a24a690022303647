"""Background tasks (django.tasks, database backend): the engine runs of a call."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from grappe.review.models import EngineRun, RunState


def _guarded(run_id: int, work: str) -> None:
    from grappe.review import services

    run = EngineRun.objects.select_related("call").get(pk=run_id)
    try:
        getattr(services, work)(run)
    except Exception as exc:
        EngineRun.objects.filter(pk=run_id).update(
            state=RunState.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise


@task()
def run_affinity(run_id: int) -> None:
    _guarded(run_id, "execute_affinity")


@task()
def run_assignment(run_id: int) -> None:
    _guarded(run_id, "execute_assignment")
