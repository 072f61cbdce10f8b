"""The scheme pages: everyone of the region reads the schemes (versions, which one is in force);
only the commission (and superusers) create and revise them; a revision is a new version through
`revise_scheme`, the scored version stays as it was; errors are shown per row in Chinese and
nothing is written."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import Assessment, GradeBand, Scheme, SchemeItem
from assessments.services import ScoreRow, save_scores
from personnel.choices import Role
from tests.factories import UserFactory

from .conftest import BANDS, MONTHLY_ITEMS, full_scores

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _july(time_machine):
    time_machine.move_to(dt.datetime(2026, 7, 10, 9, tzinfo=dt.UTC))


def revision_post(scheme: Scheme, *, items=None, bands=None, effective_from="2026-08-01", note="提高医疗质量权重"):
    """The 修订 form as a browser posts it: every row, prefilled or typed."""
    items = MONTHLY_ITEMS if items is None else items
    bands = BANDS if bands is None else bands
    data = {
        "effective_from": effective_from,
        "note": note,
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "40",
        "bands-TOTAL_FORMS": str(len(bands)),
        "bands-INITIAL_FORMS": str(len(bands)),
        "bands-MIN_NUM_FORMS": "0",
        "bands-MAX_NUM_FORMS": "4",
    }
    labels = {"优秀": "excellent", "合格": "qualified", "基本合格": "basic", "不合格": "unqualified"}
    for i, item in enumerate(items):
        data.update(
            {
                f"items-{i}-code": item.get("code", ""),
                f"items-{i}-name": item.get("name", ""),
                f"items-{i}-max_points": str(item.get("max_points", "")),
                f"items-{i}-weight": str(item.get("weight", "1")),
                f"items-{i}-scorer_role": item.get("scorer_role", Role.DEPARTMENT_HEAD),
                f"items-{i}-order": str(item.get("order", (i + 1) * 10)),
            }
        )
        if item.get("DELETE"):
            data[f"items-{i}-DELETE"] = "on"
    for i, band in enumerate(bands):
        data[f"bands-{i}-grade"] = labels.get(band["grade"], band["grade"])
        data[f"bands-{i}-min_points"] = str(band["min_points"])
    return data


def login(client, world, role):
    client.force_login(world.users[role])
    return client


@pytest.mark.parametrize("role", [Role.COMMISSION_ADMIN, Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF])
def test_every_role_of_the_region_reads_the_schemes_and_only_the_commission_gets_the_editor(
    client, world, monthly_scheme, role
):
    login(client, world, role)
    page = client.get(reverse("assessments:schemes")).content.decode()
    assert "科室月度考核" in page and "第1版" in page and "生效中" in page
    detail = client.get(reverse("assessments:scheme", args=[monthly_scheme.pk]))
    assert detail.status_code == 200
    text = detail.content.decode()
    assert "医疗质量" in text and "不低于" in text
    editable = role == Role.COMMISSION_ADMIN
    assert ('name="items-0-code"' in text) is editable
    assert ("新建方案" in page) is editable


def test_another_regions_scheme_is_a_404(client, world, monthly_scheme):
    foreign_admin = UserFactory(username="wz", role=Role.COMMISSION_ADMIN, institution=world.foreign_hospital.parent)
    client.force_login(foreign_admin)
    assert client.get(reverse("assessments:scheme", args=[monthly_scheme.pk])).status_code == 404
    assert "科室月度考核" not in client.get(reverse("assessments:schemes")).content.decode()


@pytest.mark.parametrize("role", [Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF])
def test_only_the_commission_may_revise_or_create(client, world, monthly_scheme, role):
    login(client, world, role)
    response = client.post(reverse("assessments:scheme", args=[monthly_scheme.pk]), revision_post(monthly_scheme))
    assert response.status_code == 403
    assert client.get(reverse("assessments:scheme_new")).status_code == 403
    assert Scheme.objects.count() == 1


def test_a_revision_is_a_new_version_and_the_scored_version_keeps_its_numbers(client, world, monthly_scheme, march):
    head = world.users[Role.DEPARTMENT_HEAD]
    save_scores(period=march, actor=head, rows=[ScoreRow(staff_id=world.staff_in_dept.pk, scores=full_scores(80))])
    login(client, world, Role.COMMISSION_ADMIN)
    url = reverse("assessments:scheme", args=[monthly_scheme.pk])
    assert "已有1人按第1版评分" in client.get(url).content.decode()
    items = [dict(i) for i in MONTHLY_ITEMS] + [{"code": "attendance", "name": "劳动纪律", "max_points": 10}]
    items[0]["max_points"] = 50
    items[3]["DELETE"] = True  # 科研教学 dropped
    bands = [dict(b) for b in BANDS]
    bands[0]["min_points"] = 92
    response = client.post(url, revision_post(monthly_scheme, items=items, bands=bands))
    assert response.status_code == 302, response.content.decode()[:3000]
    new = Scheme.objects.get(code="monthly", version=2)
    assert response["Location"] == reverse("assessments:scheme", args=[new.pk])
    assert new.effective_from == dt.date(2026, 8, 1) and new.note == "提高医疗质量权重"
    assert new.created_by == world.users[Role.COMMISSION_ADMIN]
    assert list(new.items.values_list("code", "max_points")) == [
        ("quality", Decimal(50)),
        ("workload", Decimal(30)),
        ("ethics", Decimal(20)),
        ("attendance", Decimal(10)),
    ]
    assert GradeBand.objects.get(scheme=new, grade="excellent").min_points == 92
    # Version 1 is untouched and the result still points to it.
    assert list(monthly_scheme.items.values_list("code", flat=True)) == ["quality", "workload", "ethics", "teaching"]
    assert GradeBand.objects.get(scheme=monthly_scheme, grade="excellent").min_points == 90
    assert Assessment.objects.get(staff=world.staff_in_dept).scheme == monthly_scheme
    listing = client.get(reverse("assessments:schemes")).content.decode()
    assert "待生效" in listing and "第2版" in listing  # 2026-08-01 is after today (2026-07-10)


@pytest.mark.parametrize(
    ("items", "bands", "messages"),
    [
        (
            [
                {"code": "quality", "name": "医疗质量", "max_points": "abc"},
                {"code": "", "name": "工作量", "max_points": 30},
            ],
            BANDS,
            ["第1行满分：满分应为数字。", "第2行项目代码：请填写项目代码。"],
        ),
        (
            [
                {"code": "quality", "name": "医疗质量", "max_points": 40},
                {"code": "quality", "name": "工作量", "max_points": -1, "weight": "-0.5"},
            ],
            BANDS,
            ["第2行满分：满分须大于0。", "第2行权重：权重不能为负数。"],
        ),
        (
            [
                {"code": "quality", "name": "医疗质量", "max_points": 40},
                {"code": "quality", "name": "工作量", "max_points": 30},
            ],
            BANDS,
            ["第2行项目代码：项目代码“quality”与第1行重复。"],
        ),
        (
            MONTHLY_ITEMS,
            [
                {"grade": "优秀", "min_points": 70},
                {"grade": "合格", "min_points": 75},
                {"grade": "不合格", "min_points": 0},
            ],
            ["第1行：“优秀”的分数线（70）须高于“合格”（75）。"],
        ),
        (
            MONTHLY_ITEMS,
            [{"grade": "优秀", "min_points": 90}, {"grade": "合格", "min_points": 60}],
            ["最低等次的分数线须为0"],
        ),
        (
            MONTHLY_ITEMS,
            [{"grade": "优秀", "min_points": 190}, {"grade": "不合格", "min_points": 0}],
            ["超过了满分"],
        ),
        (MONTHLY_ITEMS, [{"grade": "合格", "min_points": 0}, {"grade": "合格", "min_points": 75}], ["与第1行重复"]),
    ],
)
def test_bad_rows_are_reported_per_row_in_chinese_and_nothing_is_written(
    client, world, monthly_scheme, items, bands, messages
):
    login(client, world, Role.COMMISSION_ADMIN)
    url = reverse("assessments:scheme", args=[monthly_scheme.pk])
    response = client.post(url, revision_post(monthly_scheme, items=items, bands=bands))
    assert response.status_code == 400
    text = response.content.decode()
    for message in messages:
        assert message in text
    assert Scheme.objects.count() == 1 and SchemeItem.objects.count() == 4


def test_the_revision_needs_a_note_and_a_date_not_before_the_newest_version(client, world, monthly_scheme):
    login(client, world, Role.COMMISSION_ADMIN)
    url = reverse("assessments:scheme", args=[monthly_scheme.pk])
    text = client.post(url, revision_post(monthly_scheme, effective_from="2025-12-31", note="")).content.decode()
    assert "请填写修订说明" in text and "生效日期不能早于第1版的生效日期（2026-01-01）" in text
    assert Scheme.objects.count() == 1


def test_every_row_deleted_is_refused(client, world, monthly_scheme):
    login(client, world, Role.COMMISSION_ADMIN)
    items = [{**i, "DELETE": True} for i in MONTHLY_ITEMS]
    text = client.post(
        reverse("assessments:scheme", args=[monthly_scheme.pk]), revision_post(monthly_scheme, items=items)
    ).content.decode()
    assert "至少需要一个考核项目" in text
    assert Scheme.objects.count() == 1


def test_a_comprehensive_scheme_keeps_the_quantified_weight_of_the_policy(client, world):
    """Seed 000: the quantified score weighs at least 70% (policy `quantified_score_min_weight`)."""
    from personnel.models import PolicyVersion

    policy = PolicyVersion.objects.get(region=world.region)
    policy.data = {**policy.data, "quantified_score_min_weight": "0.7"}
    policy.save()
    login(client, world, Role.COMMISSION_ADMIN)
    data = revision_post(
        None,
        items=[
            {
                "code": "quantified",
                "name": "量化考核",
                "max_points": 100,
                "weight": "0.6",
                "scorer_role": "commission_admin",
            },
            {
                "code": "democratic",
                "name": "民主测评",
                "max_points": 100,
                "weight": "0.4",
                "scorer_role": "commission_admin",
            },
        ],
        bands=[{"grade": "合格", "min_points": 60}, {"grade": "不合格", "min_points": 0}],
        effective_from="2026-07-01",
        note="",
    )
    data.update({"code": "comprehensive", "name": "高职低聘综合考核", "kind": "comprehensive"})
    response = client.post(reverse("assessments:scheme_new"), data)
    assert response.status_code == 400
    assert "“量化考核”的权重须不低于70%" in response.content.decode()
    assert not Scheme.objects.exists()
    data["items-0-weight"], data["items-1-weight"] = "0.7", "0.3"
    response = client.post(reverse("assessments:scheme_new"), data)
    assert response.status_code == 302
    scheme = Scheme.objects.get(code="comprehensive")
    assert scheme.version == 1 and scheme.region == world.region and scheme.kind == "comprehensive"


def test_a_new_scheme_needs_an_unused_code(client, world, monthly_scheme):
    login(client, world, Role.COMMISSION_ADMIN)
    data = revision_post(None, effective_from="2026-07-01")
    data.update({"code": "monthly", "name": "另一个", "kind": "monthly"})
    response = client.post(reverse("assessments:scheme_new"), data)
    assert response.status_code == 400
    assert "方案代码“monthly”已存在" in response.content.decode()
    assert Scheme.objects.count() == 1


def test_the_new_scheme_page_starts_with_the_four_grades(client, world):
    login(client, world, Role.COMMISSION_ADMIN)
    page = client.get(reverse("assessments:scheme_new")).content.decode()
    assert page.count('name="bands-') >= 8 and "添加考核项目" in page
    assert 'name="region"' not in page  # a commission admin creates in their own region
    assert 'name="effective_from" value="2026-07-10"' in page  # today, as a date box reads it


def test_the_list_marks_the_version_in_force(client, world, monthly_scheme):
    from assessments.services import revise_scheme

    revise_scheme(scheme=monthly_scheme, effective_from=dt.date(2026, 6, 1), note="六月起")
    revise_scheme(scheme=monthly_scheme, effective_from=dt.date(2026, 9, 1), note="九月起")
    login(client, world, Role.HOSPITAL_HR)
    response = client.get(reverse("assessments:schemes"))
    versions = {v.version: v for g in response.context["groups"] for v in g["versions"]}
    assert [v.version for v in versions.values() if v.in_force] == [2]
    assert versions[2].used_for_kind and not versions[1].in_force and not versions[3].in_force


def test_the_period_page_links_to_the_schemes(client, world):
    login(client, world, Role.DEPARTMENT_HEAD)
    assert reverse("assessments:schemes") in client.get(reverse("assessments:periods")).content.decode()


def test_a_superuser_picks_the_region_of_a_new_scheme(client, world):
    root = UserFactory(username="root", is_superuser=True, is_staff=True, role="", institution=None)
    client.force_login(root)
    data = revision_post(None, effective_from="2026-07-01")
    data.update({"code": "quarterly-hr", "name": "单位季度考核", "kind": "quarterly"})
    response = client.post(reverse("assessments:scheme_new"), data)
    assert response.status_code == 400 and "请选择地区" in response.content.decode()
    data["region"] = str(world.foreign_region.pk)
    assert client.post(reverse("assessments:scheme_new"), data).status_code == 302
    assert Scheme.objects.get(code="quarterly-hr").region == world.foreign_region


def test_the_scheme_pages_run_a_fixed_number_of_queries(client, world, monthly_scheme, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assessments.services import revise_scheme

    login(client, world, Role.HOSPITAL_HR)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("assessments:schemes"))
        client.get(reverse("assessments:scheme", args=[monthly_scheme.pk]))
    for day in range(2, 12):
        revise_scheme(scheme=monthly_scheme, effective_from=dt.date(2026, 1, day), note=f"第{day}次")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("assessments:schemes"))
        client.get(reverse("assessments:scheme", args=[monthly_scheme.pk]))
