"""The monthly duty-target progress sheet: scoped to the department head's own department (HR:
its institution), foreign ids a 404, all-or-nothing with Chinese messages, audited, a constant
number of queries, and the same through the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.models import DutyTarget
from appointments.services import create_appointment
from assessments.choices import PeriodKind
from assessments.models import TargetProgressEntry, WorkloadMetric, WorkloadRecord
from assessments.services import ProgressRow, close_period, open_period, save_target_progress
from personnel.choices import Role
from personnel.errors import ApplicationError
from personnel.models import PostGrade
from tests.api_testing import client_for
from tests.factories import PostQuotaFactory, StaffFactory

from .test_duty_targets import policy  # noqa: F401  (the seed-000 policy with its templates)

MONTH = "2026-05"


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 15, 9, tzinfo=dt.UTC))


def _appoint(world, department, name: str, category: str = "clinical"):
    grade5 = PostGrade.objects.get(grade=5)
    person = StaffFactory(institution=department.institution, department=department, name=name, category=category)
    return create_appointment(staff=person, post_grade=grade5, start=dt.date(2026, 1, 1))


@pytest.fixture
def seniors(world, policy):  # noqa: F811
    """孙主任 in 内科 (the head's department), 赵主任 in 外科 (another department)."""
    PostQuotaFactory(institution=world.hospital, year=2026, post_grade=PostGrade.objects.get(grade=5), count=40)
    return {"mine": _appoint(world, world.dept, "孙主任"), "other": _appoint(world, world.other_dept, "赵主任")}


def target(appointment, code: str = "teaching_rounds") -> DutyTarget:
    return DutyTarget.objects.get(appointment=appointment, code=code)


def login(world, role) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def url(department=None, month: str = MONTH) -> str:
    base = reverse("assessments:progress") + f"?month={month}"
    return base + (f"&department={department.pk}" if department else "")


def post(client, department, figures: dict, was: dict | None = None, month: str = MONTH):
    data = {"department": department.pk, "month": month}
    for t, value in figures.items():
        data[f"progress-{t.pk}"] = value
        data[f"was-{t.pk}"] = (was or {}).get(t, "")
    return client.post(reverse("assessments:progress"), data)


def test_the_head_sees_only_their_departments_senior_staff(world, seniors):
    response = login(world, Role.DEPARTMENT_HEAD).get(url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "孙主任" in html and "教学查房" in html
    assert "赵主任" not in html  # 外科
    assert "王芳" not in html  # in 内科 but not a senior appointment: no targets
    assert f'name="progress-{target(seniors["mine"]).pk}"' in html
    assert f'name="progress-{target(seniors["other"]).pk}"' not in html


def test_another_departments_sheet_is_a_404_for_the_head(world, seniors):
    assert login(world, Role.DEPARTMENT_HEAD).get(url(world.other_dept)).status_code == 404


def test_a_foreign_target_in_the_post_is_a_404_and_nothing_is_written(world, seniors):
    client = login(world, Role.DEPARTMENT_HEAD)
    response = post(client, world.dept, {target(seniors["mine"]): "2", target(seniors["other"]): "1"})
    assert response.status_code == 404
    assert not TargetProgressEntry.objects.exists()


def test_hr_sees_every_department_of_the_hospital(world, seniors):
    client = login(world, Role.HOSPITAL_HR)
    assert "赵主任" in client.get(url(world.other_dept)).content.decode()
    assert "孙主任" in client.get(url(world.dept)).content.decode()


def test_the_head_saves_the_month_and_the_audit_trail_keeps_old_and_new(world, seniors):
    client = login(world, Role.DEPARTMENT_HEAD)
    rounds, cases = target(seniors["mine"]), target(seniors["mine"], "difficult_cases")
    response = post(client, world.dept, {rounds: "1", cases: "3"})
    assert response.status_code == 302
    assert {e.target_id: e.quantity for e in TargetProgressEntry.objects.all()} == {rounds.pk: 1, cases.pk: 3}
    response = post(client, world.dept, {rounds: "2", cases: "3"}, was={rounds: "1", cases: "3"})
    assert response.status_code == 302
    entry = TargetProgressEntry.objects.get(target=rounds)
    assert entry.quantity == 2 and entry.entered_by == world.users[Role.DEPARTMENT_HEAD]
    assert [h.quantity for h in entry.history.order_by("history_date")] == [1, 2]
    html = client.get(url()).content.decode()
    assert "修改记录" in html and "head" in html
    assert html.count("教学查房</td>") == 2  # created, then changed 1 → 2


@pytest.mark.parametrize(
    ("value", "message"),
    [("abc", "应为不小于0的数字"), ("-1", "应为不小于0的数字"), ("1e9", "应为不小于0的数字")],
)
def test_an_invalid_figure_is_refused_in_chinese_and_nothing_is_written(world, seniors, value, message):
    client = login(world, Role.DEPARTMENT_HEAD)
    rounds, cases = target(seniors["mine"]), target(seniors["mine"], "difficult_cases")
    response = post(client, world.dept, {rounds: "2", cases: value})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "本次未保存任何进度" in html
    assert f'value="{value}"' in html  # what was typed is kept for correction
    assert not TargetProgressEntry.objects.exists()


def test_a_figure_someone_else_changed_is_refused(world, seniors):
    rounds = target(seniors["mine"])
    save_target_progress(
        month=dt.date(2026, 5, 1), actor=world.users[Role.HOSPITAL_HR], rows=[ProgressRow(rounds.pk, "4")]
    )
    response = post(login(world, Role.DEPARTMENT_HEAD), world.dept, {rounds: "1"}, was={rounds: ""})
    assert response.status_code == 400
    assert "已被他人修改为4" in response.content.decode()
    assert TargetProgressEntry.objects.get().quantity == 4


def test_a_stored_figure_cannot_be_emptied(world, seniors):
    rounds = target(seniors["mine"])
    head = world.users[Role.DEPARTMENT_HEAD]
    save_target_progress(month=dt.date(2026, 5, 1), actor=head, rows=[ProgressRow(rounds.pk, "1")])
    with pytest.raises(ApplicationError, match="不能清空"):
        save_target_progress(month=dt.date(2026, 5, 1), actor=head, rows=[ProgressRow(rounds.pk, " ")])


def test_future_months_and_closed_months_are_refused(world, seniors):
    rounds = target(seniors["mine"])
    head = world.users[Role.DEPARTMENT_HEAD]
    with pytest.raises(ApplicationError, match="未来月份"):
        save_target_progress(month=dt.date(2026, 7, 1), actor=head, rows=[ProgressRow(rounds.pk, "1")])
    may = open_period(region=world.region, kind=PeriodKind.MONTHLY, year=2026, number=5)
    close_period(period=may)
    with pytest.raises(ApplicationError, match="已关闭"):
        save_target_progress(month=dt.date(2026, 5, 1), actor=head, rows=[ProgressRow(rounds.pk, "1")])
    html = login(world, Role.DEPARTMENT_HEAD).get(url()).content.decode()
    assert "本月考核已关闭" in html and '<button type="submit" class="btn btn-primary">保存' not in html
    assert not TargetProgressEntry.objects.exists()


def test_staff_cannot_enter_progress(world, seniors):
    rounds = target(seniors["mine"])
    with pytest.raises(ApplicationError, match="无权"):
        save_target_progress(
            month=dt.date(2026, 5, 1), actor=world.users[Role.STAFF], rows=[ProgressRow(rounds.pk, "1")]
        )


def test_the_cells_show_the_cumulative_total_with_his_workload(world, seniors):
    person = seniors["mine"].staff
    WorkloadRecord.objects.create(
        institution=world.hospital,
        staff=person,
        metric=WorkloadMetric.objects.get(code="teaching_round"),
        date=dt.date(2026, 5, 3),
        quantity=2,
        source_record_id="R1",
    )
    save_target_progress(
        month=dt.date(2026, 4, 1),
        actor=world.users[Role.DEPARTMENT_HEAD],
        rows=[ProgressRow(target(seniors["mine"]).pk, "1")],
    )
    html = login(world, Role.DEPARTMENT_HEAD).get(url()).content.decode()
    assert "3/8 · HIS 2" in html  # 2 from HIS in May + 1 entered for April, of 8 per term


def _sheet_queries(world, client, count: int) -> tuple[int, int]:
    for i in range(count):
        _appoint(world, world.dept, f"副高{i}")
    targets = list(DutyTarget.objects.filter(appointment__staff__department=world.dept))
    with CaptureQueriesContext(connection) as get:
        assert client.get(url()).status_code == 200
    with CaptureQueriesContext(connection) as save:
        assert post(client, world.dept, dict.fromkeys(targets, "1")).status_code == 302
    assert TargetProgressEntry.objects.count() == len(targets)
    return len(get), len(save)


def test_the_sheet_runs_a_constant_number_of_queries(world, seniors):
    client = login(world, Role.DEPARTMENT_HEAD)
    few = _sheet_queries(world, client, 1)
    TargetProgressEntry.objects.all().delete()
    # 1 vs 5 seniors (13 → 65 targets); beyond SQLite's 999 parameters a bulk insert splits in batches.
    many = _sheet_queries(world, client, 4)
    assert few == many


# --- API --------------------------------------------------------------------------------------


def test_the_api_saves_a_batch_and_lists_within_scope(world, seniors):
    rounds = target(seniors["mine"])
    head = client_for(world, "department_head")
    body = {"month": MONTH, "entries": [{"target": rounds.pk, "quantity": "2", "expected": ""}]}
    response = head.post("/api/v1/target-progress/", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 1, "updated": 0, "unchanged": 0}
    save_target_progress(
        month=dt.date(2026, 5, 1),
        actor=world.users[Role.HOSPITAL_HR],
        rows=[ProgressRow(target(seniors["other"]).pk, "5")],
    )
    listed = head.get("/api/v1/target-progress/").json()["results"]
    assert [(r["target"], Decimal(r["quantity"])) for r in listed] == [(rounds.pk, 2)]
    foreign = TargetProgressEntry.objects.get(target=target(seniors["other"]))
    assert head.get(f"/api/v1/target-progress/{foreign.pk}/").status_code == 404


def test_the_api_refuses_a_foreign_target_with_404_and_a_bad_figure_with_400(world, seniors):
    head = client_for(world, "department_head")
    mine, other = target(seniors["mine"]), target(seniors["other"])
    body = {"month": MONTH, "entries": [{"target": mine.pk, "quantity": "1"}, {"target": other.pk, "quantity": "1"}]}
    assert head.post("/api/v1/target-progress/", body, format="json").status_code == 404
    body = {"month": MONTH, "entries": [{"target": mine.pk, "quantity": "1"}, {"target": mine.pk + 1, "quantity": "x"}]}
    response = head.post("/api/v1/target-progress/", body, format="json")
    assert response.status_code == 400
    assert "应为不小于0的数字" in response.json()["detail"]
    assert not TargetProgressEntry.objects.exists()
    assert client_for(world, "staff").post("/api/v1/target-progress/", body, format="json").status_code == 403
