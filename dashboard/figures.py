"""The commission dashboard's figures (issue 8), each one aggregate query over a scoped queryset.

Every figure is built on the owning app's `visible_*` selector, so HR sees its institution subtree,
a department head their department, a staff member their own rows, and a figure whose resource the
role may not read is left out (`FIGURE_RESOURCES`).  A figure is plain data — categories, series,
and for each bar the drill-down filter — that the page draws with ECharts, the reports write to
.xlsx and draw into the PDF with reportlab, and the API returns as JSON.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, FilteredRelation, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from appointments.models import Appointment
from appointments.selectors import filled_posts_filter
from assessments.choices import AssessmentStatus, Grade, PeriodStatus
from assessments.models import AssessmentPeriod
from assessments.selectors import visible_assessments, visible_periods
from demotions.choices import OPEN_STATES, CaseState, RectificationStatus
from demotions.selectors import visible_cases, visible_rectifications
from personnel.choices import TITLE_LEVEL_RANK, StaffStatus, TitleLevel
from personnel.models import Department, Institution, Staff, Title
from personnel.scoping import can_read, visible_quotas, visible_staff
from secondments.choices import SecondmentStatus
from secondments.selectors import visible_demands, visible_secondments
from talent.choices import TerminationStatus
from talent.selectors import budgets_with_figures, visible_budgets, visible_contracts

NO_TITLE = "none"
LEVEL_LABELS = {**dict(TitleLevel.choices), NO_TITLE: "无职称"}
LEVEL_ORDER = [TitleLevel.SENIOR, TitleLevel.ASSOCIATE_SENIOR, TitleLevel.INTERMEDIATE, TitleLevel.JUNIOR, NO_TITLE]
GRADE_ORDER = [Grade.EXCELLENT, Grade.QUALIFIED, Grade.BASIC, Grade.UNQUALIFIED]
COVERING_STATUSES = (SecondmentStatus.PLANNED, SecondmentStatus.ACTIVE, SecondmentStatus.COMPLETED)
AT_RISK_STATUSES = (TerminationStatus.OPEN, TerminationStatus.FILED)

# The resources a role must read for a figure to be shown (personnel.scoping's matrices decide).
FIGURE_RESOURCES: dict[str, tuple[str, ...]] = {
    "staff_by_level": ("staff", "title"),
    "quota_use": ("quota", "appointment"),
    "completion": ("assessment", "period"),
    "grades": ("assessment", "period"),
    "demotion": ("demotion_case", "rectification"),
    "secondment": ("secondment", "secondment_plan"),
    "secondment_share": ("secondment", "secondment_plan", "staff"),
    "talent": ("talent_budget", "talent_contract"),
    "talent_risk": ("talent_contract",),
}
RED = "#c0392b"
GREEN = "#2e8b57"


@dataclass
class Figure:
    """One chart: `series[i].data[j]` is the value of series i at category j (a series may fix its
    `color`: red for what needs action); `drill[i][j]` the query string of the list behind it
    (blank = nothing to list); `highlight[i][j]` draws one bar red (over quota, short of demand)."""

    key: str
    title: str
    kind: str  # "bar", "stacked" or "pie"
    categories: list[str]
    series: list[dict]
    drill: list[list[str]] = field(default_factory=list)
    note: str = ""
    highlight: list[list[bool]] = field(default_factory=list)  # over quota, overdue… drawn red

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "categories": self.categories,
            "series": [
                {"name": s["name"], "data": [_plain(v) for v in s["data"]], "color": s.get("color", "")}
                for s in self.series
            ],
            "drill": self.drill,
            "highlight": self.highlight,
            "note": self.note,
        }


def _plain(value):
    return float(value) if isinstance(value, Decimal) else value


def _qs(**params) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


def figures_for(user) -> list[str]:
    return [key for key, resources in FIGURE_RESOURCES.items() if all(can_read(user, r) for r in resources)]


# --- Staff by title level and institution -------------------------------------------------------


def level_rank_case(prefix: str = "") -> Case:
    return Case(
        *[When(**{f"{prefix}level": level}, then=Value(rank)) for level, rank in TITLE_LEVEL_RANK.items()],
        default=Value(0),
        output_field=IntegerField(),
    )


def staff_with_top_level(qs):
    """Annotate each person with `top_level`: the level of their most senior title (Staff.current_title's
    rule, in SQL), blank without a title."""
    top = (
        Title.objects.filter(staff=OuterRef("pk"))
        .annotate(rank=level_rank_case())
        .order_by("-rank", "-obtained_on")
        .values("level")[:1]
    )
    return qs.annotate(top_level=Coalesce(Subquery(top), Value(NO_TITLE)))


def on_duty_staff(user):
    return visible_staff(user).filter(status=StaffStatus.ON_DUTY)


def _top_levels_by_institution(staff) -> list[tuple[int, str, str, int, int]]:
    """(institution id, name, path, rank of the most senior title or 0, people) for the people of
    `staff`: the titles are reduced to one rank per person in a derived table and joined once — a
    correlated subquery per person took seconds at 100,000 staff."""
    scoped_sql, scoped_params = staff.order_by().values("pk").query.sql_with_params()
    quote = connection.ops.quote_name
    staff_table, title_table, institution_table = (quote(m._meta.db_table) for m in (Staff, Title, Institution))
    rank = " ".join(f"WHEN %s THEN {r}" for r in TITLE_LEVEL_RANK.values())
    sql = (
        f"SELECT i.id, i.name, i.path, x.top, COUNT(*) FROM ("  # noqa: S608
        f"SELECT s.id, s.institution_id, COALESCE(MAX(CASE t.level {rank} ELSE 0 END), 0) AS top "
        f"FROM {staff_table} s LEFT JOIN {title_table} t ON t.staff_id = s.id "
        f"WHERE s.id IN ({scoped_sql}) GROUP BY s.id, s.institution_id) x "
        f"JOIN {institution_table} i ON i.id = x.institution_id GROUP BY i.id, i.name, i.path, x.top"
    )
    params = [*TITLE_LEVEL_RANK.keys(), *scoped_params]
    with connection.cursor() as cursor:
        # Table names from the models' meta and the scoped queryset's own compiled SQL; every
        # value is a parameter.
        cursor.execute(sql, params)  # noqa: S608
        return cursor.fetchall()


RANK_LEVEL = {rank: level for level, rank in TITLE_LEVEL_RANK.items()} | {0: NO_TITLE}


def staff_by_level(user) -> Figure:
    counts: dict[tuple[int, str], int] = {}
    names: dict[int, tuple[str, str]] = {}
    for institution_id, name, path, rank, n in _top_levels_by_institution(on_duty_staff(user)):
        counts[(institution_id, RANK_LEVEL[rank])] = n
        names[institution_id] = (path, name)
    institutions = sorted(names, key=lambda i: names[i])
    return Figure(
        key="staff_by_level",
        title="在岗人员职称结构（按机构）",
        kind="stacked",
        categories=[names[i][1] for i in institutions],
        series=[
            {"name": LEVEL_LABELS[level], "data": [counts.get((i, level), 0) for i in institutions]}
            for level in LEVEL_ORDER
        ],
        drill=[
            [_qs(figure="staff_by_level", institution=i, level=level) for i in institutions] for level in LEVEL_ORDER
        ],
    )


# --- Post-quota use -----------------------------------------------------------------------------


def quota_use(user, *, year: int) -> Figure:
    """Allowed and filled posts per institution and grade: the quotas, and the filled posts
    (appointments' one rule, `filled_posts_filter`) grouped once — not a subquery per quota."""
    quotas = list(
        visible_quotas(user)
        .filter(year=year)
        .order_by("institution__path", "post_grade_id")
        .values("institution_id", "institution__name", "post_grade_id", "post_grade__name", "count")
    )
    filled = {
        (r["institution_id"], r["post_grade_id"]): r["n"]
        for r in Appointment.objects.filter(
            filled_posts_filter(year=year),
            institution__in=visible_quotas(user).filter(year=year).values("institution_id"),
        )
        .order_by()
        .values("institution_id", "post_grade_id")
        .annotate(n=Count("pk"))
    }
    rows = [{**q, "used": filled.get((q["institution_id"], q["post_grade_id"]), 0)} for q in quotas]
    return Figure(
        key="quota_use",
        title=f"{year}年岗位使用（已聘/核定）",
        kind="bar",
        categories=[f"{r['institution__name']}·{r['post_grade_id']}级" for r in rows],
        series=[
            {"name": "核定岗位", "data": [r["count"] for r in rows]},
            {"name": "已聘", "data": [r["used"] for r in rows]},
        ],
        drill=[
            ["" for _ in rows],
            [
                _qs(figure="quota_use", institution=r["institution_id"], grade=r["post_grade_id"], year=year)
                for r in rows
            ],
        ],
        highlight=[[False for _ in rows], [r["used"] > r["count"] for r in rows]],
        note="红色为超出核定岗位数。",
    )


# --- Assessment completion for the open period ---------------------------------------------------


def open_period(user, *, period_id: int | None = None) -> AssessmentPeriod | None:
    periods = visible_periods(user)
    if period_id:
        return periods.filter(pk=period_id).first()
    return periods.filter(status=PeriodStatus.OPEN).order_by("-start", "kind").first()


def completion(user, *, period: AssessmentPeriod | None) -> Figure:
    title = f"{period}提交情况" if period else "考核提交情况（没有进行中的考核期间）"
    if period is None:
        return Figure(key="completion", title=title, kind="stacked", categories=[], series=[])
    # One LEFT JOIN on the period's submitted results (an EXISTS per person took a second at 100,000).
    rows = list(
        on_duty_staff(user)
        .filter(institution__region_id=period.region_id)
        .annotate(
            result=FilteredRelation(
                "assessments",
                condition=Q(assessments__period=period, assessments__status=AssessmentStatus.SUBMITTED),
            )
        )
        # Grouped by the two ids only (the planner then hashes ~hundreds of groups; with the names
        # in the key it sorted every person, spilling to disk), named and sorted here.
        .order_by()
        .values("institution_id", "department_id")
        # done counts result.staff_id, not result.id: the join is then answered from the index on
        # (period, status, grade, staff) alone (280 -> 40 ms for a county of 9,200 staff).
        .annotate(total=Count("pk"), done=Count("result__staff"))
    )
    institutions = {
        i["pk"]: i
        for i in Institution.objects.filter(pk__in={r["institution_id"] for r in rows}).values("pk", "name", "path")
    }
    departments = {
        d["pk"]: d
        for d in Department.objects.filter(pk__in={r["department_id"] for r in rows if r["department_id"]}).values(
            "pk", "name", "code"
        )
    }
    for r in rows:
        r["institution__name"] = institutions[r["institution_id"]]["name"]
        department = departments.get(r["department_id"], {})
        r["department__name"] = department.get("name")
        r["sort"] = (institutions[r["institution_id"]]["path"], department.get("code", ""))
    rows.sort(key=lambda r: r["sort"])
    return Figure(
        key="completion",
        title=title,
        kind="stacked",
        categories=[f"{r['institution__name']}·{r['department__name'] or '未分科室'}" for r in rows],
        series=[
            {"name": "已提交", "data": [r["done"] for r in rows], "color": GREEN},
            {"name": "未提交", "data": [r["total"] - r["done"] for r in rows], "color": RED},
        ],
        drill=[
            [
                _qs(
                    figure="completion",
                    period=period.pk,
                    institution=r["institution_id"],
                    department=r["department_id"] or 0,
                    submitted=1,
                )
                for r in rows
            ],
            [
                _qs(
                    figure="completion",
                    period=period.pk,
                    institution=r["institution_id"],
                    department=r["department_id"] or 0,
                    submitted=0,
                )
                for r in rows
            ],
        ],
    )


# --- Grade distribution per period --------------------------------------------------------------


def grades(user, *, periods: int = 6) -> Figure:
    recent = list(visible_periods(user).order_by("-start", "kind")[:periods])
    recent.reverse()
    counts: dict[tuple[int, str], int] = {}
    if recent:
        for r in (
            visible_assessments(user)
            .filter(period__in=[p.pk for p in recent], status=AssessmentStatus.SUBMITTED)
            .order_by()
            .values("period_id", "grade")
            .annotate(n=Count("*"))  # COUNT(*), not COUNT(id): an index-only scan answers it
        ):
            counts[(r["period_id"], r["grade"])] = r["n"]
    return Figure(
        key="grades",
        title="考核等次分布（最近考核期间）",
        kind="stacked",
        categories=[f"{p.label}{p.get_kind_display()}" for p in recent],
        series=[{"name": Grade(g).label, "data": [counts.get((p.pk, g), 0) for p in recent]} for g in GRADE_ORDER],
        drill=[[_qs(figure="grades", period=p.pk, grade=g) for p in recent] for g in GRADE_ORDER],
    )


# --- The demotion funnel -----------------------------------------------------------------------


def demotion(user, *, today: dt.date) -> Figure:
    from demotions.views import overdue_q, step_days

    rect = visible_rectifications(user).aggregate(
        open=Count("pk", filter=Q(status=RectificationStatus.OPEN)),
        late=Count("pk", filter=Q(status=RectificationStatus.OPEN, deadline__lt=today)),
    )
    by_state = {
        r["state"]: r
        for r in visible_cases(user)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"), late=Count("pk", filter=overdue_q(today, step_days())))
    }
    states = [s for s in CaseState.values if s != CaseState.DISMISSED]
    categories = ["整改中", *[CaseState(s).label for s in states]]
    totals = [rect["open"], *[by_state.get(s, {}).get("n", 0) for s in states]]
    late = [rect["late"], *[by_state.get(s, {}).get("late", 0) if s in OPEN_STATES else 0 for s in states]]
    return Figure(
        key="demotion",
        title="能上能下进度（整改与案件各环节）",
        kind="bar",
        categories=categories,
        series=[{"name": "数量", "data": totals}, {"name": "超期", "data": late, "color": RED}],
        drill=[
            [_qs(figure="demotion", step="rectification"), *[_qs(figure="demotion", step=s) for s in states]],
            [
                _qs(figure="demotion", step="rectification", overdue=1),
                *[_qs(figure="demotion", step=s, overdue=1) if s in OPEN_STATES else "" for s in states],
            ],
        ],
        note=f"超期：整改已过期限，或案件当前环节超过办理期限（未设期限时为{step_days()}天）。",
    )


# --- Secondments: coverage of township demand ----------------------------------------------------


def secondment(user, *, year: int) -> Figure:
    demand = {
        r["institution_id"]: r
        for r in visible_demands(user)
        .filter(year=year)
        .order_by()
        .values("institution_id", "institution__name", "institution__path")
        .annotate(n=Sum("count"))
    }
    covered = {
        r["receiving_unit_id"]: r
        for r in visible_secondments(user)
        .filter(status__in=COVERING_STATUSES, start__year__lte=year, end__year__gte=year)
        .order_by()
        .values("receiving_unit_id", "receiving_unit__name", "receiving_unit__path")
        .annotate(n=Count("staff_id", distinct=True))
    }
    names = {i: (r["institution__path"], r["institution__name"]) for i, r in demand.items()}
    for i, r in covered.items():
        names.setdefault(i, (r["receiving_unit__path"], r["receiving_unit__name"]))
    units = sorted(names, key=lambda i: names[i])
    need = [demand[i]["n"] if i in demand else 0 for i in units]
    got = [covered[i]["n"] if i in covered else 0 for i in units]
    return Figure(
        key="secondment",
        title=f"{year}年县聘乡用：乡镇需求与到岗",
        kind="bar",
        categories=[names[i][1] for i in units],
        series=[{"name": "需求人数", "data": need}, {"name": "下沉人数", "data": got}],
        drill=[
            [_qs(figure="secondment_demand", institution=i, year=year) for i in units],
            [_qs(figure="secondment", institution=i, year=year) for i in units],
        ],
        highlight=[[False] * len(units), [g < n for g, n in zip(got, need, strict=True)]],
        note="红色为下沉人数不足需求；个人下沉义务完成情况见“下沉义务”页。",
    )


# --- Secondments: the share of physician hires seconded (seed 001 §四(一)) ------------------------


def secondment_share(user, *, today: dt.date) -> Figure:
    """This and last year's physician hires at county units against the stints begun, as the
    secondments app counts them (`hire_shares`); each person's own obligation is on its 下沉义务
    page (computed per person, too slow for a county at a glance)."""
    from personnel.errors import ApplicationError
    from personnel.services import policy_for
    from secondments.selectors import hire_shares

    title = "县聘乡用下沉人数与执业医师招聘（义务完成情况）"
    institution = getattr(user, "institution", None)
    try:
        share = policy_for(institution.region, today).secondment_share_of_hires if institution else None
    except (ApplicationError, KeyError):
        share = None
    if share is None:
        return Figure(
            key="secondment_share",
            title=title,
            kind="bar",
            categories=[],
            series=[],
            note="当前政策版本未设置“下沉人数占医师招聘比例”（种子001），无法核算。",
        )
    shares = sorted(hire_shares(user, year=today.year, share=share), key=lambda s: s.year)
    return Figure(
        key="secondment_share",
        title=title,
        kind="bar",
        categories=[f"{s.year}年" for s in shares],
        series=[
            {"name": "招聘执业医师", "data": [s.hires for s in shares]},
            {"name": "应下沉（至少）", "data": [s.required for s in shares]},
            {"name": "已下沉", "data": [s.seconded for s in shares]},
        ],
        drill=[
            [_qs(figure="physician_hires", year=s.year) for s in shares],
            ["" for _ in shares],
            [_qs(figure="secondment_starts", year=s.year) for s in shares],
        ],
        highlight=[[False] * len(shares), [False] * len(shares), [not s.met for s in shares]],
        note=f"下沉人数不低于当年招聘执业医师的{share * 100:.0f}%；红色为未达标。个人下沉义务见“县聘乡用·下沉义务”页。",
    )


# --- Talent: budget and contracts at risk ---------------------------------------------------------


def talent(user, *, year: int) -> Figure:
    budgets = list(
        budgets_with_figures(visible_budgets(user).filter(year=year))
        .order_by("institution__path")
        .values("institution_id", "institution__name", "allocated_amount", "committed_amount", "paid_amount")
    )
    ids = [b["institution_id"] for b in budgets]
    return Figure(
        key="talent",
        title=f"{year}年柔性引才经费（元）",
        kind="bar",
        categories=[b["institution__name"] for b in budgets],
        series=[
            {"name": "核定经费", "data": [b["allocated_amount"] for b in budgets]},
            {"name": "已承诺", "data": [b["committed_amount"] for b in budgets]},
            {"name": "已拨付", "data": [b["paid_amount"] for b in budgets]},
        ],
        drill=[
            ["" for _ in ids],
            [_qs(figure="talent", institution=i, year=year) for i in ids],
            [_qs(figure="talent", institution=i, year=year) for i in ids],
        ],
        highlight=[
            [False] * len(ids),
            [b["committed_amount"] > b["allocated_amount"] for b in budgets],
            [False] * len(ids),
        ],
        note="已承诺 = 当年签订合同的支持资金 − 解除后释放；红色为超出核定经费。",
    )


def talent_risk(user) -> Figure:
    rows = list(
        visible_contracts(user)
        .filter(termination_items__status__in=AT_RISK_STATUSES)
        .order_by()
        .values("institution_id", "institution__name", "institution__path")
        .annotate(n=Count("pk", distinct=True))
    )
    rows.sort(key=lambda r: r["institution__path"])
    return Figure(
        key="talent_risk",
        title="柔性引才风险合同（有终止情形）",
        kind="bar",
        categories=[r["institution__name"] for r in rows],
        series=[{"name": "风险合同（份）", "data": [r["n"] for r in rows], "color": RED}],
        drill=[[_qs(figure="talent_risk", institution=r["institution_id"]) for r in rows]],
        note="有待提出或已提出终止申请的情形（种子002 §六(三)）：到岗不足、考核不合格、医疗事故等。",
    )


# --- All of them --------------------------------------------------------------------------------


def dashboard(user, *, today: dt.date, period_id: int | None = None) -> list[Figure]:
    """The figures the user's role may read, in page order: a fixed number of queries."""
    wanted = set(figures_for(user))
    out: list[Figure] = []
    if "staff_by_level" in wanted:
        out.append(staff_by_level(user))
    if "quota_use" in wanted:
        out.append(quota_use(user, year=today.year))
    if "completion" in wanted:
        out.append(completion(user, period=open_period(user, period_id=period_id)))
    if "grades" in wanted:
        out.append(grades(user))
    if "demotion" in wanted:
        out.append(demotion(user, today=today))
    if "secondment" in wanted:
        out.append(secondment(user, year=today.year))
    if "secondment_share" in wanted:
        out.append(secondment_share(user, today=today))
    if "talent" in wanted:
        out.append(talent(user, year=today.year))
    if "talent_risk" in wanted:
        out.append(talent_risk(user))
    return out


def totals(figure: Figure) -> dict[str, object]:
    """Each series' sum (the report's summary line)."""
    sums: dict[str, object] = defaultdict(int)
    for s in figure.series:
        sums[s["name"]] = sum(s["data"]) if s["data"] else 0
    return dict(sums)
