"""Commission dashboard benchmark (issue 8).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pr_dash_bench .venv/bin/python bench/dashboard.py [--staff N]

Builds a county in a fresh PostgreSQL schema (migrate): 20 hospitals with 6 departments each and
200 township health centres (with their served population), then, for a small size (N/10) and for
N (default 100,000) staff, COPYs in their titles (one or two each), appointments under post quotas,
six monthly assessment periods (2026-06 … 2026-11, the last one open and partly submitted),
rectifications and demotion cases in every state, township demand and secondments, talent budgets
and contracts (some at risk), and a year-end-2025 Staff history for the grassroots trend.  After a
VACUUM ANALYZE it requests, as the commission admin through Django's test client, the dashboard
page (computed: ?fresh=1, and as kept per scope for a few minutes), the grassroots-indicators page
and the monthly report's JSON, each 5 times, and prints the median server time and the query count
at both sizes (the counts must be equal).  `--measure-only` times the pages on the data built.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pr_dash_bench")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from appointments.models import Appointment  # noqa: E402
from assessments.choices import PeriodKind, SchemeKind  # noqa: E402
from assessments.models import Assessment, AssessmentPeriod, Scheme  # noqa: E402
from assessments.rules import period_bounds  # noqa: E402
from demotions.choices import CaseState  # noqa: E402
from demotions.models import DemotionCase, Rectification  # noqa: E402
from personnel.choices import InstitutionKind, Role  # noqa: E402
from personnel.models import (  # noqa: E402
    Department,
    Institution,
    PolicyVersion,
    PostGrade,
    PostQuota,
    Region,
    Staff,
    Title,
    User,
)
from personnel.validators import compose_id_number  # noqa: E402
from secondments.models import Demand, Secondment  # noqa: E402
from talent.models import Budget, Contract, Expert, TerminationItem  # noqa: E402

POLICY = {
    "appointment_term_years": 2,
    "rectification_months": 3,
    "consecutive_failed_quarters": 2,
    "annual_grade_trigger": "基本合格",
    "refusals_for_case": 2,
    "accident_level_trigger": 2,
    "quantified_score_min_weight": "0.70",
    "publicity_working_days": 5,
    "grassroots_workers_per_10k": 35,
    "grassroots_workers_growth": "0.05",
    "township_senior_post_ratio": "0.20",
    "backbone_ratio": "0.10",
    "secondment_share_of_hires": "0.80",
}
HOSPITALS, TOWNSHIPS = 20, 200
DEPARTMENTS = ("内科", "外科", "儿科", "妇产科", "急诊科", "医技科")
LEVELS = [("主任医师", "senior"), ("副主任医师", "associate_senior"), ("主治医师", "intermediate"), ("医师", "junior")]
GRADE_OF_LEVEL = {
    "senior": [2, 3, 4],
    "associate_senior": [5, 6, 7],
    "intermediate": [8, 9, 10],
    "junior": [11, 12, 13],
}
MONTHS = range(6, 12)  # 2026-06 … 2026-11 (the last one open)
GRADES = ["excellent"] * 2 + ["qualified"] * 14 + ["basic", "unqualified"]


def copy_rows(model, columns: list[str], rows) -> int:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def prepare_database() -> dict:
    if connection.vendor != "postgresql":
        sys.exit("The benchmark measures PostgreSQL: set DATABASE_URL=postgres://…/pr_dash_bench")
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    region = Region.objects.create(name="基准县", code="659999")
    policy = PolicyVersion.objects.create(
        region=region, name="基准政策", effective_from=dt.date(2020, 1, 1), data=POLICY
    )
    commission = Institution.objects.create(
        name="基准县卫健委", code="BWJW", kind=InstitutionKind.COMMISSION, region=region
    )
    rng = random.Random(8)
    hospitals, townships, departments = [], [], {}
    for i in range(HOSPITALS):
        h = Institution.objects.create(
            name=f"基准医院{i:02d}", code=f"BH{i}", kind=InstitutionKind.HEAD_HOSPITAL, parent=commission, region=region
        )
        hospitals.append(h.pk)
        departments[h.pk] = [Department.objects.create(institution=h, name=d, code=f"{d}{i}").pk for d in DEPARTMENTS]
    for i in range(TOWNSHIPS):
        t = Institution.objects.create(
            name=f"基准乡{i:03d}卫生院",
            code=f"BT{i}",
            kind=InstitutionKind.TOWNSHIP_CENTRE,
            parent=commission,
            region=region,
            population=rng.randrange(8000, 60000),
        )
        townships.append(t.pk)
        departments[t.pk] = [None]
    scheme = Scheme.objects.create(
        region=region, code="monthly", name="月度", kind=SchemeKind.MONTHLY, effective_from=dt.date(2020, 1, 1)
    )
    periods = {}
    for m in MONTHS:
        start, end = period_bounds(PeriodKind.MONTHLY, 2026, m)
        periods[m] = AssessmentPeriod.objects.create(
            region=region,
            kind=PeriodKind.MONTHLY,
            year=2026,
            number=m,
            start=start,
            end=end,
            status="open" if m == max(MONTHS) else "closed",
        ).pk
    admin = User.objects.create_user("bench-admin", password=None, role=Role.COMMISSION_ADMIN, institution=commission)
    return {
        "region": region.pk,
        "policy": policy.pk,
        "hospitals": hospitals,
        "townships": townships,
        "departments": departments,
        "scheme": scheme.pk,
        "periods": periods,
        "admin": admin,
        "grades": {g.grade: g.pk for g in PostGrade.objects.all()},
    }


def build(ctx: dict, first: int, last: int) -> None:
    """People first … last-1 (70% at hospitals, 30% at townships) and the rows each figure reads."""
    rng = random.Random(first * 31 + last)
    now = timezone.now()
    rows = []
    for i in range(first, last):
        inst = rng.choice(ctx["hospitals"]) if rng.random() < 0.7 else rng.choice(ctx["townships"])
        male = rng.random() < 0.5
        birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 30))
        rows.append(
            (
                f"D{i:07d}",
                f"职工{i}",
                compose_id_number(area_code=f"{650000 + i // 500:06d}", birth_date=birth, sequence=i, is_male=male),
                "male" if male else "female",
                birth,
                "汉族",
                "",
                "bachelor",
                "bachelor",
                "临床医学",
                "clinical",
                "established",
                "on_duty" if rng.random() < 0.97 else "retired",
                inst,
                rng.choice(ctx["departments"][inst]),
                birth + dt.timedelta(days=23 * 366),
                rng.random() < 0.08 and inst in ctx["townships"],
                now,
                now,
            )
        )
    before = Staff.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    columns = [
        "employee_no",
        "name",
        "id_number",
        "gender",
        "birth_date",
        "ethnicity",
        "phone",
        "education",
        "degree",
        "major",
        "category",
        "employment_type",
        "status",
        "institution_id",
        "department_id",
        "first_employment_date",
        "is_backbone",
        "created_at",
        "updated_at",
    ]
    copy_rows(Staff, columns, rows)
    staff = list(
        Staff.objects.filter(pk__gt=before)
        .order_by("pk")
        .values_list("pk", "institution_id", "department_id", "is_backbone", "status")
    )
    # The Staff history as it stood at the end of 2025 (90% of today's people, for the trend).
    copy_rows(
        Staff.history.model,
        ["id", *columns[:-2], "history_date", "history_type", "history_change_reason"],
        (
            (pk, *row[:-2], timezone.make_aware(dt.datetime(2025, 6, 1)), "+", None)  # noqa: DTZ001
            for (pk, *_), row in zip(staff, rows, strict=True)
            if rng.random() < 0.9
        ),
    )
    # Titles: one or two each, a few people without.
    titles = []
    levels: dict[int, str] = {}
    for pk, *_ in staff:
        r = rng.random()
        if r < 0.05:
            continue
        idx = 0 if r < 0.1 else 1 if r < 0.3 else 2 if r < 0.65 else 3
        titles.append((pk, LEVELS[idx][0], LEVELS[idx][1], "clinical", dt.date(2015, 6, 1), ""))
        if idx < 3 and rng.random() < 0.5:
            titles.append((pk, LEVELS[idx + 1][0], LEVELS[idx + 1][1], "clinical", dt.date(2010, 6, 1), ""))
        levels[pk] = LEVELS[idx][1]
    copy_rows(Title, ["staff_id", "name", "level", "series", "obtained_on", "certificate_no"], titles)
    # Appointments of 60% of the titled, at their level's grades.
    appointed = [(pk, inst) for pk, inst, *_ in staff if pk in levels and rng.random() < 0.6]
    copy_rows(
        Appointment,
        [
            "staff_id",
            "institution_id",
            "post_grade_id",
            "start",
            "end",
            "kind",
            "status",
            "agreement_text",
            "policy_id",
            "created_at",
        ],
        (
            (
                pk,
                inst,
                ctx["grades"][rng.choice(GRADE_OF_LEVEL[levels[pk]])],
                dt.date(2026, 1, 1),
                dt.date(2027, 12, 31),
                "normal",
                "active",
                "",
                ctx["policy"],
                now,
            )
            for pk, inst in appointed
        ),
    )
    # Monthly results: closed months ~95% submitted, the open month ~60%.
    copy_rows(
        Assessment,
        [
            "period_id",
            "staff_id",
            "scheme_id",
            "department_id",
            "scores",
            "total",
            "grade",
            "status",
            "note",
            "version",
            "submitted_at",
            "updated_at",
        ],
        (
            (ctx["periods"][m], pk, ctx["scheme"], dept, "{}", 80, rng.choice(GRADES), "submitted", "", 1, now, now)
            for pk, _, dept, _, st in staff
            if st == "on_duty"
            for m in MONTHS
            if rng.random() < (0.6 if m == max(MONTHS) else 0.95)
        ),
    )
    # 能上能下: 1% in rectification, 0.5% with a case in some state.
    some = rng.sample(
        [a for a in Appointment.objects.filter(staff_id__gt=before).values_list("pk", "staff_id", "institution_id")],
        k=max(1, len(appointed) // 100),
    )
    copy_rows(
        Rectification,
        [
            "staff_id",
            "appointment_id",
            "period_id",
            "policy_id",
            "rule",
            "opened_on",
            "deadline",
            "status",
            "created_at",
        ],
        (
            (
                staff_id,
                a,
                ctx["periods"][9],
                ctx["policy"],
                "quarterly_milestones_unmet",
                dt.date(2026, 10, 1),
                dt.date(2027, 1, 1) if n % 3 else dt.date(2026, 11, 1),
                "open",
                now,
            )
            for n, (a, staff_id, _) in enumerate(some)
        ),
    )
    states = [s for s in CaseState.values]
    copy_rows(
        DemotionCase,
        [
            "kind",
            "staff_id",
            "institution_id",
            "appointment_id",
            "trigger",
            "trigger_key",
            "rule_detail",
            "policy_id",
            "opened_on",
            "state",
            "created_at",
            "updated_at",
            "follow_up",
            "combined_grade",
            "approval_document",
            "proposal_reasons",
            "review_opinion",
            "decision",
            "minutes",
            "approval_note",
            "dismissed_reason",
        ],
        (
            (
                "demotion",
                staff_id,
                inst,
                a,
                "annual_grade",
                f"bench:{a}",
                "基准",
                ctx["policy"],
                dt.date(2026, 9, 1),
                states[n % len(states)],
                now,
                now,
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
            )
            for n, (a, staff_id, inst) in enumerate(some[: len(some) // 2])
        ),
    )
    # 县聘乡用: demand of every township, and secondments from hospitals.
    if first == 0:
        copy_rows(
            Demand,
            ["year", "institution_id", "category", "specialty", "count", "is_remote", "remarks", "created_at"],
            ((2026, t, "clinical", "", rng.randrange(1, 6), False, "", now) for t in ctx["townships"]),
        )
    hospital_staff = [(pk, inst) for pk, inst, *_ in staff if inst in ctx["hospitals"]]
    copy_rows(
        Secondment,
        [
            "staff_id",
            "dispatching_unit_id",
            "receiving_unit_id",
            "policy_id",
            "reason",
            "start",
            "planned_end",
            "end",
            "extension_days",
            "full_time",
            "practice_registration_no",
            "tasks",
            "status",
            "absences",
            "served_days",
            "counts_as_service",
            "misses_deadline",
            "created_at",
        ],
        (
            (
                pk,
                inst,
                rng.choice(ctx["townships"]),
                ctx["policy"],
                "voluntary",
                dt.date(2026, 3, 1),
                dt.date(2027, 2, 28),
                dt.date(2027, 2, 28),
                0,
                True,
                "",
                "",
                rng.choice(["active", "planned", "completed", "cancelled"]),
                0,
                0,
                True,
                False,
                now,
            )
            for pk, inst in rng.sample(hospital_staff, k=len(hospital_staff) // 50)
        ),
    )
    # 柔性引才: a budget per hospital, 10 contracts each, one in ten at risk.
    if first == 0:
        for h in ctx["hospitals"]:
            Budget.objects.create(institution_id=h, year=2026, base=1_000_000)
            for n in range(10):
                expert = Expert.objects.create(
                    institution_id=h,
                    name=f"专家{h}-{n}",
                    home_employer="三甲医院",
                    title="主任医师",
                    title_level="senior",
                    degree="doctor",
                    tier="provincial",
                )
                contract = Contract.objects.create(
                    code=f"B{h}-{n}",
                    institution_id=h,
                    expert=expert,
                    mode="adviser",
                    start=dt.date(2026, 2, 1),
                    end=dt.date(2027, 1, 31),
                    days_per_month=4,
                    funding=80_000,
                    paid=20_000,
                    status="active",
                )
                if n == 0:
                    TerminationItem.objects.create(
                        contract=contract,
                        reason="low_attendance",
                        learned_on=dt.date(2026, 10, 1),
                        deadline=dt.date(2027, 1, 1),
                    )
    # Quotas: each institution's used posts plus a margin, some grades tight (over quota).
    used = {}
    for a in Appointment.objects.values("institution_id", "post_grade_id").order_by().distinct():
        used[(a["institution_id"], a["post_grade_id"])] = 1
    PostQuota.objects.all().delete()
    PostQuota.objects.bulk_create(
        PostQuota(institution_id=i, year=2026, post_grade_id=g, count=rng.randrange(5, 400)) for i, g in used
    )


PAGES = (
    ("dashboard", "/dashboard/?fresh=1"),  # computed every time
    ("kept", "/dashboard/"),  # the figures kept per scope (DASHBOARD_CACHE_SECONDS)
    ("indicators", "/dashboard/indicators/"),
    ("report API", "/api/v1/reports/monthly/?month=2026-11"),
)


def measure(client: Client, url: str, runs: int = 5) -> tuple[float, int, int]:
    times, queries, size = [], 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries, size = len(ctx.captured_queries), len(response.content)
    return statistics.median(times) * 1000, queries, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=100_000)
    parser.add_argument("--measure-only", action="store_true", help="time the pages on the data already built")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    if args.measure_only:
        client = Client()
        client.force_login(User.objects.get(username="bench-admin"))
        print(f"staff={Staff.objects.count()} (already built)")
        for label, url in PAGES:
            ms, queries, body = measure(client, url)
            print(f"  {label:<11} median {ms:7.1f} ms  {queries:3d} queries  {body / 1024:.0f} KiB")
        return
    sizes = [args.staff // 10, args.staff]
    ctx = prepare_database()
    print(f"database: {connection.settings_dict['NAME']}  PostgreSQL {connection.pg_version}")
    client = Client()
    client.force_login(ctx["admin"])
    built = 0
    results = []
    for size in sizes:
        start = time.perf_counter()
        build(ctx, built, size)
        built = size
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(
            f"staff={size}: built in {time.perf_counter() - start:.1f} s; titles {Title.objects.count()}, "
            f"appointments {Appointment.objects.count()}, assessments {Assessment.objects.count()}, "
            f"secondments {Secondment.objects.count()}, cases {DemotionCase.objects.count()}"
        )
        for label, url in PAGES:
            ms, queries, body = measure(client, url)
            results.append((size, label, ms, queries))
            print(f"  {label:<11} median {ms:7.1f} ms  {queries:3d} queries  {body / 1024:.0f} KiB")
    print("\nsummary:")
    print(f"  {'staff':>8} {'page':<11} {'ms':>8} {'queries':>8}")
    for size, label, ms, queries in results:
        print(f"  {size:>8} {label:<11} {ms:>8.1f} {queries:>8}")


if __name__ == "__main__":
    main()
