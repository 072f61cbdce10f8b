"""Backup and restore of the whole site: the database and the uploaded files (MEDIA_ROOT).

A backup is one tar file holding
- `database.dump` — `pg_dump --format=custom` of the PostgreSQL database, or `database.sqlite3` —
  a consistent copy made with SQLite's online backup API;
- `media/…` — every file under MEDIA_ROOT (evidence, signed agreements, imports);
- `manifest.json` — when, from which engine, the applied migrations and each table's row count.

Restore replaces the configured database's content with the backup (`pg_restore --clean
--if-exists --single-transaction`: all or nothing; SQLite: the backup API into the database file),
puts the files back under MEDIA_ROOT, and checks that every table has the row count of the
manifest."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that could not be done; the message is Chinese, for the operator."""


@dataclass
class RestoreResult:
    tables: dict[str, int]
    media_files: int


def _pg_env(db: dict) -> tuple[list[str], dict[str, str]]:
    args = ["--host", db.get("HOST") or "localhost", "--port", str(db.get("PORT") or 5432)]
    if db.get("USER"):
        args += ["--username", db["USER"]]
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(f"找不到 {name}，请安装与数据库版本一致的 PostgreSQL 客户端（postgresql-client）。")
    return found


def table_counts() -> dict[str, int]:
    """Every table of the database (Django's and the libraries'), with its row count."""
    with connection.cursor() as cursor:
        names = sorted(connection.introspection.table_names(cursor, include_views=False))
        quote = connection.ops.quote_name
        return {name: _count(cursor, quote(name)) for name in names}


def _count(cursor, quoted: str) -> int:
    cursor.execute(f"SELECT COUNT(*) FROM {quoted}")  # noqa: S608 - a quoted introspected table name
    return cursor.fetchone()[0]


def _migrations() -> dict[str, list[str]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        applied: dict[str, list[str]] = {}
        for app, name in cursor.fetchall():
            applied.setdefault(app, []).append(name)
        return applied


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def create_backup(output: Path) -> dict:
    """Write the backup tar to `output` (atomically: a partial file never takes its name)."""
    db = settings.DATABASES["default"]
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "engine": connection.vendor,
        "migrations": _migrations(),
        "tables": table_counts(),
    }
    media_root = Path(settings.MEDIA_ROOT)
    media_files = 0
    with tempfile.TemporaryDirectory(prefix="pinrentong-backup-") as work:
        dump = Path(work) / (PG_DUMP if connection.vendor == "postgresql" else SQLITE_COPY)
        if connection.vendor == "postgresql":
            args, env = _pg_env(db)
            result = subprocess.run(  # noqa: S603 - fixed arguments
                [_tool("pg_dump"), *args, "--format=custom", "--no-owner", "--file", str(dump), db["NAME"]],
                env=env,
                capture_output=True,
                text=True,
            )
            if result.returncode:
                raise BackupError(f"pg_dump 失败：{result.stderr.strip()}")
        elif connection.vendor == "sqlite":
            connection.ensure_connection()
            target = sqlite3.connect(dump)
            try:
                connection.connection.backup(target)  # consistent even while the site writes
            finally:
                target.close()
        else:
            raise BackupError(f"不支持备份 {connection.vendor} 数据库。")
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(dump, arcname=dump.name)
            if media_root.is_dir():
                for path in sorted(media_root.rglob("*")):
                    if path.is_file():
                        tar.add(path, arcname=f"media/{path.relative_to(media_root).as_posix()}")
                        media_files += 1
            manifest["media_files"] = media_files
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
        partial.replace(output)
    return manifest


def read_manifest(path: Path) -> dict:
    try:
        with tarfile.open(path, "r:*") as tar:
            return json.load(tar.extractfile(MANIFEST))
    except (OSError, tarfile.TarError, KeyError, ValueError) as error:
        raise BackupError(f"{path} 不是聘任通的备份文件：{error}") from error


def restore_backup(path: Path) -> RestoreResult:
    """Replace the configured database and MEDIA_ROOT's files with the backup's, then check every
    table's row count against the manifest."""
    path = Path(path)
    manifest = read_manifest(path)
    db = settings.DATABASES["default"]
    if manifest.get("engine") != connection.vendor:
        raise BackupError(f"备份来自 {manifest.get('engine')} 数据库，不能恢复到 {connection.vendor} 数据库。")
    with tempfile.TemporaryDirectory(prefix="pinrentong-restore-") as work, tarfile.open(path, "r:*") as tar:
        tar.extractall(work, filter="data")  # the data filter refuses absolute paths, '..' and links out
        work = Path(work)
        connections.close_all()
        if connection.vendor == "postgresql":
            args, env = _pg_env(db)
            result = subprocess.run(  # noqa: S603 - fixed arguments
                [
                    _tool("pg_restore"),
                    *args,
                    "--dbname",
                    db["NAME"],
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    str(work / PG_DUMP),
                ],  # fmt: skip
                env=env,
                capture_output=True,
                text=True,
            )
            if result.returncode:
                raise BackupError(f"pg_restore 失败，数据库未改动：{result.stderr.strip()}")
        else:
            source = sqlite3.connect(work / SQLITE_COPY)
            target = sqlite3.connect(db["NAME"])
            try:
                source.backup(target)
            finally:
                source.close()
                target.close()
        media = work / "media"
        restored_files = 0
        if media.is_dir():
            media_root = Path(settings.MEDIA_ROOT)
            for file in sorted(media.rglob("*")):
                if file.is_file():
                    destination = media_root / file.relative_to(media)
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(file, destination)
                    restored_files += 1
    counts = table_counts()
    expected = manifest["tables"]
    wrong = {t: (n, counts.get(t)) for t, n in expected.items() if counts.get(t) != n}
    if wrong:
        detail = "；".join(f"{t}：备份{n}行，恢复后{m}行" for t, (n, m) in sorted(wrong.items()))
        raise BackupError(f"恢复后的行数与备份不符：{detail}")
    return RestoreResult(tables=counts, media_files=restored_files)
