"""Staff list page and /api/v1/staff/: SQL queries and latency by page size and role.

Runs against whatever DATABASE_URL says (SQLite by default) with the demo county loaded
(`manage.py load_demo`; loaded here if the database has no staff).  Prints one row per
(endpoint, role, page size): queries issued, median and p95 milliseconds over N runs.

    .venv/bin/python bench/staff_list.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from personnel.models import Staff, User  # noqa: E402


def measure(client: Client, url: str, runs: int) -> tuple[int, float, float]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    queries = len(ctx.captured_queries)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return queries, statistics.median(timings), timings[max(int(len(timings) * 0.95) - 1, 0)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not Staff.objects.exists():
        call_command("load_demo", verbosity=0)
    print(f"database: {connection.vendor}, staff: {Staff.objects.count()}")
    print(f"{'endpoint':<44} {'role':<18} {'size':>5} {'queries':>8} {'median ms':>10} {'p95 ms':>8}")
    for username in ("admin", "hr"):
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        for size in (10, 50, 200, 500):
            for label, url in (
                ("/staff/", f"/staff/?page_size={size}"),
                ("/staff/ filtered (临床, 在岗)", f"/staff/?page_size={size}&category=clinical&status=on_duty"),
                ("/api/v1/staff/", f"/api/v1/staff/?page_size={size}"),
                ("/api/v1/staff/?q=", f"/api/v1/staff/?page_size={size}&q=%E9%98%BF"),
            ):
                queries, median, p95 = measure(client, url, args.runs)
                print(f"{label:<44} {user.get_role_display():<18} {size:>5} {queries:>8} {median:>10.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
