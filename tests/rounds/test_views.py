"""The round board: where each institution stands, scoped to what the user reaches, with what is
overdue; a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rounds import services

from .conftest import YEAR

D = dt.date
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rows(html: str) -> set[str]:
    import re

    return set(re.findall(r'data-institution="([^"]+)"', html))


def test_the_board_shows_each_institutions_progress(world, round_, scored, commission):
    scored(round_, world.staff_in_dept, quantified=90)
    services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    response = _client(commission).get(reverse("rounds:board", args=[round_.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert _rows(html) == {"策勒县人民医院", "人民医院分院", "策勒县中医医院"}  # gathered people or quotas
    row = next(r for r in response.context["rows"] if r.institution_name == "策勒县人民医院")
    assert (row.gathered, row.applications, row.reviewed, row.ranked, row.vacancies) == (1, 1, 1, 1, 2)
    assert row.list_label == "拟定（待公示）"


def test_hr_sees_only_its_institutions_on_the_board(world, round_, hr):
    html = _client(hr).get(reverse("rounds:board", args=[round_.pk])).content.decode()
    assert _rows(html) == {"策勒县人民医院", "人民医院分院"}


def test_another_regions_round_is_a_404_and_not_listed(world, round_, commission):
    from personnel.choices import Role
    from rounds.services import open_round
    from tests.factories import UserFactory

    foreign_admin = UserFactory(username="wz", role=Role.COMMISSION_ADMIN, institution=world.foreign_hospital.parent)
    foreign = open_round(region=world.foreign_region, year=YEAR, opened_on=D(2027, 12, 1), actor=foreign_admin)
    assert _client(commission).get(reverse("rounds:board", args=[foreign.pk])).status_code == 404
    assert foreign.name not in _client(commission).get(reverse("rounds:list")).content.decode()


def test_after_the_new_term_starts_undecided_people_are_overdue(world, round_, commission, time_machine):
    time_machine.move_to(dt.datetime(2028, 1, 5, 10, tzinfo=SHANGHAI))
    response = _client(commission).get(reverse("rounds:board", args=[round_.pk]))
    html = response.content.decode()
    assert "新聘期已开始，1人既未签约也未登记期满处理" in html
    assert response.context["overdue_count"] == 3


def test_a_publicity_past_its_last_working_day_is_overdue(world, round_, scored, commission, time_machine):
    scored(round_, world.staff_in_dept, quantified=90)
    services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    services.start_list_publicity(proposed_list=round_.lists.get(), starts_on=D(2027, 12, 13), actor=commission)
    time_machine.move_to(dt.datetime(2027, 12, 22, 10, tzinfo=SHANGHAI))
    html = _client(commission).get(reverse("rounds:board", args=[round_.pk])).content.decode()
    assert "公示期已于2027-12-17届满，尚未结束公示" in html


def test_the_board_takes_the_same_number_of_queries_for_more_institutions(
    world, round_, quota, person, commission, grade
):
    client = _client(commission)
    path = reverse("rounds:board", args=[round_.pk])
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        client.get(path)
    for institution in (world.township, world.branch, world.other_hospital):
        quota(institution, 8, 3)
        services.apply(
            round=round_,
            staff=person(f"{institution.code}甲", institution=institution),
            post_grade=grade(8),
            applied_on=D(2027, 12, 5),
            actor=commission,
        )
    with CaptureQueriesContext(connection) as more:
        client.get(path)
    assert len(more.captured_queries) == len(few.captured_queries)


def test_a_step_the_role_may_not_take_is_refused_with_its_reason_and_nothing_changes(world, round_, grade, commission):
    from rounds.choices import ApplicationStatus
    from rounds.models import Application

    a = services.apply(
        round=round_, staff=world.staff_in_dept, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=commission
    )
    client = _client(world.users["staff"])
    response = client.post(
        reverse("rounds:step", args=[round_.pk, "qualify"]),
        {"application": a.pk, f"a{a.pk}-decision": "pass"},
        follow=True,
    )
    assert "当前角色无权资格审查" in response.content.decode()
    assert Application.objects.get(pk=a.pk).status == ApplicationStatus.SUBMITTED


def test_a_step_on_an_application_out_of_reach_is_a_404(world, round_, quota, grade, commission, hr):
    quota(world.other_hospital, 8, 1)
    a = services.apply(
        round=round_, staff=world.staff_other_hospital, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=commission
    )
    response = _client(hr).post(
        reverse("rounds:step", args=[round_.pk, "qualify"]), {"application": a.pk, f"a{a.pk}-decision": "pass"}
    )
    assert response.status_code == 404


def test_staff_download_only_their_own_agreement(world, round_, scored, commission):
    from tests.rounds.test_api import _agreement_for

    own = _agreement_for(scored(round_, world.staff_in_dept, quantified=90))
    staff_client = _client(world.users["staff"])
    response = staff_client.get(reverse("rounds:agreement_pdf", args=[own.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    other = _agreement_for(scored(round_, world.staff_other_dept, quantified=80))
    assert staff_client.get(reverse("rounds:agreement_pdf", args=[other.pk])).status_code == 404


def test_hr_records_an_ending_decision_from_the_board(world, round_, grade, hr):
    path = reverse("rounds:board", args=[round_.pk])
    page = _client(hr).get(path).content.decode()
    assert 'data-candidate="张伟"' in page and 'data-candidate="刘洋"' not in page  # HR's reach only
    candidate = round_.candidates.get(staff=world.staff_branch)
    response = _client(hr).post(
        reverse("rounds:step", args=[round_.pk, "decide"]),
        {
            "candidate": candidate.pk,
            f"c{candidate.pk}-outcome": "special_post",
            f"c{candidate.pk}-note": "转聘特设岗位",
            f"c{candidate.pk}-decided_on": "2027-12-30",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "已登记张伟的期满处理：特设岗位" in html
    assert 'data-candidate="张伟"' not in html


def test_an_objection_lodged_on_the_board_blocks_the_end_until_answered(world, round_, scored, commission, hr):
    scored(round_, world.staff_in_dept, quantified=90)
    services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    lst = round_.lists.get()
    services.start_list_publicity(proposed_list=lst, starts_on=D(2027, 12, 13), actor=commission)
    step = lambda name: reverse("rounds:step", args=[round_.pk, name])  # noqa: E731
    html = (
        _client(hr)
        .post(
            step("object"),
            {
                "list": lst.pk,
                f"o{lst.pk}-lodged_on": "2027-12-14",
                f"o{lst.pk}-lodged_by_name": "匿名",
                f"o{lst.pk}-content": "业绩材料存疑",
            },
            follow=True,
        )
        .content.decode()
    )
    assert "异议已登记" in html and "业绩材料存疑" in html
    admin = _client(commission)
    html = admin.post(step("end_publicity"), {"list": lst.pk, f"e{lst.pk}-on": "2027-12-20"}, follow=True)
    assert "尚未答复" in html.content.decode()
    objection = lst.publicities.get().objections.get()
    admin.post(step("answer"), {"list": lst.pk, "objection": objection.pk, f"x{objection.pk}-answer": "经核查属实"})
    html = admin.post(step("end_publicity"), {"list": lst.pk, f"e{lst.pk}-on": "2027-12-20"}, follow=True)
    assert "公示已结束" in html.content.decode()


def test_staff_withdraw_their_own_application_from_the_page(world, round_, grade, commission):
    from rounds.choices import ApplicationStatus
    from rounds.models import Application

    a = services.apply(
        round=round_, staff=world.staff_in_dept, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=commission
    )
    client = _client(world.users["staff"])
    page = client.get(reverse("rounds:applications", args=[round_.pk])).content.decode()
    assert "撤回申报" in page
    html = client.post(
        reverse("rounds:step", args=[round_.pk, "withdraw"]), {"application": a.pk, "reason": "另有安排"}, follow=True
    ).content.decode()
    assert "王芳的申报已撤回" in html
    assert Application.objects.get(pk=a.pk).status == ApplicationStatus.WITHDRAWN


def test_closing_a_round_with_undecided_people_is_refused_on_the_board(world, round_, commission):
    html = _client(commission).post(reverse("rounds:step", args=[round_.pk, "close"]), follow=True).content.decode()
    assert "既未签订新聘任协议，也未登记期满处理，不能结束本轮" in html
    round_.refresh_from_db()
    assert round_.status == "open"


def test_the_applications_page_takes_the_same_number_of_queries_for_more_rows(
    world, round_, scored, person, commission, grade
):
    client = _client(commission)
    path = reverse("rounds:applications", args=[round_.pk])
    scored(round_, world.staff_in_dept, quantified=90)
    client.get(path)
    with CaptureQueriesContext(connection) as few:
        assert client.get(path).status_code == 200
    for i in range(3):
        scored(round_, person(f"多{i}"), quantified=80 + i)
        services.apply(
            round=round_, staff=person(f"新{i}"), post_grade=grade(8), applied_on=D(2027, 12, 5), actor=commission
        )
    with CaptureQueriesContext(connection) as more:
        assert client.get(path).status_code == 200
    assert len(more.captured_queries) == len(few.captured_queries)
