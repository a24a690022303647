"""Backups of the database and the uploaded files, and their restore into an empty database.

A backup is one directory ``grappe-YYYYMMDD-HHMMSS/`` holding ``database.dump`` (PostgreSQL:
``pg_dump --format=custom``) or ``database.sqlite3`` (SQLite: the online backup API, consistent
while Grappe runs), ``media.tar.gz`` (MEDIA_ROOT) and ``manifest.json`` (what, when, checksums).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone


class BackupError(Exception):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_args(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["--host", str(db.get("HOST") or "127.0.0.1"), "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"]} if db.get("PASSWORD") else dict(os.environ)
    return args, env


def _run(argv: list[str], env: dict[str, str]) -> None:
    tool = shutil.which(argv[0])
    if tool is None:
        raise BackupError(f"{argv[0]} is not installed (Debian: apt-get install postgresql-client).")
    result = subprocess.run([tool, *argv[1:]], env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{argv[0]} failed: {result.stderr.strip()[-2000:]}")


def create_backup(output: Path) -> Path:
    """Write a backup directory under ``output`` and return its path."""
    target = output / timezone.now().strftime("grappe-%Y%m%d-%H%M%S")
    target.mkdir(parents=True, exist_ok=False)
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        dump = target / "database.dump"
        args, env = _pg_args(db)
        _run(
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", *args, "--file", str(dump), db["NAME"]], env
        )
    elif connection.vendor == "sqlite":
        dump = target / "database.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(dump) as copy:
            connection.connection.backup(copy)
        copy.close()
    else:
        raise BackupError(f"no backup for the {connection.vendor} database")
    media = target / "media.tar.gz"
    with tarfile.open(media, "w:gz") as archive:
        root = Path(settings.MEDIA_ROOT)
        if root.exists():
            for path in sorted(root.rglob("*")):
                archive.add(path, arcname=str(path.relative_to(root)), recursive=False)
    manifest = {
        "created": timezone.now().isoformat(),
        "database": connection.vendor,
        "files": {path.name: _sha256(path) for path in (dump, media)},
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return target


def restore_backup(source: Path) -> None:
    """Restore a backup into the configured database, which must be empty, and into MEDIA_ROOT."""
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    for name, checksum in manifest["files"].items():
        if _sha256(source / name) != checksum:
            raise BackupError(f"{name} does not match its checksum in manifest.json: the backup is damaged.")
    if manifest["database"] != connection.vendor:
        raise BackupError(f"this backup is of a {manifest['database']} database, not {connection.vendor}.")
    if connection.introspection.table_names():
        raise BackupError("the database is not empty: restore a backup into a new, empty database.")
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.exists() and any(media_root.iterdir()):
        raise BackupError(f"MEDIA_ROOT ({media_root}) is not empty: restore into an empty directory.")
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        args, env = _pg_args(db)
        connection.close()
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", *args,
              "--dbname", db["NAME"], str(source / "database.dump")], env)  # fmt: skip
    else:
        connection.close()
        with sqlite3.connect(source / "database.sqlite3") as backup, sqlite3.connect(db["NAME"]) as live:
            backup.backup(live)
        backup.close()
        live.close()
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source / "media.tar.gz", "r:gz") as archive:
        archive.extractall(media_root, filter="data")
