"""``python -m bench.load``: seed, serve with gunicorn, run the locust scenarios headless, print
per-page figures. Everything stays on 127.0.0.1 and stops by itself.

1. The demo seed on PostgreSQL, made once into a template database (``<name>_seed``, about a
   minute; ``--reseed`` redoes it), copied into the scratch database for each run.
2. The bench accounts (``bench/load/accounts.py``) on the copy.
3. gunicorn with production settings (``GRAPPE_ENV=production``, a throw-away secret key, static
   files collected into a temporary folder and served by WhiteNoise) on ``--port``.
4. locust headless for ``--run-time``, then the per-page table: requests, failures, p50, p95,
   max (ms), with the load average of the machine sampled during the run.

Example: ``python -m bench.load --users 50 --run-time 5m`` (figures in bench/README.md), or the
smoke run ``python -m bench.load --users 5 --run-time 10s``. The exit status is 1 if a request
failed.
"""

# ruff: noqa: S603 - the commands run are this venv's grappe, gunicorn and locust, with fixed arguments

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/load10"


def _run(args: list[str], env: dict[str, str], timeout: float) -> None:
    subprocess.run(args, env=env, cwd=ROOT, check=True, timeout=timeout, stdout=subprocess.DEVNULL)


def _admin(url: str, *statements: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def _exists(url: str, name: str) -> bool:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def prepare_database(url: str, *, reseed: bool, env: dict[str, str]) -> None:
    name = urlsplit(url).path.lstrip("/")
    template = f"{name}_seed"
    template_url = urlunsplit(urlsplit(url)._replace(path=f"/{template}"))
    if reseed or not _exists(url, template):
        print(f"seeding {template} (migrate, seed-demo)…", flush=True)
        _admin(url, f'DROP DATABASE IF EXISTS "{template}"', f'CREATE DATABASE "{template}"')
        seed_env = {**env, "DATABASE_URL": template_url, "GRAPPE_ENV": "development"}
        _run([str(BIN / "grappe"), "migrate", "--noinput"], seed_env, 900)
        _run([str(BIN / "grappe"), "seed-demo", "--quiet-accounts"], seed_env, 900)
    _admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    _run([str(BIN / "grappe"), "migrate", "--noinput"], {**env, "GRAPPE_ENV": "development"}, 900)


def make_accounts(path: Path, env: dict[str, str], *, applicants: int, reviewers: int) -> None:
    code = (
        "import django, pathlib; django.setup(); from bench.load import accounts; "
        f"d = accounts.write(pathlib.Path({str(path)!r}), applicants={applicants}, reviewers={reviewers}); "
        "print(len(d['applicants']), 'applicants,', len(d['reviewers']), 'reviewers')"
    )
    env = {**env, "GRAPPE_ENV": "development", "DJANGO_SETTINGS_MODULE": "grappe.settings"}
    subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True, timeout=600)


def _wait_for(port: int, server: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped before answering; see its log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer on 127.0.0.1:{port} within {seconds:.0f} s")


def warm_up(port: int, count: int) -> None:
    """A few requests first, so that the workers' start (imports, first connection) is not measured."""
    import urllib.request

    for _ in range(count):
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=60) as response:
            response.read()


class LoadAverage(threading.Thread):
    """The 1-minute load average every few seconds while the run lasts."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(5):
            self.samples.append(os.getloadavg()[0])


def _cpu_snapshot(server_group: int) -> dict[str, float]:
    """CPU seconds used so far: by the web server's processes, PostgreSQL's, everything else on
    the machine (from /proc, Linux only), and the machine's busy total."""
    tick = os.sysconf("SC_CLK_TCK")
    groups = {"gunicorn": 0.0, "postgres": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            comm = (entry / "comm").read_text().strip()
        except OSError:  # ended meanwhile
            continue
        used = (int(fields[11]) + int(fields[12])) / tick
        if int(fields[2]) == server_group:
            groups["gunicorn"] += used
        elif comm.startswith("postgres"):
            groups["postgres"] += used
    busy = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    idle = int(busy[3]) + int(busy[4])
    groups["machine"] = (sum(int(x) for x in busy[:8]) - idle) / tick
    return groups


def _seconds(run_time: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return int(run_time[:-1]) * units[run_time[-1]] if run_time[-1] in units else int(run_time)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def report(prefix: Path, logins: Path) -> int:
    """Print the per-page table from locust's CSV; return the number of failures."""
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    failures = 0
    print(f"\n{'page':<34} {'requests':>8} {'failures':>8} {'p50':>6} {'p95':>6} {'max':>6}  (ms)")
    for row in sorted(rows, key=lambda r: (r["Name"] == "Aggregated", r["Name"])):
        failures += int(row["Failure Count"]) if row["Name"] != "Aggregated" else 0
        print(
            f"{row['Name'][:34]:<34} {row['Request Count']:>8} {row['Failure Count']:>8} "
            f"{row['50%']:>6} {row['95%']:>6} {float(row['Max Response Time']):>6.0f}"
        )
    if logins.exists():
        for name, times in sorted(json.loads(logins.read_text(encoding="utf-8")).items()):
            failed = sum(1 for t in times if t == float("inf"))
            failures += failed
            print(
                f"{name + ' (while starting users)':<34} {len(times):>8} {failed:>8} {_percentile(times, 0.5):>6.0f} "
                f"{_percentile(times, 0.95):>6.0f} {max(times):>6.0f}"
            )
    failures_file = Path(f"{prefix}_failures.csv")
    if failures_file.exists():
        with open(failures_file, encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                print(f"  failure: {row['Name']}: {row['Error']} × {row['Occurrences']}")
    return failures


def main(argv: list[str] | None = None) -> int:  # noqa: PLR0915 - one linear script
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=2.0, help="users started per second")
    parser.add_argument(
        "--run-time",
        default="5m",
        help="measured time once every user is started, e.g. 10s, 5m (the run stops by itself)",
    )
    parser.add_argument("--port", type=int, default=8510, help="gunicorn's port on 127.0.0.1 (8500-8599 here)")
    parser.add_argument("--workers", type=int, default=5, help="gunicorn workers (2 × cores + 1)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--redis-url", default=os.environ.get("LOAD_REDIS_URL", ""), help="shared cache (optional)")
    parser.add_argument("--reseed", action="store_true", help="remake the seeded template database")
    parser.add_argument("--applicants", type=int, default=60)
    parser.add_argument("--reviewers", type=int, default=40)
    parser.add_argument("--out", default=str(ROOT / "var" / "bench" / "load"), help="CSV and logs")
    parser.add_argument(
        "--code",
        default=str(ROOT),
        help="folder whose grappe package gunicorn serves (e.g. an export of an older commit, for before/after)",
    )
    args = parser.parse_args(argv)
    if not 8500 <= args.port <= 8599:
        parser.error("--port: this workplace gives the load bench ports 8500-8599")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("GRAPPE_ENV", "PYTEST_VERSION")}
    env.update(DATABASE_URL=args.database_url, PYTHONPATH=str(ROOT))
    prepare_database(args.database_url, reseed=args.reseed, env=env)
    accounts = out / "accounts.json"
    make_accounts(accounts, env, applicants=args.applicants, reviewers=args.reviewers)

    static = Path(tempfile.mkdtemp(prefix="grappe-load-static-"))
    server_env = {
        **env,
        "GRAPPE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(static),
        "MEDIA_ROOT": str(static / "media"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
    }
    if args.redis_url:
        server_env["REDIS_URL"] = args.redis_url
    server_env["PYTHONPATH"] = args.code
    _run([str(BIN / "grappe"), "collectstatic", "--noinput"], server_env, 300)
    log = open(out / "gunicorn.log", "w", encoding="utf-8")  # noqa: SIM115 - closed below
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "grappe.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
            "--no-control-socket",  # gunicorn 27's default socket path is shared by every server of the user
        ],
        env=server_env,
        cwd=args.code,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    load = LoadAverage()
    try:
        _wait_for(args.port, server)
        warm_up(args.port, args.workers * 3)
        prefix = out / "run"
        before = os.getloadavg()
        cpu_before = _cpu_snapshot(server.pid)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        clock = time.monotonic()
        load.start()
        started = time.strftime("%Y-%m-%d %H:%M:%S")
        ramp = int(args.users / args.spawn_rate) + 1
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "bench" / "load" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.spawn_rate),
                "--run-time",
                f"{ramp + _seconds(args.run_time)}s",
                "--reset-stats",
                "--stop-timeout",
                "10",
                "--host",
                f"http://127.0.0.1:{args.port}",
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            env={**env, "LOAD_ACCOUNTS": str(accounts), "LOAD_LOGINS": str(out / "logins.json")},
            cwd=ROOT,
            check=False,
            timeout=ramp + _seconds(args.run_time) + 180,
            stdout=subprocess.DEVNULL,
        )
        cpu_after = _cpu_snapshot(server.pid)
        elapsed = time.monotonic() - clock
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = {key: cpu_after[key] - cpu_before.get(key, 0.0) for key in cpu_after}
        cpu["locust"] = children.ru_utime + children.ru_stime - children_before.ru_utime - children_before.ru_stime
    finally:
        load.stop.set()
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        log.close()
    failures = report(prefix, out / "logins.json")
    samples = load.samples or [os.getloadavg()[0]]
    print(
        f"\n{args.users} users (spawn {args.spawn_rate}/s, then {args.run_time} measured) from {started}; gunicorn "
        f"{args.workers} workers × {args.threads} threads; cache: {'Redis' if args.redis_url else 'per process'}; "
        f"load average 1 min before {before[0]:.2f}, during min {min(samples):.2f} / "
        f"mean {sum(samples) / len(samples):.2f} / max {max(samples):.2f} on {os.cpu_count()} cores"
    )
    others = cpu["machine"] - cpu["gunicorn"] - cpu["postgres"] - cpu["locust"]
    print(
        f"CPU seconds during the run (users starting included): gunicorn {cpu['gunicorn']:.0f}, PostgreSQL "
        f"{cpu['postgres']:.0f}, locust {cpu['locust']:.0f}, everything else {others:.0f}; the machine "
        f"{cpu['machine']:.0f} of {(os.cpu_count() or 1) * elapsed:.0f} available ({elapsed:.0f} s)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
