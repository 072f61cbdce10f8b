"""我的待办: each role sees what waits for it — score sheets of the open period at its level,
case steps it may take (the set-based reading agrees with django-fsm's per-case answer), unanswered
objections, round steps, deadlines within 30 days — each linking to where it is done; the
navigation's count is one cached figure; the page's queries do not grow with the data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.choices import PeriodKind
from demotions.choices import CaseKind, CaseState
from demotions.models import DemotionCase
from demotions.selectors import visible_cases
from personnel.choices import Role
from publicity import services as publicity_services
from rounds import services as round_services
from rounds.choices import ListStatus
from rounds.models import ProposedList
from tasks.context_processors import cached_task_count
from tasks.selectors import actionable_case_states, my_tasks, task_total
from tests.demotions.factories import (
    AssessmentFactory,
    AssessmentPeriodFactory,
    DemotionCaseFactory,
    RectificationFactory,
    senior_appointment,
)
from tests.factories import PostQuotaFactory, StaffFactory, TitleFactory

pytestmark = pytest.mark.django_db
C, HR, HEAD, STAFF = Role.COMMISSION_ADMIN, Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _groups(user, today):
    return {g.key: g for g in my_tasks(user, today=today)}


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def todo(world, today):
    """This month's and quarter's periods open (the head's own result submitted), two cases (one
    待提议, one 待资格审查 under publicity with an unanswered objection — the objection is set up on
    a restoration case in 资格审查通过 so a publicity may run), a rectification due in 10 days, a
    case and a rectification in the foreign region, a round with one submitted application."""
    monthly = AssessmentPeriodFactory(region=world.region, kind=PeriodKind.MONTHLY, year=today.year, number=today.month)
    quarterly = AssessmentPeriodFactory(
        region=world.region, kind=PeriodKind.QUARTERLY, year=today.year, number=(today.month - 1) // 3 + 1
    )
    AssessmentFactory(period=monthly, staff=world.head_staff)
    admin = world.users[C]
    opened = DemotionCaseFactory(appointment=senior_appointment(institution=world.hospital, department=world.dept))
    proposed = DemotionCaseFactory(
        appointment=senior_appointment(institution=world.hospital, department=world.other_dept),
        state=CaseState.PROPOSED,
    )
    restoring = DemotionCaseFactory(
        appointment=senior_appointment(institution=world.hospital, department=world.other_dept),
        kind=CaseKind.RESTORATION,
        state=CaseState.IN_PUBLICITY,
    )
    publicity = publicity_services.open_publicity(
        subject=restoring, region=world.region, title="恢复聘任公示", starts_on=today, working_days=5, actor=admin
    )
    publicity_services.lodge_objection(
        publicity=publicity, lodged_on=today, lodged_by_name="匿名", content="有异议", actor=admin
    )
    DemotionCaseFactory(appointment=senior_appointment(institution=world.foreign_hospital))
    RectificationFactory(
        appointment=opened.appointment, opened_on=today - dt.timedelta(days=80), deadline=today + dt.timedelta(days=10)
    )
    RectificationFactory(
        appointment=senior_appointment(institution=world.hospital, department=world.dept),
        opened_on=today - dt.timedelta(days=10),
        deadline=today + dt.timedelta(days=60),  # beyond 30 days: not listed
    )
    grade8 = PostQuotaFactory(institution=world.hospital, year=2028, post_grade__grade=8, count=2).post_grade
    round_ = round_services.open_round(region=world.region, year=2028, opened_on=dt.date(2027, 12, 1), actor=admin)
    applicant = StaffFactory(
        institution=world.hospital, department=world.dept, name="申报人", first_employment_date=dt.date(2008, 7, 1)
    )
    TitleFactory(staff=applicant, obtained_on=dt.date(2015, 9, 1))
    round_services.apply(round=round_, staff=applicant, post_grade=grade8, applied_on=dt.date(2027, 12, 5), actor=admin)
    return {
        "monthly": monthly,
        "quarterly": quarterly,
        "opened": opened,
        "proposed": proposed,
        "restoring": restoring,
        "round": round_,
    }


def test_the_department_head_enters_the_open_months_unsubmitted_scores_of_their_department(world, todo, today):
    groups = _groups(world.users[HEAD], today)
    [item] = groups["scores"].items
    dept_people = world.dept.staff.filter(status="on_duty").count()
    assert item.count == dept_people - 1  # the head's own result is submitted
    assert item.url == f"{reverse('assessments:sheet', args=[todo['monthly'].pk])}?department={world.dept.pk}"
    assert groups["cases"].items == [] and groups["objections"].items == [] and groups["rounds"].items == []


def test_hr_enters_the_quarters_results_per_department_of_the_institution(world, todo, today):
    items = _groups(world.users[HR], today)["scores"].items
    urls = {i.url: i.count for i in items}
    sheet = reverse("assessments:sheet", args=[todo["quarterly"].pk])
    assert urls[f"{sheet}?department={world.dept.pk}"] == world.dept.staff.filter(status="on_duty").count()
    assert urls[f"{sheet}?department={world.other_dept.pk}"] == world.other_dept.staff.filter(status="on_duty").count()
    assert all(todo["monthly"].get_kind_display() not in i.title for i in items)


def test_a_submitted_sheet_is_no_longer_a_task(world, todo, today):
    for person in world.other_dept.staff.filter(status="on_duty"):
        AssessmentFactory(period=todo["quarterly"], staff=person)
    urls = [i.url for i in _groups(world.users[HR], today)["scores"].items]
    sheet = reverse("assessments:sheet", args=[todo["quarterly"].pk])
    assert f"{sheet}?department={world.other_dept.pk}" not in urls
    assert f"{sheet}?department={world.dept.pk}" in urls


def test_case_steps_follow_the_roles_of_the_procedure(world, todo, today):
    hr_cases = _groups(world.users[HR], today)["cases"].items
    assert [i.url for i in hr_cases] == [reverse("demotions:case", args=[todo["opened"].pk])]
    assert "党支部提议" in hr_cases[0].detail
    commission_cases = {i.url: i.detail for i in _groups(world.users[C], today)["cases"].items}
    assert set(commission_cases) == {
        reverse("demotions:case", args=[todo["proposed"].pk]),
        reverse("demotions:case", args=[todo["restoring"].pk]),
    }  # not the foreign region's case, not HR's step
    assert "资格审查" in commission_cases[reverse("demotions:case", args=[todo["proposed"].pk])]
    for role in (HEAD, STAFF):
        assert _groups(world.users[role], today)["cases"].items == []


def test_the_set_based_steps_agree_with_django_fsm_case_by_case(world, todo):
    states = (CaseState.REVIEWED, CaseState.ASSESSED, CaseState.DECIDED, CaseState.PUBLICISED, CaseState.APPROVED)
    for state in states:
        for kind in CaseKind.values:
            DemotionCaseFactory(appointment=senior_appointment(institution=world.hospital), state=state, kind=kind)
    cases = list(DemotionCase.objects.all())
    for role in (C, HR, HEAD, STAFF):
        user = world.users[role]
        steps = actionable_case_states(user)
        reachable = set(visible_cases(user).values_list("pk", flat=True))
        for case in cases:
            expected = {t.name for t in case.get_available_user_state_transitions(user)} - {"dismiss"}
            listed = set(steps.get((case.state, case.kind), [])) if case.pk in reachable else set()
            assert listed == expected, (role, case.state, case.kind)


def test_the_commission_answers_unanswered_objections(world, todo, today):
    [item] = _groups(world.users[C], today)["objections"].items
    assert item.url == reverse("demotions:case", args=[todo["restoring"].pk])
    assert "匿名" in item.detail
    assert _groups(world.users[HR], today)["objections"].items == []
    objection = (
        todo["restoring"].publicities.get().objections.get() if hasattr(todo["restoring"], "publicities") else None
    )
    if objection is None:
        from publicity.models import Objection

        objection = Objection.objects.get()
    publicity_services.answer_objection(objection=objection, answer="经核查，不影响。", actor=world.users[C])
    assert _groups(world.users[C], today)["objections"].items == []


def test_submitted_applications_wait_for_qualification_by_hr_and_the_commission(world, todo, today):
    for role in (C, HR):
        [item] = [i for i in _groups(world.users[role], today)["rounds"].items if "资格审查" in i.title]
        assert item.count == 1
        assert item.url == reverse("rounds:applications", args=[todo["round"].pk])
    assert _groups(world.users[STAFF], today)["rounds"].items == []


def test_a_rectification_due_within_30_days_is_listed_for_everyone_who_reads_it(world, todo, today):
    for role in (C, HR, HEAD):
        items = _groups(world.users[role], today)["deadlines"].items
        assert [i.due for i in items] == [today + dt.timedelta(days=10)], role
        assert "还剩10天" in items[0].detail
        assert items[0].url == reverse("personnel:staff_detail", args=[todo["opened"].staff_id])
    assert _groups(world.users[STAFF], today)["deadlines"].items == []  # not the staff member's own


def test_another_regions_users_see_only_their_own(world, todo, today):
    from tests.factories import UserFactory

    foreign_admin = UserFactory(role=C, institution=world.foreign_hospital)
    groups = _groups(foreign_admin, today)
    assert all(not groups[key].items for key in ("cases", "objections", "rounds", "deadlines", "scores"))
    foreign_hr = UserFactory(role=HR, institution=world.foreign_hospital)
    [case] = _groups(foreign_hr, today)["cases"].items  # its own region's case, to propose
    assert case.url == reverse("demotions:case", args=[DemotionCase.objects.get(institution=world.foreign_hospital).pk])


@pytest.mark.parametrize("role", [C, HR, HEAD, STAFF])
def test_the_page_lists_each_item_with_its_link_and_caches_the_count(world, todo, today, role):
    user = world.users[role]
    response = _client(user).get(reverse("tasks:list"))
    assert response.status_code == 200
    groups = response.context["groups"]
    body = response.content.decode()
    for group in groups:
        for item in group.items:
            assert f'href="{item.url}"' in body.replace("&amp;", "&")
    assert cached_task_count(user) == task_total(groups) == response.context["total"]
    assert f"共 <strong>{task_total(groups)}</strong> 项" in body


def test_the_navigation_shows_the_cached_count_without_a_query_and_fetches_it_otherwise(world, todo):
    head = world.users[HEAD]
    c = _client(head)
    page = c.get(reverse("notifications:list")).content.decode()
    assert f'data-count-src="{reverse("tasks:count")}"' in page  # nothing cached yet
    count = c.get(reverse("tasks:count")).json()["tasks"]
    assert count > 0
    page = c.get(reverse("notifications:list")).content.decode()
    assert "data-count-src" not in page
    assert f'data-testid="task-count">{count}<' in page


def test_nobody_logged_in_is_sent_to_the_login_page(db):
    response = Client().get(reverse("tasks:list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def _grow(world, today, n: int) -> None:
    """n more people in each department, cases in every state, rectifications due soon."""
    for i in range(n):
        for dept in (world.dept, world.other_dept):
            StaffFactory(institution=world.hospital, department=dept)
        for state in (CaseState.OPENED, CaseState.PROPOSED, CaseState.APPROVED):
            case = DemotionCaseFactory(
                appointment=senior_appointment(institution=world.hospital, department=world.dept), state=state
            )
            if state == CaseState.OPENED:
                RectificationFactory(
                    appointment=case.appointment,
                    opened_on=today - dt.timedelta(days=80),
                    deadline=today + dt.timedelta(days=5 + i),
                )


@pytest.mark.parametrize("role", [C, HR, HEAD, STAFF])
def test_the_page_takes_the_same_number_of_queries_at_two_sizes(world, todo, today, role):
    user = world.users[role]
    c = _client(user)
    c.get(reverse("tasks:list"))  # sessions, content types warmed

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("tasks:list")).status_code == 200
        return len(ctx.captured_queries)

    small = count()
    _grow(world, today, 2)
    middle = count()
    _grow(world, today, 6)
    assert count() == middle == small, role


def test_a_users_own_write_drops_their_cached_count_and_nobody_elses(world, todo):
    head, hr = world.users[HEAD], world.users[HR]
    c = _client(head)
    c.get(reverse("tasks:list"))
    _client(hr).get(reverse("tasks:list"))
    assert cached_task_count(head) is not None and cached_task_count(hr) is not None
    c.post(reverse("notifications:mark_read"))
    assert cached_task_count(head) is None
    assert cached_task_count(hr) is not None


def test_a_publicised_list_waits_for_the_commissions_approval_and_its_objection_links_to_the_round(world, todo, today):
    admin = world.users[C]
    round_list = ProposedList.objects.create(
        round=todo["round"], institution=world.hospital, status=ListStatus.IN_PUBLICITY, proposed_on=today
    )
    publicity = publicity_services.open_publicity(
        subject=round_list, region=world.region, title="拟聘任名单公示", starts_on=today, working_days=5, actor=admin
    )
    publicity_services.lodge_objection(
        publicity=publicity, lodged_on=today, lodged_by_name="张三", content="名单有误", actor=admin
    )
    objections = {i.title: i.url for i in _groups(admin, today)["objections"].items}
    assert objections["拟聘任名单公示"] == reverse("rounds:board", args=[todo["round"].pk])
    ProposedList.objects.filter(pk=round_list.pk).update(status=ListStatus.PUBLICISED)
    [item] = [i for i in _groups(admin, today)["rounds"].items if "审批" in i.title]
    assert item.url == reverse("rounds:board", args=[todo["round"].pk])
    assert not [i for i in _groups(world.users[HR], today)["rounds"].items if "审批" in i.title]


def test_the_commission_enters_the_annual_results_across_its_region(world, todo, today):
    annual = AssessmentPeriodFactory(region=world.region, kind=PeriodKind.ANNUAL, year=today.year, number=0)
    items = [
        i
        for i in _groups(world.users[C], today)["scores"].items
        if i.url.startswith(reverse("assessments:sheet", args=[annual.pk]))
    ]
    assert {i.url.rsplit("=", 1)[1] for i in items} == {str(world.dept.pk), str(world.other_dept.pk)}
    assert all("策勒县人民医院" in i.title for i in items)
    assert not [
        i
        for i in _groups(world.users[HR], today)["scores"].items
        if i.url.startswith(reverse("assessments:sheet", args=[annual.pk]))
    ]
