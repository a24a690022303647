"""``grappe backup``: dump the database and the uploaded files into one dated directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from grappe.core.backups import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or SQLite's online backup) and MEDIA_ROOT into "
        "OUTPUT/grappe-YYYYMMDD-HHMMSS/ (default OUTPUT: GRAPPE_VAR_DIR/backups). Safe while Grappe runs."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", type=Path, default=None)

    def handle(self, *args: Any, output: Path | None, **options: Any) -> None:
        try:
            path = create_backup(output or Path(settings.VAR_DIR) / "backups")
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(str(path))
