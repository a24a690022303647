"""Background tasks (django.tasks, database backend): sending a call's decision letters."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from grappe.core.jobs import FAILED
from grappe.selection.models import LetterSending


@task()
def send_letters(sending_id: int) -> None:
    from grappe.selection import letters

    try:
        letters.send(sending_id)
    except Exception as exc:
        LetterSending.objects.filter(pk=sending_id).update(
            state=FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
