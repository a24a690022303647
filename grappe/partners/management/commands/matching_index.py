"""Build the matchmaking indexes (researchers, teams) when their inputs changed; meant for a
nightly scheduler, after publication imports, or by hand."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from grappe.partners import index


class Command(BaseCommand):
    help = (
        "Rebuild the matchmaking indexes (researchers who opted in, teams of funded projects) whose inputs "
        "changed since they were built, and show what each holds. --force rebuilds them all."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="rebuild even when nothing changed")

    def handle(self, *args: object, force: bool, **options: object) -> None:
        built = {row.kind for row in index.refresh(force=force)}
        for kind in index.IndexKind.values:
            row = index.latest(kind)
            if row is None:
                self.stdout.write(f"{kind}: no index")
                continue
            stats = row.statistics
            self.stdout.write(
                f"{kind}: {'built' if kind in built else 'up to date'}, {stats.get('profiles', 0)} profiles, "
                f"{stats.get('documents', 0)} documents, built {row.built_at:%Y-%m-%d %H:%M} UTC in "
                f"{stats.get('seconds', {}).get('build', 0)} s, backend {row.backend}, engine {row.engine_version}, "
                f"inputs {row.inputs_hash[:12]}"
            )
