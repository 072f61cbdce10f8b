"""Writes on 县聘乡用 (seed 001, 万州区): every rule of creating a secondment, recording leave
and attendance, recomputing a stint, scoring and grading the annual assessment, and turning
the commission's matches into secondments.  Views, API, admin and the beat task call these."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from personnel.choices import InstitutionKind, Role
from personnel.errors import ApplicationError
from personnel.models import Institution, PolicyVersion, Region, Staff, User
from personnel.services import policy_for

from . import rules
from .choices import (
    AnnualGrade,
    AssessmentParty,
    AttendanceStatus,
    MatchStatus,
    SecondmentReason,
    SecondmentStatus,
)
from .models import (
    AnnualAssessment,
    AssessmentScore,
    Attendance,
    Demand,
    Evaluation,
    Leave,
    Match,
    Offer,
    Secondment,
)

logger = logging.getLogger(__name__)

GRASSROOTS_KINDS = frozenset({InstitutionKind.TOWNSHIP_CENTRE, InstitutionKind.COMMUNITY_CENTRE})
OPEN_STATUSES = (SecondmentStatus.PLANNED, SecondmentStatus.ACTIVE)
SCORE_FIELDS = ("duty", "conduct", "attendance", "workload", "achievement")


def _history_actor(obj, actor) -> None:
    """Who made the change; an API-key client is not a user row, so it is recorded as the reason
    (and no user) rather than taken from the request by the history middleware."""
    if getattr(actor, "pk", None):
        obj._history_user = actor
    elif actor is not None:
        obj._history_user = None
        if getattr(actor, "key_name", ""):
            obj._change_reason = f"接口客户端：{actor.key_name}"


def _full_clean(obj, **kwargs) -> None:
    try:
        obj.full_clean(**kwargs)
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error


def _policy_number(policy: PolicyVersion, name: str):
    try:
        return getattr(policy, name)
    except KeyError as error:
        raise ApplicationError(str(error.args[0])) from error


def hire_deadline(staff: Staff) -> dt.date | None:
    """The new-hire deadline (seed 001 §四(一)1: 五年内至少一年) under the policy in force on the hire date."""
    if not staff.first_employment_date:
        return None
    try:
        policy = policy_for(staff.institution.region, staff.first_employment_date)
        within = policy.secondment_within_years
    except (ApplicationError, KeyError):
        return None
    return rules.new_hire_deadline(staff.first_employment_date, within)


# --- Secondments -----------------------------------------------------------------------------------


@transaction.atomic
def create_secondment(
    *,
    staff: Staff,
    receiving_unit: Institution,
    start: dt.date,
    reason: str,
    full_time: bool = True,
    practice_registration_no: str = "",
    tasks: str = "",
    today: dt.date | None = None,
    actor=None,
) -> Secondment:
    """Second a person to a grassroots facility for the policy's service years (seed 001
    §四(一)1: 至少一年; §四(二)1: 全脱产, 多机构执业备案).  The dispatching unit is the person's
    own; the receiving unit must be a township or community health centre of the same region;
    one open stint per person."""
    if receiving_unit.kind not in GRASSROOTS_KINDS:
        raise ApplicationError(
            "接收单位须为乡镇卫生院或社区卫生服务中心。", {"receiving_unit": ["不是基层医疗卫生机构。"]}
        )
    if receiving_unit.region_id != staff.institution.region_id:
        raise ApplicationError("接收单位须与派出单位属于同一地区。", {"receiving_unit": ["不属于同一地区。"]})
    if reason == SecondmentReason.NEW_HIRE and not rules.is_physician(staff.category):
        raise ApplicationError(
            "新入职下沉义务仅适用于执业医师类（临床、中医、口腔、公卫）人员。", {"reason": ["人员不是执业医师类。"]}
        )
    policy = policy_for(receiving_unit.region, start)
    years = _policy_number(policy, "secondment_service_years")
    Staff.objects.select_for_update().filter(pk=staff.pk).first()
    if Secondment.objects.filter(staff=staff, status__in=OPEN_STATUSES).exists():
        raise ApplicationError(f"{staff.name}已有未结束的下沉安排。", {"staff": ["已有未结束的下沉安排。"]})
    end = rules.planned_end(start, years)
    secondment = Secondment(
        staff=staff,
        dispatching_unit=staff.institution,
        receiving_unit=receiving_unit,
        policy=policy,
        reason=reason,
        start=start,
        planned_end=end,
        end=end,
        full_time=full_time,
        # §四(二)1: 未实行全脱产工作的经历不得计算为基层服务经历.
        counts_as_service=full_time,
        practice_registration_no=practice_registration_no,
        tasks=tasks,
        deadline=hire_deadline(staff) if reason == SecondmentReason.NEW_HIRE else None,
    )
    _full_clean(secondment, exclude=["policy"])
    _history_actor(secondment, actor)
    secondment.save()
    return recompute_secondment(secondment=secondment, today=today or timezone.localdate())


@transaction.atomic
def recompute_secondment(*, secondment: Secondment, today: dt.date, actor=None) -> Secondment:
    """Bring a stint up to date from its leave and attendance (seed 001 §四(二)1): filed leave
    extends the end by its length, absences over the limit void the stint (the person and both
    units are told once), served days to `today`, status, and whether it ends after the deadline."""
    policy = secondment.policy
    threshold = _policy_number(policy, "leave_filing_threshold_days")
    comparison = _policy_number(policy, "leave_filing_comparison")
    limit = _policy_number(policy, "absence_limit")
    leaves = list(secondment.leaves.values_list("start", "end", "days"))
    extension = rules.extension_days([days for _, _, days in leaves], threshold=threshold, comparison=comparison)
    # Filed leave taken so far does not count as service (the end moves by it instead).
    leave_taken = sum(
        max((min(end, today) - max(start, secondment.start)).days + 1, 0)
        for start, end, days in leaves
        if rules.leave_must_be_filed(days, threshold=threshold, comparison=comparison)
    )
    absences = secondment.attendance.filter(status=AttendanceStatus.ABSENT).count()
    was_counting = secondment.counts_as_service
    counts = secondment.full_time and rules.stint_counts(absences, limit=limit)
    end = secondment.planned_end + dt.timedelta(days=extension)
    not_counted = leave_taken + secondment.attendance.filter(status=AttendanceStatus.ABSENT, date__lte=today).count()

    secondment.extension_days = extension
    secondment.end = end
    secondment.absences = absences
    secondment.counts_as_service = counts
    secondment.served_days = rules.served_days(
        start=secondment.start, end=end, as_of=today, not_counted_days=not_counted
    )
    was_late = secondment.misses_deadline
    secondment.misses_deadline = secondment.deadline is not None and end > secondment.deadline
    if secondment.status != SecondmentStatus.CANCELLED:
        if not counts and secondment.full_time:
            secondment.status = SecondmentStatus.VOIDED
        elif today > end:
            secondment.status = SecondmentStatus.COMPLETED
        elif today >= secondment.start:
            secondment.status = SecondmentStatus.ACTIVE
        else:
            secondment.status = SecondmentStatus.PLANNED
    secondment.recomputed_on = today
    _history_actor(secondment, actor)
    secondment.save()
    if was_counting and not counts and secondment.full_time:
        transaction.on_commit(lambda: notify_voided(secondment))
    if secondment.misses_deadline and not was_late and secondment.status in OPEN_STATUSES:
        transaction.on_commit(lambda: notify_late(secondment))
    return secondment


def recipient_users(secondment: Secondment):
    """The person and both units' HR, and the region's commission admins (active accounts)."""
    return User.objects.filter(is_active=True).filter(
        Q(staff_id=secondment.staff_id)
        | Q(role=Role.HOSPITAL_HR, institution_id__in=[secondment.dispatching_unit_id, secondment.receiving_unit_id])
        | Q(role=Role.COMMISSION_ADMIN, institution__region_id=secondment.receiving_unit.region_id)
    )


def recipients_for(secondment: Secondment) -> list[str]:
    """The person and both units' HR, and the region's commission admins, who have an e-mail address."""
    return sorted(set(recipient_users(secondment).exclude(email="").values_list("email", flat=True)))


def notify_late(secondment: Secondment) -> int:
    """The nightly recomputation found that the stint now ends after the date by which the
    service must be done: tell the person, both units' HR and the commission in the app (and by
    e-mail where the deployment mails), once per stint and end date."""
    from django.urls import reverse

    from notifications.services import notify

    return notify(
        recipients=list(recipient_users(secondment)),
        key=f"secondment:late:{secondment.pk}:{secondment.end:%Y%m%d}",
        kind="secondment_late",
        title=f"【县聘乡用】{secondment.staff.name}的下沉服务将超出期限",
        body=(
            f"{secondment.staff.name}在{secondment.receiving_unit}的下沉服务按当前安排于{secondment.end:%Y-%m-%d}结束，"
            f"晚于须完成下沉的期限{secondment.deadline:%Y-%m-%d}，请调整安排。"
        ),
        url=reverse("secondments:detail", args=[secondment.pk]),
    )


def notify_voided(secondment: Secondment) -> None:
    """§四(二)1: 旷工超过3次的本次服务时间不计入基层服务经历 — tell the person and both units
    (in the app, and by the e-mail below)."""
    from django.urls import reverse

    from notifications.services import notify

    notify(
        recipients=list(recipient_users(secondment)),
        key=f"secondment:voided:{secondment.pk}",
        kind="secondment_voided",
        title=f"【县聘乡用】{secondment.staff.name}本次下沉服务不计入基层服务经历",
        body=f"旷工已达{secondment.absences}次，超过政策规定的{secondment.policy.absence_limit}次。",
        url=reverse("secondments:detail", args=[secondment.pk]),
        email=False,  # mailed below
    )
    recipients = recipients_for(secondment)
    if not recipients:
        logger.warning("secondment %s voided; nobody to notify", secondment.pk)
        return
    send_mail(
        subject=f"【县聘乡用】{secondment.staff.name}本次下沉服务不计入基层服务经历",
        message=(
            f"{secondment.staff.name}在{secondment.receiving_unit}的下沉服务"
            f"（{secondment.start:%Y-%m-%d}起）旷工已达{secondment.absences}次，"
            f"超过政策规定的{secondment.policy.absence_limit}次，本次服务时间不计入基层服务经历。"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )


def recompute_open_secondments(*, today: dt.date) -> dict[str, int]:
    """The daily beat task: recompute every stint not yet closed; count those that will miss their deadline."""
    done = late = 0
    qs = Secondment.objects.filter(
        Q(status__in=OPEN_STATUSES) | Q(status=SecondmentStatus.VOIDED, end__gte=today)
    ).select_related("policy", "staff", "receiving_unit")
    for secondment in qs.iterator(chunk_size=200):
        with transaction.atomic():
            recompute_secondment(secondment=secondment, today=today)
        done += 1
        late += secondment.misses_deadline
    return {"recomputed": done, "missing_deadline": late}


def _check_within_stint(secondment: Secondment, start: dt.date, end: dt.date) -> None:
    if secondment.status == SecondmentStatus.CANCELLED:
        raise ApplicationError("该下沉安排已取消。")
    if start < secondment.start or end > secondment.end:
        raise ApplicationError(
            f"日期须在服务期内（{secondment.start:%Y-%m-%d}至{secondment.end:%Y-%m-%d}）。",
            {"start": ["不在服务期内。"]},
        )


@transaction.atomic
def record_leave(
    *,
    secondment: Secondment,
    start: dt.date,
    end: dt.date,
    reason: str = "",
    filed_with_commission: bool = False,
    today: dt.date | None = None,
    actor=None,
) -> Leave:
    """Record a leave (seed 001 §四(二)1: 请假5天以上需向领导小组办公室备案，同时顺延基层服务期限).
    A leave that must be filed is refused until it is; once filed it extends the end by its length."""
    if end < start:
        raise ApplicationError("请假结束日期不能早于开始日期。", {"end": ["早于开始日期。"]})
    secondment = Secondment.objects.select_for_update().select_related("policy").get(pk=secondment.pk)
    _check_within_stint(secondment, start, start)
    if secondment.leaves.filter(start__lte=end, end__gte=start).exists():
        raise ApplicationError("与已登记的请假时间重叠。", {"start": ["与已登记的请假重叠。"]})
    if secondment.attendance.filter(status=AttendanceStatus.ABSENT, date__range=(start, end)).exists():
        # 未履行请假手续不在岗的视为旷工: an absence is not turned into leave afterwards.
        raise ApplicationError("请假期间已有旷工记录，不能补办请假。", {"start": ["期间已记旷工。"]})
    days = rules.leave_days(start, end)
    must_file = rules.leave_must_be_filed(
        days,
        threshold=_policy_number(secondment.policy, "leave_filing_threshold_days"),
        comparison=_policy_number(secondment.policy, "leave_filing_comparison"),
    )
    if must_file and not filed_with_commission:
        raise ApplicationError(
            f"请假{days}天，须先向县聘乡用领导小组办公室备案，备案后顺延服务期限。",
            {"filed_with_commission": ["须先备案。"]},
        )
    leave = Leave(
        secondment=secondment,
        start=start,
        end=end,
        days=days,
        reason=reason,
        filed_with_commission=filed_with_commission,
        extends_service=must_file,
    )
    _full_clean(leave)
    _history_actor(leave, actor)
    leave.save()
    recompute_secondment(secondment=secondment, today=today or timezone.localdate(), actor=actor)
    return leave


@transaction.atomic
def record_attendance(
    *,
    secondment: Secondment,
    date: dt.date,
    status: str,
    note: str = "",
    today: dt.date | None = None,
    actor=None,
) -> Attendance:
    """Record one day's attendance (the receiving unit's system may post it again; the last
    post wins).  未履行请假手续不在岗的视为旷工 (seed 001 §四(二)1)."""
    secondment = Secondment.objects.select_for_update().select_related("policy").get(pk=secondment.pk)
    _check_within_stint(secondment, date, date)
    if status == AttendanceStatus.ABSENT and secondment.leaves.filter(start__lte=date, end__gte=date).exists():
        raise ApplicationError("当日已登记请假，不能记为旷工。", {"date": ["当日已请假。"]})
    record = Attendance.objects.filter(secondment=secondment, date=date).first() or Attendance(
        secondment=secondment, date=date
    )
    record.status = status
    record.note = note
    _full_clean(record, exclude=["secondment"])
    _history_actor(record, actor)
    record.save()
    recompute_secondment(secondment=secondment, today=today or timezone.localdate(), actor=actor)
    return record


# --- Annual assessment (seed 001 §四(三)1) ------------------------------------------------------------


def assessment_weights(policy: PolicyVersion) -> dict[str, Decimal]:
    return {
        AssessmentParty.RECEIVING: _policy_number(policy, "weight_receiving_unit"),
        AssessmentParty.COMMISSION: _policy_number(policy, "weight_commission"),
        AssessmentParty.DISPATCHING: _policy_number(policy, "weight_dispatching_unit"),
    }


@transaction.atomic
def score_assessment(
    *, secondment: Secondment, year: int, party: str, scores: dict[str, Decimal], actor=None
) -> AnnualAssessment:
    """One party's five-aspect score for a year (履职情况, 工作作风, 出勤情况, 工作量, 工作业绩).
    Only those who served at least half a year by the year's end take part (服务期满半年以上);
    once all three parties have scored, the total is combined 60:30:10 from the policy."""
    year_end = dt.date(year, 12, 31)
    policy = policy_for(secondment.receiving_unit.region, year_end)
    if not rules.served_half_year(
        start=secondment.start,
        as_of=min(year_end, secondment.end),
        min_months=_policy_number(policy, "assessment_min_months_served"),
        extension=secondment.extension_days,
    ):
        raise ApplicationError(f"{secondment.staff.name}在{year}年服务未满半年，不参加单列年度考核。")
    assessment, _ = AnnualAssessment.objects.select_for_update().get_or_create(
        secondment=secondment, year=year, defaults={"policy": policy}
    )
    if assessment.grade:
        raise ApplicationError("该年度考核已评定等次，不能再修改分数。")
    score = AssessmentScore.objects.filter(assessment=assessment, party=party).first() or AssessmentScore(
        assessment=assessment, party=party
    )
    for name in SCORE_FIELDS:
        setattr(score, name, scores.get(name))
    _full_clean(score, exclude=["assessment"])
    _history_actor(score, actor)
    score.save()
    by_party = {s.party: s.total for s in assessment.scores.all()}
    if len(by_party) == len(AssessmentParty.values):
        assessment.total = rules.combined_score(by_party, assessment_weights(assessment.policy))
        _history_actor(assessment, actor)
        assessment.save(update_fields=["total"])
    return assessment


def assessments_of(*, region_id: int, year: int):
    return AnnualAssessment.objects.filter(year=year, secondment__receiving_unit__region_id=region_id)


def excellent_quota(*, region_id: int, year: int) -> dict[str, int]:
    """The separate ranking's 优秀 places (按15%的比例评定优秀等次, rounded as the policy says), used and left."""
    qs = assessments_of(region_id=region_id, year=year)
    people = qs.count()
    policy = policy_for(Region.objects.get(pk=region_id), dt.date(year, 12, 31))
    places = rules.excellent_places(
        people,
        ratio=_policy_number(policy, "excellent_ratio"),
        rounding=_policy_number(policy, "excellent_quota_rounding"),
    )
    used = qs.filter(grade=AnnualGrade.EXCELLENT).count()
    return {"people": people, "places": places, "used": used, "left": max(places - used, 0)}


@transaction.atomic
def grade_assessment(*, assessment: AnnualAssessment, grade: str, actor=None) -> AnnualAssessment:
    """Set the grade; 优秀 only within the quota of the region's separate ranking for the year."""
    assessment = (
        AnnualAssessment.objects.select_for_update().select_related("secondment__receiving_unit").get(pk=assessment.pk)
    )
    if grade not in AnnualGrade.values:
        raise ApplicationError("等次无效。", {"grade": ["等次无效。"]})
    if assessment.total is None:
        raise ApplicationError("三方评分尚未齐全，不能评定等次。")
    if grade == AnnualGrade.EXCELLENT and assessment.grade != AnnualGrade.EXCELLENT:
        region_id = assessment.secondment.receiving_unit.region_id
        # Serialise graders of one region and year so two cannot take the last place together.
        list(assessments_of(region_id=region_id, year=assessment.year).select_for_update().values_list("pk"))
        quota = excellent_quota(region_id=region_id, year=assessment.year)
        if quota["left"] <= 0:
            raise ApplicationError(
                f"{assessment.year}年度县聘乡用人员共{quota['people']}人，优秀名额{quota['places']}个已用完。",
                {"grade": ["优秀名额已用完。"]},
            )
    assessment.grade = grade
    _history_actor(assessment, actor)
    assessment.save(update_fields=["grade"])
    return assessment


# --- Planning (seed 001 §四(一)2) ------------------------------------------------------------------------


@transaction.atomic
def suggest_matches(*, region_id: int, year: int, actor=None) -> list[Match]:
    """Replace the year's unconfirmed suggestions with a fresh matching (rules.suggest_pairs)."""
    Match.objects.filter(
        demand__year=year, demand__institution__region_id=region_id, status=MatchStatus.SUGGESTED
    ).delete()
    demands = list(Demand.objects.filter(year=year, institution__region_id=region_id))
    confirmed = Match.objects.filter(demand__in=demands, status=MatchStatus.CONFIRMED)
    filled: dict[int, int] = {}
    for m in confirmed:
        filled[m.demand_id] = filled.get(m.demand_id, 0) + 1
    offers = Offer.objects.filter(year=year, institution__region_id=region_id, match__isnull=True).select_related(
        "staff"
    )
    slots = [
        rules.DemandSlot(d.pk, d.category, d.count - filled.get(d.pk, 0), d.is_remote or d.institution.is_remote)
        for d in demands
    ]
    candidates = [rules.Candidate(o.pk, o.staff.category, o.prefers_remote) for o in offers]
    created = [
        Match(demand_id=demand_id, offer_id=offer_id) for demand_id, offer_id in rules.suggest_pairs(slots, candidates)
    ]
    for m in created:
        _history_actor(m, actor)
        m.save()
    return created


@transaction.atomic
def set_match(*, demand: Demand, offer: Offer, actor=None) -> Match:
    """The commission edits a suggestion: pair this person with this demand instead."""
    if offer.year != demand.year:
        raise ApplicationError("需求与派遣人员须属于同一年度。")
    existing = Match.objects.filter(offer=offer).first()
    if existing is not None and existing.status == MatchStatus.CONFIRMED:
        raise ApplicationError(f"{offer.staff.name}已确认派驻，不能再调整。")
    match = existing or Match(offer=offer, demand=demand)
    match.demand = demand
    _history_actor(match, actor)
    match.save()
    return match


@transaction.atomic
def confirm_matches(*, region_id: int, year: int, start: dt.date, actor=None) -> list[Secondment]:
    """每年初将“县聘乡用”人员调配到位: every suggested match of the year becomes a secondment."""
    made = []
    matches = Match.objects.select_for_update().filter(
        demand__year=year, demand__institution__region_id=region_id, status=MatchStatus.SUGGESTED
    )
    for match in matches.select_related("demand__institution", "offer__staff__institution"):
        secondment = create_secondment(
            staff=match.offer.staff,
            receiving_unit=match.demand.institution,
            start=start,
            reason=match.offer.reason,
            tasks=match.demand.remarks,
            actor=actor,
        )
        match.status = MatchStatus.CONFIRMED
        match.secondment = secondment
        _history_actor(match, actor)
        match.save()
        made.append(secondment)
    return made


# --- End-of-service evaluation (seed 001 §四(三)2 and its annex) -----------------------------------


EVALUATION_FIELDS = (
    "patients_seen",
    "surgeries",
    "case_discussions",
    "juniors_mentored",
    "lectures",
    "new_techniques",
    "other_workload",
    "summary",
    "dispatching_opinion",
    "receiving_opinion",
    "commission_opinion",
    "result",
)


# Who writes which part of the form (seed 001 §四(三)2): the person's workload and summary and the
# receiving unit's opinion are the receiving unit's; the dispatching unit gives its opinion; the
# commission (接收单位主管部门) gives its opinion and the result (由区卫生健康委出具评价结果).
EVALUATION_PARTS: dict[str, frozenset[str]] = {
    AssessmentParty.RECEIVING: frozenset(
        {
            "patients_seen",
            "surgeries",
            "case_discussions",
            "juniors_mentored",
            "lectures",
            "new_techniques",
            "other_workload",
            "summary",
            "receiving_opinion",
        }
    ),
    AssessmentParty.DISPATCHING: frozenset({"dispatching_opinion"}),
    AssessmentParty.COMMISSION: frozenset({"commission_opinion", "result"}),
}


@transaction.atomic
def save_evaluation(*, secondment: Secondment, data: dict, party: str, actor=None) -> Evaluation:
    """服务期满评价表 (seed 001 §四(三)2): each party writes its own part (EVALUATION_PARTS); a
    change to another party's part is refused.  The result 合格/不合格 is the commission's and can
    be given only once the stint has ended (服务期满后)."""
    evaluation = Evaluation.objects.select_for_update().filter(secondment=secondment).first() or Evaluation(
        secondment=secondment
    )
    allowed = EVALUATION_PARTS.get(party, frozenset())
    foreign = [
        name
        for name in EVALUATION_FIELDS
        if name in data and name not in allowed and data[name] != getattr(evaluation, name)
    ]
    if foreign:
        labels = "、".join(str(Evaluation._meta.get_field(n).verbose_name) for n in foreign)
        raise ApplicationError(f"您不能填写：{labels}。", {n: ["不是您填写的部分。"] for n in foreign})
    for name in EVALUATION_FIELDS:
        if name in data and name in allowed:
            setattr(evaluation, name, data[name])
    if evaluation.result and secondment.status not in (SecondmentStatus.COMPLETED, SecondmentStatus.VOIDED):
        raise ApplicationError("服务期满后方可出具评价结果。", {"result": ["服务期尚未结束。"]})
    _full_clean(evaluation, exclude=["secondment"])
    _history_actor(evaluation, actor)
    evaluation.save()
    return evaluation


@transaction.atomic
def file_demand(
    *,
    institution: Institution,
    year: int,
    category: str,
    count: int,
    specialty: str = "",
    is_remote: bool = False,
    remarks: str = "",
    actor=None,
) -> Demand:
    """每年底，各基层医疗卫生机构向区卫生健康委上报“县聘乡用”人员需求 (seed 001 §四(一)2)."""
    if institution.kind not in GRASSROOTS_KINDS:
        raise ApplicationError("只有乡镇卫生院、社区卫生服务中心可以上报需求。")
    demand = Demand(
        institution=institution,
        year=year,
        category=category,
        count=count,
        specialty=specialty,
        is_remote=is_remote or institution.is_remote,
        remarks=remarks,
    )
    _full_clean(demand)
    _history_actor(demand, actor)
    demand.save()
    return demand


@transaction.atomic
def file_offer(
    *, staff: Staff, year: int, reason: str, prefers_remote: bool = True, remarks: str = "", actor=None
) -> Offer:
    """二级及以上医疗机构……向区卫生健康委上报派遣人员名单 (seed 001 §四(一)2): one line per person and year."""
    if staff.institution.kind in GRASSROOTS_KINDS:
        raise ApplicationError("派遣人员须来自县级医疗卫生机构。", {"staff": ["不是县级单位人员。"]})
    if reason == SecondmentReason.NEW_HIRE and not rules.is_physician(staff.category):
        raise ApplicationError("新入职下沉义务仅适用于执业医师类人员。", {"reason": ["人员不是执业医师类。"]})
    if Offer.objects.filter(year=year, staff=staff).exists():
        raise ApplicationError(f"{staff.name}已在{year}年度派遣名单中。", {"staff": ["已在名单中。"]})
    offer = Offer(
        institution=staff.institution,
        staff=staff,
        year=year,
        reason=reason,
        prefers_remote=prefers_remote,
        remarks=remarks,
    )
    _full_clean(offer)
    _history_actor(offer, actor)
    offer.save()
    return offer
