"""The audit dossier built by the task worker: the office asks for it, the worker writes the zip
(with a heartbeat: a dead worker's build is marked failed), the office downloads it when done."""

from __future__ import annotations

import tempfile
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from grappe.core.jobs import ACTIVE, DONE, FAILED, RUNNING, claim, heartbeat, pause_point
from grappe.core.services import log_action
from grappe.funding import dossier as dossier_zip
from grappe.funding.models import DossierBuild
from grappe.projects.models import Project


@transaction.atomic
def request_dossier(project: Project, *, language: str, actor: Any) -> DossierBuild:
    """Queue a build of ``project``'s dossier; while one is queued or running, that one is
    returned (the project row is locked and a unique constraint backs it: a double click queues one)."""
    Project.objects.select_for_update().get(pk=project.pk)
    active = DossierBuild.objects.filter(project=project, state__in=ACTIVE).first()
    if active is not None:
        return active
    build = DossierBuild.objects.create(project=project, language=language, created_by=actor)
    log_action(project, "funding.dossier_requested", actor=actor, data={"build": build.pk})
    transaction.on_commit(lambda: _enqueue(build.pk))
    return build


def _enqueue(build_id: int) -> None:
    from grappe.funding import tasks

    tasks.build_dossier.enqueue(build_id)


def build(build_id: int) -> bool:
    """The task: write the zip into a temporary file, then store it with the build and mark it
    done; the file of the project's previous builds is removed. Claimed once: a task delivered
    twice does nothing the second time. Returns whether this call built it."""
    if not claim(DossierBuild, build_id):
        return False
    job = DossierBuild.objects.select_related("project", "created_by").get(pk=build_id)
    with heartbeat(DossierBuild, build_id), tempfile.TemporaryFile() as out:
        dossier_zip.write(job.project, out, language=job.language)
        pause_point("dossier.written")
        size = out.tell()
        out.seek(0)
        job.file.save(f"dossier-{job.project.code}.zip", File(out), save=False)
    done = DossierBuild.objects.filter(pk=build_id, state=RUNNING).update(
        state=DONE, file=job.file.name, size=size, finished_at=timezone.now()
    )
    if not done:  # marked failed meanwhile (no heartbeat): the file is not handed out
        job.file.storage.delete(job.file.name)
        return False
    for old in DossierBuild.objects.filter(project=job.project).exclude(pk=build_id).exclude(file=""):
        old.file.storage.delete(old.file.name)
        DossierBuild.objects.filter(pk=old.pk).update(file="")
    log_action(job.project, "funding.dossier_built", actor=job.created_by, data={"build": build_id, "size": size})
    return True


def fail(build_id: int, error: str) -> None:
    DossierBuild.objects.filter(pk=build_id, state__in=ACTIVE).update(
        state=FAILED, error=error[:2000], finished_at=timezone.now()
    )
