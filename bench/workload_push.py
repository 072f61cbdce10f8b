"""POST /api/v1/workload/ with 10,000-record batches: records/s, the time of the same insert done
as one bare bulk insert, and the ratio (target: a batch in under 2 s, within 5× the bare insert).

Runs against DATABASE_URL (use PostgreSQL, with its own database):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pr_bench_wl .venv/bin/python bench/workload_push.py [--batches 3]

Creates its own institution, 2,000 staff and an API key on first run (kept for later runs).

With `--db NAME` it pushes into the biggest hospital of the generated province (bench/generate.py)
with that hospital's HIS key, compares with a bare COPY of the same rows, removes what it stored,
and writes bench/results/workload_push.json.
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
sys.path.insert(0, str(Path(__file__).resolve().parent))
import _province as P  # noqa: E402

PROVINCE_DB = P.db_from_argv()  # --db NAME: the generated province (bench/generate.py); cleaned up after
if PROVINCE_DB:
    os.environ["DATABASE_URL"] = P.PG + PROVINCE_DB
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

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


def province_main(args) -> None:
    """Batches of 10,000 through POST /api/v1/workload/ with the big hospital's HIS key, against a
    bare COPY of the same resolved rows; everything stored is deleted afterwards."""
    description = P.province(PROVINCE_DB)
    ids = description["ids"]
    hospital = Institution.objects.get(pk=ids["big_hospital"])
    people = list(Staff.objects.filter(institution=hospital, status="on_duty").order_by("pk")[:STAFF])
    settings.ALLOWED_HOSTS = ["*"]
    client = Client(HTTP_AUTHORIZATION=f"Api-Key {ids['big_hospital_his_key']}")
    metrics = dict(WorkloadMetric.objects.values_list("code", "pk"))
    stamp = f"bench-{time.time_ns()}"
    before = WorkloadRecord.objects.count()
    print(
        f"database: {PROVINCE_DB} (scale {description['scale']}), hospital {hospital.name} "
        f"({len(people)} people used), {before:,} workload records; batch {BATCH}  ({P.load_average()})"
    )
    pushes, bares, resends, queries = [], [], [], 0
    # A warm process (as a server's is): the first request imports the URLconf and the views (~1.7 s).
    assert client.get("/api/v1/workload/?page_size=1").status_code == 200
    try:
        for b in range(args.batches):
            run = f"{stamp}-{b}"
            records = batch(people, run)
            rows = [
                (
                    hospital.pk,
                    people[n % len(people)].pk,
                    metrics[METRICS[n % len(METRICS)]],
                    r["date"],
                    r["quantity"],
                    f"bare-{r['source_id']}",
                    timezone.now(),
                )
                for n, r in enumerate(records)
            ]
            start = time.perf_counter()
            with transaction.atomic():
                P.copy_rows(
                    "assessments_workloadrecord",
                    ["institution_id", "staff_id", "metric_id", "date", "quantity", "source_record_id", "created_at"],
                    rows,
                )
            bares.append(time.perf_counter() - start)
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                response = client.post("/api/v1/workload/", records, content_type="application/json")
                pushes.append(time.perf_counter() - start)
            assert response.status_code == 201, response.content[:500]
            assert response.json()["created"] == BATCH
            queries = len(captured.captured_queries)
            start = time.perf_counter()
            again = client.post("/api/v1/workload/", records, content_type="application/json")
            resends.append(time.perf_counter() - start)
            assert again.json()["unchanged"] == BATCH
            print(
                f"batch {b + 1}: push {pushes[-1]:.3f} s ({BATCH / pushes[-1]:,.0f} records/s, {queries} queries), "
                f"resend {resends[-1]:.3f} s, bare COPY {bares[-1]:.3f} s, ratio {pushes[-1] / bares[-1]:.1f}×"
            )
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM assessments_workloadrecord WHERE institution_id = %s "
                "AND (source_record_id LIKE %s OR source_record_id LIKE %s)",
                [hospital.pk, f"{stamp}-%", f"bare-{stamp}-%"],
            )
    assert WorkloadRecord.objects.count() == before
    push, bare, resend = statistics.median(pushes), statistics.median(bares), statistics.median(resends)
    ratio = push / bare
    print(
        f"median of {args.batches}: push {push:.3f} s = {BATCH / push:,.0f} records/s; bare COPY {bare:.3f} s; "
        f"ratio {ratio:.1f}× (target < 2 s and ≤ 5×); resend {resend:.3f} s; removed again  ({P.load_average()})"
    )
    common = {"bench": "workload_push", "unit": "s", "queries": queries}
    path = P.write_results(
        "workload_push",
        [
            {
                **common,
                "case": f"HIS batch of {BATCH:,} records, POST /api/v1/workload/ (HIS key)",
                "figure": round(push, 3),
                "target": "< 2 s",
                "met": push < 2 and ratio <= 5,
                "bound": "bare COPY of the same resolved rows",
                "bound_figure": round(bare, 3),
                "ratio": round(ratio, 1),
                "ratio_target": "≤ 5×",
                "notes": f"median of {args.batches} batches into {hospital.name}; {P.load_average()}",
            },
            {
                **common,
                "case": f"the same batch resent (idempotent, {BATCH:,} unchanged)",
                "figure": round(resend, 3),
                "target": "< 2 s",
                "met": resend < 2,
                "notes": "nothing written",
            },
        ],
    )
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--db", help="the generated province (bench/generate.py); what is pushed is removed after")
    args = parser.parse_args()
    if PROVINCE_DB:
        province_main(args)
        return
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
