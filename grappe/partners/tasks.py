"""Background tasks (django.tasks, database backend) of partners."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from grappe.core import jobs


@task()
def agreement_reminders() -> int:
    """The daily renewal reminders, for a worker-side scheduler (same as the command)."""
    from grappe.partners.services import send_agreement_reminders

    return send_agreement_reminders()


@task()
def build_matching_index(index_id: int) -> None:
    """Build a matchmaking index (researchers or teams) queued by ``partners.index.request_build``:
    claimed once, with a heartbeat, marked failed with the reason if it breaks."""
    from grappe.partners import index
    from grappe.partners.models import IndexState, MatchingIndex

    if not jobs.claim(MatchingIndex, index_id):
        return
    row = MatchingIndex.objects.get(pk=index_id)
    try:
        with jobs.heartbeat(MatchingIndex, index_id):
            index.build(row)
    except Exception as exc:
        MatchingIndex.objects.filter(pk=index_id).update(
            state=IndexState.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
