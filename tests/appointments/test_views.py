"""Appointment pages: appointing from the staff page (the quota refusal in Chinese, nothing
written), the scoped and filtered list with a constant number of queries, the quota overview."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from appointments.choices import AppointmentKind, AppointmentStatus
from appointments.models import Appointment
from appointments.services import end_appointment
from personnel.choices import Role
from personnel.models import PostGrade
from tests.factories import AppointmentFactory, PostQuotaFactory, StaffFactory

HR, ADMIN = Role.HOSPITAL_HR, Role.COMMISSION_ADMIN


@pytest.fixture
def hr_client(client, world):
    client.force_login(world.users[HR])
    return client


def appoint(client, staff, **data):
    payload = {"post_grade": 8, "start": "2026-03-01", "kind": "normal"} | data
    return client.post(reverse("appointments:create", args=[staff.pk]), payload)


# --- Appointing ----------------------------------------------------------------------------------


def test_appointing_uses_the_policy_term_and_records_who(hr_client, world):
    response = appoint(hr_client, world.staff_other_dept)
    assert response.status_code == 302
    assert response.url == reverse("personnel:staff_detail", args=[world.staff_other_dept.pk]) + "#appointments"
    appointment = Appointment.objects.get(staff=world.staff_other_dept)
    assert (appointment.start, appointment.end) == (dt.date(2026, 3, 1), dt.date(2028, 2, 29))
    assert appointment.history.get().history_user == world.users[HR]


def test_appointing_over_the_quota_is_refused_in_chinese_and_nothing_is_written(hr_client, world):
    grade5 = PostGrade.objects.get(grade=5)
    PostQuotaFactory(institution=world.hospital, year=2026, post_grade=grade5, count=1)
    AppointmentFactory(staff=world.head_staff, post_grade=grade5)
    before = Appointment.objects.count()

    response = appoint(hr_client, world.staff_other_dept, post_grade=5)

    assert response.status_code == 400
    message = "策勒县人民医院2026年专业技术五级核定1个岗位，已聘1人，超出岗位结构比例，不能聘任（特设岗位除外）。"
    assert message in response.context["form"].non_field_errors()
    assert "岗位已满（1/1）。" in response.context["form"].errors["post_grade"]
    assert message in response.content.decode()
    assert Appointment.objects.count() == before


def test_a_special_post_is_outside_the_quota(hr_client, world):
    grade5 = PostGrade.objects.get(grade=5)
    PostQuotaFactory(institution=world.hospital, year=2026, post_grade=grade5, count=0)
    response = appoint(hr_client, world.staff_other_dept, post_grade=5, kind=AppointmentKind.SPECIAL)
    assert response.status_code == 302
    assert Appointment.objects.get(staff=world.staff_other_dept).kind == AppointmentKind.SPECIAL


def test_a_grade_without_quota_is_refused(hr_client, world):
    response = appoint(hr_client, world.staff_other_dept, post_grade=3)
    assert "2026年未核定专业技术三级岗位数" in response.content.decode()
    assert not Appointment.objects.filter(staff=world.staff_other_dept).exists()


def test_a_person_already_appointed_is_refused(hr_client, world):
    before = Appointment.objects.count()
    response = appoint(hr_client, world.staff_in_dept)
    assert "王芳已有在聘岗位" in response.content.decode()
    assert Appointment.objects.count() == before


def test_an_end_before_the_start_is_refused_by_the_form(hr_client, world):
    response = appoint(hr_client, world.staff_other_dept, end="2026-01-01")
    assert "聘任结束日期须晚于开始日期。" in response.context["form"].errors["end"]
    assert not Appointment.objects.filter(staff=world.staff_other_dept).exists()


def test_appointing_a_person_outside_scope_is_404(hr_client, world):
    assert hr_client.get(reverse("appointments:create", args=[world.staff_other_hospital.pk])).status_code == 404
    assert appoint(hr_client, world.staff_foreign).status_code == 404
    assert world.staff_foreign.appointments.count() == 1


def test_the_form_shows_the_institution_quota_of_the_year(hr_client, world):
    response = hr_client.get(reverse("appointments:create", args=[world.staff_other_dept.pk]))
    quotas = list(response.context["quotas"])
    assert [(q.post_grade_id, q.used, q.count) for q in quotas] == [(8, 1, 10)]


def test_ending_an_appointment_shows_in_the_staff_history(hr_client, world):
    appointment = world.staff_in_dept.appointments.get()
    end_appointment(appointment=appointment, on=dt.date(2026, 6, 30), actor=world.users[HR])
    history = hr_client.get(reverse("personnel:staff_detail", args=[world.staff_in_dept.pk])).context["history"]
    entry = next(e for e in history if e.subject == "聘任：专业技术八级" and e.action == "~")
    assert entry.who == "hr"
    assert {c.label: (c.old, c.new) for c in entry.changes} == {
        "状态": ("在聘", "已终止"),
        "聘任结束": ("2027-12-31", "2026-06-30"),
    }


# --- List ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"王芳", "张伟"}),
        ({"institution": "branch"}, {"张伟"}),
        ({"status": "terminated"}, {"李强"}),
        ({"status": "active"}, {"王芳", "张伟"}),
        ({"kind": "special"}, {"李强"}),
        ({"q": "王"}, {"王芳"}),
    ],
)
def test_appointment_list_filters(hr_client, world, params, expected):
    AppointmentFactory(staff=world.staff_other_dept, kind=AppointmentKind.SPECIAL, status=AppointmentStatus.TERMINATED)
    resolved = {k: (world.branch.pk if v == "branch" else v) for k, v in params.items()}
    if not params:
        expected = expected | {"李强"}
    response = hr_client.get(reverse("appointments:list"), resolved)
    assert {a.staff.name for a in response.context["page_obj"].object_list} == expected


def test_appointment_list_queries_do_not_grow_with_the_page_size(hr_client, world, django_assert_max_num_queries):
    for _ in range(40):
        AppointmentFactory(staff=StaffFactory(institution=world.hospital), status=AppointmentStatus.ENDED)
    url = reverse("appointments:list")
    with CaptureQueriesContext(connection) as small:
        hr_client.get(url, {"page_size": 5})
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = hr_client.get(url, {"page_size": 50})
    assert len(response.context["page_obj"].object_list) == 42


# --- Quota overview ------------------------------------------------------------------------------


def test_quota_overview_shows_used_over_allowed_and_highlights_overflow(client, world):
    grade5 = PostGrade.objects.get(grade=5)
    PostQuotaFactory(institution=world.hospital, year=2026, post_grade=grade5, count=1)
    for person in (world.head_staff, world.staff_other_dept):
        AppointmentFactory(staff=person, post_grade=grade5)
    client.force_login(world.users[ADMIN])

    response = client.get(reverse("appointments:quotas"), {"year": 2026})

    context = response.context
    assert [g.grade for g in context["columns"]] == [5, 8]
    cells = {
        (row.institution.name, grade.grade): (cell.used, cell.count) if cell else None
        for row in context["rows"]
        for grade, cell in zip(context["columns"], row.cell_list, strict=True)
    }
    assert cells == {
        ("策勒县人民医院", 5): (2, 1),
        ("策勒县人民医院", 8): (1, 10),
        ("人民医院分院", 5): None,
        ("人民医院分院", 8): (1, 10),
        ("策勒县中医医院", 5): None,
        ("策勒县中医医院", 8): (1, 10),
    }
    assert context["overflow_count"] == 1
    html = response.content.decode()
    assert html.count("quota-cell over") == 1
    assert "万州区人民医院" not in html


def test_quota_overview_defaults_to_the_current_year(client, world, time_machine):
    time_machine.move_to(dt.datetime(2026, 7, 1, 9, 0))
    client.force_login(world.users[HR])
    response = client.get(reverse("appointments:quotas"))
    assert response.context["year"] == 2026
    assert {row.institution.name for row in response.context["rows"]} == {"策勒县人民医院", "人民医院分院"}


def test_a_year_without_quotas_says_so(client, world):
    client.force_login(world.users[HR])
    response = client.get(reverse("appointments:quotas"), {"year": 2030})
    assert response.context["rows"] == []
    assert "2030年没有可查看的岗位结构数据" in response.content.decode()
    assert 2026 in response.context["years"]


def test_quota_overview_queries_do_not_grow_with_institutions(client, world):
    client.force_login(world.users[ADMIN])
    url = reverse("appointments:quotas")
    with CaptureQueriesContext(connection) as before:
        client.get(url, {"year": 2026})
    grade = PostGrade.objects.get(grade=9)
    from tests.factories import InstitutionFactory

    for i in range(10):
        township = InstitutionFactory(parent=world.commission, kind="township_centre", name=f"乡{i}")
        PostQuotaFactory(institution=township, year=2026, post_grade=grade, count=3)
        AppointmentFactory(staff=StaffFactory(institution=township), post_grade=grade)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url, {"year": 2026})
    assert len(after.captured_queries) == len(before.captured_queries)
    assert len(response.context["rows"]) == 13


def test_home_counts_quota_overflows_for_roles_that_read_quotas(client, world, time_machine):
    time_machine.move_to(dt.datetime(2026, 7, 1, 9, 0))
    grade5 = PostGrade.objects.get(grade=5)
    PostQuotaFactory(institution=world.branch, year=2026, post_grade=grade5, count=0)
    AppointmentFactory(staff=StaffFactory(institution=world.branch), post_grade=grade5)
    client.force_login(world.users[HR])
    cards = {c.label: c for c in client.get(reverse("home")).context["cards"]}
    assert cards["2026年超岗位结构"].value == 1
    assert cards["2026年超岗位结构"].alert
