"""Every 县聘乡用 page × every role: who gets the page (200), who is refused (403), and a stint
outside the role's scope is a 404 on every per-stint page."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from personnel.choices import InstitutionKind, Role
from secondments import services
from tests.factories import InstitutionFactory, UserFactory

D = dt.date
pytestmark = pytest.mark.django_db

ROLES = ["commission_admin", "hospital_hr", "township", "department_head", "staff"]
PAGES = {
    "secondments:list": {r: 200 for r in ROLES},
    "secondments:compliance": {r: 200 for r in ROLES},
    "secondments:ledger": {r: 200 for r in ROLES},
    "secondments:planning": {
        "commission_admin": 200,
        "hospital_hr": 200,
        "township": 200,
        "department_head": 403,
        "staff": 403,
    },
    "secondments:assessments": {
        "commission_admin": 200,
        "hospital_hr": 200,
        "township": 200,
        "department_head": 403,
        "staff": 403,
    },
}
STINT_PAGES = [
    "secondments:detail",
    "secondments:evaluation",
    "secondments:evaluation_pdf",
    "secondments:evaluation_xlsx",
]


@pytest.fixture
def matrix(sworld):
    w = sworld
    township_hr = UserFactory(username="township", role=Role.HOSPITAL_HR, institution=w.township)
    other_township = InstitutionFactory(name="另一乡卫生院", parent=w.commission, kind=InstitutionKind.TOWNSHIP_CENTRE)
    mine = services.create_secondment(
        staff=w.staff_in_dept, receiving_unit=w.township, start=D(2026, 1, 1), reason="voluntary"
    )
    # Neither from 人民医院 nor to 策勒乡卫生院: only the commission sees it.
    theirs = services.create_secondment(
        staff=w.staff_other_hospital, receiving_unit=other_township, start=D(2026, 1, 1), reason="voluntary"
    )
    users = {**w.users, "township": township_hr}
    return users, mine, theirs


def _client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(PAGES))
def test_page_by_role(matrix, page, role):
    users, *_ = matrix
    assert _client(users[role]).get(reverse(page)).status_code == PAGES[page][role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", STINT_PAGES)
def test_stint_pages_in_and_out_of_scope(matrix, page, role):
    users, mine, theirs = matrix
    c = _client(users[role])
    assert c.get(reverse(page, args=[mine.pk])).status_code == 200
    expected = 200 if role == "commission_admin" else 404
    assert c.get(reverse(page, args=[theirs.pk])).status_code == expected


def test_the_foreign_commission_sees_neither(matrix, sworld):
    foreign_admin = UserFactory(username="wz", role=Role.COMMISSION_ADMIN, institution=sworld.foreign_hospital.parent)
    users, mine, theirs = matrix
    c = _client(foreign_admin)
    assert list(c.get(reverse("secondments:list")).context["secondments"]) == []
    assert c.get(reverse("secondments:detail", args=[mine.pk])).status_code == 404
