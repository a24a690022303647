"""Send the immediate emails whose (re)try is due: failed ones after their backoff, any whose task
was lost. Run it every few minutes (deploy/systemd/grappe-notifications.timer)."""

from typing import Any

from django.core.management.base import BaseCommand

from grappe.notifications.services import send_due


class Command(BaseCommand):
    help = "Send the queued immediate notification emails that are due (retries included)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{send_due()} email(s) sent.")
