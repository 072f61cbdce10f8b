"""load_round_demo: after the personnel, duty-target, assessment and 能上能下 demos, the round of
the year after the demo's terms end holds applications at several steps (refused, waiting for the
review, qualified, ranked, proposed on a list in publicity with an objection to answer, approved
with agreements generated) and an ending decision — all through rounds.services; running it again
changes nothing; --reset removes it; load_demo --reset removes what points at the demo's people
and the round demo then rebuilds the emptied round."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from personnel.models import User
from publicity.models import Objection, Publicity
from rounds.choices import ApplicationStatus, ListStatus
from rounds.models import Agreement, Application, AppointmentRound, EndingDecision, ProposedList, RoundCandidate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(time_machine, settings, tmp_path):
    time_machine.move_to(dt.datetime(2026, 11, 25, 2, tzinfo=dt.UTC))
    settings.MEDIA_ROOT = tmp_path


def run(*args) -> str:
    out = io.StringIO()
    call_command("load_round_demo", *args, stdout=out)
    return out.getvalue()


def other_demos() -> None:
    for command in (["load_demo"], ["load_duty_targets", "--instantiate"], ["load_assessment_demo"]):
        call_command(*command, stdout=io.StringIO())
    call_command("load_demotion_demo", stdout=io.StringIO())


def snapshot() -> dict:
    return {
        "rounds": sorted(AppointmentRound.objects.values_list("year", "ends_by", "term_start", "status")),
        "candidates": RoundCandidate.objects.count(),
        "applications": sorted(Application.objects.values_list("staff__employee_no", "status", "rank")),
        "lists": sorted(ProposedList.objects.values_list("institution__code", "status")),
        "objections": Objection.objects.filter(publicity__round_list__isnull=False).count(),
        "agreements": Agreement.objects.count(),
        "decisions": EndingDecision.objects.count(),
    }


def test_the_round_demo_needs_the_other_demos():
    with pytest.raises(CommandError, match="load_demo"):
        run()


def test_the_round_demo_shows_every_step_is_idempotent_and_survives_a_demo_reset():
    other_demos()
    output = run()
    assert "聘任轮次演示数据：策勒县2028年度专业技术岗位聘任" in output

    round_ = AppointmentRound.objects.get()
    # The demo's terms run 2026–2027: the 2028 round gathers them all.
    assert (round_.year, round_.ends_by, round_.term_start) == (2028, dt.date(2027, 12, 31), dt.date(2028, 1, 1))
    assert round_.candidates.count() > 1000
    statuses = set(Application.objects.values_list("status", flat=True))
    assert {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.QUALIFIED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.PROPOSED,
        ApplicationStatus.APPROVED,
    } <= statuses

    hr, staff = User.objects.get(username="hr"), User.objects.get(username="staff")
    head_list = ProposedList.objects.get(institution=hr.institution)
    assert head_list.status == ListStatus.IN_PUBLICITY
    ranked = list(head_list.applications.order_by("post_grade_id", "rank").values_list("post_grade_id", "rank"))
    assert len(ranked) == 4 and sorted(r for _, r in ranked).count(1) >= 2  # three of one grade ranked 1–3
    publicity = Publicity.objects.get(round_list=head_list)
    assert publicity.objections.filter(answered_at__isnull=True).count() == 1
    assert publicity.ends_on < dt.date(2026, 11, 25)  # past its last working day: the board shows it overdue
    # The demo's staff user has their own application on the list.
    assert Application.objects.get(staff_id=staff.staff_id).status == ApplicationStatus.PROPOSED
    assert Application.objects.filter(checked_by__isnull=False).exists()

    approved = ProposedList.objects.get(status=ListStatus.APPROVED)
    assert Agreement.objects.filter(application__proposed_list=approved, signed_on__isnull=True).count() == 2
    decision = EndingDecision.objects.get()
    assert decision.post_grade.grade == decision.candidate.appointment.post_grade.grade + 1
    assert Application.objects.filter(status=ApplicationStatus.SUBMITTED).get().evidence.count() == 1

    before = snapshot()
    assert "已存在" in run()
    assert snapshot() == before

    # load_demo --reset takes what points at the demo's people (candidates, applications, lists and
    # their publicity, agreements, decisions); the emptied round is rebuilt by the round demo.
    call_command("load_demo", "--reset", stdout=io.StringIO())
    assert not Application.objects.exists() and not RoundCandidate.objects.exists()
    assert not Publicity.objects.filter(round_list__isnull=False).exists()
    call_command("load_duty_targets", "--instantiate", stdout=io.StringIO())
    assert "聘任轮次演示数据：" in run()
    rebuilt = snapshot()
    assert rebuilt["candidates"] == before["candidates"]
    assert rebuilt["lists"] == before["lists"] and rebuilt["objections"] == before["objections"]

    assert "已删除聘任轮次演示数据" in run("--reset")
    assert not AppointmentRound.objects.exists() and not Application.objects.exists()
    assert "无需删除" in run("--reset")
