"""Services of 县聘乡用 against the database: stints, leave, attendance, assessment, planning."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from personnel.choices import Category, InstitutionKind
from personnel.errors import ApplicationError
from secondments import services
from secondments.choices import AnnualGrade, AssessmentParty, AttendanceStatus, SecondmentReason, SecondmentStatus
from secondments.models import Demand, Match, Offer
from tests.factories import InstitutionFactory, StaffFactory, UserFactory

D = dt.date
pytestmark = pytest.mark.django_db


def test_a_stint_lasts_the_policy_year_and_starts_active(stint):
    assert stint.planned_end == D(2026, 12, 31) == stint.end
    assert stint.status == SecondmentStatus.ACTIVE
    assert stint.dispatching_unit == stint.staff.institution
    assert stint.history.count() >= 1


def test_receiving_unit_must_be_grassroots(sworld):
    with pytest.raises(ApplicationError, match="乡镇卫生院"):
        services.create_secondment(
            staff=sworld.staff_in_dept,
            receiving_unit=sworld.other_hospital,
            start=D(2026, 1, 1),
            reason=SecondmentReason.VOLUNTARY,
        )


def test_one_open_stint_per_person(stint, sworld):
    with pytest.raises(ApplicationError, match="未结束"):
        services.create_secondment(
            staff=stint.staff, receiving_unit=sworld.township, start=D(2026, 3, 1), reason=SecondmentReason.VOLUNTARY
        )


def test_new_hire_stint_records_the_deadline_and_flags_a_late_end(sworld):
    staff = StaffFactory(institution=sworld.hospital, first_employment_date=D(2021, 9, 1))
    secondment = services.create_secondment(
        staff=staff, receiving_unit=sworld.township, start=D(2026, 1, 1), reason=SecondmentReason.NEW_HIRE
    )
    assert secondment.deadline == D(2026, 8, 31)
    assert secondment.misses_deadline is True


def test_nurses_have_no_new_hire_obligation(sworld):
    nurse = StaffFactory(institution=sworld.hospital, category=Category.NURSING)
    with pytest.raises(ApplicationError, match="执业医师"):
        services.create_secondment(
            staff=nurse, receiving_unit=sworld.township, start=D(2026, 1, 1), reason=SecondmentReason.NEW_HIRE
        )


def test_leave_of_exactly_five_days_must_be_filed_and_extends_by_five(stint):
    # 万州区 reads 请假5天以上 as including 5 (policy leave_filing_comparison = "gte").
    with pytest.raises(ApplicationError, match="备案"):
        services.record_leave(secondment=stint, start=D(2026, 3, 1), end=D(2026, 3, 5), today=D(2026, 3, 10))
    services.record_leave(
        secondment=stint, start=D(2026, 3, 1), end=D(2026, 3, 5), filed_with_commission=True, today=D(2026, 3, 10)
    )
    stint.refresh_from_db()
    assert stint.extension_days == 5
    assert stint.end == D(2027, 1, 5)


def test_leave_of_five_days_under_a_strict_reading_does_not_extend(stint):
    stint.policy.data = {**stint.policy.data, "leave_filing_comparison": "gt"}
    stint.policy.save()
    services.record_leave(secondment=stint, start=D(2026, 3, 1), end=D(2026, 3, 5), today=D(2026, 3, 10))
    stint.refresh_from_db()
    assert stint.end == D(2026, 12, 31)


def test_leave_of_six_days_extends_the_end_by_six(stint):
    services.record_leave(
        secondment=stint, start=D(2026, 3, 1), end=D(2026, 3, 6), filed_with_commission=True, today=D(2026, 3, 10)
    )
    stint.refresh_from_db()
    assert stint.end == D(2027, 1, 6)
    assert stint.served_days == 69 - 6  # 1 Jan → 10 Mar less the filed leave


def test_overlapping_leave_is_refused(stint):
    services.record_leave(secondment=stint, start=D(2026, 3, 1), end=D(2026, 3, 2), today=D(2026, 3, 10))
    with pytest.raises(ApplicationError, match="重叠"):
        services.record_leave(secondment=stint, start=D(2026, 3, 2), end=D(2026, 3, 3), today=D(2026, 3, 10))


def _absent(stint, *days):
    for day in days:
        services.record_attendance(
            secondment=stint, date=D(2026, 2, day), status=AttendanceStatus.ABSENT, today=D(2026, 3, 1)
        )


def test_three_absences_still_count(stint):
    _absent(stint, 2, 3, 4)
    stint.refresh_from_db()
    assert stint.absences == 3
    assert stint.counts_as_service is True
    assert stint.status == SecondmentStatus.ACTIVE


def test_four_absences_void_the_stint_and_notify_the_person_and_both_units(
    stint, sworld, django_capture_on_commit_callbacks
):
    UserFactory(role="hospital_hr", institution=sworld.township, email="township@example.cn")
    sworld.users["hospital_hr"].email = "hr@example.cn"
    sworld.users["hospital_hr"].save()
    sworld.users["staff"].email = "wangfang@example.cn"
    sworld.users["staff"].save()
    with django_capture_on_commit_callbacks(execute=True):
        _absent(stint, 2, 3, 4, 5)
    stint.refresh_from_db()
    assert stint.counts_as_service is False
    assert stint.status == SecondmentStatus.VOIDED
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"township@example.cn", "hr@example.cn", "wangfang@example.cn"}


def test_posting_the_same_day_twice_keeps_one_record(stint):
    _absent(stint, 2)
    services.record_attendance(
        secondment=stint, date=D(2026, 2, 2), status=AttendanceStatus.PRESENT, today=D(2026, 3, 1)
    )
    stint.refresh_from_db()
    assert stint.attendance.count() == 1
    assert stint.absences == 0


def test_attendance_outside_the_stint_is_refused(stint):
    with pytest.raises(ApplicationError, match="服务期内"):
        services.record_attendance(secondment=stint, date=D(2025, 12, 31), status=AttendanceStatus.PRESENT)


def test_daily_recompute_completes_ended_stints(stint):
    result = services.recompute_open_secondments(today=D(2027, 1, 1))
    stint.refresh_from_db()
    assert result["recomputed"] == 1
    assert stint.status == SecondmentStatus.COMPLETED
    assert stint.served_days == 365


SCORES = {"duty": 18, "conduct": 18, "attendance": 18, "workload": 18, "achievement": 18}


def _score_all(secondment, year=2026, receiving=90):
    parts = {"duty": receiving // 5, "conduct": receiving // 5, "attendance": receiving // 5}
    parts |= {"workload": receiving // 5, "achievement": receiving - 4 * (receiving // 5)}
    services.score_assessment(secondment=secondment, year=year, party=AssessmentParty.RECEIVING, scores=parts)
    services.score_assessment(secondment=secondment, year=year, party=AssessmentParty.COMMISSION, scores=SCORES)
    return services.score_assessment(secondment=secondment, year=year, party=AssessmentParty.DISPATCHING, scores=SCORES)


def test_assessment_combines_sixty_thirty_ten(stint):
    assessment = _score_all(stint, receiving=100)
    assert assessment.total == Decimal("96.00")  # 60 + 27 + 9


def test_half_a_year_exactly_takes_part_in_the_assessment(sworld):
    half = services.create_secondment(
        staff=sworld.staff_branch, receiving_unit=sworld.township, start=D(2026, 7, 1), reason="voluntary"
    )
    short = services.create_secondment(
        staff=sworld.staff_other_hospital, receiving_unit=sworld.township, start=D(2026, 7, 2), reason="voluntary"
    )
    assert services.score_assessment(secondment=half, year=2026, party="receiving", scores=SCORES).pk
    with pytest.raises(ApplicationError, match="未满半年"):
        services.score_assessment(secondment=short, year=2026, party="receiving", scores=SCORES)


def test_five_aspects_over_one_hundred_are_refused(stint):
    with pytest.raises(ApplicationError, match="100"):
        services.score_assessment(secondment=stint, year=2026, party="receiving", scores={**SCORES, "duty": 30})


def _people(sworld, n):
    hospital = sworld.hospital
    out = []
    for _ in range(n):
        staff = StaffFactory(institution=hospital)
        out.append(
            services.create_secondment(
                staff=staff, receiving_unit=sworld.township, start=D(2026, 1, 1), reason="voluntary"
            )
        )
    return out


@pytest.mark.parametrize(("people", "places"), [(6, 0), (7, 1)])
def test_excellent_quota_is_enforced_with_policy_rounding(sworld, people, places):
    assessments = [_score_all(s) for s in _people(sworld, people)]
    quota = services.excellent_quota(region_id=sworld.region.pk, year=2026)
    assert (quota["people"], quota["places"], quota["left"]) == (people, places, places)
    for a in assessments[:places]:
        services.grade_assessment(assessment=a, grade=AnnualGrade.EXCELLENT)
    with pytest.raises(ApplicationError, match="名额"):
        services.grade_assessment(assessment=assessments[places], grade=AnnualGrade.EXCELLENT)
    assert services.excellent_quota(region_id=sworld.region.pk, year=2026)["left"] == 0


def test_suggest_edit_and_confirm_matches(sworld):
    remote = InstitutionFactory(
        name="偏远乡卫生院", parent=sworld.commission, kind=InstitutionKind.TOWNSHIP_CENTRE, is_remote=True
    )
    near = Demand.objects.create(year=2027, institution=sworld.township, category=Category.CLINICAL, count=1)
    far = Demand.objects.create(year=2027, institution=remote, category=Category.CLINICAL, count=1)
    a = Offer.objects.create(year=2027, institution=sworld.hospital, staff=sworld.staff_in_dept, reason="voluntary")
    b = Offer.objects.create(
        year=2027, institution=sworld.hospital, staff=sworld.staff_other_dept, reason="voluntary", prefers_remote=False
    )
    matches = services.suggest_matches(region_id=sworld.region.pk, year=2027)
    assert {(m.demand_id, m.offer_id) for m in matches} == {(far.pk, a.pk), (near.pk, b.pk)}
    services.set_match(demand=near, offer=a)
    services.set_match(demand=far, offer=b)
    made = services.confirm_matches(region_id=sworld.region.pk, year=2027, start=D(2027, 1, 1))
    assert {(s.staff_id, s.receiving_unit_id) for s in made} == {
        (sworld.staff_in_dept.pk, sworld.township.pk),
        (sworld.staff_other_dept.pk, remote.pk),
    }
    assert Match.objects.filter(status="confirmed").count() == 2


def test_the_daily_beat_task_recomputes_stints(stint, time_machine):
    from config.celery import app
    from secondments.tasks import recompute_open_secondments

    assert app.conf.beat_schedule["secondments-recompute-daily"]["task"] == "secondments.recompute_open_secondments"
    time_machine.move_to(dt.datetime(2026, 4, 10, 12, tzinfo=dt.UTC))
    result = recompute_open_secondments.delay().get()
    stint.refresh_from_db()
    assert result == {"recomputed": 1, "missing_deadline": 0}
    assert stint.served_days == 100
    assert stint.recomputed_on == D(2026, 4, 10)


def test_future_filed_leave_extends_the_end_but_takes_nothing_from_days_served_so_far(stint):
    services.record_leave(
        secondment=stint, start=D(2026, 3, 1), end=D(2026, 3, 6), filed_with_commission=True, today=D(2026, 2, 1)
    )
    stint.refresh_from_db()
    assert stint.end == D(2027, 1, 6)
    assert stint.served_days == 32  # 1 Jan → 1 Feb, the March leave not yet taken
    services.recompute_secondment(secondment=stint, today=D(2026, 3, 3))
    stint.refresh_from_db()
    assert stint.served_days == 62 - 3  # three of the six leave days taken by 3 Mar


def test_an_unknown_grade_is_refused(stint):
    assessment = _score_all(stint)
    with pytest.raises(ApplicationError, match="等次无效"):
        services.grade_assessment(assessment=assessment, grade="stellar")


def test_a_stint_that_has_not_started_is_planned_until_its_first_day(sworld):
    stint = services.create_secondment(
        staff=sworld.staff_branch, receiving_unit=sworld.township, start=D(2027, 1, 1), reason="voluntary"
    )
    assert stint.status == SecondmentStatus.PLANNED
    services.recompute_secondment(secondment=stint, today=D(2026, 12, 31))
    assert stint.status == SecondmentStatus.PLANNED
    services.recompute_secondment(secondment=stint, today=D(2027, 1, 1))
    assert stint.status == SecondmentStatus.ACTIVE


def test_an_absence_cannot_be_turned_into_leave_afterwards(stint):
    _absent(stint, 2)
    with pytest.raises(ApplicationError, match="旷工"):
        services.record_leave(secondment=stint, start=D(2026, 2, 1), end=D(2026, 2, 3), today=D(2026, 3, 1))
