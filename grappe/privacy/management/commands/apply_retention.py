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
        verb = "would anonymise" if dry_run else "anonymised"
        for proposal in due:
            closed = f"{proposal.call.closes_at:%Y-%m-%d}"
            self.stdout.write(f"{verb} proposal {proposal.code} (call {proposal.call.code}, closed {closed})")
        self.stdout.write(f"{len(due)} proposal(s) {verb}.")
