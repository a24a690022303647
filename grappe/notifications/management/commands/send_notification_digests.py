"""Send the daily digests: one email per person grouping the notifications they chose to receive
daily. Run it once a day (deploy/systemd/grappe-digests.timer)."""

from typing import Any

from django.core.management.base import BaseCommand

from grappe.notifications.services import send_digests


class Command(BaseCommand):
    help = "Send each person's daily digest of notifications."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{send_digests()} digest(s) sent.")
