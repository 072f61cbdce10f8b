"""服务期满评价表: filled by the receiving unit, result only after the stint, downloads as xlsx and PDF."""

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from personnel.choices import Role
from personnel.errors import ApplicationError
from secondments import services
from tests.factories import UserFactory

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def ended(stint):
    services.recompute_open_secondments(today=D(2027, 1, 1))
    stint.refresh_from_db()
    return stint


def test_result_only_after_the_stint(stint):
    with pytest.raises(ApplicationError, match="期满"):
        services.save_evaluation(secondment=stint, data={"result": "pass"}, party="commission")
    saved = services.save_evaluation(secondment=stint, data={"patients_seen": 1200}, party="receiving")
    assert saved.patients_seen == 1200


def test_each_party_writes_only_its_own_part(ended):
    with pytest.raises(ApplicationError, match="评价结果"):
        services.save_evaluation(secondment=ended, data={"result": "pass"}, party="receiving")
    with pytest.raises(ApplicationError, match="诊疗病人"):
        services.save_evaluation(secondment=ended, data={"patients_seen": 5}, party="dispatching")
    services.save_evaluation(secondment=ended, data={"dispatching_opinion": "同意。"}, party="dispatching")
    evaluation = services.save_evaluation(secondment=ended, data={"result": "pass"}, party="commission")
    assert (evaluation.dispatching_opinion, evaluation.result) == ("同意。", "pass")


def test_the_units_fill_their_parts_and_both_files_download(ended, sworld):
    township_hr = UserFactory(username="township", role=Role.HOSPITAL_HR, institution=sworld.township)
    c = Client()
    c.force_login(township_hr)
    body = {
        "patients_seen": 1532,
        "surgeries": 12,
        "case_discussions": 9,
        "juniors_mentored": 3,
        "lectures": 6,
        "new_techniques": 2,
        "summary": "完成全年门诊和带教任务。",
        "receiving_opinion": "德能勤绩廉表现良好。",
        "result": "pass",  # not the township's to give: ignored
    }
    url = reverse("secondments:evaluation", args=[ended.pk])
    assert c.post(url, body).status_code == 302
    ended.evaluation.refresh_from_db()
    assert (ended.evaluation.patients_seen, ended.evaluation.result) == (1532, "")
    hr = Client()
    hr.force_login(sworld.users["hospital_hr"])
    assert hr.post(url, {"dispatching_opinion": "同意。", "patients_seen": 1}).status_code == 302
    admin = Client()
    admin.force_login(sworld.users["commission_admin"])
    assert admin.post(url, {"commission_opinion": "同意接收单位意见。", "result": "pass"}).status_code == 302
    ended.evaluation.refresh_from_db()
    assert (ended.evaluation.patients_seen, ended.evaluation.result) == (1532, "pass")
    assert ended.evaluation.dispatching_opinion == "同意。"

    xlsx = c.get(reverse("secondments:evaluation_xlsx", args=[ended.pk]))
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert "重庆市万州区“县聘乡用”人员下沉基层服务经历评价表" in values
    assert "1532" in values and "王芳" in values
    assert any("评价结果：合格" in str(v) for v in values)
    pdf = c.get(reverse("secondments:evaluation_pdf", args=[ended.pk]))
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_staff_read_the_form_but_cannot_fill(ended, sworld):
    staff = Client()
    staff.force_login(sworld.users["staff"])
    url = reverse("secondments:evaluation", args=[ended.pk])
    assert staff.get(url).status_code == 200
    assert staff.post(url, {"summary": "x"}).status_code == 403


def test_a_foreign_user_cannot_download(ended, sworld):
    other = UserFactory(username="other", role=Role.HOSPITAL_HR, institution=sworld.other_hospital)
    c = Client()
    c.force_login(other)
    assert c.get(reverse("secondments:evaluation_pdf", args=[ended.pk])).status_code == 404


def test_a_new_form_is_prefilled_from_the_receiving_units_his_workload(ended, sworld):
    from assessments.models import WorkloadMetric, WorkloadRecord

    def record(code, quantity, n, institution=sworld.township, day=None):
        WorkloadRecord.objects.create(
            institution=institution,
            staff=ended.staff,
            metric=WorkloadMetric.objects.get(code=code),
            date=day or D(2026, 5, 1),
            quantity=quantity,
            source_record_id=f"R{n}",
        )

    record("outpatient_visit", 800, 1)
    record("inpatient_discharge", 40, 2)
    record("surgery_level2", 5, 3)
    record("surgery_level3", 2, 4)
    record("outpatient_visit", 999, 5, institution=sworld.hospital)  # at home, not at the township
    record("outpatient_visit", 999, 6, day=D(2027, 2, 1))  # after the stint
    township_hr = UserFactory(username="township", role=Role.HOSPITAL_HR, institution=sworld.township)
    c = Client()
    c.force_login(township_hr)
    page = c.get(reverse("secondments:evaluation", args=[ended.pk]))
    form = page.context["form"]
    assert form["patients_seen"].value() == 840
    assert form["surgeries"].value() == 7
    assert form["lectures"].value() == 0
    assert "已按 HIS 工作量预填" in page.content.decode()
