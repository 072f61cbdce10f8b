"""manage.py backup / restore: a database filled by the demo loaders (and an uploaded file) is
backed up, restored into a fresh, empty database, and every table compared — row count and a
checksum of its rows — with the original.  PostgreSQL: pg_dump/pg_restore on the throwaway cluster;
SQLite: the online backup API."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest
from django.core.management import call_command
from django.db import connection

from .conftest import ON_POSTGRES, postgres_only, report
from .servers import PYTHON, ROOT, django_env, manage

NEEDS_THROWAWAY_SERVERS = False  # each test picks its engine

CHECKSUM = (
    "SELECT count(*), md5(coalesce(string_agg(r, '|' ORDER BY r), '')) "
    'FROM (SELECT md5(t::text) AS r FROM "{table}" t) rows'
)


def _tables(pg, db) -> dict[str, tuple[int, str]]:
    with pg.connect(db) as conn:
        names = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        return {n: tuple(conn.execute(CHECKSUM.format(table=n)).fetchone()) for n in sorted(names)}


@postgres_only
@pytest.mark.django_db  # the test database must exist: its schema seeds the throwaway one
def test_a_postgres_backup_restores_into_a_fresh_database_with_every_row(throwaway_pg, seeded_database, tmp_path):
    source_media, target_media = tmp_path / "media", tmp_path / "restored-media"
    (source_media / "demotions" / "evidence").mkdir(parents=True)
    (source_media / "demotions" / "evidence" / "会议纪要.pdf").write_bytes(b"%PDF-1.4 minutes\n")
    source = django_env(DATABASE_URL=seeded_database("backup_source"), MEDIA_ROOT=str(source_media))
    for loader in (("load_demo",), ("load_demotion_demo",)):
        manage(*loader, env=source)
    archive = tmp_path / "pinrentong.tar.gz"
    made = manage("backup", "--output", str(archive), env=source)
    assert "已备份" in made.stdout

    fresh = throwaway_pg.create_database("backup_restored")  # empty: no tables at all
    target = django_env(DATABASE_URL=fresh, MEDIA_ROOT=str(target_media))
    restored = manage("restore", "--input", str(archive), "--noinput", env=target)
    assert "行数与备份一致" in restored.stdout

    before, after = _tables(throwaway_pg, "backup_source"), _tables(throwaway_pg, "backup_restored")
    assert after == before
    rows = sum(n for n, _ in before.values())
    assert rows > 10_000 and before["personnel_staff"][0] > 1000
    assert (target_media / "demotions" / "evidence" / "会议纪要.pdf").read_bytes() == b"%PDF-1.4 minutes\n"
    report(
        f"backup/restore (PostgreSQL): {len(before)} tables, {rows:,} rows compared by count and checksum, "
        "1 uploaded file: identical",
        rows_compared=rows,
    )


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(tmp_path, settings):
    bogus = tmp_path / "not-a-backup.tar.gz"
    bogus.write_bytes(b"PK\x03\x04 not a tar")
    env = django_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = subprocess.run(
        [PYTHON, "manage.py", "restore", "--input", str(bogus), "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "不是聘任通的备份文件" in result.stderr
    assert not (tmp_path / "db.sqlite3").exists() or (tmp_path / "db.sqlite3").stat().st_size == 0


@pytest.mark.skipif(ON_POSTGRES, reason="the SQLite backup API path; PostgreSQL has its own test")
@pytest.mark.django_db(transaction=True)
def test_a_sqlite_backup_restores_into_a_fresh_file_with_every_row(world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    archive = tmp_path / "backup.tar.gz"
    call_command("backup", "--output", str(archive))
    target = tmp_path / "restored.sqlite3"
    env = django_env(DATABASE_URL=f"sqlite:///{target}", MEDIA_ROOT=str(tmp_path / "restored-media"))
    restored = manage("restore", "--input", str(archive), "--noinput", env=env)
    assert "行数与备份一致" in restored.stdout

    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    # Plain sqlite3 connections on both sides (Django's converts dates and booleans on read).
    source = sqlite3.connect(connection.settings_dict["NAME"], uri=True)
    copy = sqlite3.connect(target)
    before, after = (
        {name: db.execute(f'SELECT * FROM "{name}" ORDER BY 1').fetchall() for name in names}  # noqa: S608
        for db in (source, copy)
    )
    source.close()
    copy.close()
    assert after == before
    rows = sum(len(r) for r in before.values())
    assert rows > 50
    report(
        f"backup/restore (SQLite): {len(names)} tables, {rows} rows compared row by row: identical", rows_compared=rows
    )
