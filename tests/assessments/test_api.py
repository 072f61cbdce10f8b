"""Assessment API: each role's scope for results, the sheet save through the API, period rights."""

from __future__ import annotations

import pytest

from assessments.services import ScoreRow, save_scores
from personnel.choices import Role
from tests.api_testing import client_for

from .conftest import full_scores


@pytest.fixture
def scored(world, march, q1):
    head = world.users[Role.DEPARTMENT_HEAD]
    save_scores(period=march, actor=head, rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(80))])
    hr = world.users[Role.HOSPITAL_HR]
    save_scores(period=q1, actor=hr, rows=[ScoreRow(staff_id=world.staff_other_dept.pk, scores={"overall": "70"})])
    save_scores(period=q1, actor=hr, rows=[ScoreRow(staff_id=world.staff_branch.pk, scores={"overall": "88"})])
    return march


@pytest.mark.parametrize(
    ("role", "names"),
    [
        ("commission_admin", {"王芳", "李强", "张伟"}),
        ("hospital_hr", {"王芳", "李强", "张伟"}),
        ("department_head", {"王芳"}),
        ("staff", {"王芳"}),
    ],
)
def test_results_are_listed_within_each_roles_scope(world, scored, role, names):
    response = client_for(world, role).get("/api/v1/assessments/")
    assert response.status_code == 200
    assert {r["staff_name"] for r in response.json()["results"]} == names


def test_his_clients_do_not_read_results(world, scored):
    assert client_for(world, "api_client").get("/api/v1/assessments/").status_code == 403


def test_a_foreign_result_is_a_404(world, scored):
    from assessments.models import Assessment

    other = Assessment.objects.get(staff=world.staff_other_dept)
    assert client_for(world, "department_head").get(f"/api/v1/assessments/{other.pk}/").status_code == 404


def test_the_head_saves_a_sheet_through_the_api_and_a_stale_version_is_refused(world, march):
    client = client_for(world, "department_head")
    body = {"period": march.pk, "rows": [{"staff": world.staff_in_dept.pk, "scores": full_scores(90), "version": 0}]}
    response = client.post("/api/v1/assessments/sheet/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["assessments"][0]["grade"] == "excellent"
    again = client.post("/api/v1/assessments/sheet/", body, format="json")
    assert again.status_code == 400
    assert "已被他人修改" in again.json()["detail"]


def test_staff_cannot_save_a_sheet(world, march):
    body = {"period": march.pk, "rows": [{"staff": world.staff_in_dept.pk, "scores": full_scores(90)}]}
    assert client_for(world, "staff").post("/api/v1/assessments/sheet/", body, format="json").status_code == 403


@pytest.mark.parametrize(
    ("role", "status"), [("commission_admin", 201), ("hospital_hr", 403), ("department_head", 403)]
)
def test_only_the_commission_opens_periods(world, role, status):
    response = client_for(world, role).post(
        "/api/v1/assessment-periods/", {"kind": "monthly", "year": 2026, "number": 5}
    )
    assert response.status_code == status


def test_reopening_through_the_api_needs_a_reason(world, march):
    admin = client_for(world, "commission_admin")
    assert admin.post(f"/api/v1/assessment-periods/{march.pk}/close/").status_code == 200
    assert admin.post(f"/api/v1/assessment-periods/{march.pk}/reopen/", {"reason": ""}).status_code == 400
    response = admin.post(f"/api/v1/assessment-periods/{march.pk}/reopen/", {"reason": "更正"})
    assert response.json()["status"] == "open"


def test_schemes_are_read_with_items_and_bands(world, march):
    response = client_for(world, "department_head").get("/api/v1/assessment-schemes/")
    scheme = response.json()["results"][0]
    assert [i["code"] for i in scheme["items"]] == ["quality", "workload", "ethics", "teaching"]
    assert {b["grade_display"] for b in scheme["bands"]} == {"优秀", "合格", "基本合格", "不合格"}
