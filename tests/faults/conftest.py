"""Fixtures of the fault tests: a throwaway PostgreSQL cluster and a throwaway Redis (started by
the tests, killed and restarted by them — never the shared servers), the test database copied into
the cluster with pg_dump/pg_restore, and a tally of what the tests did (printed at the end)."""

from __future__ import annotations

import os
import subprocess
from collections import Counter

import pytest
from django.db import connection

from tests.demotions.conftest import assess, senior  # noqa: F401 - the 能上能下 fixtures, reused
from tests.demotions.workflow.conftest import _media, actors, case, flow  # noqa: F401

from .servers import ThrowawayPostgres, ThrowawayRedis, django_env, manage, pg_bin, tools_missing

TALLY: Counter = Counter()
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
postgres_only = pytest.mark.skipif(not ON_POSTGRES, reason="runs on PostgreSQL (DATABASE_URL)")
LINES: list[str] = []


def report(line: str, **counts: int) -> None:
    """One line of what a fault test did, printed in the terminal summary, and its counts added up."""
    LINES.append(line)
    TALLY.update(counts)


def pytest_terminal_summary(terminalreporter):
    if LINES:
        terminalreporter.section("faults: injected, compared, requested")
        for line in LINES:
            terminalreporter.write_line(line)
        terminalreporter.write_line("total: " + ", ".join(f"{k} {v}" for k, v in sorted(TALLY.items())))


def pytest_collection_modifyitems(config, items):
    reason = "" if ON_POSTGRES else "fault tests run on PostgreSQL (DATABASE_URL)"
    reason = reason or tools_missing()
    if not reason:
        return
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here) and getattr(item.module, "NEEDS_THROWAWAY_SERVERS", True):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def throwaway_pg():
    server = ThrowawayPostgres().start()
    yield server
    server.stop()


# The data migrations (RunPython) whose rows the tests need, by module and function.
SEED_MIGRATIONS = (
    ("personnel.migrations.0002_seed_post_grades", "seed"),
    ("assessments.migrations.0002_seed_workload_metrics", "add_metrics"),
)
SEED = "import importlib; from django.apps import apps; " + "; ".join(
    f"importlib.import_module({m!r}).{f}(apps, None)" for m, f in SEED_MIGRATIONS
)
# Rows migrate writes outside data migrations: which migrations ran, and post_migrate's rows.
MIGRATE_TABLES = ("django_migrations", "django_content_type", "auth_permission")


@pytest.fixture(scope="session")
def _seeded_template(throwaway_pg, django_db_setup):
    """A database as `migrate` leaves it, in the throwaway cluster: the test database's schema, its
    migration records, content types and permissions (its other rows may be anything by now) and
    the data migrations' rows — a template for fresh databases in seconds, not a migrate's minute."""
    url = copy_test_database(throwaway_pg, "seeded", schema_only=True)
    env = django_env(DATABASE_URL=url)
    manage("shell", "-c", SEED, env=env)
    return url


@pytest.fixture
def seeded_database(throwaway_pg, _seeded_template):
    """seeded_database(name) → the URL of a new database of the throwaway cluster, as migrated."""

    def make(name: str) -> str:
        return throwaway_pg.create_database(name, template="seeded")

    return make


@pytest.fixture
def throwaway_redis():
    server = ThrowawayRedis().start()
    yield server
    server.stop()


def copy_test_database(target: ThrowawayPostgres, name: str, *, schema_only: bool = False) -> str:
    """The pytest database as it is now (committed rows: use transactional tests) restored into a
    new database of the throwaway cluster; returns its URL.  Ids are kept."""
    db = connection.settings_dict
    source = db["NAME"] if db["NAME"].startswith("test_") else connection.creation._get_test_db_name()
    target.create_database(name)
    host = [
        "--host",
        db["HOST"] or "127.0.0.1",
        "--port",
        str(db["PORT"] or 5432),
        "--username",
        db["USER"] or "postgres",
    ]
    dump = [pg_bin("pg_dump"), *host, "--format=custom", "--no-owner"]
    # schema_only: the tables, and the rows migrate itself writes
    parts = [
        [*dump, "--schema-only", source],
        [*dump, "--data-only", *(f"--table={t}" for t in MIGRATE_TABLES), source],
    ]
    into = ["--host", "127.0.0.1", "--port", str(target.port), "--username", "postgres", "--dbname", name]
    restore = [pg_bin("pg_restore"), *into, "--no-owner", "--no-privileges", "--exit-on-error"]
    for part in parts if schema_only else [[*dump, source]]:
        data = subprocess.run(part, check=True, capture_output=True).stdout
        subprocess.run(restore, input=data, check=True, capture_output=True)
    return target.url(name)
