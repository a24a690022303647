"""`make prod` starts the production profile (gunicorn + task workers) in one command, and stops it whole."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess

import pytest
from django.db import connection

from tests.deploy import servers

PGREP = shutil.which("pgrep") or "/usr/bin/pgrep"


@pytest.fixture
def sqlite_file(django_db_setup, django_db_blocker, tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("make prod serves the SQLite file of make demo; PostgreSQL is exercised through the units")
    with django_db_blocker.unblock():
        return servers.shared_database_url(tmp_path)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_prod_serves_with_task_workers_and_stops_them_all(tmp_path, sqlite_file):
    port = servers.free_port(15)
    (tmp_path / "production.env").write_text(
        f"GRAPPE_BIND=127.0.0.1:{port}\nGRAPPE_WEB_WORKERS=2\nGRAPPE_WEB_THREADS=2\nGRAPPE_TASK_WORKERS=2\n"
        f"DATABASE_URL={sqlite_file}\nGRAPPE_VAR_DIR={tmp_path}/var\nSTATIC_ROOT={tmp_path}/static\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k not in {"PYTEST_VERSION", "PYTEST_XDIST_WORKER"}}
    env = {k: v for k, v in env.items() if not k.startswith(("GRAPPE_", "DATABASE_URL", "DJANGO_"))}
    make = servers.Process(
        [shutil.which("make"), "--no-print-directory", "prod", f"PROD_ENV={tmp_path}/production.env"],
        env, servers.ROOT, tmp_path / "make.log",
    )  # fmt: skip
    try:
        health = servers.wait_healthy(f"http://127.0.0.1:{port}/health/", make, timeout=150)
        status, _, body = servers.get(f"http://127.0.0.1:{port}/")
        workers = subprocess.run(
            [PGREP, "-s", str(make.popen.pid), "-f", "db_worker"], capture_output=True, text=True, check=False
        )
    finally:
        os.killpg(make.popen.pid, signal.SIGTERM)
        make.popen.wait(timeout=60)
        make.stop()
    left = subprocess.run([PGREP, "-s", str(make.popen.pid)], capture_output=True, text=True, check=False)

    assert health["status"] == "ok"
    assert status == 200  # plain HTTP on this machine: no redirect to HTTPS
    assert b"/static/css/grappe." in body
    assert len(workers.stdout.split()) == 2, make.output()[-2000:]
    assert left.stdout == ""  # gunicorn and both task workers stopped with it
    assert any(line["logger"] == "gunicorn.access" for line in servers.json_lines(make.output()))
