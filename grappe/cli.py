"""The ``grappe`` command: Django's management commands, with dashes allowed.

``grappe seed-demo`` runs the ``seed_demo`` management command, ``grappe migrate`` runs
``migrate``, and so on; ``grappe help`` lists them all. ``grappe affinity`` and
``grappe assign`` run the engine on files (see grappe/engine/cli.py).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and args[1] in ("affinity", "assign"):
        # The engine's commands run on files, without Django or a database.
        from grappe.engine.cli import COMMANDS

        sys.exit(COMMANDS[args[1]](args[2:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "grappe.settings")
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    args[0] = "grappe"
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(args)
    except ImproperlyConfigured as exc:
        # A bad setting (e.g. a number that is not one) is named plainly, without a traceback.
        sys.exit(f"grappe: configuration error: {exc}")


if __name__ == "__main__":
    main()
