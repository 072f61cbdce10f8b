"""The appointments API: scoped reads; creation and ending only through the services (quota rule)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.choices import AppointmentStatus
from appointments.models import Appointment
from personnel.models import PostGrade, PostQuota
from tests.api_testing import (
    APIViewTestCases,
    assert_chinese_400,
    assert_no_rows_written,
    assert_status,
    assert_unchanged,
    client_for,
    detail_url,
    list_url,
    result_ids,
)
from tests.factories import AppointmentFactory, StaffFactory, TitleFactory


def appointment_payload(world, **overrides) -> dict:
    return {"staff": world.staff_other_dept.pk, "post_grade": 8, "start": "2026-03-01"} | overrides


class TestAppointmentReads(APIViewTestCases.GetObject, APIViewTestCases.ListObjects):
    basename = "appointment"
    model = Appointment

    def in_scope_object(self, world):
        return world.staff_branch.appointments.get()

    def foreign_object(self, world):
        return world.staff_other_hospital.appointments.get()

    def expected_in_list(self, world):
        return {world.staff_in_dept.appointments.get(), world.staff_branch.appointments.get()}


def test_appointment_output_names_the_person_post_and_institution(world):
    appointment = world.staff_in_dept.appointments.get()
    body = client_for(world, "hospital_hr").get(detail_url("appointment", appointment.pk)).json()
    assert body["staff_name"] == "王芳"
    assert body["employee_no"] == world.staff_in_dept.employee_no
    assert body["institution_name"] == "策勒县人民医院"
    assert body["post_grade"] == 8
    assert body["status_display"] == "在聘"


def test_create_goes_through_the_service_with_the_policy_term(world):
    response = client_for(world, "hospital_hr").post(list_url("appointment"), appointment_payload(world), format="json")
    assert_status(response, 201)
    appointment = Appointment.objects.get(pk=response.json()["id"])
    assert appointment.staff == world.staff_other_dept
    assert appointment.institution == world.hospital
    # Seed 000: a two-year term, from the region's policy version.
    assert appointment.end == dt.date(2028, 2, 29)
    assert appointment.policy is not None
    assert response.json()["end"] == "2028-02-29"
    assert appointment.history.first().history_user == world.users["hospital_hr"]


def test_quota_overflow_is_400_in_chinese_and_writes_nothing(world):
    # 策勒县人民医院 has one grade-8 post in 2026 and it is taken (王芳).
    PostQuota.objects.filter(institution=world.hospital, year=2026, post_grade=8).update(count=1)
    with assert_no_rows_written(Appointment):
        response = client_for(world, "hospital_hr").post(
            list_url("appointment"), appointment_payload(world), format="json"
        )
    assert_chinese_400(response, contains="超出岗位结构比例")


def test_special_post_is_outside_the_quota(world):
    PostQuota.objects.filter(institution=world.hospital, year=2026, post_grade=8).update(count=1)
    response = client_for(world, "hospital_hr").post(
        list_url("appointment"), appointment_payload(world, kind="special"), format="json"
    )
    assert_status(response, 201)


def test_grade_without_a_quota_is_refused(world):
    with assert_no_rows_written(Appointment):
        response = client_for(world, "hospital_hr").post(
            list_url("appointment"), appointment_payload(world, post_grade=5), format="json"
        )
    assert_chinese_400(response, contains="未核定")


def test_a_second_active_appointment_is_refused(world):
    with assert_no_rows_written(Appointment):
        response = client_for(world, "hospital_hr").post(
            list_url("appointment"), appointment_payload(world, staff=world.staff_in_dept.pk), format="json"
        )
    assert_chinese_400(response, contains="已有在聘岗位")


def test_replace_current_ends_the_old_appointment(world):
    old = world.staff_in_dept.appointments.get()
    response = client_for(world, "hospital_hr").post(
        list_url("appointment"),
        appointment_payload(world, staff=world.staff_in_dept.pk, start="2026-07-01", replace_current=True),
        format="json",
    )
    assert_status(response, 201)
    old.refresh_from_db()
    assert old.status == AppointmentStatus.TERMINATED
    assert old.end == dt.date(2026, 6, 30)


def test_end_before_start_is_refused(world):
    with assert_no_rows_written(Appointment):
        response = client_for(world, "hospital_hr").post(
            list_url("appointment"), appointment_payload(world, end="2026-01-01"), format="json"
        )
    assert_chinese_400(response, contains="晚于开始日期")


@pytest.mark.parametrize(
    "field,value_of",
    [
        ("staff", lambda w: w.staff_other_hospital.pk),  # same region, another hospital
        ("staff", lambda w: w.staff_foreign.pk),  # another region
        ("institution", lambda w: w.other_hospital.pk),
    ],
)
def test_foreign_keys_outside_the_scope_are_refused(world, field, value_of):
    with assert_no_rows_written(Appointment):
        response = client_for(world, "hospital_hr").post(
            list_url("appointment"), appointment_payload(world, **{field: value_of(world)}), format="json"
        )
    assert_chinese_400(response, contains="不在您的管理范围内")


@pytest.mark.parametrize("role", ["department_head", "staff", "api_client"])
def test_roles_without_the_right_may_not_appoint(world, role):
    with assert_no_rows_written(Appointment):
        response = client_for(world, role).post(list_url("appointment"), appointment_payload(world), format="json")
    assert_status(response, 403)


def test_appointments_are_not_edited_in_place(world):
    appointment = world.staff_branch.appointments.get()
    with assert_unchanged(appointment):
        response = client_for(world, "hospital_hr").patch(
            detail_url("appointment", appointment.pk), {"end": "2030-12-31"}, format="json"
        )
    assert_status(response, 405)


def test_end_action_terminates_through_the_service(world):
    appointment = world.staff_branch.appointments.get()
    url = detail_url("appointment", appointment.pk) + "end/"
    response = client_for(world, "hospital_hr").post(url, {"on": "2026-09-30"}, format="json")
    assert_status(response, 200)
    appointment.refresh_from_db()
    assert (appointment.status, appointment.end) == (AppointmentStatus.TERMINATED, dt.date(2026, 9, 30))
    assert response.json()["status"] == "terminated"
    # Ending it twice is refused, and changes nothing.
    with assert_unchanged(appointment):
        again = client_for(world, "hospital_hr").post(url, {"on": "2026-10-31"}, format="json")
    assert_chinese_400(again, contains="不在聘")


def test_end_action_on_a_foreign_appointment_is_404(world):
    appointment = world.staff_other_hospital.appointments.get()
    with assert_unchanged(appointment):
        response = client_for(world, "hospital_hr").post(
            detail_url("appointment", appointment.pk) + "end/", {"on": "2026-09-30"}, format="json"
        )
    assert_status(response, 404)


def test_filter_by_status_and_grade(world):
    ended = world.staff_branch.appointments.get()
    ended.status = AppointmentStatus.ENDED
    ended.save()
    client = client_for(world, "hospital_hr")
    assert result_ids(client.get(list_url("appointment"), {"status": "ended"})) == {ended.pk}
    assert result_ids(client.get(list_url("appointment"), {"post_grade": 9})) == set()


def test_department_head_and_staff_see_their_own_appointments_only(world):
    own = world.staff_in_dept.appointments.get()
    for role in ("department_head", "staff"):
        assert result_ids(client_for(world, role).get(list_url("appointment"))) == {own.pk}, role


@pytest.fixture
def many_appointments(world):
    grade9 = PostGrade.objects.get(grade=9)
    for n in range(35):
        person = StaffFactory(institution=world.hospital if n % 2 else world.branch)
        TitleFactory(staff=person)
        AppointmentFactory(staff=person, post_grade=grade9, start=dt.date(2026, 1, 1), end=dt.date(2027, 12, 31))
    return world


@pytest.mark.parametrize("role", ["hospital_hr", "commission_admin", "api_client"])
def test_appointment_list_runs_a_constant_number_of_queries(many_appointments, role, django_assert_max_num_queries):
    client = client_for(many_appointments, role)
    url = list_url("appointment")
    client.get(url, {"page_size": 1})
    counts = []
    for size in (5, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"page_size": size})
        assert_status(response, 200)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(6):
        client.get(url, {"page_size": 5})
    with django_assert_max_num_queries(6):
        rows = client.get(url, {"page_size": 100}).json()["results"]
    assert len(rows) >= 35


@pytest.mark.parametrize("role", ["department_head", "staff", "api_client"])
def test_roles_without_the_right_may_not_end_an_appointment(world, role):
    appointment = world.staff_in_dept.appointments.get()
    with assert_unchanged(appointment):
        response = client_for(world, role).post(
            detail_url("appointment", appointment.pk) + "end/", {"on": "2026-09-30"}, format="json"
        )
    assert_status(response, 403)
