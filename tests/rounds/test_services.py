"""The appointment round by its services: what a round gathers, vacancies, 双自主, ranking within the
quota, the list's publicity (the one publicity mechanism), approval, agreements and the atomic
signing, and the decision for those not re-appointed."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from appointments.choices import AppointmentKind, AppointmentStatus
from appointments.models import Appointment, DutyTarget
from appointments.services import load_duty_target_templates
from demotions.choices import CaseState, FollowUp
from personnel.errors import ApplicationError
from personnel.management.commands.load_policies import DEFAULT_FIXTURE
from personnel.models import PolicyVersion
from publicity import services as publicity_services
from publicity.models import Publicity, PublicityStatus
from rounds import services
from rounds.choices import ApplicationSource, ApplicationStatus, CandidateSource, EndingOutcome, ListStatus
from rounds.models import Agreement, Application
from rounds.selectors import undecided_candidates, vacancies, vacancy_for
from tests.api_testing import assert_no_rows_written
from tests.demotions.factories import DemotionCaseFactory
from tests.factories import AppointmentFactory, PolicyVersionFactory, TitleFactory

from .conftest import YEAR

D = dt.date
pytestmark = pytest.mark.django_db


def _scan(name="signed.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4 signed scan", content_type="application/pdf")


# --- Opening a round ------------------------------------------------------------------------------


def test_a_round_gathers_terms_ending_by_its_date_and_restorable_demoted_staff(world, commission, grade, person):
    # 王芳, 张伟, 刘洋 hold 2026-01-01 … 2027-12-31 appointments (the world); 陈静 is in another region.
    later = person("赵敏")
    AppointmentFactory(staff=later, start=D(2027, 1, 1), end=D(2028, 12, 31))
    demoted = person("孙立")
    original = AppointmentFactory(
        staff=demoted,
        post_grade=grade(6),
        start=D(2025, 1, 1),
        end=D(2026, 12, 31),
        status=AppointmentStatus.TERMINATED,
    )
    lowered = AppointmentFactory(
        staff=demoted, post_grade=grade(8), kind=AppointmentKind.DEMOTED, start=D(2026, 7, 1), end=D(2028, 6, 30)
    )
    DemotionCaseFactory(
        appointment=original,
        state=CaseState.EXECUTED,
        new_appointment=lowered,
        executed_on=D(2026, 7, 1),
        follow_up=FollowUp.RESTORATION_ELIGIBLE,
    )
    round_ = services.open_round(region=world.region, year=YEAR, opened_on=D(2027, 12, 1), actor=commission)

    gathered = {c.staff.name: c for c in round_.candidates.select_related("staff")}
    assert set(gathered) == {"王芳", "张伟", "刘洋", "孙立"}
    assert gathered["王芳"].source == CandidateSource.TERM_ENDING
    assert gathered["孙立"].source == CandidateSource.RESTORATION
    assert gathered["孙立"].restore_grade == grade(6)
    assert (round_.ends_by, round_.term_start) == (D(2027, 12, 31), D(2028, 1, 1))


def test_only_the_commission_opens_a_round_once_per_region_and_year(world, commission, hr):
    with pytest.raises(ApplicationError, match="无权启动聘任轮次"):
        services.open_round(region=world.region, year=YEAR, opened_on=D(2027, 12, 1), actor=hr)
    services.open_round(region=world.region, year=YEAR, opened_on=D(2027, 12, 1), actor=commission)
    with pytest.raises(ApplicationError, match="已启动"):
        services.open_round(region=world.region, year=YEAR, opened_on=D(2027, 12, 2), actor=commission)


# --- Vacancies ------------------------------------------------------------------------------------


def test_vacancies_are_the_quota_minus_posts_held_past_the_round_special_posts_excluded(
    world, round_, quota, person, grade
):
    quota(world.hospital, 8, 4)
    AppointmentFactory(staff=person("甲"), start=D(2027, 1, 1), end=D(2028, 12, 31))  # held past the round
    AppointmentFactory(staff=person("乙"), start=D(2027, 1, 1), end=D(2028, 12, 31), kind=AppointmentKind.SPECIAL)
    AppointmentFactory(
        staff=person("丙"), start=D(2027, 1, 1), end=D(2028, 12, 31), status=AppointmentStatus.TERMINATED
    )
    AppointmentFactory(staff=person("丁"), post_grade=grade(9), start=D(2027, 1, 1), end=D(2028, 12, 31))
    # 王芳's 2026-01-01 … 2027-12-31 appointment ends within the round: it frees its post.

    v = vacancy_for(round_, institution_id=world.hospital.pk, post_grade_id=8)
    assert (v.quota, v.held, v.vacancies) == (4, 1, 3)
    # Per institution: the branch has no 2028 quota, so no row; the hospital's grade 9 has none either.
    assert {(x.institution_id, x.post_grade_id) for x in vacancies(round_)} == {(world.hospital.pk, 8)}


def test_a_signed_place_is_counted_once_not_as_a_held_post_too(world, round_, scored, commission, quota):
    quota(world.hospital, 8, 1)
    a = scored(round_, world.staff_in_dept, quantified=90)
    _approve(round_, world.hospital, commission)
    agreement = services.generate_agreement(application=Application.objects.get(pk=a.pk), actor=commission)
    services.sign_agreement(agreement=agreement, signed_on=D(2027, 12, 28), signed_file=_scan(), actor=commission)
    v = vacancy_for(round_, institution_id=world.hospital.pk, post_grade_id=8)
    assert (v.vacancies, v.placed, v.open_places) == (1, 1, 0)


# --- Applications and 双自主 ------------------------------------------------------------------------


def test_application_attaches_the_ending_terms_target_completion(world, round_, commission, grade):
    from tests.demotions.factories import TargetProgressEntryFactory

    appointment = Appointment.objects.get(staff=world.staff_in_dept, status=AppointmentStatus.ACTIVE)
    from tests.demotions.factories import DutyTargetFactory

    sessions = DutyTargetFactory(
        appointment=appointment, code="study_sessions", name="科室业务学习", metric="study_session"
    )
    TargetProgressEntryFactory(target=sessions, month=D(2026, 3, 1), quantity=Decimal(8))
    DutyTargetFactory(
        appointment=appointment,
        code="research_projects",
        name="科研项目",
        metric="research_project",
        target_total=Decimal(1),
        quantity_per_unit=Decimal(1),
    )
    a = services.apply(
        round=round_, staff=world.staff_in_dept, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=commission
    )
    snapshot = {row["code"]: row for row in a.target_completion}
    assert snapshot["study_sessions"]["met"] is True and snapshot["study_sessions"]["done"] == "8"
    assert snapshot["research_projects"]["met"] is False
    assert a.source == ApplicationSource.TERM_ENDING
    assert a.current_appointment == appointment


def test_staff_apply_for_themselves_only(world, round_, grade):
    staff_user = world.users["staff"]
    a = services.apply(
        round=round_, staff=world.staff_in_dept, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=staff_user
    )
    assert a.created_by == staff_user
    with pytest.raises(ApplicationError, match="只能为本人或本单位人员申报"):
        services.apply(
            round=round_, staff=world.staff_other_dept, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=staff_user
        )


def test_title_required_refuses_an_application_above_the_title_held(world, round_, quota, grade, commission):
    quota(world.hospital, 6, 1)
    with pytest.raises(ApplicationError, match="职称是岗位聘任的前提") as refusal:
        services.apply(
            round=round_, staff=world.staff_in_dept, post_grade=grade(6), applied_on=D(2027, 12, 5), actor=commission
        )
    assert "中级（主治医师）" in refusal.value.message
    assert not Application.objects.exists()


def test_double_autonomy_allows_the_application_but_the_quota_still_binds(
    world, commission, quota, grade, scored, person
):
    data = dict(PolicyVersion.objects.get(region=world.region).data, round_title_required=0)
    PolicyVersionFactory(region=world.region, name="双自主", effective_from=D(2027, 6, 1), data=data)
    quota(world.hospital, 8, 2)
    quota(world.hospital, 6, 1)
    AppointmentFactory(staff=person("在聘副高"), post_grade=grade(6), start=D(2027, 1, 1), end=D(2028, 12, 31))
    round_ = services.open_round(region=world.region, year=YEAR, opened_on=D(2027, 12, 1), actor=commission)

    a = scored(round_, world.staff_in_dept, quantified=99, grade_no=6)  # 中级 title, 副高 post: allowed
    assert a.status == ApplicationStatus.SCORED
    services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    a.refresh_from_db()
    assert a.status == ApplicationStatus.NOT_PROPOSED  # the one grade-6 post is held past the round


def test_qualification_check_rechecks_the_title_and_needs_a_reason_to_refuse(world, round_, grade, hr):
    a = services.apply(
        round=round_, staff=world.staff_in_dept, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=hr
    )
    with pytest.raises(ApplicationError, match="须填写理由"):
        services.qualify(application=a, qualified=False, actor=hr)
    a = services.qualify(application=a, qualified=False, note="佐证材料不全", actor=hr)
    assert a.status == ApplicationStatus.REJECTED and a.checked_by == hr
    # A rejected application does not block a new one.
    again = services.apply(
        round=round_, staff=world.staff_in_dept, post_grade=grade(8), applied_on=D(2027, 12, 6), actor=hr
    )
    assert again.pk != a.pk


def test_a_person_has_one_live_application_per_round(world, round_, grade, hr):
    services.apply(round=round_, staff=world.staff_in_dept, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=hr)
    with pytest.raises(ApplicationError, match="已有申报"):
        services.apply(
            round=round_, staff=world.staff_in_dept, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=hr
        )


def test_an_application_needs_a_quota_of_the_grade(world, round_, grade, hr):
    with pytest.raises(ApplicationError, match="未核定专业技术九级岗位数"):
        services.apply(
            round=round_, staff=world.staff_in_dept, post_grade=grade(9), applied_on=D(2027, 12, 5), actor=hr
        )


def test_the_comprehensive_score_needs_ballots_and_the_policy_weight(world, round_, grade, commission):
    a = services.apply(
        round=round_, staff=world.staff_in_dept, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=commission
    )
    a = services.qualify(application=a, qualified=True, actor=commission)
    weights = {"quantified_weight": "0.70", "democratic_weight": "0.15", "defence_weight": "0.15"}
    with pytest.raises(ApplicationError, match="尚未录入民主评议票"):
        services.score(application=a, quantified_score=90, defence_score=80, actor=commission, **weights)
    services.record_ballots(application=a, ballots=[("superior", 90), ("patient_rep", 70)], actor=commission)
    with pytest.raises(ApplicationError, match="不得低于政策规定的0.7（70%）"):
        services.score(
            application=a,
            quantified_score=90,
            defence_score=80,
            quantified_weight="0.6",
            democratic_weight="0.2",
            defence_weight="0.2",
            actor=commission,
        )
    a = services.score(application=a, quantified_score=90, defence_score=80, actor=commission, **weights)
    assert a.democratic_score == Decimal("80.00")
    assert a.combined_score == Decimal("87.00")  # 63 + 12 + 12
    assert [(t["label"], t["count"]) for t in services.ballot_tally(a)] == [("患者代表", 1), ("上级", 1)]


# --- Ranking and the quota ------------------------------------------------------------------------


def test_ranking_proposes_within_the_vacancies_and_breaks_a_tie_at_the_cut_off_by_the_rule(
    world, round_, scored, person, commission
):
    first = scored(round_, world.staff_in_dept, quantified=95)
    # The same scores in every part: the policy's next criterion, the earlier title, decides.
    older = scored(round_, person("老", title_on=D(2012, 1, 1)), quantified=85)
    newer = scored(round_, person("新", title_on=D(2018, 1, 1)), quantified=85)
    assert older.combined_score == newer.combined_score

    services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    status = {a.pk: (a.status, a.rank) for a in Application.objects.all()}
    assert status[first.pk] == (ApplicationStatus.PROPOSED, 1)
    assert status[older.pk] == (ApplicationStatus.PROPOSED, 2)
    assert status[newer.pk] == (ApplicationStatus.NOT_PROPOSED, 3)
    assert "取得现职称时间" in Application.objects.get(pk=newer.pk).rank_note


def test_a_tie_the_rule_cannot_break_at_the_cut_off_proposes_neither(world, round_, scored, person, commission):
    scored(round_, world.staff_in_dept, quantified=95)
    twins = [scored(round_, person(name), quantified=85) for name in ("甲", "乙")]  # identical in every criterion
    services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    assert {Application.objects.get(pk=t.pk).status for t in twins} == {ApplicationStatus.NOT_PROPOSED}
    assert Application.objects.filter(status=ApplicationStatus.PROPOSED).count() == 1


def test_a_round_cannot_propose_more_people_than_the_quota(world, round_, scored, person, commission, quota):
    people = [scored(round_, person(f"候选{i}"), quantified=90 - i) for i in range(4)]
    services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    assert Application.objects.filter(status=ApplicationStatus.PROPOSED).count() == 2
    # The quota shrinks before approval: the list can no longer be approved.
    quota(world.hospital, 8, 1)
    lst = round_.lists.get()
    services.start_list_publicity(proposed_list=lst, starts_on=D(2027, 12, 13), actor=commission)
    services.end_list_publicity(proposed_list=lst, on=D(2027, 12, 20), actor=commission)
    with pytest.raises(ApplicationError, match="超出岗位数"):
        services.approve_list(proposed_list=lst, approved_on=D(2027, 12, 21), actor=commission)
    assert {Application.objects.get(pk=p.pk).status for p in people[:2]} == {ApplicationStatus.PROPOSED}


def test_ranking_waits_for_every_qualified_application_to_be_scored(world, round_, scored, grade, commission):
    scored(round_, world.staff_in_dept, quantified=95)
    services.apply(
        round=round_, staff=world.staff_other_dept, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=commission
    )
    with pytest.raises(ApplicationError, match="李强"):
        services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)


# --- Publicity and approval -----------------------------------------------------------------------


def _approve(round_, institution, commission):
    services.propose(round=round_, institution=institution, on=D(2027, 12, 10), actor=commission)
    lst = round_.lists.get(institution=institution)
    services.start_list_publicity(proposed_list=lst, starts_on=D(2027, 12, 13), actor=commission)
    services.end_list_publicity(proposed_list=lst, on=D(2027, 12, 20), actor=commission)
    return services.approve_list(
        proposed_list=lst, approved_on=D(2027, 12, 21), document="策卫发〔2027〕9号", actor=commission
    )


def test_the_list_is_publicised_through_the_one_publicity_mechanism(world, round_, scored, commission, monkeypatch):
    calls = []
    original = publicity_services.open_publicity

    def spy(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(publicity_services, "open_publicity", spy)
    scored(round_, world.staff_in_dept, quantified=90)
    services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    lst = round_.lists.get()
    publicity = services.start_list_publicity(proposed_list=lst, starts_on=D(2027, 12, 13), actor=commission)

    assert len(calls) == 1 and calls[0]["subject"] == lst
    publicity = Publicity.objects.get(pk=publicity.pk)
    assert publicity.content_type == ContentType.objects.get_for_model(lst)
    assert publicity.subject == lst
    assert publicity.working_days == 5  # policy publicity_working_days
    assert "王芳" in publicity.body and "必尽任务" in publicity.body
    assert lst.publicities.get() == publicity


def test_the_list_publicity_cannot_end_early_or_with_an_unanswered_objection(world, round_, scored, commission):
    scored(round_, world.staff_in_dept, quantified=90)
    services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    lst = round_.lists.get()
    publicity = services.start_list_publicity(proposed_list=lst, starts_on=D(2027, 12, 13), actor=commission)
    with pytest.raises(ApplicationError, match="方可结束公示"):
        services.end_list_publicity(proposed_list=lst, on=D(2027, 12, 15), actor=commission)
    objection = publicity_services.lodge_objection(
        publicity=publicity, lodged_on=D(2027, 12, 14), lodged_by_name="匿名", content="业绩不实", actor=commission
    )
    with pytest.raises(ApplicationError, match="尚未答复"):
        services.end_list_publicity(proposed_list=lst, on=D(2027, 12, 20), actor=commission)
    with pytest.raises(ApplicationError, match="公示结束后方可审批"):
        services.approve_list(proposed_list=lst, approved_on=D(2027, 12, 21), actor=commission)
    publicity_services.answer_objection(objection=objection, answer="经核查属实", actor=commission)
    services.end_list_publicity(proposed_list=lst, on=D(2027, 12, 20), actor=commission)
    assert Publicity.objects.get(pk=publicity.pk).status == PublicityStatus.ENDED
    lst = services.approve_list(proposed_list=lst, approved_on=D(2027, 12, 21), actor=commission)
    assert lst.status == ListStatus.APPROVED
    assert Application.objects.get().status == ApplicationStatus.APPROVED


# --- Agreements and signing -----------------------------------------------------------------------


@pytest.fixture
def full_policy(world):
    """策勒县's seeded policy (duty-target numbers included) in force from mid-2027, with its templates."""
    document = json.loads(DEFAULT_FIXTURE.read_text(encoding="utf-8"))
    (entry,) = [r for r in document["regions"] if r["code"] == "653225"]
    policy = PolicyVersionFactory(
        region=world.region, name="策勒县方案", effective_from=D(2027, 6, 1), data=entry["policies"][0]["data"]
    )
    load_duty_target_templates(policy=policy)
    return policy


@pytest.fixture
def senior_round(world, full_policy, commission, quota, grade):
    """王芳 holds the 副高 title and a 副高 (grade 6) post ending 2027-12-31; the 2028 quota of grade 6 is 1."""
    TitleFactory(staff=world.staff_in_dept, name="副主任医师", level="associate_senior", obtained_on=D(2021, 9, 1))
    appointment = Appointment.objects.get(staff=world.staff_in_dept, status=AppointmentStatus.ACTIVE)
    appointment.post_grade = grade(6)
    appointment.save()
    quota(world.hospital, 6, 1)
    return services.open_round(region=world.region, year=YEAR, opened_on=D(2027, 12, 1), actor=commission)


def test_the_agreement_states_term_post_pay_and_the_new_terms_duty_targets(world, senior_round, scored, commission):
    a = scored(senior_round, world.staff_in_dept, quantified=90, grade_no=6)
    _approve(senior_round, world.hospital, commission)
    agreement = services.generate_agreement(application=Application.objects.get(pk=a.pk), actor=commission)
    assert (agreement.term_start, agreement.term_end) == (D(2028, 1, 1), D(2029, 12, 31))
    text = agreement.text
    assert "王芳" in text and "专业技术六级" in text and "2028年01月01日" in text and "2029年12月31日" in text
    assert "科室业务学习：聘期内不少于8" in text  # 副高: 8 per term (策勒县)
    assert "全县会诊：聘期内不少于96（每月4）" in text  # 4 a month over 24 months
    assert world.staff_in_dept.id_number not in text  # only the last four digits
    assert agreement.number == f"{YEAR}-RMYY-{a.pk:05d}"


def test_signing_ends_the_old_appointment_creates_the_new_one_and_its_targets(world, senior_round, scored, commission):
    old = Appointment.objects.get(staff=world.staff_in_dept, status=AppointmentStatus.ACTIVE)
    a = scored(senior_round, world.staff_in_dept, quantified=90, grade_no=6)
    _approve(senior_round, world.hospital, commission)
    agreement = services.generate_agreement(application=Application.objects.get(pk=a.pk), actor=commission)
    agreement = services.sign_agreement(
        agreement=agreement, signed_on=D(2027, 12, 28), signed_file=_scan(), actor=commission
    )

    old.refresh_from_db()
    assert (old.status, old.end) == (AppointmentStatus.ENDED, D(2027, 12, 31))  # 期满 on its own date
    new = agreement.new_appointment
    assert (new.status, new.post_grade_id, new.start, new.end) == (
        AppointmentStatus.ACTIVE,
        6,
        D(2028, 1, 1),
        D(2029, 12, 31),
    )
    assert new.agreement_text == agreement.text
    assert DutyTarget.objects.filter(appointment=new).count() == len(agreement.targets) > 0
    assert agreement.uploaded_by == commission and agreement.signed_file.name.endswith(".pdf")
    assert Application.objects.get(pk=a.pk).status == ApplicationStatus.SIGNED


def test_signing_is_all_or_nothing_when_the_quota_is_full(
    world, senior_round, scored, commission, person, grade, settings
):
    old = Appointment.objects.get(staff=world.staff_in_dept, status=AppointmentStatus.ACTIVE)
    a = scored(senior_round, world.staff_in_dept, quantified=90, grade_no=6)
    _approve(senior_round, world.hospital, commission)
    agreement = services.generate_agreement(application=Application.objects.get(pk=a.pk), actor=commission)
    # Meanwhile the one 2028 grade-6 post is filled outside the round: create_appointment will refuse.
    AppointmentFactory(staff=person("插队"), post_grade=grade(6), start=D(2028, 1, 1), end=D(2029, 12, 31))
    appointments_before = Appointment.objects.count()

    with assert_no_rows_written(DutyTarget), pytest.raises(ApplicationError, match="超出岗位结构比例"):
        services.sign_agreement(agreement=agreement, signed_on=D(2027, 12, 28), signed_file=_scan(), actor=commission)

    old.refresh_from_db()
    assert (old.status, old.end) == (AppointmentStatus.ACTIVE, D(2027, 12, 31))
    assert Appointment.objects.count() == appointments_before
    agreement = Agreement.objects.get(pk=agreement.pk)
    assert agreement.signed_on is None and agreement.new_appointment is None and not agreement.signed_file
    assert not any((settings.MEDIA_ROOT).rglob("*.pdf"))  # no scan stored either
    assert Application.objects.get(pk=a.pk).status == ApplicationStatus.APPROVED


def test_a_restored_person_is_appointed_back_and_the_demoted_post_ends_early(world, commission, person, grade, quota):
    demoted = person("孙立")
    TitleFactory(staff=demoted, name="副主任医师", level="associate_senior", obtained_on=D(2020, 1, 1))
    original = AppointmentFactory(
        staff=demoted,
        post_grade=grade(6),
        start=D(2025, 1, 1),
        end=D(2026, 12, 31),
        status=AppointmentStatus.TERMINATED,
    )
    lowered = AppointmentFactory(
        staff=demoted, post_grade=grade(8), kind=AppointmentKind.DEMOTED, start=D(2026, 7, 1), end=D(2028, 6, 30)
    )
    DemotionCaseFactory(
        appointment=original, state=CaseState.EXECUTED, new_appointment=lowered, follow_up=FollowUp.RESTORATION_ELIGIBLE
    )
    quota(world.hospital, 6, 1)
    round_ = services.open_round(region=world.region, year=YEAR, opened_on=D(2027, 12, 1), actor=commission)
    a = services.apply(round=round_, staff=demoted, post_grade=grade(6), applied_on=D(2027, 12, 5), actor=commission)
    assert a.source == ApplicationSource.RESTORATION
    services.qualify(application=a, qualified=True, actor=commission)
    services.record_ballots(application=a, ballots=[("peer", 85)], actor=commission)
    services.score(
        application=a,
        quantified_score=88,
        defence_score=80,
        quantified_weight="0.8",
        democratic_weight="0.1",
        defence_weight="0.1",
        actor=commission,
    )
    _approve(round_, world.hospital, commission)
    agreement = services.generate_agreement(application=Application.objects.get(pk=a.pk), actor=commission)
    agreement = services.sign_agreement(
        agreement=agreement, signed_on=D(2027, 12, 28), signed_file=_scan(), actor=commission
    )
    lowered.refresh_from_db()
    assert (lowered.status, lowered.end) == (AppointmentStatus.TERMINATED, D(2027, 12, 31))
    assert agreement.new_appointment.kind == AppointmentKind.RESTORED


# --- Nobody silently falls out --------------------------------------------------------------------


def test_those_not_reappointed_are_listed_until_an_ending_decision_is_recorded(
    world, round_, scored, commission, hr, grade
):
    assert set(undecided_candidates(round_).values_list("staff__name", flat=True)) == {"王芳", "张伟", "刘洋"}
    candidate = round_.candidates.get(staff=world.staff_branch)
    with pytest.raises(ApplicationError, match="低于原岗位"):
        services.record_ending_decision(
            candidate=candidate,
            outcome=EndingOutcome.LOWER_POST,
            note="考核一般",
            decided_on=D(2027, 12, 30),
            post_grade=grade(8),
            actor=commission,
        )
    decision = services.record_ending_decision(
        candidate=candidate,
        outcome=EndingOutcome.LOWER_POST,
        note="年度考核基本合格，低聘一级",
        decided_on=D(2027, 12, 30),
        post_grade=grade(9),
        actor=commission,
    )
    assert decision.decided_by == commission
    assert "张伟" not in set(undecided_candidates(round_).values_list("staff__name", flat=True))
    # HR of the head hospital does not reach 刘洋 (another hospital).
    other = round_.candidates.get(staff=world.staff_other_hospital)
    with pytest.raises(ApplicationError, match="不在您的管理范围内"):
        services.record_ending_decision(
            candidate=other, outcome=EndingOutcome.OTHER, note="退休", decided_on=D(2027, 12, 30), actor=hr
        )


def test_someone_proposed_in_the_round_needs_no_ending_decision(world, round_, scored, commission):
    scored(round_, world.staff_in_dept, quantified=90)
    services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    with pytest.raises(ApplicationError, match="无需登记"):
        services.record_ending_decision(
            candidate=round_.candidates.get(staff=world.staff_in_dept),
            outcome=EndingOutcome.SPECIAL_POST,
            note="x",
            decided_on=D(2027, 12, 30),
            actor=commission,
        )


def test_an_application_can_be_withdrawn_until_it_is_proposed(world, round_, scored, commission, person):
    proposed = scored(round_, world.staff_in_dept, quantified=90)
    services.propose(round=round_, institution=world.hospital, on=D(2027, 12, 10), actor=commission)
    with pytest.raises(ApplicationError, match="不能撤回"):
        services.withdraw(application=Application.objects.get(pk=proposed.pk), actor=world.users["staff"])
    other = scored(round_, person("撤回者"), quantified=70)
    other = services.withdraw(application=other, reason="另有安排", actor=commission)
    assert other.status == ApplicationStatus.WITHDRAWN and "另有安排" in other.qualification_note


def test_a_round_closes_only_when_everyone_gathered_is_signed_or_decided(world, round_, scored, commission, grade):
    scored(round_, world.staff_in_dept, quantified=90)
    with pytest.raises(ApplicationError, match="张伟（人民医院分院）"):
        services.close_round(round=round_, actor=commission)
    _approve(round_, world.hospital, commission)
    for staff in (world.staff_branch, world.staff_other_hospital):
        services.record_ending_decision(
            candidate=round_.candidates.get(staff=staff),
            outcome=EndingOutcome.OTHER,
            note="退休",
            decided_on=D(2027, 12, 30),
            actor=commission,
        )
    with pytest.raises(ApplicationError, match="已审批但尚未签订"):
        services.close_round(round=round_, actor=commission)
    agreement = services.generate_agreement(
        application=Application.objects.get(staff=world.staff_in_dept), actor=commission
    )
    services.sign_agreement(agreement=agreement, signed_on=D(2027, 12, 28), signed_file=_scan(), actor=commission)
    assert services.close_round(round=round_, actor=commission).status == "closed"
    with pytest.raises(ApplicationError, match="已结束"):
        services.apply(
            round=round_, staff=world.staff_other_dept, post_grade=grade(8), applied_on=D(2028, 1, 5), actor=commission
        )


def test_evidence_is_attached_by_the_applicant_until_the_score_is_recorded(world, round_, grade, commission, settings):
    staff_user = world.users["staff"]
    a = services.apply(
        round=round_, staff=world.staff_in_dept, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=staff_user
    )
    evidence = services.add_evidence(
        application=a, file=_scan("论文.pdf"), description="核心期刊论文", actor=staff_user
    )
    assert evidence.name == "论文.pdf" and evidence.uploaded_by == staff_user
    with pytest.raises(ApplicationError, match="文件类型不支持"):
        services.add_evidence(application=a, file=SimpleUploadedFile("x.exe", b"MZ"), actor=staff_user)
    a = services.qualify(application=a, qualified=True, actor=commission)
    services.record_ballots(application=a, ballots=[("peer", 80)], actor=commission)
    services.score(
        application=a,
        quantified_score=80,
        defence_score=80,
        quantified_weight="0.7",
        democratic_weight="0.15",
        defence_weight="0.15",
        actor=commission,
    )
    with pytest.raises(ApplicationError, match="不能再上传佐证材料"):
        services.add_evidence(application=a, file=_scan(), actor=staff_user)
    with pytest.raises(ApplicationError, match="不在您的管理范围内"):
        other = services.apply(
            round=round_, staff=world.staff_other_dept, post_grade=grade(8), applied_on=D(2027, 12, 5), actor=commission
        )
        services.add_evidence(application=other, file=_scan(), actor=staff_user)


def test_applicants_and_hr_are_notified_once_steps_are_committed(
    world, round_, scored, commission, hr, django_capture_on_commit_callbacks
):
    from notifications.models import Notification

    staff_user = world.users["staff"]
    with django_capture_on_commit_callbacks(execute=True):
        scored(round_, world.staff_in_dept, quantified=90)
    assert Notification.objects.filter(recipient=staff_user, title__contains="资格审查通过").exists()
    with django_capture_on_commit_callbacks(execute=True):
        _approve(round_, world.hospital, commission)
    assert Notification.objects.filter(recipient=staff_user, title__contains="已获卫健委审批").exists()
    assert Notification.objects.filter(recipient=hr, title__contains="名单公示中").exists()
    assert Notification.objects.filter(recipient=hr, title__contains="拟聘任名单已获审批（1人）").exists()
    # A refused step tells nobody: a second qualification of the same application is refused.
    before = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ApplicationError):
        services.qualify(application=Application.objects.get(staff=world.staff_in_dept), qualified=True, actor=hr)
    assert Notification.objects.count() == before
