"""Each dashboard figure against an independent computation in plain Python over the same rows, for
every role (the scope rules restated here by hand: commission — its region; HR — its institution
subtree; department head — their department; staff — themselves)."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import pytest
from django.urls import reverse

from appointments.models import Appointment
from assessments.models import Assessment, AssessmentPeriod
from dashboard import figures
from demotions.choices import OPEN_STATES, CaseState
from demotions.models import DemotionCase, Rectification
from personnel.choices import TITLE_LEVEL_RANK, Role
from personnel.models import PostQuota, Staff
from secondments.models import Demand, Secondment
from talent.choices import COMMITTING_STATUSES
from talent.models import Budget, Contract, TerminationItem

from .conftest import TODAY

ROLES = [Role.COMMISSION_ADMIN, Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF]


def sees_staff(user, s: Staff) -> bool:
    if user.role == Role.COMMISSION_ADMIN:
        return s.institution.region_id == user.institution.region_id
    if user.role == Role.HOSPITAL_HR:
        return s.institution.path.startswith(user.institution.path)
    if user.role == Role.DEPARTMENT_HEAD:
        return s.department_id == user.department_id
    return s.pk == user.staff_id


def sees_institution(user, institution) -> bool:
    if user.role == Role.COMMISSION_ADMIN:
        return institution.region_id == user.institution.region_id
    return institution.path.startswith(user.institution.path)


def series(figure, name):
    return next(s["data"] for s in figure.series if s["name"] == name)


def by_category(figure, name) -> dict:
    return {c: v for c, v in zip(figure.categories, series(figure, name), strict=True) if v}


@pytest.mark.parametrize("role", ROLES)
def test_staff_by_level_counts_each_person_at_their_most_senior_title(dash, role):
    user = dash.users[role]
    expected = Counter()
    for s in Staff.objects.prefetch_related("titles").select_related("institution"):
        if s.status == "on_duty" and sees_staff(user, s):
            titles = list(s.titles.all())
            level = max(titles, key=lambda t: (TITLE_LEVEL_RANK[t.level], t.obtained_on)).level if titles else "none"
            expected[(s.institution.name, figures.LEVEL_LABELS[level])] += 1
    figure = figures.staff_by_level(user)
    got = Counter()
    for s in figure.series:
        for category, value in zip(figure.categories, s["data"], strict=True):
            if value:
                got[(category, s["name"])] = value
    assert got == expected
    assert sum(expected.values()) > 0


@pytest.mark.parametrize("role", [Role.COMMISSION_ADMIN, Role.HOSPITAL_HR])
def test_quota_use_counts_active_non_special_appointments_and_flags_over_quota(dash, role):
    user = dash.users[role]
    figure = figures.quota_use(user, year=2026)
    expected = {}
    for q in PostQuota.objects.select_related("institution", "post_grade").filter(year=2026):
        if not sees_institution(user, q.institution):
            continue
        used = sum(
            1
            for a in Appointment.objects.all()
            if a.institution_id == q.institution_id
            and a.post_grade_id == q.post_grade_id
            and a.status == "active"
            and a.kind != "special"
            and a.start.year <= 2026 <= a.end.year
        )
        expected[f"{q.institution.name}·{q.post_grade_id}级"] = (q.count, used)
    got = {
        c: (allowed, used)
        for c, allowed, used in zip(figure.categories, series(figure, "核定岗位"), series(figure, "已聘"), strict=True)
    }
    assert got == expected
    over = [c for c, flag in zip(figure.categories, figure.highlight[1], strict=True) if flag]
    assert over == [c for c, (allowed, used) in expected.items() if used > allowed]
    assert over == ["策勒县人民医院·8级"]


@pytest.mark.parametrize("role", ROLES)
def test_completion_counts_submitted_and_missing_per_department_for_the_open_period(dash, role):
    user = dash.users[role]
    period = figures.open_period(user)
    assert period.label == "2026-11"
    figure = figures.completion(user, period=period)
    submitted = {a.staff_id for a in Assessment.objects.filter(period=period, status="submitted")}
    done, missing = Counter(), Counter()
    for s in Staff.objects.select_related("institution", "department"):
        if s.status != "on_duty" or not sees_staff(user, s) or s.institution.region_id != period.region_id:
            continue
        key = f"{s.institution.name}·{s.department.name if s.department_id else '未分科室'}"
        (done if s.pk in submitted else missing)[key] += 1
    assert by_category(figure, "已提交") == dict(done)
    assert by_category(figure, "未提交") == dict(missing)


@pytest.mark.parametrize("role", ROLES)
def test_grade_distribution_counts_submitted_results_per_period(dash, role):
    user = dash.users[role]
    figure = figures.grades(user)
    expected = Counter()
    for a in Assessment.objects.select_related("staff__institution", "staff__department", "period"):
        if a.status == "submitted" and sees_staff(user, a.staff):
            expected[(f"{a.period.label}{a.period.get_kind_display()}", a.get_grade_display())] += 1
    got = Counter()
    for s in figure.series:
        for category, value in zip(figure.categories, s["data"], strict=True):
            if value:
                got[(category, s["name"])] = value
    assert got == expected
    region_periods = AssessmentPeriod.objects.filter(region=dash.region).count()
    assert len(figure.categories) == region_periods


@pytest.mark.parametrize("role", ROLES)
def test_demotion_funnel_counts_open_rectifications_cases_by_state_and_overdue(dash, role):
    user = dash.users[role]
    figure = figures.demotion(user, today=TODAY)
    rects = [r for r in Rectification.objects.select_related("staff__institution") if sees_staff(user, r.staff)]
    cases = [c for c in DemotionCase.objects.select_related("staff__institution") if sees_staff(user, c.staff)]
    totals = dict(zip(figure.categories, series(figure, "数量"), strict=True))
    late = dict(zip(figure.categories, series(figure, "超期"), strict=True))
    assert totals["整改中"] == sum(r.status == "open" for r in rects)
    assert late["整改中"] == sum(r.status == "open" and r.deadline < TODAY for r in rects)
    for state in CaseState:
        if state == CaseState.DISMISSED:
            continue
        in_state = [c for c in cases if c.state == state]
        assert totals[state.label] == len(in_state)

        def overdue(c) -> bool:
            if c.step_due:
                return c.step_due < TODAY
            entered = c.state_changed_at.date() if c.state_changed_at else c.opened_on
            return entered < TODAY - dt.timedelta(days=15)

        assert late[state.label] == (sum(overdue(c) for c in in_state) if state in OPEN_STATES else 0)


@pytest.mark.parametrize("role", [Role.COMMISSION_ADMIN, Role.HOSPITAL_HR])
def test_secondment_coverage_compares_township_demand_with_stints_of_the_year(dash, role):
    user = dash.users[role]
    figure = figures.secondment(user, year=2026)
    need, got = Counter(), {}
    for d in Demand.objects.select_related("institution"):
        if d.year == 2026 and sees_institution(user, d.institution):
            need[d.institution.name] += d.count
    people: dict[str, set] = {}
    for s in Secondment.objects.select_related("receiving_unit", "dispatching_unit"):
        visible = sees_institution(user, s.receiving_unit) or sees_institution(user, s.dispatching_unit)
        if visible and s.status in ("planned", "active", "completed") and s.start.year <= 2026 <= s.end.year:
            people.setdefault(s.receiving_unit.name, set()).add(s.staff_id)
    got = {k: len(v) for k, v in people.items()}
    assert by_category(figure, "需求人数") == dict(need)
    assert by_category(figure, "下沉人数") == got


@pytest.mark.parametrize("role", [Role.COMMISSION_ADMIN, Role.HOSPITAL_HR])
def test_secondment_share_compares_this_and_last_years_physician_hires_with_stints_begun(dash, role):
    user = dash.users[role]
    figure = figures.secondment_share(user, today=TODAY)
    expected = {}
    for year in (2025, 2026):
        hires = sum(
            1
            for s in Staff.objects.select_related("institution")
            if sees_staff(user, s)
            and s.category in ("clinical", "tcm", "dental", "public_health")
            and s.employment_type in ("established", "filed")
            and s.institution.kind not in ("township_centre", "community_centre")
            and s.first_employment_date
            and s.first_employment_date.year == year
        )
        seconded = sum(
            1
            for s in Secondment.objects.select_related("receiving_unit", "dispatching_unit")
            if (sees_institution(user, s.receiving_unit) or sees_institution(user, s.dispatching_unit))
            and s.start.year == year
            and s.status != "cancelled"
        )
        expected[f"{year}年"] = (hires, math.ceil(hires * 0.8), seconded)
    got = {
        c: (h, r, d)
        for c, h, r, d in zip(
            figure.categories,
            series(figure, "招聘执业医师"),
            series(figure, "应下沉（至少）"),
            series(figure, "已下沉"),
            strict=True,
        )
    }
    assert got == expected
    if role == Role.COMMISSION_ADMIN:
        assert got["2026年"] == (3, 3, 2)
        assert figure.highlight[2] == [False, True]  # 2025: nothing owed; 2026: 2 of at least 3


@pytest.mark.parametrize("role", [Role.COMMISSION_ADMIN, Role.HOSPITAL_HR])
def test_talent_budget_allocated_committed_and_paid(dash, role):
    user = dash.users[role]
    figure = figures.talent(user, year=2026)
    expected = {}
    for b in Budget.objects.select_related("institution").filter(year=2026):
        if not sees_institution(user, b.institution):
            continue
        signed = [
            c
            for c in Contract.objects.all()
            if c.institution_id == b.institution_id and c.start.year == 2026 and c.status in COMMITTING_STATUSES
        ]
        expected[b.institution.name] = (
            float(b.base + b.adjustment),
            float(sum(c.funding - c.released for c in signed)),
            float(sum(c.paid for c in signed)),
        )
    data = figure.as_dict()["series"]
    got = {c: tuple(s["data"][j] for s in data) for j, c in enumerate(figure.categories)}
    assert got == expected
    assert got["策勒县人民医院"] == (500000.0, 200000.0, 50000.0)
    if role == Role.COMMISSION_ADMIN:
        over = [c for c, flag in zip(figure.categories, figure.highlight[1], strict=True) if flag]
        assert over == ["策勒县中医医院"]  # 350,000 committed of 280,000


@pytest.mark.parametrize("role", ROLES)
def test_contracts_at_risk_count_contracts_with_an_open_or_filed_termination_ground(dash, role):
    user = dash.users[role]
    risky = {t.contract_id for t in TerminationItem.objects.all() if t.status in ("open", "filed")}
    expected = Counter()
    for c in Contract.objects.select_related("institution"):
        if c.pk not in risky:
            continue
        if role == Role.DEPARTMENT_HEAD:
            visible = c.department_id == user.department_id
        elif role == Role.STAFF:
            visible = False
        else:
            visible = sees_institution(user, c.institution)
        if visible:
            expected[c.institution.name] += 1
    if role == Role.STAFF:
        assert "talent_risk" not in figures.figures_for(user)
        return
    assert by_category(figures.talent_risk(user), "风险合同（份）") == dict(expected)


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Role.COMMISSION_ADMIN, [*figures.FIGURE_RESOURCES]),
        (Role.HOSPITAL_HR, [*figures.FIGURE_RESOURCES]),
        (Role.DEPARTMENT_HEAD, ["staff_by_level", "completion", "grades", "demotion", "talent_risk"]),
        (Role.STAFF, ["staff_by_level", "completion", "grades", "demotion"]),
    ],
)
def test_each_role_gets_the_figures_its_resources_allow(dash, role, shown):
    assert [f.key for f in figures.dashboard(dash.users[role], today=TODAY)] == shown


def test_the_page_draws_every_figure_of_the_commission(dash, client):
    client.force_login(dash.users[Role.COMMISSION_ADMIN])
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    for key in figures.FIGURE_RESOURCES:
        assert f'id="chart-{key}"' in response.content.decode()
    categories = {c for f in response.context["chart_data"] for c in f["categories"]}
    assert "策勒县人民医院·外科" in categories
    assert not any("万州区" in c for c in categories)
