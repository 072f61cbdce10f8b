"""Periods, scheme versions, score sheets (draft/submit/lock/return), concurrency, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assessments.choices import AssessmentStatus, Grade, PeriodKind, PeriodStatus, SchemeKind
from assessments.models import Assessment
from assessments.selectors import scheme_in_force
from assessments.services import (
    ScoreRow,
    close_period,
    create_scheme_version,
    open_period,
    reopen_period,
    return_assessment,
    revise_scheme,
    save_scores,
)
from personnel.choices import Role
from personnel.errors import ApplicationError

from .conftest import BANDS, full_scores


def head(world):
    return world.users[Role.DEPARTMENT_HEAD]


def test_opening_a_period_twice_is_refused(world, march):
    with pytest.raises(ApplicationError, match="已开启"):
        open_period(region=world.region, kind=PeriodKind.MONTHLY, year=2026, number=3)
    assert march.label == "2026-03"
    assert (march.start, march.end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


def test_a_draft_is_saved_with_total_and_grade(world, march):
    result = save_scores(
        period=march, actor=head(world), rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(90))]
    )
    assert result.created == 1
    a = Assessment.objects.get(period=march, staff=world.staff_in_dept)
    assert (a.total, a.grade, a.status, a.version) == (Decimal("90.00"), Grade.EXCELLENT, AssessmentStatus.DRAFT, 1)


@pytest.mark.parametrize(("total", "grade"), [(90, Grade.EXCELLENT), (89, Grade.QUALIFIED), (60, Grade.BASIC)])
def test_grades_at_the_band_boundaries_through_the_service(world, march, total, grade):
    save_scores(
        period=march, actor=head(world), rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(total))]
    )
    assert Assessment.objects.get(staff=world.staff_in_dept).grade == grade


def test_a_score_above_the_item_maximum_refuses_the_whole_sheet(world, march):
    rows = [
        ScoreRow(staff_id=world.head_staff.pk, scores=full_scores(80)),
        ScoreRow(staff_id=world.staff_in_dept.pk, scores={**full_scores(80), "quality": "41"}),
    ]
    with pytest.raises(ApplicationError) as error:
        save_scores(period=march, actor=head(world), rows=rows)
    assert error.value.extra["rows"][0]["column"] == "医疗质量"
    assert not Assessment.objects.exists()


def test_the_head_cannot_score_another_departments_staff(world, march):
    with pytest.raises(ApplicationError, match="不在您的管理范围内"):
        save_scores(
            period=march, actor=head(world), rows=[ScoreRow(staff_id=world.staff_other_dept.pk, scores=full_scores(80))]
        )


def test_only_the_department_head_enters_monthly_results(world, march):
    with pytest.raises(ApplicationError, match="科室主任录入"):
        save_scores(
            period=march,
            actor=world.users[Role.HOSPITAL_HR],
            rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(80))],
        )


def test_submitted_scores_are_locked_for_the_head_and_returned_by_hr_with_a_reason(world, march):
    row = ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(80))
    save_scores(period=march, actor=head(world), rows=[row], submit=True)
    a = Assessment.objects.get(staff=world.staff_in_dept)
    assert a.status == AssessmentStatus.SUBMITTED
    with pytest.raises(ApplicationError, match="已提交"):
        save_scores(
            period=march,
            actor=head(world),
            rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(70), version=a.version)],
        )
    with pytest.raises(ApplicationError, match="上级"):
        return_assessment(assessment=a, reason="分数有误", actor=head(world))
    with pytest.raises(ApplicationError, match="理由"):
        return_assessment(assessment=a, reason=" ", actor=world.users[Role.HOSPITAL_HR])
    a = return_assessment(assessment=a, reason="工作量分数录错", actor=world.users[Role.HOSPITAL_HR])
    assert a.status == AssessmentStatus.DRAFT
    last = a.history.first()
    assert last.history_change_reason == "退回修改：工作量分数录错"
    assert last.history_user == world.users[Role.HOSPITAL_HR]
    save_scores(
        period=march,
        actor=head(world),
        rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(70), version=a.version)],
    )
    assert Assessment.objects.get(pk=a.pk).total == Decimal("70.00")


def test_submitting_needs_every_item(world, march):
    scores = full_scores(80)
    del scores["teaching"]
    with pytest.raises(ApplicationError, match="科研教学"):
        save_scores(
            period=march,
            actor=head(world),
            rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=scores)],
            submit=True,
        )


def test_a_closed_period_is_read_only_and_reopening_needs_a_reason_kept_in_its_history(world, march):
    admin = world.users[Role.COMMISSION_ADMIN]
    close_period(period=march, actor=admin)
    with pytest.raises(ApplicationError, match="已关闭"):
        save_scores(
            period=march, actor=head(world), rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(80))]
        )
    with pytest.raises(ApplicationError, match="理由"):
        reopen_period(period=march, reason="", actor=admin)
    march = reopen_period(period=march, reason="更正王芳的工作量得分", actor=admin)
    assert march.status == PeriodStatus.OPEN
    entries = list(march.history.order_by("history_date"))
    assert [e.status for e in entries] == ["open", "closed", "open"]
    assert entries[-1].history_change_reason == "重新开启：更正王芳的工作量得分"
    assert entries[-1].history_user == admin
    save_scores(
        period=march, actor=head(world), rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(80))]
    )


def test_the_second_of_two_concurrent_edits_is_refused(world, march):
    """Two heads load the sheet (version 0 for a new row, then version 1); the one who saves
    second carries a stale version and is refused with a message; the first one's scores stay."""
    staff_id = world.staff_in_dept.pk
    save_scores(period=march, actor=head(world), rows=[ScoreRow(staff_id=staff_id, scores=full_scores(80), version=0)])
    with pytest.raises(ApplicationError, match="已被他人修改") as error:
        save_scores(
            period=march, actor=head(world), rows=[ScoreRow(staff_id=staff_id, scores=full_scores(70), version=0)]
        )
    assert "刷新页面" in error.value.message
    save_scores(period=march, actor=head(world), rows=[ScoreRow(staff_id=staff_id, scores=full_scores(85), version=1)])
    with pytest.raises(ApplicationError, match="已被他人修改"):
        save_scores(
            period=march, actor=head(world), rows=[ScoreRow(staff_id=staff_id, scores=full_scores(60), version=1)]
        )
    assert Assessment.objects.get(staff_id=staff_id).total == Decimal("85.00")


def test_every_score_change_is_audited_with_who_old_and_new(world, march):
    staff_id = world.staff_in_dept.pk
    save_scores(period=march, actor=head(world), rows=[ScoreRow(staff_id=staff_id, scores=full_scores(80))])
    save_scores(period=march, actor=head(world), rows=[ScoreRow(staff_id=staff_id, scores=full_scores(85), version=1)])
    a = Assessment.objects.get(staff_id=staff_id)
    new, old = list(a.history.all()[:2])
    assert (old.history_type, new.history_type) == ("+", "~")
    assert new.history_user == head(world)
    delta = new.diff_against(old)
    changed = {c.field: (c.old, c.new) for c in delta.changes}
    assert changed["total"] == (Decimal("80.00"), Decimal("85.00"))


def test_an_unchanged_resave_writes_no_history(world, march):
    staff_id = world.staff_in_dept.pk
    save_scores(period=march, actor=head(world), rows=[ScoreRow(staff_id=staff_id, scores=full_scores(80))])
    result = save_scores(
        period=march, actor=head(world), rows=[ScoreRow(staff_id=staff_id, scores=full_scores(80), version=1)]
    )
    assert (result.updated, result.unchanged) == (0, 1)
    assert Assessment.history.count() == 1


def test_a_new_scheme_version_leaves_earlier_assessments_on_theirs(world, march, monthly_scheme):
    save_scores(
        period=march, actor=head(world), rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(85))]
    )
    stricter = [{**b, "min_points": 88} if b["grade"] == "合格" else b for b in BANDS]
    v2 = revise_scheme(scheme=monthly_scheme, effective_from=dt.date(2026, 3, 1), bands=stricter, note="提高合格线")
    assert (v2.code, v2.version) == ("monthly", 2)
    assert scheme_in_force(region_id=world.region.pk, kind=SchemeKind.MONTHLY, on=dt.date(2026, 3, 1)) == v2
    a = Assessment.objects.get(staff=world.staff_in_dept)
    assert a.scheme == monthly_scheme
    # Re-saving the old result keeps grading it under version 1 (85 is 合格 there, not under v2).
    save_scores(
        period=march,
        actor=head(world),
        rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(86), version=a.version)],
    )
    a.refresh_from_db()
    assert (a.scheme_id, a.grade) == (monthly_scheme.pk, Grade.QUALIFIED)
    # A new person in the same period is scored under version 2.
    save_scores(period=march, actor=head(world), rows=[ScoreRow(staff_id=world.head_staff.pk, scores=full_scores(86))])
    b = Assessment.objects.get(staff=world.head_staff)
    assert (b.scheme_id, b.grade) == (v2.pk, Grade.BASIC)


def test_a_comprehensive_scheme_needs_the_quantified_score_to_weigh_at_least_the_policy_minimum(world):
    world.region.policies.update(data={"appointment_term_years": 2, "quantified_score_min_weight": "0.70"})
    items = [
        {"code": "quantified", "name": "量化考核", "max_points": 100, "weight": "0.6"},
        {"code": "democratic", "name": "民主测评", "max_points": 100, "weight": "0.3"},
        {"code": "defence", "name": "现场答辩", "max_points": 100, "weight": "0.1"},
    ]
    kwargs = {
        "region": world.region,
        "code": "comprehensive",
        "name": "高职低聘综合考核",
        "kind": SchemeKind.COMPREHENSIVE,
        "effective_from": dt.date(2026, 1, 1),
        "bands": BANDS,
    }
    with pytest.raises(ApplicationError, match="70%"):
        create_scheme_version(items=items, **kwargs)
    items[0]["weight"], items[1]["weight"] = "0.7", "0.2"
    assert create_scheme_version(items=items, **kwargs).version == 1


def test_quarterly_results_are_entered_by_hr_who_sees_the_monthly_ones(world, march, q1):
    from assessments.selectors import sheet_rows

    save_scores(
        period=march,
        actor=head(world),
        rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(80))],
        submit=True,
    )
    hr = world.users[Role.HOSPITAL_HR]
    save_scores(period=q1, actor=hr, rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores={"overall": "55"})])
    assert Assessment.objects.get(period=q1).grade == Grade.UNQUALIFIED
    rows = {r.staff.pk: r for r in sheet_rows(hr, period=q1, department=world.dept)}
    assert [a.period for a in rows[world.staff_in_dept.pk].lower] == [march]
