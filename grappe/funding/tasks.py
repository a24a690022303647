"""Background tasks (django.tasks, database backend) of funding: building an audit dossier."""

from __future__ import annotations

from django_tasks import task


@task()
def build_dossier(build_id: int) -> None:
    from grappe.funding.services import dossiers

    try:
        dossiers.build(build_id)
    except Exception as exc:
        dossiers.fail(build_id, str(exc))
        raise
