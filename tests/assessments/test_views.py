"""The score-entry page and the period page: who sees what, saving, locking, conflicts, queries."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assessments.choices import AssessmentStatus
from assessments.models import Assessment
from assessments.services import ScoreRow, save_scores
from personnel.choices import Role
from tests.factories import StaffFactory

from .conftest import full_scores


def login(world, role) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def sheet_url(period, department=None) -> str:
    url = reverse("assessments:sheet", args=[period.pk])
    return f"{url}?department={department.pk}" if department else url


def post_sheet(client, period, department, rows: dict, versions: dict | None = None, action="save"):
    data = {"department": department.pk, "action": action, "staff": list(rows)}
    for pk, scores in rows.items():
        data[f"version-{pk}"] = (versions or {}).get(pk, 0)
        for code, value in scores.items():
            data[f"score-{pk}-{code}"] = value
    return client.post(sheet_url(period), data)


def test_the_head_sees_their_department_only(world, march):
    response = login(world, Role.DEPARTMENT_HEAD).get(sheet_url(march))
    assert response.status_code == 200
    html = response.content.decode()
    assert "王芳" in html and "艾合买提" in html
    assert "李强" not in html  # another department of the same hospital
    assert "刘洋" not in html and "陈静" not in html


def test_the_head_cannot_open_another_departments_sheet(world, march):
    response = login(world, Role.DEPARTMENT_HEAD).get(sheet_url(march, world.other_dept))
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (Role.COMMISSION_ADMIN, 200),
        (Role.HOSPITAL_HR, 200),
        (Role.DEPARTMENT_HEAD, 200),
        (Role.STAFF, 200),
    ],
)
def test_every_role_reaches_the_period_page(world, march, role, status):
    response = login(world, role).get(reverse("assessments:periods"))
    assert response.status_code == status
    assert "2026-03" in response.content.decode()


def test_the_period_of_another_region_is_a_404(world, march):
    from assessments.services import open_period

    foreign = open_period(region=world.foreign_region, kind="monthly", year=2026, number=3)
    assert login(world, Role.COMMISSION_ADMIN).get(sheet_url(foreign)).status_code == 404
    assert login(world, Role.DEPARTMENT_HEAD).get(sheet_url(foreign)).status_code == 404


def test_staff_may_not_open_a_sheet_to_score(world, march):
    # staff read their own results; the sheet lists only themselves, read-only
    response = login(world, Role.STAFF).get(sheet_url(march))
    assert response.status_code in (200, 404)
    assert 'name="action"' not in response.content.decode()


def test_hr_sees_the_monthly_sheet_read_only(world, march):
    response = login(world, Role.HOSPITAL_HR).get(sheet_url(march, world.dept))
    html = response.content.decode()
    assert response.status_code == 200
    assert "王芳" in html
    assert 'name="action"' not in html
    assert post_sheet(login(world, Role.HOSPITAL_HR), march, world.dept, {}).status_code == 403


def test_saving_then_submitting_locks_the_rows_for_the_head(world, march):
    client = login(world, Role.DEPARTMENT_HEAD)
    response = post_sheet(client, march, world.dept, {world.staff_in_dept.pk: full_scores(92)})
    assert response.status_code == 302
    a = Assessment.objects.get(staff=world.staff_in_dept)
    assert (a.status, a.grade) == (AssessmentStatus.DRAFT, "excellent")
    response = post_sheet(
        client,
        march,
        world.dept,
        {world.staff_in_dept.pk: full_scores(92), world.head_staff.pk: full_scores(70)},
        versions={world.staff_in_dept.pk: a.version},
        action="submit",
    )
    assert response.status_code == 302
    assert set(Assessment.objects.values_list("status", flat=True)) == {AssessmentStatus.SUBMITTED}
    html = client.get(sheet_url(march)).content.decode()
    assert html.count("disabled") >= 8  # every score input of both rows
    assert "优秀" in html and "基本合格" in html


def test_a_stale_sheet_is_refused_with_a_message_and_nothing_saved(world, march):
    head = world.users[Role.DEPARTMENT_HEAD]
    save_scores(period=march, actor=head, rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(80))])
    # The second head's page was loaded before that save: version 0 for 王芳.
    response = post_sheet(
        login(world, Role.DEPARTMENT_HEAD),
        march,
        world.dept,
        {world.staff_in_dept.pk: full_scores(60), world.head_staff.pk: full_scores(75)},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "已被他人修改" in html and "本次未保存任何成绩" in html
    assert Assessment.objects.count() == 1
    assert Assessment.objects.get().total == 80


def test_hr_returns_a_submitted_monthly_result_with_a_reason(world, march):
    head = world.users[Role.DEPARTMENT_HEAD]
    save_scores(
        period=march, actor=head, rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(80))], submit=True
    )
    a = Assessment.objects.get()
    hr = login(world, Role.HOSPITAL_HR)
    assert "退回修改" in hr.get(sheet_url(march, world.dept)).content.decode()
    hr.post(reverse("assessments:return", args=[a.pk]), {f"reason-{a.pk}": "工作量录错"})
    a.refresh_from_db()
    assert a.status == AssessmentStatus.DRAFT
    assert a.history.first().history_change_reason == "退回修改：工作量录错"


def test_the_commission_closes_and_reopens_a_period_from_the_page(world, march):
    admin = login(world, Role.COMMISSION_ADMIN)
    admin.post(reverse("assessments:periods"), {"action": "close", "period": march.pk})
    march.refresh_from_db()
    assert march.is_closed
    admin.post(reverse("assessments:periods"), {"action": "reopen", "period": march.pk, "reason": ""})
    march.refresh_from_db()
    assert march.is_closed  # no reason, no re-open
    admin.post(reverse("assessments:periods"), {"action": "reopen", "period": march.pk, "reason": "更正"})
    march.refresh_from_db()
    assert not march.is_closed
    assert (
        login(world, Role.HOSPITAL_HR)
        .post(reverse("assessments:periods"), {"action": "close", "period": march.pk})
        .status_code
        == 403
    )


def _queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_the_score_entry_page_runs_a_constant_number_of_queries(world, march, django_assert_max_num_queries):
    client = login(world, Role.DEPARTMENT_HEAD)
    few = _queries(client, sheet_url(march))
    people = StaffFactory.create_batch(60, institution=world.hospital, department=world.dept)
    head = world.users[Role.DEPARTMENT_HEAD]
    save_scores(period=march, actor=head, rows=[ScoreRow(staff_id=p.pk, scores=full_scores(80)) for p in people])
    with django_assert_max_num_queries(few):
        response = client.get(sheet_url(march))
    assert response.content.decode().count('class="sheet-row') == 62


def test_saving_a_sheet_runs_a_constant_number_of_queries(world, march):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world, Role.DEPARTMENT_HEAD)
    small = StaffFactory.create_batch(3, institution=world.hospital, department=world.dept)
    with CaptureQueriesContext(connection) as few:
        post_sheet(client, march, world.dept, {p.pk: full_scores(80) for p in small})
    large = StaffFactory.create_batch(40, institution=world.hospital, department=world.dept)
    with CaptureQueriesContext(connection) as many:
        response = post_sheet(client, march, world.dept, {p.pk: full_scores(80) for p in large})
    assert response.status_code == 302
    assert len(many) == len(few)


def test_the_staff_page_shows_the_assessment_timeline(world, march):
    head = world.users[Role.DEPARTMENT_HEAD]
    save_scores(period=march, actor=head, rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(91))])
    html = login(world, Role.HOSPITAL_HR).get(reverse("personnel:staff_detail", args=[world.staff_in_dept.pk]))
    text = html.content.decode()
    assert "考核记录" in text and "2026-03" in text and "优秀" in text


def test_the_nav_links_to_the_assessment_pages(world):
    html = login(world, Role.DEPARTMENT_HEAD).get(reverse("home")).content.decode()
    assert reverse("assessments:periods") in html
