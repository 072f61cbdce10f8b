"""The post quota (岗位结构比例) binds imported appointments as it binds appointments made one by one
(appointments.services.create_appointment): checked for the whole file, refused row by row."""

from __future__ import annotations

import datetime as dt

import pytest

from appointments.choices import AppointmentKind
from appointments.models import Appointment
from personnel.choices import Role
from personnel.models import PostGrade, PostQuota
from personnel.roster.services import import_roster
from tests.factories import AppointmentFactory
from tests.roster.helpers import build_xlsx, db_snapshot, roster_row

pytestmark = pytest.mark.django_db

# The world's hospital has 10 grade-8 posts for 2026; 王芳 (staff_in_dept) holds one of them.
GRADE8_2026 = {"聘任岗位等级": "专业技术8级", "聘任开始": dt.date(2026, 1, 1), "聘任结束": dt.date(2027, 12, 31)}


@pytest.fixture
def hr(world):
    return world.users[Role.HOSPITAL_HR]


def _grade8_active(world) -> int:
    return Appointment.objects.filter(institution=world.hospital, post_grade_id=8, status="active").count()


def _row_for(person, **overrides) -> dict:
    return roster_row(
        身份证号=person.id_number,
        姓名=person.name,
        工号=person.employee_no,
        male=person.gender == "male",
        性别="男" if person.gender == "male" else "女",
        出生日期=person.birth_date,
        手机号=person.phone,
        参加工作时间=person.first_employment_date,
        科室=person.department.name if person.department_id else "",
        学历="",
        学位="",
        所学专业="",
        职称="",
        职称级别="",
        职称取得时间=None,
        **overrides,
    )


def test_a_file_one_row_beyond_the_quota_is_refused_on_that_row_and_nothing_is_written(world, hr):
    rows = [roster_row(姓名=f"聘{i}", **GRADE8_2026) for i in range(10)]  # 1 held + 10 = 11 > 10
    before = db_snapshot()
    report = import_roster(file=build_xlsx(rows), actor=hr)
    grade = PostGrade.objects.get(grade=8).name
    assert report.errors == [
        {
            "row": 11,
            "column": "聘任岗位等级",
            "message": f"策勒县人民医院2026年{grade}核定10个岗位，已聘10人，超出岗位结构比例，不能聘任（特设岗位除外）。",
        }
    ]
    assert db_snapshot() == before


def test_a_file_that_fills_the_quota_exactly_imports(world, hr):
    rows = [roster_row(姓名=f"聘{i}", **GRADE8_2026) for i in range(9)]  # 1 held + 9 = 10
    report = import_roster(file=build_xlsx(rows), actor=hr)
    assert report.errors == [] and report.new == 9
    assert _grade8_active(world) == 10


def test_a_special_post_beyond_the_quota_imports(world, hr):
    PostQuota.objects.filter(institution=world.hospital, year=2026, post_grade_id=8).update(count=1)  # full
    person = world.staff_other_dept
    special = AppointmentFactory(staff=person, kind=AppointmentKind.SPECIAL)  # grade 8, 2026-01-01 to 2027-12-31
    row = _row_for(person, 聘任岗位等级="专业技术8级", 聘任开始=dt.date(2026, 1, 1), 聘任结束=dt.date(2028, 6, 30))
    report = import_roster(file=build_xlsx([row]), actor=hr)
    assert report.errors == [] and report.updated == 1
    special.refresh_from_db()
    assert (special.kind, special.status, special.end) == ("special", "active", dt.date(2028, 6, 30))
    # …while an ordinary appointment to the same full grade is refused.
    refused = import_roster(file=build_xlsx([roster_row(**GRADE8_2026)]), actor=hr)
    assert [(e["row"], e["column"]) for e in refused.errors] == [(2, "聘任岗位等级")]
    assert "核定1个岗位，已聘1人" in refused.errors[0]["message"]


def test_a_post_the_file_itself_frees_is_counted_out(world, hr):
    PostQuota.objects.filter(institution=world.hospital, year=2026, post_grade_id=8).update(count=1)  # full
    person = world.staff_in_dept  # holds the one post from 2026-01-01; the file re-dates it
    row = _row_for(person, 聘任岗位等级="专业技术8级", 聘任开始=dt.date(2026, 3, 1), 聘任结束=dt.date(2028, 2, 29))
    report = import_roster(file=build_xlsx([row]), actor=hr)
    assert report.errors == [] and report.updated == 1
    assert _grade8_active(world) == 1


def test_a_grade_without_a_quota_for_the_year_is_refused(world, hr):
    row = roster_row(聘任岗位等级="专业技术9级", 聘任开始=dt.date(2026, 1, 1), 聘任结束=dt.date(2027, 12, 31))
    before = db_snapshot()
    report = import_roster(file=build_xlsx([roster_row(), row]), actor=hr)
    grade = PostGrade.objects.get(grade=9).name
    assert report.errors == [
        {
            "row": 3,
            "column": "聘任岗位等级",
            "message": f"策勒县人民医院2026年未核定{grade}岗位数，不能聘任（特设岗位除外）。",
        }
    ]
    assert db_snapshot() == before


def test_the_quota_is_counted_in_one_query_however_many_rows(world, hr):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def quota_queries(n: int) -> int:
        rows = [roster_row(**GRADE8_2026) for _ in range(n)]
        with CaptureQueriesContext(connection) as queries:
            import_roster(file=build_xlsx(rows), actor=hr, dry_run=True)
        return sum(1 for q in queries.captured_queries if "appointments_appointment" in q["sql"])

    assert quota_queries(2) == quota_queries(8) == 1
