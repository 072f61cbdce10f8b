"""The steps of a demotion case (高职低聘, seed 000 §五) and of its shorter restoration.

Every step: one transaction, the case row locked, the state and the actor's right to take the step
checked (django-fsm's transition permission = `demotions.permissions.can_act`), the inputs
validated before anything is written, then the transition (logged by django-fsm-log with who and a
short description) and the step's fields saved.  A refusal is an ApplicationError in Chinese and
writes nothing (StepNotPermitted, a subclass, when the actor's role may not take the step).
Opening a case is the sweep's (`demotions.sweep`).

Each step works on a freshly locked copy of the case and returns it; the instance passed in is
left as it was (the FSM state field is protected, so read the case again rather than
`refresh_from_db()`).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Avg, Count
from django.utils import timezone
from django_fsm import has_transition_perm

from appointments.choices import AppointmentKind, AppointmentStatus
from appointments.models import SENIOR_TITLE_LEVELS, Appointment
from appointments.services import create_appointment, end_appointment, instantiate_duty_targets
from assessments.choices import Grade, SchemeKind
from assessments.rules import ComprehensiveInputError, comprehensive_score, grade_for
from assessments.selectors import scheme_in_force, scheme_rules
from personnel.errors import ApplicationError
from personnel.models import PostGrade, Staff
from personnel.scoping import can_change, visible_staff
from publicity import services as publicity_services
from publicity.models import Objection, Publicity
from publicity.selectors import running_for_subject

from .choices import OPEN_STATES, BallotGroup, CaseKind, CaseState, EventKind
from .models import CaseEvidence, ConductEvent, DemocraticBallot, DemotionCase
from .permissions import can_act
from .restoration import completion_summary, target_completion

TWO_PLACES = Decimal("0.01")

STEP_VERBS = {
    "propose": "提议",
    "review": "进行资格审查",
    "assess": "录入综合考核结果",
    "decide": "录入党委会议决定",
    "start_publicity": "发起公示",
    "end_publicity": "结束公示",
    "approve": "审批",
    "execute": "执行",
    "dismiss": "终止",
}


class StepNotPermitted(ApplicationError):
    """The actor's role may not take this step on this case (the API answers 403)."""

    def __init__(self, message: str = "您无权办理此环节。", extra=None) -> None:
        super().__init__(message, extra)


# --- Shared checks --------------------------------------------------------------------------


class StepTakenByOther(ApplicationError):
    """Two people took the same step at once: the second finds it taken (pages and API show the message)."""


def _lock(case: DemotionCase) -> DemotionCase:
    """The case row locked until the step's transaction ends; a concurrent step on the same case
    waits here.  The state the caller saw is kept, so the loser of a race is told that someone
    else took the step (rather than that the case is in the wrong state)."""
    locked = DemotionCase.objects.select_for_update().get(pk=case.pk)
    locked._seen_state = case.state
    return locked


def _taken_by_other(case: DemotionCase, step: str) -> StepTakenByOther | None:
    """The caller saw the case in a state the step leaves from, but since then another user moved it."""
    seen = getattr(case, "_seen_state", None)
    method = getattr(case, step, None)
    meta = getattr(method, "_django_fsm", None)
    if seen is None or seen == case.state or meta is None or not meta.has_transition(seen):
        return None
    return StepTakenByOther(
        f"此环节已被他人处理：案件已处于“{case.get_state_display()}”环节，"
        f"您的“{STEP_VERBS.get(step, step)}”未保存。请刷新页面查看最新情况。"
    )


def _by(obj, actor) -> None:
    if getattr(actor, "pk", None):
        obj._history_user = actor


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _wrong_state(case: DemotionCase, step: str) -> ApplicationError:
    verb = STEP_VERBS.get(step, step)
    if case.kind == CaseKind.RESTORATION and step in ("assess", "decide"):
        return ApplicationError("恢复聘任案件不经综合考核和党委会议，资格审查通过后直接公示。")
    return ApplicationError(f"案件当前处于“{case.get_state_display()}”环节，不能{verb}。")


def _check_transition(case: DemotionCase, step: str, actor) -> None:
    """The actor may take the step on this case (role, reach — checked first, so nobody learns
    the state of a case they may not act on), the case is in a state the step leaves from (and its
    conditions hold), and the FSM's transition permission agrees."""
    if not can_act(actor, case, step):
        raise StepNotPermitted()
    method = getattr(case, step)
    meta = method._django_fsm
    if not (meta.has_transition(case.state) and meta.conditions_met(case, case.state)):
        raise _taken_by_other(case, step) or _wrong_state(case, step)
    if not has_transition_perm(method, actor):
        raise StepNotPermitted()


def _check_action(case: DemotionCase, step: str, actor, *, states: tuple[str, ...], verb: str) -> None:
    if not can_act(actor, case, step):
        raise StepNotPermitted()
    if case.state not in states:
        raise ApplicationError(f"案件当前处于“{case.get_state_display()}”环节，不能{verb}。")


def _take(case: DemotionCase, step: str, actor, description: str) -> None:
    getattr(case, step)(by=actor if getattr(actor, "pk", None) else None, description=description[:255])
    case.state_changed_at = timezone.now()
    case.step_due = None


def _save(case: DemotionCase, actor) -> DemotionCase:
    _by(case, actor)
    case.save()
    return case


def _decimal(value, label: str, *, low: Decimal, high: Decimal, places: Decimal = TWO_PLACES) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ApplicationError(f"请填写{label}。", {label: ["必填。"]})
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ApplicationError(f"{label}应为数字。", {label: ["应为数字。"]}) from None
    if not number.is_finite() or number < low or number > high:
        raise ApplicationError(
            f"{label}应在{low.normalize():f}到{high.normalize():f}之间。",
            {label: [f"应在{low.normalize():f}到{high.normalize():f}之间。"]},
        )
    return number.quantize(places, rounding=ROUND_HALF_UP)


def _today() -> dt.date:
    return timezone.localdate()


# --- Evidence -------------------------------------------------------------------------------


def _validate_files(files) -> list:
    """Each file checked by its content (uploads.validation: type by magic bytes, size, zip and XML
    bombs, macros, encryption); the first problem is the message, all of them are listed."""
    from uploads.validation import UploadRejected, check_upload

    files = list(files or [])
    problems = []
    for f in files:
        if not isinstance(f, UploadedFile):
            problems.append("上传的材料不是文件。")
            continue
        try:
            f.checked_upload = check_upload(f, "evidence")
        except UploadRejected as error:
            problems.append(error.message)
    if problems:
        raise ApplicationError(problems[0], {"files": problems})
    return files


def _store_files(case: DemotionCase, files: list, actor, description: str) -> list[CaseEvidence]:
    from uploads.validation import storage_name

    stored = []
    for f in files:
        evidence = CaseEvidence(
            case=case,
            step=case.state,
            name=f.checked_upload.display_name[:200],
            description=_text(description)[:200],
            uploaded_by=actor if getattr(actor, "pk", None) else None,
        )
        evidence.file.save(storage_name(f.checked_upload), f, save=False)  # a random name, never the uploader's
        evidence.save()
        stored.append(evidence)
    return stored


@transaction.atomic
def add_evidence(*, case: DemotionCase, actor, files, description: str = "") -> list[CaseEvidence]:
    """Upload evidence files to an open case (PDF/JPG/PNG/DOCX/XLSX, at most 20 MB each)."""
    case = _lock(case)
    _check_action(case, "upload_evidence", actor, states=OPEN_STATES, verb="上传材料")
    files = _validate_files(files)
    if not files:
        raise ApplicationError("请选择要上传的材料文件。", {"files": ["必填。"]})
    return _store_files(case, files, actor, description)


# --- Proposal and qualification review ------------------------------------------------------


@transaction.atomic
def propose_case(*, case: DemotionCase, actor, reasons: str, files=()) -> DemotionCase:
    """党支部提议: reasons, and for a demotion at least one evidence file (passed here or uploaded
    before)."""
    case = _lock(case)
    _check_transition(case, "propose", actor)
    reasons = _text(reasons)
    files = _validate_files(files)
    if not reasons:
        raise ApplicationError("请填写提议理由。", {"reasons": ["必填。"]})
    if case.kind == CaseKind.DEMOTION and not files and not case.evidence.exists():
        raise ApplicationError("高职低聘提议须附至少一份证明材料，请上传后再提议。", {"files": ["至少一份。"]})
    _store_files(case, files, actor, "提议材料")
    case.proposal_reasons = reasons
    _take(case, "propose", actor, f"提议：{reasons[:100]}")
    return _save(case, actor)


@transaction.atomic
def review_case(*, case: DemotionCase, actor, passed: bool, opinion: str) -> DemotionCase:
    """资格审查 (材料真实性、合规性): passed → on to the assessment (a restoration: to publicity);
    not passed → the case ends, the opinion being the reason."""
    case = _lock(case)
    _check_transition(case, "review", actor)
    opinion = _text(opinion)
    if not opinion:
        raise ApplicationError("请填写资格审查意见。", {"opinion": ["必填。"]})
    case.review_opinion = opinion
    if passed:
        _take(case, "review", actor, f"资格审查通过：{opinion[:100]}")
    else:
        _check_transition(case, "dismiss", actor)
        case.dismissed_reason = f"资格审查未通过：{opinion}"
        _take(case, "dismiss", actor, f"资格审查未通过：{opinion[:100]}")
    return _save(case, actor)


# --- Comprehensive assessment ---------------------------------------------------------------


def _group_value(group) -> str:
    text = _text(group)
    if text in BallotGroup.values:
        return text
    by_label = {label: value for value, label in BallotGroup.choices}
    return by_label.get(text, "")


def ballot_tally(case: DemotionCase) -> list[dict]:
    """民主测评 per group: how many ballots and their average — never a single ballot.  One query."""
    rows = {
        r["group"]: r
        for r in DemocraticBallot.objects.filter(case=case)
        .order_by()
        .values("group")
        .annotate(count=Count("pk"), average=Avg("score"))
    }
    tally = []
    for value, label in BallotGroup.choices:
        row = rows.get(value)
        average = row["average"] if row else None
        tally.append(
            {
                "group": value,
                "label": label,
                "count": row["count"] if row else 0,
                "average": None if average is None else Decimal(average).quantize(TWO_PLACES, rounding=ROUND_HALF_UP),
            }
        )
    return tally


def _overall(tally: list[dict]) -> tuple[int, Decimal | None]:
    count = sum(t["count"] for t in tally)
    if not count:
        return 0, None
    total = sum((t["average"] * t["count"] for t in tally if t["count"]), Decimal(0))
    return count, (total / count).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def democratic_average(case: DemotionCase) -> Decimal | None:
    average = DemocraticBallot.objects.filter(case=case).aggregate(a=Avg("score"))["a"]
    return None if average is None else Decimal(average).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


@transaction.atomic
def record_ballots(*, case: DemotionCase, actor, ballots: dict[str, list]) -> dict:
    """民主测评 (上级、同级、下级、患者代表): the scores per group, replacing what was recorded.
    Ballots carry no voter and are stored in shuffled order, so not even the row order follows
    the order they were cast in."""
    case = _lock(case)
    _check_action(case, "record_ballots", actor, states=(CaseState.REVIEWED,), verb="录入民主测评")
    if case.kind != CaseKind.DEMOTION:
        raise ApplicationError("恢复聘任案件不进行民主测评。")
    if not isinstance(ballots, dict) or not ballots:
        raise ApplicationError("请按测评人类别录入民主测评得分。", {"ballots": ["必填。"]})
    rows = []
    problems = []
    for group, scores in ballots.items():
        value = _group_value(group)
        if not value:
            problems.append(f"测评人类别“{group}”不正确，应为上级、同级、下级或患者代表。")
            continue
        if not isinstance(scores, list | tuple):
            problems.append(f"{BallotGroup(value).label}的得分应为列表。")
            continue
        for position, score in enumerate(scores, start=1):
            try:
                number = _decimal(score, "测评得分", low=Decimal(0), high=Decimal(100))
            except ApplicationError:
                problems.append(f"{BallotGroup(value).label}第{position}票的得分“{score}”应为0到100之间的数字。")
                continue
            rows.append(DemocraticBallot(case=case, group=value, score=number))
    if problems:
        raise ApplicationError(problems[0], {"ballots": problems})
    if not rows:
        raise ApplicationError("至少录入一张民主测评票。", {"ballots": ["至少一票。"]})
    random.SystemRandom().shuffle(rows)
    DemocraticBallot.objects.filter(case=case).delete()
    DemocraticBallot.objects.bulk_create(rows)
    tally = ballot_tally(case)
    count, average = _overall(tally)
    return {"groups": tally, "count": count, "average": average}


def _comprehensive_grade(case: DemotionCase, combined: Decimal) -> str:
    scheme = scheme_in_force(region_id=case.institution.region_id, kind=SchemeKind.COMPREHENSIVE, on=_today())
    if scheme is None:
        return ""
    return grade_for(combined, scheme_rules([scheme.pk])[scheme.pk].bands)


@transaction.atomic
def assess_case(
    *,
    case: DemotionCase,
    actor,
    quantified_score,
    defence_score,
    quantified_weight,
    democratic_weight,
    defence_weight,
) -> DemotionCase:
    """综合考核: quantified score (weighing at least the policy's share, seed 000: ≥70%) + the
    democratic evaluation (the ballots' average) + the on-site defence; weights add up to 1."""
    case = _lock(case)
    _check_transition(case, "assess", actor)
    democratic = democratic_average(case)
    if democratic is None:
        raise ApplicationError("请先录入民主测评票，再录入综合考核结果。", {"ballots": ["尚未录入。"]})
    try:
        score = comprehensive_score(
            quantified=quantified_score,
            quantified_weight=quantified_weight,
            democratic=democratic,
            democratic_weight=democratic_weight,
            defence=defence_score,
            defence_weight=defence_weight,
            min_quantified_weight=case.policy.quantified_score_min_weight,
        )
    except ComprehensiveInputError as error:
        raise ApplicationError(str(error), {error.field: [str(error)]}) from error
    combined = score.combined
    case.quantified_score, case.quantified_weight = score.quantified, score.quantified_weight
    case.democratic_score, case.democratic_weight = score.democratic, score.democratic_weight
    case.defence_score, case.defence_weight = score.defence, score.defence_weight
    case.combined_score = combined
    case.combined_grade = _comprehensive_grade(case, combined)
    grade = f"（{Grade(case.combined_grade).label}）" if case.combined_grade in Grade.values else ""
    _take(case, "assess", actor, f"综合得分{combined.normalize():f}{grade}")
    return _save(case, actor)


# --- Committee decision ---------------------------------------------------------------------


def _post_grade(value) -> PostGrade | None:
    if value is None or value == "":
        return None
    if isinstance(value, PostGrade):
        return value
    try:
        return PostGrade.objects.get(pk=int(value))
    except (PostGrade.DoesNotExist, TypeError, ValueError):
        raise ApplicationError(f"岗位等级“{value}”不存在。", {"decided_grade": ["不存在。"]}) from None


@transaction.atomic
def decide_case(
    *,
    case: DemotionCase,
    actor,
    meeting_date: dt.date,
    decision: str,
    minutes: str,
    demote: bool,
    decided_grade=None,
) -> DemotionCase:
    """医共体党委会议: demote to a lower post grade (a higher number: 副高 5–7 down to 中级 8–10,
    or a lower grade within the level), or not — which ends the case."""
    case = _lock(case)
    _check_transition(case, "decide", actor)
    decision, minutes = _text(decision), _text(minutes)
    errors: dict[str, list[str]] = {}
    if meeting_date is None:
        errors["meeting_date"] = ["请填写会议日期。"]
    elif meeting_date > _today():
        errors["meeting_date"] = ["会议日期不能晚于今天。"]
    if not decision:
        errors["decision"] = ["请填写会议决定。"]
    if not minutes:
        errors["minutes"] = ["请填写会议纪要。"]
    grade = _post_grade(decided_grade) if demote else None
    current = case.appointment.post_grade
    if demote:
        if grade is None:
            errors["decided_grade"] = ["决定高职低聘的，请选择拟聘岗位等级。"]
        elif grade.grade <= current.grade:
            errors["decided_grade"] = [f"拟聘岗位等级（{grade}）须低于现聘岗位等级（{current}）。"]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], errors)
    case.meeting_date, case.decision, case.minutes = meeting_date, decision, minutes
    if demote:
        case.decided_grade = grade
        _take(case, "decide", actor, f"党委会议决定高职低聘：{current}→{grade}")
    else:
        _check_transition(case, "dismiss", actor)
        case.decided_grade = None
        case.dismissed_reason = f"党委会议决定不予高职低聘：{decision}"
        _take(case, "dismiss", actor, f"党委会议决定不予高职低聘：{decision[:80]}")
    return _save(case, actor)


# --- Publicity -------------------------------------------------------------------------------


def target_grade(case: DemotionCase) -> PostGrade | None:
    """The grade the case appoints to: the decided lower grade, or for a restoration the grade
    held before the demotion."""
    if case.kind == CaseKind.RESTORATION:
        return case.restores.appointment.post_grade if case.restores_id else None
    return case.decided_grade


def publicity_text(case: DemotionCase, *, on: dt.date) -> tuple[str, str]:
    """Title and body of the notice: who, where, the current and proposed grade and the duty-target
    completion (seed 000: 公示名单及目标任务完成情况)."""
    staff = case.staff
    current = case.appointment.post_grade
    proposed = target_grade(case)
    what = "恢复聘任" if case.kind == CaseKind.RESTORATION else "高职低聘"
    title = f"{case.institution.name}拟{what}人员公示（{staff.name}）"
    department = staff.department.name if staff.department_id else "—"
    lines = [
        f"姓名：{staff.name}",
        f"单位：{case.institution.name}",
        f"科室：{department}",
        f"现聘岗位等级：{current}",
        f"拟聘岗位等级：{proposed}",
        f"事由：{case.get_trigger_display() if case.kind == CaseKind.DEMOTION else '低聘后考核合格，恢复聘任'}",
    ]
    if case.combined_score is not None:
        grade = f"（{Grade(case.combined_grade).label}）" if case.combined_grade in Grade.values else ""
        lines.append(f"综合考核得分：{case.combined_score.normalize():f}{grade}")
    lines.append(
        f"必尽任务完成情况（截至{on:%Y-%m-%d}）：{completion_summary(target_completion(case.appointment, on=on))}"
    )
    lines.append("公示期内如有异议，请向卫健委人事管理中心反映。")
    return title, "\n".join(lines)


@transaction.atomic
def start_case_publicity(*, case: DemotionCase, actor, starts_on: dt.date) -> Publicity:
    """公示 for the policy's number of working days (`publicity_working_days`)."""
    case = _lock(case)
    _check_transition(case, "start_publicity", actor)
    if starts_on is None:
        raise ApplicationError("请填写公示开始日期。", {"starts_on": ["必填。"]})
    if starts_on < _today():
        raise ApplicationError("公示开始日期不能早于今天。", {"starts_on": ["不能早于今天。"]})
    if case.meeting_date and starts_on < case.meeting_date:
        raise ApplicationError("公示开始日期不能早于党委会议日期。", {"starts_on": ["不能早于会议日期。"]})
    title, body = publicity_text(case, on=starts_on)
    publicity = publicity_services.open_publicity(
        subject=case,
        region=case.institution.region,
        title=title,
        body=body,
        starts_on=starts_on,
        working_days=case.policy.publicity_working_days,
        policy=case.policy,
        actor=actor,
    )
    _take(case, "start_publicity", actor, f"公示{publicity.starts_on:%Y-%m-%d}至{publicity.ends_on:%Y-%m-%d}")
    case.step_due = publicity.ends_on
    _save(case, actor)
    return publicity


def _running_publicity(case: DemotionCase) -> Publicity:
    publicity = running_for_subject(case)
    if publicity is None:
        raise ApplicationError("该案件没有正在进行的公示。")
    return publicity


@transaction.atomic
def lodge_case_objection(
    *, case: DemotionCase, actor, lodged_on: dt.date, lodged_by_name: str, content: str, contact: str = ""
) -> Objection:
    case = _lock(case)
    _check_action(case, "lodge_objection", actor, states=(CaseState.IN_PUBLICITY,), verb="登记异议")
    if lodged_on is not None and lodged_on > _today():
        raise ApplicationError("提出日期不能晚于今天。", {"lodged_on": ["不能晚于今天。"]})
    return publicity_services.lodge_objection(
        publicity=_running_publicity(case),
        lodged_on=lodged_on,
        lodged_by_name=lodged_by_name,
        content=content,
        contact=contact,
        actor=actor,
    )


@transaction.atomic
def answer_case_objection(*, objection: Objection, actor, answer: str) -> Objection:
    publicity = objection.publicity
    case = publicity.subject
    if not isinstance(case, DemotionCase):
        raise ApplicationError("该异议不属于高职低聘案件的公示。")
    case = _lock(case)
    _check_action(case, "answer_objection", actor, states=(CaseState.IN_PUBLICITY,), verb="答复异议")
    return publicity_services.answer_objection(objection=objection, answer=answer, actor=actor)


@transaction.atomic
def end_case_publicity(*, case: DemotionCase, actor, on: dt.date | None = None) -> DemotionCase:
    """The publicity ends the day after its last working day at the earliest, with every objection
    answered (publicity.services.end_blockers)."""
    case = _lock(case)
    _check_transition(case, "end_publicity", actor)
    today = _today()
    on = on or today
    if on > today:
        raise ApplicationError("结束日期不能晚于今天。", {"on": ["不能晚于今天。"]})
    publicity = publicity_services.end_publicity(publicity=_running_publicity(case), on=on, actor=actor)
    answered = publicity.objections.count()
    note = f"，异议{answered}件均已答复" if answered else "，无异议"
    _take(case, "end_publicity", actor, f"公示期满{note}")
    return _save(case, actor)


# --- Approval and execution -----------------------------------------------------------------


@transaction.atomic
def approve_case(*, case: DemotionCase, actor, document: str, note: str = "") -> DemotionCase:
    """卫健委审批: the approval's document number (批复文号) is required."""
    case = _lock(case)
    _check_transition(case, "approve", actor)
    document = _text(document)
    if not document:
        raise ApplicationError("请填写批复文号。", {"document": ["必填。"]})
    case.approval_document = document[:64]
    case.approval_note = _text(note)
    _take(case, "approve", actor, f"卫健委批准（{case.approval_document}）")
    return _save(case, actor)


@transaction.atomic
def execute_case(*, case: DemotionCase, actor, on: dt.date) -> Appointment:
    """执行: end the current appointment the day before `on` and appoint to the decided grade from
    `on` (quota-checked; term from the policy's `appointment_term_years`), with the new post's duty
    targets when it is senior.  A demotion records the pay grades and bars excellence awards that
    year (seed 000 §六).  Any refusal (a full quota) leaves everything as it was."""
    case = _lock(case)
    _check_transition(case, "execute", actor)
    if on is None:
        raise ApplicationError("请填写执行日期。", {"on": ["必填。"]})
    if on > _today():
        raise ApplicationError("执行日期不能晚于今天。", {"on": ["不能晚于今天。"]})
    current = Appointment.objects.select_for_update().get(pk=case.appointment_id)
    if current.status != AppointmentStatus.ACTIVE:
        raise ApplicationError(f"原聘任（{current}）已不在聘，不能执行。请核对人员的聘任情况。")
    if on <= current.start:
        raise ApplicationError(
            f"执行日期须晚于原聘任开始日期（{current.start:%Y-%m-%d}）。", {"on": ["须晚于原聘任开始日期。"]}
        )
    approved_on = timezone.localdate(case.state_changed_at) if case.state_changed_at else None
    if approved_on and on < approved_on:
        raise ApplicationError(
            f"执行日期不能早于卫健委批准日期（{approved_on:%Y-%m-%d}）。", {"on": ["不能早于批准日期。"]}
        )
    grade = target_grade(case)
    if grade is None:
        raise ApplicationError("案件没有拟聘岗位等级，不能执行。")
    restoration = case.kind == CaseKind.RESTORATION
    end_appointment(appointment=current, on=on - dt.timedelta(days=1), terminated=True, actor=actor)
    what = "恢复聘任" if restoration else "高职低聘"
    new = create_appointment(
        staff=case.staff,
        post_grade=grade,
        start=on,
        kind=AppointmentKind.RESTORED if restoration else AppointmentKind.DEMOTED,
        institution=current.institution,
        agreement_text=(
            f"依据{what}案件#{case.pk}（批复文号：{case.approval_document}），"
            f"自{on:%Y-%m-%d}起由{current.post_grade}聘任至{grade}。"
        ),
        actor=actor,
    )
    if grade.title_level in SENIOR_TITLE_LEVELS:
        instantiate_duty_targets(appointment=new, actor=actor)
    case.new_appointment = new
    case.executed_on = on
    case.pay_grade_before = current.post_grade
    case.pay_grade_after = grade
    if not restoration:
        case.excellence_ineligible_year = on.year
    _take(case, "execute", actor, f"已执行：{current.post_grade}→{grade}，自{on:%Y-%m-%d}起")
    _save(case, actor)
    return new


@transaction.atomic
def dismiss_case(*, case: DemotionCase, actor, reason: str) -> DemotionCase:
    """终止 with reasons, at any open step (HR only before the qualification review); a running
    publicity is withdrawn."""
    case = _lock(case)
    _check_transition(case, "dismiss", actor)
    reason = _text(reason)
    if not reason:
        raise ApplicationError("请填写终止理由。", {"reason": ["必填。"]})
    if case.state == CaseState.IN_PUBLICITY:
        publicity = running_for_subject(case)
        if publicity is not None:
            publicity_services.cancel_publicity(publicity=publicity, actor=actor)
    case.dismissed_reason = reason
    _take(case, "dismiss", actor, f"终止：{reason[:100]}")
    return _save(case, actor)


# --- Conduct events ---------------------------------------------------------------------------


@transaction.atomic
def _create_event(*, staff, actor, kind, date, description, accident_level) -> ConductEvent:
    if not can_change(actor, "conduct_event") or not visible_staff(actor).filter(pk=staff.pk).exists():
        raise StepNotPermitted("您无权为该人员登记履职事件。")
    errors: dict[str, list[str]] = {}
    description = _text(description)
    if kind not in EventKind.values:
        errors["kind"] = ["请选择事件类型。"]
    if date is None:
        errors["date"] = ["请填写发生日期。"]
    elif date > _today():
        errors["date"] = ["发生日期不能晚于今天。"]
    if not description:
        errors["description"] = ["请填写情况说明。"]
    level = None
    if kind == EventKind.ACCIDENT:
        try:
            level = int(accident_level)
        except (TypeError, ValueError):
            level = None
        if level is None or not 1 <= level <= 4:
            errors["accident_level"] = ["医疗事故须填写事故等级（1–4级，一级最重）。"]
    elif accident_level not in (None, ""):
        errors["accident_level"] = ["仅医疗事故填写事故等级。"]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], errors)
    event = ConductEvent(
        staff=Staff.objects.get(pk=staff.pk),
        kind=kind,
        date=date,
        accident_level=level,
        description=description,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    _by(event, actor)
    event.save()
    return event


def record_event(
    *, staff: Staff, actor, kind: str, date: dt.date, description: str, accident_level=None
) -> ConductEvent:
    """登记履职事件 (拒绝任务、医疗事故、医德医风、弄虚作假…), then run the rule sweep for the
    person so an event that meets a trigger opens its case at once."""
    event = _create_event(
        staff=staff, actor=actor, kind=kind, date=date, description=description, accident_level=accident_level
    )
    from demotions.sweep import run_sweep  # the sweep imports these services' models; import late

    run_sweep(as_of=timezone.localdate(), staff_ids=[staff.pk])
    return event
