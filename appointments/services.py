"""Writes on appointments: every rule of creating or ending an appointment lives here."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction

from personnel.choices import StaffStatus
from personnel.errors import ApplicationError
from personnel.models import Institution, PostGrade, PostQuota, Staff
from personnel.services import policy_for

from .choices import AppointmentKind, AppointmentStatus
from .models import Appointment
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
