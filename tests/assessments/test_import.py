"""manage.py import_assessments: the sheet's rules from a file, atomic, the roster import's report shape."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.management import call_command

from assessments.choices import AssessmentStatus, Grade
from assessments.importer import import_assessments
from assessments.models import Assessment
from personnel.choices import Role

HEADERS = ["身份证号", "姓名", "考核类型", "考核期间", "医疗质量", "工作量", "医德医风", "科研教学", "等次"]


def workbook(rows, headers=HEADERS) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026年3月科室月度考核"])  # a title row above the header, as HR's files have
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_file_imports_scores_with_totals_and_grades(world, march):
    data = workbook(
        [
            [world.staff_in_dept.id_number, "王芳", "月度", "2026-03", 35, 30, 20, 10, "优秀"],
            [world.head_staff.id_number, "艾合买提", "月度", "2026-03", 20, 20, 15, 5, ""],
        ]
    )
    report = import_assessments(data=data, actor=world.users[Role.DEPARTMENT_HEAD])
    assert report.errors == []
    assert (report.new, report.updated) == (2, 0)
    a = Assessment.objects.get(staff=world.staff_in_dept)
    assert (a.total, a.grade, a.status) == (95, Grade.EXCELLENT, AssessmentStatus.SUBMITTED)
    assert Assessment.objects.get(staff=world.head_staff).grade == Grade.BASIC
    assert a.history.first().history_change_reason == "导入考核结果"


def test_one_bad_row_imports_nothing_and_every_error_names_its_row_and_column(world, march):
    data = workbook(
        [
            [world.staff_in_dept.id_number, "王芳", "月度", "2026-03", 35, 30, 20, 10, "合格"],  # 95 is 优秀
            [world.staff_other_dept.id_number, "李强", "月度", "2026-03", 30, 30, 20, 10, ""],  # other department
            [world.head_staff.id_number, "张三", "月度", "2026-03", 30, 30, 20, 10, ""],  # wrong name
            [world.head_staff.id_number, "艾合买提", "季度", "2026-03", 30, 30, 20, 10, ""],  # kind vs label
            [world.head_staff.id_number, "艾合买提", "月度", "2026-03", 50, 30, 20, 10, ""],  # above 40
        ]
    )
    report = import_assessments(data=data, actor=world.users[Role.DEPARTMENT_HEAD])
    assert [(e["row"], e["column"]) for e in report.errors] == [
        (3, "等次"),
        (4, "身份证号"),
        (5, "姓名"),
        (6, "考核类型"),
        (7, "医疗质量"),
    ]
    assert not Assessment.objects.exists()


def test_a_total_and_grade_only_file_for_quarterly_results_by_hr(world, q1):
    headers = ["身份证号", "姓名", "考核类型", "考核期间", "得分", "等次"]
    data = workbook([[world.staff_in_dept.id_number, "王芳", "季度", "2026Q1", 58, "不合格"]], headers)
    report = import_assessments(data=data, actor=world.users[Role.HOSPITAL_HR])
    assert report.errors == []
    assert Assessment.objects.get(period=q1).grade == Grade.UNQUALIFIED


def test_a_period_not_opened_is_an_error(world, march):
    data = workbook([[world.staff_in_dept.id_number, "王芳", "月度", "2026-04", 35, 30, 20, 10, ""]])
    report = import_assessments(data=data, actor=world.users[Role.DEPARTMENT_HEAD])
    assert report.errors[0]["message"] == "考核期间2026-04尚未开启。"


def test_the_command_dry_run_writes_nothing_and_prints_json(world, march, tmp_path, capsys):
    path = tmp_path / "scores.xlsx"
    path.write_bytes(workbook([[world.staff_in_dept.id_number, "王芳", "月度", "2026-03", 35, 30, 20, 10, ""]]))
    call_command("import_assessments", str(path), "--dry-run", "--json", "--user", "head")
    out = json.loads(capsys.readouterr().out)
    assert (out["new"], out["errors"], out["dry_run"]) == (1, [], True)
    assert not Assessment.objects.exists()
    call_command("import_assessments", str(path))
    assert Assessment.objects.count() == 1


def test_the_command_exits_1_on_errors(world, march, tmp_path):
    path = tmp_path / "scores.xlsx"
    path.write_bytes(workbook([["110101199003078888", "无此人", "月度", "2026-03", 35, 30, 20, 10, ""]]))
    with pytest.raises(SystemExit) as exit_:
        call_command("import_assessments", str(path), "--json")
    assert exit_.value.code == 1


def test_a_file_that_is_not_xlsx_is_one_clear_message(world, tmp_path):
    report = import_assessments(data=b"name,score\n")
    assert "不是Excel工作簿" in report.file_error
