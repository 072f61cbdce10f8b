"""能上能下 rule sweep benchmark (issue 5).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pr_sweep_bench .venv/bin/python bench/sweep.py [--staff N]

Builds a county in a fresh PostgreSQL schema (migrate), then, for a small size (N/10, at least
1,000) and for N (default 100,000) staff holding senior appointments, COPYs in their duty targets,
two years (2025–2026) of monthly, quarterly and annual assessments, HIS workload and monthly
progress entries, and a few conduct events, with a realistic mix: ~3% 不合格 quarters (some of them
consecutive), 2.5% annual 基本合格 or worse, some people behind their milestones (some catch up
during their rectification, some do not).  For each size it runs the sweep twice — as of
2026-10-20 (2026Q3 evaluated: rectifications open) and, timed, as of 2027-01-21 (those
rectifications met or expired, 2026Q4 evaluated, consecutive quarters, the 2026 annual grade,
events) — after a VACUUM ANALYZE of the loaded data — and prints staff, assessments, seconds, queries (CaptureQueriesContext) in total and per
chunk, and what was opened and closed.  The queries per chunk are the same at both sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import _province as P  # noqa: E402

PROVINCE_DB = P.db_from_argv()  # --db NAME: the generated province (bench/generate.py), read-only
if PROVINCE_DB:
    os.environ["DATABASE_URL"] = P.PG + PROVINCE_DB
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pr_sweep_bench")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from appointments.models import Appointment, DutyTarget  # noqa: E402
from assessments.choices import PeriodKind, SchemeKind  # noqa: E402
from assessments.models import (  # noqa: E402
    Assessment,
    AssessmentPeriod,
    Scheme,
    TargetProgressEntry,
    WorkloadMetric,
    WorkloadRecord,
)
from assessments.rules import period_bounds  # noqa: E402
from demotions.models import ConductEvent, DemotionCase, Rectification  # noqa: E402
from demotions.sweep import run_sweep  # noqa: E402
from personnel.choices import InstitutionKind  # noqa: E402
from personnel.models import Department, Institution, PolicyVersion, Region, Staff  # noqa: E402
from personnel.validators import compose_id_number  # noqa: E402

SEED_000 = {
    "appointment_term_years": 2,
    "rectification_months": 3,
    "consecutive_failed_quarters": 2,
    "annual_grade_trigger": "基本合格",
    "refusals_for_case": 2,
    "accident_level_trigger": 2,
    "quantified_score_min_weight": "0.70",
    "publicity_working_days": 5,
}
TERM = (dt.date(2025, 7, 1), dt.date(2027, 6, 30))  # 8 quarters: 2025Q3 … 2027Q2
TERM_QUARTERS = [(2025, 3), (2025, 4), (2026, 1), (2026, 2), (2026, 3), (2026, 4)]  # over by 2027-01-21
FIRST_RUN, TIMED_RUN = dt.date(2026, 10, 20), dt.date(2027, 1, 21)
SENIOR_GRADES = [2, 3, 4, 5, 6, 6, 7, 7]
HOSPITALS = 10
DEPARTMENTS = ("内科", "外科", "儿科", "妇产科", "急诊科")


def copy_rows(model, columns: list[str], rows) -> int:
    """COPY rows (tuples in `columns` order) into the model's table."""
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
        sys.exit("The benchmark measures PostgreSQL: set DATABASE_URL=postgres://…/pr_sweep_bench")
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    region = Region.objects.create(name="基准县", code="659999")
    policy = PolicyVersion.objects.create(
        region=region, name="基准政策（种子000）", effective_from=dt.date(2020, 1, 1), data=SEED_000
    )
    commission = Institution.objects.create(
        name="基准县卫健委", code="BWJW", kind=InstitutionKind.COMMISSION, region=region
    )
    hospitals, departments = [], []
    for i in range(HOSPITALS):
        hospital = Institution.objects.create(
            name=f"基准医院{i}", code=f"BH{i}", kind=InstitutionKind.HEAD_HOSPITAL, parent=commission, region=region
        )
        hospitals.append(hospital.pk)
        departments.append(
            [Department.objects.create(institution=hospital, name=d, code=f"{d}{i}").pk for d in DEPARTMENTS]
        )
    schemes = {
        kind: Scheme.objects.create(
            region=region, code=kind, name=SchemeKind(kind).label, kind=kind, effective_from=dt.date(2020, 1, 1)
        ).pk
        for kind in (SchemeKind.MONTHLY, SchemeKind.QUARTERLY, SchemeKind.ANNUAL)
    }
    periods = {}
    specs = [(PeriodKind.MONTHLY, y, m) for y in (2025, 2026) for m in range(1, 13)]
    specs += [(PeriodKind.QUARTERLY, y, q) for y in (2025, 2026) for q in range(1, 5)]
    specs += [(PeriodKind.ANNUAL, y, 0) for y in (2025, 2026)]
    for kind, year, number in specs:
        start, end = period_bounds(kind, year, number)
        periods[kind, year, number] = AssessmentPeriod.objects.create(
            region=region, kind=kind, year=year, number=number, start=start, end=end, status="closed"
        ).pk
    metrics = {
        code: WorkloadMetric.objects.create(code=code, name=name).pk
        for code, name in (("difficult_cases", "疑难病例"), ("level4_surgeries", "四级手术"))
    }
    return {
        "policy": policy.pk,
        "hospitals": hospitals,
        "departments": departments,
        "schemes": schemes,
        "periods": periods,
        "metrics": metrics,
    }


def quarter_month(year: int, quarter: int) -> dt.date:
    return dt.date(year, quarter * 3, 1)


def build(ctx: dict, first: int, last: int) -> dict:
    """People first … last-1 and everything the rules read about them."""
    rng = random.Random(first * 7919 + last)
    now = timezone.now()
    profiles = {}
    staff_rows = []
    for i in range(first, last):
        inst = i % HOSPITALS
        male = rng.random() < 0.5
        birth = dt.date(1965, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 20))
        area = f"{650000 + i // 500:06d}"
        staff_rows.append(
            (
                f"B{i:07d}",
                f"职工{i}",
                compose_id_number(area_code=area, birth_date=birth, sequence=i, is_male=male),
                "male" if male else "female",
                birth,
                "汉族",
                f"139{i:08d}",
                "bachelor",
                "bachelor",
                "临床医学",
                "clinical",
                "established",
                "on_duty",
                ctx["hospitals"][inst],
                ctx["departments"][inst][rng.randrange(len(DEPARTMENTS))],
                birth + dt.timedelta(days=23 * 366),
                now,
                now,
            )
        )
        r = rng.random()
        profiles[i] = "on_track" if r < 0.91 else "q3_recovers" if r < 0.94 else "q3_fails" if r < 0.97 else "q4_behind"
    before = Staff.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    copy_rows(
        Staff,
        [
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
            "created_at",
            "updated_at",
        ],
        staff_rows,
    )
    staff = list(
        Staff.objects.filter(pk__gt=before).order_by("pk").values_list("pk", "institution_id", "department_id")
    )
    assert len(staff) == last - first

    before = Appointment.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
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
            (pk, inst, rng.choice(SENIOR_GRADES), *TERM, "normal", "active", "", ctx["policy"], now)
            for pk, inst, _ in staff
        ),
    )
    appointments = list(Appointment.objects.filter(pk__gt=before).order_by("pk").values_list("pk", flat=True))
    before = DutyTarget.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    target_specs = [
        ("sessions", "科室学习", "sessions", 8, ""),
        ("cases", "疑难病例", "difficult_cases", 20, "cases_or_surgeries"),
        ("surgeries", "四级手术", "level4_surgeries", 15, "cases_or_surgeries"),
    ]
    copy_rows(
        DutyTarget,
        [
            "appointment_id",
            "code",
            "name",
            "metric",
            "per",
            "quantity_per_unit",
            "target_total",
            "alternative_group",
            "milestones",
            "order",
        ],
        (
            (a, code, name, metric, "term", total, total, group, "[]", order)
            for a in appointments
            for order, (code, name, metric, total, group) in enumerate(target_specs)
        ),
    )
    sessions_targets = list(
        DutyTarget.objects.filter(pk__gt=before, code="sessions").order_by("pk").values_list("pk", flat=True)
    )

    # Progress: 1 session and 3 difficult cases a quarter keep a person on track (milestones of the
    # term quarters: sessions 1, 2, 3…; cases 2, 5, 7, 10, 12, 15).
    entries, workload = [], []
    for index, ((pk, inst, _), target) in enumerate(zip(staff, sessions_targets, strict=True)):
        profile = profiles[first + index]
        for year, quarter in TERM_QUARTERS:
            sessions = 1
            if profile == "q3_recovers" and (year, quarter) == (2026, 3):
                sessions = 0
            if profile == "q3_recovers" and (year, quarter) == (2026, 4):
                sessions = 2
            if profile == "q3_fails" and (year, quarter) in ((2026, 3), (2026, 4)):
                sessions = 0
            if sessions:
                entries.append((target, quarter_month(year, quarter), sessions))
            if profile == "q4_behind" and (year, quarter) in ((2026, 3), (2026, 4)):
                continue
            workload.append(
                (
                    inst,
                    pk,
                    ctx["metrics"]["difficult_cases"],
                    quarter_month(year, quarter) + dt.timedelta(days=14),
                    3,
                    f"HIS{pk}-{year}Q{quarter}",
                    now,
                )
            )
    copy_rows(TargetProgressEntry, ["target_id", "month", "quantity"], entries)
    copy_rows(
        WorkloadRecord,
        ["institution_id", "staff_id", "metric_id", "date", "quantity", "source_record_id", "created_at"],
        workload,
    )

    # Assessments: monthly, quarterly (~3% 不合格, plus runs and broken runs) and annual.
    periods, schemes = ctx["periods"], ctx["schemes"]

    def grade_monthly():
        r = rng.random()
        return "excellent" if r < 0.2 else "qualified" if r < 0.95 else "basic" if r < 0.99 else "unqualified"

    def rows():
        for pk, _, dept in staff:
            forced = {}
            r = rng.random()
            if r < 0.01:  # two consecutive 不合格 quarters: a case
                forced = {(2026, 3): "unqualified", (2026, 4): "unqualified"}
            elif r < 0.015:  # Q1 and Q3 不合格 around a 合格 Q2: no case
                forced = {(2026, 1): "unqualified", (2026, 2): "qualified", (2026, 3): "unqualified"}
            for year in (2025, 2026):
                for month in range(1, 13):
                    yield (
                        periods[PeriodKind.MONTHLY, year, month],
                        pk,
                        schemes[SchemeKind.MONTHLY],
                        dept,
                        "{}",
                        80,
                        grade_monthly(),
                        "submitted",
                        "",
                        1,
                        now,
                        now,
                    )
                for quarter in range(1, 5):
                    grade = forced.get((year, quarter)) or ("unqualified" if rng.random() < 0.03 else "qualified")
                    yield (
                        periods[PeriodKind.QUARTERLY, year, quarter],
                        pk,
                        schemes[SchemeKind.QUARTERLY],
                        dept,
                        "{}",
                        80,
                        grade,
                        "submitted",
                        "",
                        1,
                        now,
                        now,
                    )
                r = rng.random()
                annual = (
                    "unqualified" if r < 0.005 else "basic" if r < 0.025 else "excellent" if r < 0.2 else "qualified"
                )
                yield (
                    periods[PeriodKind.ANNUAL, year, 0],
                    pk,
                    schemes[SchemeKind.ANNUAL],
                    dept,
                    "{}",
                    80,
                    annual,
                    "submitted",
                    "",
                    1,
                    now,
                    now,
                )

    assessments = copy_rows(
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
        rows(),
    )

    events = []
    for pk, _, _ in staff:
        r = rng.random()
        if r < 0.003:
            events += [
                (pk, "refusal", dt.date(2026, 3, 2), None, "无正当理由拒绝会诊任务", now),
                (pk, "refusal", dt.date(2026, 8, 3), None, "无正当理由拒绝下沉任务", now),
            ]
        elif r < 0.004:
            events.append((pk, "accident", dt.date(2026, 9, 1), rng.randint(1, 4), "手术并发症处置不当", now))
        elif r < 0.005:
            events.append((pk, "ethics", dt.date(2026, 5, 6), None, "收受患者红包", now))
    copy_rows(ConductEvent, ["staff_id", "kind", "date", "accident_level", "description", "created_at"], events)
    # As autovacuum would have done to data that arrived over two years: set the hint bits and
    # the visibility map, so the first sweep does not pay for the bulk load.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {"assessments": assessments, "workload": len(workload), "entries": len(entries), "events": len(events)}


def clear_sweep_output() -> None:
    tables = [
        "demotions_demotioncase_source_assessments",
        "demotions_demotioncase_events",
        "demotions_historicaldemotioncase",
        "demotions_demotioncase",
        "demotions_rectificationitem",
        "demotions_historicalrectification",
        "demotions_rectification",
        "notifications_notification",
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


def sweep(as_of: dt.date):
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = run_sweep(as_of=as_of)
        seconds = time.perf_counter() - start
    return result, seconds, len(queries.captured_queries)


def report(label: str, result, seconds: float, queries: int) -> None:
    per_rule = ", ".join(f"{rule}={n}" for rule, n in sorted(result.cases_per_rule().items()))
    print(
        f"  {label}: {seconds:6.2f} s  queries={queries} ({queries / max(result.chunks, 1):.1f} per chunk, "
        f"{result.chunks} chunks)  rectifications opened={len(result.rectifications_opened)} "
        f"met={len(result.rectifications_met)} expired={len(result.rectifications_expired)}  "
        f"cases={len(result.cases_opened)} [{per_rule}]  reminders={result.reminders_sent}"
    )


# --- Against the generated province (--db NAME) ------------------------------------------------

BARE_SQL = {
    # The sweep's reads, as plain SQL over the whole scope at once: no ORM, no Python rules, no writes.
    "people": """
        SELECT ap.staff_id, s.name, s.department_id, i.path, ap.id, ap.institution_id, i.region_id, ap.start,
               ap."end", ap.policy_id
        FROM appointments_appointment ap JOIN personnel_postgrade g ON g.grade = ap.post_grade_id
        JOIN personnel_staff s ON s.id = ap.staff_id JOIN personnel_institution i ON i.id = ap.institution_id
        WHERE ap.status = 'active' AND g.title_level IN ('senior', 'associate_senior')""",
    "latest quarter and target progress (window)": """
        WITH latest AS (
            SELECT staff_id, assessment_id, period_id, p_end FROM (
                SELECT a.staff_id, a.id AS assessment_id, a.period_id, p."end" AS p_end,
                       ROW_NUMBER() OVER (PARTITION BY a.staff_id ORDER BY p."end" DESC) AS rn
                FROM assessments_assessment a JOIN assessments_assessmentperiod p ON p.id = a.period_id
                JOIN appointments_appointment sap ON sap.staff_id = a.staff_id AND sap.status = 'active'
                JOIN personnel_postgrade g ON g.grade = sap.post_grade_id
                  AND g.title_level IN ('senior', 'associate_senior')
                WHERE a.status = 'submitted' AND p.kind = 'quarterly' AND p."end" < %(as_of)s
            ) ranked WHERE rn = 1
        )
        SELECT l.staff_id, l.assessment_id, l.period_id, t.id, t.code, t.target_total,
            (SELECT COALESCE(SUM(w.quantity), 0) FROM assessments_workloadrecord w
              WHERE w.staff_id = l.staff_id AND w.metric_id = m.id
                AND w."date" >= ap."start" AND w."date" <= LEAST(l.p_end, ap."end")),
            (SELECT COALESCE(SUM(e.quantity), 0) FROM assessments_targetprogressentry e
              WHERE e.target_id = t.id AND e."month" <= LEAST(l.p_end, ap."end"))
        FROM latest l
        JOIN appointments_appointment ap ON ap.staff_id = l.staff_id AND ap.status = 'active' AND l.p_end >= ap."start"
        JOIN appointments_dutytarget t ON t.appointment_id = ap.id
        LEFT JOIN assessments_workloadmetric m ON m.code = t.metric""",
    "open rectifications' progress": """
        SELECT i.id, r.id, r.staff_id, t.code, i.required,
            (SELECT COALESCE(SUM(w.quantity), 0) FROM assessments_workloadrecord w
              WHERE w.staff_id = r.staff_id AND w.metric_id = m.id
                AND w."date" >= ap."start" AND w."date" <= LEAST(%(as_of)s, r."deadline", ap."end")),
            (SELECT COALESCE(SUM(e.quantity), 0) FROM assessments_targetprogressentry e
              WHERE e.target_id = t.id AND e."month" <= LEAST(%(as_of)s, r."deadline", ap."end"))
        FROM demotions_rectificationitem i JOIN demotions_rectification r ON r.id = i.rectification_id
        JOIN appointments_dutytarget t ON t.id = i.target_id JOIN appointments_appointment ap ON ap.id = r.appointment_id
        LEFT JOIN assessments_workloadmetric m ON m.code = t.metric
        WHERE r.status = 'open'""",
    "consecutive quarters (gaps and islands)": """
        SELECT staff_id, MIN(qi), MAX(qi), STRING_AGG(CAST(id AS TEXT), ',') FROM (
            SELECT a.staff_id, a.id, p."year" * 4 + p."number" - 1 AS qi,
                   p."year" * 4 + p."number" - 1
                     - DENSE_RANK() OVER (PARTITION BY a.staff_id ORDER BY p."year", p."number") AS island
            FROM assessments_assessment a JOIN assessments_assessmentperiod p ON p.id = a.period_id
            JOIN appointments_appointment ap ON ap.staff_id = a.staff_id AND ap.status = 'active'
            JOIN personnel_postgrade g ON g.grade = ap.post_grade_id AND g.title_level IN ('senior', 'associate_senior')
            WHERE a.status = 'submitted' AND p.kind = 'quarterly' AND a.grade = 'unqualified'
              AND p."end" < %(as_of)s AND p."end" >= ap."start"
        ) quarters GROUP BY staff_id, island HAVING MAX(qi) - MIN(qi) + 1 >= 2""",
    "annual grades": """
        SELECT a.id, a.staff_id, a.grade, p."year", p."end"
        FROM assessments_assessment a JOIN assessments_assessmentperiod p ON p.id = a.period_id
        JOIN appointments_appointment ap ON ap.staff_id = a.staff_id AND ap.status = 'active'
        JOIN personnel_postgrade g ON g.grade = ap.post_grade_id AND g.title_level IN ('senior', 'associate_senior')
        WHERE a.status = 'submitted' AND p.kind = 'annual' AND p."end" < %(as_of)s
          AND a.grade IN ('basic', 'unqualified')""",
    "conduct events": """
        SELECT e.id, e.staff_id, e.kind, e."date", e.accident_level, e.description FROM demotions_conductevent e
        JOIN appointments_appointment ap ON ap.staff_id = e.staff_id AND ap.status = 'active'
        WHERE e."date" <= %(as_of)s""",
    "existing rectifications and cases": """
        SELECT staff_id, period_id FROM demotions_rectification
        UNION ALL SELECT staff_id, appointment_id FROM demotions_demotioncase""",
}


def bare_pass(as_of: dt.date) -> tuple[float, dict[str, tuple[float, int]]]:
    """The sweep's window and aggregate queries as plain SQL over the whole scope (the bound)."""
    parts = {}
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for label, sql in BARE_SQL.items():
            t = time.perf_counter()
            cursor.execute(sql, {"as_of": as_of})
            rows = cursor.fetchall()
            parts[label] = (time.perf_counter() - t, len(rows))
    return time.perf_counter() - start, parts


def province_main(args) -> None:
    """The full sweep over the generated province, timed in a transaction that is rolled back (the set
    stays as generated for the other benchmarks), against the bare SQL pass."""
    description = P.province(PROVINCE_DB)
    as_of = dt.date.fromisoformat(args.as_of or description["bench_sweep_as_of"])
    print(
        f"database: {PROVINCE_DB} (scale {description['scale']}, {description['staff']:,} staff, "
        f"{description['counts']['assessments_assessment']:,} assessments)  PostgreSQL {connection.pg_version}"
    )
    print(f"at start: {P.load_average()}")
    records = []
    sweeps, bares = [], []
    for run in range(args.repeat):
        bare_s, parts = bare_pass(as_of)
        bares.append(bare_s)
        with transaction.atomic():
            result, seconds, queries = sweep(as_of)
            transaction.set_rollback(True)
        sweeps.append((seconds, result, queries))
        report(f"run {run + 1}: sweep as of {as_of} (rolled back)", result, seconds, queries)
        print(f"  run {run + 1}: bare SQL pass {bare_s:6.2f} s  ({P.load_average()})")
        for label, (s, n) in parts.items():
            print(f"      {label:<45} {s:6.2f} s  {n:>9,} rows")
    sweeps.sort(key=lambda x: x[0])
    seconds, result, queries = sweeps[len(sweeps) // 2]
    bare = sorted(bares)[len(bares) // 2]
    ratio = seconds / bare if bare else None
    per_chunk = queries / max(result.chunks, 1)
    print(
        f"median of {args.repeat}: sweep {seconds:.2f} s (target < 60 s), bare SQL pass {bare:.2f} s, "
        f"ratio {ratio:.1f}× (target ≤ 5×); {queries} queries, {per_chunk:.1f} per chunk of 5,000 staff"
    )
    records.append(
        {
            "bench": "sweep",
            "case": f"full rule sweep, {description['seniors_in_sweep_scope']:,} in scope of {description['staff']:,} staff",
            "figure": round(seconds, 2),
            "unit": "s",
            "target": "< 60 s",
            "met": seconds < 60 and (ratio is None or ratio <= 5),
            "bound": "bare SQL pass of the same window/aggregate queries (no ORM, no writes)",
            "bound_figure": round(bare, 2),
            "ratio": round(ratio, 1) if ratio else None,
            "ratio_target": "≤ 5×",
            "queries": queries,
            "notes": (
                f"as of {as_of}, in-process, in one transaction rolled back afterwards; {result.chunks} chunks, "
                f"{per_chunk:.1f} queries per chunk; opened {len(result.rectifications_opened)} rectifications, "
                f"{len(result.cases_opened)} cases; met {len(result.rectifications_met)}, expired "
                f"{len(result.rectifications_expired)}; median of {args.repeat}; {P.load_average()}"
            ),
        }
    )
    path = P.write_results("sweep", records)
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staff", type=int, default=100_000, help="staff at the large size (default 100,000)")
    parser.add_argument("--small", type=int, default=0, help="staff at the small size (default staff/10)")
    parser.add_argument("--db", help="the generated province (bench/generate.py) to sweep, read-only")
    parser.add_argument("--as-of", help="with --db: the sweep's date (default: the set's bench_sweep_as_of)")
    parser.add_argument("--repeat", type=int, default=1, help="with --db: runs (median quoted)")
    args = parser.parse_args()
    if PROVINCE_DB:
        province_main(args)
        return
    sizes = [max(1000, args.small or args.staff // 10), args.staff]
    ctx = prepare_database()
    print(f"database: {connection.settings_dict['NAME']}  PostgreSQL {connection.pg_version}")
    built = 0
    figures = []
    for size in sizes:
        clear_sweep_output()
        start = time.perf_counter()
        counts = build(ctx, built, size)
        built = size
        build_s = time.perf_counter() - start
        total_assessments = Assessment.objects.count()
        print(
            f"staff={size}: built in {build_s:.1f} s (+{counts['assessments']} assessments, {counts['workload']} "
            f"workload records, {counts['entries']} progress entries, {counts['events']} events); "
            f"assessments in the database: {total_assessments}"
        )
        first = sweep(FIRST_RUN)
        report(f"sweep as of {FIRST_RUN}", *first)
        timed = sweep(TIMED_RUN)
        report(f"sweep as of {TIMED_RUN}", *timed)
        again = sweep(TIMED_RUN)
        report("same day again (idempotent)", *again)
        figures.append((size, total_assessments, timed))
    print("\nsummary (timed sweep as of 2027-01-21):")
    print(
        f"  {'staff':>8} {'assessments':>12} {'seconds':>8} {'queries':>8} {'per chunk':>9} {'cases':>6} {'rect.':>6}"
    )
    for size, total_assessments, (result, seconds, queries) in figures:
        print(
            f"  {size:>8} {total_assessments:>12} {seconds:>8.2f} {queries:>8} {queries / result.chunks:>9.1f} "
            f"{len(result.cases_opened):>6} {len(result.rectifications_opened):>6}"
        )
    (_, _, (small, _, small_q)), (_, _, (large, _, large_q)) = figures[0], figures[-1]
    if large.chunks != small.chunks:
        per_chunk = (large_q - small_q) / (large.chunks - small.chunks)
        print(
            f"  queries = {small_q - per_chunk * small.chunks:.0f} per sweep + {per_chunk:.1f} per chunk "
            "of up to 5,000 staff, at both sizes"
        )
    print(f"  cases in the database: {DemotionCase.objects.count()}, rectifications: {Rectification.objects.count()}")


if __name__ == "__main__":
    main()
