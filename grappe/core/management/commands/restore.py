"""``grappe restore BACKUP``: restore a ``grappe backup`` directory into an empty database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from grappe.core.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `grappe backup` into the database of DATABASE_URL, which must be "
        "empty (a new database), and into MEDIA_ROOT, which must be empty. Checksums are verified first."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("backup", type=Path)

    def handle(self, *args: Any, backup: Path, **options: Any) -> None:
        try:
            restore_backup(backup)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Restored {backup}")
