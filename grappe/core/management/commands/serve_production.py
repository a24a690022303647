"""``grappe serve-production``: the production profile on one machine, in one command.

Checks the deployment settings, migrates, collects the static files, then runs gunicorn
(grappe/gunicorn_conf.py) and ``--task-workers`` task workers (``db_worker``) until one of them
stops or the command gets Ctrl-C/SIGTERM, which stops them all. On several machines, systemd
runs the same commands instead (deploy/systemd/, docs/deployment.md).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


class Command(BaseCommand):
    help = "Serve Grappe as in production: gunicorn with N workers and N task workers (docs/deployment.md)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--task-workers", type=int, default=int(os.environ.get("GRAPPE_TASK_WORKERS", "2")))
        parser.add_argument("--skip-setup", action="store_true", help="neither check, migrate nor collect static files")

    def handle(self, *args: Any, task_workers: int, skip_setup: bool, **options: Any) -> None:
        if not skip_setup:
            call_command("check", deploy=True)
            call_command("migrate", interactive=False, verbosity=1)
            call_command("collectstatic", interactive=False, verbosity=0)
        commands = [[_bin("gunicorn"), "--config", "python:grappe.gunicorn_conf", "grappe.wsgi"]]
        host = socket.gethostname()[:40]
        commands += [
            [_bin("grappe"), "db_worker", "--no-reload", "--worker-id", f"{host}-{os.getpid()}-{i}"]
            for i in range(1, task_workers + 1)
        ]
        children = [subprocess.Popen(command) for command in commands]  # noqa: S603 (our own executables)
        stopping = 0

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = signum

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            while not stopping and all(child.poll() is None for child in children):
                time.sleep(0.5)
        finally:
            for child in children:
                # Ctrl-C reached the whole process group already: a second signal would make a task
                # worker abandon its task instead of finishing it.
                if child.poll() is None and stopping != signal.SIGINT:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=35)
                except subprocess.TimeoutExpired:
                    child.kill()
        failed = [" ".join(c.args[:2]) for c in children if c.returncode not in (0, -signal.SIGTERM, -signal.SIGINT)]
        if failed and not stopping:
            raise CommandError(f"stopped because a process ended: {', '.join(failed)}")
