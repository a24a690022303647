"""`grappe backup` then `grappe restore` into an empty database finds the same records and files."""

import json
import sqlite3

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.deploy import servers
from tests.factories import ProposalFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _counts(cursor, tables):
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 (table names from introspection)
        counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def empty_database(tmp_path):
    """A new, empty database of this run's kind, and a way to count its rows; dropped afterwards."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield f"sqlite:///{path}", lambda tables: _counts(sqlite3.connect(path).cursor(), tables)
        return
    import psycopg

    db = connection.settings_dict
    name = f"{db['NAME']}_restore"
    admin = psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                            password=db["PASSWORD"] or None, dbname="postgres", autocommit=True)  # fmt: skip
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    url = servers.shared_database_url(tmp_path).rsplit("/", 1)[0] + f"/{name}"

    def count(tables):
        with psycopg.connect(url.replace("postgres://", "postgresql://")) as restored:
            return _counts(restored.cursor(), tables)

    yield url, count
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def test_backup_restored_into_an_empty_database_has_the_same_records_and_files(tmp_path, settings, empty_database):
    settings.MEDIA_ROOT = tmp_path / "media"
    proposals = [ProposalFactory(title=f"Backed-up proposal {i}") for i in range(3)]
    attachment = settings.MEDIA_ROOT / "proposals" / proposals[0].code / "1-abc.pdf"
    attachment.parent.mkdir(parents=True)
    attachment.write_bytes(b"%PDF-1.7 a proposal")
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        before = _counts(cursor, tables)
    call_command("backup", output=tmp_path / "backups")
    (backup,) = (tmp_path / "backups").iterdir()
    url, count = empty_database
    env = servers.production_env(
        tmp_path, database_url=url, bind="", redis=False, MEDIA_ROOT=str(tmp_path / "restored")
    )

    result = servers.run([str(servers.BIN / "grappe"), "restore", str(backup)], env, tmp_path)

    after = count(tables)
    assert result.stdout.strip() == f"Restored {backup}"
    assert after == before
    assert after["submissions_proposal"] == 3
    assert (
        tmp_path / "restored" / "proposals" / proposals[0].code / "1-abc.pdf"
    ).read_bytes() == b"%PDF-1.7 a proposal"
    assert json.loads((backup / "manifest.json").read_text())["database"] == connection.vendor


def test_restore_refuses_a_database_that_is_not_empty_and_a_damaged_backup(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("backup", output=tmp_path / "backups")
    (backup,) = (tmp_path / "backups").iterdir()

    with pytest.raises(CommandError, match="the database is not empty"):
        call_command("restore", str(backup))
    with (backup / "media.tar.gz").open("ab") as damaged:
        damaged.write(b"x")
    with pytest.raises(CommandError, match=r"media.tar.gz does not match its checksum"):
        call_command("restore", str(backup))
