"""Remind reviewers of unfinished reviews; meant for a scheduler (cron, systemd timer)."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from grappe.calls.models import Call
from grappe.review.models import ReviewSettings
from grappe.review.services import send_reminders


class Command(BaseCommand):
    help = "Email reviewers the reviews they have not submitted (calls whose review deadline is ahead)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--call", help="only this call (its code)")
        parser.add_argument(
            "--days", type=int, default=7, help="only calls whose review deadline is within this many days"
        )

    def handle(self, *args: object, call: str | None, days: int, **options: object) -> None:
        now = timezone.now()
        if call:
            calls = list(Call.objects.filter(code=call))
        else:
            ids = ReviewSettings.objects.filter(
                review_deadline__gte=now, review_deadline__lte=now + timedelta(days=days)
            ).values("call_id")
            calls = list(Call.objects.filter(pk__in=ids))
        for item in calls:
            sent = send_reminders(item)
            self.stdout.write(f"{item.code}: {sent} reviewers reminded")
