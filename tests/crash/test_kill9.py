"""kill -9 of the web process during submit, publish and a decision, and of the task worker during an
engine run and the sending of letters, leaves no half state (issue 10, "Crash safety").

Each scenario starts the real process (``grappe runserver --noreload`` or ``grappe db_worker``) on
a file database of its own (SQLite, or PostgreSQL when ``DATABASE_URL`` points to it), with
``GRAPPE_PAUSE_AT`` naming a point inside the transaction (``grappe.core.jobs.pause_point``); once the
process reports it got there, it is killed with SIGKILL and the database is read from another process.
Marked ``crash``: ``make test`` runs them, ``-m "not crash"`` deselects them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import pytest
from django.urls import reverse

pytestmark = pytest.mark.crash

ROOT = Path(__file__).resolve().parents[2]
GRAPPE = str(Path(sys.executable).with_name("grappe"))
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # under xdist each worker has its own database and ports
PORTS = iter(range(8470 + 10 * int(WORKER.removeprefix("gw") or 0), 8500))  # the worktree's range is 8400-8499
CSRF = "crashtestcrashtestcrashtestcrash"  # a 32-character CSRF secret, in the cookie and the header


class World:
    def __init__(self, env: dict[str, str], tmp: Path, ids: dict[str, object]) -> None:
        self.env, self.tmp, self.ids = env, tmp, ids

    def read(self, code: str) -> object:
        """Evaluate Python in a fresh process against the crash database; ``result`` is printed as JSON."""
        script = "import json\n" + code + "\nprint('RESULT=' + json.dumps(result, default=str))"
        out = _grappe(["shell", "-c", script], self.env).stdout
        return json.loads(next(line for line in out.splitlines() if line.startswith("RESULT="))[7:])


def _grappe(args: list[str], env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [GRAPPE, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _database(tmp: Path) -> tuple[str, object]:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'crash.sqlite3'}", lambda: None
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_crash_{WORKER}"
    admin = urlunsplit(parts._replace(path="/postgres"))

    def run(sql: str) -> None:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    run(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path="/" + name)), lambda: run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crash")
    url, drop = _database(tmp)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_VERSION", "PYTEST_XDIST_WORKER")}
    env |= {
        "DATABASE_URL": url,
        "GRAPPE_ENV": "development",
        "GRAPPE_VAR_DIR": str(tmp / "var"),
        "PYTHONPATH": str(ROOT),
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "LOG_LEVEL": "ERROR",
    }
    _grappe(["migrate", "--noinput"], env)
    out = _grappe(["shell", "-c", (ROOT / "tests" / "crash" / "seed.py").read_text()], env).stdout
    yield World(env, tmp, json.loads(out.strip().splitlines()[-1]))
    drop()


def _wait(check, what: str, seconds: float = 90) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _kill_at(world: World, point: str, command: list[str], then=None) -> None:
    """Start ``command`` paused at ``point``; run ``then(port)`` once it listens; kill -9 at the point."""
    marker = world.tmp / f"{point}.reached"
    port = next(PORTS)
    env = world.env | {"GRAPPE_PAUSE_AT": point, "GRAPPE_PAUSE_FILE": str(marker)}
    args = [a.replace("{port}", str(port)) for a in command]
    with (world.tmp / f"{point}.log").open("w") as log:
        process = subprocess.Popen([GRAPPE, *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            if then is not None:
                _wait(lambda: _listening(port) or process.poll() is not None, f"the server on {port}")
                threading.Thread(target=then, args=(port,), daemon=True).start()
            _wait(lambda: marker.exists() or process.poll() is not None, f"{point} to be reached")
            assert marker.exists(), (world.tmp / f"{point}.log").read_text()[-3000:]
            os.kill(process.pid, signal.SIGKILL)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()


def _post(path: str, data: dict[str, str], session: str):
    def fire(port: int) -> None:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}",
            data=urlencode(data).encode(),
            headers={"Cookie": f"sessionid={session}; csrftoken={CSRF}", "X-CSRFToken": CSRF},
        )
        with contextlib.suppress(urllib.error.URLError, ConnectionError, OSError):  # the server dies under it
            urllib.request.urlopen(request, timeout=120)  # noqa: S310

    return fire


def _serve() -> list[str]:
    return ["runserver", "127.0.0.1:{port}", "--noreload", "--skip-checks"]


def _worker() -> list[str]:
    return ["db_worker", "--no-reload", "--interval", "0.2", "--no-startup-delay"]


def test_kill_during_submit_leaves_the_draft_untouched(world):
    code = world.ids["draft"]

    _kill_at(
        world, "submit.saved", _serve(), _post(reverse("submissions:submit", args=[code]), {}, world.ids["applicant"])
    )

    assert world.read(
        "from grappe.submissions.models import Proposal\nfrom grappe.core.models import AuditLog\n"
        f"p = Proposal.objects.get(code='{code}')\n"
        "result = [p.state, p.submitted_at, AuditLog.objects.filter(action='proposal.submitted').count()]"
    ) == ["draft", None, 0]


def test_kill_during_publish_leaves_no_assignment(world):
    run = world.ids["run"]

    _kill_at(world, "publish.assigned", _serve(), _post(reverse("review:publish", args=[run]), {}, world.ids["office"]))

    assert world.read(
        "from grappe.review.models import EngineRun, ReviewAssignment\n"
        f"result = [ReviewAssignment.objects.count(), EngineRun.objects.get(pk={run}).published_at]"
    ) == [0, None]


def test_kill_during_a_decision_leaves_neither_decision_nor_award(world):
    code = world.ids["to_decide"]
    data = {"outcome": "funded", "amount": "50000", "justification": "The board funds it after the review."}

    _kill_at(
        world, "decision.saved", _serve(), _post(reverse("selection:decision", args=[code]), data, world.ids["office"])
    )

    assert world.read(
        "from grappe.selection.models import Award, Decision\n"
        f"result = [Decision.objects.filter(proposal__code='{code}').count(), "
        f"Award.objects.filter(proposal__code='{code}').count()]"
    ) == [0, 0]


def test_kill_of_the_worker_during_an_affinity_run_saves_nothing_and_the_run_fails_then_restarts(world):
    run = world.read(
        "from grappe.calls.models import Call\nfrom grappe.review import services\n"
        f"result = services.start_run(Call.objects.get(code='{world.ids['closed']}'), kind='affinity', "
        "parameters={'backend': 'tfidf'}, actor=None).pk"
    )

    _kill_at(world, "affinity.saving", _worker())
    before = world.read(
        f"from grappe.review.models import Affinity, EngineRun\nresult = [Affinity.objects.count(), EngineRun.objects.get(pk={run}).state]"
    )
    time.sleep(1.2)
    _grappe(["fail-stale-runs"], world.env | {"GRAPPE_JOB_STALE_SECONDS": "1"})
    after = world.read(
        "from grappe.review.models import EngineRun\nfrom grappe.review import services\n"
        f"run = EngineRun.objects.get(pk={run})\nagain = services.restart_run(run, actor=None)\n"
        "result = [run.state, run.error[:35], again.state, again.restarted_from_id]"
    )

    assert before == [0, "running"]
    # The command writes the reason in the site's language (LANGUAGE_CODE, French).
    assert after == ["failed", "Le processus de tâches s'est arrêté", "queued", run]


def test_kill_of_the_worker_while_sending_marks_no_letter_sent_twice_and_the_sending_fails(world):
    letter = world.ids["letter"]
    world.read(
        "from grappe.calls.models import Call\nfrom grappe.selection import letters\n"
        f"result = letters.start_sending(Call.objects.get(code='{world.ids['closed']}'), actor=None).pk"
    )

    _kill_at(world, "letters.mailed", _worker())
    before = world.read(f"from grappe.selection.models import Letter\nresult = Letter.objects.get(pk={letter}).state")
    time.sleep(1.2)
    _grappe(["fail-stale-runs"], world.env | {"GRAPPE_JOB_STALE_SECONDS": "1"})
    after = world.read(
        "from grappe.selection.models import Letter, LetterSending\nfrom grappe.selection import letters\n"
        "failed = LetterSending.objects.get(restarted_from=None)\nagain = letters.restart_sending(failed, actor=None)\n"
        f"result = [failed.state, again.state, Letter.objects.get(pk={letter}).state]"
    )

    assert before == "sending"  # claimed and mailed, not marked sent: shown as "being sent" with a warning
    assert after == ["failed", "queued", "draft"]
