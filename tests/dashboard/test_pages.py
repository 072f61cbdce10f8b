"""The dashboard page, its drill-downs, the scope matrix and the query count."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard import figures
from personnel.choices import Role
from tests.factories import StaffFactory, TitleFactory

from .conftest import TODAY, build_dashboard_rows

ROLES = [Role.COMMISSION_ADMIN, Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF]


def _drill_rows(client, query: str) -> int:
    response = client.get(reverse("dashboard:drill") + "?" + query)
    assert response.status_code == 200, response.content.decode()[:500]
    return response.context["page_obj"].paginator.count


@pytest.mark.parametrize("role", ROLES)
def test_every_bar_drills_down_to_exactly_the_rows_it_counts(dash, client, role):
    """Each non-zero value of each figure the role sees lists that many rows (the talent money
    bars list the contracts behind the amount, so their count is the contracts')."""
    user = dash.users[role]
    client.force_login(user)
    checked = 0
    for figure in figures.dashboard(user, today=TODAY):
        for i, s in enumerate(figure.series):
            for j, value in enumerate(s["data"]):
                query = figure.drill[i][j] if figure.drill else ""
                if not query or not value:
                    continue
                rows = _drill_rows(client, query)
                if figure.key == "talent" and s["name"] in ("已承诺", "已拨付"):
                    assert rows >= 1
                elif figure.key == "secondment" and s["name"] == "需求人数":
                    assert rows >= 1  # demand lines, each of several people
                else:
                    assert rows == value, (figure.key, s["name"], figure.categories[j])
                checked += 1
    assert checked >= 4


@pytest.mark.parametrize("role", [Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF])
def test_a_drill_into_rows_out_of_scope_lists_nothing(dash, client, role):
    """The commission's drill-down links, opened by a narrower role, list only what that role sees."""
    admin = dash.users[Role.COMMISSION_ADMIN]
    user = dash.users[role]
    client.force_login(user)
    allowed = set(figures.figures_for(user))
    for figure in figures.dashboard(admin, today=TODAY):
        for i, s in enumerate(figure.series):
            for j, value in enumerate(s["data"]):
                query = figure.drill[i][j] if figure.drill else ""
                if not query or not value:
                    continue
                response = client.get(reverse("dashboard:drill") + "?" + query)
                if figure.key not in allowed:
                    assert response.status_code == 400
                    assert "无权" in response.content.decode()
                    continue
                institution = int(parse_qs(query)["institution"][0]) if "institution=" in query else None
                if institution == dash.other_hospital.pk:
                    assert response.context["page_obj"].paginator.count == 0


def test_a_drill_without_its_parameters_says_what_to_do(dash, client):
    client.force_login(dash.users[Role.COMMISSION_ADMIN])
    response = client.get(reverse("dashboard:drill") + "?figure=staff_by_level&level=senior")
    assert response.status_code == 400
    assert "缺少参数“institution”" in response.content.decode()
    response = client.get(reverse("dashboard:drill") + "?figure=nonsense")
    assert response.status_code == 400
    assert "未知的统计图" in response.content.decode()


def test_not_submitted_drill_lists_who_has_not_submitted(dash, client):
    client.force_login(dash.users[Role.COMMISSION_ADMIN])
    figure = figures.completion(
        dash.users[Role.COMMISSION_ADMIN], period=figures.open_period(dash.users[Role.COMMISSION_ADMIN])
    )
    j = figure.categories.index("策勒县人民医院·内科")
    response = client.get(reverse("dashboard:drill") + "?" + figure.drill[1][j])
    names = [row[0][0] for row in response.context["rows"]]
    # 艾合买提 has a draft only; 王芳 submitted.
    assert "艾合买提" in names
    assert "王芳" not in names


@pytest.mark.parametrize("role", ROLES)
def test_every_role_opens_the_dashboard_of_its_own_scope(dash, client, role):
    client.force_login(dash.users[role])
    response = client.get(reverse("dashboard:index"))
    assert response.status_code == 200
    data = response.context["chart_data"]
    assert [f["key"] for f in data] == figures.figures_for(dash.users[role])
    categories = {c for f in data for c in f["categories"]}
    assert not any("万州区" in c for c in categories)
    if role == Role.STAFF:
        staff = next(f for f in data if f["key"] == "staff_by_level")
        assert sum(sum(s["data"]) for s in staff["series"]) == 1  # themselves
    if role == Role.DEPARTMENT_HEAD:
        assert all(c.endswith("内科") for c in next(f for f in data if f["key"] == "completion")["categories"])
    if role == Role.HOSPITAL_HR:
        assert not any("中医医院" in c for c in categories)


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("dashboard:index"), {"fresh": "1"}).status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboard_takes_the_same_number_of_queries_for_more_rows(world, client, django_assert_max_num_queries):
    build_dashboard_rows(world, extra_staff=2)
    client.force_login(world.users[Role.COMMISSION_ADMIN])
    small = _page_queries(client)
    for i in range(30):
        s = StaffFactory(institution=world.other_hospital)
        TitleFactory(staff=s, name=f"加{i}")
    with django_assert_max_num_queries(small):
        assert client.get(reverse("dashboard:index"), {"fresh": "1"}).status_code == 200
    assert small <= 26


def test_the_figures_are_kept_a_while_per_scope_and_refreshed_on_demand(dash, client):
    client.force_login(dash.users[Role.COMMISSION_ADMIN])
    first = client.get(reverse("dashboard:index")).context["chart_data"]
    StaffFactory(institution=dash.other_hospital)  # a new person without a title
    kept = client.get(reverse("dashboard:index")).context["chart_data"]
    assert kept == first
    fresh = client.get(reverse("dashboard:index"), {"fresh": "1"}).context["chart_data"]

    def untitled(data) -> int:
        staff = next(f for f in data if f["key"] == "staff_by_level")
        return sum(next(s for s in staff["series"] if s["name"] == "无职称")["data"])

    assert untitled(fresh) == untitled(first) + 1
    # Another scope (the hospital's HR) is computed for itself, not served the commission's.
    client.force_login(dash.users[Role.HOSPITAL_HR])
    hr = client.get(reverse("dashboard:index")).context["chart_data"]
    assert not any("中医医院" in c for f in hr for c in f["categories"])
