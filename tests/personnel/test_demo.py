"""load_demo: the 策勒县 community it builds, its rules (IDs, quotas, one appointment each),
its audit trail, its determinism and its users."""

import io
import re
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse

from appointments.choices import AppointmentKind, AppointmentStatus
from appointments.models import Appointment
from appointments.selectors import count_filled_posts, quotas_with_usage
from personnel.choices import Gender, InstitutionKind, Role
from personnel.demo import PASSWORDS
from personnel.models import Department, Institution, InstitutionAPIKey, PolicyVersion, PostQuota, Staff, Title
from personnel.validators import parse_id_number, validate_phone

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", "--staff", "200", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo() -> str:
    return load_demo("--seed", "20260101")


def people() -> list[tuple[str, str, str]]:
    return list(Staff.objects.order_by("employee_no").values_list("employee_no", "name", "id_number"))


def test_the_community_has_the_shape_of_cele_county(demo):
    kinds = Counter(Institution.objects.values_list("kind", flat=True))
    assert kinds == {
        InstitutionKind.COMMISSION: 1,
        InstitutionKind.HEAD_HOSPITAL: 1,
        InstitutionKind.BRANCH: 2,
        InstitutionKind.TOWNSHIP_CENTRE: 8,
        InstitutionKind.VILLAGE_CLINIC: 20,
    }
    assert set(Institution.objects.values_list("region__code", flat=True)) == {"653225"}
    head = Institution.objects.get(kind=InstitutionKind.HEAD_HOSPITAL)
    assert head.name == "策勒县人民医院"
    assert head.parent.name == "策勒县卫生健康委员会"
    for village in Institution.objects.filter(kind=InstitutionKind.VILLAGE_CLINIC):
        assert village.parent.kind == InstitutionKind.TOWNSHIP_CENTRE
        assert village.is_remote == village.parent.is_remote
        assert village.staff.exists()
    assert Institution.objects.filter(kind=InstitutionKind.TOWNSHIP_CENTRE, is_remote=True).count() == 3
    assert set(Department.objects.filter(institution=head).values_list("name", flat=True)) >= {
        "内科",
        "外科",
        "妇产科",
        "儿科",
        "急诊科",
        "检验科",
        "影像科",
        "药剂科",
        "护理部",
        "公共卫生科",
        "口腔科",
        "中医科",
    }
    assert not Department.objects.filter(institution__kind=InstitutionKind.VILLAGE_CLINIC).exists()
    assert "机构32个" in demo


def test_staff_have_valid_consistent_identity_data(demo):
    assert Staff.objects.count() == 200
    for staff in Staff.objects.select_related("department"):
        facts = parse_id_number(staff.id_number)
        assert staff.id_number.startswith("653225")
        assert staff.birth_date == facts.birth_date
        assert staff.gender == (Gender.MALE if facts.is_male else Gender.FEMALE)
        validate_phone(staff.phone)
        assert staff.first_employment_date > staff.birth_date
        if staff.department_id:
            assert staff.department.institution_id == staff.institution_id
    assert Staff.objects.values("id_number").distinct().count() == 200
    ethnicities = Counter(Staff.objects.values_list("ethnicity", flat=True))
    assert ethnicities["维吾尔族"] > ethnicities["汉族"] > 0
    assert Staff.objects.filter(name__contains="·").exists()


def test_every_demo_person_passes_the_model_rules(demo):
    for staff in Staff.objects.all()[:50]:
        staff.full_clean()
    for title in Title.objects.select_related("staff")[:50]:
        title.full_clean()


def test_no_appointment_is_beyond_its_quota_and_most_posts_are_filled(demo):
    quotas = quotas_with_usage(PostQuota.objects.all())
    assert not [q for q in quotas if q.used > q.count]
    total = sum(q.count for q in quotas)
    filled = sum(q.used for q in quotas)
    assert 0.8 * total < filled < total
    # The selector the quota rule itself uses agrees, grade by grade, at the head hospital.
    for quota in quotas.filter(institution__kind=InstitutionKind.HEAD_HOSPITAL).select_related("post_grade"):
        used = count_filled_posts(institution=quota.institution, year=quota.year, post_grade=quota.post_grade)
        assert used == quota.used <= quota.count
    years = set(PostQuota.objects.values_list("year", flat=True))
    assert len(years) == 2 and max(years) == min(years) + 1


def test_each_appointment_is_within_the_title_level_and_one_per_person(demo):
    active = Appointment.objects.filter(status=AppointmentStatus.ACTIVE).select_related("staff", "post_grade")
    assert active.count() > 100
    per_person = Counter(a.staff_id for a in active)
    assert max(per_person.values()) == 1
    policy = PolicyVersion.objects.get(region__code="653225")
    for appointment in active.prefetch_related("staff__titles"):
        assert appointment.post_grade.title_level == appointment.staff.current_title.level
        assert appointment.institution_id == appointment.staff.institution_id
        assert appointment.staff.status == "on_duty"
        assert appointment.policy == policy
        if appointment.kind != AppointmentKind.SPECIAL:
            assert PostQuota.objects.filter(
                institution=appointment.institution, year=appointment.start.year, post_grade=appointment.post_grade
            ).exists()


def test_a_few_special_posts_at_remote_township_centres(demo):
    special = Appointment.objects.filter(kind=AppointmentKind.SPECIAL).select_related("institution")
    assert 1 <= special.count() <= 3
    for appointment in special:
        assert appointment.institution.kind == InstitutionKind.TOWNSHIP_CENTRE
        assert appointment.institution.is_remote


def test_bulk_writes_leave_an_audit_trail(demo):
    assert Staff.history.filter(history_type="+").count() == Staff.objects.count()
    assert Title.history.count() == Title.objects.count()
    assert PostQuota.history.count() == PostQuota.objects.count()
    assert Appointment.history.count() == Appointment.objects.count()
    assert set(Staff.history.values_list("history_change_reason", flat=True)) == {"演示数据"}


def test_the_same_seed_gives_the_same_people():
    load_demo("--seed", "7")
    first = people()
    first_appointments = sorted(Appointment.objects.values_list("staff__employee_no", "post_grade_id", "kind"))
    output = load_demo("--seed", "7", "--reset")
    assert "已删除原有演示数据" in output
    assert people() == first
    assert sorted(Appointment.objects.values_list("staff__employee_no", "post_grade_id", "kind")) == first_appointments
    load_demo("--seed", "8", "--reset")
    assert people() != first


def test_a_second_load_without_reset_changes_nothing(demo):
    before = people()
    output = load_demo("--seed", "99")
    assert "演示数据已存在" in output
    assert people() == before
    assert Institution.objects.count() == 32


def test_one_user_per_role_who_can_log_in(demo):
    User = get_user_model()
    users = {u.username: u for u in User.objects.select_related("institution", "department", "staff")}
    assert users["root"].is_superuser
    assert users["admin"].role == Role.COMMISSION_ADMIN
    assert users["admin"].institution.kind == InstitutionKind.COMMISSION
    assert users["admin"].is_staff and users["admin"].has_perm("personnel.view_full_id_number")
    assert users["admin"].has_perm("personnel.change_staff")
    assert users["hr"].role == Role.HOSPITAL_HR and users["hr"].institution.name == "策勒县人民医院"
    head = users["head"]
    assert head.role == Role.DEPARTMENT_HEAD
    assert head.department.name == "内科" and head.department.institution.name == "策勒县人民医院"
    assert head.department.head == head.staff
    assert users["staff"].role == Role.STAFF and users["staff"].staff is not None
    for username, password in PASSWORDS.items():
        assert password in demo
        request = RequestFactory().get("/")
        assert Client().login(request=request, username=username, password=password), username


def test_the_demo_admin_works_in_the_admin_site(demo):
    client = Client()
    client.force_login(get_user_model().objects.get(username="admin"))
    response = client.get(reverse("admin:personnel_staff_changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == 200


def test_the_printed_api_key_belongs_to_the_head_hospital(demo):
    key = re.search(r"接口密钥（仅显示这一次）：(\S+)", demo).group(1)
    api_key = InstitutionAPIKey.objects.get_from_key(key)
    assert api_key.institution.name == "策勒县人民医院"
    assert not api_key.revoked
