"""Scale-out on shared parts: two web servers and two task workers against one PostgreSQL and one Redis.

Each web server is grappe-web.service's gunicorn on its own port, each worker a
grappe-worker@ instance; nothing but PostgreSQL, Redis and the media directory is shared.
PostgreSQL only: SQLite is one machine's file (these tests skip on it, with the reason).
"""

from __future__ import annotations

import json
import secrets
import threading
import time

import pytest
from django.db import connection
from django.test import Client

from grappe.review.models import EngineRun, RunKind, RunState
from tests.deploy import servers
from tests.review.conftest import pool, proposals, review_call  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shared_url(transactional_db, tmp_path, settings):
    settings.SECRET_KEY = servers.SECRET_KEY  # sessions made here are read by the servers
    if connection.vendor != "postgresql":
        pytest.skip("scale-out needs PostgreSQL (set DATABASE_URL=postgres://…); SQLite is one machine's file")
    if not servers.redis_available():
        pytest.skip("scale-out needs Redis at 127.0.0.1:6379 for the shared cache")
    return servers.shared_database_url(tmp_path)


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)  # stored in the database: every web server reads it
    return client.cookies["sessionid"].value


def _post(url: str, path: str, session: str) -> tuple[int, str]:
    """A form POST as the browser sends it over HTTPS through the proxy (CSRF cookie + header, Referer)."""
    import urllib.request

    token = secrets.token_hex(16)
    request = urllib.request.Request(  # noqa: S310 (local test server)
        url + path,
        data=b"backend=tfidf",
        method="POST",
        headers={
            "Cookie": f"sessionid={session}; csrftoken={token}",
            "X-CSRFToken": token,
            "X-Forwarded-Proto": "https",
            "Referer": url.replace("http://", "https://") + "/",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=30) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


def test_two_runs_started_at_once_on_two_web_servers_run_once_each_on_different_workers(
    shared_url,
    tmp_path,
    review_call,  # noqa: F811 (fixture imported above)
    proposals,  # noqa: F811
    pool,  # noqa: F811
    office,
):
    from django_tasks_db.models import DBTaskResult

    session = _session_cookie(office)
    path = f"/office/calls/{review_call.code}/review/affinity/"
    # Each worker takes one task and stops, so the second run can only be taken by the other worker.
    with servers.Cluster(tmp_path / "cluster", database_url=shared_url, worker_args=["--max-tasks", "1"]) as cluster:
        answers = [None, None]

        def start(index: int) -> None:
            answers[index] = _post(cluster.urls[index], path, session)

        threads = [threading.Thread(target=start, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        deadline = time.monotonic() + (180 if [status for status, _ in answers] == [302, 302] else 0)
        while time.monotonic() < deadline and any(w.popen.poll() is None for w in cluster.workers):
            time.sleep(0.5)
        logs = [worker.output() for worker in cluster.workers]

    runs = list(EngineRun.objects.filter(call=review_call, kind=RunKind.AFFINITY).order_by("pk"))
    results = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [status for status, _ in answers] == [302, 302]
    assert sorted(location for _, location in answers) == [f"/office/review/runs/{run.pk}/" for run in runs]
    assert [run.state for run in runs] == [RunState.DONE, RunState.DONE], logs
    assert [result.status for result in results] == ["SUCCESSFUL", "SUCCESSFUL"]
    assert sorted(tuple(result.worker_ids) for result in results) == [(wid,) for wid in cluster.worker_ids]
    assert sorted(result.args_kwargs["args"][0] for result in results) == [run.pk for run in runs]
    for log in logs:
        finished = [line for line in servers.json_lines(log) if "state=SUCCESSFUL" in line["message"]]
        assert len(finished) == 1, log


def test_connections_stay_within_the_pools_and_idle_ones_close_under_60_concurrent_requests(shared_url, tmp_path):
    import concurrent.futures

    import psycopg

    samples = []
    done = threading.Event()

    def sample() -> None:  # its own connection, excluded from the count
        with psycopg.connect(shared_url.replace("postgres://", "postgresql://")) as watcher:
            while not done.is_set():
                samples.append(watcher.execute(COUNT).fetchone()[0])
                time.sleep(0.05)

    with servers.Cluster(tmp_path / "cluster", database_url=shared_url, workers=1, DB_POOL_MAX_IDLE="2") as cluster:
        watcher = threading.Thread(target=sample)
        watcher.start()
        urls = [cluster.urls[i % 2] + "/health/" for i in range(60)]
        with concurrent.futures.ThreadPoolExecutor(max_workers=60) as executor:
            answers = list(executor.map(servers.get, urls))
        time.sleep(6)  # idle connections older than DB_POOL_MAX_IDLE are closed, down to DB_POOL_MIN_SIZE
        done.set()
        watcher.join()
        with connection.cursor() as cursor:
            cursor.execute(COUNT)
            idle = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute(COUNT)
        after = cursor.fetchone()[0]

    assert [status for status, _, _ in answers] == [200] * 60
    assert {json.loads(body)["cache"]["backend"] for _, _, body in answers} == {"RedisCache"}
    # 2 web servers × 2 gunicorn workers × DB_POOL_MAX_SIZE=2, plus 1 task worker × 2.
    assert 1 <= max(samples) <= 2 * 2 * 2 + 2, samples
    assert idle <= 2 * 2 + 1, idle  # DB_POOL_MIN_SIZE=1 in each of the 5 processes
    assert after == 0  # stopping the processes closed every connection


COUNT = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
