"""PostgreSQL restarted (pg_ctl -m fast) while `manage.py import_roster` is writing: the import's
transaction dies with its connection, the command ends with a clear Chinese message (no
traceback), no row of the file is in the database, and running it again imports every row."""

from __future__ import annotations

import subprocess
import time

import pytest

from .conftest import report
from .scenario import roster_file
from .servers import PYTHON, ROOT, django_env, manage

ROWS = 12_000


def _staff(pg, db) -> int:
    return pg.scalar("SELECT count(*) FROM personnel_staff", db)


def _writing(pg, db) -> bool:
    """The import's transaction has written (an xid is assigned) and not committed."""
    with pg.connect() as conn:
        return bool(
            conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND backend_xid IS NOT NULL "
                "AND pid <> pg_backend_pid()",
                [db],
            ).fetchone()[0]
        )


@pytest.mark.django_db  # the test database must exist: its schema seeds the throwaway one
def test_a_roster_import_interrupted_by_a_postgres_restart_writes_nothing_and_a_retry_imports_all(
    throwaway_pg, seeded_database, tmp_path
):
    db = "restart_import"
    url = seeded_database(db)
    env = django_env(DATABASE_URL=url)
    manage("shell", "-c", "from tests.faults.scenario import roster_site; roster_site()", env=env)
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(roster_file(ROWS))
    before = _staff(throwaway_pg, db)

    importing = subprocess.Popen(
        [PYTHON, "manage.py", "import_roster", str(path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not _writing(throwaway_pg, db):
        assert importing.poll() is None, f"the import ended before the restart: {importing.communicate()}"
        assert time.monotonic() < deadline, "the import never began writing"
        time.sleep(0.02)
    throwaway_pg.restart()
    out, err = importing.communicate(timeout=120)

    where = [line for line in err.splitlines() if 'File "' in line and ".venv" not in line]
    assert importing.returncode == 1, (out, err)
    assert "数据库连接中断，导入未完成，未写入任何数据" in err, where
    assert "Traceback" not in err
    assert _staff(throwaway_pg, db) == before  # no partial rows
    assert throwaway_pg.scalar("SELECT status FROM personnel_rosterimport ORDER BY id DESC LIMIT 1", db) == "failed"

    retry = manage("import_roster", str(path), env=env, check=False)
    assert retry.returncode == 0 and f"新增{ROWS}" in retry.stdout, (retry.stdout[-2000:], retry.stderr[-2000:])
    assert _staff(throwaway_pg, db) == before + ROWS
    report(
        f"PostgreSQL restarted mid-import: 1 restart while {ROWS:,} rows were being written; 0 rows left behind; "
        f"the retry imported {ROWS:,} rows",
        faults_injected=1,
        rows_compared=ROWS,
    )
