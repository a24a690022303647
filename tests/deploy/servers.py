"""Start Grappe's production commands as subprocesses, the way deploy/systemd/ runs them.

The unit files are parsed and their ``ExecStart``/``ExecStartPre`` lines run with only these
changes: the install path (``/srv/grappe/.venv/bin/``) becomes this virtualenv, ``%H``/``%i``
are filled as systemd would, and the environment file is deploy/grappe.env with the
addresses, secrets and paths of a local test.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
INSTALL_BIN = "/srv/grappe/.venv/bin/"
REDIS_TEST_URL = "redis://127.0.0.1:6379/2"
SECRET_KEY = "test-" + "k" * 60


def unit(name: str) -> dict[str, list[str]]:
    """A systemd unit's keys, each with the list of its values (ExecStartPre may repeat)."""
    keys: dict[str, list[str]] = {}
    for raw in (DEPLOY / "systemd" / name).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, value = line.split("=", 1)
            keys.setdefault(key, []).append(value)
    return keys


def command(line: str, *, instance: str = "1") -> list[str]:
    """An Exec line as this machine runs it."""
    assert line.startswith(INSTALL_BIN), line
    line = line.replace(INSTALL_BIN, f"{BIN}/").replace("%H", socket.gethostname()).replace("%i", instance)
    return shlex.split(line)


def env_file() -> dict[str, str]:
    values = {}
    for raw in (DEPLOY / "grappe.env").read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            key, value = raw.split("=", 1)
            values[key] = value
    return values


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def production_env(tmp: Path, *, database_url: str, bind: str, redis: bool = True, **extra: str) -> dict[str, str]:
    """deploy/grappe.env with a local test's addresses; nothing of pytest's environment leaks in."""
    skip = {"PYTEST_VERSION", "PYTEST_XDIST_WORKER", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in skip and not k.startswith(("GRAPPE_", "DB_POOL"))}
    env.update(env_file())
    env.update(
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost,grappe.example.org",
        CSRF_TRUSTED_ORIGINS="https://127.0.0.1,https://grappe.example.org",
        SITE_URL="https://grappe.example.org",
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_TEST_URL if redis else "",
        GRAPPE_VAR_DIR=str(tmp / "var"),
        STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),
        GRAPPE_BIND=bind,
        GRAPPE_WEB_WORKERS="2",
        GRAPPE_WEB_THREADS="2",
        DB_POOL_MAX_SIZE="2",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    env.update(extra)
    return env


def free_ports(count: int, offset: int = 0) -> list[int]:
    """Free ports of this test run's range (8200-8299 by default, 20 per xdist worker)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    base = int(os.environ.get("GRAPPE_TEST_PORT_BASE", "8200")) + 20 * (int(worker) if worker.isdigit() else 0)
    ports = []
    for port in range(base + offset, base + 20):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                ports.append(port)
        if len(ports) == count:
            return ports
    raise RuntimeError(f"not {count} free ports from {base + offset}")


def free_port(offset: int) -> int:
    return free_ports(1, offset)[0]


def run(argv: list[str], env: dict[str, str], cwd: Path, timeout: int = 180) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    assert result.returncode == 0, f"{argv}: {result.stderr[-3000:]}"
    return result


class Process:
    """A long-running command, its output in a file, stopped (with its children) at the end."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> None:
        self.log = log
        self._out = log.open("w")
        self.popen = subprocess.Popen(  # its own session, so stop() reaches gunicorn's workers too
            argv, env=env, cwd=cwd, stdout=self._out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        self._out.close()


def get(url: str, *, headers: dict[str, str] | None = None, timeout: float = 20) -> tuple[int, dict, bytes]:
    """GET without following redirects; (status, headers, body)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))
    request = urllib.request.Request(url, headers=headers or {})  # noqa: S310 (local test URLs)
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def wait_healthy(url: str, process: Process, timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.popen.poll() is None, process.output()[-3000:]
        try:
            status, _, body = get(url, timeout=5)
        except OSError:
            time.sleep(0.5)
            continue
        if status == 200:
            return json.loads(body)
        time.sleep(0.5)
    raise AssertionError(f"{url} never answered 200: {process.output()[-3000:]}")


def json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def shared_database_url(tmp: Path) -> str:
    """A URL other processes can use for pytest's test database (call inside django_db_blocker.unblock()).

    PostgreSQL: the test database itself. SQLite: pytest's database lives in memory, so a file
    copy of it (schema migrated, made with SQLite's backup API).
    """
    import sqlite3

    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    connection.ensure_connection()
    path = tmp / "grappe.sqlite3"
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)
    target.close()
    return f"sqlite:///{path}"


class Cluster:
    """Web servers (grappe-web.service's gunicorn) and task workers (grappe-worker@) on one database."""

    def __init__(
        self,
        tmp: Path,
        *,
        database_url: str,
        webs: int = 2,
        workers: int = 2,
        worker_args=(),
        pages: bool = False,
        **env: str,
    ) -> None:
        tmp.mkdir(parents=True, exist_ok=True)
        self.tmp = tmp
        self.ports = free_ports(webs)
        self.env = production_env(tmp, database_url=database_url, bind="", redis=True, **env)
        # Browsers reach the servers over plain HTTP (no TLS proxy here) while X-Forwarded-Proto
        # says HTTPS: their Origin is http://localhost:port, trusted for these tests only.
        origins = [self.env["CSRF_TRUSTED_ORIGINS"], *(f"http://localhost:{port}" for port in self.ports)]
        self.env["CSRF_TRUSTED_ORIGINS"] = ",".join(origins)
        web, worker = unit("grappe-web.service"), unit("grappe-worker@.service")
        if pages:  # pages need the collected static files (the web unit's ExecStartPre, shared here)
            for line in web["ExecStartPre"]:
                run(command(line), self.env, tmp)
        self.webs = [
            Process(command(web["ExecStart"][0]), {**self.env, "GRAPPE_BIND": f"127.0.0.1:{port}"}, tmp, tmp / f"web-{port}.log")
            for port in self.ports
        ]  # fmt: skip
        self.worker_ids = [f"{socket.gethostname()}-{chr(ord('a') + i)}" for i in range(workers)]
        self.workers = [
            Process([*command(worker["ExecStart"][0], instance=chr(ord("a") + i)), *worker_args], self.env, tmp,
                    tmp / f"worker-{i}.log")
            for i in range(workers)
        ]  # fmt: skip
        self.urls = [f"http://127.0.0.1:{port}" for port in self.ports]

    def __enter__(self) -> Cluster:
        try:
            for url, process in zip(self.urls, self.webs, strict=True):
                wait_healthy(url + "/health/", process)
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        for process in self.webs + self.workers:
            process.stop()
