"""/api/v1/demotion-cases/, /rectifications/, /conduct-events/: scoped reads (a foreign case is a
404), each step a POST calling the service (a role that may not take it: 403; a refused input:
400 in Chinese, nothing written), ballots only ever as tallies, and list queries that do not grow
with the rows."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from appointments.models import Appointment
from demotions.choices import CaseState, EventKind
from demotions.models import ConductEvent
from personnel.choices import Role
from tests.api_testing import assert_chinese_400, assert_no_rows_written, assert_status
from tests.demotions.factories import DemotionCaseFactory, RectificationFactory
from tests.demotions.workflow.conftest import BALLOTS, OTHER_HR, fresh, pdf
from tests.factories import AppointmentFactory, StaffFactory


def _client(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _list(basename="demotion-case"):
    return reverse(f"demotions_api:{basename}-list")


def _detail(pk, basename="demotion-case"):
    return reverse(f"demotions_api:{basename}-detail", kwargs={"pk": pk})


def _step(pk, step):
    return f"{_detail(pk)}{step}/"


def _on(day):
    return time_machine.travel(dt.datetime.combine(day, dt.time(9, 0)), tick=False)


@pytest.fixture
def cases(world, senior):
    """A case per reachable person: 王芳 (内科, the hospital), 李强 (外科), 张伟 (branch), 刘洋 (another
    hospital of the region) and 陈静 (another region)."""
    appointment = {s.pk: a for a in Appointment.objects.all() for s in [a.staff]}
    extra = AppointmentFactory(staff=world.staff_other_dept)
    appointment[world.staff_other_dept.pk] = extra
    return {
        name: DemotionCaseFactory(appointment=appointment[staff.pk])
        for name, staff in {
            "in_dept": world.staff_in_dept,
            "other_dept": world.staff_other_dept,
            "branch": world.staff_branch,
            "other_hospital": world.staff_other_hospital,
            "foreign": world.staff_foreign,
        }.items()
    }


VISIBLE = {
    Role.COMMISSION_ADMIN: {"in_dept", "other_dept", "branch", "other_hospital"},
    Role.HOSPITAL_HR: {"in_dept", "other_dept", "branch"},
    Role.DEPARTMENT_HEAD: {"in_dept"},
    Role.STAFF: {"in_dept"},
    OTHER_HR: {"other_hospital"},
}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_each_role_lists_exactly_its_scope_and_a_foreign_case_is_404(cases, actors, role):
    client = _client(actors[role])
    response = client.get(_list(), {"page_size": 100})
    assert_status(response, 200)
    assert {row["id"] for row in response.json()["results"]} == {cases[n].pk for n in VISIBLE[role]}
    assert_status(client.get(_detail(cases["foreign"].pk)), 404)
    for name in VISIBLE[role]:
        assert_status(client.get(_detail(cases[name].pk)), 200)


def test_the_api_client_reads_no_cases(cases, world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {world.api_key}")
    assert_status(client.get(_list()), 403)


def test_the_list_filters_by_state_institution_and_trigger(cases, actors, world):
    client = _client(actors[Role.COMMISSION_ADMIN])
    rows = client.get(_list(), {"institution": world.other_hospital.pk}).json()["results"]
    assert [r["id"] for r in rows] == [cases["other_hospital"].pk]
    assert client.get(_list(), {"state": CaseState.PROPOSED}).json()["count"] == 0
    assert client.get(_list(), {"trigger": "annual_grade", "state": "opened"}).json()["count"] == 4


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert_status(client.get(_list(), {"page_size": 100}), 200)
    return len(ctx.captured_queries)


def test_the_case_list_runs_a_constant_number_of_queries(world, actors, django_assert_max_num_queries):
    client = _client(actors[Role.COMMISSION_ADMIN])

    def add(n):
        for _ in range(n):
            staff = StaffFactory(institution=world.hospital)
            DemotionCaseFactory(appointment=AppointmentFactory(staff=staff))

    add(2)
    two = _list_queries(client)
    add(18)
    with django_assert_max_num_queries(two):
        response = client.get(_list(), {"page_size": 100})
    assert response.json()["count"] == 20


def test_rectifications_and_events_lists_run_a_constant_number_of_queries(world, actors, senior):
    client = _client(actors[Role.HOSPITAL_HR])

    def count(basename):
        with CaptureQueriesContext(connection) as ctx:
            assert_status(client.get(_list(basename)), 200)
        return len(ctx.captured_queries)

    RectificationFactory(appointment=senior)
    ConductEvent.objects.create(
        staff=world.staff_in_dept, kind=EventKind.ETHICS, date=dt.date(2026, 3, 1), description="x"
    )
    before = count("rectification"), count("conduct-event")
    for i in range(2, 5):
        staff = StaffFactory(institution=world.hospital)
        RectificationFactory(appointment=AppointmentFactory(staff=staff), opened_on=dt.date(2026, 4, i))
        ConductEvent.objects.create(staff=staff, kind=EventKind.ETHICS, date=dt.date(2026, 3, i), description="x")
    assert (count("rectification"), count("conduct-event")) == before


# --- Steps ------------------------------------------------------------------------------------


def test_hr_proposes_with_an_uploaded_file_and_the_roles_that_may_not_are_refused(case, actors, world):
    url = _step(case.pk, "propose")
    for role in (Role.DEPARTMENT_HEAD, Role.STAFF):
        assert_status(_client(actors[role]).post(url, {"reasons": "x"}, format="json"), 403)
    assert_status(_client(actors[OTHER_HR]).post(url, {"reasons": "x"}, format="json"), 404)
    response = _client(actors[Role.COMMISSION_ADMIN]).post(url, {"reasons": "x"}, format="json")
    assert_status(response, 403)
    assert response.json()["detail"] == "您无权办理此环节。"
    assert fresh(case).state == CaseState.OPENED

    hr = _client(actors[Role.HOSPITAL_HR])
    response = hr.post(url, {"reasons": "连续两季度不合格", "files": [pdf("考核表.pdf")]}, format="multipart")
    assert_status(response, 200)
    body = response.json()
    assert body["state"] == CaseState.PROPOSED
    assert [e["name"] for e in body["evidence"]] == ["考核表.pdf"]
    assert [t["transition"] for t in body["timeline"]] == ["propose"]


def test_a_refused_step_is_a_chinese_400_and_changes_nothing(case, actors):
    from django_fsm_log.models import StateLog

    from demotions.models import CaseEvidence

    hr = _client(actors[Role.HOSPITAL_HR])
    with assert_no_rows_written(StateLog, CaseEvidence):
        response = hr.post(_step(case.pk, "propose"), {"reasons": "理由"}, format="json")
    assert_chinese_400(response, contains="须附至少一份证明材料")
    response = _client(actors[Role.COMMISSION_ADMIN]).post(
        _step(case.pk, "approve"), {"document": "策卫人〔2026〕1号"}, format="json"
    )
    assert_chinese_400(response, contains="案件当前处于“待提议”环节，不能审批")
    assert fresh(case).state == CaseState.OPENED


def test_a_case_walks_through_the_api_and_ballots_come_back_only_as_a_tally(case, actors, senior):
    hr, admin = _client(actors[Role.HOSPITAL_HR]), _client(actors[Role.COMMISSION_ADMIN])
    staff = _client(actors[Role.STAFF])
    with _on(dt.date(2026, 6, 1)):
        assert_status(hr.post(_step(case.pk, "propose"), {"reasons": "年度考核基本合格", "files": [pdf()]}), 200)
        assert_status(admin.post(_step(case.pk, "review"), {"passed": True, "opinion": "材料属实"}, format="json"), 200)
        response = admin.post(_step(case.pk, "ballots"), {"ballots": BALLOTS}, format="json")
        assert_status(response, 200)
        tally = response.json()
        assert tally["count"] == 10 and tally["average"] == "70.50"
        assert [set(g) for g in tally["groups"]] == [{"group", "label", "count", "average"}] * 4
        weights = {"quantified_weight": "0.7", "democratic_weight": "0.2", "defence_weight": "0.1"}
        response = admin.post(
            _step(case.pk, "assess"), {"quantified_score": "58", "defence_score": "62", **weights}, format="json"
        )
        assert_status(response, 200)
        assert response.json()["combined_score"] == "60.90"
        decision = {
            "meeting_date": "2026-06-01",
            "decision": "低聘",
            "minutes": "纪要",
            "demote": True,
            "decided_grade": 8,
        }
        assert_status(admin.post(_step(case.pk, "decide"), decision, format="json"), 200)
        response = admin.post(_step(case.pk, "start-publicity"), {"starts_on": "2026-06-01"}, format="json")
        assert_status(response, 200)
        publicity = response.json()["publicities"][0]
        assert (publicity["ends_on"], publicity["may_end_from"], publicity["calendar_note"]) == (
            "2026-06-05",
            "2026-06-06",
            "",
        )
    with _on(dt.date(2026, 6, 3)):
        objection = {"lodged_on": "2026-06-03", "lodged_by_name": "赵六", "content": "有异议", "contact": "139"}
        response = hr.post(_step(case.pk, "objections"), objection, format="json")
        assert_status(response, 201)
        objection_id = response.json()["id"]
        assert_status(staff.post(_step(case.pk, "objections"), objection, format="json"), 403)
    with _on(dt.date(2026, 6, 8)):
        assert_chinese_400(admin.post(_step(case.pk, "end-publicity"), {}, format="json"), contains="尚未答复")
        answer_url = _step(case.pk, f"objections/{objection_id}/answer")
        assert_status(hr.post(answer_url, {"answer": "已核查"}, format="json"), 403)
        assert_status(admin.post(answer_url, {"answer": "已核查"}, format="json"), 200)
        assert_status(admin.post(_step(case.pk, "end-publicity"), {}, format="json"), 200)
        assert_status(admin.post(_step(case.pk, "approve"), {"document": "策卫人〔2026〕9号"}, format="json"), 200)
    with _on(dt.date(2026, 7, 1)):
        response = hr.post(_step(case.pk, "execute"), {"on": "2026-07-01"}, format="json")
    assert_status(response, 200)
    body = response.json()
    assert body["state"] == CaseState.EXECUTED
    assert body["pay_grade_before"] == 6 and body["pay_grade_after"] == 8
    assert body["excellence_ineligible_year"] == 2026

    # The person assessed reads the case: the tally, never a ballot, and not who objected.
    mine = staff.get(_detail(case.pk)).json()
    assert "ballots" not in mine
    assert [g["count"] for g in mine["ballot_tally"]] == [3, 4, 2, 1]
    text = json.dumps(mine, ensure_ascii=False)
    assert "赵六" not in text and "139" not in text
    assert mine["publicities"][0]["objections"][0]["answer"] == "已核查"
    assert "赵六" in json.dumps(admin.get(_detail(case.pk)).json(), ensure_ascii=False)


def test_dismissal_through_the_api(case, actors):
    response = _client(actors[Role.HOSPITAL_HR]).post(_step(case.pk, "dismiss"), {"reason": "不予提议"}, format="json")
    assert_status(response, 200)
    assert response.json()["state"] == CaseState.DISMISSED
    assert response.json()["dismissed_reason"] == "不予提议"


def test_restoration_is_proposed_through_the_api(case, flow, actors, assess):
    flow.through(case)
    assess(case.staff, "2026Q3", "qualified")
    url = _step(case.pk, "propose-restoration")
    with _on(dt.date(2026, 10, 8)):
        assert_status(_client(actors[Role.COMMISSION_ADMIN]).post(url, {"reasons": "合格"}, format="json"), 403)
        response = _client(actors[Role.HOSPITAL_HR]).post(url, {"reasons": "低聘后考核合格"}, format="json")
    assert_status(response, 201)
    assert response.json()["kind"] == "restoration" and response.json()["restores"] == case.pk
    assert response.json()["state"] == CaseState.PROPOSED


# --- Conduct events and rectifications ----------------------------------------------------------


def test_hr_records_an_event_and_roles_without_the_right_are_refused(world, actors, senior):
    data = {
        "staff": world.staff_in_dept.pk,
        "kind": "accident",
        "date": "2026-05-01",
        "accident_level": 2,
        "description": "二级医疗事故",
    }
    with _on(dt.date(2026, 6, 1)):
        for role in (Role.DEPARTMENT_HEAD, Role.STAFF):
            assert_status(_client(actors[role]).post(_list("conduct-event"), data, format="json"), 403)
        with assert_no_rows_written(ConductEvent):
            response = _client(actors[OTHER_HR]).post(_list("conduct-event"), data, format="json")
        assert_chinese_400(response, contains="不在您的管理范围内")
        with assert_no_rows_written(ConductEvent):
            response = _client(actors[Role.HOSPITAL_HR]).post(
                _list("conduct-event"), {**data, "accident_level": None}, format="json"
            )
        assert_chinese_400(response, contains="医疗事故须填写事故等级")
        response = _client(actors[Role.HOSPITAL_HR]).post(_list("conduct-event"), data, format="json")
    assert_status(response, 201)
    assert response.json()["accident_level"] == 2
    head_rows = _client(actors[Role.DEPARTMENT_HEAD]).get(_list("conduct-event")).json()["results"]
    assert [r["id"] for r in head_rows] == [response.json()["id"]]
    assert _client(actors[OTHER_HR]).get(_list("conduct-event")).json()["count"] == 0
    assert_status(_client(actors[Role.STAFF]).get(_list("conduct-event")), 403)


def test_rectifications_are_read_only_and_scoped(world, actors, senior):
    rectification = RectificationFactory(appointment=senior)
    assert [r["id"] for r in _client(actors[Role.STAFF]).get(_list("rectification")).json()["results"]] == [
        rectification.pk
    ]
    assert _client(actors[OTHER_HR]).get(_list("rectification")).json()["count"] == 0
    assert_status(_client(actors[Role.HOSPITAL_HR]).post(_list("rectification"), {}, format="json"), 403)
    assert_status(_client(actors[OTHER_HR]).get(_detail(rectification.pk, "rectification")), 404)
