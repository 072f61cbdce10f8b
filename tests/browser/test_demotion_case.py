"""能上能下 end to end in Chromium: a case opened for 王芳 (副高六级) is proposed by the hospital's
HR with an evidence file, reviewed, assessed (ballots shown only as group tallies), decided by the
committee, publicised (an objection lodged and answered; the clock moved past the last working
day), approved and executed — and the page shows the new 中级 appointment.  Screenshots of the
board, the case mid-way and after execution go to artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from appointments.models import Appointment
from demotions.choices import CaseState, Trigger
from demotions.models import DemotionCase
from notifications.services import notify
from personnel.models import PostGrade
from personnel.services import policy_for
from tests.conftest import PASSWORD
from tests.demotions.factories import DemotionCaseFactory

pytestmark = pytest.mark.browser

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def case(world, settings, tmp_path):
    """王芳's appointment moved to 副高六级, and a case the sweep opened on it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    senior = Appointment.objects.get(staff=world.staff_in_dept, status="active")
    senior.post_grade = PostGrade.objects.get(grade=6)
    senior.policy = policy_for(world.region, senior.start)
    senior.save()
    return DemotionCaseFactory(
        appointment=senior,
        trigger=Trigger.CONSECUTIVE_QUARTERS,
        trigger_key="2026Q2",
        rule_detail="2026年第二、三季度考核连续不合格。",
        opened_on=dt.date(2026, 11, 20),
    )


def _login(page, username: str) -> None:
    if page.get_by_role("button", name="退出").count():
        page.get_by_role("button", name="退出").click()
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def _action(page, title: str):
    """The side panel of one step's form."""
    return page.locator("aside.dm-side section.dm-action").filter(has=page.get_by_role("heading", name=title))


def test_a_case_goes_from_proposal_to_execution(world, case, browser_page, screenshot, time_machine, tmp_path):
    time_machine.move_to(dt.datetime(2026, 11, 25, 10, tzinfo=SHANGHAI))
    page = browser_page
    evidence = tmp_path / "谈话记录.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% interview notes\n")

    # HR (the party branch) has a reminder waiting (the bell), finds the case on the board and
    # proposes it with evidence.
    notify(recipients=[world.users["hospital_hr"]], key="case-opened", kind="case_step", title="王芳的案件待提议")
    _login(page, "hr")
    expect(page.get_by_test_id("unread-count")).to_have_text("1")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="能上能下").click()
    expect(page.get_by_role("heading", name="能上能下", exact=True)).to_be_visible()
    expect(page.locator("#state-opened")).to_contain_text("王芳")
    screenshot("demotion-01-board")
    page.locator("#state-opened").get_by_role("link", name="王芳").click()
    expect(page.get_by_test_id("case-state")).to_have_text("待提议")
    propose = _action(page, "党支部提议")
    propose.get_by_label("提议理由").fill("连续两个季度考核不合格，经谈话仍未改进。")
    propose.get_by_label("证明材料").set_input_files(str(evidence))
    propose.get_by_role("button", name="提交提议").click()
    expect(page.locator(".messages")).to_contain_text("已提交提议")
    expect(page.locator("#evidence")).to_contain_text("谈话记录.pdf")
    case_url = page.url

    # The commission reviews, records the ballots and the assessment.
    _login(page, "admin")
    page.goto(case_url)
    review = _action(page, "资格审查")
    review.get_by_label("材料真实、合规，审查通过").check()
    review.get_by_label("审查意见").fill("材料真实、程序合规。")
    review.get_by_role("button", name="提交审查结论").click()
    expect(page.get_by_test_id("case-state")).to_contain_text("资格审查通过")

    ballots = _action(page, "民主测评（按类别录入票数，不记名）")
    ballots.get_by_label("上级（得分）").fill("61 63")
    ballots.get_by_label("同级（得分）").fill("70，72，74")
    ballots.get_by_label("患者代表（得分）").fill("80 82")
    ballots.get_by_role("button", name="保存测评票").click()
    expect(page.locator(".messages")).to_contain_text("已录入民主测评票7张")
    expect(page.get_by_test_id("ballot-tally")).to_contain_text("72.00")
    expect(page.get_by_test_id("ballot-tally")).not_to_contain_text("61")

    assess = _action(page, "综合考核")
    assess.get_by_label("量化考核得分").fill("55")
    assess.get_by_label("现场答辩得分").fill("60")
    assess.get_by_label("量化考核权重").fill("0.6")
    assess.get_by_label("民主测评权重").fill("0.3")
    assess.get_by_label("现场答辩权重").fill("0.1")
    assess.get_by_role("button", name="计算综合得分").click()
    expect(page.locator(".dm-action-failed")).to_contain_text("量化考核权重不得低于政策规定的0.7")
    assess = _action(page, "综合考核")
    assess.get_by_label("量化考核权重").fill("0.7")
    assess.get_by_label("民主测评权重").fill("0.2")
    assess.get_by_role("button", name="计算综合得分").click()
    expect(page.get_by_test_id("combined-score")).to_have_text("58.84")

    decide = _action(page, "党委会议决定")
    decide.get_by_label("同意高职低聘").check()
    decide.get_by_label("拟聘岗位等级").select_option(label="专业技术八级")
    decide.get_by_label("决定内容").fill("同意王芳同志由专业技术六级低聘至专业技术八级。")
    decide.get_by_label("会议纪要").fill("2026年第12次党委会议。")
    decide.get_by_role("button", name="记录会议决定").click()
    expect(page.get_by_test_id("case-state")).to_contain_text("党委会议已决定")

    _action(page, "开始公示").get_by_role("button", name="开始公示").click()
    expect(page.get_by_test_id("publicity-period")).to_contain_text("2026-11-25 至 2026-12-01")

    objection = _action(page, "登记异议")
    objection.get_by_label("异议人").fill("匿名")
    objection.get_by_label("异议内容").fill("认为第三季度考核打分偏低。")
    objection.get_by_role("button", name="登记异议").click()
    expect(page.locator("#publicity")).to_contain_text("待答复")
    expect(page.locator("#publicity .alert")).to_contain_text("暂不能结束公示")
    screenshot("demotion-02-case-in-publicity")
    page.get_by_role("form", name="答复匿名的异议").get_by_label("核查答复").fill("经核查，第三季度考核评分有据可查。")
    page.get_by_role("button", name="提交答复").click()
    expect(page.locator("#publicity")).to_contain_text("已答复")

    # The last working day (2026-12-01) has passed.
    time_machine.move_to(dt.datetime(2026, 12, 2, 9, tzinfo=SHANGHAI))
    page.reload()
    _action(page, "结束公示").get_by_role("button", name="结束公示").click()
    expect(page.get_by_test_id("case-state")).to_contain_text("公示结束")

    approve = _action(page, "卫健委审批")
    approve.get_by_label("批复文号").fill("策卫发〔2026〕31号")
    approve.get_by_role("button", name="批准").click()
    expect(page.get_by_test_id("case-state")).to_contain_text("卫健委已批准")

    execute = _action(page, "执行")
    expect(execute.get_by_label("执行日期")).to_have_value("2026-12-02")
    execute.get_by_role("button", name="执行").click()
    expect(page.get_by_test_id("case-state")).to_have_text("已执行")
    expect(page.get_by_test_id("new-appointment")).to_contain_text("专业技术八级")
    expect(page.get_by_test_id("new-appointment")).to_contain_text("2026-12-02")
    expect(page.locator(".dm-timeline li")).to_have_count(9)  # opened + 8 transitions
    screenshot("demotion-03-case-executed")

    stored = DemotionCase.objects.get(pk=case.pk)
    assert stored.state == CaseState.EXECUTED
    assert stored.excellence_ineligible_year == 2026
    active = Appointment.objects.get(staff=world.staff_in_dept, status="active")
    assert active.post_grade_id == 8 and active.start == dt.date(2026, 12, 2)
