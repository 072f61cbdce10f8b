"""柔性引才 API: every role × endpoint × action against an explicit table, the scope of each list,
and the writes going through the services (refusals are Chinese 400s that write nothing)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from talent.models import AnnualReview, Contract, Visit
from tests.api_testing import assert_chinese_400, assert_no_rows_written, assert_status, client_for, result_ids
from tests.talent.conftest import make_contract, make_expert

ROLES = ("commission_admin", "hospital_hr", "department_head", "staff", "api_client")


@pytest.fixture
def contracts(talent_world):
    w = talent_world
    return {
        "hospital": make_contract(w.hospital, department=w.dept),
        "hospital_other_dept": make_contract(w.hospital, department=w.other_dept),
        "branch": make_contract(w.branch),
        "other_hospital": make_contract(w.other_hospital),
        "foreign": make_contract(w.foreign_hospital),
    }


# Which contracts each role lists (and may open; the rest are 404).
VISIBLE = {
    "commission_admin": {"hospital", "hospital_other_dept", "branch", "other_hospital"},
    "hospital_hr": {"hospital", "hospital_other_dept", "branch"},
    "department_head": {"hospital"},
    "staff": set(),
    "api_client": {"hospital", "hospital_other_dept", "branch"},
}

# endpoint action -> status per role (admin, hr, head, staff, api).
EXPECTED = """
contracts  list              200 200 200 403 200
contracts  retrieve          200 200 200 403 200
contracts  retrieve_foreign  404 404 404 403 404
contracts  create            201 201 403 403 403
visits     list              200 200 200 403 200
visits     create            403 201 403 403 201
visits     create_foreign    403 400 403 403 400
reviews    list              200 200 200 403 403
reviews    create            201 201 403 403 403
reviews    create_foreign    400 400 403 403 403
"""
CASES = [
    (endpoint, act, role, int(code))
    for endpoint, act, *codes in (line.split() for line in EXPECTED.strip().splitlines())
    for role, code in zip(ROLES, codes, strict=True)
]


def url(endpoint: str, pk: int | None = None) -> str:
    basename = endpoint[:-1]
    if pk is None:
        return reverse(f"talent_api:{basename}-list")
    return reverse(f"talent_api:{basename}-detail", kwargs={"pk": pk})


REVIEW = {
    "year": 2026,
    "visits_previous": 1000,
    "visits_current": 1300,
    "revenue_previous": "1000000",
    "revenue_current": "1250000",
    "new_techniques": 3,
    "papers_guided": 2,
    "staff_satisfaction": "0.85",
    "patient_satisfaction": "0.90",
    "manual_scores": {"mentoring": 8, "technique_pilot": 10, "key_specialty": 0, "research": 5, "service_capacity": 4},
}


def _request(world, contracts, endpoint, act, role):
    client = client_for(world, role)
    own = contracts["hospital"]
    foreign = contracts["foreign"]
    if act == "list":
        return client.get(url(endpoint))
    if act == "retrieve":
        return client.get(url(endpoint, own.pk))
    if act == "retrieve_foreign":
        return client.get(url(endpoint, foreign.pk))
    if endpoint == "contracts":
        data = {
            "institution": world.hospital.pk,
            "expert": make_expert(world.hospital).pk,
            "mode": "adviser",
            "start": "2026-03-01",
            "end": "2026-12-31",
            "days_per_month": "2",
            "funding": "1000",
        }
        return client.post(url(endpoint), data, format="json")
    target = foreign if act.endswith("foreign") else own
    if endpoint == "visits":
        data = {"contract": target.pk, "visit_date": "2026-02-02", "days": "1"}
        return client.post(url(endpoint), data, format="json")
    return client.post(url(endpoint), REVIEW | {"contract": target.pk}, format="json")


@pytest.mark.parametrize(("endpoint", "act", "role", "expected"), CASES)
def test_role_matrix(talent_world, contracts, endpoint, act, role, expected):
    response = _request(talent_world, contracts, endpoint, act, role)
    assert_status(response, expected)
    if expected == 400:
        assert_chinese_400(response, contains="不在您的管理范围内")


@pytest.mark.parametrize("role", [r for r in ROLES if r != "staff"])
def test_contract_list_is_exactly_the_scope(talent_world, contracts, role):
    ids = result_ids(client_for(talent_world, role).get(url("contracts"), {"page_size": 500}))
    assert ids == {contracts[name].pk for name in VISIBLE[role]}


@pytest.mark.parametrize("role", ["commission_admin", "hospital_hr", "department_head", "api_client"])
def test_visit_list_is_exactly_the_scope(talent_world, contracts, role):
    for name, contract in contracts.items():
        Visit.objects.create(contract=contract, visit_date=dt.date(2026, 1, 10), days=Decimal(1), note=name)
    response = client_for(talent_world, role).get(url("visits"), {"page_size": 500})
    assert_status(response, 200)
    assert {row["note"] for row in response.json()["results"]} == VISIBLE[role]


def test_his_key_records_a_visit_and_hr_sees_it(talent_world, contracts):
    response = client_for(talent_world, "api_client").post(
        url("visits"), {"contract": contracts["branch"].pk, "visit_date": "2026-03-02", "days": "0.5"}, format="json"
    )
    assert_status(response, 201)
    visit = Visit.objects.get(pk=response.json()["id"])
    assert visit.recorded_by == "api:HIS" and visit.days == Decimal("0.5")
    assert visit.history.first().history_change_reason == "接口客户端：HIS"


def test_a_contract_over_the_term_limit_is_a_chinese_400_and_writes_nothing(talent_world, contracts):
    data = {
        "institution": talent_world.hospital.pk,
        "expert": make_expert(talent_world.hospital).pk,
        "mode": "adviser",
        "start": "2026-03-01",
        "end": "2029-03-01",
        "days_per_month": "2",
        "funding": "1",
    }
    with assert_no_rows_written(Contract):
        response = client_for(talent_world, "hospital_hr").post(url("contracts"), data, format="json")
    assert_chinese_400(response, contains="不得超过36个月")


def test_sign_over_budget_is_refused_and_terminate_releases(talent_world, contracts):
    client = client_for(talent_world, "hospital_hr")
    data = {
        "institution": talent_world.hospital.pk,
        "expert": make_expert(talent_world.hospital).pk,
        "mode": "adviser",
        "start": "2026-03-01",
        "end": "2026-12-31",
        "days_per_month": "2",
        "funding": "600000",
    }
    draft = client.post(url("contracts"), data, format="json").json()  # fits exactly: 1,000,000 - 2 × 200,000
    make_contract(talent_world.hospital, funding="1")  # signed meanwhile: the draft no longer fits
    response = client.post(reverse("talent_api:contract-sign", kwargs={"pk": draft["id"]}), {"signed_on": "2026-03-01"})
    assert_chinese_400(response, contains="剩余经费599999")
    response = client.post(
        reverse("talent_api:contract-terminate", kwargs={"pk": contracts["hospital"].pk}), {"ended_on": "2026-04-01"}
    )
    assert_status(response, 200)
    assert response.json()["status"] == "terminated" and response.json()["committed"] == "0.00"
    response = client.post(reverse("talent_api:contract-sign", kwargs={"pk": draft["id"]}), {"signed_on": "2026-04-02"})
    assert_status(response, 200)


def test_review_through_the_api_scores_the_table(talent_world, contracts):
    response = client_for(talent_world, "hospital_hr").post(
        url("reviews"), REVIEW | {"contract": contracts["hospital"].pk}, format="json"
    )
    assert_status(response, 201)
    body = response.json()
    # 15 (30%) + 10 (25%) + 0 (no visits) + 8 + 8 (3 techniques) + 10 + 0 + 5 + 5 + 3 (85%) + 4
    assert body["total"] == 68 and body["result"] == "pass"
    assert AnnualReview.objects.get().item_scores[2]["basis"].startswith("到岗率0%")


def test_a_manual_score_outside_its_choices_is_refused(talent_world, contracts):
    scores = REVIEW["manual_scores"] | {"technique_pilot": 7}
    with assert_no_rows_written(AnnualReview):
        response = client_for(talent_world, "hospital_hr").post(
            url("reviews"), REVIEW | {"contract": contracts["hospital"].pk, "manual_scores": scores}, format="json"
        )
    assert_chinese_400(response, contains="技术引入与推广")
