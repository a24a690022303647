"""Anonymise what is past its retention period (docs/privacy.md); ``--dry-run`` only lists it."""

from typing import Any

from django.core.management.base import BaseCommand

from grappe.privacy.services import apply_retention


class Command(BaseCommand):
    help = "Anonymise proposals never funded whose call closed longer ago than the retention period."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="List what would be anonymised; change nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        due = apply_retention(dry_run=dry_run)
        verb = "would be anonymised" if dry_run else "anonymised"
        for proposal in due:
            closed = f"{proposal.call.closes_at:%Y-%m-%d}"
            self.stdout.write(f"proposal {proposal.code} (call {proposal.call.code}, closed {closed}): {verb}")
        if not due:
            self.stdout.write("No proposal is past its retention period: nothing " + verb + ".")
        else:
            self.stdout.write(f"{len(due)} {'proposal' if len(due) == 1 else 'proposals'} {verb}.")
