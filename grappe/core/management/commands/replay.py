"""`grappe replay KIND:ID …`: recompute suggestions from their stored inputs (docs/accountability.md)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import get_language, gettext_noop, ngettext
from django.utils.translation import gettext as _

from grappe.core import replay

TODAY = gettext_noop("today's data")


def _colon() -> str:
    return "\u00a0:" if get_language() == "fr" else ":"


class Command(BaseCommand):
    help = (
        "Replay engine runs from the exact inputs they stored and say, in one line each, whether the "
        "suggestion is reproduced bit for bit. RUN is KIND:ID (affinity:12, assignment:13, portfolio:4…); "
        "--all replays every run of every kind. Exits with 1 if any run is not reproduced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("runs", nargs="*", metavar="RUN", help="KIND:ID, e.g. assignment:13")
        parser.add_argument("--all", action="store_true", help="every run of every kind that kept its inputs")
        parser.add_argument("--details", action="store_true", help="also list differences and data changes")
        parser.add_argument("--language", default="en", help="language of the answers (en, fr)")

    def handle(self, *args: Any, **options: Any) -> None:
        targets = [self._parse(text) for text in options["runs"]]
        if options["all"]:
            targets += [(kind, pk) for kind, replayer in sorted(replay.REPLAYERS.items()) for pk in replayer.all()]
        if not targets:
            raise CommandError("Name at least one run (KIND:ID) or give --all.")
        failed = 0
        with translation.override(options["language"]):
            for kind, pk in targets:
                try:
                    result = replay.replay(kind, pk)
                except ObjectDoesNotExist as exc:
                    raise CommandError(f"{kind}:{pk}: no such run.") from exc
                self.stdout.write(f"{kind}:{pk}  {result.line}")
                if options["details"]:
                    for line in result.differences:
                        self.stdout.write(f"    {_('differs')}{_colon()} {line}")
                    for line in result.data_changes:
                        self.stdout.write(f"    {_(TODAY)}{_colon()} {line}")
                elif result.data_changes:
                    self.stdout.write(
                        "    "
                        + ngettext(
                            "today's data differ from the stored inputs (%(n)d change; --details lists it)",
                            "today's data differ from the stored inputs (%(n)d changes; --details lists them)",
                            len(result.data_changes),
                        )
                        % {"n": len(result.data_changes)}
                    )
                failed += result.reproduced is not True
        if failed:
            raise CommandError(f"{failed} of {len(targets)} run(s) not reproduced.")

    def _parse(self, text: str) -> tuple[str, int]:
        kind, _sep, ident = text.partition(":")
        if kind not in replay.REPLAYERS:
            known = ", ".join(sorted(replay.REPLAYERS))
            raise CommandError(f"Unknown kind of run “{kind}”: one of {known}.")
        if not ident.isdigit():
            raise CommandError(f"“{text}”: give KIND:ID with a number, e.g. {kind}:12.")
        return kind, int(ident)
