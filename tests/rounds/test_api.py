"""Rounds API: the scoping matrix (staff their own application, HR their institution subtree's, the
commission its region's; a foreign row is a 404), a small round end to end over HTTP down to the
agreement PDF and the signed appointment, refusals in Chinese, and list query counts that do not
grow with rows."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.choices import AppointmentStatus
from appointments.models import Appointment
from personnel.choices import Role
from publicity import services as publicity_services
from rounds import services
from rounds.choices import ApplicationStatus
from rounds.models import Agreement, Application, ProposedList, RoundCandidate
from tests.api_testing import assert_chinese_400, assert_status, client_for
from tests.factories import AppointmentFactory, UserFactory

from .conftest import YEAR

D = dt.date
pytestmark = pytest.mark.django_db


def url(basename: str, pk: int | None = None, action: str | None = None) -> str:
    if action:
        return reverse(f"rounds_api:{basename}-{action}", kwargs={"pk": pk})
    if pk is not None:
        return reverse(f"rounds_api:{basename}-detail", kwargs={"pk": pk})
    return reverse(f"rounds_api:{basename}-list")


def _agreement_for(application) -> Agreement:
    """An agreement row for the scoping matrix (its status does not matter to who sees it)."""
    return Agreement.objects.create(
        application=application,
        number=f"T-{application.pk}",
        title="聘任协议",
        text="测试",
        post_grade=application.post_grade,
        pay_grade=application.post_grade,
        term_start=D(2028, 1, 1),
        term_end=D(2029, 12, 31),
    )


@pytest.fixture
def matrix(world, round_, quota, commission, grade):
    """Applications of 王芳 (hospital), 张伟 (its branch), 刘洋 (another hospital) and, in another
    region's round, 陈静 — each with an agreement row."""
    quota(world.branch, 8, 1)
    quota(world.other_hospital, 8, 1)
    quota(world.foreign_hospital, 8, 1)
    apps = {}
    for staff in (world.staff_in_dept, world.staff_branch, world.staff_other_hospital):
        apps[staff.name] = services.apply(
            round=round_, staff=staff, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=commission
        )
    foreign_admin = UserFactory(username="wz", role=Role.COMMISSION_ADMIN, institution=world.foreign_hospital.parent)
    foreign_round = services.open_round(
        region=world.foreign_region, year=YEAR, opened_on=D(2027, 12, 1), actor=foreign_admin
    )
    apps["陈静"] = services.apply(
        round=foreign_round,
        staff=world.staff_foreign,
        post_grade=grade(8),
        applied_on=D(2027, 12, 5),
        actor=foreign_admin,
    )
    agreements = {name: _agreement_for(a) for name, a in apps.items()}
    return {"apps": apps, "agreements": agreements, "round": round_, "foreign_round": foreign_round}


SEES = {
    "commission_admin": {"王芳", "张伟", "刘洋"},
    "hospital_hr": {"王芳", "张伟"},
    "staff": {"王芳"},
}


@pytest.mark.parametrize("role", list(SEES))
@pytest.mark.parametrize("basename", ["round_application", "agreement"])
def test_each_role_lists_exactly_its_applications_and_agreements(world, matrix, role, basename):
    rows = matrix["apps"] if basename == "round_application" else matrix["agreements"]
    by_id = {obj.pk: name for name, obj in rows.items()}
    response = client_for(world, role).get(url(basename))
    assert_status(response, 200)
    assert {by_id[r["id"]] for r in response.json()["results"]} == SEES[role]


@pytest.mark.parametrize("role", list(SEES))
@pytest.mark.parametrize("basename", ["round_application", "agreement"])
def test_a_row_out_of_scope_is_a_404(world, matrix, role, basename):
    rows = matrix["apps"] if basename == "round_application" else matrix["agreements"]
    client = client_for(world, role)
    for name, obj in rows.items():
        expected = 200 if name in SEES[role] else 404
        assert_status(client.get(url(basename, obj.pk)), expected)


@pytest.mark.parametrize("role", ["department_head", "api_client"])
@pytest.mark.parametrize("basename", ["round_application", "agreement"])
def test_roles_without_a_part_in_applications_are_refused(world, matrix, role, basename):
    assert_status(client_for(world, role).get(url(basename)), 403)


@pytest.mark.parametrize("role", ["commission_admin", "hospital_hr", "department_head", "staff"])
def test_everyone_of_the_region_reads_its_round_and_not_another_regions(world, matrix, role):
    client = client_for(world, role)
    response = client.get(url("round"))
    assert_status(response, 200)
    assert [r["id"] for r in response.json()["results"]] == [matrix["round"].pk]
    assert_status(client.get(url("round", matrix["foreign_round"].pk)), 404)


def test_hr_sees_the_vacancies_of_its_institutions_only(world, matrix):
    response = client_for(world, "hospital_hr").get(url("round", matrix["round"].pk, "vacancies"))
    assert_status(response, 200)
    assert {r["institution_name"] for r in response.json()} == {"策勒县人民医院", "人民医院分院"}


def test_staff_cannot_qualify_their_own_application(world, matrix):
    application = matrix["apps"]["王芳"]
    response = client_for(world, "staff").post(
        url("round_application", application.pk, "qualify"), {"qualified": True}, format="json"
    )
    assert_chinese_400(response, "无权资格审查")
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SUBMITTED


def test_hr_cannot_open_a_round_or_propose(world, matrix):
    client = client_for(world, "hospital_hr")
    assert_status(client.post(url("round"), {"year": 2029, "opened_on": "2028-12-01"}, format="json"), 403)
    response = client.post(
        url("round", matrix["round"].pk, "propose"),
        {"institution": world.hospital.pk, "on": "2027-12-10"},
        format="json",
    )
    assert_status(response, 403)


def test_hr_cannot_apply_for_another_hospitals_staff(world, round_, grade):
    response = client_for(world, "hospital_hr").post(
        url("round_application"),
        {"round": round_.pk, "staff": world.staff_other_hospital.pk, "post_grade": 8, "applied_on": "2027-12-05"},
        format="json",
    )
    assert_chinese_400(response, "不在您的管理范围内")


def _count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert_status(client.get(path), 200)
    return len(ctx.captured_queries)


def _grow(basename, world, matrix, person, commission, grade) -> None:
    """Four more rows of the resource, in the commission's region."""
    round_ = matrix["round"]
    if basename == "round":
        for year in (2029, 2030, 2031, 2032):
            services.open_round(region=world.region, year=year, opened_on=D(year - 1, 12, 1), actor=commission)
        return
    if basename == "round_list":
        for institution in (world.branch, world.other_hospital, world.township, world.commission):
            lst = ProposedList.objects.create(round=round_, institution=institution, proposed_on=D(2027, 12, 10))
            publicity_services.open_publicity(
                subject=lst,
                region=world.region,
                title="公示",
                starts_on=D(2027, 12, 13),
                working_days=5,
                actor=commission,
            )
        return
    for i in range(4):
        staff = person(f"加{i}")
        appointment = AppointmentFactory(staff=staff, start=D(2026, 1, 1), end=D(2027, 12, 31))
        if basename == "round_candidate":
            RoundCandidate.objects.create(
                round=round_, staff=staff, institution=staff.institution, appointment=appointment, source="term_ending"
            )
            continue
        a = services.apply(round=round_, staff=staff, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=commission)
        _agreement_for(a)


@pytest.mark.parametrize("basename", ["round_application", "agreement", "round_candidate", "round_list", "round"])
def test_lists_take_the_same_number_of_queries_for_more_rows(world, matrix, person, commission, grade, basename):
    client = client_for(world, "commission_admin")
    if basename == "round_list":  # one list to start with, so the first count includes its prefetch
        ProposedList.objects.create(round=matrix["round"], institution=world.hospital, proposed_on=D(2027, 12, 10))
    _count_queries(client, url(basename))  # warm the content-type cache
    few = _count_queries(client, url(basename))
    _grow(basename, world, matrix, person, commission, grade)
    response = client.get(url(basename))
    assert response.json()["count"] >= 4
    assert _count_queries(client, url(basename)) == few


# --- A small round end to end over the API ------------------------------------------------------


def test_a_small_round_end_to_end_down_to_the_signed_agreement(world, quota, tmp_path):
    commission = client_for(world, "commission_admin")
    hr = client_for(world, "hospital_hr")
    staff = client_for(world, "staff")
    quota(world.hospital, 8, 1)

    response = commission.post(url("round"), {"year": YEAR, "opened_on": "2027-12-01"}, format="json")
    assert_status(response, 201)
    round_id = response.json()["id"]
    vacancy = commission.get(url("round", round_id, "vacancies")).json()
    assert [(v["institution_name"], v["vacancies"]) for v in vacancy] == [("策勒县人民医院", 1)]

    response = staff.post(
        url("round_application"),
        {
            "round": round_id,
            "staff": world.staff_in_dept.pk,
            "post_grade": 8,
            "applied_on": "2027-12-05",
            "achievements": "开展新技术2项",
        },
        format="json",
    )
    assert_status(response, 201)
    app_id = response.json()["id"]
    assert response.json()["completion"] == "无高职称必尽任务"

    proof = SimpleUploadedFile("新技术证明.pdf", b"%PDF-1.4 proof", content_type="application/pdf")
    response = staff.post(
        url("round_application", app_id, "upload-evidence"),
        {"file": proof, "description": "院级证明"},
        format="multipart",
    )
    assert_status(response, 201)
    (evidence,) = response.json()["evidence"]
    assert evidence["name"] == "新技术证明.pdf"
    download = hr.get(
        reverse("rounds_api:round_application-download-evidence", kwargs={"pk": app_id, "evidence_id": evidence["id"]})
    )
    assert_status(download, 200)
    assert b"".join(download.streaming_content) == b"%PDF-1.4 proof"
    assert_status(
        hr.post(url("round_application", app_id, "qualify"), {"qualified": True, "note": "材料齐全"}, format="json"),
        200,
    )
    ballots = {
        "ballots": [
            {"group": "superior", "score": 90},
            {"group": "peer", "score": 80},
            {"group": "patient_rep", "score": 85},
        ]
    }
    assert_status(commission.post(url("round_application", app_id, "ballots"), ballots, format="json"), 200)
    response = commission.post(
        url("round_application", app_id, "score"),
        {
            "quantified_score": 88,
            "defence_score": 82,
            "quantified_weight": "0.7",
            "democratic_weight": "0.2",
            "defence_weight": "0.1",
        },
        format="json",
    )
    assert_status(response, 200)
    body = response.json()
    assert body["combined_score"] == "86.80"  # 61.6 + 17 + 8.2
    assert [(t["label"], t["count"]) for t in body["ballot_tally"]] == [("患者代表", 1), ("同级", 1), ("上级", 1)]

    response = commission.post(
        url("round", round_id, "propose"), {"institution": world.hospital.pk, "on": "2027-12-10"}, format="json"
    )
    assert_status(response, 200)
    list_id = response.json()["id"]
    assert_status(
        commission.post(url("round_list", list_id, "start-publicity"), {"starts_on": "2027-12-13"}, format="json"), 200
    )
    response = commission.post(url("round_list", list_id, "end-publicity"), {"on": "2027-12-14"}, format="json")
    assert_chinese_400(response, "方可结束公示")
    assert_status(
        commission.post(url("round_list", list_id, "end-publicity"), {"on": "2027-12-20"}, format="json"), 200
    )
    response = commission.post(
        url("round_list", list_id, "approve"),
        {"approved_on": "2027-12-21", "document": "策卫发〔2027〕9号"},
        format="json",
    )
    assert_status(response, 200)
    assert response.json()["status"] == "approved"

    response = hr.post(url("agreement"), {"application": app_id}, format="json")
    assert_status(response, 201)
    agreement_id = response.json()["id"]
    response = staff.get(url("agreement", agreement_id, "pdf"))
    assert_status(response, 200)
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    pdf = tmp_path / "agreement.pdf"
    pdf.write_bytes(response.content)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "50", "-singlefile", str(pdf), str(tmp_path / "page")], check=True)  # noqa: S603, S607
        assert (tmp_path / "page.png").stat().st_size > 10_000

    scan = SimpleUploadedFile("signed.pdf", b"%PDF-1.4 scan", content_type="application/pdf")
    response = hr.post(
        url("agreement", agreement_id, "sign"), {"signed_on": "2027-12-28", "signed_file": scan}, format="multipart"
    )
    assert_status(response, 200)
    assert response.json()["is_signed"] is True
    new = Appointment.objects.get(staff=world.staff_in_dept, status=AppointmentStatus.ACTIVE)
    assert (new.start, new.end, new.post_grade_id) == (D(2028, 1, 1), D(2029, 12, 31), 8)
    assert Application.objects.get(pk=app_id).status == ApplicationStatus.SIGNED
    response = staff.get(url("agreement", agreement_id, "scan"))
    assert_status(response, 200)
    assert b"".join(response.streaming_content) == b"%PDF-1.4 scan"


def test_a_scan_that_is_not_a_pdf_or_image_is_refused(world, matrix):
    agreement = matrix["agreements"]["王芳"]
    scan = SimpleUploadedFile("signed.exe", b"MZ", content_type="application/octet-stream")
    response = client_for(world, "hospital_hr").post(
        url("agreement", agreement.pk, "sign"), {"signed_on": "2027-12-28", "signed_file": scan}, format="multipart"
    )
    assert_chinese_400(response, "扫描件应为PDF")
    assert Agreement.objects.get(pk=agreement.pk).signed_on is None


def test_the_candidates_still_to_settle_are_listed_for_a_decision(world, round_, commission):
    client = client_for(world, "commission_admin")
    response = client.get(url("round_candidate"), {"round": round_.pk, "undecided": "true"})
    assert {r["staff_name"] for r in response.json()["results"]} == {"王芳", "张伟", "刘洋"}
    candidate = round_.candidates.get(staff=world.staff_branch)
    response = client_for(world, "hospital_hr").post(
        url("round_candidate", candidate.pk, "decide"),
        {"outcome": "other", "note": "调出", "decided_on": "2027-12-30"},
        format="json",
    )
    assert_status(response, 201)
    assert response.json()["ending_outcome"] == "其他"
    response = client.get(url("round_candidate"), {"round": round_.pk, "undecided": "true"})
    assert {r["staff_name"] for r in response.json()["results"]} == {"王芳", "刘洋"}
