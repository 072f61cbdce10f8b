"""POST /api/v1/workload/ with 10,000-record batches: records/s, the time of the same insert done
as one bare bulk insert, and the ratio (target: a batch in under 2 s, within 5× the bare insert).

Runs against DATABASE_URL (use PostgreSQL, with its own database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pr_bench_wl .venv/bin/python bench/workload_push.py [--batches 3]

Creates its own institution, 2,000 staff and an API key on first run (kept for later runs).
"""

from __future__ import annotations

import argparse
import datetime as dt
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
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402

from assessments.models import WorkloadMetric, WorkloadRecord  # noqa: E402
from personnel.models import Institution, InstitutionAPIKey, Region, Staff  # noqa: E402
from personnel.validators import compose_id_number  # noqa: E402

BATCH = 10_000
STAFF = 2_000
METRICS = ["outpatient_visit", "surgery_level2", "surgery_level4", "difficult_case", "consultation", "record_review"]


def setup() -> tuple[Institution, list[Staff]]:
    region, _ = Region.objects.get_or_create(code="BENCHWL", defaults={"name": "压测县"})
    hospital, _ = Institution.objects.get_or_create(
        code="BENCH-WL-H", defaults={"name": "压测医院", "kind": "head_hospital", "region": region}
    )
    if Staff.objects.filter(institution=hospital).count() < STAFF:
        people = []
        for i in range(STAFF):
            birth = dt.date(1970, 1, 1) + dt.timedelta(days=i // 400)
            people.append(
                Staff(
                    employee_no=f"WL{i:05d}",
                    name=f"压测{i}",
                    id_number=compose_id_number(area_code="659001", birth_date=birth, sequence=i % 400, is_male=True),
                    gender="male",
                    birth_date=birth,
                    category="clinical",
                    employment_type="established",
                    institution=hospital,
                )
            )
        Staff.objects.bulk_create(people, ignore_conflicts=True)
    return hospital, list(Staff.objects.filter(institution=hospital).order_by("pk")[:STAFF])


def batch(people: list[Staff], run: str) -> list[dict]:
    day = dt.date(2026, 3, 1)
    return [
        {
            ("id_number" if n % 3 else "employee_no"): (
                people[n % len(people)].id_number if n % 3 else people[n % len(people)].employee_no
            ),
            "date": (day + dt.timedelta(days=n % 28)).isoformat(),
            "metric": METRICS[n % len(METRICS)],
            "quantity": 1 + n % 5,
            "source_id": f"{run}-{n}",
        }
        for n in range(BATCH)
    ]


def bare_insert(hospital: Institution, people: list[Staff], run: str) -> float:
    metrics = dict(WorkloadMetric.objects.values_list("code", "pk"))
    day = dt.date(2026, 3, 1)
    objs = [
        WorkloadRecord(
            institution=hospital,
            staff_id=people[n % len(people)].pk,
            metric_id=metrics[METRICS[n % len(METRICS)]],
            date=day + dt.timedelta(days=n % 28),
            quantity=1 + n % 5,
            source_record_id=f"{run}-{n}",
        )
        for n in range(BATCH)
    ]
    start = time.perf_counter()
    with transaction.atomic():
        WorkloadRecord.objects.bulk_create(objs)
    elapsed = time.perf_counter() - start
    WorkloadRecord.objects.filter(source_record_id__startswith=f"{run}-").delete()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=3)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    hospital, people = setup()
    _, key = InstitutionAPIKey.objects.create_key(name="bench", institution=hospital)
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {key}")
    stamp = str(time.time_ns())
    print(f"database: {connection.vendor}, staff: {len(people)}, batch: {BATCH} records")
    pushes, bares = [], []
    for b in range(args.batches):
        run = f"{stamp}-{b}"
        records = batch(people, run)
        bares.append(bare_insert(hospital, people, f"bare-{run}"))
        start = time.perf_counter()
        response = client.post("/api/v1/workload/", records, content_type="application/json")
        elapsed = time.perf_counter() - start
        assert response.status_code == 201, response.content[:500]
        assert response.json()["created"] == BATCH
        pushes.append(elapsed)
        start = time.perf_counter()
        again = client.post("/api/v1/workload/", records, content_type="application/json")
        resend = time.perf_counter() - start
        assert again.json()["unchanged"] == BATCH
        print(
            f"batch {b + 1}: push {elapsed:.3f} s ({BATCH / elapsed:,.0f} records/s), "
            f"resend {resend:.3f} s (0 stored), bare bulk insert {bares[-1]:.3f} s, ratio {elapsed / bares[-1]:.1f}×"
        )
    push, bare = statistics.median(pushes), statistics.median(bares)
    print(
        f"median: push {push:.3f} s = {BATCH / push:,.0f} records/s; bare bulk insert {bare:.3f} s; "
        f"ratio {push / bare:.1f}× (target < 2 s and ≤ 5×)"
    )
    InstitutionAPIKey.objects.filter(name="bench", institution=hospital).delete()


if __name__ == "__main__":
    main()
