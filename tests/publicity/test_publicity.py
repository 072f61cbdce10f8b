"""The reusable publicity (公示): its period in official working days, objections lodged only while
it runs, and it ends only after its last working day with every objection answered."""

from __future__ import annotations

import datetime as dt

import pytest

from personnel.choices import Role
from personnel.errors import ApplicationError
from publicity import selectors
from publicity.models import Objection, Publicity, PublicityStatus
from publicity.services import (
    answer_objection,
    cancel_publicity,
    end_blockers,
    end_publicity,
    lodge_objection,
    open_publicity,
)
from tests.api_testing import assert_no_rows_written

SEP_29 = dt.date(2026, 9, 29)
OCT_10 = dt.date(2026, 10, 10)  # the 5th working day from 9-29 (国庆 off, Saturday 10-10 调休)


@pytest.fixture
def admin(world):
    return world.users[Role.COMMISSION_ADMIN]


@pytest.fixture
def national_day(world, admin):
    return open_publicity(
        subject=world.staff_in_dept,
        region=world.region,
        title="拟高职低聘人员公示",
        body="王芳",
        starts_on=SEP_29,
        working_days=5,
        actor=admin,
    )


def test_a_publicity_across_national_day_ends_on_the_make_up_saturday(national_day):
    assert national_day.ends_on == OCT_10
    assert national_day.status == PublicityStatus.RUNNING
    assert selectors.running_for_subject(national_day.subject) == national_day
    assert selectors.may_end_from(national_day) == dt.date(2026, 10, 11)
    assert not selectors.is_approximate(national_day)


@pytest.mark.parametrize("day", [dt.date(2026, 10, 1), dt.date(2026, 10, 9), OCT_10])
def test_the_publicity_cannot_end_on_or_before_its_last_working_day(national_day, admin, day):
    blockers = end_blockers(national_day, on=day)
    assert blockers == ["公示期为5个工作日，至2026-10-10止，2026-10-11起方可结束公示。"]
    with pytest.raises(ApplicationError, match="2026-10-11起方可结束公示"):
        end_publicity(publicity=national_day, on=day, actor=admin)
    national_day.refresh_from_db()
    assert national_day.status == PublicityStatus.RUNNING


def test_the_publicity_ends_the_day_after_its_last_working_day(national_day, admin):
    assert end_blockers(national_day, on=dt.date(2026, 10, 11)) == []
    ended = end_publicity(publicity=national_day, on=dt.date(2026, 10, 11), actor=admin)
    assert ended.status == PublicityStatus.ENDED
    assert ended.ended_by == admin
    assert selectors.running_for_subject(national_day.subject) is None


def test_an_unanswered_objection_blocks_the_end_and_names_who_lodged_it(national_day, admin):
    objection = lodge_objection(
        publicity=national_day,
        lodged_on=dt.date(2026, 10, 9),
        lodged_by_name="匿名",
        content="该同志工作量统计有误。",
        actor=admin,
    )
    blockers = end_blockers(national_day, on=dt.date(2026, 10, 12))
    assert blockers == ["匿名于2026-10-09提出的异议尚未答复。"]
    with pytest.raises(ApplicationError, match="尚未答复"):
        end_publicity(publicity=national_day, on=dt.date(2026, 10, 12), actor=admin)

    answer_objection(objection=objection, answer="经核查，工作量统计无误。", actor=admin)
    objection.refresh_from_db()
    assert objection.is_answered and objection.answered_by == admin
    assert end_publicity(publicity=national_day, on=dt.date(2026, 10, 12), actor=admin).status == "ended"


def test_an_objection_must_be_dated_within_the_publicity_period(national_day, admin):
    with assert_no_rows_written(Objection), pytest.raises(ApplicationError, match="2026-09-29至2026-10-10"):
        lodge_objection(
            publicity=national_day,
            lodged_on=dt.date(2026, 10, 11),
            lodged_by_name="张三",
            content="有异议",
            actor=admin,
        )
    with assert_no_rows_written(Objection), pytest.raises(ApplicationError, match="公示期内"):
        lodge_objection(
            publicity=national_day, lodged_on=dt.date(2026, 9, 28), lodged_by_name="张三", content="有异议", actor=admin
        )


def test_an_objection_needs_a_name_and_content(national_day, admin):
    with pytest.raises(ApplicationError) as caught:
        lodge_objection(publicity=national_day, lodged_on=SEP_29, lodged_by_name=" ", content="", actor=admin)
    assert set(caught.value.extra) == {"lodged_by_name", "content"}
    assert not Objection.objects.exists()


def test_no_objection_after_the_publicity_ended(national_day, admin):
    end_publicity(publicity=national_day, on=dt.date(2026, 10, 11), actor=admin)
    with pytest.raises(ApplicationError, match="不能再登记异议"):
        lodge_objection(publicity=national_day, lodged_on=OCT_10, lodged_by_name="张三", content="有异议", actor=admin)


def test_an_empty_answer_is_refused(national_day, admin):
    objection = lodge_objection(
        publicity=national_day, lodged_on=SEP_29, lodged_by_name="张三", content="有异议", actor=admin
    )
    with pytest.raises(ApplicationError, match="请填写核查答复"):
        answer_objection(objection=objection, answer="  ", actor=admin)
    objection.refresh_from_db()
    assert not objection.is_answered


def test_a_second_running_publicity_for_the_same_subject_is_refused(national_day, world, admin):
    with assert_no_rows_written(Publicity), pytest.raises(ApplicationError, match="已有正在进行的公示"):
        open_publicity(
            subject=world.staff_in_dept,
            region=world.region,
            title="再次公示",
            starts_on=dt.date(2026, 10, 12),
            working_days=5,
            actor=admin,
        )
    # Once ended, the subject may be publicised again (e.g. a restoration later).
    end_publicity(publicity=national_day, on=dt.date(2026, 10, 11), actor=admin)
    again = open_publicity(
        subject=world.staff_in_dept,
        region=world.region,
        title="再次公示",
        starts_on=dt.date(2026, 11, 2),
        working_days=5,
        actor=admin,
    )
    assert again.ends_on == dt.date(2026, 11, 6)
    assert list(selectors.for_subject(world.staff_in_dept)) == [again, national_day]


def test_a_cancelled_publicity_can_no_longer_end(national_day, admin):
    cancel_publicity(publicity=national_day, actor=admin)
    national_day.refresh_from_db()
    assert national_day.status == PublicityStatus.CANCELLED
    assert end_blockers(national_day, on=dt.date(2026, 10, 12)) == ["公示已撤销。"]
    with pytest.raises(ApplicationError, match="公示已撤销"):
        end_publicity(publicity=national_day, on=dt.date(2026, 10, 12), actor=admin)


def test_a_publicity_needs_a_title_and_at_least_one_working_day(world, admin):
    with assert_no_rows_written(Publicity):
        with pytest.raises(ApplicationError, match="公示标题"):
            open_publicity(
                subject=world.staff_in_dept,
                region=world.region,
                title="",
                starts_on=SEP_29,
                working_days=5,
                actor=admin,
            )
        with pytest.raises(ApplicationError, match="至少为1个工作日"):
            open_publicity(
                subject=world.staff_in_dept,
                region=world.region,
                title="公示",
                starts_on=SEP_29,
                working_days=0,
                actor=admin,
            )


def test_a_publicity_in_an_uncovered_year_is_flagged_approximate(world, admin):
    publicity = open_publicity(
        subject=world.staff_branch,
        region=world.region,
        title="公示",
        starts_on=dt.date(2027, 3, 1),
        working_days=5,
        actor=admin,
    )
    assert publicity.ends_on == dt.date(2027, 3, 5)
    assert selectors.is_approximate(publicity)


def test_admin_lists_publicities_with_their_objections_read_only(national_day, admin, django_user_model):
    from django.test import Client
    from django.urls import reverse

    lodge_objection(publicity=national_day, lodged_on=SEP_29, lodged_by_name="张三", content="有异议", actor=admin)
    root = django_user_model.objects.create_superuser("root", password="x")
    client = Client()
    client.force_login(root)
    assert client.get(reverse("admin:publicity_publicity_changelist")).status_code == 200
    page = client.get(reverse("admin:publicity_publicity_change", args=[national_day.pk]))
    assert page.status_code == 200
    assert "有异议" in page.content.decode()
    assert client.get(reverse("admin:publicity_objection_changelist")).status_code == 200
    assert client.get(reverse("admin:publicity_publicity_add")).status_code == 403
