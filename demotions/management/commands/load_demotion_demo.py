"""manage.py load_demotion_demo: the 能上能下 part of the 策勒县 demo, run after load_demo,
load_duty_targets --instantiate and load_assessment_demo.

It gives a few senior staff of the head hospital's 内科 (the demo head's department) the last two
completed quarters' results (two 不合格 in a row for some, 合格 for others), records conduct events
(two refused assignments, a level-2 accident, an ethics finding), runs the rule sweep, and drives
some of the cases it opens forward through the services as the roles that take each step — so the
board shows cases at several steps, rectifications and a publicity with an objection waiting for
its answer.  Deterministic and idempotent (each step looks for what it would create; a case is
only ever moved forward).  `--reset` removes it again (run it before load_assessment_demo --reset:
rectifications and cases protect the results they were opened from)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django_fsm_log.models import StateLog

from appointments.choices import AppointmentStatus
from appointments.models import SENIOR_TITLE_LEVELS, Appointment
from assessments import services as assessment_services
from assessments.choices import PeriodKind, SchemeKind
from assessments.models import Assessment, AssessmentPeriod
from assessments.selectors import scheme_in_force
from demotions import services
from demotions.choices import CaseState, EventKind, Trigger
from demotions.models import ConductEvent, DemotionCase, Rectification
from demotions.sweep import run_sweep
from personnel.choices import Role
from personnel.errors import ApplicationError
from personnel.models import PostGrade, Region, User
from publicity.models import Publicity

REGION_CODE = "653225"  # 策勒县, as personnel.demo builds it
DEMO_MARK = "【演示】"

QUARTERLY_SCHEME = {
    "code": "quarterly-inst",
    "name": "单位季度考核",
    "items": [
        {"code": "duty", "name": "履职与必尽任务", "max_points": 70, "scorer_role": Role.HOSPITAL_HR},
        {"code": "ethics", "name": "医德医风", "max_points": 15, "scorer_role": Role.HOSPITAL_HR},
        {"code": "discipline", "name": "劳动纪律", "max_points": 15, "scorer_role": Role.HOSPITAL_HR},
    ],
    "bands": [
        {"grade": "优秀", "min_points": 90},
        {"grade": "合格", "min_points": 75},
        {"grade": "基本合格", "min_points": 60},
        {"grade": "不合格", "min_points": 0},
    ],
}
FAILED = {"duty": "38", "ethics": "10", "discipline": "9"}  # 57: 不合格
PASSED = {"duty": "60", "ethics": "13", "discipline": "13"}  # 86: 合格

# Who ends at which step: the n-th senior of 内科 (by 工号) and what happens to them.
PLAN = [
    ("consecutive", CaseState.IN_PUBLICITY),
    ("consecutive", CaseState.DECIDED),
    ("consecutive", CaseState.REVIEWED),
    ("refusals", CaseState.PROPOSED),
    ("accident", CaseState.OPENED),
    ("ethics", CaseState.DISMISSED),
    ("passed", None),  # 合格 quarters, targets behind → a rectification
    ("passed", None),
]
ORDER = [
    CaseState.OPENED,
    CaseState.PROPOSED,
    CaseState.REVIEWED,
    CaseState.ASSESSED,
    CaseState.DECIDED,
    CaseState.IN_PUBLICITY,
]


@dataclass
class DemoResult:
    scored: int = 0
    events: int = 0
    sweep: str = ""
    moved: int = 0
    states: dict = field(default_factory=dict)
    rectifications: int = 0
    notes: list[str] = field(default_factory=list)


def _quarters_before(today: dt.date, n: int) -> list[tuple[int, int]]:
    """The last `n` quarters that ended before `today`, oldest first."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    result = []
    for _ in range(n):
        quarter -= 1
        if quarter == 0:
            year, quarter = year - 1, 4
        result.append((year, quarter))
    return list(reversed(result))


def _evidence(name: str) -> SimpleUploadedFile:
    """A one-page PDF, as an office would scan it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    page.setFont("STSong-Light", 16)
    page.drawString(72, 760, name.removesuffix(".pdf"))
    page.setFont("STSong-Light", 11)
    page.drawString(72, 730, "（演示材料）")
    page.save()
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


class Command(BaseCommand):
    help = "为策勒县演示数据加上能上能下演示：季度考核、履职事件、规则核查，以及推进到不同环节的高职低聘案件。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reset", action="store_true", help="删除能上能下演示数据（案件、公示、整改、事件）后退出")

    def handle(self, *args, **options) -> None:
        region = Region.objects.filter(code=REGION_CODE).first()
        users = {u.username: u for u in User.objects.filter(username__in=["admin", "hr", "head"])}
        if region is None or len(users) < 3 or users["head"].department_id is None:
            raise CommandError("未找到策勒县演示数据，请先运行 manage.py load_demo 和 load_assessment_demo。")
        if options["reset"]:
            self.stdout.write(reset(region))
            return
        try:
            result = build(region=region, admin=users["admin"], hr=users["hr"], head=users["head"])
        except ApplicationError as error:
            raise CommandError(error.message) from error
        states = "，".join(f"{CaseState(s).label}{n}件" for s, n in result.states.items()) or "无"
        self.stdout.write(
            self.style.SUCCESS(
                f"能上能下演示数据：新录入季度考核{result.scored}条，新登记履职事件{result.events}件；"
                f"推进案件环节{result.moved}次；案件：{states}；整改中{result.rectifications}项。"
            )
        )
        if result.sweep:
            self.stdout.write(result.sweep)
        for note in result.notes:
            self.stdout.write(note)


def build(*, region: Region, admin: User, hr: User, head: User) -> DemoResult:
    today = timezone.localdate()
    result = DemoResult()
    seniors = list(
        Appointment.objects.filter(
            institution=hr.institution,
            staff__department=head.department,
            status=AppointmentStatus.ACTIVE,
            post_grade__title_level__in=SENIOR_TITLE_LEVELS,
        )
        .exclude(staff_id=head.staff_id)
        .select_related("staff", "post_grade")
        .order_by("staff__employee_no", "pk")
    )
    if len(seniors) < len(PLAN):
        result.notes.append(f"内科在聘高级职称人员只有{len(seniors)}人，只演示前{len(seniors)}项。")
    plan = list(zip(PLAN, seniors, strict=False))

    # The last two completed quarters, under a quarterly scheme.
    quarters = (
        [q for q in _quarters_before(today, 2) if dt.date(q[0], 3 * q[1] - 2, 1) >= seniors[0].start] if seniors else []
    )
    if len(quarters) < 2:
        result.notes.append("聘期开始后尚无两个完整季度，连续季度不合格的案件未能演示。")
    periods = []
    for year, number in quarters:
        period = AssessmentPeriod.objects.filter(
            region=region, kind=PeriodKind.QUARTERLY, year=year, number=number
        ).first() or assessment_services.open_period(
            region=region, kind=PeriodKind.QUARTERLY, year=year, number=number, actor=admin
        )
        periods.append(period)
    if periods and scheme_in_force(region_id=region.pk, kind=SchemeKind.QUARTERLY, on=periods[0].start) is None:
        assessment_services.create_scheme_version(
            region=region,
            kind=SchemeKind.QUARTERLY,
            effective_from=dt.date(periods[0].year, 1, 1),
            note="演示数据",
            actor=admin,
            **QUARTERLY_SCHEME,
        )
    for period in periods:
        scored = set(Assessment.objects.filter(period=period).values_list("staff_id", flat=True))
        rows = [
            assessment_services.ScoreRow(
                staff_id=appointment.staff_id, scores=FAILED if what == "consecutive" else PASSED
            )
            for (what, _), appointment in plan
            if what in ("consecutive", "passed") and appointment.staff_id not in scored and not period.is_closed
        ]
        if rows:
            saved = assessment_services.save_scores(period=period, actor=hr, rows=rows, submit=True)
            result.scored += saved.created

    # Conduct events (record_event runs the sweep for the person).
    events = {
        "refusals": [
            (EventKind.REFUSAL, 40, None, "拒绝科室安排的乡镇卫生院下沉坐诊任务"),
            (EventKind.REFUSAL, 12, None, "拒绝承担全县会诊任务"),
        ],
        "accident": [(EventKind.ACCIDENT, 20, 2, "术后观察不到位导致二级医疗事故（医疗事故技术鉴定书）")],
        "ethics": [(EventKind.ETHICS, 30, None, "收受患者红包，经纪检部门查实")],
    }
    for (what, _), appointment in plan:
        for kind, days_ago, level, text in events.get(what, []):
            description = f"{DEMO_MARK}{text}"
            if ConductEvent.objects.filter(staff_id=appointment.staff_id, description=description).exists():
                continue
            date = max(today - dt.timedelta(days=days_ago), appointment.start)
            services.record_event(
                staff=appointment.staff, actor=hr, kind=kind, date=date, description=description, accident_level=level
            )
            result.events += 1

    sweep = run_sweep(as_of=today)
    result.sweep = sweep.summary()

    # Drive each planned case to its step, as the roles that take the steps.
    trigger_of = {
        "consecutive": Trigger.CONSECUTIVE_QUARTERS,
        "refusals": Trigger.REFUSALS,
        "accident": Trigger.ACCIDENT,
        "ethics": Trigger.ETHICS,
    }
    for (what, target), appointment in plan:
        if target is None:
            continue
        case = (
            DemotionCase.objects.filter(staff_id=appointment.staff_id, trigger=trigger_of[what])
            .order_by("-opened_on", "-id")
            .first()
        )
        if case is None:
            result.notes.append(f"{appointment.staff.name}：规则核查未立案（{what}），未推进。")
            continue
        result.moved += _drive(case, target, admin=admin, hr=hr, today=today, grade=appointment.post_grade)

    result.states = dict(
        DemotionCase.objects.filter(institution__region=region)
        .values_list("state")
        .annotate(n=Count("id"))
        .order_by("state")
    )
    result.rectifications = Rectification.objects.filter(staff__institution__region=region, status="open").count()
    return result


def _lower_grade(current: PostGrade) -> PostGrade:
    """The committee's usual decision: the top grade of the next title level down."""
    lower = PostGrade.objects.filter(grade__gt=current.grade).exclude(title_level=current.title_level).first()
    return lower or PostGrade.objects.filter(grade__gt=current.grade).first()


def _drive(case: DemotionCase, target: str, *, admin, hr, today: dt.date, grade: PostGrade) -> int:
    moved = 0
    if target == CaseState.DISMISSED:
        if case.state == CaseState.OPENED:
            services.propose_case(
                case=case, actor=hr, reasons=f"{DEMO_MARK}{case.rule_detail}。", files=[_evidence("纪检处理意见.pdf")]
            )
            case = DemotionCase.objects.get(pk=case.pk)
            moved += 1
        if case.state in (CaseState.PROPOSED,):
            services.dismiss_case(
                case=case, actor=admin, reason=f"{DEMO_MARK}经核查，已另按违纪处理程序处理，本案终止。"
            )
            moved += 1
        return moved
    while case.state in ORDER and ORDER.index(case.state) < ORDER.index(target):
        state = case.state
        if state == CaseState.OPENED:
            services.propose_case(
                case=case,
                actor=hr,
                reasons=f"{DEMO_MARK}{case.rule_detail}，经谈话提醒仍未改进，党支部提议高职低聘。",
                files=[_evidence("党支部提议及谈话记录.pdf")],
            )
        elif state == CaseState.PROPOSED:
            services.review_case(case=case, actor=admin, passed=True, opinion=f"{DEMO_MARK}材料真实，程序合规。")
        elif state == CaseState.REVIEWED:
            if target == CaseState.REVIEWED:
                break
            services.record_ballots(
                case=case,
                actor=admin,
                ballots={
                    "superior": [62, 58, 65],
                    "peer": [70, 66, 61, 72, 68],
                    "subordinate": [75, 71, 69, 74],
                    "patient_rep": [80, 77, 83],
                },
            )
            services.assess_case(
                case=case,
                actor=admin,
                quantified_score=57,
                defence_score=62,
                quantified_weight="0.7",
                democratic_weight="0.2",
                defence_weight="0.1",
            )
        elif state == CaseState.ASSESSED:
            lower = _lower_grade(grade)
            services.decide_case(
                case=case,
                actor=admin,
                meeting_date=today,
                decision=f"{DEMO_MARK}同意{case.staff.name}同志由{grade}低聘至{lower}。",
                minutes=f"{DEMO_MARK}医共体党委会议研究了高职低聘事项，与会委员一致同意。",
                demote=True,
                decided_grade=lower,
            )
        elif state == CaseState.DECIDED:
            services.start_case_publicity(case=case, actor=admin, starts_on=today)
            services.lodge_case_objection(
                case=DemotionCase.objects.get(pk=case.pk),
                actor=hr,
                lodged_on=today,
                lodged_by_name="匿名",
                content=f"{DEMO_MARK}认为第三季度考核中部分工作量未计入。",
            )
        moved += 1
        case = DemotionCase.objects.get(pk=case.pk)
    return moved


@transaction.atomic
def reset(region: Region) -> str:
    """Remove the demo's cases (with their publicity, evidence files and transition log),
    rectifications and conduct events in the region."""
    cases = DemotionCase.objects.filter(institution__region=region)
    case_ids = list(cases.values_list("pk", flat=True))
    ct = ContentType.objects.get_for_model(DemotionCase)
    Publicity.objects.filter(content_type=ct, object_id__in=case_ids).delete()
    StateLog.objects.filter(content_type=ct, object_id__in=case_ids).delete()
    for case in cases.prefetch_related("evidence"):
        for evidence in case.evidence.all():
            evidence.file.delete(save=False)
    count = len(case_ids)
    cases.filter(restores__isnull=False).delete()
    cases.delete()
    rectifications = Rectification.objects.filter(staff__institution__region=region)
    events = ConductEvent.objects.filter(staff__institution__region=region)
    counts = (rectifications.count(), events.count())
    rectifications.delete()
    events.delete()
    return f"已删除能上能下演示数据：案件{count}件，整改{counts[0]}项，履职事件{counts[1]}件。"
