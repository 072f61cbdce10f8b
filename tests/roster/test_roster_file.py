"""The roster file: template, messy real files, ID numbers as numbers, upsert on 身份证号."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment
from personnel.choices import Role
from personnel.models import Staff, Title
from personnel.roster.columns import HEADERS
from personnel.roster.reader import parse_date
from personnel.roster.services import import_roster
from personnel.roster.template import build_template
from tests.roster.helpers import build_xlsx, db_snapshot, new_id_number, roster_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(world):
    return world.users[Role.HOSPITAL_HR]


def test_template_has_the_headers_in_order_and_drop_downs_for_closed_lists(world, hr):
    wb = openpyxl.load_workbook(io.BytesIO(build_template(user=hr)))
    ws = wb["花名册"]
    assert [c.value for c in ws[1]] == list(HEADERS)
    validated = {}
    for validation in ws.data_validations.dataValidation:
        assert validation.type == "list"
        column = str(validation.sqref).split(":")[0].rstrip("0123456789")
        validated[ws[f"{column}1"].value] = validation.formula1
    for header in ("性别", "专业类别", "人员类型", "学历", "学位", "职称级别", "聘任岗位等级", "人员状态", "单位"):
        assert header in validated, header
    options = wb["选项"]
    lists = {col[0].value: [c.value for c in col[1:] if c.value] for col in options.iter_cols()}
    assert lists["专业类别"] == ["临床", "医技", "护理", "药学", "公共卫生", "口腔", "中医"]
    assert "策勒县人民医院" in lists["单位"] and "策勒县中医医院" not in lists["单位"]  # HR's own scope
    assert ws["C2"].number_format == "@"  # 身份证号 stays text


def test_a_filled_in_template_imports(world, hr):
    wb = openpyxl.load_workbook(io.BytesIO(build_template(user=hr)))
    ws = wb["花名册"]
    row = roster_row(姓名="模板填写")
    for index, header in enumerate(HEADERS, start=1):
        ws.cell(row=2, column=index, value=row[header])
    buffer = io.BytesIO()
    wb.save(buffer)
    report = import_roster(file=buffer.getvalue(), actor=hr)
    assert report.errors == [] and report.new == 1


def test_title_rows_above_the_header_row_are_skipped_and_row_numbers_are_the_sheets(world, hr):
    data = build_xlsx(
        [roster_row(姓名="甲"), roster_row(姓名="乙", 身份证号="12345")],
        title_rows=[["策勒县人民医院2025年职工花名册"], ["填报日期：2025年6月", None, "单位：人事科"]],
    )
    report = import_roster(file=data, actor=hr, dry_run=True)
    assert report.errors == [{"row": 5, "column": "身份证号", "message": "身份证号应为18位，当前为5位。"}]


def test_no_header_row_in_the_first_ten_rows_lists_the_missing_headers(world, hr):
    before = db_snapshot()
    data = build_xlsx([roster_row()], title_rows=[["标题"]] * 10)
    report = import_roster(file=data, actor=hr)
    assert "没有找到花名册的表头行" in report.file_error
    for header in ("工号", "姓名", "身份证号", "单位", "专业类别", "人员类型"):
        assert header in report.file_error
    assert db_snapshot() == before


def test_a_header_row_missing_required_columns_names_them(world, hr):
    before = db_snapshot()
    headers = [h for h in HEADERS if h not in ("身份证号", "人员类型")]
    report = import_roster(file=build_xlsx([roster_row()], headers=headers), actor=hr)
    assert "缺少列：身份证号、人员类型" in report.file_error
    assert report.errors == [{"row": None, "column": "", "message": report.file_error}]
    assert db_snapshot() == before


def test_columns_in_another_order_with_extra_columns_import_and_the_extras_are_listed(world, hr):
    headers = ["备注", *reversed(HEADERS), "联系人"]
    row = roster_row(姓名="乱序", 备注="无", 联系人="张三")
    report = import_roster(file=build_xlsx([row], headers=headers), actor=hr)
    assert report.errors == []
    assert report.new == 1
    assert report.extra_columns == ["备注", "联系人"]
    assert Staff.objects.get(id_number=row["身份证号"]).name == "乱序"


def test_header_aliases_and_full_width_headers_are_recognised(world, hr):
    renames = {"身份证号": "公民身份号码", "工号": "职工号", "单位": "单位名称", "姓名": "姓　名"}
    headers = [renames.get(h, h) for h in HEADERS]
    row = roster_row()
    renamed = {renames.get(k, k): v for k, v in row.items()}
    report = import_roster(file=build_xlsx([renamed], headers=headers), actor=hr)
    assert report.errors == [] and report.new == 1


def test_trailing_blank_rows_are_ignored(world, hr):
    report = import_roster(file=build_xlsx([roster_row(), roster_row()], trailing_blank_rows=30), actor=hr)
    assert report.errors == [] and report.total_rows == 2 and report.new == 2


def test_full_width_digits_and_spaces_are_normalised(world, hr):
    number = new_id_number()
    full_width = number.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    row = roster_row(
        身份证号=f" {full_width[:6]}　{full_width[6:]} ",
        工号="Ｅ１２３４",
        手机号="１３９ １２３４ ５６７８",
        姓名="　王　小明 ",
        单位="  策勒县人民医院 ",
        专业类别="临床 ",
    )
    report = import_roster(file=build_xlsx([row]), actor=hr)
    assert report.errors == []
    person = Staff.objects.get(id_number=number)
    assert (person.employee_no, person.phone, person.name) == ("E1234", "13912345678", "王 小明")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (dt.date(2019, 7, 1), dt.date(2019, 7, 1)),
        (dt.datetime(2019, 7, 1, 0, 0), dt.date(2019, 7, 1)),
        ("2019-07-01", dt.date(2019, 7, 1)),
        ("2019/7/1", dt.date(2019, 7, 1)),
        ("2019.07", dt.date(2019, 7, 1)),
        ("2019年7月", dt.date(2019, 7, 1)),
        ("2019年7月1日", dt.date(2019, 7, 1)),
        ("２０１９－０７－０１", dt.date(2019, 7, 1)),
        (43647, dt.date(2019, 7, 1)),  # an Excel serial number in a cell without a date format
    ],
)
def test_dates_as_excel_dates_or_text_import(world, hr, cell, expected):
    row = roster_row(参加工作时间=cell)
    report = import_roster(file=build_xlsx([row]), actor=hr)
    assert report.errors == []
    assert Staff.objects.get(id_number=row["身份证号"]).first_employment_date == expected


def test_an_impossible_date_is_a_row_error(world, hr):
    before = db_snapshot()
    report = import_roster(file=build_xlsx([roster_row(参加工作时间="2019-02-30")]), actor=hr)
    assert report.errors == [{"row": 2, "column": "参加工作时间", "message": "日期“2019-02-30”不存在，请核对年月日。"}]
    assert db_snapshot() == before
    with pytest.raises(ValueError, match="无法识别"):
        parse_date("去年七月")


def test_institution_and_department_given_by_code(world, hr):
    row = roster_row(单位="rmyy", 科室="WK")
    report = import_roster(file=build_xlsx([row]), actor=hr)
    assert report.errors == []
    person = Staff.objects.get(id_number=row["身份证号"])
    assert (person.institution, person.department) == (world.hospital, world.other_dept)


def test_a_lowercase_x_check_digit_is_accepted(world, hr):
    number = next(n for n in (new_id_number() for _ in range(200)) if n.endswith("X"))
    row = roster_row(身份证号=number.lower())
    report = import_roster(file=build_xlsx([row]), actor=hr)
    assert report.errors == []
    assert Staff.objects.filter(id_number=number).exists()


@pytest.mark.parametrize("cell", [652101198503141234, 6.52101e17, "6.52101E+17"])
def test_an_id_number_stored_as_a_number_is_reported_never_guessed(world, hr, cell):
    before = db_snapshot()
    report = import_roster(file=build_xlsx([roster_row(), roster_row(身份证号=cell)], text_id_numbers=False), actor=hr)
    assert len(report.errors) == 1
    error = report.errors[0]
    assert (error["row"], error["column"]) == (3, "身份证号")
    assert "E+17" in error["message"] and "文本" in error["message"] and "丢失" in error["message"]
    assert db_snapshot() == before


def test_upsert_on_id_number_creates_updates_and_a_reimport_writes_nothing(world, hr):
    known = world.staff_other_dept
    update = roster_row(
        身份证号=known.id_number,
        姓名="李强",
        工号=known.employee_no,
        手机号="13700001111",
        科室="外科",
        出生日期=known.birth_date,
    )
    new = roster_row(姓名="新人")
    data = build_xlsx([update, new])

    report = import_roster(file=data, actor=hr)
    assert (report.new, report.updated, report.unchanged, report.errors) == (1, 1, 0, [])
    known.refresh_from_db()
    assert known.phone == "13700001111"
    created = Staff.objects.get(id_number=new["身份证号"])
    assert created.titles.get().name == "主治医师"
    assert Appointment.objects.get(staff=created, status="active").post_grade_id == 10
    # Audit: every write has a history row by the importing user.
    assert created.history.get().history_user == hr
    assert known.history.latest().history_user == hr
    assert Title.history.filter(staff_id=created.pk).get().history_user == hr

    before = db_snapshot()
    with CaptureQueriesContext(connection) as queries:
        again = import_roster(file=data, actor=hr)
    assert (again.new, again.updated, again.unchanged, again.errors) == (0, 0, 2, [])
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    ]
    assert writes == []
    assert db_snapshot() == before


def test_a_changed_title_and_a_new_appointment_grade_update_a_known_person(world, hr):
    person = world.staff_in_dept  # holds 主治医师 (2015-09-01) and an active grade-8 appointment from 2026-01-01
    row = roster_row(
        身份证号=person.id_number,
        姓名=person.name,
        工号=person.employee_no,
        male=False,
        性别="女",
        出生日期=person.birth_date,
        职称="主治医师",
        职称取得时间="2016-09-01",
        聘任岗位等级="专业技术7级",
        聘任开始="2026/7/1",
        聘任结束="2028/6/30",
        手机号=person.phone,
        参加工作时间=person.first_employment_date,
        学历="",
        学位="",
        所学专业="",
    )
    report = import_roster(file=build_xlsx([row]), actor=hr)
    assert report.errors == [] and report.updated == 1
    assert person.titles.get(name="主治医师").obtained_on == dt.date(2016, 9, 1)
    old, new = Appointment.objects.filter(staff=person).order_by("start")
    assert (old.status, old.end) == ("ended", dt.date(2026, 6, 30))
    assert (new.status, new.post_grade_id, new.start) == ("active", 7, dt.date(2026, 7, 1))


def test_an_appointment_end_left_blank_follows_the_policy_term(world, hr):
    row = roster_row(聘任开始="2025-01-01", 聘任结束=None)
    assert import_roster(file=build_xlsx([row]), actor=hr).errors == []
    appointment = Appointment.objects.get(staff__id_number=row["身份证号"])
    assert appointment.end == dt.date(2026, 12, 31)  # policy: appointment_term_years = 2
