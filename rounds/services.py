"""Writes of an appointment round (seed 000 §四 聘任程序 and §四(三)3 聘期届满重新考核; seed 003 双自主).
Every step checks who takes it (`rounds.permissions`) and the rule it applies; views, API and
admin call these and nothing else.  The list publicity goes through `publicity.services`, the
one mechanism demotion cases use too; appointments through `appointments.services`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from appointments.choices import AppointmentKind, AppointmentStatus, TargetPer
from appointments.models import Appointment, DutyTargetTemplate
from appointments.services import (
    create_appointment,
    default_term_end,
    end_appointment,
    instantiate_duty_targets,
    term_total,
)
from assessments import rules as assessment_rules
from demotions.choices import BallotGroup, CaseKind, CaseState, FollowUp
from demotions.models import DemotionCase
from notifications import services as notification_services
from personnel.choices import Role, StaffStatus
from personnel.errors import ApplicationError
from personnel.models import PostGrade, PostQuota, Region, Staff, User
from personnel.scoping import visible_staff
from personnel.services import policy_for
from publicity import selectors as publicity_selectors
from publicity import services as publicity_services
from publicity.models import Publicity

from . import agreements, rules
from .choices import (
    PLACED_STATUSES,
    WITHDRAWABLE_STATUSES,
    ApplicationSource,
    ApplicationStatus,
    CandidateSource,
    EndingOutcome,
    ListStatus,
    RoundStatus,
)
from .models import (
    AGREEMENT_PLACEHOLDERS,
    Agreement,
    AgreementTemplate,
    Application,
    ApplicationBallot,
    ApplicationEvidence,
    AppointmentRound,
    EndingDecision,
    ProposedList,
    RoundCandidate,
)
from .permissions import require_step
from .selectors import completion_summary, term_completion, vacancies, visible_applications, visible_rounds


def _by(obj, actor) -> None:
    if getattr(actor, "pk", None):
        obj._history_user = actor


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def _notify_later(*, users, key: str, title: str, body: str = "", url: str = "") -> None:
    """站内通知 once the step is committed (a refused or rolled-back step tells nobody anything)."""
    recipients = tuple(users)
    if not recipients:
        return
    message = notification_services.Message(
        recipients=recipients, key=key, kind="round", title=title, body=body, url=url
    )
    transaction.on_commit(lambda: notification_services.notify_many([message]))


def _applicant_users(application: Application):
    return User.objects.filter(staff_id=application.staff_id, is_active=True)


def _hr_users(institution_id: int):
    return User.objects.filter(role=Role.HOSPITAL_HR, institution_id=institution_id, is_active=True)


def _applications_url(round_: AppointmentRound) -> str:
    return reverse("rounds:applications", args=[round_.pk])


def _rule(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except ValueError as error:
        raise ApplicationError(str(error)) from error


def _policy_value(policy, name: str):
    try:
        return getattr(policy, name)
    except KeyError as error:
        raise ApplicationError(f"{error.args[0]}请卫健委在政策参数中补充后再操作。") from error


def _in_reach(actor, round_: AppointmentRound) -> None:
    if not visible_rounds(actor).filter(pk=round_.pk).exists():
        raise ApplicationError("该聘任轮次不存在或不在您的管理范围内。")


def _application_in_reach(actor, application: Application) -> None:
    if not visible_applications(actor).filter(pk=application.pk).exists():
        raise ApplicationError("该申报不存在或不在您的管理范围内。")


def _locked_application(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("round__policy", "round__region", "staff", "institution", "post_grade")
        .get(pk=application.pk)
    )


def _open(round_: AppointmentRound) -> None:
    # Read the status from the database: a caller may hold the round from before it was closed.
    if not AppointmentRound.objects.filter(pk=round_.pk, status=RoundStatus.OPEN).exists():
        raise ApplicationError(f"{round_.name}已结束，不能再办理。")


# --- Opening a round ------------------------------------------------------------------------------


@transaction.atomic
def open_round(
    *,
    region: Region,
    year: int,
    opened_on: dt.date,
    ends_by: dt.date | None = None,
    term_start: dt.date | None = None,
    name: str = "",
    actor,
) -> AppointmentRound:
    """Seed 000 §四: 聘任工作每年年度考核通报下发后启动.  The commission opens one round per region
    and year; it gathers the appointments whose term ends on or before `ends_by` (default: the
    end of the previous year) and the demoted staff eligible for restoration (an executed demotion
    case marked 可提议恢复聘任 whose demoted appointment is still held).  New terms start on
    `term_start` (default: 1 January of the year), whose year's post quotas bind the round."""
    require_step(actor, "open_round")
    if getattr(actor, "institution", None) is not None and actor.institution.region_id != region.pk:
        raise ApplicationError("只能启动本地区的聘任轮次。")
    ends_by = ends_by or dt.date(year - 1, 12, 31)
    term_start = term_start or dt.date(year, 1, 1)
    if term_start.year != year:
        raise ApplicationError(
            f"新聘期开始日期应在{year}年内（岗位数按{year}年核定数计算）。", {"term_start": ["不在本年度内。"]}
        )
    if term_start <= ends_by:
        raise ApplicationError("新聘期开始日期应晚于聘期届满截止日。", {"term_start": ["应晚于届满截止日。"]})
    if AppointmentRound.objects.filter(region=region, year=year).exists():
        raise ApplicationError(f"{region.name}{year}年度聘任轮次已启动，不能重复启动。", {"year": ["已启动。"]})
    policy = policy_for(region, term_start)
    round_ = AppointmentRound(
        region=region,
        year=year,
        name=(name or "").strip() or f"{region.name}{year}年度专业技术岗位聘任",
        opened_on=opened_on,
        ends_by=ends_by,
        term_start=term_start,
        policy=policy,
        opened_by=_user(actor),
    )
    _by(round_, actor)
    try:
        with transaction.atomic():
            round_.save()
    except IntegrityError as error:
        raise ApplicationError(f"{region.name}{year}年度聘任轮次已启动，不能重复启动。") from error
    ensure_agreement_template(policy=policy)
    _gather_candidates(round_)
    return round_


def _gather_candidates(round_: AppointmentRound) -> None:
    candidates: dict[int, RoundCandidate] = {}
    restorable = (
        DemotionCase.objects.filter(
            kind=CaseKind.DEMOTION,
            state=CaseState.EXECUTED,
            follow_up=FollowUp.RESTORATION_ELIGIBLE,
            institution__region=round_.region,
            new_appointment__status=AppointmentStatus.ACTIVE,
        )
        .select_related("new_appointment", "appointment")
        .order_by("executed_on", "pk")
    )
    for case in restorable:
        candidates[case.staff_id] = RoundCandidate(
            round=round_,
            staff_id=case.staff_id,
            institution_id=case.new_appointment.institution_id,
            appointment=case.new_appointment,
            source=CandidateSource.RESTORATION,
            demotion_case=case,
            restore_grade_id=case.appointment.post_grade_id,
        )
    ending = Appointment.objects.filter(
        status=AppointmentStatus.ACTIVE, institution__region=round_.region, end__lte=round_.ends_by
    ).order_by("pk")
    for appointment in ending:
        candidates.setdefault(
            appointment.staff_id,
            RoundCandidate(
                round=round_,
                staff_id=appointment.staff_id,
                institution_id=appointment.institution_id,
                appointment=appointment,
                source=CandidateSource.TERM_ENDING,
            ),
        )
    RoundCandidate.objects.bulk_create(candidates.values())


def ensure_agreement_template(*, policy) -> AgreementTemplate:
    """A policy version's agreement template; the default text until the commission edits it."""
    template, _ = AgreementTemplate.objects.get_or_create(
        policy=policy,
        defaults={
            "title": agreements.DEFAULT_TITLE,
            "body": agreements.DEFAULT_BODY,
            "duties": agreements.DEFAULT_DUTIES,
        },
    )
    return template


# --- Applications ---------------------------------------------------------------------------------


def _title_check(*, round_: AppointmentRound, staff: Staff, post_grade: PostGrade) -> str | None:
    title = staff.current_title
    return _rule(
        rules.title_precondition_error,
        title_required=_policy_value(round_.policy, "round_title_required"),
        title_level=title.level if title else None,
        title_name=title.name if title else "",
        grade_level=post_grade.title_level,
        grade_name=post_grade.name,
    )


@transaction.atomic
def apply(
    *,
    round: AppointmentRound,  # noqa: A002 - the domain's word
    staff: Staff,
    post_grade: PostGrade,
    applied_on: dt.date,
    achievements: str = "",
    actor,
) -> Application:
    """申报: a person applies for a post grade at their institution (staff for themselves, HR or
    the commission for them).  The ending term's duty-target completion is attached as it stands;
    under a policy where the title is a precondition (round_title_required = 1) a grade above the
    title held is refused; the grade must have a quota in the round's year (it binds either way)."""
    round_ = round
    require_step(actor, "apply")
    _in_reach(actor, round_)
    _open(round_)
    if not visible_staff(actor).filter(pk=staff.pk).exists():
        raise ApplicationError("只能为本人或本单位人员申报。", {"staff": ["不在管理范围内。"]})
    if staff.status != StaffStatus.ON_DUTY:
        raise ApplicationError(f"{staff.name}当前状态为“{staff.get_status_display()}”，不能申报。")
    institution = staff.institution
    if not PostQuota.objects.filter(institution=institution, year=round_.year, post_grade=post_grade).exists():
        raise ApplicationError(
            f"{institution.name}{round_.year}年未核定{post_grade.name}岗位数，不能申报该等级。",
            {"post_grade": ["未核定该等级岗位数。"]},
        )
    reason = _title_check(round_=round_, staff=staff, post_grade=post_grade)
    if reason:
        raise ApplicationError(reason, {"post_grade": [reason]})
    candidate = RoundCandidate.objects.filter(round=round_, staff=staff).first()
    current = Appointment.objects.filter(staff=staff, status=AppointmentStatus.ACTIVE).first()
    if current is None and candidate is not None:
        current = candidate.appointment  # ended (期满) meanwhile by a same-year signing: still their term
    source = ApplicationSource.OTHER
    if candidate is not None:
        source = (
            ApplicationSource.RESTORATION
            if candidate.source == CandidateSource.RESTORATION
            else ApplicationSource.TERM_ENDING
        )
    application = Application(
        round=round_,
        staff=staff,
        institution=institution,
        post_grade=post_grade,
        current_appointment=current,
        source=source,
        applied_on=applied_on,
        achievements=(achievements or "").strip(),
        target_completion=term_completion(current, on=applied_on),
        created_by=_user(actor),
    )
    _by(application, actor)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as error:
        raise ApplicationError(
            f"{staff.name}在{round_.name}中已有申报，不能重复申报（可先撤回原申报）。", {"staff": ["已申报。"]}
        ) from error
    return application


def _checked_upload(file, kind: str, field: str):
    """uploads.validation's verdict on the file's content, as an ApplicationError naming the field."""
    from uploads.validation import UploadRejected, check_upload

    try:
        return check_upload(file, kind)
    except UploadRejected as error:
        raise ApplicationError(error.message, {field: [error.message]}) from error


def storage_name(checked) -> str:
    from uploads.validation import storage_name as random_name

    return random_name(checked)


@transaction.atomic
def add_evidence(*, application: Application, file, description: str = "", actor) -> ApplicationEvidence:
    """佐证材料: the applicant (or HR, the commission) attaches files until the comprehensive score
    is recorded; the qualification review checks them."""
    require_step(actor, "upload_evidence")
    _application_in_reach(actor, application)
    application = _locked_application(application)
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.QUALIFIED):
        raise ApplicationError(f"申报已处于“{application.get_status_display()}”，不能再上传佐证材料。")
    name = (getattr(file, "name", "") or "").strip()
    if not file or not name:
        raise ApplicationError("请选择要上传的文件。", {"file": ["必填。"]})
    checked = _checked_upload(file, "evidence", "file")
    file.name = storage_name(checked)  # stored under a random name; the uploader's is kept for display
    evidence = ApplicationEvidence(
        application=application,
        file=file,
        name=checked.display_name[:200],
        description=(description or "").strip()[:200],
        uploaded_by=_user(actor),
    )
    evidence.save()
    return evidence


@transaction.atomic
def withdraw(*, application: Application, actor, reason: str = "") -> Application:
    require_step(actor, "withdraw")
    _application_in_reach(actor, application)
    application = _locked_application(application)
    if application.status not in WITHDRAWABLE_STATUSES:
        raise ApplicationError(f"申报已处于“{application.get_status_display()}”，不能撤回。")
    application.status = ApplicationStatus.WITHDRAWN
    if reason:
        application.qualification_note = f"{application.qualification_note}\n撤回理由：{reason.strip()}".strip()
    _by(application, actor)
    application.save(update_fields=["status", "qualification_note", "updated_at"])
    return application


@transaction.atomic
def qualify(*, application: Application, qualified: bool, note: str = "", actor) -> Application:
    """资格审查 (seed 000 §四(二)1, by the institution's HR or the commission): qualified, or not
    with a note.  The title precondition is checked again (the title or the policy may have
    changed since the application)."""
    require_step(actor, "qualify")
    _application_in_reach(actor, application)
    application = _locked_application(application)
    _open(application.round)
    if application.status != ApplicationStatus.SUBMITTED:
        raise ApplicationError(f"申报已处于“{application.get_status_display()}”，不能再做资格审查。")
    note = (note or "").strip()
    if qualified:
        reason = _title_check(round_=application.round, staff=application.staff, post_grade=application.post_grade)
        if reason:
            raise ApplicationError(reason, {"qualified": [reason]})
        application.status = ApplicationStatus.QUALIFIED
    else:
        if not note:
            raise ApplicationError("资格审查不通过须填写理由。", {"note": ["必填。"]})
        application.status = ApplicationStatus.REJECTED
    application.qualification_note = note
    application.checked_by = _user(actor)
    application.checked_at = timezone.now()
    _by(application, actor)
    application.save(update_fields=["status", "qualification_note", "checked_by", "checked_at", "updated_at"])
    outcome = "通过" if qualified else "未通过"
    _notify_later(
        users=_applicant_users(application),
        key=f"round:{application.round_id}:application:{application.pk}:qualification",
        title=f"{application.round.name}：您的申报资格审查{outcome}",
        body=note,
        url=_applications_url(application.round),
    )
    return application


# --- 综合考核 ---------------------------------------------------------------------------------------


@transaction.atomic
def record_ballots(*, application: Application, ballots: list[tuple[str, object]], actor) -> int:
    """民主评议 (superiors, peers, subordinates, patients' representatives): anonymous ballots, a group
    and a score each; nothing names the voter.  Only before the comprehensive score is recorded."""
    require_step(actor, "record_ballots")
    _application_in_reach(actor, application)
    application = _locked_application(application)
    if application.status != ApplicationStatus.QUALIFIED:
        raise ApplicationError("只能为资格审查通过、尚未录入综合得分的申报录入民主评议票。")
    if not ballots:
        raise ApplicationError("请至少录入一张评议票。")
    rows = []
    for i, (group, score) in enumerate(ballots, start=1):
        if group not in BallotGroup.values:
            raise ApplicationError(f"第{i}张票的评议人类别不正确（应为上级、同级、下级或患者代表）。")
        try:
            value = Decimal(str(score))
        except ArithmeticError:
            value = Decimal(-1)
        if not value.is_finite() or value < 0 or value > 100:
            raise ApplicationError(f"第{i}张票的得分应在0到100分之间。")
        rows.append(ApplicationBallot(application=application, group=group, score=value))
    ApplicationBallot.objects.bulk_create(rows)
    return len(rows)


def ballot_tally(application: Application) -> list[dict]:
    """Per group: how many ballots and their mean — never a single ballot."""
    from django.db.models import Avg

    rows = (
        ApplicationBallot.objects.filter(application=application)
        .values("group")
        .annotate(n=Count("pk"), mean=Avg("score"))
        .order_by("group")
    )
    labels = dict(BallotGroup.choices)
    return [
        {"group": r["group"], "label": labels[r["group"]], "count": r["n"], "mean": round(Decimal(r["mean"]), 2)}
        for r in rows
    ]


@transaction.atomic
def score(
    *,
    application: Application,
    quantified_score,
    defence_score,
    quantified_weight,
    democratic_weight,
    defence_weight,
    actor,
) -> Application:
    """综合考核 (seed 000 §四(二)2): 量化评分 + 民主评议 (the mean of the ballots) + 现场答辩, weights
    summing to 1 with the quantified weight at least the policy's quantified_score_min_weight."""
    require_step(actor, "score")
    _application_in_reach(actor, application)
    application = _locked_application(application)
    if application.status not in (ApplicationStatus.QUALIFIED, ApplicationStatus.SCORED):
        raise ApplicationError(f"申报处于“{application.get_status_display()}”，不能录入综合考核得分。")
    if application.proposed_list_id and application.proposed_list.status != ListStatus.DRAFT:
        raise ApplicationError("名单已公示，不能再修改得分。")
    democratic = assessment_rules.ballot_mean(application.ballots.values_list("score", flat=True))
    if democratic is None:
        raise ApplicationError("尚未录入民主评议票，不能计算民主评议得分。")
    min_weight = _policy_value(application.round.policy, "quantified_score_min_weight")
    score = _rule(
        assessment_rules.comprehensive_score,
        quantified=quantified_score,
        quantified_weight=quantified_weight,
        democratic=democratic,
        democratic_weight=democratic_weight,
        defence=defence_score,
        defence_weight=defence_weight,
        min_quantified_weight=min_weight,
    )
    combined = score.combined
    application.quantified_score = score.quantified
    application.quantified_weight = score.quantified_weight
    application.democratic_score = score.democratic
    application.democratic_weight = score.democratic_weight
    application.defence_score = score.defence
    application.defence_weight = score.defence_weight
    application.combined_score = combined
    application.scored_by = _user(actor)
    application.status = ApplicationStatus.SCORED
    _by(application, actor)
    application.save()
    return application


# --- Ranking and the proposed list ----------------------------------------------------------------


def _contender(application: Application) -> rules.Contender:
    title = application.staff.current_title
    return rules.Contender(
        id=application.pk,
        name=application.staff.name,
        combined_score=application.combined_score,
        quantified_score=application.quantified_score,
        democratic_score=application.democratic_score,
        defence_score=application.defence_score,
        title_since=title.obtained_on if title else None,
        work_since=application.staff.first_employment_date,
    )


@transaction.atomic
def propose(*, round: AppointmentRound, institution, on: dt.date, actor) -> ProposedList:  # noqa: A002
    """会议研究 → 拟聘任名单: the scored candidates of each grade of the institution are ranked by the
    policy's tie-break order (round_tie_break) and at most the grade's vacancies are proposed; a tie
    the rule cannot break at the cut-off proposes none of the tied.  May be re-run while the list
    has not been publicised; every qualified application must be scored first."""
    round_ = round
    require_step(actor, "propose")
    _in_reach(actor, round_)
    _open(round_)
    criteria = _rule(rules.parse_tie_break, _policy_value(round_.policy, "round_tie_break"))
    existing = ProposedList.objects.select_for_update().filter(round=round_, institution=institution).first()
    if existing is not None and existing.status != ListStatus.DRAFT:
        raise ApplicationError(f"{institution.name}的拟聘任名单已{existing.get_status_display()}，不能重新排名。")
    # Lock the quotas of the institution so two proposals cannot both take the last place.
    list(PostQuota.objects.select_for_update().filter(institution=institution, year=round_.year))
    live = Application.objects.filter(round=round_, institution=institution).exclude(
        status__in=[ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED]
    )
    pending = live.filter(status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.QUALIFIED]).select_related("staff")
    if pending:
        names = "、".join(a.staff.name for a in pending)
        raise ApplicationError(f"以下申报尚未完成资格审查或综合考核，不能排名：{names}。")
    if live.filter(status__in=[ApplicationStatus.APPROVED, ApplicationStatus.SIGNED]).exists():
        raise ApplicationError(f"{institution.name}已有审批通过的聘任，不能重新排名。")
    ranked = list(
        live.filter(status__in=[ApplicationStatus.SCORED, ApplicationStatus.PROPOSED, ApplicationStatus.NOT_PROPOSED])
        .select_related("staff")
        .prefetch_related("staff__titles")
        .order_by("post_grade_id", "pk")
    )
    if not ranked:
        raise ApplicationError(f"{institution.name}在本轮没有完成综合考核的申报，无法拟定名单。")
    if existing is None:
        existing = ProposedList(round=round_, institution=institution, proposed_on=on, proposed_by=_user(actor))
    existing.proposed_on = on
    existing.proposed_by = _user(actor)
    _by(existing, actor)
    existing.save()

    # Vacancies before this proposal: none of the institution's applications holds a place now.
    by_grade_vacancy = {v.post_grade_id: v.vacancies for v in vacancies(round_, institution_id=institution.pk)}
    grades = sorted({a.post_grade_id for a in ranked})
    for grade in grades:
        group = [a for a in ranked if a.post_grade_id == grade]
        places = by_grade_vacancy.get(grade, 0)
        placings = {
            p.id: p for p in rules.rank_contenders([_contender(a) for a in group], criteria=criteria, places=places)
        }
        if sum(p.proposed for p in placings.values()) > places:  # the rule guarantees it; the quota is law
            raise ApplicationError("拟聘人数超出岗位空缺数，名单未保存。")
        for a in group:
            p = placings[a.pk]
            a.rank = p.rank
            a.rank_note = p.note[:200]
            a.status = ApplicationStatus.PROPOSED if p.proposed else ApplicationStatus.NOT_PROPOSED
            a.proposed_list = existing if p.proposed else None
            _by(a, actor)
            a.save(update_fields=["rank", "rank_note", "status", "proposed_list", "updated_at"])
    _assert_within_quota(round_, institution_id=institution.pk)
    return existing


def _assert_within_quota(round_: AppointmentRound, *, institution_id: int) -> None:
    """The round never places more people than the vacancies of any grade."""
    for v in vacancies(round_, institution_id=institution_id):
        if v.placed > v.vacancies:
            raise ApplicationError(
                f"{v.institution_name}{v.post_grade_name}空缺{v.vacancies}个，本轮已拟聘{v.placed}人，超出岗位数。"
            )
    unquoted = (
        Application.objects.filter(round=round_, institution_id=institution_id, status__in=PLACED_STATUSES)
        .exclude(
            post_grade_id__in=PostQuota.objects.filter(institution_id=institution_id, year=round_.year).values(
                "post_grade_id"
            )
        )
        .exists()
    )
    if unquoted:
        raise ApplicationError("拟聘岗位等级未核定岗位数，不能拟聘。")


def list_members(proposed_list: ProposedList):
    return (
        proposed_list.applications.filter(status__in=PLACED_STATUSES)
        .select_related("staff", "post_grade")
        .order_by("post_grade_id", "rank", "pk")
    )


def publicity_body(proposed_list: ProposedList) -> str:
    """The list as publicised: each person, grade, score and rank, and their target completion
    (seed 000 §四(三)1: 同步公示高职称人员任务完成情况)."""
    lines = [f"经个人申报、资格审查、综合考核和会议研究，{proposed_list.institution.name}拟聘任以下人员："]
    for i, a in enumerate(list_members(proposed_list), start=1):
        lines.append(
            f"{i}. {a.staff.name}，拟聘{a.post_grade.name}，综合得分{a.combined_score}，排名第{a.rank}；"
            f"上一聘期{completion_summary(a.target_completion)}。"
        )
    lines.append("如有异议，请在公示期内向卫健委反映。")
    return "\n".join(lines)


@transaction.atomic
def start_list_publicity(*, proposed_list: ProposedList, starts_on: dt.date, actor) -> Publicity:
    """公示 of the proposed list, through publicity.services.open_publicity (the same step demotion
    cases take): the policy's working days, objections answered before it ends."""
    require_step(actor, "start_publicity")
    proposed_list = (
        ProposedList.objects.select_for_update()
        .select_related("round__policy", "round__region", "institution")
        .get(pk=proposed_list.pk)
    )
    _in_reach(actor, proposed_list.round)
    if proposed_list.status != ListStatus.DRAFT:
        raise ApplicationError(f"名单已{proposed_list.get_status_display()}，不能再发起公示。")
    if not list_members(proposed_list).exists():
        raise ApplicationError("名单上没有拟聘任人员，无需公示。")
    round_ = proposed_list.round
    publicity = publicity_services.open_publicity(
        subject=proposed_list,
        region=round_.region,
        title=f"{round_.name}：{proposed_list.institution.name}拟聘任人员名单公示",
        body=publicity_body(proposed_list),
        starts_on=starts_on,
        working_days=_policy_value(round_.policy, "publicity_working_days"),
        policy=round_.policy,
        actor=actor,
    )
    proposed_list.status = ListStatus.IN_PUBLICITY
    _by(proposed_list, actor)
    proposed_list.save(update_fields=["status"])
    _notify_later(
        users=_hr_users(proposed_list.institution_id),
        key=f"round:{round_.pk}:list:{proposed_list.pk}:publicity:{publicity.pk}",
        title=f"{proposed_list.institution.name}拟聘任名单公示中（至{publicity.ends_on:%Y-%m-%d}）",
        body=publicity.body,
        url=reverse("rounds:board", args=[round_.pk]),
    )
    return publicity


def running_publicity(proposed_list: ProposedList) -> Publicity | None:
    return publicity_selectors.running_for_subject(proposed_list)


@transaction.atomic
def end_list_publicity(*, proposed_list: ProposedList, on: dt.date, actor) -> ProposedList:
    require_step(actor, "end_publicity")
    proposed_list = ProposedList.objects.select_for_update().get(pk=proposed_list.pk)
    _in_reach(actor, proposed_list.round)
    if proposed_list.status != ListStatus.IN_PUBLICITY:
        raise ApplicationError(f"名单当前为“{proposed_list.get_status_display()}”，没有进行中的公示。")
    publicity = running_publicity(proposed_list)
    if publicity is None:
        raise ApplicationError("没有找到进行中的公示。")
    publicity_services.end_publicity(publicity=publicity, on=on, actor=actor)
    proposed_list.status = ListStatus.PUBLICISED
    _by(proposed_list, actor)
    proposed_list.save(update_fields=["status"])
    return proposed_list


@transaction.atomic
def approve_list(
    *, proposed_list: ProposedList, approved_on: dt.date, document: str = "", note: str = "", actor
) -> ProposedList:
    """卫健委审批 after a publicity without unanswered objections: the proposed become approved."""
    require_step(actor, "approve")
    seen = proposed_list.status
    proposed_list = ProposedList.objects.select_for_update().get(pk=proposed_list.pk)
    _in_reach(actor, proposed_list.round)
    if proposed_list.status != ListStatus.PUBLICISED:
        if seen == ListStatus.PUBLICISED:  # two approvers at once: the other one's approval stands
            raise ApplicationError(
                f"此名单已被他人处理：现为“{proposed_list.get_status_display()}”，您的审批未保存。请刷新页面查看。"
            )
        raise ApplicationError("名单须公示结束后方可审批。")
    _assert_within_quota(proposed_list.round, institution_id=proposed_list.institution_id)
    proposed_list.status = ListStatus.APPROVED
    proposed_list.approved_on = approved_on
    proposed_list.approved_by = _user(actor)
    proposed_list.approval_document = (document or "").strip()
    proposed_list.approval_note = (note or "").strip()
    _by(proposed_list, actor)
    proposed_list.save()
    approved = list(list_members(proposed_list).filter(status=ApplicationStatus.PROPOSED))
    for a in approved:
        a.status = ApplicationStatus.APPROVED
        _by(a, actor)
        a.save(update_fields=["status", "updated_at"])
        _notify_later(
            users=_applicant_users(a),
            key=f"round:{a.round_id}:application:{a.pk}:approved",
            title=f"您拟聘{a.post_grade.name}已获卫健委审批，请与单位签订聘任协议",
            url=_applications_url(proposed_list.round),
        )
    _notify_later(
        users=_hr_users(proposed_list.institution_id),
        key=f"round:{proposed_list.round_id}:list:{proposed_list.pk}:approved",
        title=f"拟聘任名单已获审批（{len(approved)}人），请生成并签订聘任协议",
        url=_applications_url(proposed_list.round),
    )
    return proposed_list


# --- Agreements -----------------------------------------------------------------------------------

PER_LABELS = {TargetPer.TERM: "每聘期", TargetPer.YEAR: "每年", TargetPer.MONTH: "每月", TargetPer.WEEK: "每周"}


def new_term_targets(*, policy, post_grade: PostGrade, category: str, start: dt.date, end: dt.date) -> list[dict]:
    """The duty targets the new appointment will get (what instantiate_duty_targets will create),
    for the agreement text: same templates, same term totals."""
    rows = []
    for template in DutyTargetTemplate.objects.filter(policy=policy, title_level=post_grade.title_level):
        if template.categories and category not in template.categories:
            continue
        try:
            quantity = Decimal(str(template.quantity_per_unit(policy)))
        except KeyError as error:
            raise ApplicationError(f"{error.args[0]}无法生成必尽任务。") from error
        total = term_total(per=template.per, quantity=quantity, start=start, end=end)
        rows.append(
            {
                "code": template.code,
                "name": template.name,
                "per_label": PER_LABELS.get(template.per, ""),
                "quantity": f"{quantity.normalize():f}",
                "target_total": f"{total.normalize():f}",
                "alternative_group": template.alternative_group,
            }
        )
    return rows


def _masked_id(id_number: str) -> str:
    return ("*" * (len(id_number) - 4) + id_number[-4:]) if id_number else ""


@transaction.atomic
def generate_agreement(*, application: Application, actor) -> Agreement:
    """聘任协议 from the policy's template: term (the policy's appointment_term_years from the round's
    new term start), post grade, duties, pay grade (pay follows the post) and the new term's duty
    targets.  Regenerating replaces an unsigned agreement's text."""
    require_step(actor, "generate_agreement")
    _application_in_reach(actor, application)
    application = _locked_application(application)
    if application.status != ApplicationStatus.APPROVED:
        raise ApplicationError(f"申报处于“{application.get_status_display()}”，须经卫健委审批后方可生成聘任协议。")
    round_ = application.round
    start = round_.term_start
    policy = policy_for(application.institution.region, start)
    term_years = _policy_value(policy, "appointment_term_years")
    end = default_term_end(start=start, term_years=term_years)
    template = ensure_agreement_template(policy=policy)
    targets = new_term_targets(
        policy=policy, post_grade=application.post_grade, category=application.staff.category, start=start, end=end
    )
    number = f"{round_.year}-{application.institution.code}-{application.pk:05d}"
    title = application.staff.current_title
    values = {
        "number": number,
        "institution": application.institution.name,
        "staff_name": application.staff.name,
        "id_number": _masked_id(application.staff.id_number),
        "title": title.name if title else "无",
        "post_grade": application.post_grade.name,
        "pay_grade": application.post_grade.name,
        "term_start": f"{start:%Y年%m月%d日}",
        "term_end": f"{end:%Y年%m月%d日}",
        "term_years": str(term_years),
        "duties": template.duties or agreements.DEFAULT_DUTIES,
        "targets": agreements.targets_text(targets),
        "policy": policy.name,
    }
    assert set(values) == set(AGREEMENT_PLACEHOLDERS)  # noqa: S101 - the template's documented names
    text = _rule(rules.render_agreement, template.body, values)
    agreement = Agreement.objects.filter(application=application).first()
    if agreement is not None and agreement.is_signed:
        raise ApplicationError("聘任协议已签订，不能重新生成。")
    agreement = agreement or Agreement(application=application)
    agreement.number = number
    agreement.title = template.title
    agreement.text = text
    agreement.template = template
    agreement.post_grade = application.post_grade
    agreement.pay_grade = application.post_grade
    agreement.term_start = start
    agreement.term_end = end
    agreement.targets = targets
    agreement.generated_by = _user(actor)
    _by(agreement, actor)
    agreement.save()
    return agreement


@transaction.atomic
def sign_agreement(*, agreement: Agreement, signed_on: dt.date, signed_file, actor) -> Agreement:
    """签订聘任协议, all or nothing: the old appointment ends (on its own end date, or the day before
    the new term when it would run on), the new one is created under the quota
    (appointments.services.create_appointment), the new term's duty targets are instantiated, and
    the signed scan is recorded with who uploaded it.  Any refusal leaves everything as it was."""
    require_step(actor, "sign_agreement")
    agreement = Agreement.objects.select_for_update().select_related("application").get(pk=agreement.pk)
    application = _locked_application(agreement.application)
    _application_in_reach(actor, application)
    if agreement.is_signed:
        raise ApplicationError("该聘任协议已登记签订。")
    if application.status != ApplicationStatus.APPROVED:
        raise ApplicationError(f"申报处于“{application.get_status_display()}”，不能签订聘任协议。")
    if signed_on is None:
        raise ApplicationError("请填写签订日期。", {"signed_on": ["必填。"]})
    if not signed_file:
        raise ApplicationError("请上传双方签字的协议扫描件。", {"signed_file": ["必填。"]})
    checked_scan = _checked_upload(signed_file, "signed_agreement", "signed_file")
    if application.staff.status != StaffStatus.ON_DUTY:
        raise ApplicationError(f"{application.staff.name}已不在岗，不能签订聘任协议。")

    day_before = agreement.term_start - dt.timedelta(days=1)
    current = (
        Appointment.objects.select_for_update().filter(staff=application.staff, status=AppointmentStatus.ACTIVE).first()
    )
    if current is not None:
        if current.start > day_before:
            raise ApplicationError(
                f"{application.staff.name}的现聘任自{current.start:%Y-%m-%d}开始，晚于新聘期开始日期，请先核对。"
            )
        runs_on = current.end > day_before
        end_appointment(appointment=current, on=min(current.end, day_before), terminated=runs_on, actor=actor)
    _end_expired_in_the_new_year(agreement=agreement, application=application, actor=actor)
    kind = AppointmentKind.RESTORED if application.source == ApplicationSource.RESTORATION else AppointmentKind.NORMAL
    new = create_appointment(
        staff=application.staff,
        post_grade=agreement.post_grade,
        start=agreement.term_start,
        end=agreement.term_end,
        kind=kind,
        institution=application.institution,
        agreement_text=agreement.text,
        actor=actor,
    )
    instantiate_duty_targets(appointment=new, actor=actor)  # idempotent: create_appointment did it already

    agreement.signed_on = signed_on
    agreement.uploaded_by = _user(actor)
    agreement.uploaded_at = timezone.now()
    agreement.new_appointment = new
    signed_file.name = storage_name(checked_scan)
    agreement.signed_file = signed_file
    _by(agreement, actor)
    try:
        agreement.save()  # the scan is written to storage here, last, so a refusal above stores nothing
        application.status = ApplicationStatus.SIGNED
        _by(application, actor)
        application.save(update_fields=["status", "updated_at"])
    except Exception:
        if agreement.signed_file.name:
            agreement.signed_file.storage.delete(agreement.signed_file.name)
        raise
    _notify_later(
        users=_applicant_users(application),
        key=f"round:{application.round_id}:application:{application.pk}:signed",
        title=f"您的聘任协议已登记签订：{agreement.post_grade.name}，聘期{agreement.term_start:%Y-%m-%d}至{agreement.term_end:%Y-%m-%d}",
        url=_applications_url(application.round),
    )
    return agreement


def _end_expired_in_the_new_year(*, agreement: Agreement, application: Application, actor) -> None:
    """A round whose cut-off falls in the year of its new terms (terms ending 2028-06-30, new ones
    from 2028-07-01): the vacancies do not count the posts of the terms the round gathered, but the
    quota check of create_appointment counts every active appointment touching the year.  So the
    gathered appointments of the same institution and grade that have expired by the new term's
    start are ended first (期满, on their own end date, as signing ends the signer's own), and the
    two counts agree.  Their holders stay in the round until signed or decided."""
    expired = (
        Appointment.objects.select_for_update(of=("self",))
        .filter(
            status=AppointmentStatus.ACTIVE,
            institution_id=application.institution_id,
            post_grade_id=agreement.post_grade_id,
            end__lt=agreement.term_start,
            end__year=agreement.term_start.year,
            round_candidacies__round_id=application.round_id,
        )
        .exclude(kind=AppointmentKind.SPECIAL)
        .exclude(staff_id=application.staff_id)
        .order_by("pk")
    )
    for appointment in expired:
        end_appointment(appointment=appointment, on=appointment.end, terminated=False, actor=actor)


# --- Closing the round ----------------------------------------------------------------------------


@transaction.atomic
def close_round(*, round: AppointmentRound, actor) -> AppointmentRound:  # noqa: A002
    """The commission closes a round only when everyone it gathered is either signed or has an
    ending decision, and no approved appointment is left unsigned: nobody silently falls out."""
    round_ = AppointmentRound.objects.select_for_update().get(pk=round.pk)
    require_step(actor, "close_round")
    _in_reach(actor, round_)
    _open(round_)
    from .selectors import undecided_candidates

    unsigned = Application.objects.filter(round=round_, status=ApplicationStatus.APPROVED).select_related("staff")
    if unsigned:
        names = "、".join(a.staff.name for a in unsigned[:20])
        raise ApplicationError(f"以下人员已审批但尚未签订聘任协议，不能结束本轮：{names}。")
    undecided = list(undecided_candidates(round_).order_by("institution_id", "pk")[:20])
    if undecided:
        names = "、".join(f"{c.staff.name}（{c.institution.name}）" for c in undecided)
        raise ApplicationError(f"以下人员既未签订新聘任协议，也未登记期满处理，不能结束本轮：{names}。")
    round_.status = RoundStatus.CLOSED
    _by(round_, actor)
    round_.save(update_fields=["status"])
    return round_


# --- People whose term ends without re-appointment ------------------------------------------------


@transaction.atomic
def record_ending_decision(
    *,
    candidate: RoundCandidate,
    outcome: str,
    note: str,
    decided_on: dt.date,
    post_grade: PostGrade | None = None,
    actor,
) -> EndingDecision:
    """期满未续聘: lower post (with the grade), special post or other, always with a note; only for
    someone gathered by the round who holds no place in it."""
    require_step(actor, "decide_ending")
    _in_reach(actor, candidate.round)
    from .selectors import visible_candidates

    if not visible_candidates(actor).filter(pk=candidate.pk).exists():
        raise ApplicationError("该人员不在您的管理范围内。")
    if outcome not in EndingOutcome.values:
        raise ApplicationError("处理结果应为低聘岗位、特设岗位或其他。", {"outcome": ["不正确。"]})
    note = (note or "").strip()
    if not note:
        raise ApplicationError("请填写处理说明。", {"note": ["必填。"]})
    placed = Application.objects.filter(
        round=candidate.round, staff=candidate.staff, status__in=PLACED_STATUSES
    ).first()
    if placed is not None:
        raise ApplicationError(f"{candidate.staff.name}在本轮已{placed.get_status_display()}，无需登记期满未续聘处理。")
    if outcome == EndingOutcome.LOWER_POST:
        current_grade = candidate.appointment.post_grade_id
        if post_grade is None or post_grade.grade <= current_grade:
            raise ApplicationError(
                f"低聘须选择低于原岗位（{candidate.appointment.post_grade.name}）的岗位等级。",
                {"post_grade": ["须低于原岗位。"]},
            )
    if EndingDecision.objects.filter(candidate=candidate).exists():
        raise ApplicationError(f"{candidate.staff.name}已登记处理结果。")
    decision = EndingDecision(
        round=candidate.round,
        candidate=candidate,
        outcome=outcome,
        post_grade=post_grade if outcome == EndingOutcome.LOWER_POST else None,
        note=note,
        decided_on=decided_on,
        decided_by=_user(actor),
    )
    _by(decision, actor)
    decision.save()
    return decision
