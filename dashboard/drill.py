"""The list behind each bar of the dashboard: the same scoped queryset and filters the figure counted,
so a drill-down shows exactly the rows of the number clicked (and a foreign institution lists nothing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse

from appointments.selectors import filled_posts_filter, visible_appointments
from assessments.choices import AssessmentStatus, Grade
from assessments.models import Assessment
from assessments.selectors import visible_assessments, visible_periods
from demotions.choices import OPEN_STATES, CaseState, RectificationStatus
from demotions.selectors import visible_cases, visible_rectifications
from personnel.errors import ApplicationError
from personnel.scoping import visible_staff
from secondments.choices import SecondmentStatus
from secondments.selectors import visible_demands, visible_secondments
from talent.selectors import visible_contracts

from . import figures
from .figures import AT_RISK_STATUSES, COVERING_STATUSES, LEVEL_LABELS, on_duty_staff, staff_with_top_level


@dataclass
class Drill:
    title: str
    headers: list[str]
    queryset: QuerySet
    row: Callable[[object], list[tuple[str, str]]]  # (text, link) per cell


def _int(params, name: str, *, required: bool = True) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        if required:
            raise ApplicationError(f"缺少参数“{name}”，请从看板上的图形点击进入。")
        return None
    try:
        return int(raw)
    except (TypeError, ValueError) as error:
        raise ApplicationError(f"参数“{name}”应为整数。") from error


def _staff_cells(s) -> list[tuple[str, str]]:
    return [
        (s.name, reverse("personnel:staff_detail", args=[s.pk])),
        (s.employee_no, ""),
        (s.institution.name, ""),
        (s.department.name if s.department_id else "—", ""),
    ]


STAFF_HEADERS = ["姓名", "工号", "单位", "科室"]


def staff_by_level(user, params) -> Drill:
    level = params.get("level") or ""
    if level not in LEVEL_LABELS:
        raise ApplicationError("职称级别不正确，请从看板上的图形点击进入。")
    qs = (
        staff_with_top_level(on_duty_staff(user))
        .filter(institution_id=_int(params, "institution"), top_level=level)
        .select_related("institution", "department")
        .order_by("employee_no", "pk")
    )
    return Drill(f"在岗人员：{LEVEL_LABELS[level]}", STAFF_HEADERS, qs, _staff_cells)


def quota_use(user, params) -> Drill:
    year = _int(params, "year")
    qs = (
        visible_appointments(user)
        .filter(
            filled_posts_filter(year=year),
            institution_id=_int(params, "institution"),
            post_grade_id=_int(params, "grade"),
        )
        .select_related("staff", "institution", "post_grade")
        .order_by("start", "pk")
    )
    return Drill(
        f"{year}年占用岗位的聘任",
        ["姓名", "单位", "岗位等级", "聘期"],
        qs,
        lambda a: [
            (a.staff.name, reverse("personnel:staff_detail", args=[a.staff_id])),
            (a.institution.name, ""),
            (a.post_grade.name, ""),
            (f"{a.start:%Y-%m-%d}至{a.end:%Y-%m-%d}", ""),
        ],
    )


def completion(user, params) -> Drill:
    period = visible_periods(user).filter(pk=_int(params, "period")).first()
    if period is None:
        raise ApplicationError("考核期间不存在或无权查看。")
    department = _int(params, "department")
    submitted = Exists(
        Assessment.objects.filter(staff=OuterRef("pk"), period=period, status=AssessmentStatus.SUBMITTED)
    )
    qs = on_duty_staff(user).filter(institution_id=_int(params, "institution"), institution__region_id=period.region_id)
    qs = qs.filter(department__isnull=True) if department == 0 else qs.filter(department_id=department)
    done = params.get("submitted") == "1"
    qs = qs.filter(submitted) if done else qs.exclude(submitted)
    qs = qs.select_related("institution", "department").order_by("employee_no", "pk")
    return Drill(f"{period}：{'已提交' if done else '未提交'}人员", STAFF_HEADERS, qs, _staff_cells)


def grades(user, params) -> Drill:
    grade = params.get("grade") or ""
    if grade not in Grade.values:
        raise ApplicationError("考核等次不正确，请从看板上的图形点击进入。")
    period = visible_periods(user).filter(pk=_int(params, "period")).first()
    if period is None:
        raise ApplicationError("考核期间不存在或无权查看。")
    qs = (
        visible_assessments(user)
        .filter(period=period, grade=grade, status=AssessmentStatus.SUBMITTED)
        .select_related("staff__institution", "staff__department")
        .order_by("staff__employee_no", "pk")
    )
    return Drill(
        f"{period}：{Grade(grade).label}",
        [*STAFF_HEADERS, "总分"],
        qs,
        lambda a: [*_staff_cells(a.staff), (str(a.total if a.total is not None else "—"), "")],
    )


def demotion(user, params, *, today: dt.date) -> Drill:
    from demotions.views import overdue_q, step_days

    step = params.get("step") or ""
    overdue = params.get("overdue") == "1"
    if step == "rectification":
        qs = visible_rectifications(user).filter(status=RectificationStatus.OPEN)
        if overdue:
            qs = qs.filter(deadline__lt=today)
        qs = qs.select_related("staff__institution", "period").order_by("deadline", "pk")
        return Drill(
            "超期未结的整改" if overdue else "整改中",
            ["姓名", "单位", "考核期间", "整改期限"],
            qs,
            lambda r: [
                (r.staff.name, reverse("personnel:staff_detail", args=[r.staff_id])),
                (r.staff.institution.name, ""),
                (r.period.label, ""),
                (f"{r.deadline:%Y-%m-%d}", ""),
            ],
        )
    if step not in CaseState.values:
        raise ApplicationError("案件环节不正确，请从看板上的图形点击进入。")
    qs = visible_cases(user).filter(state=step)
    if overdue and step in OPEN_STATES:
        qs = qs.filter(overdue_q(today, step_days()))
    qs = qs.select_related("staff", "institution").order_by("opened_on", "pk")
    return Drill(
        f"案件：{CaseState(step).label}{'（超期）' if overdue else ''}",
        ["姓名", "单位", "触发情形", "立案日期"],
        qs,
        lambda c: [
            (c.staff.name, reverse("demotions:case", args=[c.pk])),
            (c.institution.name, ""),
            (c.get_trigger_display(), ""),
            (f"{c.opened_on:%Y-%m-%d}", ""),
        ],
    )


def secondment(user, params) -> Drill:
    year = _int(params, "year")
    qs = (
        visible_secondments(user)
        .filter(
            receiving_unit_id=_int(params, "institution"),
            status__in=COVERING_STATUSES,
            start__year__lte=year,
            end__year__gte=year,
        )
        .select_related("staff", "dispatching_unit", "receiving_unit")
        .order_by("start", "pk")
    )
    return Drill(f"{year}年下沉人员", SECONDMENT_HEADERS, qs, _secondment_cells)


SECONDMENT_HEADERS = ["姓名", "派出单位", "接收单位", "服务期", "状态"]


def _secondment_cells(s) -> list[tuple[str, str]]:
    return [
        (s.staff.name, reverse("secondments:detail", args=[s.pk])),
        (s.dispatching_unit.name, ""),
        (s.receiving_unit.name, ""),
        (f"{s.start:%Y-%m-%d}至{s.end:%Y-%m-%d}", ""),
        (s.get_status_display(), ""),
    ]


def physician_hires(user, params) -> Drill:
    """The physicians hired in a year at county units (编制 or 备案) — whom `hire_shares` counts."""
    from personnel.choices import EmploymentType
    from secondments.rules import PHYSICIAN_CATEGORIES
    from secondments.services import GRASSROOTS_KINDS

    year = _int(params, "year")
    qs = (
        visible_staff(user)
        .filter(category__in=PHYSICIAN_CATEGORIES)
        .filter(employment_type__in=[EmploymentType.ESTABLISHED, EmploymentType.FILED])
        .exclude(institution__kind__in=GRASSROOTS_KINDS)
        .filter(first_employment_date__year=year)
        .select_related("institution", "department")
        .order_by("institution__path", "employee_no")
    )
    return Drill(f"{year}年招聘的执业医师", STAFF_HEADERS, qs, _staff_cells)


def secondment_starts(user, params) -> Drill:
    year = _int(params, "year")
    qs = (
        visible_secondments(user)
        .filter(start__year=year)
        .exclude(status=SecondmentStatus.CANCELLED)
        .select_related("staff", "dispatching_unit", "receiving_unit")
        .order_by("start", "pk")
    )
    return Drill(f"{year}年开始下沉的人员", SECONDMENT_HEADERS, qs, _secondment_cells)


def secondment_demand(user, params) -> Drill:
    year = _int(params, "year")
    qs = (
        visible_demands(user)
        .filter(institution_id=_int(params, "institution"), year=year)
        .select_related("institution")
        .order_by("category", "pk")
    )
    return Drill(
        f"{year}年乡镇下沉需求",
        ["单位", "专业类别", "专业方向", "需求人数"],
        qs,
        lambda d: [
            (d.institution.name, ""),
            (d.get_category_display(), ""),
            (d.specialty or "—", ""),
            (str(d.count), ""),
        ],
    )


def _contract_cells(c) -> list[tuple[str, str]]:
    return [
        (c.code, reverse("talent:contract_detail", args=[c.pk])),
        (c.institution.name, ""),
        (c.get_status_display(), ""),
        (f"{c.funding:,.2f}", ""),
        (f"{c.paid:,.2f}", ""),
    ]


CONTRACT_HEADERS = ["合同编号", "单位", "状态", "支持资金（元）", "已拨付（元）"]


def talent(user, params) -> Drill:
    from talent.choices import COMMITTING_STATUSES

    year = _int(params, "year")
    qs = (
        visible_contracts(user)
        .filter(institution_id=_int(params, "institution"), start__year=year, status__in=COMMITTING_STATUSES)
        .select_related("institution")
        .order_by("code")
    )
    return Drill(f"{year}年计入经费的柔性引才合同", CONTRACT_HEADERS, qs, _contract_cells)


def talent_risk(user, params) -> Drill:
    qs = (
        visible_contracts(user)
        .filter(
            institution_id=_int(params, "institution"),
            pk__in=visible_contracts(user).filter(termination_items__status__in=AT_RISK_STATUSES).values("pk"),
        )
        .select_related("institution")
        .order_by("code")
    )
    return Drill("有终止情形的合同", CONTRACT_HEADERS, qs, _contract_cells)


def grassroots(user, params) -> Drill:
    backbone = params.get("backbone") == "1"
    qs = on_duty_staff(user).filter(institution_id=_int(params, "institution"))
    if backbone:
        qs = qs.filter(is_backbone=True)
    qs = qs.select_related("institution", "department").order_by("employee_no", "pk")
    return Drill("基层骨干人才" if backbone else "在岗基层卫生人员", STAFF_HEADERS, qs, _staff_cells)


DRILLS = {
    "staff_by_level": staff_by_level,
    "quota_use": quota_use,
    "completion": completion,
    "grades": grades,
    "secondment": secondment,
    "secondment_demand": secondment_demand,
    "physician_hires": physician_hires,
    "secondment_starts": secondment_starts,
    "talent": talent,
    "talent_risk": talent_risk,
    "grassroots": grassroots,
}
# Which dashboard figure (and so which resources) each drill-down belongs to.
DRILL_FIGURE = {
    "physician_hires": "secondment_share",
    "secondment_starts": "secondment_share",
    "secondment_demand": "secondment",
    "grassroots": "staff_by_level",
}


def drill(user, params, *, today: dt.date) -> Drill:
    """The list behind a bar; an unknown figure or one the role may not read is an error."""
    name = params.get("figure") or ""
    if name != "demotion" and name not in DRILLS:
        raise ApplicationError("未知的统计图，请从看板上的图形点击进入。")
    if DRILL_FIGURE.get(name, name) not in figures.figures_for(user):
        raise ApplicationError("您的角色无权查看该统计。")
    if name == "demotion":
        return demotion(user, params, today=today)
    return DRILLS[name](user, params)
