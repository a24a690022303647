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


@task()
def import_publications(import_id: int) -> None:
    """A big publication file, imported by the worker (the page follows its progress)."""
    from grappe.review.models import ImportState, PublicationImport
    from grappe.review.services import execute_import

    record = PublicationImport.objects.select_related("person", "created_by").get(pk=import_id)
    try:
        execute_import(record)
    except Exception as exc:
        PublicationImport.objects.filter(pk=import_id).update(
            state=ImportState.FAILED, error=str(exc)[:2000], content="", finished_at=timezone.now()
        )
        raise
