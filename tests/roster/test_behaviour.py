"""Behaviour: one code path behind three entry points, atomic, scope-checked, precise errors."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from personnel.choices import Role
from personnel.models import RosterImport, Staff
from personnel.roster import services
from personnel.roster.errors_workbook import NOTE_HEADER
from personnel.roster.resources import StaffResource
from personnel.roster.services import import_roster
from personnel.validators import id_check_digit
from tests.roster.helpers import build_xlsx, db_snapshot, roster_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def hr(world):
    return world.users[Role.HOSPITAL_HR]


CHECK = id_check_digit("65322519880506001")


def _bad_file() -> tuple[bytes, str]:
    good = roster_row(姓名="好人")
    bad = roster_row(姓名="坏人", 身份证号="653225198805060010", 专业类别="外科学")
    return build_xlsx([good, bad]), good["身份证号"]


# ---------------------------------------------------------------- atomic, scope, duplicates


def test_one_bad_row_writes_nothing_even_after_earlier_batches_were_flushed(world, hr, monkeypatch):
    monkeypatch.setattr(StaffResource._meta, "batch_size", 2)
    rows = [roster_row(姓名=f"批次{i}") for i in range(5)] + [roster_row(身份证号="653225198805061234")]
    before = db_snapshot()
    report = import_roster(file=build_xlsx(rows), actor=hr)
    assert report.errors == [
        {
            "row": 7,
            "column": "身份证号",
            "message": f"身份证号校验位错误（应为{id_check_digit('65322519880506123')}），请核对。",
        }
    ]
    assert db_snapshot() == before


def test_each_bad_cell_is_reported_with_sheet_row_column_and_a_chinese_message(world, hr):
    data, _ = _bad_file()
    report = import_roster(file=data, actor=hr, dry_run=True)
    assert report.errors == [
        {"row": 3, "column": "身份证号", "message": f"身份证号校验位错误（应为{CHECK}），请核对。"},
        {
            "row": 3,
            "column": "专业类别",
            "message": "“外科学”不是可选的专业类别，请从下拉列表中选择（临床、医技、护理、药学、公共卫生、口腔、中医）。",
        },
    ]
    assert (report.new, report.updated) == (1, 0)


def test_blank_required_cells_say_which_column_is_empty(world, hr):
    before = db_snapshot()
    report = import_roster(file=build_xlsx([roster_row(姓名="", 单位="", 人员类型="")]), actor=hr)
    messages = {(e["column"], e["message"]) for e in report.errors}
    assert ("姓名", "姓名不能为空。") in messages
    assert ("单位", "单位不能为空。") in messages
    assert ("人员类型", "人员类型不能为空。") in messages
    assert db_snapshot() == before


def test_a_duplicated_id_number_in_the_file_names_both_rows(world, hr):
    row = roster_row()
    twin = dict(row, 工号="OTHER-1")
    before = db_snapshot()
    report = import_roster(file=build_xlsx([roster_row(), row, twin]), actor=hr)
    duplicate = [e for e in report.errors if "重复" in e["message"]]
    assert [e["row"] for e in duplicate] == [3, 4]
    assert all("第3、4行" in e["message"] and e["column"] == "身份证号" for e in duplicate)
    assert db_snapshot() == before


def test_a_duplicated_employee_number_in_one_institution_names_both_rows(world, hr):
    before = db_snapshot()
    report = import_roster(file=build_xlsx([roster_row(工号="A1"), roster_row(工号="A1")]), actor=hr)
    assert {(e["row"], e["column"]) for e in report.errors} == {(2, "工号"), (3, "工号")}
    assert db_snapshot() == before


def test_hr_cannot_create_staff_in_an_institution_outside_their_scope(world, hr):
    before = db_snapshot()
    report = import_roster(file=build_xlsx([roster_row(), roster_row(单位="策勒县中医医院", 科室="")]), actor=hr)
    assert report.errors == [
        {"row": 3, "column": "单位", "message": "“策勒县中医医院”不在您管理的机构范围内，不能导入或调入该单位的人员。"}
    ]
    assert db_snapshot() == before


def test_hr_cannot_move_their_staff_out_of_scope_nor_touch_foreign_staff(world, hr):
    mine = world.staff_other_dept
    foreign = world.staff_other_hospital
    rows = [
        roster_row(
            身份证号=mine.id_number, 工号=mine.employee_no, 单位="策勒县中医医院", 科室="", 出生日期=mine.birth_date
        ),
        roster_row(身份证号=foreign.id_number, 工号=foreign.employee_no, 出生日期=foreign.birth_date),
    ]
    before = db_snapshot()
    report = import_roster(file=build_xlsx(rows), actor=hr)
    assert [(e["row"], e["column"]) for e in report.errors] == [(2, "单位"), (3, "身份证号")]
    assert "无权修改" in report.errors[1]["message"]
    assert db_snapshot() == before


def test_hr_may_import_into_a_branch_below_their_hospital(world, hr):
    report = import_roster(file=build_xlsx([roster_row(单位="FY", 科室="")]), actor=hr)
    assert report.errors == [] and report.new == 1


def test_a_department_head_may_not_import(world):
    before = db_snapshot()
    report = import_roster(file=build_xlsx([roster_row()]), actor=world.users[Role.DEPARTMENT_HEAD])
    assert report.file_error == "当前角色无权导入花名册。"
    assert db_snapshot() == before


def test_queries_are_bounded_by_batches_not_rows(world, hr):
    def count(n: int) -> int:
        data = build_xlsx([roster_row() for _ in range(n)])
        with CaptureQueriesContext(connection) as queries:
            report = import_roster(file=data, actor=hr)
        assert report.errors == [] and report.new == n
        return len(queries)

    # SQLite splits an INSERT at 999 parameters, so both sizes stay below that; PostgreSQL does
    # not split, and the benchmark checks the same there with 50,000 rows.
    assert count(5) == count(30)


# ---------------------------------------------------------------- the command


def test_command_exits_0_and_prints_the_json_report(world, hr, tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(build_xlsx([roster_row(), roster_row()]))
    call_command("import_roster", str(path), "--json", "--user", "hr")
    assert json.loads(capsys.readouterr().out) == {"new": 2, "updated": 0, "unchanged": 0, "errors": []}
    call_command("import_roster", str(path), "--json")
    assert json.loads(capsys.readouterr().out)["unchanged"] == 2


def test_command_exits_1_on_any_row_error_and_writes_nothing(world, tmp_path, capsys):
    data, good_id = _bad_file()
    path = tmp_path / "bad.xlsx"
    path.write_bytes(data)
    before = db_snapshot()
    with pytest.raises(SystemExit) as exit_info:
        call_command("import_roster", str(path), "--json")
    assert exit_info.value.code == 1
    out = json.loads(capsys.readouterr().out)
    assert out["errors"][0] == {
        "row": 3,
        "column": "身份证号",
        "message": f"身份证号校验位错误（应为{CHECK}），请核对。",
    }
    assert db_snapshot() == before
    assert not Staff.objects.filter(id_number=good_id).exists()


def test_command_dry_run_exits_0_and_writes_nothing(world, tmp_path, capsys):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(build_xlsx([roster_row()]))
    before = db_snapshot()
    call_command("import_roster", str(path), "--dry-run")
    assert "新增1" in capsys.readouterr().out
    assert db_snapshot() == before


# ---------------------------------------------------------------- the API


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_multipart_import_then_list_and_detail(world, hr):
    client = _api(hr)
    upload = io.BytesIO(build_xlsx([roster_row()]))
    upload.name = "花名册.xlsx"
    response = client.post("/api/v1/roster-imports/", {"file": upload}, format="multipart")
    assert response.status_code == 201, response.data
    assert (response.data["new"], response.data["status"]) == (1, "done")
    record_id = response.data["id"]
    listed = client.get("/api/v1/roster-imports/").data
    assert record_id in [r["id"] for r in listed["results"]]
    detail = client.get(f"/api/v1/roster-imports/{record_id}/").data
    assert (detail["file_name"], detail["created_by"]) == ("花名册.xlsx", "hr")


def test_api_with_a_bad_row_is_400_with_row_errors_and_writes_nothing(world, hr):
    data, _ = _bad_file()
    upload = io.BytesIO(data)
    upload.name = "bad.xlsx"
    before = db_snapshot()
    response = _api(hr).post("/api/v1/roster-imports/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.data["errors"][0]["row"] == 3
    assert db_snapshot() == before


def test_api_key_client_imports_within_its_institution(world):
    upload = io.BytesIO(build_xlsx([roster_row(), roster_row(单位="策勒县中医医院", 科室="")]))
    upload.name = "his.xlsx"
    before = db_snapshot()
    response = APIClient().post(
        "/api/v1/roster-imports/", {"file": upload}, format="multipart", HTTP_AUTHORIZATION=f"Api-Key {world.api_key}"
    )
    assert response.status_code == 400
    assert [(e["row"], e["column"]) for e in response.data["errors"]] == [(3, "单位")]
    assert db_snapshot() == before


def test_api_import_records_of_another_institution_are_404(world, hr):
    other_hr = world.users[Role.HOSPITAL_HR].__class__.objects.create(
        username="zy-hr", role=Role.HOSPITAL_HR, institution=world.other_hospital
    )
    record = services.create_import_record(file_name="x.xlsx", data=b"", actor=other_hr, source="web", dry_run=True)
    assert _api(hr).get(f"/api/v1/roster-imports/{record.pk}/").status_code == 404
    assert _api(world.users[Role.STAFF]).post("/api/v1/roster-imports/", {}, format="multipart").status_code == 403


# ---------------------------------------------------------------- the browser flow (server side)


def test_upload_preview_then_confirm(world, hr, client):
    client.force_login(hr)
    row = roster_row(姓名="网页导入")
    upload = io.BytesIO(build_xlsx([row], headers=["备注", *roster_row().keys()]))
    upload.name = "web.xlsx"
    response = client.post(reverse("roster:upload"), {"file": upload})
    record = RosterImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("roster:detail", args=[record.pk])
    assert record.status == "checked"
    page = client.get(response.url).content.decode()
    assert 'data-count="new">1<' in page and "确认导入" in page and "已忽略的列：备注" in page
    assert not Staff.objects.filter(id_number=row["身份证号"]).exists()

    client.post(reverse("roster:confirm", args=[record.pk]))
    record.refresh_from_db()
    assert record.status == "done" and record.content is None
    assert Staff.objects.filter(id_number=row["身份证号"], name="网页导入").exists()
    assert "网页导入" in client.get(reverse("personnel:staff_list")).content.decode()
    history = client.get(reverse("roster:history")).content.decode()
    assert "web.xlsx" in history and "已导入" in history


def test_a_file_with_errors_shows_them_and_cannot_be_confirmed(world, hr, client):
    client.force_login(hr)
    data, _ = _bad_file()
    upload = io.BytesIO(data)
    upload.name = "bad.xlsx"
    before = db_snapshot()
    client.post(reverse("roster:upload"), {"file": upload})
    record = RosterImport.objects.get()
    page = client.get(reverse("roster:detail", args=[record.pk])).content.decode()
    assert "第3行" in page and "身份证号校验位错误" in page and "确认导入" not in page
    client.post(reverse("roster:confirm", args=[record.pk]))
    assert db_snapshot() == before


def test_the_errors_workbook_is_hrs_own_file_with_notes_and_highlighted_cells(world, hr, client):
    client.force_login(hr)
    data, _ = _bad_file()
    upload = io.BytesIO(data)
    upload.name = "bad.xlsx"
    client.post(reverse("roster:upload"), {"file": upload})
    record = RosterImport.objects.get()
    response = client.get(reverse("roster:errors_workbook", args=[record.pk]))
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in ws[1]]
    assert header[-1] == NOTE_HEADER and header[:-1] == list(roster_row().keys())
    note = ws.cell(row=3, column=len(header)).value
    assert "身份证号：身份证号校验位错误" in note and "专业类别：" in note
    assert ws.cell(row=2, column=len(header)).value is None
    id_cell = ws.cell(row=3, column=header.index("身份证号") + 1)
    assert id_cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.cell(row=2, column=header.index("身份证号") + 1).fill.fgColor.rgb != id_cell.fill.fgColor.rgb


def test_a_large_file_goes_to_the_celery_task_with_progress_and_history(world, hr, client, monkeypatch):
    monkeypatch.setattr(services, "ASYNC_THRESHOLD", 3)
    seen: list[int] = []
    original = services.cache.set

    def spy(key, value, *args, **kwargs):
        if key.startswith("roster_import:"):
            seen.append(value)
        return original(key, value, *args, **kwargs)

    monkeypatch.setattr(services.cache, "set", spy)
    client.force_login(hr)
    upload = io.BytesIO(build_xlsx([roster_row() for _ in range(5)]))
    upload.name = "big.xlsx"
    client.post(reverse("roster:upload"), {"file": upload})
    record = RosterImport.objects.get()
    assert record.status == "checked"  # the eager Celery task ran the check
    client.post(reverse("roster:confirm", args=[record.pk]))
    record.refresh_from_db()
    assert (record.status, record.new_count) == ("done", 5)
    assert seen[0] == 0 and seen[-1] == 5
    progress = client.get(reverse("roster:progress", args=[record.pk])).json()
    assert progress == {
        "status": "done",
        "status_display": "已导入",
        "progress": 5,
        "total": 5,
        "percent": 100,
        "finished": True,
    }


def test_pages_are_for_roles_that_may_change_staff(world, client):
    client.force_login(world.users[Role.DEPARTMENT_HEAD])
    assert client.get(reverse("roster:upload")).status_code == 403
    client.force_login(world.users[Role.HOSPITAL_HR])
    assert client.get(reverse("roster:upload")).status_code == 200
    assert client.get(reverse("roster:template")).status_code == 200


def test_api_key_client_import_is_written_with_history(world):
    row = roster_row()
    upload = io.BytesIO(build_xlsx([row]))
    upload.name = "his.xlsx"
    response = APIClient().post(
        "/api/v1/roster-imports/", {"file": upload}, format="multipart", HTTP_AUTHORIZATION=f"Api-Key {world.api_key}"
    )
    assert response.status_code == 201, response.data
    person = Staff.objects.get(id_number=row["身份证号"])
    assert person.history.get().history_type == "+"
