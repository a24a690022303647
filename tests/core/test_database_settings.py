"""Database settings are the same whatever way the database is named, and PostgreSQL gets a bounded pool."""

import json

import pytest

from tests.core.test_settings import _run

SHOW = """
import json
from django.conf import settings
from django.db import connection
db = settings.DATABASES["default"]
out = {"options": db.get("OPTIONS", {}), "conn_max_age": db["CONN_MAX_AGE"], "health": db["CONN_HEALTH_CHECKS"]}
if db["ENGINE"].endswith("sqlite3"):
    with connection.cursor() as c:
        out["journal_mode"] = c.execute("PRAGMA journal_mode").fetchone()[0]
        out["busy_timeout"] = c.execute("PRAGMA busy_timeout").fetchone()[0]
        out["synchronous"] = c.execute("PRAGMA synchronous").fetchone()[0]
print(json.dumps(out))
"""


def _show(**env):
    result = _run(["shell", "-v", "0", "-c", SHOW], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sqlite_named_by_database_url_gets_the_default_databases_settings(tmp_path):
    default = _show(GRAPPE_VAR_DIR=str(tmp_path / "a"), DATABASE_URL="")

    by_url = _show(GRAPPE_VAR_DIR=str(tmp_path / "b"), DATABASE_URL=f"sqlite:///{tmp_path}/other.sqlite3")

    assert by_url == default
    assert (by_url["journal_mode"], by_url["busy_timeout"], by_url["synchronous"]) == ("wal", 20000, 1)
    assert by_url["options"]["transaction_mode"] == "IMMEDIATE"
    assert by_url["conn_max_age"] == 0


@pytest.mark.parametrize("env", ["production", "development"])
def test_postgresql_gets_a_bounded_pool_outside_tests(tmp_path, env):
    shown = _show(
        GRAPPE_ENV=env,
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="grappe.example.org",
        GRAPPE_VAR_DIR=str(tmp_path),
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",  # never connected to
        DB_POOL_MAX_SIZE="3",
    )

    assert shown["options"]["pool"] == {"min_size": 1, "max_size": 3, "max_idle": 60, "timeout": 10}
    assert shown["conn_max_age"] == 0  # the pool keeps the connections; Django's persistence is off
    assert shown["health"] is True  # Django has the pool check each connection before lending it
