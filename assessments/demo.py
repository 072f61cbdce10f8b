"""The assessments part of the 策勒县 demo (after personnel's load_demo): seed 000's duty-target
templates and the senior staff's targets, the current month opened with a monthly department
scheme, the head's department scored (some submitted, the rest drafts), HIS workload for the
head hospital's senior staff and last month's progress entries for the head's department.

Deterministic (a seeded random generator, dates from today) and idempotent: every step looks
for what it would create, HIS records carry fixed source ids (a resend changes nothing).
Everything goes through the services, so the data carries history like any other change."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from appointments.choices import AppointmentStatus
from appointments.models import SENIOR_TITLE_LEVELS, Appointment, DutyTarget
from appointments.services import instantiate_duty_targets, load_duty_target_templates
from personnel.choices import Role, StaffStatus
from personnel.errors import ApplicationError
from personnel.models import PolicyVersion, Region, User
from personnel.scoping import ApiClient

from . import services
from .choices import PeriodKind, SchemeKind
from .models import Assessment, AssessmentPeriod, Scheme, TargetProgressEntry, WorkloadRecord
from .selectors import scheme_in_force

REGION_CODE = "653225"  # 策勒县, as personnel.demo builds it
HEAD_USERNAME = "head"
ADMIN_USERNAME = "admin"
SOURCE_PREFIX = "DEMO-"

# Seed 000 §五: the department's monthly assessment (quantified work weighs 70%).
MONTHLY_SCHEME = {
    "code": "monthly-dept",
    "name": "科室月度考核",
    "items": [
        {"code": "workload", "name": "工作量与质量", "max_points": 70, "scorer_role": Role.DEPARTMENT_HEAD},
        {"code": "ethics", "name": "医德医风", "max_points": 15, "scorer_role": Role.DEPARTMENT_HEAD},
        {"code": "discipline", "name": "劳动纪律", "max_points": 10, "scorer_role": Role.DEPARTMENT_HEAD},
        {"code": "teaching", "name": "教学科研", "max_points": 5, "scorer_role": Role.DEPARTMENT_HEAD},
    ],
    "bands": [
        {"grade": "优秀", "min_points": 90},
        {"grade": "合格", "min_points": 75},
        {"grade": "基本合格", "min_points": 60},
        {"grade": "不合格", "min_points": 0},
    ],
}


@dataclass
class AssessmentDemoResult:
    templates: int = 0
    targets_created: int = 0
    period: AssessmentPeriod | None = None
    scheme: Scheme | None = None
    scored: int = 0
    submitted: int = 0
    workload_created: int = 0
    progress_created: int = 0
    notes: list[str] = field(default_factory=list)


def _scores(rng: random.Random) -> dict[str, str]:
    return {
        "workload": str(rng.randint(45, 70)),
        "ethics": str(rng.randint(10, 15)),
        "discipline": str(rng.randint(6, 10)),
        "teaching": str(rng.randint(1, 5)),
    }


def _months(start: dt.date, today: dt.date) -> list[dt.date]:
    months, month = [], start.replace(day=1)
    while month <= today:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


@transaction.atomic
def build_assessment_demo(*, seed: int = 20260101, today: dt.date | None = None) -> AssessmentDemoResult:
    """Add the assessments demo to an existing personnel demo (refused without one)."""
    region = Region.objects.filter(code=REGION_CODE).first()
    head = User.objects.filter(username=HEAD_USERNAME, role=Role.DEPARTMENT_HEAD).select_related("department").first()
    if region is None or head is None or head.department is None:
        raise ApplicationError("未找到策勒县演示数据，请先运行 manage.py load_demo。")
    admin = User.objects.filter(username=ADMIN_USERNAME).first()
    today = today or timezone.localdate()
    result = AssessmentDemoResult()

    # Duty targets: templates per policy version, then each active senior appointment's targets.
    for policy in PolicyVersion.objects.filter(region=region):
        result.templates += load_duty_target_templates(policy=policy)
    seniors = list(
        Appointment.objects.filter(
            institution__region=region,
            status=AppointmentStatus.ACTIVE,
            post_grade__title_level__in=SENIOR_TITLE_LEVELS,
        ).select_related("post_grade", "staff", "institution__region", "policy")
    )
    for appointment in seniors:
        result.targets_created += len(instantiate_duty_targets(appointment=appointment, actor=admin))

    # The current month, and a monthly scheme in force for it.
    month = today.replace(day=1)
    result.period = AssessmentPeriod.objects.filter(
        region=region, kind=PeriodKind.MONTHLY, year=month.year, number=month.month
    ).first() or services.open_period(
        region=region, kind=PeriodKind.MONTHLY, year=month.year, number=month.month, actor=admin
    )
    result.scheme = scheme_in_force(region_id=region.pk, kind=SchemeKind.MONTHLY, on=month)
    if result.scheme is None:
        result.scheme = services.create_scheme_version(
            region=region,
            kind=SchemeKind.MONTHLY,
            effective_from=dt.date(month.year, 1, 1),
            note="演示数据",
            actor=admin,
            **MONTHLY_SCHEME,
        )

    # The head's department: the first two thirds submitted, the rest drafts (once).
    rng = random.Random(seed)  # noqa: S311  (demo data, reproducible by design)
    if result.period.is_closed:
        result.notes.append(f"{result.period}已关闭，未录入演示成绩。")
    elif not Assessment.objects.filter(period=result.period, staff__department=head.department).exists():
        people = list(
            head.department.staff.filter(status=StaffStatus.ON_DUTY)
            .order_by("employee_no", "pk")
            .values_list("pk", flat=True)
        )
        cut = len(people) * 2 // 3
        for rows, submit in ((people[:cut], True), (people[cut:], False)):
            if rows:
                saved = services.save_scores(
                    period=result.period,
                    actor=head,
                    rows=[services.ScoreRow(staff_id=pk, scores=_scores(rng)) for pk in rows],
                    submit=submit,
                )
                result.scored += saved.created
                result.submitted += saved.created if submit else 0

    # HIS workload of the head hospital's senior staff, month by month of their term so far.
    hospital = head.institution
    targets = list(
        DutyTarget.objects.filter(
            appointment__in=[a for a in seniors if a.institution_id == hospital.pk]
        ).select_related("appointment__staff")
    )
    rng = random.Random(seed + 1)  # noqa: S311  (each step its own stream: a re-run draws the same)
    records = []
    for target in sorted(targets, key=lambda t: (t.appointment.staff.employee_no, t.code)):
        appointment = target.appointment
        months = _months(appointment.start, min(today, appointment.end))
        per_month = target.target_total / max(1, len(_months(appointment.start, appointment.end)))
        for m in months:
            quantity = int(per_month * Decimal(rng.uniform(0.4, 1.3)))
            if quantity <= 0:
                continue
            day = min(m + dt.timedelta(days=rng.randint(0, 27)), today)
            records.append(
                {
                    "id_number": appointment.staff.id_number,
                    "date": day.isoformat(),
                    "metric": target.metric,
                    "quantity": quantity,
                    "source_id": f"{SOURCE_PREFIX}{appointment.staff.employee_no}-{target.code}-{m:%Y%m}",
                }
            )
    client = ApiClient(institution=hospital, key_name="演示HIS")
    for start in range(0, len(records), services.WORKLOAD_BATCH_LIMIT):
        pushed = services.ingest_workload(
            institution=hospital, records=records[start : start + services.WORKLOAD_BATCH_LIMIT], actor=client
        )
        if pushed.errors:
            raise ApplicationError(f"演示工作量有误：{pushed.errors[0]}")
        result.workload_created += pushed.created

    # Last month's progress entries for the head's department (what HIS does not report).
    last_month = (month - dt.timedelta(days=1)).replace(day=1)
    ours = [
        t
        for t in targets
        if t.appointment.staff.department_id == head.department_id
        and t.appointment.start.replace(day=1) <= last_month
        and t.metric in ("study_session", "research_project", "mentee", "grassroots_training")
    ]
    entered = set(
        TargetProgressEntry.objects.filter(target__in=ours, month=last_month).values_list("target_id", flat=True)
    )
    rng = random.Random(seed + 2)  # noqa: S311
    rows = [services.ProgressRow(target_id=t.pk, quantity=rng.randint(0, 2)) for t in ours if t.pk not in entered]
    if rows:
        result.progress_created = services.save_target_progress(month=last_month, actor=head, rows=rows).created
    return result


@transaction.atomic
def reset_assessment_demo() -> None:
    """Remove what the assessments demo wrote in the demo region (results, workload, progress,
    periods, schemes) so that personnel's `load_demo --reset` can delete the people (results and
    workload protect them).  Results and progress deletions are kept in their history."""
    region = Region.objects.filter(code=REGION_CODE).first()
    if region is None:
        return
    Assessment.objects.filter(period__region=region).delete()
    WorkloadRecord.objects.filter(institution__region=region).delete()
    TargetProgressEntry.objects.filter(target__appointment__institution__region=region).delete()
    AssessmentPeriod.objects.filter(region=region).delete()
    Scheme.objects.filter(region=region).delete()
