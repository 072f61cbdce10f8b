"""Writes on appointments: every rule of creating or ending an appointment lives here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from personnel.choices import StaffStatus, TitleLevel
from personnel.errors import ApplicationError
from personnel.models import Institution, PolicyVersion, PostGrade, PostQuota, Staff
from personnel.services import policy_for

from . import duty_targets
from .choices import AppointmentKind, AppointmentStatus, TargetPer
from .models import SENIOR_TITLE_LEVELS, Appointment, DutyTarget, DutyTargetTemplate
from .selectors import count_filled_posts


def default_term_end(*, start: dt.date, term_years: int) -> dt.date:
    """A term of N years starting on 2025-01-01 ends on 2026-12-31."""
    return start + relativedelta(years=term_years) - dt.timedelta(days=1)


@transaction.atomic
def create_appointment(
    *,
    staff: Staff,
    post_grade: PostGrade,
    start: dt.date,
    end: dt.date | None = None,
    kind: str = AppointmentKind.NORMAL,
    institution: Institution | None = None,
    agreement_text: str = "",
    replace_current: bool = False,
    actor=None,
) -> Appointment:
    """Appoint a person to a post grade.

    - one active appointment per person (a database constraint backs this up);
    - the term defaults to the policy's `appointment_term_years` (seed 000: 聘期2年);
    - the institution's post quota (岗位结构比例) for the grade and the start year binds every
      kind but the special post (特设岗位); a missing quota is a refusal too.
    """
    institution = institution or staff.institution
    if staff.status != StaffStatus.ON_DUTY:
        raise ApplicationError(
            f"{staff.name}当前状态为“{staff.get_status_display()}”，不能聘任。", {"staff": ["人员不在岗。"]}
        )
    policy = policy_for(institution.region, start)
    if end is None:
        end = default_term_end(start=start, term_years=policy.appointment_term_years)
    if end <= start:
        raise ApplicationError("聘任结束日期须晚于开始日期。", {"end": ["须晚于开始日期。"]})

    # Lock the person's row so two concurrent requests cannot both appoint them.
    Staff.objects.select_for_update().filter(pk=staff.pk).first()
    current = Appointment.objects.filter(staff=staff, status=AppointmentStatus.ACTIVE).first()
    if current is not None:
        if not replace_current:
            raise ApplicationError(
                f"{staff.name}已有在聘岗位（{current.post_grade}，{current.start:%Y-%m-%d}至{current.end:%Y-%m-%d}），"
                "须先终止原聘任。",
                {"staff": ["已有在聘岗位。"]},
            )
        end_appointment(appointment=current, on=start - dt.timedelta(days=1), actor=actor)

    if kind != AppointmentKind.SPECIAL:
        quota = (
            PostQuota.objects.select_for_update()
            .filter(institution=institution, year=start.year, post_grade=post_grade)
            .first()
        )
        if quota is None:
            raise ApplicationError(
                f"{institution.name}{start.year}年未核定{post_grade.name}岗位数，不能聘任（特设岗位除外）。",
                {"post_grade": ["未核定该等级岗位数。"]},
            )
        used = count_filled_posts(institution=institution, year=start.year, post_grade=post_grade)
        if used >= quota.count:
            raise ApplicationError(
                f"{institution.name}{start.year}年{post_grade.name}核定{quota.count}个岗位，已聘{used}人，"
                "超出岗位结构比例，不能聘任（特设岗位除外）。",
                {"post_grade": [f"岗位已满（{used}/{quota.count}）。"]},
            )

    appointment = Appointment(
        staff=staff,
        institution=institution,
        post_grade=post_grade,
        start=start,
        end=end,
        kind=kind,
        status=AppointmentStatus.ACTIVE,
        agreement_text=agreement_text,
        policy=policy,
    )
    if actor is not None and getattr(actor, "pk", None):
        appointment._history_user = actor
    try:
        with transaction.atomic():
            appointment.save()
    except IntegrityError as error:
        raise ApplicationError(f"{staff.name}已有在聘岗位，不能重复聘任。", {"staff": ["已有在聘岗位。"]}) from error
    instantiate_duty_targets(appointment=appointment, actor=actor)
    return appointment


@transaction.atomic
def end_appointment(*, appointment: Appointment, on: dt.date, terminated: bool = True, actor=None) -> Appointment:
    if appointment.status != AppointmentStatus.ACTIVE:
        raise ApplicationError("该聘任已不在聘，不能再次终止。")
    if on < appointment.start:
        raise ApplicationError("终止日期不能早于聘任开始日期。", {"end": ["不能早于开始日期。"]})
    appointment.end = max(on, appointment.start + dt.timedelta(days=1))
    appointment.status = AppointmentStatus.TERMINATED if terminated else AppointmentStatus.ENDED
    if actor is not None and getattr(actor, "pk", None):
        appointment._history_user = actor
    appointment.save(update_fields=["end", "status"])
    return appointment


# --- Duty targets (高职称必尽任务) -------------------------------------------------------------


def term_total(*, per: str, quantity: Decimal, start: dt.date, end: dt.date) -> Decimal:
    """A per-unit number over a term: 4 a month over 2026-01-01..2027-12-31 is 96; 1 day a week is
    counted over whole weeks (104 in two years)."""
    months = relativedelta(end + dt.timedelta(days=1), start)
    total_months = months.years * 12 + months.months
    if per == TargetPer.MONTH:
        return quantity * total_months
    if per == TargetPer.YEAR:
        return quantity * Decimal(total_months) / 12
    if per == TargetPer.WEEK:
        return quantity * (((end - start).days + 1) // 7)
    return quantity


@transaction.atomic
def load_duty_target_templates(*, policy: PolicyVersion) -> int:
    """Seed 000's templates for a policy version that carries its numbers (idempotent); returns
    how many templates the policy has afterwards.  A policy without a number skips that target."""
    existing = set(DutyTargetTemplate.objects.filter(policy=policy).values_list("title_level", "code"))
    new = []
    for level in (TitleLevel.ASSOCIATE_SENIOR, TitleLevel.SENIOR):
        for order, spec in enumerate(duty_targets.SEED_000):
            key = duty_targets.policy_key_for(spec, level)
            if (level, spec.code) in existing or key not in policy.data:
                continue
            if spec.multiplier_key and spec.multiplier_key not in policy.data:
                continue
            new.append(
                DutyTargetTemplate(
                    policy=policy,
                    code=spec.code,
                    name=spec.name,
                    title_level=level,
                    categories=list(spec.categories),
                    metric=spec.metric,
                    policy_key=key,
                    multiplier_key=spec.multiplier_key,
                    per=spec.per,
                    alternative_group=spec.alternative_group,
                    order=order,
                )
            )
    DutyTargetTemplate.objects.bulk_create(new)
    return DutyTargetTemplate.objects.filter(policy=policy).count()


@transaction.atomic
def instantiate_duty_targets(*, appointment: Appointment, actor=None) -> list[DutyTarget]:
    """Seed 000 §三: an active senior (副高/正高) appointment gets its policy's targets for the term.
    Idempotent: a target already there is kept as it is (its milestones may have been edited)."""
    level = appointment.post_grade.title_level
    if level not in SENIOR_TITLE_LEVELS or appointment.status != AppointmentStatus.ACTIVE:
        return []
    policy = appointment.policy or policy_for(appointment.institution.region, appointment.start)
    category = appointment.staff.category
    existing = set(DutyTarget.objects.filter(appointment=appointment).values_list("code", flat=True))
    targets = []
    for template in DutyTargetTemplate.objects.filter(policy=policy, title_level=level):
        if template.code in existing or (template.categories and category not in template.categories):
            continue
        quantity = Decimal(str(template.quantity_per_unit(policy)))
        targets.append(
            DutyTarget(
                appointment=appointment,
                template=template,
                code=template.code,
                name=template.name,
                metric=template.metric,
                per=template.per,
                quantity_per_unit=quantity,
                target_total=term_total(
                    per=template.per, quantity=quantity, start=appointment.start, end=appointment.end
                ),
                alternative_group=template.alternative_group,
                milestones=list(template.milestones),
                order=template.order,
            )
        )
    for target in targets:
        if actor is not None and getattr(actor, "pk", None):
            target._history_user = actor
        target.save()
    return targets


@transaction.atomic
def set_duty_target_milestones(*, target: DutyTarget, milestones: list, actor=None) -> DutyTarget:
    """Edit a target's quarterly milestones (cumulative shares); blank means pro rata."""
    target.milestones = milestones or []
    try:
        target.full_clean(exclude=["template", "appointment"])
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error
    if actor is not None and getattr(actor, "pk", None):
        target._history_user = actor
    target.save(update_fields=["milestones"])
    return target
