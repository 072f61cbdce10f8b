"""The personnel API: scoping, writes through the services, masking, filters, auth, ETags,
query counts and the schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from personnel.choices import StaffStatus, TitleLevel
from personnel.models import Department, Institution, InstitutionAPIKey, PostGrade, PostQuota, Staff, Title
from personnel.validators import compose_id_number, mask_id_number
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
from tests.factories import DepartmentFactory, PostQuotaFactory, StaffFactory, TitleFactory


def new_id_number(*, sequence: int = 401, is_male: bool = True, birth_date=dt.date(1990, 6, 15)) -> str:
    return compose_id_number(area_code="653225", birth_date=birth_date, sequence=sequence, is_male=is_male)


def with_bad_check_digit(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def staff_payload(world, **overrides) -> dict:
    data = {
        "employee_no": "N0001",
        "name": "古丽",
        "id_number": new_id_number(is_male=False),
        "phone": "13912345678",
        "category": "nursing",
        "employment_type": "contract",
        "institution": world.hospital.pk,
        "department": world.dept.pk,
    }
    return data | overrides


# --- One class per resource, built on the shared checks ---------------------------------------


class TestInstitutionAPI(APIViewTestCases.APIViewTestCase):
    basename = "institution"
    model = Institution
    role = "commission_admin"

    def in_scope_object(self, world):
        return world.township

    def foreign_object(self, world):
        return world.foreign_hospital

    def expected_in_list(self, world):
        return {world.commission, world.hospital, world.branch, world.township, world.other_hospital}

    def create_data(self, world):
        return {"name": "策勒县妇幼保健院", "code": "FYBJY", "kind": "mch", "parent": world.commission.pk}

    def foreign_create_data(self, world):
        return self.create_data(world) | {"parent": world.foreign_hospital.pk}

    def update_data(self, world):
        return {"is_remote": True}

    def test_new_institution_takes_its_parents_region_and_path(self, world):
        client = client_for(world, "commission_admin")
        response = client.post(list_url("institution"), self.create_data(world), format="json")
        assert_status(response, 201)
        created = Institution.objects.get(pk=response.json()["id"])
        assert created.region == world.region
        assert created.path == f"{world.commission.path}{created.pk}/"
        assert response.json()["region_name"] == "策勒县"

    def test_hr_sees_own_hospital_and_branch_but_may_not_create(self, world):
        client = client_for(world, "hospital_hr")
        assert result_ids(client.get(list_url("institution"))) == {world.hospital.pk, world.branch.pk}
        with assert_no_rows_written(Institution):
            response = client.post(list_url("institution"), self.create_data(world), format="json")
        assert_status(response, 403)

    def test_a_parent_below_itself_is_refused(self, world):
        client = client_for(world, "commission_admin")
        with assert_unchanged(world.hospital):
            response = client.patch(
                detail_url("institution", world.hospital.pk), {"parent": world.branch.pk}, format="json"
            )
        assert_chinese_400(response, contains="上级机构")


class TestDepartmentAPI(APIViewTestCases.APIViewTestCase):
    basename = "department"
    model = Department

    def in_scope_object(self, world):
        return world.other_dept

    def foreign_object(self, world):
        return DepartmentFactory(institution=world.other_hospital, name="中医内科")

    def expected_in_list(self, world):
        return {world.dept, world.other_dept}

    def create_data(self, world):
        return {"institution": world.branch.pk, "name": "儿科", "code": "EK"}

    def foreign_create_data(self, world):
        return self.create_data(world) | {"institution": world.other_hospital.pk}

    def update_data(self, world):
        return {"name": "普外科"}

    def test_head_from_another_institution_is_refused(self, world):
        client = client_for(world, "hospital_hr")
        with assert_no_rows_written(Department):
            response = client.post(
                list_url("department"),
                {"institution": world.branch.pk, "name": "儿科", "code": "EK", "head": world.head_staff.pk},
                format="json",
            )
        assert_chinese_400(response, contains="科室主任须为本机构人员")

    def test_duplicate_name_in_institution_is_refused(self, world):
        with assert_no_rows_written(Department):
            response = client_for(world, "hospital_hr").post(
                list_url("department"), {"institution": world.hospital.pk, "name": "内科", "code": "NK2"}
            )
        assert_status(response, 400)


class TestStaffAPI(APIViewTestCases.APIViewTestCase):
    basename = "staff"
    model = Staff

    def in_scope_object(self, world):
        return world.staff_branch

    def foreign_object(self, world):
        return world.staff_other_hospital

    def expected_in_list(self, world):
        return {world.head_staff, world.staff_in_dept, world.staff_other_dept, world.staff_branch}

    def create_data(self, world):
        return staff_payload(world)

    def foreign_create_data(self, world):
        return staff_payload(world, institution=world.other_hospital.pk, department=None)

    def update_data(self, world):
        return {"phone": "13700001111"}


class TestTitleAPI(APIViewTestCases.APIViewTestCase):
    basename = "title"
    model = Title

    def in_scope_object(self, world):
        return world.staff_branch.titles.get()

    def foreign_object(self, world):
        return world.staff_other_hospital.titles.get()

    def expected_in_list(self, world):
        people = (world.head_staff, world.staff_in_dept, world.staff_other_dept, world.staff_branch)
        return {p.titles.get() for p in people}

    def create_data(self, world):
        return {
            "staff": world.staff_other_dept.pk,
            "name": "副主任医师",
            "level": "associate_senior",
            "series": "clinical",
            "obtained_on": "2022-09-01",
        }

    def foreign_create_data(self, world):
        return self.create_data(world) | {"staff": world.staff_other_hospital.pk}

    def update_data(self, world):
        return {"certificate_no": "ZS-2024-001"}

    def test_title_before_birth_is_refused(self, world):
        with assert_no_rows_written(Title):
            response = client_for(world, "hospital_hr").post(
                list_url("title"), self.create_data(world) | {"obtained_on": "1970-01-01"}, format="json"
            )
        assert_chinese_400(response, contains="职称取得时间不能早于出生日期")


class TestQuotaAPI(APIViewTestCases.APIViewTestCase):
    basename = "quota"
    model = PostQuota
    role = "commission_admin"

    def in_scope_object(self, world):
        return PostQuota.objects.get(institution=world.other_hospital)

    def foreign_object(self, world):
        return PostQuota.objects.get(institution=world.foreign_hospital)

    def expected_in_list(self, world):
        return set(PostQuota.objects.filter(institution__in=[world.hospital, world.branch, world.other_hospital]))

    def create_data(self, world):
        return {"institution": world.township.pk, "year": 2026, "post_grade": 9, "count": 4}

    def foreign_create_data(self, world):
        return self.create_data(world) | {"institution": world.foreign_hospital.pk}

    def update_data(self, world):
        return {"count": 12}

    def test_quota_below_posts_filled_is_refused(self, world):
        # 策勒县人民医院 has one grade-8 appointment in 2026 (王芳).
        quota = PostQuota.objects.get(institution=world.hospital)
        with assert_unchanged(quota):
            response = client_for(world, "commission_admin").patch(
                detail_url("quota", quota.pk), {"count": 0}, format="json"
            )
        assert_chinese_400(response, contains="不能少于")

    def test_institution_year_and_grade_are_fixed_once_created(self, world):
        quota = PostQuota.objects.get(institution=world.hospital)
        response = client_for(world, "commission_admin").patch(
            detail_url("quota", quota.pk), {"year": 2030, "institution": world.township.pk, "count": 11}, format="json"
        )
        assert_status(response, 200)
        quota.refresh_from_db()
        assert (quota.institution, quota.year, quota.count) == (world.hospital, 2026, 11)

    def test_hr_reads_quotas_but_may_not_set_them(self, world):
        client = client_for(world, "hospital_hr")
        quota = PostQuota.objects.get(institution=world.hospital)
        assert_status(client.get(detail_url("quota", quota.pk)), 200)
        with assert_unchanged(quota):
            assert_status(client.patch(detail_url("quota", quota.pk), {"count": 99}, format="json"), 403)


# --- Staff: what the record shows ---------------------------------------------------------------


def test_staff_detail_shows_current_title_and_names(world):
    TitleFactory(
        staff=world.staff_in_dept, name="副主任医师", level=TitleLevel.ASSOCIATE_SENIOR, obtained_on="2021-01-01"
    )
    response = client_for(world, "hospital_hr").get(detail_url("staff", world.staff_in_dept.pk))
    assert_status(response, 200)
    body = response.json()
    assert body["institution_name"] == "策勒县人民医院"
    assert body["department_name"] == "内科"
    assert body["current_title"]["name"] == "副主任医师"
    assert body["current_title"]["level"] == "associate_senior"
    assert body["current_title"]["level_display"] == "副高"


def test_staff_without_title_or_department_shows_nulls(world):
    person = StaffFactory(institution=world.branch)
    body = client_for(world, "hospital_hr").get(detail_url("staff", person.pk)).json()
    assert body["current_title"] is None
    assert body["department"] is None
    assert body["department_name"] is None


def test_hr_sees_masked_id_numbers_and_the_admin_sees_them_in_full(world):
    person = world.staff_in_dept
    hr_body = client_for(world, "hospital_hr").get(detail_url("staff", person.pk)).json()
    admin_body = client_for(world, "commission_admin").get(detail_url("staff", person.pk)).json()
    assert hr_body["id_number"] == mask_id_number(person.id_number)
    assert hr_body["id_number"].startswith("652101********")
    assert hr_body["id_number"][-4:] == person.id_number[-4:]
    assert admin_body["id_number"] == person.id_number


def test_masking_applies_to_lists_and_api_keys_too(world):
    for role in ("hospital_hr", "api_client"):
        rows = client_for(world, role).get(list_url("staff")).json()["results"]
        assert rows
        assert all("********" in row["id_number"] for row in rows), role


# --- Staff: writes ------------------------------------------------------------------------------


def test_create_derives_gender_and_birth_date_from_the_id_number(world):
    response = client_for(world, "hospital_hr").post(list_url("staff"), staff_payload(world), format="json")
    assert_status(response, 201)
    person = Staff.objects.get(pk=response.json()["id"])
    assert person.gender == "female"
    assert person.birth_date == dt.date(1990, 6, 15)
    assert response.json()["gender_display"] == "女"
    assert person.history.first().history_user == world.users["hospital_hr"]


def test_lowercase_x_and_fullwidth_digits_are_normalised(world):
    number = next(n for n in (new_id_number(sequence=s) for s in range(400, 500)) if n.endswith("X"))
    response = client_for(world, "commission_admin").post(
        list_url("staff"), staff_payload(world, id_number=number[:-1] + "x"), format="json"
    )
    assert_status(response, 201)
    assert Staff.objects.get(pk=response.json()["id"]).id_number == number


def test_bad_check_digit_is_400_in_chinese_and_writes_nothing(world):
    payload = staff_payload(world, id_number=with_bad_check_digit(new_id_number()))
    with assert_no_rows_written(Staff):
        response = client_for(world, "hospital_hr").post(list_url("staff"), payload, format="json")
    assert_chinese_400(response, contains="身份证号校验位错误")


def test_invalid_phone_is_400_in_chinese_and_writes_nothing(world):
    with assert_no_rows_written(Staff):
        response = client_for(world, "hospital_hr").post(
            list_url("staff"), staff_payload(world, phone="02312345678"), format="json"
        )
    assert_chinese_400(response, contains="手机号")


def test_gender_contradicting_the_id_number_is_refused_by_the_service(world):
    with assert_no_rows_written(Staff):
        response = client_for(world, "hospital_hr").post(
            list_url("staff"), staff_payload(world, gender="male"), format="json"
        )
    assert_chinese_400(response, contains="性别与身份证号不符")
    assert "gender" in response.json()["errors"]


def test_department_of_another_institution_is_refused(world):
    # The admin sees both; the department must still belong to the chosen institution.
    with assert_no_rows_written(Staff):
        response = client_for(world, "commission_admin").post(
            list_url("staff"), staff_payload(world, institution=world.branch.pk), format="json"
        )
    assert_chinese_400(response, contains="科室不属于所选单位")


def test_duplicate_id_number_is_refused(world):
    with assert_no_rows_written(Staff):
        response = client_for(world, "commission_admin").post(
            list_url("staff"), staff_payload(world, id_number=world.staff_foreign.id_number), format="json"
        )
    assert_chinese_400(response)


def test_hr_may_not_move_a_person_out_of_its_scope(world):
    person = world.staff_branch
    with assert_unchanged(person):
        response = client_for(world, "hospital_hr").patch(
            detail_url("staff", person.pk), {"institution": world.other_hospital.pk}, format="json"
        )
    assert_chinese_400(response, contains="不在您的管理范围内")


def test_put_replaces_the_record(world):
    person = world.staff_other_dept
    payload = staff_payload(world, employee_no=person.employee_no, name="李强", id_number=person.id_number)
    payload |= {"status": StaffStatus.OFF_DUTY, "department": world.other_dept.pk}
    response = client_for(world, "hospital_hr").put(detail_url("staff", person.pk), payload, format="json")
    assert_status(response, 200)
    person.refresh_from_db()
    assert (person.category, person.status, person.phone) == ("nursing", "off_duty", "13912345678")


def test_put_back_what_was_read_keeps_the_masked_id_number(world):
    # HR reads a masked 身份证号; writing the record back unchanged but for the phone is fine.
    client = client_for(world, "hospital_hr")
    person = world.staff_branch
    original = person.id_number
    url = detail_url("staff", person.pk)
    body = client.get(url).json()
    assert "*" in body["id_number"]
    response = client.put(url, body | {"phone": "13655556666"}, format="json")
    assert_status(response, 200)
    person.refresh_from_db()
    assert person.phone == "13655556666"
    assert person.id_number == original


def test_a_masked_number_is_not_accepted_for_a_new_person(world):
    masked = mask_id_number(new_id_number())
    with assert_no_rows_written(Staff):
        response = client_for(world, "hospital_hr").post(
            list_url("staff"), staff_payload(world, id_number=masked), format="json"
        )
    assert_chinese_400(response, contains="身份证号")


def test_put_without_required_fields_is_400_and_writes_nothing(world):
    person = world.staff_other_dept
    with assert_unchanged(person):
        response = client_for(world, "hospital_hr").put(detail_url("staff", person.pk), {"name": "李强"}, format="json")
    assert_chinese_400(response)


def test_new_id_number_rederives_gender_and_birth_date(world):
    person = world.staff_other_dept  # male, born 1985-03-14
    number = new_id_number(is_male=False, birth_date=dt.date(1992, 2, 29))
    response = client_for(world, "commission_admin").patch(
        detail_url("staff", person.pk), {"id_number": number}, format="json"
    )
    assert_status(response, 200)
    person.refresh_from_db()
    assert (person.gender, person.birth_date) == ("female", dt.date(1992, 2, 29))


def test_staff_cannot_be_deleted_through_the_api(world):
    with assert_no_rows_written(Staff):
        response = client_for(world, "commission_admin").delete(detail_url("staff", world.staff_branch.pk))
    assert_status(response, 405)


def test_head_and_staff_may_read_but_not_write(world):
    for role in ("department_head", "staff"):
        client = client_for(world, role)
        with assert_unchanged(world.staff_in_dept):
            assert_status(client.patch(detail_url("staff", world.staff_in_dept.pk), {"phone": "13700001111"}), 403)
        with assert_no_rows_written(Staff):
            assert_status(client.post(list_url("staff"), staff_payload(world), format="json"), 403)


# --- Staff: filters ---------------------------------------------------------------------------


def _ids(world, role: str, **params) -> set[int]:
    return result_ids(client_for(world, role).get(list_url("staff"), params))


def test_filter_by_institution_department_category_and_status(world):
    nurse = StaffFactory(institution=world.hospital, department=world.dept, category="nursing")
    retired = StaffFactory(institution=world.hospital, status=StaffStatus.RETIRED)
    assert _ids(world, "hospital_hr", institution=world.branch.pk) == {world.staff_branch.pk}
    assert _ids(world, "hospital_hr", department=world.dept.pk) == {
        world.head_staff.pk,
        world.staff_in_dept.pk,
        nurse.pk,
    }
    assert _ids(world, "hospital_hr", category="nursing") == {nurse.pk}
    assert _ids(world, "hospital_hr", status="retired") == {retired.pk}


def test_filter_by_current_title_level(world):
    TitleFactory(
        staff=world.staff_branch, name="副主任医师", level=TitleLevel.ASSOCIATE_SENIOR, obtained_on="2021-01-01"
    )
    assert _ids(world, "hospital_hr", title_level="associate_senior") == {world.staff_branch.pk}
    assert world.staff_branch.pk not in _ids(world, "hospital_hr", title_level="intermediate")


def test_search_by_name_employee_no_and_id_number(world):
    person = world.staff_in_dept
    assert _ids(world, "hospital_hr", q="王芳") == {person.pk}
    assert _ids(world, "hospital_hr", q=person.employee_no) == {person.pk}
    assert _ids(world, "hospital_hr", q=person.id_number) == {person.pk}
    assert _ids(world, "hospital_hr", search="王芳") == {person.pk}


def test_search_never_reaches_outside_the_scope(world):
    assert _ids(world, "hospital_hr", q="刘洋") == set()
    assert _ids(world, "hospital_hr", q=world.staff_foreign.id_number) == set()


def test_filtering_by_a_foreign_institution_is_refused(world):
    response = client_for(world, "hospital_hr").get(list_url("staff"), {"institution": world.other_hospital.pk})
    assert_status(response, 400)


# --- Authentication -----------------------------------------------------------------------------


def test_api_key_lists_only_its_hospital_and_branch(world):
    expected = {world.head_staff, world.staff_in_dept, world.staff_other_dept, world.staff_branch}
    assert _ids(world, "api_client") == {p.pk for p in expected}


def test_api_key_writes_are_audited_without_a_user(world):
    response = client_for(world, "api_client").post(list_url("staff"), staff_payload(world), format="json")
    assert_status(response, 201)
    record = Staff.objects.get(pk=response.json()["id"]).history.first()
    assert record.history_user is None
    assert record.history_change_reason == "接口客户端：HIS"


def test_revoked_api_key_is_refused(world):
    InstitutionAPIKey.objects.update(revoked=True)
    response = client_for(world, "api_client").get(list_url("staff"))
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_unknown_api_key_is_refused(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Api-Key nope.nope")
    assert client.get(list_url("staff")).status_code in (401, 403)


def test_no_credentials_are_refused(world):
    response = APIClient().get(list_url("staff"))
    assert response.status_code in (401, 403)
    assert "results" not in response.json()


def test_user_without_role_sees_nothing(world, django_user_model):
    nobody = django_user_model.objects.create_user(username="nobody", password="x-Pass-1234")
    client = APIClient()
    client.force_login(nobody)
    assert_status(client.get(list_url("staff")), 403)


# --- Query counts -------------------------------------------------------------------------------


@pytest.fixture
def many_staff(world):
    for n in range(35):
        person = StaffFactory(institution=world.hospital, department=world.dept if n % 2 else world.other_dept)
        TitleFactory(staff=person)
        if n % 3 == 0:
            TitleFactory(staff=person, name="副主任医师", level=TitleLevel.ASSOCIATE_SENIOR, obtained_on="2022-01-01")
    return world


def _count_queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert_status(response, 200)
    assert len(response.json()["results"]) == params["page_size"] or response.json()["next"] is None
    return len(queries)


@pytest.mark.parametrize("role", ["hospital_hr", "commission_admin", "api_client"])
def test_staff_list_runs_a_constant_number_of_queries(many_staff, role, django_assert_max_num_queries):
    client = client_for(many_staff, role)
    url = list_url("staff")
    client.get(url, {"page_size": 1})  # warm up the session and permission caches
    small = _count_queries(client, url, {"page_size": 5})
    large = _count_queries(client, url, {"page_size": 100})
    assert small == large
    # The commission admin sees full ID numbers: one more query, the access log's bulk INSERT.
    bound = 9 if role == "commission_admin" else 8
    with django_assert_max_num_queries(bound):
        client.get(url, {"page_size": 5})
    with django_assert_max_num_queries(bound):
        rows = client.get(url, {"page_size": 100}).json()["results"]
    assert len(rows) >= 35
    assert all(row["current_title"] for row in rows)


def test_filtered_staff_list_is_constant_too(many_staff, django_assert_max_num_queries):
    client = client_for(many_staff, "hospital_hr")
    params = {"department": many_staff.dept.pk, "title_level": "intermediate", "q": "职工"}
    small = _count_queries(client, list_url("staff"), params | {"page_size": 5})
    large = _count_queries(client, list_url("staff"), params | {"page_size": 100})
    assert small == large


# --- Misc ---------------------------------------------------------------------------------------


def test_quota_create_is_an_upsert_through_the_service(world):
    grade7 = PostGrade.objects.get(grade=7)
    PostQuotaFactory(institution=world.township, year=2026, post_grade=grade7, count=2)
    response = client_for(world, "commission_admin").post(
        list_url("quota"), {"institution": world.township.pk, "year": 2026, "post_grade": 7, "count": 3}, format="json"
    )
    assert_status(response, 201)
    assert PostQuota.objects.get(institution=world.township, year=2026, post_grade=grade7).count == 3


def test_schema_is_served_to_a_logged_in_user(world):
    client = client_for(world, "hospital_hr")
    response = client.get("/api/schema/")
    assert_status(response, 200)
    schema = response.content.decode()
    for path in ("/api/v1/staff/", "/api/v1/appointments/", "/api/v1/quotas/", "/api/v1/institutions/"):
        assert path in schema
    assert "Api-Key" in schema
    assert_status(client.get("/api/docs/"), 200)
