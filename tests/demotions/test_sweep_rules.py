"""The 能上能下 rule sweep, rule by rule, with the boundaries of issue 5's acceptance list."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.choices import AssessmentStatus
from demotions.choices import CaseKind, CaseState, EventKind, RectificationStatus, Trigger
from demotions.models import DemotionCase, Rectification
from demotions.sweep import run_sweep
from personnel.models import PostGrade
from tests.demotions.factories import (
    ConductEventFactory,
    DutyTargetFactory,
    TargetProgressEntryFactory,
    WorkloadRecordFactory,
    senior_appointment,
)
from tests.factories import AppointmentFactory, InstitutionFactory, PolicyVersionFactory, RegionFactory, StaffFactory

pytestmark = pytest.mark.django_db


def cases(staff, trigger=None):
    qs = DemotionCase.objects.filter(staff=staff)
    return list(qs.filter(trigger=trigger) if trigger else qs)


# --- Rule 3: consecutive quarterly 不合格 ---------------------------------------------------------


def test_two_consecutive_unqualified_quarters_open_a_case(world, senior, assess):
    q1 = assess(world.staff_in_dept, "2026Q1", "unqualified")
    q2 = assess(world.staff_in_dept, "2026Q2", "unqualified")

    result = run_sweep(as_of=dt.date(2026, 7, 10))

    [case] = cases(world.staff_in_dept)
    assert case.trigger == Trigger.CONSECUTIVE_QUARTERS
    assert case.trigger_key == "2026Q1"
    assert case.rule_detail == "2026年第1季度、第2季度季度考核连续不合格"
    assert set(case.source_assessments.all()) == {q1, q2}
    assert (case.kind, case.state, case.opened_on, case.opened_by) == (
        CaseKind.DEMOTION,
        CaseState.OPENED,
        dt.date(2026, 7, 10),
        None,
    )
    assert case.institution == world.hospital
    assert case.appointment == senior
    assert case.policy.region == world.region
    assert result.cases_per_rule() == {Trigger.CONSECUTIVE_QUARTERS: 1}
    assert "高职低聘立案：王芳" in str(result)


def test_an_unqualified_quarter_between_qualified_ones_opens_no_case(world, senior, assess):
    assess(world.staff_in_dept, "2026Q1", "unqualified")
    assess(world.staff_in_dept, "2026Q2", "qualified")
    assess(world.staff_in_dept, "2026Q3", "unqualified")

    run_sweep(as_of=dt.date(2026, 10, 10))

    assert cases(world.staff_in_dept) == []


def test_q4_and_the_next_years_q1_unqualified_open_a_case(world, senior, assess):
    assess(world.staff_in_dept, "2026Q4", "unqualified")
    assess(world.staff_in_dept, "2027Q1", "unqualified")

    run_sweep(as_of=dt.date(2027, 4, 2))

    [case] = cases(world.staff_in_dept)
    assert case.trigger_key == "2026Q4"
    assert case.rule_detail == "2026年第4季度、2027年第1季度季度考核连续不合格"


def test_a_missing_quarter_breaks_the_run(world, senior, assess):
    assess(world.staff_in_dept, "2026Q1", "unqualified")
    assess(world.staff_in_dept, "2026Q3", "unqualified")

    run_sweep(as_of=dt.date(2026, 10, 10))

    assert cases(world.staff_in_dept) == []


def test_a_run_of_three_unqualified_quarters_opens_one_case_keyed_by_its_first_quarter(world, senior, assess):
    runs = [assess(world.staff_in_dept, f"2026Q{n}", "unqualified") for n in (1, 2, 3)]

    run_sweep(as_of=dt.date(2026, 7, 10))
    run_sweep(as_of=dt.date(2026, 10, 10))

    [case] = cases(world.staff_in_dept)
    assert case.trigger_key == "2026Q1"
    assert set(case.source_assessments.all()) == set(runs[:2])


def test_a_draft_unqualified_quarter_does_not_count(world, senior, assess):
    assess(world.staff_in_dept, "2026Q1", "unqualified")
    assess(world.staff_in_dept, "2026Q2", "unqualified", status=AssessmentStatus.DRAFT)

    run_sweep(as_of=dt.date(2026, 7, 10))

    assert cases(world.staff_in_dept) == []


def test_a_quarter_counts_only_once_it_is_over(world, senior, assess):
    assess(world.staff_in_dept, "2026Q1", "unqualified")
    assess(world.staff_in_dept, "2026Q2", "unqualified")

    run_sweep(as_of=dt.date(2026, 6, 30))
    assert cases(world.staff_in_dept) == []

    run_sweep(as_of=dt.date(2026, 7, 1))
    assert len(cases(world.staff_in_dept)) == 1


def test_the_number_of_quarters_is_read_from_the_policy_in_force(world, senior, assess):
    policy = PolicyVersionFactory(region=world.region, name="修订政策", effective_from=dt.date(2026, 7, 1))
    policy.data["consecutive_failed_quarters"] = 3
    policy.save()
    assess(world.staff_in_dept, "2026Q1", "unqualified")
    assess(world.staff_in_dept, "2026Q2", "unqualified")

    run_sweep(as_of=dt.date(2026, 7, 10))
    assert cases(world.staff_in_dept) == []

    assess(world.staff_in_dept, "2026Q3", "unqualified")
    run_sweep(as_of=dt.date(2026, 10, 10))
    [case] = cases(world.staff_in_dept)
    assert case.policy == policy


def test_people_without_a_senior_appointment_are_out_of_scope(world, assess):
    # 张伟 holds a grade-8 (中级) appointment.
    assess(world.staff_branch, "2026Q1", "unqualified")
    assess(world.staff_branch, "2026Q2", "unqualified")

    result = run_sweep(as_of=dt.date(2026, 7, 10))

    assert cases(world.staff_branch) == []
    assert result.staff_count == 0


# --- Rule 4: the annual grade ---------------------------------------------------------------------


def test_an_annual_qualified_grade_opens_no_case(world, senior, assess):
    assess(world.staff_in_dept, "2026", "qualified")

    run_sweep(as_of=dt.date(2027, 1, 20))

    assert cases(world.staff_in_dept) == []


@pytest.mark.parametrize("grade", ["basic", "unqualified"])
def test_an_annual_grade_of_basic_or_lower_opens_a_case(world, senior, assess, grade):
    annual = assess(world.staff_in_dept, "2026", grade)

    run_sweep(as_of=dt.date(2027, 1, 20))

    [case] = cases(world.staff_in_dept)
    assert (case.trigger, case.trigger_key) == (Trigger.ANNUAL_GRADE, "2026")
    assert list(case.source_assessments.all()) == [annual]
    assert case.rule_detail.startswith("2026年度考核等次为")


def test_an_annual_grade_before_the_senior_term_opens_no_case(world, senior, assess):
    assess(world.staff_in_dept, "2025", "unqualified")

    run_sweep(as_of=dt.date(2026, 3, 1))

    assert cases(world.staff_in_dept) == []


# --- Rule 1: quarterly milestones unmet → a rectification ----------------------------------------


@pytest.fixture
def target(senior):
    # 8 over a two-year term: 1 due at the end of each quarter.
    return DutyTargetFactory(appointment=senior, code="cases", name="疑难病例", metric="difficult_cases")


def test_a_quarter_behind_its_milestone_opens_a_rectification(world, senior, assess, target):
    q1 = assess(world.staff_in_dept, "2026Q1", "qualified")

    result = run_sweep(as_of=dt.date(2026, 4, 2))

    [rect] = Rectification.objects.filter(staff=world.staff_in_dept)
    assert (rect.period, rect.assessment, rect.appointment) == (q1.period, q1, senior)
    assert (rect.opened_on, rect.deadline) == (dt.date(2026, 4, 2), dt.date(2026, 7, 2))
    assert rect.policy.region == world.region
    assert rect.status == RectificationStatus.OPEN
    [item] = rect.items.all()
    assert (item.target, item.required, item.done_at_open) == (target, Decimal(1), Decimal(0))
    assert len(result.rectifications_opened) == 1
    assert cases(world.staff_in_dept) == []


def test_a_quarter_on_its_milestone_opens_no_rectification(world, senior, assess, target):
    assess(world.staff_in_dept, "2026Q1", "qualified")
    WorkloadRecordFactory(staff=world.staff_in_dept, date=dt.date(2026, 3, 31), quantity=1)

    run_sweep(as_of=dt.date(2026, 4, 2))

    assert not Rectification.objects.exists()


def test_progress_is_measured_at_the_quarters_end(world, senior, assess, target):
    assess(world.staff_in_dept, "2026Q1", "qualified")
    WorkloadRecordFactory(staff=world.staff_in_dept, date=dt.date(2026, 4, 1), quantity=5)

    run_sweep(as_of=dt.date(2026, 4, 2))

    assert Rectification.objects.get().items.get().done_at_open == 0


def test_monthly_progress_entries_count_toward_the_milestone(world, senior, assess, target):
    assess(world.staff_in_dept, "2026Q1", "qualified")
    TargetProgressEntryFactory(target=target, month=dt.date(2026, 3, 1), quantity=1)

    run_sweep(as_of=dt.date(2026, 4, 2))

    assert not Rectification.objects.exists()


def test_an_alternative_group_is_met_when_any_alternative_is(world, senior, assess):
    DutyTargetFactory(appointment=senior, code="cases", metric="difficult_cases", alternative_group="g")
    DutyTargetFactory(appointment=senior, code="surgeries", metric="level4_surgeries", alternative_group="g")
    assess(world.staff_in_dept, "2026Q1", "qualified")
    WorkloadRecordFactory(staff=world.staff_in_dept, date=dt.date(2026, 2, 1), quantity=1)  # difficult_cases

    run_sweep(as_of=dt.date(2026, 4, 2))

    assert not Rectification.objects.exists()


def test_an_unmet_alternative_group_lists_each_alternative(world, senior, assess):
    DutyTargetFactory(appointment=senior, code="cases", metric="difficult_cases", alternative_group="g")
    DutyTargetFactory(appointment=senior, code="surgeries", metric="level4_surgeries", alternative_group="g")
    assess(world.staff_in_dept, "2026Q1", "qualified")

    run_sweep(as_of=dt.date(2026, 4, 2))

    assert sorted(Rectification.objects.get().items.values_list("target__code", flat=True)) == ["cases", "surgeries"]


def test_the_latest_quarter_is_rectified_once(world, senior, assess, target):
    assess(world.staff_in_dept, "2026Q1", "qualified")

    run_sweep(as_of=dt.date(2026, 4, 2))
    run_sweep(as_of=dt.date(2026, 4, 3))

    assert Rectification.objects.count() == 1


# --- Rule 2: a rectification closes when met, expires into a case otherwise ----------------------


@pytest.fixture
def rectification(world, senior, assess, target):
    """Opened on 2026-04-02 for 2026Q1 (1 疑难病例 due, 0 done); deadline 2026-07-02."""
    assess(world.staff_in_dept, "2026Q1", "qualified")
    run_sweep(as_of=dt.date(2026, 4, 2))
    return Rectification.objects.get()


def test_a_rectification_met_on_its_last_day_closes(world, rectification):
    WorkloadRecordFactory(staff=world.staff_in_dept, date=dt.date(2026, 7, 2), quantity=1)

    result = run_sweep(as_of=dt.date(2026, 7, 2))

    rectification.refresh_from_db()
    assert (rectification.status, rectification.closed_on) == (RectificationStatus.MET, dt.date(2026, 7, 2))
    assert len(result.rectifications_met) == 1
    assert run_sweep(as_of=dt.date(2026, 7, 3)).cases_opened == []
    assert cases(world.staff_in_dept) == []


def test_a_rectification_unmet_one_day_after_its_deadline_opens_a_case(world, senior, rectification):
    assert run_sweep(as_of=dt.date(2026, 7, 2)).rectifications_expired == []

    result = run_sweep(as_of=dt.date(2026, 7, 3))

    rectification.refresh_from_db()
    assert (rectification.status, rectification.closed_on) == (RectificationStatus.EXPIRED, dt.date(2026, 7, 3))
    [case] = cases(world.staff_in_dept)
    assert (case.trigger, case.trigger_key) == (Trigger.RECTIFICATION_FAILED, f"rectification:{rectification.pk}")
    assert case.rectification == rectification
    assert case.appointment == senior
    assert "整改期限2026年7月2日届满仍未完成" in case.rule_detail
    assert list(case.source_assessments.all()) == [rectification.assessment]
    assert len(result.rectifications_expired) == 1


def test_work_recorded_after_the_deadline_does_not_save_an_expired_rectification(world, rectification):
    WorkloadRecordFactory(staff=world.staff_in_dept, date=dt.date(2026, 7, 5), quantity=3)

    run_sweep(as_of=dt.date(2026, 7, 10))

    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.EXPIRED
    assert len(cases(world.staff_in_dept, Trigger.RECTIFICATION_FAILED)) == 1


def test_a_rectification_met_before_a_missed_night_closes_on_its_deadline(world, rectification):
    WorkloadRecordFactory(staff=world.staff_in_dept, date=dt.date(2026, 6, 20), quantity=1)

    run_sweep(as_of=dt.date(2026, 7, 6))

    rectification.refresh_from_db()
    assert (rectification.status, rectification.closed_on) == (RectificationStatus.MET, dt.date(2026, 7, 2))
    assert cases(world.staff_in_dept) == []


def test_a_rectification_is_met_by_progress_entries(world, rectification):
    TargetProgressEntryFactory(target=rectification.items.get().target, month=dt.date(2026, 5, 1), quantity=1)

    run_sweep(as_of=dt.date(2026, 5, 20))

    rectification.refresh_from_db()
    assert rectification.status == RectificationStatus.MET


# --- Rule 5: conduct events -----------------------------------------------------------------------


def test_two_refusals_in_the_term_open_a_case(world, senior):
    first = ConductEventFactory(staff=world.staff_in_dept, kind=EventKind.REFUSAL, date=dt.date(2026, 2, 1))
    second = ConductEventFactory(staff=world.staff_in_dept, kind=EventKind.REFUSAL, date=dt.date(2026, 5, 1))

    run_sweep(as_of=dt.date(2026, 5, 2))

    [case] = cases(world.staff_in_dept)
    assert (case.trigger, case.trigger_key) == (Trigger.REFUSALS, f"appointment:{senior.pk}")
    assert set(case.events.all()) == {first, second}
    assert "拒绝接受工作任务2次" in case.rule_detail


def test_one_refusal_in_the_term_opens_no_case(world, senior):
    ConductEventFactory(staff=world.staff_in_dept, kind=EventKind.REFUSAL, date=dt.date(2025, 12, 1))  # before it
    ConductEventFactory(staff=world.staff_in_dept, kind=EventKind.REFUSAL, date=dt.date(2026, 2, 1))

    run_sweep(as_of=dt.date(2026, 5, 2))

    assert cases(world.staff_in_dept) == []


@pytest.mark.parametrize(("level", "opens"), [(1, True), (2, True), (3, False)])
def test_a_medical_accident_of_level_two_or_graver_opens_a_case(world, senior, level, opens):
    event = ConductEventFactory(staff=world.staff_in_dept, kind=EventKind.ACCIDENT, accident_level=level)

    run_sweep(as_of=dt.date(2026, 5, 2))

    found = cases(world.staff_in_dept, Trigger.ACCIDENT)
    assert bool(found) is opens
    if opens:
        assert found[0].trigger_key == f"event:{event.pk}"
        assert list(found[0].events.all()) == [event]


def test_a_medical_accident_before_the_term_opens_no_case(world, senior):
    """Seed 000: "聘期内发生2级及以上医疗事故" — the term began 2026-01-01."""
    ConductEventFactory(
        staff=world.staff_in_dept, kind=EventKind.ACCIDENT, accident_level=1, date=dt.date(2025, 12, 31)
    )
    on_first_day = ConductEventFactory(
        staff=world.staff_in_dept, kind=EventKind.ACCIDENT, accident_level=2, date=dt.date(2026, 1, 1)
    )

    run_sweep(as_of=dt.date(2026, 5, 2))

    [case] = cases(world.staff_in_dept, Trigger.ACCIDENT)
    assert case.trigger_key == f"event:{on_first_day.pk}"


@pytest.mark.parametrize(
    ("kind", "trigger"),
    [(EventKind.ETHICS, Trigger.ETHICS), (EventKind.FRAUD, Trigger.FRAUD), (EventKind.OTHER, Trigger.OTHER)],
)
def test_an_ethics_finding_fraud_or_other_event_opens_a_case(world, senior, kind, trigger):
    event = ConductEventFactory(staff=world.staff_in_dept, kind=kind, description="收受红包")

    run_sweep(as_of=dt.date(2026, 5, 2))

    [case] = cases(world.staff_in_dept)
    assert (case.trigger, case.trigger_key) == (trigger, f"event:{event.pk}")
    assert "收受红包" in case.rule_detail


def test_an_event_recorded_after_the_sweep_date_waits(world, senior):
    ConductEventFactory(staff=world.staff_in_dept, kind=EventKind.FRAUD, date=dt.date(2026, 6, 1))

    run_sweep(as_of=dt.date(2026, 5, 2))

    assert cases(world.staff_in_dept) == []


# --- Scope and cost -------------------------------------------------------------------------------


def test_a_sweep_for_some_people_leaves_the_others_alone(world, senior, assess):
    other = senior_appointment(institution=world.hospital, department=world.dept)
    for staff in (world.staff_in_dept, other.staff):
        assess(staff, "2026Q1", "unqualified")
        assess(staff, "2026Q2", "unqualified")

    run_sweep(as_of=dt.date(2026, 7, 10), staff_ids=[other.staff_id])

    assert cases(world.staff_in_dept) == []
    assert len(cases(other.staff)) == 1


def _person_with_every_rule(world, assess):
    appointment = senior_appointment(institution=world.hospital, department=world.dept)
    staff = appointment.staff
    DutyTargetFactory(appointment=appointment, code="cases", metric="difficult_cases")
    assess(staff, "2026Q1", "unqualified")
    assess(staff, "2026Q2", "unqualified")
    assess(staff, "2026", "basic")
    ConductEventFactory(staff=staff, kind=EventKind.REFUSAL, date=dt.date(2026, 2, 1))
    ConductEventFactory(staff=staff, kind=EventKind.REFUSAL, date=dt.date(2026, 3, 1))
    ConductEventFactory(staff=staff, kind=EventKind.ETHICS, date=dt.date(2026, 3, 1))
    return appointment


def _queries(as_of, **kwargs) -> int:
    with CaptureQueriesContext(connection) as ctx:
        run_sweep(as_of=as_of, **kwargs)
    return len(ctx.captured_queries)


def test_the_query_count_of_a_chunk_does_not_grow_with_the_number_of_people(world, assess):
    # The same mix for 2 people, then for 6: rectifications, cases of every kind, and a day later
    # the expiry of the rectifications they opened on the day their deadline passed.
    small = [_person_with_every_rule(world, assess) for _ in range(2)]
    counts_small = (_queries(dt.date(2027, 1, 20)), _queries(dt.date(2027, 4, 21)))
    DemotionCase.objects.all().delete()
    Rectification.objects.all().delete()
    [_person_with_every_rule(world, assess) for _ in range(4)]
    counts_large = (_queries(dt.date(2027, 1, 20)), _queries(dt.date(2027, 4, 21)))

    assert DemotionCase.objects.filter(trigger=Trigger.RECTIFICATION_FAILED).count() == 6
    if connection.vendor == "postgresql":
        assert counts_small == counts_large
    else:  # SQLite splits an INSERT of many rows into batches of its 999-variable limit
        assert all(0 <= large - small <= 2 for small, large in zip(counts_small, counts_large, strict=True))
    assert PostGrade.objects.get(grade=6).title_level == "associate_senior"
    assert small[0].staff.rectifications.count() == 1


# --- The command ----------------------------------------------------------------------------------


def run_command(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("run_sweep", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_prints_what_it_opened_one_line_each_and_the_totals(world, senior, assess):
    assess(world.staff_in_dept, "2026Q1", "unqualified")
    assess(world.staff_in_dept, "2026Q2", "unqualified")
    assess(world.staff_in_dept, "2026", "basic")

    out, _ = run_command("--as-of", "2027-01-20")

    lines = out.strip().splitlines()
    assert lines[0].startswith("高职低聘立案：王芳（")
    assert len([line for line in lines if line.startswith("高职低聘立案")]) == 2
    assert "2026年第1季度、第2季度季度考核连续不合格" in out
    assert lines[-1].startswith("2027-01-20 规则核查：核查1人")
    assert "高职低聘立案2件" in lines[-1]


def test_the_command_sweeps_one_person_by_id_number(world, senior, assess):
    other = senior_appointment(institution=world.hospital, department=world.dept)
    for staff in (world.staff_in_dept, other.staff):
        assess(staff, "2026", "basic")

    out, _ = run_command("--as-of", "2027-01-20", "--staff", world.staff_in_dept.id_number.lower())

    assert "核查1人" in out
    assert [c.staff for c in DemotionCase.objects.all()] == [world.staff_in_dept]


def test_the_command_says_when_the_person_is_out_of_scope(world):
    out, _ = run_command("--as-of", "2027-01-20", "--staff", world.staff_branch.id_number)

    assert "张伟没有在聘的正高、副高岗位" in out


def test_the_command_refuses_an_unknown_id_number_in_chinese(world):
    with pytest.raises(CommandError, match="没有身份证号为“110101199001011234”的人员"):
        run_command("--staff", "110101199001011234")


def test_the_command_refuses_a_malformed_date_in_chinese(world):
    with pytest.raises(CommandError, match="应为 YYYY-MM-DD"):
        run_command("--as-of", "2027/01/20")


def test_a_region_without_a_policy_in_force_is_reported_and_the_others_are_swept(world, senior, assess):
    region = RegionFactory(name="无政策县")
    hospital = InstitutionFactory(region=region)
    stranded = AppointmentFactory(staff=StaffFactory(institution=hospital), post_grade=PostGrade.objects.get(grade=6))
    for staff in (world.staff_in_dept, stranded.staff):
        assess(staff, "2026", "basic")

    result = run_sweep(as_of=dt.date(2027, 1, 20))

    assert [c.staff for c in DemotionCase.objects.all()] == [world.staff_in_dept]
    assert any("无政策县" in warning and "没有生效的政策版本" in warning for warning in result.warnings)
    assert "没有生效的政策版本" in str(result)
