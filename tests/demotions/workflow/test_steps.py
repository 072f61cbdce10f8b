"""Each step's inputs and states: a step out of order is refused naming the current step, invalid
inputs are refused in Chinese, and a refusal writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django_fsm_log.models import StateLog

from assessments.choices import SchemeKind
from assessments.services import create_scheme_version
from demotions import services
from demotions.choices import CaseState
from demotions.models import CaseEvidence, DemocraticBallot, DemotionCase
from personnel.choices import Role
from personnel.errors import ApplicationError
from personnel.models import PostGrade
from tests.api_testing import assert_no_rows_written
from tests.demotions.workflow.conftest import DAYS, ORDER, SOURCE, fresh, pdf
from tests.hostile.make_corpus import valid_docx, valid_xlsx

# --- Out of order ---------------------------------------------------------------------------

WRONG = [
    (step, state)
    for step in ORDER
    for state in (CaseState.OPENED, CaseState.REVIEWED, CaseState.PUBLICISED)
    if state != SOURCE[step]
]


def _reach(flow, case, state):
    first = {CaseState.OPENED: "propose", CaseState.REVIEWED: "assess", CaseState.PUBLICISED: "approve"}[state]
    return flow.until(case, first)


@pytest.mark.parametrize(("step", "state"), WRONG, ids=[f"{s}-at-{st}" for s, st in WRONG])
def test_a_step_out_of_order_is_refused_naming_the_current_step(case, flow, step, state):
    case = _reach(flow, case, state)
    logs = StateLog.objects.for_(case).count()
    with pytest.raises(ApplicationError, match=f"案件当前处于“{CaseState(state).label}”环节，不能"):
        flow.do(step, case)
    assert fresh(case).state == state
    assert StateLog.objects.for_(case).count() == logs


def test_a_finished_case_cannot_be_dismissed(case, flow, actors):
    flow.through(case)
    with pytest.raises(ApplicationError, match="已执行"):
        flow.do("dismiss", fresh(case), actor=actors[Role.COMMISSION_ADMIN])


# --- Proposal and evidence ------------------------------------------------------------------


def test_a_demotion_proposal_needs_reasons_and_at_least_one_evidence_file(case, actors):
    hr = actors[Role.HOSPITAL_HR]
    with assert_no_rows_written(CaseEvidence, StateLog):
        with pytest.raises(ApplicationError, match="请填写提议理由"):
            services.propose_case(case=case, actor=hr, reasons="  ", files=[pdf()])
        with pytest.raises(ApplicationError, match="须附至少一份证明材料"):
            services.propose_case(case=case, actor=hr, reasons="连续两季度不合格")
    assert fresh(case).state == CaseState.OPENED
    # Evidence uploaded beforehand is enough.
    services.add_evidence(case=case, actor=hr, files=[pdf("考核表.pdf")], description="季度考核表")
    proposed = services.propose_case(case=case, actor=hr, reasons="连续两季度不合格")
    assert proposed.state == CaseState.PROPOSED
    assert proposed.proposal_reasons == "连续两季度不合格"


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("a.exe", b"MZ\x90\x00"), "文件类型不支持"),
        (SimpleUploadedFile("a.pdf", b"not a pdf at all"), "内容与扩展名不符"),
        (SimpleUploadedFile("a.png", b""), "空文件"),
    ],
)
def test_evidence_of_a_wrong_type_or_content_is_refused(case, actors, upload, message):
    with assert_no_rows_written(CaseEvidence), pytest.raises(ApplicationError, match=message):
        services.add_evidence(case=case, actor=actors[Role.HOSPITAL_HR], files=[pdf(), upload])


def test_evidence_over_20_mb_is_refused(case, actors):
    big = SimpleUploadedFile("大文件.pdf", b"%PDF" + b"0" * (20 * 1024 * 1024), content_type="application/pdf")
    with assert_no_rows_written(CaseEvidence), pytest.raises(ApplicationError, match="超过20MB"):
        services.add_evidence(case=case, actor=actors[Role.HOSPITAL_HR], files=[big])


def test_evidence_of_each_allowed_type_is_stored_with_its_step(case, actors):
    files = [
        pdf("a.pdf"),
        SimpleUploadedFile("b.jpg", b"\xff\xd8\xff\xe0rest"),
        SimpleUploadedFile("c.png", b"\x89PNG\r\n\x1a\nrest"),
        SimpleUploadedFile("d.docx", valid_docx()),  # an Office file is opened (its directory) to be checked
        SimpleUploadedFile("e.xlsx", valid_xlsx()),
    ]
    stored = services.add_evidence(case=case, actor=actors[Role.HOSPITAL_HR], files=files)
    assert [e.name for e in stored] == ["a.pdf", "b.jpg", "c.png", "d.docx", "e.xlsx"]
    assert {e.step for e in stored} == {CaseState.OPENED}
    assert all(e.uploaded_by == actors[Role.HOSPITAL_HR] for e in stored)


# --- Review ---------------------------------------------------------------------------------


def test_a_failed_review_dismisses_the_case_with_the_opinion(case, flow, actors):
    case = flow.until(case, "review")
    with time_machine.travel(DAYS["review"], tick=False):
        with pytest.raises(ApplicationError, match="请填写资格审查意见"):
            services.review_case(case=case, actor=actors[Role.COMMISSION_ADMIN], passed=False, opinion="")
        services.review_case(case=case, actor=actors[Role.COMMISSION_ADMIN], passed=False, opinion="材料不实。")
    case = fresh(case)
    assert case.state == CaseState.DISMISSED
    assert case.review_opinion == "材料不实。"
    assert "材料不实" in case.dismissed_reason


# --- Ballots and the comprehensive assessment -----------------------------------------------


def test_ballots_are_validated_whole_and_replace_the_earlier_ones(case, flow, actors):
    case = flow.until(case, "assess")
    admin = actors[Role.COMMISSION_ADMIN]
    before = DemocraticBallot.objects.filter(case=case).count()
    with pytest.raises(ApplicationError) as caught:
        services.record_ballots(case=case, actor=admin, ballots={"peer": [80, 101], "boss": [90]})
    assert any("第2票" in m for m in caught.value.extra["ballots"])
    assert any("“boss”不正确" in m for m in caught.value.extra["ballots"])
    assert DemocraticBallot.objects.filter(case=case).count() == before
    tally = services.record_ballots(case=case, actor=admin, ballots={"上级": [90, 80], "patient_rep": [70]})
    assert tally["count"] == 3 and tally["average"] == Decimal("80.00")
    assert DemocraticBallot.objects.filter(case=case).count() == 3


def test_ballots_are_recorded_only_after_the_review(case, flow, actors):
    with pytest.raises(ApplicationError, match="不能录入民主测评"):
        services.record_ballots(case=case, actor=actors[Role.COMMISSION_ADMIN], ballots={"peer": [80]})


def _assess(case, actor, **overrides):
    data = {
        "quantified_score": "58",
        "defence_score": "62",
        "quantified_weight": "0.7",
        "democratic_weight": "0.2",
        "defence_weight": "0.1",
    }
    data.update(overrides)
    return services.assess_case(case=case, actor=actor, **data)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"quantified_weight": "0.6", "democratic_weight": "0.3"}, "不得低于政策规定的0.7（70%）"),
        ({"democratic_weight": "0.25"}, "三项权重之和应为1"),
        ({"quantified_score": "101"}, "量化考核得分应在0到100之间"),
        ({"defence_score": "abc"}, "现场答辩得分应为数字"),
        ({"quantified_score": ""}, "请填写量化考核得分"),
    ],
)
def test_invalid_assessment_inputs_are_refused(case, flow, actors, overrides, message):
    case = flow.until(case, "assess")
    with pytest.raises(ApplicationError, match=message):
        _assess(case, actors[Role.COMMISSION_ADMIN], **overrides)
    stored = fresh(case)
    assert stored.state == CaseState.REVIEWED and stored.combined_score is None


def test_the_quantified_weight_may_be_exactly_the_policy_minimum(case, flow, actors):
    case = flow.until(case, "assess")
    assessed = _assess(case, actors[Role.COMMISSION_ADMIN], quantified_weight="0.70")
    assert assessed.quantified_weight == Decimal("0.7000")


def test_the_assessment_needs_the_ballots_first(case, flow, actors):
    case = flow.until(case, "assess")
    DemocraticBallot.objects.filter(case=case).delete()
    with pytest.raises(ApplicationError, match="请先录入民主测评票"):
        _assess(case, actors[Role.COMMISSION_ADMIN])


def test_the_combined_grade_comes_from_the_regions_comprehensive_scheme(case, flow, actors, world):
    create_scheme_version(
        region=world.region,
        code="comprehensive",
        name="高职低聘综合考核",
        kind=SchemeKind.COMPREHENSIVE,
        effective_from=dt.date(2026, 1, 1),
        items=[{"code": "overall", "name": "综合得分", "max_points": 100}],
        bands=[
            {"grade": "优秀", "min_points": 90},
            {"grade": "合格", "min_points": 75},
            {"grade": "基本合格", "min_points": 60},
            {"grade": "不合格", "min_points": 0},
        ],
    )
    case = flow.until(case, "assess")
    with time_machine.travel(DAYS["assess"], tick=False):
        assessed = _assess(case, actors[Role.COMMISSION_ADMIN])
    assert assessed.combined_score == Decimal("60.90")
    assert assessed.combined_grade == "basic"


# --- Committee decision ---------------------------------------------------------------------


@pytest.mark.parametrize("grade", [6, 5])
def test_the_decided_grade_must_be_lower_than_the_current_one(case, flow, actors, grade):
    case = flow.until(case, "decide")
    with time_machine.travel(DAYS["decide"], tick=False), pytest.raises(ApplicationError, match="须低于现聘岗位等级"):
        services.decide_case(
            case=case,
            actor=actors[Role.COMMISSION_ADMIN],
            meeting_date=DAYS["decide"],
            decision="低聘",
            minutes="纪要",
            demote=True,
            decided_grade=PostGrade.objects.get(grade=grade),
        )
    assert fresh(case).state == CaseState.ASSESSED


def test_a_lower_grade_within_the_level_may_be_decided(case, flow, actors):
    case = flow.until(case, "decide")
    with time_machine.travel(DAYS["decide"], tick=False):
        decided = services.decide_case(
            case=case,
            actor=actors[Role.COMMISSION_ADMIN],
            meeting_date=DAYS["decide"],
            decision="低聘至七级",
            minutes="纪要",
            demote=True,
            decided_grade=7,
        )
    assert decided.decided_grade_id == 7 and decided.state == CaseState.DECIDED


def test_a_decision_not_to_demote_dismisses_the_case(case, flow, actors):
    case = flow.until(case, "decide")
    with time_machine.travel(DAYS["decide"], tick=False):
        decided = services.decide_case(
            case=case,
            actor=actors[Role.COMMISSION_ADMIN],
            meeting_date=DAYS["decide"],
            decision="不予低聘，继续整改。",
            minutes="纪要",
            demote=False,
        )
    assert decided.state == CaseState.DISMISSED
    assert decided.decided_grade is None and decided.meeting_date == DAYS["decide"]
    assert "不予高职低聘" in decided.dismissed_reason


def test_a_decision_needs_a_past_meeting_date_minutes_and_a_grade(case, flow, actors):
    case = flow.until(case, "decide")
    admin = actors[Role.COMMISSION_ADMIN]
    with time_machine.travel(DAYS["decide"], tick=False):
        with pytest.raises(ApplicationError, match="会议日期不能晚于今天"):
            services.decide_case(
                case=case,
                actor=admin,
                meeting_date=DAYS["decide"] + dt.timedelta(days=1),
                decision="低聘",
                minutes="纪要",
                demote=True,
                decided_grade=8,
            )
        with pytest.raises(ApplicationError, match="请填写会议纪要"):
            services.decide_case(
                case=case,
                actor=admin,
                meeting_date=DAYS["decide"],
                decision="低聘",
                minutes="",
                demote=True,
                decided_grade=8,
            )
        with pytest.raises(ApplicationError, match="请选择拟聘岗位等级"):
            services.decide_case(
                case=case, actor=admin, meeting_date=DAYS["decide"], decision="低聘", minutes="纪要", demote=True
            )
    assert fresh(case).state == CaseState.ASSESSED


# --- Approval -------------------------------------------------------------------------------


def test_approval_needs_the_document_number(case, flow, actors):
    case = flow.until(case, "approve")
    with pytest.raises(ApplicationError, match="请填写批复文号"):
        services.approve_case(case=case, actor=actors[Role.COMMISSION_ADMIN], document=" ")
    assert fresh(case).state == CaseState.PUBLICISED


def test_a_dismissal_needs_a_reason(case, actors):
    with pytest.raises(ApplicationError, match="请填写终止理由"):
        services.dismiss_case(case=case, actor=actors[Role.HOSPITAL_HR], reason="")
    assert DemotionCase.objects.get(pk=case.pk).state == CaseState.OPENED
