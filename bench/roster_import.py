"""Roster import benchmark (issue 3).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pr_bench .venv/bin/python bench/roster_import.py [--rows N] [--repeat 3]

Generates a roster of N rows (default 50,000) and, --repeat times (default 3) on a freshly migrated
database, measures the first import (file → committed rows), the reader alone, a re-import of
the unchanged file (no UPDATE may be issued), a default django-import-export ModelResource
without bulk options on the first 5,000 rows, and the floor: a bare python-calamine read plus a
bare PostgreSQL COPY.  It prints each run with the machine's load average, then the medians.

With `--db NAME` it imports into a hospital of its own, created in the biggest county of the
generated province (bench/generate.py), so the 50,000 rows land beside the set's 300,000 people;
afterwards it deletes that hospital and everything imported into it, and writes
bench/results/roster_import.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import _province as P  # noqa: E402

PROVINCE_DB = P.db_from_argv()  # --db NAME: the generated province (bench/generate.py); cleaned up after
if PROVINCE_DB:
    os.environ["DATABASE_URL"] = P.PG + PROVINCE_DB
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pr_bench")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

import openpyxl  # noqa: E402
import tablib  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from import_export import resources  # noqa: E402

from personnel.choices import InstitutionKind  # noqa: E402
from personnel.models import Department, Institution, PolicyVersion, PostGrade, PostQuota, Region, Staff  # noqa: E402
from personnel.roster.columns import HEADERS  # noqa: E402
from personnel.roster.reader import read_roster  # noqa: E402
from personnel.roster.resources import StaffResource  # noqa: E402
from personnel.roster.services import import_roster  # noqa: E402
from personnel.validators import compose_id_number  # noqa: E402

CATEGORIES = ["临床", "医技", "护理", "药学", "公共卫生", "口腔", "中医"]
TITLES = [("主任医师", "正高", 3), ("副主任医师", "副高", 6), ("主治医师", "中级", 9), ("医师", "初级", 12)]


def prepare_database() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The benchmark measures PostgreSQL: set DATABASE_URL=postgres://…/pr_bench")
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    region = Region.objects.create(name="基准县", code="659999")
    PolicyVersion.objects.create(
        region=region,
        name="基准政策",
        effective_from=dt.date(2000, 1, 1),
        data={
            "appointment_term_years": 2,
            "rectification_months": 3,
            "consecutive_failed_quarters": 2,
            "annual_grade_trigger": "基本合格",
            "refusals_for_case": 2,
        },
    )
    commission = Institution.objects.create(
        name="基准县卫健委", code="BWJW", kind=InstitutionKind.COMMISSION, region=region
    )
    for i in range(10):
        inst = Institution.objects.create(
            name=f"基准医院{i}", code=f"BH{i}", kind=InstitutionKind.HEAD_HOSPITAL, parent=commission, region=region
        )
        for d in ("内科", "外科", "儿科", "妇产科", "急诊科"):
            Department.objects.create(institution=inst, name=d, code=f"{d}{i}")
        # The roster's appointments are bound by the post quota: room for every row's grade.
        for _, _, grade in TITLES:
            PostQuota.objects.create(
                institution=inst, year=2025, post_grade=PostGrade.objects.get(grade=grade), count=100_000
            )


def generate(n: int, path: Path, hospitals: list[str] | None = None) -> None:
    hospitals = hospitals or [f"基准医院{i}" for i in range(10)]
    rng = random.Random(2025)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("花名册")
    ws.append(["基准县卫生健康系统人员花名册"])
    ws.append(list(HEADERS))
    for i in range(n):
        male = rng.random() < 0.5
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 40))
        title, level, grade = rng.choice(TITLES)
        inst = hospitals[i % len(hospitals)]
        ws.append(
            [
                f"E{i:06d}",
                f"职工{i}",
                compose_id_number(area_code=f"{650000 + i // 500:06d}", birth_date=birth, sequence=i, is_male=male),
                "男" if male else "女",
                "汉族",
                birth,
                f"139{i:08d}",
                inst,
                rng.choice(["内科", "外科", "儿科", "妇产科", "急诊科"]),
                rng.choice(CATEGORIES),
                "在编",
                "大学本科",
                "学士",
                "临床医学",
                birth + dt.timedelta(days=23 * 366),
                title,
                level,
                birth + dt.timedelta(days=30 * 366),
                f"专业技术{grade}级",
                dt.date(2025, 1, 1),
                dt.date(2026, 12, 31),
                "在岗",
            ]
        )
    wb.save(path)


class QueryCounter:
    """Counts every statement sent, through `connection.execute_wrapper` (Django's own
    `connection.queries` keeps only the last 9,000), and the writes among them."""

    def __init__(self) -> None:
        self.count = 0
        self.writes: dict[str, int] = {}

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        verb = sql.lstrip().split(None, 1)[0].upper()
        if verb in {"INSERT", "UPDATE", "DELETE", "COPY"}:
            self.writes[verb] = self.writes.get(verb, 0) + 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        return self._wrapper.__exit__(*exc)


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def bare_floor(data: bytes) -> float:
    """python-calamine read + PostgreSQL COPY of the same rows into a scratch table."""
    from python_calamine import CalamineWorkbook

    def run():
        rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()[2:]
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE floor_copy (" + ", ".join(f"c{i} text" for i in range(len(HEADERS))) + ")"
            )
            with cursor.cursor.copy("COPY floor_copy FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([None if v in ("", None) else str(v) for v in row])
            cursor.execute("DROP TABLE floor_copy")

    return timed(run)[1]


def default_resource_5000(data: bytes) -> float:
    """What a plain ModelResource does with the first 5,000 rows: one query per foreign key per row."""
    sheet = read_roster(data)
    rows = sheet.rows[:5000]
    dataset = tablib.Dataset(
        headers=[
            "employee_no",
            "name",
            "id_number",
            "gender",
            "birth_date",
            "phone",
            "institution",
            "category",
            "employment_type",
        ]
    )
    inst = {i.name: i.pk for i in Institution.objects.all()}
    labels = {"男": "male", "女": "female", "在编": "established", **{c: c for c in CATEGORIES}}
    for _, r in rows:
        dataset.append(
            [
                r["工号"],
                r["姓名"],
                r["身份证号"],
                labels[r["性别"]],
                r["出生日期"],
                r["手机号"],
                inst[r["单位"]],
                "clinical",
                "established",
            ]
        )

    class DefaultStaffResource(resources.ModelResource):
        class Meta:
            model = Staff
            fields = (
                "employee_no",
                "name",
                "id_number",
                "gender",
                "birth_date",
                "phone",
                "institution",
                "category",
                "employment_type",
            )
            import_id_fields = ("id_number",)

    def run():
        result = DefaultStaffResource().import_data(dataset, use_transactions=True, dry_run=True)
        assert not result.has_errors() and not result.has_validation_errors(), result.invalid_rows[:1]

    return timed(run)[1]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} CPUs"


def median(values: list[float]) -> float:
    return statistics.median(values)


IMPORT_HOSPITAL = "基准导入医院"
IMPORT_DEPARTMENTS = ("内科", "外科", "儿科", "妇产科", "急诊科")


def province_hospital(description: dict) -> Institution:
    ids = description["ids"]
    commission = Institution.objects.get(pk=ids["big_commission"])
    hospital = Institution(
        name=IMPORT_HOSPITAL,
        code=f"BENCH-IMPORT-{time.time_ns()}",
        kind=InstitutionKind.HEAD_HOSPITAL,
        parent=commission,
        region_id=commission.region_id,
    )
    hospital.save()
    for d in IMPORT_DEPARTMENTS:
        Department.objects.create(institution=hospital, name=d, code=f"BI-{d}")
    for _, _, grade in TITLES:
        PostQuota.objects.create(
            institution=hospital, year=2025, post_grade=PostGrade.objects.get(grade=grade), count=100_000
        )
    return hospital


PROVINCE_TABLES = ("personnel_staff", "personnel_title", "appointments_appointment", "personnel_historicalstaff")


def table_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in PROVINCE_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (our own table names)
            counts[table] = cursor.fetchone()[0]
    return counts


def remove_hospital(hospital_id: int) -> None:
    """Everything the import stored, and the hospital itself."""
    staff = "(SELECT id FROM personnel_staff WHERE institution_id = %(h)s)"
    appointments = "(SELECT id FROM appointments_appointment WHERE institution_id = %(h)s)"
    statements = [  # our own table names; the hospital id is a parameter
        f"DELETE FROM appointments_dutytarget WHERE appointment_id IN {appointments}",  # noqa: S608
        "DELETE FROM appointments_historicalappointment WHERE institution_id = %(h)s",
        "DELETE FROM appointments_appointment WHERE institution_id = %(h)s",
        f"DELETE FROM personnel_historicaltitle WHERE staff_id IN {staff}",  # noqa: S608
        f"DELETE FROM personnel_title WHERE staff_id IN {staff}",  # noqa: S608
        "DELETE FROM personnel_historicalstaff WHERE institution_id = %(h)s",
        "DELETE FROM personnel_staff WHERE institution_id = %(h)s",
        "DELETE FROM personnel_historicalpostquota WHERE institution_id = %(h)s",
        "DELETE FROM personnel_postquota WHERE institution_id = %(h)s",
        "DELETE FROM personnel_department WHERE institution_id = %(h)s",
        "DELETE FROM personnel_rosterimport WHERE institution_id = %(h)s",
        "DELETE FROM personnel_institution WHERE id = %(h)s",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, {"h": hospital_id})
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE personnel_staff, personnel_title, appointments_appointment")


def province_main(args) -> None:
    description = P.province(PROVINCE_DB)
    n = args.rows_positional or args.rows
    for leftover in Institution.objects.filter(name=IMPORT_HOSPITAL).values_list("pk", flat=True):
        remove_hospital(leftover)  # from an interrupted run
    before = table_counts()
    path = Path(tempfile.gettempdir()) / f"roster_bench_province_{n}.xlsx"
    generate(n, path, [IMPORT_HOSPITAL])
    data = path.read_bytes()
    print(
        f"database: {PROVINCE_DB} (scale {description['scale']}, {before['personnel_staff']:,} staff); "
        f"{n:,} rows into {IMPORT_HOSPITAL} in county {description['ids']['big_region_code']}; "
        f"file {len(data) / 1024 / 1024:.1f} MB  ({load()})"
    )
    batch = StaffResource._meta.batch_size
    runs: dict[str, list[float]] = {"first": [], "read": [], "again": [], "floor": []}
    queries = 0
    for run in range(args.repeat):
        hospital = province_hospital(description)
        try:
            floor_s = bare_floor(data)
            _, read_s = timed(lambda: read_roster(data))
            with QueryCounter() as first_q:
                report, first_s = timed(lambda: import_roster(file=data, actor=None))
            assert not report.errors and report.new == n, report.errors[:3]
            with QueryCounter() as again_q:
                again, again_s = timed(lambda: import_roster(file=data, actor=None))
            assert again.unchanged == n and not again.errors
            queries = first_q.count
        finally:
            remove_hospital(hospital.pk)
        assert table_counts() == before, "the import left rows behind"
        for key, value in zip(runs, (first_s, read_s, again_s, floor_s), strict=True):
            runs[key].append(value)
        print(
            f"run {run + 1}: first import {first_s:.2f} s ({first_q.count} queries, writes {first_q.writes}), "
            f"reader {read_s:.2f} s, re-import {again_s:.2f} s ({again_q.count} queries), floor {floor_s:.2f} s "
            f"({load()}); removed again"
        )
    first_s, read_s, again_s, floor_s = (median(runs[k]) for k in ("first", "read", "again", "floor"))
    ratio = first_s / floor_s
    print(
        f"median of {args.repeat}: first import {first_s:.2f} s ({n / first_s:,.0f} rows/s), floor {floor_s:.2f} s, "
        f"ratio {ratio:.1f}× (target ≤ 10×); re-import {again_s:.2f} s; reader {read_s:.2f} s"
    )
    common = {"bench": "roster_import", "unit": "s"}
    path = P.write_results(
        "roster_import",
        [
            {
                **common,
                "case": f"first import of {n:,} rows into the big county",
                "figure": round(first_s, 2),
                "target": "≤ 10× floor",
                "met": ratio <= 10,
                "bound": "floor: bare python-calamine read + bare COPY of the rows",
                "bound_figure": round(floor_s, 2),
                "ratio": round(ratio, 1),
                "ratio_target": "≤ 10×",
                "queries": queries,
                "notes": (
                    f"{queries / -(-n // batch):.1f} queries per batch of {batch}; into a hospital of its own "
                    f"beside {before['personnel_staff']:,} staff, removed afterwards; reader alone {read_s:.2f} s; "
                    f"median of {args.repeat}; {load()}"
                ),
            },
            {
                **common,
                "case": f"re-import of the unchanged {n:,} rows (no writes)",
                "figure": round(again_s, 2),
                "target": "≤ first import",
                "met": again_s <= first_s,
                "bound": "floor",
                "bound_figure": round(floor_s, 2),
                "ratio": round(again_s / floor_s, 1),
            },
        ],
    )
    print(f"wrote {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows_positional", nargs="?", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--rows", type=int, default=50_000, help="rows in the generated roster (default 50,000)")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs, each on a freshly migrated database; medians are quoted (default 3)",
    )
    parser.add_argument("--db", help="the generated province (bench/generate.py); the import is removed after")
    args = parser.parse_args()
    if PROVINCE_DB:
        if "--repeat" not in " ".join(sys.argv):
            args.repeat = 1
        province_main(args)
        return
    n = args.rows_positional or args.rows
    prepare_database()
    path = Path(tempfile.gettempdir()) / f"roster_bench_{n}.xlsx"
    generate(n, path)
    data = path.read_bytes()
    print(f"rows: {n}  file: {len(data) / 1024 / 1024:.1f} MB  database: {connection.settings_dict['NAME']}")
    print(f"at start: {load()}")
    batch = StaffResource._meta.batch_size
    batches = -(-n // batch)
    runs: dict[str, list[float]] = {"first": [], "read": [], "again": [], "default": [], "floor": []}
    for run in range(args.repeat):
        if run:
            prepare_database()
        default_s = default_resource_5000(data)  # on the empty database, rolled back (dry run)
        _, read_s = timed(lambda: read_roster(data))
        with QueryCounter() as first_q:
            report, first_s = timed(lambda: import_roster(file=data, actor=None))
        assert not report.errors and report.new == n, report.errors[:3]
        with QueryCounter() as again_q:
            again, again_s = timed(lambda: import_roster(file=data, actor=None))
        assert again.unchanged == n and not again.errors
        assert sum(again_q.writes.values()) == 0, again_q.writes
        floor_s = bare_floor(data)
        for key, value in zip(runs, (first_s, read_s, again_s, default_s, floor_s), strict=True):
            runs[key].append(value)
        print(
            f"run {run + 1}: first import {first_s:.2f} s, reader {read_s:.2f} s, re-import {again_s:.2f} s, "
            f"default resource (5,000 rows) {default_s:.2f} s, floor {floor_s:.2f} s  ({load()})"
        )

    first_s, read_s, again_s = median(runs["first"]), median(runs["read"]), median(runs["again"])
    default_s, floor_s = median(runs["default"]), median(runs["floor"])
    print(f"medians of {args.repeat} runs:")
    print(
        f"first import:   {first_s:7.2f} s  {n / first_s:9.0f} rows/s  new={report.new}  queries={first_q.count} "
        f"({first_q.count / batches:.1f} per batch of {batch} rows; writes {first_q.writes})"
    )
    print(f"reader only:    {read_s:7.2f} s  ({read_s / first_s:.0%} of the import)")
    print(
        f"re-import:      {again_s:7.2f} s  {n / again_s:9.0f} rows/s  unchanged={again.unchanged}  "
        f"UPDATE/INSERT issued={sum(again_q.writes.values())}  queries={again_q.count} "
        f"({again_q.count / batches:.1f} per batch)  ({again_s / first_s:.2f}× the first import)"
    )
    default_rate = min(n, 5000) / default_s  # a smaller roster gives it fewer rows
    print(f"default ModelResource (first 5,000 rows, no bulk): {default_s:6.2f} s  {default_rate:7.0f} rows/s")
    print(f"speed-up over the default resource: {n / first_s / default_rate:.1f}× rows/s")
    print(f"floor (bare calamine read + PostgreSQL COPY): {floor_s:6.2f} s  {n / floor_s:9.0f} rows/s")
    print(f"first import / floor: {first_s / floor_s:.1f}×")
    target = "met" if first_s < 10 else "NOT met"
    print(f"target <10 s for the first import of 50,000 rows: {target} ({first_s:.2f} s for {n}, median)")
    print(f"at end: {load()}")


if __name__ == "__main__":
    main()
