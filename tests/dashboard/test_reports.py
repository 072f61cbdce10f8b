"""Monthly and annual reports: the API's figures are the dashboard's, the .xlsx holds the same
numbers, the PDF draws its charts; a per-institution report reads as that institution's HR."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from dashboard import figures
from personnel.choices import Role

from .conftest import TODAY


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_monthly_report_api_returns_the_dashboard_figures(dash):
    admin = dash.users[Role.COMMISSION_ADMIN]
    response = api(admin).get("/api/v1/reports/monthly/", {"month": "2026-11"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["title"] == "策勒县2026-11月度人事统计报告"
    assert body["figures"] == [f.as_dict() for f in figures.dashboard(admin, today=TODAY)]


def test_an_institution_report_reads_as_that_institutions_hr(dash):
    admin = dash.users[Role.COMMISSION_ADMIN]
    response = api(admin).get("/api/v1/reports/monthly/", {"month": "2026-11", "institution": dash.hospital.pk})
    assert response.status_code == 200
    hr_view = [f.as_dict() for f in figures.dashboard(dash.users[Role.HOSPITAL_HR], today=TODAY)]
    assert response.json()["figures"] == hr_view
    assert response.json()["scope"] == "策勒县人民医院"


def test_a_report_on_an_institution_out_of_scope_is_refused(dash):
    response = api(dash.users[Role.HOSPITAL_HR]).get(
        "/api/v1/reports/annual/", {"year": "2026", "institution": dash.other_hospital.pk}
    )
    assert response.status_code == 400
    assert "不在您的管理范围内" in str(response.json())


@pytest.mark.parametrize("role", [Role.DEPARTMENT_HEAD, Role.STAFF])
def test_department_heads_and_staff_get_no_reports(dash, role, client):
    assert api(dash.users[role]).get("/api/v1/reports/monthly/").status_code == 403
    client.force_login(dash.users[role])
    assert client.get(reverse("dashboard:report", args=["monthly", "pdf"])).status_code == 403


def test_a_month_not_yet_begun_or_malformed_is_explained(dash):
    client = api(dash.users[Role.COMMISSION_ADMIN])
    assert "尚未开始" in str(client.get("/api/v1/reports/monthly/", {"month": "2027-05"}).json())
    assert "格式不正确" in str(client.get("/api/v1/reports/monthly/", {"month": "五月"}).json())


def test_the_annual_report_uses_the_annual_period(dash):
    from tests.demotions.factories import AssessmentFactory, AssessmentPeriodFactory

    annual = AssessmentPeriodFactory(region=dash.region, kind="annual", year=2026, number=0)
    AssessmentFactory(period=annual, staff=dash.staff_in_dept, grade="excellent")
    body = api(dash.users[Role.COMMISSION_ADMIN]).get("/api/v1/reports/annual/", {"year": "2026"}).json()
    completion = next(f for f in body["figures"] if f["key"] == "completion")
    assert completion["title"].startswith("2026年度考核")
    assert sum(next(s for s in completion["series"] if s["name"] == "已提交")["data"]) == 1


def test_the_xlsx_holds_the_figures_numbers(dash, client):
    admin = dash.users[Role.COMMISSION_ADMIN]
    client.force_login(admin)
    response = client.get(reverse("dashboard:report", args=["monthly", "xlsx"]), {"month": "2026-11"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    shown = figures.dashboard(admin, today=TODAY)
    assert len(book.sheetnames) == len(shown) + 1
    for sheet_name, figure in zip(book.sheetnames[1:], shown, strict=True):
        rows = list(book[sheet_name].iter_rows(values_only=True))
        assert list(rows[0][1:]) == [s["name"] for s in figure.series]
        for j, category in enumerate(figure.categories):
            assert rows[j + 1][0] == category
            assert list(rows[j + 1][1:]) == [figures._plain(s["data"][j]) for s in figure.series]
    quota = book[book.sheetnames[2]]
    assert quota._charts  # a bar chart beside the numbers


def test_the_pdf_draws_each_chart_and_lists_the_numbers(dash, client, tmp_path):
    client.force_login(dash.users[Role.COMMISSION_ADMIN])
    response = client.get(reverse("dashboard:report", args=["monthly", "pdf"]), {"month": "2026-11"})
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.content)
    if shutil.which("pdftotext") is None:
        pytest.skip("未安装 pdftotext，无法读取 PDF 文字检查。")
    text = subprocess.run(  # noqa: S603
        ["pdftotext", "-layout", str(path), "-"],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "策勒县2026-11月度人事统计报告" in text
    for title in (
        "在岗人员职称结构",
        "岗位使用",
        "提交情况",
        "考核等次分布",
        "能上能下进度",
        "县聘乡用",
        "柔性引才经费",
    ):
        assert title in text
    assert "500,000" in text  # the hospital's talent budget


@pytest.mark.parametrize("role", [Role.COMMISSION_ADMIN, Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF])
def test_the_dashboard_api_returns_each_roles_own_figures(dash, role):
    user = dash.users[role]
    response = api(user).get("/api/v1/dashboard/")
    assert response.status_code == 200
    assert response.json() == [f.as_dict() for f in figures.dashboard(user, today=TODAY)]


def test_a_his_client_reads_the_figures_of_its_institution_subtree(dash):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {dash.api_key}")
    body = client.get("/api/v1/dashboard/").json()
    assert [f["key"] for f in body] == ["staff_by_level", "quota_use", "talent_risk"]  # what HIS keys read
    institutions = {c for f in body for c in f["categories"]}
    assert institutions and all(c.startswith(("策勒县人民医院", "人民医院分院")) for c in institutions)
