"""Background tasks (django.tasks, database backend): the engine runs of a call."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from grappe.core import jobs
from grappe.review.models import EngineRun, RunState


def _guarded(run_id: int, work: str) -> None:
    """Run once (claimed atomically: a task delivered twice does nothing the second time), with a
    heartbeat, so a run whose worker dies is marked failed by ``grappe.core.jobs.fail_stale``."""
    from grappe.review import services

    if not jobs.claim(EngineRun, run_id):
        return
    run = EngineRun.objects.select_related("call").get(pk=run_id)
    try:
        with jobs.heartbeat(EngineRun, run_id):
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
