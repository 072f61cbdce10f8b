"""柔性引才 pages: every role × page against an explicit table, each list exactly the role's scope,
and the whole flow through the forms (team, contract within budget, visits, review, downloads)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from personnel.choices import Degree, Role, TitleLevel
from talent import services
from talent.models import AnnualReview, Budget, Contract, Team, Visit
from tests.talent.conftest import make_contract, make_expert
from tests.talent.test_services import review

ADMIN, HR, HEAD, STAFF = Role.COMMISSION_ADMIN, Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF
ROLES = [ADMIN, HR, HEAD, STAFF]


@pytest.fixture
def pages(talent_world):
    w = talent_world
    own = make_contract(w.hospital, department=w.dept)
    foreign = make_contract(w.foreign_hospital)
    other = make_contract(w.other_hospital)
    own_review = review(own)
    foreign_review = review(foreign)
    return {"own": own, "foreign": foreign, "other": other, "own_review": own_review, "foreign_review": foreign_review}


def _url(name, pages):
    simple = {
        "contracts": "talent:contracts",
        "contract_create": "talent:contract_create",
        "experts": "talent:experts",
        "expert_create": "talent:expert_create",
        "team_create": "talent:team_create",
        "budget": "talent:budget",
    }
    if name in simple:
        return reverse(simple[name])
    target, _, kind = name.partition(":")
    obj = pages[target]
    if kind == "detail":
        return reverse("talent:contract_detail", args=[obj.pk])
    if kind == "review_form":
        return reverse("talent:review_create", args=[obj.pk])
    if kind == "review":
        return reverse("talent:review_detail", args=[obj.pk])
    return reverse("talent:review_export", args=[obj.pk, kind])


# page -> status for admin, hr, head, staff (GET).
EXPECTED = """
contracts                 200 200 200 403
contract_create           200 200 403 403
experts                   200 200 200 403
expert_create             200 200 403 403
team_create               200 200 403 403
budget                    200 200 403 403
own:detail                200 200 200 403
other:detail              200 404 404 403
foreign:detail            404 404 404 403
own:review_form           200 200 403 403
foreign:review_form       404 404 403 403
own_review:review         200 200 200 403
foreign_review:review     404 404 404 403
own_review:xlsx           200 200 200 403
own_review:pdf            200 200 200 403
foreign_review:pdf        404 404 404 403
"""
CASES = [
    (page, role, int(code))
    for page, *codes in (line.split() for line in EXPECTED.strip().splitlines())
    for role, code in zip(ROLES, codes, strict=True)
]


@pytest.mark.parametrize(("page", "role", "expected"), CASES)
def test_role_page_matrix(client, talent_world, pages, page, role, expected):
    client.force_login(talent_world.users[role])
    assert client.get(_url(page, pages)).status_code == expected


@pytest.mark.parametrize(("role", "visible"), [(ADMIN, {"own", "other"}), (HR, {"own"}), (HEAD, {"own"})])
def test_contract_list_shows_exactly_the_scope(client, talent_world, pages, role, visible):
    client.force_login(talent_world.users[role])
    html = client.get(reverse("talent:contracts")).content.decode()
    for name in ("own", "other", "foreign"):
        assert (pages[name].code in html) is (name in visible), name


def test_the_navigation_offers_talent_to_readers_only(client, talent_world):
    for role, offered in ((ADMIN, True), (HR, True), (HEAD, True), (STAFF, False)):
        client.force_login(talent_world.users[role])
        html = client.get(reverse("home")).content.decode()
        assert (reverse("talent:contracts") in html) is offered, role


def test_anonymous_is_sent_to_login(client, talent_world):
    assert client.get(reverse("talent:contracts")).status_code == 302


def test_posts_on_a_foreign_contract_are_404_and_change_nothing(client, talent_world, pages):
    client.force_login(talent_world.users[HR])
    foreign = pages["other"]
    for name in ("talent:contract_terminate", "talent:visit_create"):
        response = client.post(reverse(name, args=[foreign.pk]), {"on": "2026-03-01", "visit_date": "2026-03-01"})
        assert response.status_code == 404
    assert Contract.objects.get(pk=foreign.pk).status == "active" and not Visit.objects.exists()


def test_head_may_not_record_visits_or_reallocate(client, talent_world, pages):
    client.force_login(talent_world.users[HEAD])
    response = client.post(reverse("talent:visit_create", args=[pages["own"].pk]), {"visit_date": "2026-03-01"})
    assert response.status_code == 403
    client.force_login(talent_world.users[HR])
    assert client.post(reverse("talent:budget"), {"amount": "1"}).status_code == 403


def test_the_whole_flow_through_the_pages(client, talent_world):
    w = talent_world
    hr = w.users[HR]
    client.force_login(hr)
    leader = make_expert(w.hospital, "领衔人")
    members = [make_expert(w.hospital, f"成员{i}", TitleLevel.ASSOCIATE_SENIOR, Degree.MASTER) for i in range(3)]
    weak = make_expert(w.hospital, "初级成员", TitleLevel.JUNIOR, Degree.BACHELOR)

    response = client.post(
        reverse("talent:team_create"),
        {
            "institution": w.hospital.pk,
            "name": "内镜团队",
            "leader": leader.pk,
            "core_members": [members[0].pk, weak.pk],
        },
    )
    assert response.status_code == 200 and "核心成员不少于3人" in response.content.decode()
    response = client.post(
        reverse("talent:team_create"),
        {
            "institution": w.hospital.pk,
            "name": "内镜团队",
            "leader": leader.pk,
            "core_members": [m.pk for m in members],
        },
    )
    assert response.status_code == 302
    team = Team.objects.get()

    contract_data = {
        "institution": w.hospital.pk,
        "department": w.dept.pk,
        "team": team.pk,
        "mode": "platform",
        "platform": "mdt_centre",
        "start": "2026-01-01",
        "end": "2026-12-31",
        "days_per_month": "1",
        "funding": "1000001",
        "annual_stipend": "80000",
    }
    response = client.post(reverse("talent:contract_create"), contract_data)
    assert response.status_code == 200 and "剩余经费1000000" in response.content.decode()
    response = client.post(reverse("talent:contract_create"), contract_data | {"funding": "300000"})
    contract = Contract.objects.get()
    assert response.status_code == 302
    client.post(reverse("talent:contract_sign", args=[contract.pk]), {"on": "2026-01-01"})
    for month in range(1, 13):
        client.post(
            reverse("talent:visit_create", args=[contract.pk]),
            {"visit_date": f"2026-{month:02d}-10", "days": "1", "kind": "clinic", "patients": "20"},
        )
    assert Visit.objects.filter(contract=contract).count() == 12
    detail = client.get(reverse("talent:contract_detail", args=[contract.pk])).content.decode()
    assert "到岗率" in detail

    form = client.get(reverse("talent:review_create", args=[contract.pk])).content.decode()
    assert "15%–20%（种子未规定，按政策数据）：0分" in form and "政策补充" in form
    response = client.post(
        reverse("talent:review_create", args=[contract.pk]),
        {
            "year": "2026",
            "visits_previous": "1000",
            "visits_current": "1300",
            "revenue_previous": "1000000",
            "revenue_current": "1200000",
            "new_techniques": "2",
            "papers_guided": "2",
            "staff_satisfaction": "92",
            "patient_satisfaction": "95",
            "manual_mentoring": "7",
            "manual_technique_pilot": "10",
            "manual_key_specialty": "0",
            "manual_research": "0",
            "manual_service_capacity": "4",
        },
    )
    result = AnnualReview.objects.get()
    assert response.status_code == 302
    # 15 + 10 + 10 (12/12 days) + 7 + 5 + 10 + 0 + 5 + 0 + 5 + 4
    assert (result.total, result.result, result.stipend) == (71, "pass", Decimal(80000))

    xlsx = client.get(reverse("talent:review_export", args=[result.pk, "xlsx"]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert "柔性引进人才使用考核表（2026年度）" in values and "71" in values
    pdf = client.get(reverse("talent:review_export", args=[result.pk, "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_budget_page_shows_allocated_committed_paid_and_reallocates(client, talent_world):
    w = talent_world
    contract = make_contract(w.hospital, funding="300000")
    services.record_payment(contract=contract, amount=Decimal(100_000))
    services.ensure_budget(institution=w.other_hospital, year=2026)
    client.force_login(w.users[ADMIN])
    html = client.get(reverse("talent:budget"), {"year": 2026}).content.decode()
    assert "1000000.00" in html and "300000.00" in html and "100000.00" in html and "700000.00" in html
    response = client.post(
        reverse("talent:budget"),
        {"year": 2026, "source": w.hospital.pk, "target": w.other_hospital.pk, "amount": "200001"},
    )
    assert response.status_code == 200 and "±20%" in response.content.decode()
    response = client.post(
        reverse("talent:budget"),
        {"year": 2026, "source": w.hospital.pk, "target": w.other_hospital.pk, "amount": "200000"},
    )
    assert response.status_code == 302
    assert Budget.objects.get(institution=w.other_hospital, year=2026).allocated == Decimal(1_200_000)
    assert "调剂200000" in client.get(response["Location"]).content.decode()  # the message, shown once
    client.force_login(w.users[HR])
    html = client.get(reverse("talent:budget"), {"year": 2026}).content.decode()
    assert w.hospital.name in html and w.other_hospital.name not in html


def test_a_contract_term_over_three_years_is_shown_on_the_form(client, talent_world):
    client.force_login(talent_world.users[HR])
    expert = make_expert(talent_world.hospital)
    response = client.post(
        reverse("talent:contract_create"),
        {
            "institution": talent_world.hospital.pk,
            "expert": expert.pk,
            "mode": "adviser",
            "start": "2026-01-01",
            "end": "2029-01-01",
            "days_per_month": "2",
            "funding": "1000",
            "annual_stipend": "0",
        },
    )
    assert response.status_code == 200 and "合同期不得超过36个月" in response.content.decode()
    assert not Contract.objects.exists()


def test_a_low_attendance_is_flagged_on_the_detail(client, talent_world, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 5, 8, 0, tzinfo=dt.UTC))
    contract = make_contract(talent_world.hospital, days_per_month="10", department=talent_world.dept)
    services.record_visit(contract=contract, visit_date=dt.date(2026, 1, 5), days=Decimal(13))
    client.force_login(talent_world.users[HEAD])
    html = client.get(reverse("talent:contract_detail", args=[contract.pk])).content.decode()
    assert "65%" in html and "stat-alert" in html


def test_payment_and_renewal_through_the_detail_page(client, talent_world):
    w = talent_world
    contract = make_contract(w.hospital, funding="300000", days_per_month="1")
    client.force_login(w.users[HR])
    client.post(reverse("talent:payment_create", args=[contract.pk]), {"amount": "100000"})
    client.post(reverse("talent:payment_create", args=[contract.pk]), {"amount": "200001"})  # beyond the funding
    assert Contract.objects.get(pk=contract.pk).paid == Decimal(100_000)
    renew = {"start": "2027-01-01", "end": "2027-12-31", "funding": "100000"}
    response = client.post(reverse("talent:contract_renew", args=[contract.pk]), renew, follow=True)
    assert "合格后才能续签" in response.content.decode()
    review(contract)
    response = client.post(reverse("talent:contract_renew", args=[contract.pk]), renew)
    renewal = Contract.objects.get(renewal_of=contract)
    assert response["Location"] == reverse("talent:contract_detail", args=[renewal.pk])
    assert renewal.status == "draft" and renewal.start == dt.date(2027, 1, 1)


def test_home_counts_open_and_overdue_termination_items(client, talent_world):
    contract = make_contract(talent_world.hospital, days_per_month="10")
    services.watch_terminations(today=dt.date(2026, 2, 28))  # nothing worked: below 70%
    services.watch_terminations(today=dt.date(2026, 6, 1))  # the 3 months have passed
    client.force_login(talent_world.users[HR])
    html = client.get(reverse("home")).content.decode()
    assert "柔性引才待终止事项" in html and "1项已逾期" in html
    client.force_login(talent_world.users[STAFF])
    assert "柔性引才待终止事项" not in client.get(reverse("home")).content.decode()
    assert contract.termination_items.get().overdue


def test_the_contract_list_and_budget_page_do_not_query_per_row(client, talent_world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(talent_world.users[ADMIN])

    def count(url) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    make_contract(talent_world.hospital, funding="1000")
    services.ensure_budget(institution=talent_world.other_hospital, year=2026)
    few = count(reverse("talent:contracts")), count(reverse("talent:budget") + "?year=2026")
    for _ in range(5):
        make_contract(talent_world.hospital, funding="1000")
        make_contract(talent_world.other_hospital, funding="1000")
    assert (count(reverse("talent:contracts")), count(reverse("talent:budget") + "?year=2026")) == few
