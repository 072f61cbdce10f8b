"""政策参数管理 (/policies/): the commission admin edits its region's policy grouped by capability,
each save a NEW version (earlier ones untouched), sees how many open items each version decided,
and compares two versions side by side; HR and department heads read the version in force; staff
and API clients are refused (403); errors are in Chinese per field and nothing is written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from personnel.choices import Role
from personnel.models import PolicyVersion
from personnel.policy import POLICY_FIELDS
from tests.demotions.factories import DemotionCaseFactory, senior_appointment
from tests.factories import PolicyVersionFactory, UserFactory

pytestmark = pytest.mark.django_db
C, HR, HEAD, STAFF = Role.COMMISSION_ADMIN, Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _form(policy: PolicyVersion, **changes) -> dict:
    data = {key: str(value) for key, value in policy.data.items()}
    data.update(name="2027年政策调整", effective_from=(timezone.localdate() + dt.timedelta(days=1)).isoformat())
    data.update({k: str(v) for k, v in changes.items()})
    return data


@pytest.fixture
def current(world):
    return PolicyVersion.objects.get(region=world.region)


def test_the_commission_sees_every_field_grouped_by_capability(world, current):
    response = _client(world.users[C]).get(reverse("policies:detail"))
    assert response.status_code == 200
    assert response.templates[0].name == "personnel/policy_edit.html"
    groups = response.context["groups"]
    assert [g.name for g in groups] == list(dict.fromkeys(f.group for f in POLICY_FIELDS.values()))
    shown = {f.key: f.shown for g in groups for f in g.fields}
    assert shown["rectification_months"] == str(current.data["rectification_months"])
    body = response.content.decode()
    assert "能上能下" in body and "整改期（月）" in body and "保存为新版本" in body


def test_saving_creates_a_new_version_and_leaves_the_old_one_as_it_was(world, current):
    before = dict(current.data)
    months = current.data["rectification_months"] + 1
    response = _client(world.users[C]).post(reverse("policies:detail"), _form(current, rectification_months=months))
    assert response.status_code == 302
    new = PolicyVersion.objects.exclude(pk=current.pk).get(region=world.region)
    current.refresh_from_db()
    assert current.data == before
    assert new.data["rectification_months"] == months
    assert {k: v for k, v in new.data.items() if k != "rectification_months"} == {
        k: v for k, v in before.items() if k != "rectification_months"
    }
    assert new.created_by == world.users[C]
    assert "整改期（月）" in new.note  # the changed field named when no note is given
    assert response["Location"] == f"{reverse('policies:compare')}?a={current.pk}&b={new.pk}"


def test_the_comparison_highlights_the_changed_keys_only(world, current):
    new = PolicyVersionFactory(
        region=world.region,
        name="新版",
        effective_from=dt.date(2027, 1, 1),
        data=current.data | {"rectification_months": 12, "publicity_working_days": 7},
    )
    response = _client(world.users[C]).get(reverse("policies:compare"), {"a": current.pk, "b": new.pk})
    assert response.status_code == 200
    changed = {f.key for g in response.context["groups"] for f in g.fields if f.changed}
    assert changed == {"rectification_months", "publicity_working_days"}
    body = response.content.decode()
    assert 'data-testid="changed-rectification_months"' in body
    assert 'data-testid="changed-consecutive_failed_quarters"' not in body
    assert response.context["changed"] == 2


@pytest.mark.parametrize(
    ("changes", "key", "message"),
    [
        ({"rectification_months": "三个月"}, "rectification_months", "“整改期（月）”应为数字。"),
        ({"rectification_months": "2.5"}, "rectification_months", "“整改期（月）”应为整数。"),
        ({"publicity_working_days": "-1"}, "publicity_working_days", "“公示期（工作日）”不能为负数。"),
        ({"name": ""}, "name", "请填写版本名称"),
        ({"effective_from": "明年"}, "effective_from", "请按“年-月-日”填写生效日期"),
        ({"effective_from": "2019-12-31"}, "effective_from", "生效日期不能早于现行最新版本的生效日期（2020-01-01）"),
    ],
)
def test_an_error_is_shown_in_chinese_at_its_field_and_nothing_is_written(world, current, changes, key, message):
    response = _client(world.users[C]).post(reverse("policies:detail"), _form(current, **changes))
    assert response.status_code == 400
    assert message in " ".join(response.context["form_errors"][key])
    assert message in response.content.decode()
    assert PolicyVersion.objects.filter(region=world.region).count() == 1
    # What was typed is kept in the form.
    shown = {f.key: f.shown for g in response.context["groups"] for f in g.fields}
    assert shown["consecutive_failed_quarters"] == str(current.data["consecutive_failed_quarters"])


def test_two_field_errors_are_both_reported(world, current):
    response = _client(world.users[C]).post(
        reverse("policies:detail"), _form(current, rectification_months="x", name="")
    )
    errors = response.context["form_errors"]
    assert "rectification_months" in errors and "name" in errors
    assert PolicyVersion.objects.filter(region=world.region).count() == 1


def test_each_version_shows_how_many_open_items_it_decided_with_links(world, current):
    case = DemotionCaseFactory(appointment=senior_appointment(institution=world.hospital))
    c = _client(world.users[C])
    rows = c.get(reverse("policies:detail")).context["versions"]
    [row] = rows
    usage = dict((u.key, n) for u, n in row["usage"])
    assert usage["cases"] == 1
    assert usage["appointments"] >= 1  # the case's appointment was made under it
    page = c.get(reverse("policies:usage", args=[current.pk, "cases"]))
    assert page.status_code == 200
    assert reverse("demotions:case", args=[case.pk]) in page.content.decode()


def test_another_regions_version_is_not_found(world):
    foreign = PolicyVersion.objects.get(region=world.foreign_region)
    c = _client(world.users[C])
    assert c.get(reverse("policies:compare"), {"a": foreign.pk}).status_code == 404
    assert c.get(reverse("policies:usage", args=[foreign.pk, "cases"])).status_code == 404


def test_another_regions_commission_edits_only_its_own_region(world):
    foreign_admin = UserFactory(role=C, institution=world.foreign_hospital)
    foreign = PolicyVersion.objects.get(region=world.foreign_region)
    response = _client(foreign_admin).post(reverse("policies:detail"), _form(foreign, rectification_months=9))
    assert response.status_code == 302
    assert PolicyVersion.objects.filter(region=world.foreign_region).count() == 2
    assert PolicyVersion.objects.filter(region=world.region).count() == 1


@pytest.mark.parametrize("role", [HR, HEAD])
def test_hr_and_heads_read_the_version_in_force_and_may_not_edit(world, current, role):
    c = _client(world.users[role])
    response = c.get(reverse("policies:detail"))
    assert response.status_code == 200
    assert response.templates[0].name == "personnel/policy_view.html"
    body = response.content.decode()
    assert "整改期（月）" in body and "保存为新版本" not in body
    assert "合同最短期限（月）" not in body  # a programme the region's policy does not set
    assert c.post(reverse("policies:detail"), _form(current, rectification_months=9)).status_code == 403
    assert c.get(reverse("policies:compare")).status_code == 403
    assert c.get(reverse("policies:usage", args=[current.pk, "cases"])).status_code == 403
    assert PolicyVersion.objects.filter(region=world.region).count() == 1


def test_staff_and_api_clients_are_refused(world):
    api_user = UserFactory(role=Role.API_CLIENT, institution=world.hospital)
    for user in (world.users[STAFF], api_user):
        c = _client(user)
        assert c.get(reverse("policies:detail")).status_code == 403
        assert c.get(reverse("policies:compare")).status_code == 403


def test_nobody_logged_in_goes_to_the_login_page(db):
    response = Client().get(reverse("policies:detail"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_navigation_offers_policies_to_those_who_may_read_them(world):
    for role, shown in ((C, True), (HR, True), (HEAD, True), (STAFF, False)):
        body = _client(world.users[role]).get(reverse("tasks:list")).content.decode()
        assert (f'href="{reverse("policies:detail")}"' in body) is shown, role


def test_the_comparison_can_show_the_differences_only(world, current):
    new = PolicyVersionFactory(
        region=world.region,
        name="新版",
        effective_from=dt.date(2027, 1, 1),
        data=current.data | {"rectification_months": 12},
    )
    c = _client(world.users[C])
    body = c.get(reverse("policies:compare"), {"a": current.pk, "b": new.pk, "changed": "1"}).content.decode()
    assert "整改期（月）" in body and "公示期（工作日）" not in body
    body = c.get(reverse("policies:compare"), {"a": current.pk, "b": new.pk}).content.decode()
    assert "公示期（工作日）" in body


def test_a_superuser_chooses_the_region_and_edits_it(world):
    root = UserFactory(role="", institution=None, is_superuser=True, is_staff=True)
    foreign = PolicyVersion.objects.get(region=world.foreign_region)
    c = _client(root)
    page = c.get(reverse("policies:detail"), {"region": world.foreign_region.pk})
    assert page.context["region"] == world.foreign_region
    response = c.post(
        reverse("policies:detail"), _form(foreign, rectification_months=9) | {"region": world.foreign_region.pk}
    )
    assert response.status_code == 302
    assert PolicyVersion.objects.filter(region=world.foreign_region).count() == 2
