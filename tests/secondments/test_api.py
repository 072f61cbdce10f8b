"""县聘乡用 API and scoping matrix: a township sees its incoming staff, a hospital its outgoing
staff, the commission its whole region; leave and attendance are posted by the receiving unit."""

import datetime as dt

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from personnel.choices import InstitutionKind, Role
from personnel.models import InstitutionAPIKey
from secondments import services
from secondments.choices import AttendanceStatus
from tests.factories import InstitutionFactory, UserFactory

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(sworld):
    w = sworld
    foreign_commission = w.foreign_hospital.parent
    foreign_township = InstitutionFactory(
        name="万州乡卫生院", parent=foreign_commission, kind=InstitutionKind.TOWNSHIP_CENTRE
    )
    s1 = services.create_secondment(
        staff=w.staff_in_dept, receiving_unit=w.township, start=D(2026, 1, 1), reason="voluntary"
    )
    s2 = services.create_secondment(
        staff=w.staff_other_hospital, receiving_unit=w.township, start=D(2026, 1, 1), reason="voluntary"
    )
    s3 = services.create_secondment(
        staff=w.staff_foreign, receiving_unit=foreign_township, start=D(2026, 1, 1), reason="voluntary"
    )
    for s in (s1, s2, s3):
        services.record_attendance(secondment=s, date=D(2026, 1, 5), status=AttendanceStatus.PRESENT)
        services.record_leave(secondment=s, start=D(2026, 2, 1), end=D(2026, 2, 2))
    township_hr = UserFactory(username="township", role=Role.HOSPITAL_HR, institution=w.township)
    _, township_key = InstitutionAPIKey.objects.create_key(name="乡镇HIS", institution=w.township)
    return {"w": w, "s": (s1, s2, s3), "township_hr": township_hr, "township_key": township_key}


def client(setup, who: str) -> APIClient:
    c = APIClient()
    if who == "api_client":
        c.credentials(HTTP_AUTHORIZATION=f"Api-Key {setup['w'].api_key}")
    elif who == "township_api":
        c.credentials(HTTP_AUTHORIZATION=f"Api-Key {setup['township_key']}")
    elif who == "township_hr":
        c.force_login(setup["township_hr"])
    else:
        c.force_login(setup["w"].users[who])
    return c


# Which stints (s1: hospital → township, s2: other hospital → township, s3: foreign region) each sees.
EXPECTED = {
    "commission_admin": {0, 1},
    "hospital_hr": {0},  # outgoing from 人民医院 only
    "township_hr": {0, 1},  # incoming at 策勒乡卫生院
    "township_api": {0, 1},
    "department_head": {0},
    "staff": {0},
    "api_client": {0},
}
ENDPOINTS = ["secondment", "secondment_leave", "secondment_attendance"]


def _ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("who", list(EXPECTED))
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_role_lists_exactly_its_stints(setup, who, endpoint):
    stints = setup["s"]
    response = client(setup, who).get(reverse(f"secondments_api:{endpoint}-list"))
    listed = _ids(response)
    if endpoint == "secondment":
        expected = {stints[i].pk for i in EXPECTED[who]}
    elif endpoint == "secondment_leave":
        expected = {stints[i].leaves.get().pk for i in EXPECTED[who]}
    else:
        expected = {stints[i].attendance.get().pk for i in EXPECTED[who]}
    assert listed == expected


@pytest.mark.parametrize("who", list(EXPECTED))
def test_a_stint_out_of_scope_is_a_404(setup, who):
    foreign = setup["s"][2]
    response = client(setup, who).get(reverse("secondments_api:secondment-detail", args=[foreign.pk]))
    assert response.status_code == 404


def _post_attendance(setup, who, stint, day="2026-01-06", status="absent"):
    url = reverse("secondments_api:secondment_attendance-list")
    return client(setup, who).post(url, {"secondment": stint.pk, "date": day, "status": status}, format="json")


@pytest.mark.parametrize("who", ["township_hr", "township_api", "commission_admin"])
def test_receiving_unit_and_commission_post_attendance(setup, who):
    stint = setup["s"][0]
    response = _post_attendance(setup, who, stint)
    assert response.status_code == 201, response.content
    stint.refresh_from_db()
    assert stint.absences == 1


@pytest.mark.parametrize("who", ["hospital_hr", "api_client"])
def test_the_dispatching_unit_cannot_post_attendance_for_its_outgoing_staff(setup, who):
    response = _post_attendance(setup, who, setup["s"][0])
    assert response.status_code == 400
    assert "不在您的管理范围内" in str(response.json())


@pytest.mark.parametrize("who", ["department_head", "staff"])
def test_readers_cannot_post_attendance(setup, who):
    assert _post_attendance(setup, who, setup["s"][0]).status_code == 403


def test_the_same_day_posted_again_replaces_the_record(setup):
    stint = setup["s"][0]
    assert _post_attendance(setup, "township_api", stint, status="absent").status_code == 201
    assert _post_attendance(setup, "township_api", stint, status="present").status_code == 201
    stint.refresh_from_db()
    assert stint.absences == 0
    assert stint.attendance.filter(date=D(2026, 1, 6)).count() == 1


def test_leave_over_the_threshold_needs_filing_then_extends(setup):
    stint = setup["s"][0]
    url = reverse("secondments_api:secondment_leave-list")
    c = client(setup, "township_hr")
    body = {"secondment": stint.pk, "start": "2026-03-01", "end": "2026-03-06", "reason": "病假"}
    refused = c.post(url, body, format="json")
    assert refused.status_code == 400
    assert "备案" in refused.json()["detail"]
    accepted = c.post(url, {**body, "filed_with_commission": True}, format="json")
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["extends_service"] is True
    detail = c.get(reverse("secondments_api:secondment-detail", args=[stint.pk])).json()
    assert detail["end"] == "2027-01-06"


def test_only_the_commission_creates_secondments(setup):
    w = setup["w"]
    url = reverse("secondments_api:secondment-list")
    body = {
        "staff": w.staff_other_dept.pk,
        "receiving_unit": w.township.pk,
        "start": "2026-02-01",
        "reason": "voluntary",
    }
    assert client(setup, "hospital_hr").post(url, body, format="json").status_code == 403
    response = client(setup, "commission_admin").post(url, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["planned_end"] == "2027-01-31"


def test_listing_stints_takes_the_same_queries_for_more_rows(setup):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import StaffFactory

    w = setup["w"]
    c = client(setup, "commission_admin")
    url = reverse("secondments_api:secondment-list")
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for _ in range(5):
        services.create_secondment(
            staff=StaffFactory(institution=w.hospital),
            receiving_unit=w.township,
            start=D(2026, 2, 1),
            reason="voluntary",
        )
    with CaptureQueriesContext(connection) as many:
        assert len(_ids(c.get(url))) == 7
    assert len(many.captured_queries) == len(few.captured_queries)
