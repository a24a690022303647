"""Mark failed the background jobs whose worker died; meant for a scheduler (every minute)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from grappe.core import jobs


class Command(BaseCommand):
    help = (
        "Mark failed, with the reason, every running job (engine runs, letter sending) without a heartbeat "
        "for GRAPPE_JOB_STALE_SECONDS (default 120): its worker was killed. The office restarts it from its page."
    )

    def handle(self, *args: object, **options: object) -> None:
        with translation.override(settings.LANGUAGE_CODE):
            count = jobs.fail_all_stale()
        self.stdout.write(f"{count} stale job(s) marked failed.")
