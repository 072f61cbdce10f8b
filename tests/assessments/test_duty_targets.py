"""Duty targets: seed 000's templates read their numbers from the policy, a senior appointment
gets them for its term, progress adds HIS workload and monthly entries against the milestone."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from appointments.models import DutyTarget, DutyTargetTemplate
from appointments.services import create_appointment, load_duty_target_templates, set_duty_target_milestones
from assessments.models import WorkloadMetric, WorkloadRecord
from assessments.selectors import target_progress
from assessments.services import record_target_progress
from personnel.choices import Role, TitleLevel
from personnel.errors import ApplicationError
from personnel.models import PolicyVersion, PostGrade
from tests.factories import PostQuotaFactory, StaffFactory

SEED_000 = next(
    p["data"]
    for r in json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "policies.json").read_text())["regions"]
    if r["code"] == "653225"
    for p in r["policies"]
)


@pytest.fixture
def policy(world):
    policy = PolicyVersion.objects.get(region=world.region)
    policy.data = dict(SEED_000)
    policy.save()
    load_duty_target_templates(policy=policy)
    return policy


@pytest.fixture
def associate(world, policy):
    """A clinician appointed to grade 5 (副高) for 2026–2027."""
    grade5 = PostGrade.objects.get(grade=5)
    PostQuotaFactory(institution=world.hospital, year=2026, post_grade=grade5, count=3)
    person = StaffFactory(institution=world.hospital, department=world.dept, name="孙主任")
    return create_appointment(staff=person, post_grade=grade5, start=dt.date(2026, 1, 1))


def test_templates_take_their_numbers_from_the_policy_not_from_code(world, policy):
    templates = DutyTargetTemplate.objects.filter(policy=policy)
    assert templates.filter(title_level=TitleLevel.ASSOCIATE_SENIOR).count() == 13
    sessions = templates.get(title_level=TitleLevel.SENIOR, code="teaching_rounds")
    assert sessions.policy_key == "target_sessions_senior"
    assert sessions.quantity_per_unit(policy) == 12
    # Loading again adds nothing.
    assert load_duty_target_templates(policy=policy) == templates.count()


def test_a_senior_appointment_gets_its_targets_for_the_term(world, associate, policy):
    targets = {t.code: t for t in DutyTarget.objects.filter(appointment=associate)}
    assert targets["teaching_rounds"].target_total == Decimal(8)  # ≥8 per term (副高)
    assert targets["consultations"].target_total == Decimal(4 * 24)  # 4 a month over 24 months
    assert targets["grassroots_hours"].target_total == Decimal(1 * 8 * 104)  # 1 day × 8 h a week, 104 weeks
    assert targets["grassroots_trainings"].target_total == Decimal(24)  # 12 a year
    assert targets["difficult_cases"].alternative_group == targets["level4_surgeries"].alternative_group


def test_a_changed_policy_number_changes_new_targets_only(world, associate, policy):
    policy.data = {**policy.data, "target_sessions_associate": 10}
    policy.save()
    assert DutyTarget.objects.get(appointment=associate, code="teaching_rounds").target_total == 8


def test_an_intermediate_appointment_gets_no_targets(world, policy):
    grade8 = PostGrade.objects.get(grade=8)
    person = StaffFactory(institution=world.hospital, department=world.dept)
    appointment = create_appointment(staff=person, post_grade=grade8, start=dt.date(2026, 1, 1))
    assert not DutyTarget.objects.filter(appointment=appointment).exists()


def test_nursing_staff_get_no_surgery_targets(world, policy):
    grade5 = PostGrade.objects.get(grade=5)
    PostQuotaFactory(institution=world.hospital, year=2026, post_grade=grade5, count=3)
    nurse = StaffFactory(institution=world.hospital, department=world.dept, category="nursing")
    appointment = create_appointment(staff=nurse, post_grade=grade5, start=dt.date(2026, 1, 1))
    codes = set(DutyTarget.objects.filter(appointment=appointment).values_list("code", flat=True))
    assert "level4_surgeries" not in codes and "teaching_rounds" in codes


def test_progress_adds_his_workload_and_monthly_entries_against_the_quarterly_milestone(world, associate):
    person = associate.staff
    metric = WorkloadMetric.objects.get(code="teaching_round")
    WorkloadRecord.objects.create(
        institution=world.hospital,
        staff=person,
        metric=metric,
        date=dt.date(2026, 2, 3),
        quantity=1,
        source_record_id="A",
    )
    target = DutyTarget.objects.get(appointment=associate, code="teaching_rounds")
    record_target_progress(target=target, month=dt.date(2026, 5, 1), quantity=1)
    hr = world.users[Role.HOSPITAL_HR]
    by_code = {p.target.code: p for p in target_progress(hr, person, on=dt.date(2026, 6, 30))}
    rounds = by_code["teaching_rounds"]
    assert (rounds.done, rounds.milestone) == (Decimal(2), Decimal(2))  # 8 over 8 quarters, 2 quarters done
    assert rounds.on_track
    cases = by_code["difficult_cases"]  # 20 over 8 quarters: 5 due after Q2
    assert cases.milestone == Decimal(5) and not cases.on_track
    WorkloadRecord.objects.create(
        institution=world.hospital,
        staff=person,
        metric=WorkloadMetric.objects.get(code="surgery_level4"),
        date=dt.date(2026, 4, 1),
        quantity=4,
        source_record_id="B",
    )
    by_code = {p.target.code: p for p in target_progress(hr, person, on=dt.date(2026, 6, 30))}
    # 4 level-4 surgeries meet that alternative's milestone (15 → 4 after Q2), so the group is met.
    assert by_code["level4_surgeries"].on_track and by_code["difficult_cases"].on_track


def test_an_edited_milestone_replaces_pro_rata(world, associate):
    target = DutyTarget.objects.get(appointment=associate, code="teaching_rounds")
    set_duty_target_milestones(target=target, milestones=[0, 0.5])
    hr = world.users[Role.HOSPITAL_HR]
    progress = {p.target.code: p for p in target_progress(hr, associate.staff, on=dt.date(2026, 6, 30))}
    assert progress["teaching_rounds"].milestone == Decimal(4)
    with pytest.raises(ApplicationError, match="逐季不减"):
        set_duty_target_milestones(target=target, milestones=[0.5, 0.2])


def test_progress_is_scoped(world, associate):
    other_head_view = target_progress(world.users[Role.STAFF], associate.staff, on=dt.date(2026, 6, 30))
    assert other_head_view == []  # a staff user sees only their own


def test_the_staff_page_shows_the_target_chart(world, associate, client):
    client.force_login(world.users[Role.HOSPITAL_HR])
    html = client.get(reverse("personnel:staff_detail", args=[associate.staff.pk])).content.decode()
    assert "必尽任务进度" in html and "echarts.min.js" in html and "target-chart-data" in html


def test_the_command_loads_templates_and_instantiates(world, policy, capsys):
    DutyTargetTemplate.objects.all().delete()
    call_command("load_duty_targets", "--instantiate")
    assert DutyTargetTemplate.objects.filter(policy=policy).count() == 26


def _projects_due(world, associate, on: dt.date) -> Decimal:
    hr = world.users[Role.HOSPITAL_HR]
    return {p.target.code: p for p in target_progress(hr, associate.staff, on=on)}["research_projects"].milestone


def test_a_one_per_term_target_is_not_due_after_the_first_quarter_under_the_seed_policy(world, associate, policy):
    assert policy.data["milestone_rounding"] == "floor"  # fixtures/policies.json, 策勒县
    assert _projects_due(world, associate, dt.date(2026, 3, 31)) == 0
    assert _projects_due(world, associate, dt.date(2027, 9, 30)) == 0
    assert _projects_due(world, associate, dt.date(2027, 12, 31)) == 1


def test_the_rounding_is_read_from_the_appointments_policy(world, associate, policy):
    policy.data = {**policy.data, "milestone_rounding": "ceil"}
    policy.save()
    assert _projects_due(world, associate, dt.date(2026, 3, 31)) == 1
    policy.data = {**policy.data, "milestone_rounding": "nearest"}
    policy.save()
    assert _projects_due(world, associate, dt.date(2026, 12, 31)) == 1  # 0.5 after Q4
    assert _projects_due(world, associate, dt.date(2026, 9, 30)) == 0


def test_hr_edits_a_targets_shares_on_its_page_and_the_head_may_not(world, associate, client):
    target = DutyTarget.objects.get(appointment=associate, code="difficult_cases")  # 20
    url = reverse("assessments:milestones", args=[target.pk])
    client.force_login(world.users[Role.DEPARTMENT_HEAD])
    assert client.get(url).status_code == 403
    client.force_login(world.users[Role.HOSPITAL_HR])
    page = client.get(url).content.decode()
    assert "第8季度" in page and "向下取整" in page
    shares = {f"share-{q}": v for q, v in enumerate(["0", "10", "20", "40", "50", "60", "80"], start=1)}
    assert client.post(url, {**shares, "action": "save"}).status_code == 302
    target.refresh_from_db()
    assert target.milestones == ["0", "0.1", "0.2", "0.4", "0.5", "0.6", "0.8"]
    assert target.history.count() == 2  # created, then edited
    on = dt.date(2026, 6, 30)
    by_code = {p.target.code: p for p in target_progress(world.users[Role.HOSPITAL_HR], associate.staff, on=on)}
    assert by_code["difficult_cases"].milestone == 2  # 10% of 20 after Q2
    # Falling shares and half-filled forms are refused in Chinese, nothing written.
    falling = {**shares, "share-3": "5"}
    response = client.post(url, {**falling, "action": "save"})
    assert response.status_code == 400 and "逐季不减" in response.content.decode()
    response = client.post(url, {"share-1": "10", "action": "save"})
    assert response.status_code == 400 and "全部留空" in response.content.decode()
    response = client.post(url, {**shares, "share-2": "120", "action": "save"})
    assert response.status_code == 400 and "0到100" in response.content.decode()
    target.refresh_from_db()
    assert target.milestones[2] == "0.2"
    assert client.post(url, {"action": "reset"}).status_code == 302
    target.refresh_from_db()
    assert target.milestones == []


def test_another_institutions_target_page_is_a_404(world, associate, client):
    target = DutyTarget.objects.get(appointment=associate, code="difficult_cases")
    from tests.factories import UserFactory

    other_hr = UserFactory(username="hr2", role=Role.HOSPITAL_HR, institution=world.other_hospital)
    client.force_login(other_hr)
    assert client.get(reverse("assessments:milestones", args=[target.pk])).status_code == 404
