"""The duty-target API: each role reads the targets of its scope; the institution's HR and the
commission change a target's quarterly milestones through `milestones/` (ETag / If-Match), in
Chinese when refused, writing nothing then; heads and staff only read; a foreign target is a 404."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from appointments.models import DutyTarget
from appointments.services import create_appointment, load_duty_target_templates
from personnel.choices import Role
from personnel.models import PolicyVersion, PostGrade
from tests.api_testing import client_for, error_messages
from tests.factories import PostQuotaFactory, StaffFactory, UserFactory

SEED_000 = next(
    p["data"]
    for r in json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "policies.json").read_text())["regions"]
    if r["code"] == "653225"
    for p in r["policies"]
)


@pytest.fixture
def target(world) -> DutyTarget:
    """20 difficult cases over a 2026–2027 副高 term (8 quarters) of a clinician of 内科."""
    policy = PolicyVersion.objects.get(region=world.region)
    policy.data = dict(SEED_000)
    policy.save()
    load_duty_target_templates(policy=policy)
    grade5 = PostGrade.objects.get(grade=5)
    PostQuotaFactory(institution=world.hospital, year=2026, post_grade=grade5, count=3)
    person = StaffFactory(institution=world.hospital, department=world.dept, name="孙主任")
    appointment = create_appointment(staff=person, post_grade=grade5, start=dt.date(2026, 1, 1))
    return DutyTarget.objects.get(appointment=appointment, code="difficult_cases")


def url(target: DutyTarget) -> str:
    return f"/api/v1/duty-targets/{target.pk}/milestones/"


def test_a_new_target_is_pro_rata_with_the_schedule_and_an_etag(world, target):
    response = client_for(world, "hospital_hr").get(url(target))
    assert response.status_code == 200
    body = response.json()
    assert body["pro_rata"] is True and body["shares"] == [] and body["quarters"] == 8
    assert [q["due"] for q in body["schedule"]] == ["2.00", "5.00", "7.00", "10.00", "12.00", "15.00", "17.00", "20.00"]
    assert body["schedule"][0]["end"] == "2026-03-31" and body["schedule"][-1]["share"] == "1.0000"
    assert response.headers["ETag"].startswith('"')


@pytest.mark.parametrize("role", ["hospital_hr", "commission_admin"])
def test_hr_and_the_commission_change_the_shares(world, target, role):
    client = client_for(world, role)
    etag = client.get(url(target)).headers["ETag"]
    shares = [0, "0.1", 0.2, "0.4", "0.5", "0.6", "0.8"]
    response = client.patch(url(target), {"shares": shares}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.json()
    assert response.json()["pro_rata"] is False
    assert [q["due"] for q in response.json()["schedule"]][:3] == ["0.00", "2.00", "4.00"]
    assert response.headers["ETag"] != etag
    target.refresh_from_db()
    assert target.milestones == ["0", "0.1", "0.2", "0.4", "0.5", "0.6", "0.8"]
    assert target.history.first().history_user == world.users[role]
    # An empty list goes back to pro rata.
    assert client.patch(url(target), {"shares": []}, format="json").status_code == 200
    target.refresh_from_db()
    assert target.milestones == []


def test_a_stale_if_match_is_refused_with_412_and_writes_nothing(world, target):
    hr = client_for(world, "hospital_hr")
    stale = hr.get(url(target)).headers["ETag"]
    assert hr.patch(url(target), {"shares": ["0.5"]}, format="json", HTTP_IF_MATCH=stale).status_code == 200
    response = hr.patch(url(target), {"shares": ["0.1"]}, format="json", HTTP_IF_MATCH=stale)
    assert response.status_code == 412
    assert "已被他人修改" in response.json()["detail"]
    target.refresh_from_db()
    assert target.milestones == ["0.5"]


@pytest.mark.parametrize(
    ("shares", "message"),
    [
        (["0.5", "0.2"], "逐季不减"),
        (["0.1", "1.2"], "第2季度的累计比例“1.2”应为0到1之间的数字"),
        (["abc"], "第1季度的累计比例“abc”应为0到1之间的数字"),
        (["0.1"] * 9, "聘期共8个季度，最多填写8项"),
        (["0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.9"], "累计比例应为1"),
        ("0.5", "应为数组"),
    ],
)
def test_bad_shares_are_refused_in_chinese_and_nothing_changes(world, target, shares, message):
    target.milestones = ["0.25"]
    target.save()
    response = client_for(world, "hospital_hr").patch(url(target), {"shares": shares}, format="json")
    assert response.status_code == 400
    assert any(message in m for m in error_messages(response.json())), response.json()
    target.refresh_from_db()
    assert target.milestones == ["0.25"]


@pytest.mark.parametrize("role", ["department_head", "staff"])
def test_heads_and_staff_read_but_may_not_change(world, target, role):
    if role == "staff":
        world.users[Role.STAFF].staff = target.appointment.staff
        world.users[Role.STAFF].save()
    client = client_for(world, role)
    assert client.get(url(target)).status_code == 200
    assert client.get(f"/api/v1/duty-targets/{target.pk}/").json()["code"] == "difficult_cases"
    assert client.patch(url(target), {"shares": ["0.5"]}, format="json").status_code == 403
    target.refresh_from_db()
    assert target.milestones == []


def test_his_clients_do_not_see_duty_targets(world, target):
    assert client_for(world, "api_client").get(url(target)).status_code == 403


def test_another_institutions_or_regions_target_is_a_404(world, target, client):
    from rest_framework.test import APIClient

    for user in (
        UserFactory(username="hr2", role=Role.HOSPITAL_HR, institution=world.other_hospital),
        UserFactory(username="wz", role=Role.COMMISSION_ADMIN, institution=world.foreign_hospital.parent),
    ):
        api = APIClient()
        api.force_login(user)
        assert api.get(url(target)).status_code == 404
        assert api.patch(url(target), {"shares": ["0.5"]}, format="json").status_code == 404
    target.refresh_from_db()
    assert target.milestones == []


def test_the_list_is_scoped(world, target):
    ids = {
        r["id"] for r in client_for(world, "hospital_hr").get("/api/v1/duty-targets/?page_size=200").json()["results"]
    }
    assert target.pk in ids
    other = UserFactory(username="hr3", role=Role.HOSPITAL_HR, institution=world.other_hospital)
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(other)
    assert api.get("/api/v1/duty-targets/").json()["results"] == []
