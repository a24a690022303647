"""Background jobs that survive a crash: a heartbeat while a job runs, the check that fails a job
whose worker died, claims that let a job run once, and the test-only pause points of the crash tests.

A job model (``review.EngineRun``, ``selection.LetterSending``) has ``state`` (``queued``,
``running``, ``done``, ``failed``), ``heartbeat_at``, ``error``, ``finished_at`` and
``restarted_from``; each app registers its models here (``register``) so one command
(``grappe failstaleruns``) checks them all.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection, models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
ACTIVE = (QUEUED, RUNNING)

JOB_MODELS: list[type[models.Model]] = []


def register(model: type[models.Model]) -> None:
    if model not in JOB_MODELS:
        JOB_MODELS.append(model)


def stale_after() -> int:
    """Seconds without a heartbeat after which a running job's worker counts as dead."""
    return max(int(getattr(settings, "GRAPPE_JOB_STALE_SECONDS", 120)), 1)


def beat_every() -> float:
    return max(stale_after() / 4, 0.5)


def claim(model: type[models.Model], pk: int) -> bool:
    """Queued → running, atomically: False if another worker (or an earlier delivery of the same
    task) already took it, so a job runs once even if its task runs twice."""
    now = timezone.now()
    return bool(model._default_manager.filter(pk=pk, state=QUEUED).update(state=RUNNING, heartbeat_at=now))


@contextmanager
def heartbeat(model: type[models.Model], pk: int) -> Iterator[None]:
    """Write ``heartbeat_at`` every ``beat_every()`` seconds from a thread while the block runs.

    The thread dies with the process, so a killed worker stops beating and ``fail_stale`` marks
    its job failed; the block's own work (engine, emails) needs no progress call to stay alive.
    """
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(beat_every()):
                try:
                    model._default_manager.filter(pk=pk, state=RUNNING).update(heartbeat_at=timezone.now())
                except DatabaseError:  # e.g. SQLite busy while the job writes: beat again next time
                    logger.warning("heartbeat of %s %s missed", model.__name__, pk, exc_info=True)
        finally:
            connection.close()

    model._default_manager.filter(pk=pk).update(heartbeat_at=timezone.now())
    thread = threading.Thread(target=beat, name=f"heartbeat-{model.__name__}-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=30)


def stale(queryset: models.QuerySet[Any], *, now: datetime | None = None) -> models.QuerySet[Any]:
    """Running jobs without a heartbeat for ``stale_after()`` seconds (or never, started as long ago)."""
    cutoff = (now or timezone.now()) - timedelta(seconds=stale_after())
    return queryset.filter(state=RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at=None, created_at__lt=cutoff)
    )


def fail_stale(queryset: models.QuerySet[Any], *, now: datetime | None = None) -> int:
    """Mark the stale jobs of ``queryset`` failed, with the reason; returns how many.

    Called when a job's page is polled and by ``grappe failstaleruns`` (a scheduler runs it every
    minute or so). A job marked failed keeps its ledger entry; the office restarts it as a new job.
    """
    now = now or timezone.now()
    failed = 0
    for job in stale(queryset, now=now):
        last = timezone.localtime(job.heartbeat_at or job.created_at)
        reason = _(
            "The worker stopped (no heartbeat since %(at)s, Paris time): the run is marked failed. Restart it."
        ) % {"at": last.strftime("%d/%m/%Y %H:%M:%S")}
        # Conditional: a worker that comes back to life and finishes first wins.
        failed += (
            type(job)
            ._default_manager.filter(pk=job.pk, state=RUNNING)
            .update(state=FAILED, error=reason, finished_at=now)
        )
    return failed


def fail_all_stale(*, now: datetime | None = None) -> int:
    return sum(fail_stale(model._default_manager.all(), now=now) for model in JOB_MODELS)


def pause_point(name: str) -> None:
    """A named point inside a transaction where the crash tests kill the process.

    Only when ``GRAPPE_PAUSE_AT`` names this point (never set outside the crash tests): writes
    ``GRAPPE_PAUSE_FILE`` so the test knows the process got there, then sleeps until killed.
    """
    if os.environ.get("GRAPPE_PAUSE_AT") != name:
        return
    marker = os.environ.get("GRAPPE_PAUSE_FILE")
    if marker:
        Path(marker).write_text(name)
    time.sleep(3600)
