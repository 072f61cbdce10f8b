"""The appointment rules: quota (岗位结构比例), term from policy, one active appointment per person."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from appointments.choices import AppointmentKind, AppointmentStatus
from appointments.models import Appointment
from appointments.selectors import count_filled_posts, quotas_with_usage
from appointments.services import create_appointment, default_term_end, end_appointment
from personnel.errors import ApplicationError
from personnel.models import PostGrade, PostQuota
from personnel.services import set_quota
from tests.factories import (
    AppointmentFactory,
    InstitutionFactory,
    PolicyVersionFactory,
    PostQuotaFactory,
    StaffFactory,
)

START = dt.date(2026, 3, 1)


@pytest.fixture
def grade8(db):
    return PostGrade.objects.get(grade=8)


@pytest.fixture
def hospital(db):
    hospital = InstitutionFactory()
    PolicyVersionFactory(region=hospital.region)
    return hospital


def _fill(hospital, grade, n):
    for _ in range(n):
        AppointmentFactory(staff=StaffFactory(institution=hospital), post_grade=grade, start=START)


def test_appointment_within_quota_is_created_with_the_policy_term(hospital, grade8):
    PostQuotaFactory(institution=hospital, year=2026, post_grade=grade8, count=3)
    _fill(hospital, grade8, 2)
    staff = StaffFactory(institution=hospital)
    appointment = create_appointment(staff=staff, post_grade=grade8, start=START)
    assert appointment.status == AppointmentStatus.ACTIVE
    assert appointment.end == dt.date(2028, 2, 29)  # 2 years (policy), the day before
    assert appointment.policy.appointment_term_years == 2


@pytest.mark.smoke
def test_quota_exactly_full_refuses_the_next_appointment(hospital, grade8):
    PostQuotaFactory(institution=hospital, year=2026, post_grade=grade8, count=3)
    _fill(hospital, grade8, 3)
    staff = StaffFactory(institution=hospital)
    before = Appointment.objects.count()
    with pytest.raises(ApplicationError) as error:
        create_appointment(staff=staff, post_grade=grade8, start=START)
    assert "超出岗位结构比例" in error.value.message
    assert "3/3" in str(error.value.extra)
    assert Appointment.objects.count() == before


def test_special_post_is_not_bound_by_the_quota(hospital, grade8):
    PostQuotaFactory(institution=hospital, year=2026, post_grade=grade8, count=1)
    _fill(hospital, grade8, 1)
    appointment = create_appointment(
        staff=StaffFactory(institution=hospital), post_grade=grade8, start=START, kind=AppointmentKind.SPECIAL
    )
    assert appointment.kind == AppointmentKind.SPECIAL
    # and a special post does not use up a quota post
    assert count_filled_posts(institution=hospital, year=2026, post_grade=grade8) == 1


def test_no_quota_for_the_year_refuses_the_appointment(hospital, grade8):
    PostQuotaFactory(institution=hospital, year=2025, post_grade=grade8, count=9)
    with pytest.raises(ApplicationError) as error:
        create_appointment(staff=StaffFactory(institution=hospital), post_grade=grade8, start=START)
    assert "未核定" in error.value.message


def test_terminated_appointment_frees_its_post(hospital, grade8):
    PostQuotaFactory(institution=hospital, year=2026, post_grade=grade8, count=1)
    first = create_appointment(staff=StaffFactory(institution=hospital), post_grade=grade8, start=START)
    end_appointment(appointment=first, on=dt.date(2026, 6, 30))
    # still counted in 2026? It ended in 2026 but is no longer active: the post is free.
    second = create_appointment(staff=StaffFactory(institution=hospital), post_grade=grade8, start=dt.date(2026, 7, 1))
    assert second.status == AppointmentStatus.ACTIVE


def test_appointment_of_the_previous_year_running_into_this_year_uses_this_years_post(hospital, grade8):
    PostQuotaFactory(institution=hospital, year=2026, post_grade=grade8, count=1)
    AppointmentFactory(
        staff=StaffFactory(institution=hospital),
        post_grade=grade8,
        start=dt.date(2025, 1, 1),
        end=dt.date(2026, 12, 31),
    )
    with pytest.raises(ApplicationError):
        create_appointment(staff=StaffFactory(institution=hospital), post_grade=grade8, start=START)


def test_appointment_ending_the_year_before_does_not_use_this_years_post(hospital, grade8):
    PostQuotaFactory(institution=hospital, year=2026, post_grade=grade8, count=1)
    AppointmentFactory(
        staff=StaffFactory(institution=hospital),
        post_grade=grade8,
        start=dt.date(2024, 1, 1),
        end=dt.date(2025, 12, 31),
    )
    create_appointment(staff=StaffFactory(institution=hospital), post_grade=grade8, start=START)


@pytest.mark.smoke
def test_second_active_appointment_is_refused(hospital, grade8):
    PostQuotaFactory(institution=hospital, year=2026, post_grade=grade8, count=5)
    staff = StaffFactory(institution=hospital)
    create_appointment(staff=staff, post_grade=grade8, start=START)
    with pytest.raises(ApplicationError) as error:
        create_appointment(staff=staff, post_grade=grade8, start=dt.date(2026, 4, 1))
    assert "已有在聘岗位" in error.value.message
    assert Appointment.objects.filter(staff=staff).count() == 1


def test_database_allows_only_one_active_appointment_per_person(hospital, grade8):
    staff = StaffFactory(institution=hospital)
    AppointmentFactory(staff=staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(staff=staff)
    AppointmentFactory(staff=staff, status=AppointmentStatus.ENDED)  # an ended one may coexist


def test_replacing_the_current_appointment_ends_it_the_day_before(hospital, grade8):
    grade7 = PostGrade.objects.get(grade=7)
    PostQuotaFactory(institution=hospital, year=2026, post_grade=grade8, count=5)
    PostQuotaFactory(institution=hospital, year=2026, post_grade=grade7, count=5)
    staff = StaffFactory(institution=hospital)
    old = create_appointment(staff=staff, post_grade=grade7, start=dt.date(2026, 1, 1))
    new = create_appointment(
        staff=staff, post_grade=grade8, start=START, kind=AppointmentKind.DEMOTED, replace_current=True
    )
    old.refresh_from_db()
    assert old.status == AppointmentStatus.TERMINATED
    assert old.end == dt.date(2026, 2, 28)
    assert new.kind == AppointmentKind.DEMOTED


def test_staff_not_on_duty_cannot_be_appointed(hospital, grade8):
    PostQuotaFactory(institution=hospital, year=2026, post_grade=grade8, count=5)
    with pytest.raises(ApplicationError) as error:
        create_appointment(staff=StaffFactory(institution=hospital, status="retired"), post_grade=grade8, start=START)
    assert "退休" in error.value.message


def test_no_policy_in_force_is_a_clear_refusal(grade8):
    hospital = InstitutionFactory()
    PostQuotaFactory(institution=hospital, year=2026, post_grade=grade8, count=5)
    with pytest.raises(ApplicationError) as error:
        create_appointment(staff=StaffFactory(institution=hospital), post_grade=grade8, start=START)
    assert "政策" in error.value.message


def test_quota_cannot_be_cut_below_the_posts_filled(hospital, grade8):
    PostQuotaFactory(institution=hospital, year=2026, post_grade=grade8, count=3)
    _fill(hospital, grade8, 3)
    with pytest.raises(ApplicationError):
        set_quota(institution=hospital, year=2026, post_grade=grade8, count=2)
    assert PostQuota.objects.get(institution=hospital, year=2026, post_grade=grade8).count == 3
    assert set_quota(institution=hospital, year=2026, post_grade=grade8, count=3).count == 3


def test_quota_usage_is_annotated_in_one_query(hospital, grade8, django_assert_num_queries):
    PostQuotaFactory(institution=hospital, year=2026, post_grade=grade8, count=3)
    PostQuotaFactory(institution=hospital, year=2026, post_grade=PostGrade.objects.get(grade=9), count=3)
    _fill(hospital, grade8, 2)
    with django_assert_num_queries(1):
        usage = {q.post_grade_id: q.used for q in quotas_with_usage(PostQuota.objects.filter(institution=hospital))}
    assert usage == {8: 2, 9: 0}


@pytest.mark.parametrize(
    ("start", "years", "end"),
    [(dt.date(2025, 1, 1), 2, dt.date(2026, 12, 31)), (dt.date(2024, 2, 29), 2, dt.date(2026, 2, 27))],
)
def test_default_term_end(start, years, end):
    assert default_term_end(start=start, term_years=years) == end
