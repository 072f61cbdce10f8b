"""Every 能上能下 page and every step × role: the board, the case page and an evidence file (200,
or 404 for a case out of the role's reach), and each step's POST — taken by the roles seed 000's
procedure names (302, the step written), refused for the others (403, or 404 out of reach) with
nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appointments.models import Appointment
from demotions import services
from demotions.choices import CaseState
from demotions.models import DemotionCase
from personnel.choices import Role
from tests.demotions.factories import DemotionCaseFactory
from tests.factories import UserFactory

from .helpers import LOWER_GRADE, drive, pdf, snapshot

pytestmark = pytest.mark.django_db

ROLES = ["commission_admin", "hospital_hr", "other_hr", "department_head", "staff"]


@pytest.fixture(autouse=True)
def _today(time_machine, settings, tmp_path):
    time_machine.move_to(dt.datetime(2026, 11, 25, 2, tzinfo=dt.UTC), tick=False)
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def users(world):
    other_hr = UserFactory(username="other_hr", role=Role.HOSPITAL_HR, institution=world.other_hospital)
    return {**world.users, "other_hr": other_hr}


@pytest.fixture
def mine(senior):
    """王芳's case (策勒县人民医院·内科, 副高六级)."""
    return DemotionCaseFactory(appointment=senior)


@pytest.fixture
def theirs(world):
    """刘洋's case at 策勒县中医医院: only the commission and that hospital's HR reach it."""
    return DemotionCaseFactory(appointment=Appointment.objects.get(staff=world.staff_other_hospital, status="active"))


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


# --- Reading -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_board_shows_each_role_the_cases_in_its_reach(users, mine, theirs, role):
    response = _client(users[role]).get(reverse("demotions:board"))
    assert response.status_code == 200
    shown = {c.pk for g in response.context["groups"] for c in g["cases"]}
    expected = {
        "commission_admin": {mine.pk, theirs.pk},
        "hospital_hr": {mine.pk},
        "other_hr": {theirs.pk},
        "department_head": {mine.pk},
        "staff": {mine.pk},
    }[role]
    assert shown == expected


@pytest.mark.parametrize("role", ROLES)
def test_the_case_page_and_its_evidence_are_404_out_of_reach(users, mine, theirs, role):
    services.add_evidence(case=mine, actor=users[Role.HOSPITAL_HR], files=[pdf("谈话记录.pdf")])
    services.add_evidence(case=theirs, actor=users[Role.COMMISSION_ADMIN], files=[pdf("事故报告.pdf")])
    evidence_mine, evidence_theirs = mine.evidence.get(), theirs.evidence.get()
    c = _client(users[role])
    reach_mine = role != "other_hr"
    reach_theirs = role in ("commission_admin", "other_hr")
    assert c.get(reverse("demotions:case", args=[mine.pk])).status_code == (200 if reach_mine else 404)
    assert c.get(reverse("demotions:case", args=[theirs.pk])).status_code == (200 if reach_theirs else 404)
    download = c.get(reverse("demotions:evidence", args=[mine.pk, evidence_mine.pk]))
    assert download.status_code == (200 if reach_mine else 404)
    if reach_mine:
        assert b"".join(download.streaming_content).startswith(b"%PDF")
        assert "attachment" in download["Content-Disposition"]
    other = c.get(reverse("demotions:evidence", args=[theirs.pk, evidence_theirs.pk]))
    assert other.status_code == (200 if reach_theirs else 404)
    # An evidence id under another case's URL is not served either.
    assert c.get(reverse("demotions:evidence", args=[mine.pk, evidence_theirs.pk])).status_code == 404


def test_evidence_is_not_reachable_through_a_media_url(users, mine):
    services.add_evidence(case=mine, actor=users[Role.HOSPITAL_HR], files=[pdf("谈话记录.pdf")])
    evidence = mine.evidence.get()
    page = _client(users[Role.HOSPITAL_HR]).get(reverse("demotions:case", args=[mine.pk])).content.decode()
    assert evidence.file.name not in page
    assert reverse("demotions:evidence", args=[mine.pk, evidence.pk]) in page
    assert _client(users[Role.HOSPITAL_HR]).get("/media/" + evidence.file.name).status_code == 404


def test_staff_see_their_own_case_with_the_ballots_only_as_group_tallies(users, mine, theirs, time_machine):
    case = drive(
        mine,
        CaseState.ASSESSED,
        users,
        ballots={"superior": ["61.5", "98.5"], "peer": ["73.25"], "patient_rep": ["88", "66", "77"]},
    )
    c = _client(users[Role.STAFF])
    board = c.get(reverse("demotions:board"))
    assert [c.pk for g in board.context["groups"] for c in g["cases"]] == [case.pk]
    page = c.get(reverse("demotions:case", args=[case.pk]))
    html = page.content.decode()
    tally = {row["group"]: (row["count"], row["average"]) for row in page.context["tally"]}
    assert tally["superior"][0] == 2 and str(tally["superior"][1]) == "80.00"
    assert tally["patient_rep"][0] == 3 and str(tally["patient_rep"][1]) == "77.00"
    assert 'data-testid="ballot-tally"' in html
    for single in ("61.5", "98.5", "73.25", "88.00", "66.00"):
        assert single not in html
    # A group of one ballot would give that ballot away: its average is not shown.
    assert "仅1票，不显示" in html
    # No step form for the person concerned.
    assert page.context["step_forms"] == []
    assert page.context["dismiss_form"] is None


# --- Steps ---------------------------------------------------------------------------------------

# step → (state the case must be in, the roles seed 000 lets take it)
C, HR = "commission_admin", "hospital_hr"
STEP_RULES = {
    "propose": (CaseState.OPENED, {HR}),
    "review": (CaseState.PROPOSED, {C}),
    "ballots": (CaseState.REVIEWED, {C}),
    "assess": (CaseState.REVIEWED, {C}),
    "decide": (CaseState.ASSESSED, {C}),
    "start_publicity": (CaseState.DECIDED, {C}),
    "objection": (CaseState.IN_PUBLICITY, {C, HR}),
    "answer": (CaseState.IN_PUBLICITY, {C}),
    "end_publicity": (CaseState.IN_PUBLICITY, {C}),
    "approve": (CaseState.PUBLICISED, {C}),
    "execute": (CaseState.APPROVED, {C, HR}),
    "dismiss": (CaseState.OPENED, {C, HR}),
    "evidence": (CaseState.PROPOSED, {C, HR}),
}


def _post_data(step: str, case: DemotionCase) -> dict:
    today = timezone.localdate().isoformat()
    if step == "propose":
        return {"reasons": "连续两个季度考核不合格。", "files": [pdf()]}
    if step == "review":
        return {"passed": "yes", "opinion": "材料真实、合规。"}
    if step == "ballots":
        return {"superior": "80 85", "peer": "70，75", "subordinate": "", "patient_rep": "90"}
    if step == "assess":
        return {
            "quantified_score": "58",
            "defence_score": "60",
            "quantified_weight": "0.7",
            "democratic_weight": "0.2",
            "defence_weight": "0.1",
        }
    if step == "decide":
        return {
            "meeting_date": today,
            "demote": "yes",
            "decided_grade": str(LOWER_GRADE),
            "decision": "同意高职低聘。",
            "minutes": "会议纪要。",
        }
    if step == "start_publicity":
        return {"starts_on": today}
    if step == "objection":
        return {"lodged_on": today, "lodged_by_name": "匿名", "content": "对考核结果有异议。", "contact": ""}
    if step == "answer":
        return {"objection": str(case.publicities.get().objections.get().pk), "answer": "经核查，考核结果属实。"}
    if step == "end_publicity":
        return {"on": ""}
    if step == "approve":
        return {"document": "策卫发〔2026〕8号", "note": "同意。"}
    if step == "execute":
        return {"on": today}
    if step == "dismiss":
        return {"reason": "党支部决定不予提议。"}
    if step == "evidence":
        return {"files": [pdf("补充材料.pdf")], "description": "补充"}
    raise AssertionError(step)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("step", list(STEP_RULES))
def test_each_step_is_taken_only_by_its_roles_and_a_refusal_writes_nothing(
    users, mine, theirs, step, role, time_machine
):
    state, allowed = STEP_RULES[step]
    if step == "assess":
        case = drive(mine, CaseState.REVIEWED, users)
        services.record_ballots(case=case, actor=users[C], ballots={"superior": [70, 80]})
    else:
        case = drive(mine, state, users, time_machine=time_machine)
    if step == "answer":
        services.lodge_case_objection(
            case=case, actor=users[C], lodged_on=timezone.localdate(), lodged_by_name="李某", content="有异议。"
        )
    if step == "end_publicity":  # the day after the last working day
        ends_on = case.publicities.get().ends_on
        time_machine.move_to(dt.datetime.combine(ends_on + dt.timedelta(days=1), dt.time(2, tzinfo=dt.UTC)))
    before = snapshot(case)
    response = _client(users[role]).post(reverse("demotions:step", args=[case.pk, step]), _post_data(step, case))
    if role in allowed:
        assert response.status_code == 302, response.context and [
            f["form"].errors for f in response.context["step_forms"]
        ]
        assert snapshot(case) != before
    else:
        assert response.status_code == (404 if role == "other_hr" else 403)
        assert snapshot(case) == before


def test_hr_may_withdraw_a_case_only_before_the_qualification_review(users, mine):
    case = drive(mine, CaseState.REVIEWED, users)
    before = snapshot(case)
    response = _client(users[HR]).post(reverse("demotions:step", args=[case.pk, "dismiss"]), {"reason": "撤回"})
    assert response.status_code == 403
    assert snapshot(case) == before


def test_a_step_the_case_is_not_at_is_refused_with_a_message_and_nothing_written(users, mine):
    before = snapshot(mine)
    response = _client(users[C]).post(
        reverse("demotions:step", args=[mine.pk, "approve"]), {"document": "X"}, follow=True
    )
    assert "不能办理“卫健委审批”" in response.content.decode()
    assert snapshot(mine) == before


def test_a_service_refusal_comes_back_as_form_errors_with_nothing_written(users, mine):
    case = drive(mine, CaseState.REVIEWED, users)
    services.record_ballots(case=case, actor=users[C], ballots={"superior": [70, 80]})
    before = snapshot(case)
    data = _post_data("assess", case) | {"quantified_weight": "0.6", "democratic_weight": "0.3"}
    response = _client(users[C]).post(reverse("demotions:step", args=[case.pk, "assess"]), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "量化考核权重不得低于政策规定的0.7" in html
    assert response.context["failed_step"] == "assess"
    assert snapshot(case) == before


def test_the_publicity_cannot_end_before_its_last_working_day_and_the_page_says_why(users, mine, time_machine):
    case = drive(mine, CaseState.IN_PUBLICITY, users)
    services.lodge_case_objection(
        case=case, actor=users[HR], lodged_on=timezone.localdate(), lodged_by_name="匿名", content="有异议。"
    )
    before = snapshot(case)
    page = _client(users[C]).get(reverse("demotions:case", args=[case.pk]))
    assert len(page.context["blockers"]) == 2  # not yet over, one objection unanswered
    response = _client(users[C]).post(reverse("demotions:step", args=[case.pk, "end_publicity"]), {"on": ""})
    assert response.status_code == 200
    assert response.context["failed_step"] == "end_publicity"
    assert snapshot(case) == before


def test_executing_shows_the_new_appointment_pay_grades_and_the_award_bar(users, mine, time_machine):
    case = drive(mine, CaseState.EXECUTED, users, time_machine=time_machine)
    html = _client(users[Role.STAFF]).get(reverse("demotions:case", args=[case.pk])).content.decode()
    assert "专业技术八级" in html or str(case.new_appointment.post_grade) in html
    assert f"{case.executed_on.year}年度不得评优评先" in html
    assert case.new_appointment.start.strftime("%Y-%m-%d") in html


def test_department_heads_and_staff_cannot_open_the_event_form(users):
    for role, expected in (
        ("commission_admin", 200),
        ("hospital_hr", 200),
        ("department_head", 403),
        ("staff", 403),
    ):
        assert _client(users[role]).get(reverse("demotions:event_create")).status_code == expected
