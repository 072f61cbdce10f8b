# ruff: noqa: B007, PERF401, S105, S608  (a linear data script: wide row tuples, table names from our own list)
"""Deterministic province generator (issue 9).

    .venv/bin/python bench/generate.py [--scale 1.0] [--db pr_province] [--seed 9]

Drops and recreates PostgreSQL database NAME, migrates it, and COPYs in a province: at scale 1.0,
14 prefectures, 100 counties (one of them about three times the others), 300,000 staff in county
hospitals, TCM and maternity hospitals, CDCs, community and township centres, in departments of
10–80 people; titles, appointments within post quotas (2022–2026), duty targets of the senior
posts with their progress, HIS workload records, five years (2022 – 2026-11) of monthly,
quarterly and annual assessments (~3% 不合格 quarters, some consecutive), conduct events,
secondments to the townships, talent budgets and contracts, and the users who log in.  Ids are
assigned in Python; secondary indexes of the big tables are dropped for the load and rebuilt;
sequences are reset; the 能上能下 sweep is run as of 2026-07-22 so rectifications and cases are
what the data implies; VACUUM ANALYZE at the end.  Smaller scales keep the county sizes and have
fewer counties (scale 0.01: 3 counties, 3,000 staff).

Writes bench/.province/NAME.json: counts per table, scale, seconds per step, logins (password,
one commission admin per county, HR per institution, department heads, staff users, a plaintext
HIS API key per hospital) and the ids a benchmark needs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _province as P  # noqa: E402

PASSWORD = "pass-Word-123"
TODAY = dt.date(2026, 11, 25)  # the day the set describes: 2026-11 open, 2026Q3 assessed
SEED_SWEEP_AS_OF = dt.date(2026, 7, 22)  # rectifications of 2026Q2 opened (deadline 2026-10-22)
BENCH_SWEEP_AS_OF = dt.date(2026, 10, 23)  # 2026Q3 evaluated, 2026Q2 rectifications met or expired
YEARS = range(2022, 2027)
TERM = (dt.date(2025, 1, 1), dt.date(2026, 12, 31))
PREVIOUS_TERM = (dt.date(2023, 1, 1), dt.date(2024, 12, 31))
TERM_QUARTERS = [(2025, 1), (2025, 2), (2025, 3), (2025, 4), (2026, 1), (2026, 2), (2026, 3)]

PREFECTURES = [
    "天山市", "昆仑市", "和田地区", "阿克苏地区", "喀什地区", "伊犁州", "塔城地区",
    "阿勒泰地区", "博州", "昌吉州", "巴州", "克州", "哈密市", "吐鲁番市",
]  # fmt: skip
COUNTY_SYLLABLES = "安宁和平永昌兴隆长乐新丰富民泰康吉祥瑞清河山阳东西南北中华宝源"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉林建国新文斌宇浩凯俊峰琳雪梅丹婷慧佳颖欣怡晨阳光宏志海波"

HOSPITAL_DEPTS = [
    "心血管内科", "呼吸内科", "消化内科", "神经内科", "肾内科", "内分泌科", "普外科", "骨科", "神经外科",
    "泌尿外科", "胸外科", "儿科", "妇科", "产科", "急诊科", "重症医学科", "眼科", "耳鼻咽喉科", "口腔科",
    "皮肤科", "感染科", "康复医学科", "中医科", "麻醉科", "放射科", "检验科", "超声科", "病理科", "药剂科",
    "护理部", "肿瘤科", "老年病科",
]  # fmt: skip
TCM_DEPTS = ["针灸推拿科", "中医内科", "中医外科", "中医妇科", "中医儿科", "治未病科", "中药房", "骨伤科", "康复科"]
MCH_DEPTS = ["妇女保健科", "儿童保健科", "产科", "妇科", "新生儿科", "检验科", "超声科", "护理部"]
CDC_DEPTS = ["疾病控制科", "免疫规划科", "卫生监测科", "检验科", "健康教育科"]
TOWNSHIP_DEPTS = ["全科医疗科", "公共卫生科", "中医科", "护理组", "药房", "检验科", "预防保健科"]
DEPT_CATEGORY = {
    "放射科": "medical_tech", "检验科": "medical_tech", "超声科": "medical_tech", "病理科": "medical_tech",
    "药剂科": "pharmacy", "中药房": "pharmacy", "药房": "pharmacy", "护理部": "nursing", "护理组": "nursing",
    "口腔科": "dental", "中医科": "tcm", "针灸推拿科": "tcm", "中医内科": "tcm", "中医外科": "tcm",
    "中医妇科": "tcm", "中医儿科": "tcm", "治未病科": "tcm", "骨伤科": "tcm", "公共卫生科": "public_health",
    "预防保健科": "public_health", "疾病控制科": "public_health", "免疫规划科": "public_health",
    "卫生监测科": "public_health", "健康教育科": "public_health", "妇女保健科": "public_health",
    "儿童保健科": "public_health",
}  # fmt: skip
TITLE_NAMES = {  # series → names by level (senior, associate, intermediate, junior)
    "clinical": ("主任医师", "副主任医师", "主治医师", "医师"),
    "dental": ("主任医师", "副主任医师", "主治医师", "医师"),
    "public_health": ("主任医师", "副主任医师", "主治医师", "医师"),
    "tcm": ("主任中医师", "副主任中医师", "主治中医师", "中医师"),
    "nursing": ("主任护师", "副主任护师", "主管护师", "护师"),
    "medical_tech": ("主任技师", "副主任技师", "主管技师", "技师"),
    "pharmacy": ("主任药师", "副主任药师", "主管药师", "药师"),
}
LEVELS = ("senior", "associate_senior", "intermediate", "junior")
GRADES_OF_LEVEL = {
    "senior": (2, 3, 4),
    "associate_senior": (5, 6, 7),
    "intermediate": (8, 9, 10),
    "junior": (11, 12, 13),
}
GRADE_TOTAL = {"excellent": (90, 100), "qualified": (75, 89), "basic": (60, 74), "unqualified": (40, 59)}
ITEMS = (("workload", 70), ("ethics", 15), ("discipline", 10), ("teaching", 5))
MONTHLY_SCHEME = {
    "code": "monthly-dept",
    "name": "科室月度考核",
    "items": [
        {"code": code, "name": name, "max_points": points, "scorer_role": "department_head"}
        for (code, points), name in zip(ITEMS, ("工作量与质量", "医德医风", "劳动纪律", "教学科研"), strict=True)
    ],
    "bands": [
        {"grade": "优秀", "min_points": 90},
        {"grade": "合格", "min_points": 75},
        {"grade": "基本合格", "min_points": 60},
        {"grade": "不合格", "min_points": 0},
    ],
}
# Tables whose secondary indexes are dropped during the load and rebuilt after it.
BIG_TABLES = [
    "personnel_staff",
    "personnel_historicalstaff",
    "personnel_title",
    "appointments_appointment",
    "appointments_dutytarget",
    "assessments_assessment",
    "assessments_workloadrecord",
    "assessments_targetprogressentry",
    "personnel_user",
]


def scores_json(total: int) -> str:
    """Item scores (of the monthly scheme's items) summing to `total`."""
    left, parts = total, {}
    for code, points in ITEMS[::-1]:
        if code == "workload":
            parts[code] = left
        else:
            give = min(points, max(0, round(points * total / 100)))
            parts[code] = give
            left -= give
    return json.dumps({c: parts[c] for c, _ in ITEMS})


SCORES = {t: scores_json(t) for t in range(40, 101)}


class Ids:
    """Primary keys handed out in Python, per table."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}

    def take(self, table: str, n: int = 1) -> int:
        first = self.last.get(table, 0) + 1
        self.last[table] = first + n - 1
        return first


def recreate_database(name: str) -> None:
    import psycopg

    with psycopg.connect(P.PG + "postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:  # noqa: PLR0915 (one long, linear script)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--db", default="pr_province")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--no-sweep", action="store_true", help="skip the seeding sweep as of 2026-07-22")
    args = parser.parse_args()
    watch = P.Stopwatch()
    print(f"generating the province at scale {args.scale} into {args.db}  ({P.load_average()})", flush=True)
    t = time.perf_counter()
    recreate_database(args.db)
    P.use_database(args.db)

    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Permission
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    watch.step("drop, create, migrate", t)
    gen = Generator(args, connection, watch)
    gen.run(make_password, Permission, timezone, no_style)


class Generator:
    def __init__(self, args, connection, watch: P.Stopwatch) -> None:
        self.args = args
        self.scale = args.scale
        self.connection = connection
        self.watch = watch
        self.rng = random.Random(args.seed)
        self.ids = Ids()
        self.counts: dict[str, int] = {}

    def copy(self, label: str, table: str, columns: list[str], rows) -> int:
        t = time.perf_counter()
        n = P.copy_rows(table, columns, rows)
        self.counts[table] = self.counts.get(table, 0) + n
        self.watch.step(label, t, n)
        return n

    def sql(self, statement: str, params=None):
        with self.connection.cursor() as cursor:
            cursor.execute(statement, params)
            return cursor.fetchall() if cursor.description else None

    # --- indexes ------------------------------------------------------------------------------

    def drop_indexes(self) -> list[str]:
        recreate = []
        for table in BIG_TABLES:
            for name, definition in self.sql(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'u'",
                [table],
            ):
                recreate.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
                self.sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, definition in self.sql(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.conrelid = %s::regclass)",
                [table, table],
            ):
                recreate.append(definition)
                self.sql(f'DROP INDEX "{name}"')
        return recreate

    # --- the run ------------------------------------------------------------------------------

    def run(self, make_password, Permission, timezone, no_style) -> None:  # noqa: N803, PLR0915
        from django.apps import apps

        rng = self.rng
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.sql("SET session_replication_role = replica")  # no FK triggers during the load (ids are ours)
        self.sql("SET synchronous_commit = off")
        self.sql("SET maintenance_work_mem = '512MB'")
        t = time.perf_counter()
        recreate = self.drop_indexes()
        self.watch.step(f"drop {len(recreate)} indexes", t)

        self.build_structure()
        self.build_staff()
        self.build_titles_and_appointments()
        self.build_targets_and_workload()
        self.build_assessments()
        self.build_events_secondments_talent()
        self.build_users(make_password, Permission)

        t = time.perf_counter()
        for statement in recreate:
            self.sql(statement)
        self.watch.step(f"rebuild {len(recreate)} indexes", t)
        self.sql("SET session_replication_role = DEFAULT")
        t = time.perf_counter()
        models = [m for m in apps.get_models(include_auto_created=True)]
        for statement in self.connection.ops.sequence_reset_sql(no_style(), models):
            self.sql(statement)
        self.watch.step("reset sequences", t)

        t = time.perf_counter()
        self.build_api_keys()
        self.watch.step("HIS API keys", t)

        t = time.perf_counter()
        self.sql("VACUUM ANALYZE")
        self.watch.step("VACUUM ANALYZE", t)
        if not self.args.no_sweep:
            from demotions.sweep import run_sweep

            t = time.perf_counter()
            result = run_sweep(as_of=SEED_SWEEP_AS_OF)
            self.watch.step(f"sweep as of {SEED_SWEEP_AS_OF}", t)
            print(f"    {result.summary()}")
            t = time.perf_counter()
            self.sql("VACUUM ANALYZE")
            self.watch.step("VACUUM ANALYZE (after the sweep)", t)
        self.write_description(rng)

    # --- regions, institutions, departments, policies, schemes, periods -----------------------

    def build_structure(self) -> None:
        from personnel.services import create_policy_version

        rng, ids = self.rng, self.ids
        t = time.perf_counter()
        counties = 100 if self.scale >= 1 else max(3, round(100 * self.scale))
        prefectures = 14 if counties >= 100 else max(1, min(14, round(14 * self.scale * 10)))
        n_staff = round(300_000 * self.scale)
        weights = [3.0] + [rng.uniform(0.6, 1.4) for _ in range(counties - 1)]
        total_w = sum(weights)
        self.regions, self.institutions, self.departments = [], [], []
        inst_rows, dept_rows, region_rows = [], [], []
        fixture = json.loads((P.ROOT / "fixtures" / "policies.json").read_text(encoding="utf-8"))
        policy_data = {}
        notes = []
        for entry in fixture["regions"]:
            for spec in entry["policies"]:
                policy_data.update(spec["data"])
                notes.append(spec["name"])
        self.policy_data = policy_data
        used_names = set()
        for c in range(counties):
            p = c % prefectures
            rid = ids.take("region")
            while True:
                name = "".join(rng.sample(COUNTY_SYLLABLES, 2)) + "县"
                if name not in used_names:
                    used_names.add(name)
                    break
            code = f"65{p + 1:02d}{c // prefectures + 1:02d}"
            staff_n = round(n_staff * weights[c] / total_w)
            region = {"id": rid, "name": name, "code": code, "prefecture": PREFECTURES[p], "staff": staff_n}
            region_rows.append((rid, name, code))
            # Institutions and their shares of the county's staff.
            commission = ids.take("inst")
            inst_rows.append(
                (
                    commission,
                    f"{name}卫生健康委员会",
                    f"{code}WJW",
                    "commission",
                    None,
                    rid,
                    False,
                    None,
                    f"/{commission}/",
                )
            )
            region["commission"] = commission
            townships = rng.randint(8, 20)
            specs = [
                ("人民医院", "head_hospital", 0.38, HOSPITAL_DEPTS, 10, 80),
                ("中医医院", "head_hospital", 0.14, TCM_DEPTS, 10, 60),
                ("妇幼保健院", "head_hospital", 0.08, MCH_DEPTS, 10, 40),
                ("疾病预防控制中心", "cdc", 0.03, CDC_DEPTS, 10, 30),
                ("城关社区卫生服务中心", "community_centre", 0.025, TOWNSHIP_DEPTS, 10, 30),
                ("城南社区卫生服务中心", "community_centre", 0.025, TOWNSHIP_DEPTS, 10, 30),
            ]
            tw = [rng.uniform(0.5, 1.5) for _ in range(townships)]
            specs += [
                (f"{''.join(rng.sample(COUNTY_SYLLABLES, 2))}镇卫生院#{k}", "township_centre", 0.32 * w / sum(tw), TOWNSHIP_DEPTS, 10, 30)
                for k, w in enumerate(tw)
            ]  # fmt: skip
            region["institutions"] = []
            for k, (label, kind, share, dept_names, lo, hi) in enumerate(specs):
                iid = ids.take("inst")
                iname = f"{name}{label.split('#')[0]}"
                while iname in used_names:
                    iname = f"{name}{''.join(rng.sample(COUNTY_SYLLABLES, 2))}镇卫生院"
                used_names.add(iname)
                population = rng.randrange(8000, 60000) if kind == "township_centre" else None
                inst_rows.append(
                    (iid, iname, f"{code}I{k:02d}", kind, commission, rid, kind == "township_centre" and rng.random() < 0.2,
                     population, f"/{commission}/{iid}/")
                )  # fmt: skip
                size = max(3, round(staff_n * share))
                inst = {"id": iid, "name": iname, "kind": kind, "region": rid, "staff": size, "departments": []}
                # Departments of lo…hi people.
                left, d = size, 0
                while left > 0:
                    dsize = rng.randint(lo, hi)
                    if left - dsize < lo:
                        dsize = left
                    did = ids.take("dept")
                    base = dept_names[d % len(dept_names)]
                    dname = base if d < len(dept_names) else f"{base}{d // len(dept_names) + 1}病区"
                    dept_rows.append((did, iid, dname, f"D{did}", None))
                    inst["departments"].append(
                        {"id": did, "name": dname, "size": dsize, "category": DEPT_CATEGORY.get(base)}
                    )
                    left -= dsize
                    d += 1
                region["institutions"].append(inst)
                self.institutions.append(inst)
            self.regions.append(region)
        self.copy("regions", "personnel_region", ["id", "name", "code"], region_rows)
        self.copy(
            "institutions",
            "personnel_institution",
            ["id", "name", "code", "kind", "parent_id", "region_id", "is_remote", "population", "path"],
            inst_rows,
        )
        self.copy("departments", "personnel_department", ["id", "institution_id", "name", "code", "head_id"], dept_rows)

        # One policy version per county: the seeded numbers of every fixture region, in force from 2022.
        t = time.perf_counter()
        from personnel.models import Region

        self.policy = {}
        regions = {r.pk: r for r in Region.objects.all()}
        for region in self.regions:
            pv = create_policy_version(
                region=regions[region["id"]],
                name=f"{region['name']}卫生人才管理政策（种子参数）",
                effective_from=dt.date(2022, 1, 1),
                data=dict(self.policy_data),
                note="基准数据：合并 fixtures/policies.json 各种子方案的参数：" + "；".join(notes),
            )
            self.policy[region["id"]] = pv.pk
        self.watch.step("policy versions", t, len(self.regions))

        # Schemes (monthly through the service, quarterly/annual plain) and periods of 2022 – 2026-11.
        from assessments import services as assessment_services
        from assessments.rules import period_bounds

        t = time.perf_counter()
        scheme_rows = []
        self.schemes: dict[int, dict[str, int]] = {}
        for region in self.regions:
            monthly = assessment_services.create_scheme_version(
                region=regions[region["id"]],
                kind="monthly",
                effective_from=dt.date(2022, 1, 1),
                note="基准数据",
                actor=None,
                **MONTHLY_SCHEME,
            )
            self.schemes[region["id"]] = {"monthly": monthly.pk}
        self.watch.step("monthly schemes (service)", t, len(self.regions))
        from assessments.models import Scheme

        first_scheme = (Scheme.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        self.ids.last["scheme"] = first_scheme - 1
        for region in self.regions:
            for kind, label in (("quarterly", "季度考核"), ("annual", "年度考核")):
                sid = self.ids.take("scheme")
                scheme_rows.append((sid, region["id"], kind, 1, label, kind, dt.date(2022, 1, 1), "基准数据", self.now))
                self.schemes[region["id"]][kind] = sid
        self.copy(
            "schemes",
            "assessments_scheme",
            ["id", "region_id", "code", "version", "name", "kind", "effective_from", "note", "created_at"],
            scheme_rows,
        )
        self.periods: dict[tuple, dict[int, tuple[int, dt.date, dt.date]]] = {}
        specs = [("monthly", y, m) for y in YEARS for m in range(1, 13) if (y, m) <= (TODAY.year, TODAY.month)]
        specs += [("quarterly", y, q) for y in YEARS for q in range(1, 5) if (y, q) <= (2026, 3)]
        specs += [("annual", y, 0) for y in YEARS if y < 2026]
        period_rows = []
        for kind, year, number in specs:
            start, end = period_bounds(kind, year, number)
            status = "open" if (kind, year, number) == ("monthly", TODAY.year, TODAY.month) else "closed"
            per_region = {}
            for region in self.regions:
                pid = self.ids.take("period")
                period_rows.append((pid, region["id"], kind, year, number, start, end, status))
                per_region[region["id"]] = pid
            self.periods[kind, year, number] = {"ids": per_region, "start": start, "end": end}
        self.period_specs = specs
        self.copy(
            "assessment periods",
            "assessments_assessmentperiod",
            ["id", "region_id", "kind", "year", "number", "start", "end", "status"],
            period_rows,
        )

    # --- staff ----------------------------------------------------------------------------------

    def build_staff(self) -> None:
        rng, ids = self.rng, self.ids
        from personnel.validators import compose_id_number

        rows = []
        self.staff = []  # (id, inst, dept, region, category, status, birth, first_employment, kind)
        used = set()
        statuses = ("on_duty",) * 940 + ("retired",) * 30 + ("off_duty",) * 15 + ("transferred",) * 15
        employment = ("established",) * 70 + ("filed",) * 10 + ("contract",) * 17 + ("rehired",) * 3
        education = ("bachelor",) * 55 + ("college",) * 25 + ("master",) * 12 + ("secondary",) * 6 + ("doctorate",) * 2
        degree_of = {"doctorate": "doctor", "master": "master", "bachelor": "bachelor"}
        ethnic = ("汉族",) * 6 + ("维吾尔族",) * 3 + ("哈萨克族", "回族", "蒙古族")
        for region in self.regions:
            for inst in region["institutions"]:
                for dept in inst["departments"]:
                    for _ in range(dept["size"]):
                        sid = ids.take("staff")
                        male = rng.random() < 0.42
                        age_days = rng.randrange(22 * 365, 60 * 365)
                        birth = TODAY - dt.timedelta(days=age_days)
                        seq = sid % 500
                        while (region["code"], birth, seq) in used:
                            seq = (seq + 1) % 500
                            if seq == sid % 500:
                                birth -= dt.timedelta(days=1)
                        used.add((region["code"], birth, seq))
                        category = dept["category"] or ("clinical" if rng.random() < 0.55 else "nursing")
                        status = rng.choice(statuses)
                        edu = rng.choice(education)
                        first_emp = birth + dt.timedelta(days=rng.randrange(21 * 365, 26 * 365))
                        first_emp = min(first_emp, TODAY - dt.timedelta(days=30))
                        name = (
                            rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
                        )
                        rows.append(
                            (
                                sid,
                                f"E{sid:07d}",
                                name,
                                compose_id_number(
                                    area_code=region["code"], birth_date=birth, sequence=seq, is_male=male
                                ),
                                "male" if male else "female",
                                birth,
                                rng.choice(ethnic),
                                f"13{rng.randrange(100_000_000, 999_999_999)}",
                                edu,
                                degree_of.get(edu, "none"),
                                "临床医学"
                                if category == "clinical"
                                else "护理学"
                                if category == "nursing"
                                else "医学相关",
                                category,
                                rng.choice(employment),
                                status,
                                inst["id"],
                                dept["id"],
                                first_emp,
                                inst["kind"] == "township_centre" and rng.random() < 0.1,
                                self.now,
                                self.now,
                            )
                        )
                        self.staff.append(
                            (
                                sid,
                                inst["id"],
                                dept["id"],
                                region["id"],
                                category,
                                status,
                                birth,
                                first_emp,
                                inst["kind"],
                            )
                        )
        columns = [
            "id", "employee_no", "name", "id_number", "gender", "birth_date", "ethnicity", "phone", "education",
            "degree", "major", "category", "employment_type", "status", "institution_id", "department_id",
            "first_employment_date", "is_backbone", "created_at", "updated_at",
        ]  # fmt: skip
        self.copy("staff", "personnel_staff", columns, rows)
        # History: each person as first recorded (the grassroots trend reads year ends).
        start = dt.datetime(2022, 1, 1, tzinfo=self.tz)
        self.copy(
            "staff history",
            "personnel_historicalstaff",
            [*columns[:-2], "history_date", "history_type", "history_change_reason"],
            (
                (*row[:-2], max(start, dt.datetime.combine(row[16], dt.time(9), tzinfo=self.tz)), "+", "基准数据")
                for row in rows
            ),
        )
        del rows

    # --- titles, appointments, quotas -----------------------------------------------------------

    def build_titles_and_appointments(self) -> None:
        rng, ids = self.rng, self.ids
        titles, appointments = [], []
        self.level = {}
        self.seniors = []  # (staff, appointment, inst, region, level)
        used = {}
        for sid, inst, dept, region, category, status, birth, first_emp, kind in self.staff:
            years = (TODAY - first_emp).days / 365
            r = rng.random()
            if r < 0.08:
                continue
            if years > 20 and r < 0.35:
                idx = 0
            elif years > 12 and r < 0.6:
                idx = 1
            elif years > 5 and r < 0.85:
                idx = 2
            elif kind in ("township_centre", "community_centre") and years > 15 and r < 0.3:
                idx = 1
            else:
                idx = 3
            series = category
            names = TITLE_NAMES[series]
            obtained = min(TODAY - dt.timedelta(days=200), first_emp + dt.timedelta(days=365 * (1 + 5 * (3 - idx))))
            titles.append((ids.take("title"), sid, names[idx], LEVELS[idx], series, obtained, f"Z{sid:08d}{idx}"))
            if idx < 3:
                titles.append(
                    (ids.take("title"), sid, names[idx + 1], LEVELS[idx + 1], series,
                     obtained - dt.timedelta(days=5 * 365), f"Z{sid:08d}{idx + 1}")
                )  # fmt: skip
            self.level[sid] = LEVELS[idx]
            if status != "on_duty" or rng.random() > 0.88:
                continue
            grade = rng.choice(GRADES_OF_LEVEL[LEVELS[idx]])
            aid = ids.take("appointment")
            appointments.append((aid, sid, inst, grade, *TERM, "normal", "active", "", self.policy[region], self.now))
            used[inst, grade, "now"] = used.get((inst, grade, "now"), 0) + 1
            if LEVELS[idx] in ("senior", "associate_senior"):
                self.seniors.append((sid, aid, inst, region, LEVELS[idx]))
            if rng.random() < 0.7 and first_emp < PREVIOUS_TERM[0]:
                before = min(13, grade + (1 if rng.random() < 0.3 else 0))
                appointments.append(
                    (ids.take("appointment"), sid, inst, before, *PREVIOUS_TERM, "normal", "ended", "",
                     self.policy[region], self.now)
                )  # fmt: skip
                used[inst, before, "before"] = used.get((inst, before, "before"), 0) + 1
        self.copy(
            "titles",
            "personnel_title",
            ["id", "staff_id", "name", "level", "series", "obtained_on", "certificate_no"],
            titles,
        )
        self.copy(
            "appointments",
            "appointments_appointment",
            ["id", "staff_id", "institution_id", "post_grade_id", "start", "end", "kind", "status",
             "agreement_text", "policy_id", "created_at"],
            appointments,
        )  # fmt: skip
        # Post quotas 2022–2026: what is used plus a margin (a few grades exactly full).
        quotas = []
        for (inst, grade, when), n in sorted(used.items()):
            years = (2025, 2026) if when == "now" else (2022, 2023, 2024)
            for year in years:
                margin = 0 if rng.random() < 0.1 else max(1, math.ceil(n * rng.uniform(0.05, 0.25)))
                quotas.append((ids.take("quota"), inst, year, grade, n + margin))
        self.copy(
            "post quotas", "personnel_postquota", ["id", "institution_id", "year", "post_grade_id", "count"], quotas
        )
        self.counts["appointments_active"] = sum(1 for a in appointments if a[7] == "active")

    # --- duty targets, progress, HIS workload ---------------------------------------------------

    def build_targets_and_workload(self) -> None:
        rng, ids = self.rng, self.ids
        from assessments.models import WorkloadMetric

        metrics = dict(WorkloadMetric.objects.values_list("code", "pk"))
        targets, entries, workload = [], [], []
        self.profiles = {}
        pd = self.policy_data
        for sid, aid, inst, region, level in self.seniors:
            suffix = "senior" if level == "senior" else "associate"
            specs = [
                ("sessions", "科室业务学习", "study_session", pd.get(f"target_sessions_{suffix}", 8), ""),
                ("cases", "疑难病例诊治", "difficult_case", pd.get(f"target_difficult_cases_{suffix}", 20), "cases_or_surgeries"),
                ("surgeries", "四级手术", "surgery_level4", pd.get(f"target_level4_surgeries_{suffix}", 15), "cases_or_surgeries"),
            ]  # fmt: skip
            tids = []
            for order, (code, name, metric, total, group) in enumerate(specs):
                tid = ids.take("target")
                tids.append(tid)
                targets.append((tid, aid, code, name, metric, "term", total, total, group, "[]", order))
            r = rng.random()
            profile = (
                "on_track" if r < 0.92 else "q2_recovers" if r < 0.94 else "q2_fails" if r < 0.96
                else "q3_behind" if r < 0.98 else "cases_behind"
            )  # fmt: skip
            self.profiles[sid] = profile
            per_q_sessions = math.ceil(specs[0][3] / 8)
            per_q_cases = math.ceil(specs[1][3] / 8)
            for year, quarter in TERM_QUARTERS:
                q = (year, quarter)
                sessions = per_q_sessions
                if profile == "q2_recovers" and q == (2026, 2):
                    sessions = 0
                if profile == "q2_recovers" and q == (2026, 3):
                    sessions = 3 * per_q_sessions
                if profile == "q2_fails" and q in ((2026, 2), (2026, 3)):
                    sessions = 0
                if profile == "q3_behind" and q == (2026, 3):
                    sessions = 0
                if sessions:
                    entries.append((ids.take("entry"), tids[0], dt.date(year, quarter * 3 - 2, 1), sessions))
            # HIS: difficult cases every quarter of 2022 – 2026Q3 (one record a month, the quarter's share).
            for year in YEARS:
                for month in range(1, 13):
                    if (year, month) > (2026, 9):
                        break
                    q = (year, (month - 1) // 3 + 1)
                    if profile == "cases_behind" and q in ((2026, 2), (2026, 3)):
                        continue
                    qty = per_q_cases // 3 + (1 if month % 3 == 0 else 0) + (per_q_cases % 3 > 1 and month % 3 == 1)
                    day = dt.date(year, month, rng.randint(1, 28))
                    wid = ids.take("workload")
                    workload.append((wid, inst, sid, metrics["difficult_case"], day, qty, f"HIS-{wid}", self.now))
        # Outpatient visits of a sample of the clinical staff (monthly aggregates of the last year).
        for sid, inst, dept, region, category, status, birth, first_emp, kind in self.staff:
            if category != "clinical" or status != "on_duty" or rng.random() > 0.3:
                continue
            for month in range(1, 11):
                wid = ids.take("workload")
                workload.append(
                    (wid, inst, sid, metrics["outpatient_visit"], dt.date(2026, month, 28), rng.randint(80, 600),
                     f"HIS-{wid}", self.now)
                )  # fmt: skip
        self.copy(
            "duty targets",
            "appointments_dutytarget",
            ["id", "appointment_id", "code", "name", "metric", "per", "quantity_per_unit", "target_total",
             "alternative_group", "milestones", "order"],
            targets,
        )  # fmt: skip
        self.copy(
            "progress entries", "assessments_targetprogressentry", ["id", "target_id", "month", "quantity"], entries
        )
        self.copy(
            "HIS workload records",
            "assessments_workloadrecord",
            ["id", "institution_id", "staff_id", "metric_id", "date", "quantity", "source_record_id", "created_at"],
            workload,
        )

    # --- assessments ----------------------------------------------------------------------------

    def build_assessments(self) -> None:
        rng = self.rng
        ids = self.ids
        periods = self.periods
        schemes = self.schemes
        monthly_specs = [s for s in self.period_specs if s[0] == "monthly"]
        quarterly_specs = [s for s in self.period_specs if s[0] == "quarterly"]
        annual_specs = [s for s in self.period_specs if s[0] == "annual"]
        m_grades, m_weights = ("excellent", "qualified", "basic", "unqualified"), (20, 75, 4, 1)
        a_grades, a_weights = ("excellent", "qualified", "basic", "unqualified"), (15, 82.5, 2, 0.5)
        open_month = ("monthly", TODAY.year, TODAY.month)
        tz = self.tz
        stamp = {}
        for spec in self.period_specs:
            end = periods[spec]["end"]
            stamp[spec] = dt.datetime.combine(min(end + dt.timedelta(days=5), TODAY), dt.time(10), tzinfo=tz)
        totals = {g: list(range(lo, hi + 1)) for g, (lo, hi) in GRADE_TOTAL.items()}
        self.quarterly_failures = 0

        def rows():
            take = ids.take
            for sid, inst, dept, region, category, status, birth, first_emp, kind in self.staff:
                if status not in ("on_duty", "off_duty"):
                    continue
                sch = schemes[region]
                start_month = (first_emp.year, first_emp.month)
                mspecs = [s for s in monthly_specs if (s[1], s[2]) > start_month]
                grades = rng.choices(m_grades, m_weights, k=len(mspecs))
                first = take("assessment", len(mspecs))
                for n, (spec, grade) in enumerate(zip(mspecs, grades, strict=True)):
                    st = "submitted"
                    if spec == open_month:
                        r = rng.random()
                        if r > 0.75:
                            continue
                        st = "submitted" if r < 0.6 else "draft"
                    total = rng.choice(totals[grade])
                    ts = stamp[spec]
                    yield (first + n, periods[spec]["ids"][region], sid, sch["monthly"], dept, SCORES[total], total,
                           grade, st, "", 1, ts if st == "submitted" else None, ts)  # fmt: skip
                # Quarterly: ~3% 不合格, 1% in two consecutive quarters, 0.5% a broken run.
                qspecs = [s for s in quarterly_specs if (s[1], s[2] * 3) > start_month]
                forced = {}
                r = rng.random()
                if r < 0.01 and len(qspecs) >= 2:
                    k = rng.randrange(len(qspecs) - 1)
                    forced = {qspecs[k]: "unqualified", qspecs[k + 1]: "unqualified"}
                elif r < 0.015 and len(qspecs) >= 3:
                    k = rng.randrange(len(qspecs) - 2)
                    forced = {qspecs[k]: "unqualified", qspecs[k + 1]: "qualified", qspecs[k + 2]: "unqualified"}
                for spec in qspecs:
                    grade = forced.get(spec) or ("unqualified" if rng.random() < 0.025 else "qualified")
                    total = rng.choice(totals[grade])
                    yield (take("assessment"), periods[spec]["ids"][region], sid, sch["quarterly"], dept, "{}", total,
                           grade, "submitted", "", 1, stamp[spec], stamp[spec])  # fmt: skip
                for spec in annual_specs:
                    if spec[1] < first_emp.year:
                        continue
                    grade = rng.choices(a_grades, a_weights)[0]
                    total = rng.choice(totals[grade])
                    yield (take("assessment"), periods[spec]["ids"][region], sid, sch["annual"], dept, "{}", total,
                           grade, "submitted", "", 1, stamp[spec], stamp[spec])  # fmt: skip

        self.copy(
            "assessments (monthly/quarterly/annual)",
            "assessments_assessment",
            ["id", "period_id", "staff_id", "scheme_id", "department_id", "scores", "total", "grade", "status",
             "note", "version", "submitted_at", "updated_at"],
            rows(),
        )  # fmt: skip

    # --- conduct events, secondments, talent ----------------------------------------------------

    def build_events_secondments_talent(self) -> None:
        rng, ids = self.rng, self.ids
        events = []
        for sid, aid, inst, region, level in self.seniors:
            r = rng.random()
            if r < 0.003:
                events += [
                    (ids.take("event"), sid, "refusal", dt.date(2026, 3, 2), None, "无正当理由拒绝会诊任务", self.now),
                    (ids.take("event"), sid, "refusal", dt.date(2026, 9, 3), None, "无正当理由拒绝下沉任务", self.now),
                ]
            elif r < 0.004:
                events.append(
                    (
                        ids.take("event"),
                        sid,
                        "accident",
                        dt.date(2026, 9, 1),
                        rng.randint(1, 4),
                        "手术并发症处置不当",
                        self.now,
                    )
                )
            elif r < 0.005:
                events.append((ids.take("event"), sid, "ethics", dt.date(2026, 5, 6), None, "收受患者红包", self.now))
        self.copy(
            "conduct events",
            "demotions_conductevent",
            ["id", "staff_id", "kind", "date", "accident_level", "description", "created_at"],
            events,
        )
        # 县聘乡用: township demand each year, and ~2% of the county hospitals' people a year sent out.
        demand, secondments = [], []
        townships = {}
        for region in self.regions:
            townships[region["id"]] = [i["id"] for i in region["institutions"] if i["kind"] == "township_centre"]
            for year in YEARS:
                for t in townships[region["id"]]:
                    demand.append(
                        (ids.take("demand"), year, t, "clinical", "", rng.randrange(1, 6), False, "", self.now)
                    )
        for sid, inst, dept, region, category, status, birth, first_emp, kind in self.staff:
            if kind != "head_hospital" or category not in ("clinical", "nursing"):
                continue
            for year in YEARS:
                if rng.random() >= 0.02:
                    continue
                start = dt.date(year, rng.choice((3, 9)), 1)
                end = dt.date(year + 1, start.month, 1) - dt.timedelta(days=1)
                state = "completed" if end < TODAY else "active" if start <= TODAY else "planned"
                if rng.random() < 0.03:
                    state = "cancelled"
                secondments.append(
                    (ids.take("secondment"), sid, inst, rng.choice(townships[region]), self.policy[region],
                     rng.choice(("new_hire", "pre_promotion", "voluntary")), start, end, end, 0, True, "", "",
                     state, 0, (min(end, TODAY) - start).days if state != "cancelled" else 0, True, False, self.now)
                )  # fmt: skip
        self.copy(
            "secondment demand",
            "secondments_demand",
            ["id", "year", "institution_id", "category", "specialty", "count", "is_remote", "remarks", "created_at"],
            demand,
        )
        self.copy(
            "secondments",
            "secondments_secondment",
            ["id", "staff_id", "dispatching_unit_id", "receiving_unit_id", "policy_id", "reason", "start",
             "planned_end", "end", "extension_days", "full_time", "practice_registration_no", "tasks", "status",
             "absences", "served_days", "counts_as_service", "misses_deadline", "created_at"],
            secondments,
        )  # fmt: skip
        # 柔性引才: budgets 2024–2026 of the county hospitals, three contracts each, some at risk.
        budgets, experts, contracts, items = [], [], [], []
        for inst in self.institutions:
            if inst["kind"] != "head_hospital":
                continue
            for year in (2024, 2025, 2026):
                budgets.append((ids.take("budget"), inst["id"], year, 1_000_000, 0))
            for n in range(3):
                eid = ids.take("expert")
                experts.append(
                    (eid, inst["id"], f"专家{rng.choice(SURNAMES)}{rng.choice(GIVEN)}", "省人民医院", "主任医师", "senior",
                     "doctor", "provincial", "", None, "", "")
                )  # fmt: skip
                cid = ids.take("contract")
                contracts.append(
                    (cid, f"RC{cid:05d}", inst["id"], None, eid, None, "adviser", "", dt.date(2026, 2, 1),
                     dt.date(2027, 1, 31), 4, "", "", "", 80_000, 0, "", "active", dt.date(2026, 1, 20), None,
                     20_000, 0, None, self.policy[inst["region"]], None)
                )  # fmt: skip
                if n == 0 and rng.random() < 0.3:
                    items.append(
                        (ids.take("termitem"), cid, "low_attendance", "", dt.date(2026, 10, 1), dt.date(2027, 1, 1),
                         "open", None, None, False)
                    )  # fmt: skip
        self.copy("talent budgets", "talent_budget", ["id", "institution_id", "year", "base", "adjustment"], budgets)
        self.copy(
            "talent experts",
            "talent_expert",
            ["id", "institution_id", "name", "home_employer", "title", "title_level", "degree", "tier",
             "tier_evidence", "senior_title_since", "specialty", "phone"],
            experts,
        )  # fmt: skip
        self.copy(
            "talent contracts",
            "talent_contract",
            ["id", "code", "institution_id", "department_id", "expert_id", "team_id", "mode", "platform", "start",
             "end", "days_per_month", "clinic_target", "teaching_target", "discipline_target", "funding",
             "annual_stipend", "breach_terms", "status", "signed_on", "ended_on", "paid", "released",
             "renewal_of_id", "policy_version_id", "created_by_id"],
            contracts,
        )  # fmt: skip
        self.copy(
            "talent termination items",
            "talent_terminationitem",
            ["id", "contract_id", "reason", "detail", "learned_on", "deadline", "status", "filed_on",
             "last_reminded_on", "overdue"],
            items,
        )  # fmt: skip

    # --- users ------------------------------------------------------------------------------------

    def build_users(self, make_password, Permission) -> None:  # noqa: N803
        rng, ids = self.rng, self.ids
        hashed = make_password(PASSWORD)
        users, heads = [], []
        self.logins = {"password": PASSWORD, "commission_admins": [], "hr": [], "department_heads": [], "staff": []}
        by_dept: dict[int, list[int]] = {}
        for sid, inst, dept, region, category, status, *_ in self.staff:
            if status == "on_duty":
                by_dept.setdefault(dept, []).append(sid)

        def user(username, role, inst, dept=None, staff=None, is_staff=False):
            uid = ids.take("user")
            users.append(
                (uid, hashed, None, False, username, "", "", "", is_staff, True, self.now, role, inst, dept, staff)
            )
            return uid

        admins = []
        for region in self.regions:
            uid = user(f"admin-{region['code']}", "commission_admin", region["commission"], is_staff=True)
            admins.append(uid)
            self.logins["commission_admins"].append(
                {
                    "username": f"admin-{region['code']}",
                    "user_id": uid,
                    "region_id": region["id"],
                    "region": region["name"],
                }
            )
            for inst in region["institutions"]:
                name = f"hr-{region['code']}-{inst['id']}"
                uid = user(name, "hospital_hr", inst["id"])
                self.logins["hr"].append(
                    {"username": name, "user_id": uid, "institution_id": inst["id"], "staff": inst["staff"]}
                )
                for dept in inst["departments"]:
                    people = by_dept.get(dept["id"], [])
                    if not people:
                        continue
                    head = people[0]
                    heads.append((dept["id"], head))
                    name = f"head-{dept['id']}"
                    uid = user(name, "department_head", inst["id"], dept["id"], head)
                    self.logins["department_heads"].append(
                        {"username": name, "user_id": uid, "department_id": dept["id"], "institution_id": inst["id"],
                         "staff": len(people)}
                    )  # fmt: skip
                    if len(people) > 1:
                        member = people[rng.randrange(1, len(people))]
                        name = f"staff-{member}"
                        uid = user(name, "staff", inst["id"], dept["id"], member)
                        self.logins["staff"].append({"username": name, "user_id": uid, "staff_id": member})
        self.copy(
            "users",
            "personnel_user",
            ["id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email",
             "is_staff", "is_active", "date_joined", "role", "institution_id", "department_id", "staff_id"],
            users,
        )  # fmt: skip
        t = time.perf_counter()
        with self.connection.cursor() as cursor:
            cursor.executemany("UPDATE personnel_department SET head_id = %s WHERE id = %s", [(h, d) for d, h in heads])
        self.watch.step("department heads", t, len(heads))
        perms = list(
            Permission.objects.filter(content_type__app_label__in=["personnel", "appointments"])
            .exclude(codename__startswith="delete_")
            .values_list("pk", flat=True)
        )
        self.copy(
            "commission admin permissions",
            "personnel_user_user_permissions",
            ["user_id", "permission_id"],
            ((u, p) for u in admins for p in perms),
        )

    def build_api_keys(self) -> None:
        from personnel.models import InstitutionAPIKey

        self.logins["his_keys"] = []
        for inst in self.institutions:
            if inst["kind"] != "head_hospital":
                continue
            _, key = InstitutionAPIKey.objects.create_key(name="HIS", institution_id=inst["id"])
            self.logins["his_keys"].append({"institution_id": inst["id"], "institution": inst["name"], "key": key})

    # --- the description ------------------------------------------------------------------------

    def write_description(self, rng) -> None:
        from django.db import connection

        tables = sorted(
            {*self.counts, "demotions_rectification", "demotions_demotioncase", "notifications_notification"}
            - {"appointments_active"}
        )
        counts = {}
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f'SELECT count(*) FROM "{table}"')
                counts[table] = cursor.fetchone()[0]
        big_region = self.regions[0]
        big_hospital = max(big_region["institutions"], key=lambda i: i["staff"])
        big_dept = max(big_hospital["departments"], key=lambda d: d["size"])
        head = next(h for h in self.logins["department_heads"] if h["department_id"] == big_dept["id"])
        hr = next(h for h in self.logins["hr"] if h["institution_id"] == big_hospital["id"])
        admin = next(a for a in self.logins["commission_admins"] if a["region_id"] == big_region["id"])
        key = next(k for k in self.logins["his_keys"] if k["institution_id"] == big_hospital["id"])
        staff_user = self.logins["staff"][0]
        description = {
            "db": self.args.db,
            "scale": self.scale,
            "seed": self.args.seed,
            "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "seconds": round(self.watch.total, 1),
            "steps": self.watch.steps,
            "today": TODAY.isoformat(),
            "seed_sweep_as_of": SEED_SWEEP_AS_OF.isoformat(),
            "bench_sweep_as_of": BENCH_SWEEP_AS_OF.isoformat(),
            "prefectures": len({r["prefecture"] for r in self.regions}),
            "counties": len(self.regions),
            "staff": len(self.staff),
            "seniors_in_sweep_scope": len(self.seniors),
            "counts": counts,
            "ids": {
                "big_region": big_region["id"],
                "big_region_code": big_region["code"],
                "big_region_staff": big_region["staff"],
                "big_commission": big_region["commission"],
                "big_hospital": big_hospital["id"],
                "big_hospital_name": big_hospital["name"],
                "big_hospital_staff": big_hospital["staff"],
                "big_department": big_dept["id"],
                "big_department_staff": big_dept["size"],
                "big_admin": admin["username"],
                "big_hr": hr["username"],
                "big_department_head": head["username"],
                "staff_user": staff_user["username"],
                "big_hospital_his_key": key["key"],
                "open_month": f"{TODAY:%Y-%m}",
            },
            "regions": [
                {k: r[k] for k in ("id", "name", "code", "prefecture", "staff", "commission")} for r in self.regions
            ],
            "logins": self.logins,
        }
        P.PROVINCE_DIR.mkdir(exist_ok=True)
        path = P.PROVINCE_DIR / f"{self.args.db}.json"
        path.write_text(json.dumps(description, ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\n{len(self.staff):,} staff in {len(self.regions)} counties; counts:")
        for table, n in counts.items():
            print(f"  {table:<40} {n:>12,}")
        print(f"wrote {path}\ngenerated in {self.watch.total:.1f} s  ({P.load_average()})")


if __name__ == "__main__":
    main()
