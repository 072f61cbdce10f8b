"""县聘乡用 pages: scoped lists and stints (a foreign stint is a 404), recording leave and
attendance at the receiving unit, the compliance page and the commission's planning page."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from personnel.choices import Category, Role
from secondments import services
from secondments.models import Demand, Offer, Secondment
from tests.factories import StaffFactory, UserFactory

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(sworld):
    w = sworld
    s1 = services.create_secondment(
        staff=w.staff_in_dept, receiving_unit=w.township, start=D(2026, 1, 1), reason="voluntary"
    )
    s2 = services.create_secondment(
        staff=w.staff_other_hospital, receiving_unit=w.township, start=D(2026, 1, 1), reason="voluntary"
    )
    township_hr = UserFactory(username="township", role=Role.HOSPITAL_HR, institution=w.township)
    return w, s1, s2, township_hr


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("commission_admin", {0, 1}),
        ("hospital_hr", {0}),
        ("township", {0, 1}),
        ("staff", {0}),
        ("department_head", {0}),
    ],
)
def test_list_page_is_scoped(pages, who, sees):
    w, s1, s2, township_hr = pages
    user = township_hr if who == "township" else w.users[who]
    response = _client(user).get(reverse("secondments:list"))
    assert response.status_code == 200
    listed = {s.pk for s in response.context["secondments"]}
    assert listed == {(s1, s2)[i].pk for i in sees}


def test_a_stint_out_of_scope_is_a_404_page(pages):
    w, s1, s2, _ = pages
    assert _client(w.users["hospital_hr"]).get(reverse("secondments:detail", args=[s2.pk])).status_code == 404


def test_the_receiving_unit_records_a_leave_on_the_page(pages):
    w, s1, _, township_hr = pages
    url = reverse("secondments:detail", args=[s1.pk])
    body = {"form": "leave", "start": "2026-03-01", "end": "2026-03-06"}
    refused = _client(township_hr).post(url, body)
    assert refused.status_code == 400
    assert "备案" in refused.content.decode()
    assert _client(township_hr).post(url, {**body, "filed_with_commission": "on"}).status_code == 302
    s1.refresh_from_db()
    assert s1.end == D(2027, 1, 6)


def test_the_dispatching_unit_may_not_record(pages):
    w, s1, _, _ = pages
    url = reverse("secondments:detail", args=[s1.pk])
    response = _client(w.users["hospital_hr"]).post(
        url, {"form": "attendance", "date": "2026-03-02", "status": "absent"}
    )
    assert response.status_code == 403


def test_compliance_page_lists_obligations_and_the_hire_share(pages):
    w, *_ = pages
    StaffFactory(institution=w.hospital, name="新医师", first_employment_date=D(2025, 8, 1))
    response = _client(w.users["commission_admin"]).get(reverse("secondments:compliance"))
    assert response.status_code == 200
    rows = {r.staff.name: r for r in response.context["rows"]}
    assert rows["新医师"].deadline == D(2030, 7, 31)
    assert rows["王芳"].kind == "pre_promotion"
    assert response.context["shares"][0].year == dt.date.today().year


def test_commission_suggests_edits_and_confirms_on_the_planning_page(pages):
    w, *_ = pages
    demand = Demand.objects.create(year=2027, institution=w.township, category=Category.CLINICAL, count=2)
    nurse = StaffFactory(institution=w.hospital, category=Category.NURSING, name="护士甲")
    doctor = StaffFactory(institution=w.hospital, name="医师乙")
    Offer.objects.create(year=2027, institution=w.hospital, staff=doctor, reason="voluntary")
    nurse_offer = Offer.objects.create(year=2027, institution=w.hospital, staff=nurse, reason="voluntary")
    c = _client(w.users["commission_admin"])
    url = reverse("secondments:planning") + "?year=2027"
    c.post(url, {"year": 2027, "action": "suggest"})
    page = c.get(url)
    assert "缺1人" in page.content.decode()  # the nurse is not suggested for a clinical demand
    c.post(url, {"year": 2027, "action": "assign", "demand": demand.pk, "offer": nurse_offer.pk})
    c.post(url, {"year": 2027, "action": "confirm", "start": "2027-01-01"})
    assert set(Secondment.objects.filter(start=D(2027, 1, 1)).values_list("staff__name", flat=True)) == {
        "护士甲",
        "医师乙",
    }


def test_hospital_hr_cannot_match(pages):
    w, *_ = pages
    response = _client(w.users["hospital_hr"]).post(
        reverse("secondments:planning"), {"year": 2027, "action": "suggest"}
    )
    assert response.status_code == 403


def test_a_township_files_demand_and_a_hospital_its_dispatch_list(pages):
    w, _, _, township_hr = pages
    url = reverse("secondments:planning") + "?year=2027"
    response = _client(township_hr).post(url, {"year": 2027, "action": "demand", "category": "clinical", "count": 2})
    assert response.status_code == 302
    demand = Demand.objects.get(year=2027)
    assert demand.institution == w.township
    response = _client(w.users["hospital_hr"]).post(
        url, {"year": 2027, "action": "offer", "staff": w.staff_other_dept.pk, "reason": "pre_promotion"}
    )
    assert response.status_code == 302
    assert Offer.objects.get(year=2027).institution == w.hospital
    # Someone outside the hospital's scope cannot be put on its list.
    response = _client(w.users["hospital_hr"]).post(
        url, {"year": 2027, "action": "offer", "staff": w.staff_other_hospital.pk, "reason": "voluntary"}
    )
    assert response.status_code == 400
    # The demand shows up on the commission's page, unmatched.
    page = _client(w.users["commission_admin"]).get(url).content.decode()
    assert "缺2人" in page and w.staff_other_dept.name in page


def test_staff_cannot_file(pages):
    w, *_ = pages
    url = reverse("secondments:planning") + "?year=2027"
    response = _client(w.users["staff"]).post(
        url, {"year": 2027, "action": "demand", "category": "clinical", "count": 1}
    )
    assert response.status_code == 403


def test_staff_page_shows_grassroots_service_and_remote_priority(sworld):
    remote = sworld.township
    remote.is_remote = True
    remote.save()
    for year in (2022, 2023, 2024):
        stint = services.create_secondment(
            staff=sworld.staff_in_dept, receiving_unit=remote, start=D(year, 1, 1), reason="voluntary"
        )
        services.recompute_secondment(secondment=stint, today=D(year + 1, 1, 1))
    page = _client(sworld.users["hospital_hr"]).get(reverse("personnel:staff_detail", args=[sworld.staff_in_dept.pk]))
    html = page.content.decode()
    assert "计入基层服务经历 <strong>1096</strong> 天" in html
    assert "连续在边远地区工作满3年" in html
    # Someone without stints has no section.
    other = _client(sworld.users["hospital_hr"]).get(
        reverse("personnel:staff_detail", args=[sworld.staff_other_dept.pk])
    )
    assert 'id="secondments"' not in other.content.decode()


def test_home_shows_stints_in_service_and_those_that_will_be_late(sworld):
    late = StaffFactory(institution=sworld.hospital, first_employment_date=D(2021, 9, 1))
    services.create_secondment(staff=late, receiving_unit=sworld.township, start=D(2026, 1, 1), reason="new_hire")
    services.create_secondment(
        staff=sworld.staff_in_dept, receiving_unit=sworld.township, start=D(2026, 1, 1), reason="voluntary"
    )
    page = _client(sworld.users["commission_admin"]).get(reverse("home"))
    cards = {c.label: c.value for c in page.context["cards"]}
    assert cards["县聘乡用服务中"] == 2
    assert cards["下沉将超期"] == 1
