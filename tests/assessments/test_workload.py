"""POST /api/v1/workload/: scoped, set-based, idempotent on (institution, source id), atomic,
per-record errors, a constant number of queries whatever the batch size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import WorkloadRecord
from tests.api_testing import client_for

URL = "/api/v1/workload/"


def record(staff, n: int, **extra) -> dict:
    return {
        "id_number": staff.id_number,
        "date": "2026-03-02",
        "metric": "outpatient_visit",
        "quantity": 12,
        "source_id": f"HIS-{n}",
        **extra,
    }


@pytest.fixture
def his(world):
    return client_for(world, "api_client")


def test_the_url_is_the_documented_one():
    assert reverse("assessments_api:workload-list") == URL


def test_a_batch_is_stored_and_a_resend_changes_nothing(world, his):
    batch = [record(world.staff_in_dept, 1), record(world.staff_branch, 2, metric="surgery_level4", quantity=1)]
    first = his.post(URL, {"records": batch}, format="json")
    assert first.status_code == 201, first.json()
    assert first.json() == {"received": 2, "created": 2, "unchanged": 0, "errors": []}
    again = his.post(URL, {"records": batch}, format="json")
    assert again.status_code == 200
    assert again.json()["unchanged"] == 2
    assert WorkloadRecord.objects.count() == 2
    stored = WorkloadRecord.objects.get(source_record_id="HIS-2")
    assert (stored.staff, stored.metric.code, stored.quantity, stored.institution) == (
        world.staff_branch,
        "surgery_level4",
        Decimal("1.00"),
        world.hospital,
    )


def test_a_bare_list_and_the_employee_number_are_accepted(world, his):
    rec = record(world.staff_in_dept, 1)
    del rec["id_number"]
    rec["employee_no"] = world.staff_in_dept.employee_no
    response = his.post(URL, [rec], format="json")
    assert response.status_code == 201, response.json()


def test_one_bad_record_stores_nothing_and_each_bad_record_is_listed(world, his):
    batch = [
        record(world.staff_in_dept, 1),
        record(world.staff_other_hospital, 2),  # outside the key's institution subtree
        record(world.staff_in_dept, 3, metric="nonsense"),
        record(world.staff_in_dept, 4, quantity=-1),
        record(world.staff_in_dept, 5, date="2026-02-30"),
        record(world.staff_in_dept, 1),  # the same source id twice in the batch
        {"date": "2026-03-01", "metric": "outpatient_visit", "quantity": 1, "source_id": "HIS-7"},
    ]
    response = his.post(URL, {"records": batch}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [
        (1, "id_number"),
        (2, "metric"),
        (3, "quantity"),
        (4, "date"),
        (5, "source_id"),
        (6, "id_number"),
    ]
    assert all(e["message"] for e in errors)
    assert "整批未写入" in response.json()["detail"]
    assert not WorkloadRecord.objects.exists()


def test_the_same_source_id_from_another_institution_is_another_record(world, his):
    from rest_framework.test import APIClient

    from personnel.models import InstitutionAPIKey

    his.post(URL, [record(world.staff_in_dept, 1)], format="json")
    _, key = InstitutionAPIKey.objects.create_key(name="ZYY-HIS", institution=world.other_hospital)
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    response = other.post(URL, [record(world.staff_other_hospital, 1)], format="json")
    assert response.status_code == 201
    assert WorkloadRecord.objects.count() == 2


@pytest.mark.parametrize("role", ["commission_admin", "hospital_hr", "department_head", "staff"])
def test_only_his_clients_push_workload(world, role):
    response = client_for(world, role).post(URL, [record(world.staff_in_dept, 1)], format="json")
    assert response.status_code == 403


def test_more_than_ten_thousand_records_are_refused(world, his):
    batch = [record(world.staff_in_dept, n) for n in range(10_001)]
    response = his.post(URL, batch, format="json")
    assert response.status_code == 400
    assert "10000" in response.json()["detail"]


def test_a_future_date_is_refused(world, his):
    future = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    response = his.post(URL, [record(world.staff_in_dept, 1, date=future)], format="json")
    assert response.status_code == 400


def _push_queries(his, batch, django_assert_max_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = his.post(URL, batch, format="json")
    assert response.status_code in (200, 201), response.json()
    return len(ctx)


def test_the_endpoint_runs_a_constant_number_of_queries(world, his, django_assert_max_num_queries):
    """10 records or 120 (SQLite splits an insert past 999 parameters, so the size stays below
    that here; PostgreSQL inserts 10,000 in one statement): the same queries, at most 10."""
    people = [world.staff_in_dept, world.head_staff, world.staff_other_dept, world.staff_branch]
    small = [record(people[n % 4], n) for n in range(10)]
    large = [record(people[n % 4], 1000 + n) for n in range(120)]
    with django_assert_max_num_queries(10):
        first = _push_queries(his, small, django_assert_max_num_queries)
    assert _push_queries(his, large, django_assert_max_num_queries) == first
    # A resend reads the same way and inserts nothing.
    assert _push_queries(his, large, django_assert_max_num_queries) == first - 1


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        ("commission_admin", {"王芳", "张伟", "刘洋"}),
        ("hospital_hr", {"王芳", "张伟"}),
        ("department_head", {"王芳"}),
        ("staff", {"王芳"}),
        ("api_client", {"王芳", "张伟"}),
    ],
)
def test_workload_is_read_within_each_roles_scope(world, his, role, visible):
    from rest_framework.test import APIClient

    from personnel.models import InstitutionAPIKey

    his.post(URL, [record(world.staff_in_dept, 1), record(world.staff_branch, 2)], format="json")
    _, key = InstitutionAPIKey.objects.create_key(name="ZYY-HIS", institution=world.other_hospital)
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    other.post(URL, [record(world.staff_other_hospital, 3)], format="json")
    response = client_for(world, role).get(URL)
    assert {r["staff_name"] for r in response.json()["results"]} == visible
