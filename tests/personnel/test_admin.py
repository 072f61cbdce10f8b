"""The admin site: every page loads, every queryset and choice is scoped, writes go through the
services, and a policy version is never overwritten."""

import datetime as dt

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from appointments.models import Appointment
from personnel.choices import Role
from personnel.models import InstitutionAPIKey, PolicyVersion, PostGrade, PostQuota, Staff, Title
from personnel.validators import mask_id_number
from tests.factories import PolicyVersionFactory, UserFactory

MODELS = [
    ("personnel", "region"),
    ("personnel", "institution"),
    ("personnel", "department"),
    ("personnel", "staff"),
    ("personnel", "title"),
    ("personnel", "postgrade"),
    ("personnel", "postquota"),
    ("personnel", "policyversion"),
    ("personnel", "user"),
    ("personnel", "institutionapikey"),
    ("appointments", "appointment"),
]


@pytest.fixture
def root_client(world):
    root = UserFactory(username="root", role="", institution=None, is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    return client


def admin_client(user, *, full_id: bool | None = None) -> Client:
    """Log a role user into the admin site with every non-delete model permission of both apps."""
    user.is_staff = True
    user.save()
    perms = Permission.objects.filter(content_type__app_label__in=["personnel", "appointments"]).exclude(
        codename__startswith="delete_"
    )
    if full_id is False:
        perms = perms.exclude(codename="view_full_id_number")
    user.user_permissions.set(perms)
    client = Client()
    client.force_login(user)
    return client


def object_pk(world, model: str):
    return {
        "region": world.region.pk,
        "institution": world.hospital.pk,
        "department": world.dept.pk,
        "staff": world.staff_in_dept.pk,
        "title": world.staff_in_dept.titles.first().pk,
        "postgrade": 8,
        "postquota": PostQuota.objects.filter(institution=world.hospital).first().pk,
        "policyversion": PolicyVersion.objects.filter(region=world.region).first().pk,
        "user": world.users[Role.HOSPITAL_HR].pk,
        "institutionapikey": InstitutionAPIKey.objects.first().pk,
        "appointment": Appointment.objects.filter(staff=world.staff_in_dept).first().pk,
    }[model]


# --- every page loads ---------------------------------------------------------------------------


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_superuser_changelist_loads(root_client, app, model):
    response = root_client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_superuser_add_and_change_pages_load(root_client, world, app, model):
    assert root_client.get(reverse(f"admin:{app}_{model}_add")).status_code == 200
    change = root_client.get(reverse(f"admin:{app}_{model}_change", args=[object_pk(world, model)]))
    assert change.status_code == 200


def test_staff_history_page_loads(root_client, world):
    url = reverse("admin:personnel_staff_history", args=[world.staff_in_dept.pk])
    assert root_client.get(url).status_code == 200


# --- scoping ------------------------------------------------------------------------------------


def changelist_names(client, app="personnel", model="staff") -> set[str]:
    response = client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert response.status_code == 200
    return {str(obj.name) for obj in response.context["cl"].result_list}


def test_commission_admin_sees_only_its_region_in_the_staff_changelist(world):
    client = admin_client(world.users[Role.COMMISSION_ADMIN])
    names = changelist_names(client)
    assert names == {"艾合买提", "王芳", "李强", "张伟", "刘洋"}
    assert "陈静" not in names


def test_hospital_hr_sees_its_hospital_and_branch(world):
    client = admin_client(world.users[Role.HOSPITAL_HR])
    assert changelist_names(client) == {"艾合买提", "王芳", "李强", "张伟"}


def test_foreign_staff_change_page_is_out_of_reach(world):
    client = admin_client(world.users[Role.COMMISSION_ADMIN])
    response = client.get(reverse("admin:personnel_staff_change", args=[world.staff_foreign.pk]))
    assert response.status_code == 302  # the admin's "does not exist" redirect
    history = client.get(reverse("admin:personnel_staff_history", args=[world.staff_foreign.pk]))
    assert history.status_code == 404
    version = world.staff_foreign.history.first().history_id
    record = client.get(reverse("admin:personnel_staff_simple_history", args=[world.staff_foreign.pk, version]))
    assert record.status_code == 404


def test_every_changelist_is_scoped_for_the_commission_admin(world):
    client = admin_client(world.users[Role.COMMISSION_ADMIN])
    for app, model in MODELS:
        response = client.get(reverse(f"admin:{app}_{model}_changelist"))
        assert response.status_code == 200, model
        text = response.content.decode()
        assert "万州区人民医院" not in text, model
        assert "陈静" not in text, model


def test_foreign_key_choices_are_limited_to_visible_rows(world, rf):
    from django.contrib import admin

    request = rf.get("/")
    request.user = world.users[Role.COMMISSION_ADMIN]
    form = admin.site._registry[Staff].get_form(request)()
    institutions = set(form.fields["institution"].queryset.values_list("name", flat=True))
    assert "策勒县人民医院" in institutions
    assert "万州区人民医院" not in institutions
    appointment_form = admin.site._registry[Appointment].get_form(request)()
    staff = set(appointment_form.fields["staff"].queryset.values_list("name", flat=True))
    assert "陈静" not in staff
    assert "王芳" in staff


def test_autocomplete_offers_only_visible_institutions(world):
    client = admin_client(world.users[Role.HOSPITAL_HR])
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "personnel", "model_name": "staff", "field_name": "institution", "term": ""},
    )
    assert response.status_code == 200
    names = {r["text"] for r in response.json()["results"]}
    assert names == {"策勒县人民医院", "人民医院分院"}


def test_department_head_may_read_but_not_add_staff(world):
    client = admin_client(world.users[Role.DEPARTMENT_HEAD])
    assert changelist_names(client) == {"艾合买提", "王芳"}
    assert client.get(reverse("admin:personnel_staff_add")).status_code == 403


def test_superusers_stay_out_of_a_commission_admins_user_list(root_client, world):
    client = admin_client(world.users[Role.COMMISSION_ADMIN])
    response = client.get(reverse("admin:personnel_user_changelist"))
    usernames = {u.username for u in response.context["cl"].result_list}
    assert "root" not in usernames
    assert "hr" in usernames


# --- ID numbers ---------------------------------------------------------------------------------


def test_id_numbers_are_masked_without_the_permission(world):
    client = admin_client(world.users[Role.HOSPITAL_HR], full_id=False)
    text = client.get(reverse("admin:personnel_staff_changelist")).content.decode()
    assert world.staff_in_dept.id_number not in text
    assert mask_id_number(world.staff_in_dept.id_number) in text
    change = client.get(reverse("admin:personnel_staff_change", args=[world.staff_in_dept.pk]))
    assert world.staff_in_dept.id_number not in change.content.decode()
    appointments = client.get(reverse("admin:appointments_appointment_changelist")).content.decode()
    assert world.staff_in_dept.id_number not in appointments


def test_searching_by_id_number_is_off_without_the_permission(world):
    client = admin_client(world.users[Role.HOSPITAL_HR], full_id=False)
    response = client.get(reverse("admin:personnel_staff_changelist"), {"q": world.staff_in_dept.id_number})
    assert list(response.context["cl"].result_list) == []


def test_id_numbers_are_shown_in_full_with_the_permission(world):
    client = admin_client(world.users[Role.COMMISSION_ADMIN])
    text = client.get(reverse("admin:personnel_staff_changelist")).content.decode()
    assert world.staff_in_dept.id_number in text
    found = client.get(reverse("admin:personnel_staff_changelist"), {"q": world.staff_in_dept.id_number})
    assert [s.name for s in found.context["cl"].result_list] == ["王芳"]


# --- writes through the services ----------------------------------------------------------------


def staff_form(world, **overrides) -> dict:
    data = {
        "employee_no": "E900001",
        "name": "新职工",
        "id_number": "11010519491231002X",
        "gender": "female",
        "birth_date": "1949-12-31",
        "ethnicity": "汉族",
        "phone": "13912345678",
        "education": "bachelor",
        "degree": "bachelor",
        "major": "护理学",
        "category": "nursing",
        "institution": world.hospital.pk,
        "department": world.dept.pk,
        "employment_type": "contract",
        "status": "on_duty",
        "first_employment_date": "1970-07-01",
        "titles-TOTAL_FORMS": "0",
        "titles-INITIAL_FORMS": "0",
        "titles-MIN_NUM_FORMS": "0",
        "titles-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_adding_staff_goes_through_save_staff_and_keeps_history(world):
    client = admin_client(world.users[Role.HOSPITAL_HR])
    response = client.post(reverse("admin:personnel_staff_add"), staff_form(world))
    assert response.status_code == 302
    staff = Staff.objects.get(employee_no="E900001")
    record = staff.history.get()
    assert record.history_user == world.users[Role.HOSPITAL_HR]


def test_a_bad_id_number_is_refused_in_chinese(world):
    client = admin_client(world.users[Role.HOSPITAL_HR])
    response = client.post(reverse("admin:personnel_staff_add"), staff_form(world, id_number="110105194912310021"))
    assert response.status_code == 200
    assert "身份证号校验位错误" in response.content.decode()
    assert not Staff.objects.filter(employee_no="E900001").exists()


def test_a_staff_member_cannot_be_added_to_a_foreign_institution(world):
    client = admin_client(world.users[Role.HOSPITAL_HR])
    data = staff_form(world, institution=world.foreign_hospital.pk, department="")
    response = client.post(reverse("admin:personnel_staff_add"), data)
    assert response.status_code == 200
    assert not Staff.objects.filter(employee_no="E900001").exists()


def test_titles_added_inline_go_through_save_title(world):
    client = admin_client(world.users[Role.HOSPITAL_HR])
    data = staff_form(
        world,
        **{
            "titles-TOTAL_FORMS": "1",
            "titles-0-name": "主管护师",
            "titles-0-level": "intermediate",
            "titles-0-series": "nursing",
            "titles-0-obtained_on": "1980-01-01",
            "titles-0-certificate_no": "C1",
        },
    )
    response = client.post(reverse("admin:personnel_staff_add"), data)
    assert response.status_code == 302
    title = Title.objects.get(staff__employee_no="E900001")
    assert title.history.get().history_user == world.users[Role.HOSPITAL_HR]


def quota_url(quota) -> str:
    return reverse("admin:personnel_postquota_change", args=[quota.pk])


def test_a_quota_below_the_posts_filled_is_refused_and_nothing_is_written(world):
    client = admin_client(world.users[Role.COMMISSION_ADMIN])
    quota = PostQuota.objects.get(institution=world.hospital, year=2026, post_grade_id=8)
    response = client.post(quota_url(quota), {"count": "0"})
    assert response.status_code == 200
    assert "不能少于" in response.content.decode()
    quota.refresh_from_db()
    assert quota.count == 10
    assert quota.history.count() == 1


def test_a_quota_change_goes_through_set_quota(world):
    client = admin_client(world.users[Role.COMMISSION_ADMIN])
    quota = PostQuota.objects.get(institution=world.hospital, year=2026, post_grade_id=8)
    response = client.post(quota_url(quota), {"count": "12"})
    assert response.status_code == 302
    quota.refresh_from_db()
    assert quota.count == 12
    assert quota.history.first().history_user == world.users[Role.COMMISSION_ADMIN]


def test_the_quota_changelist_shows_posts_filled(world):
    client = admin_client(world.users[Role.COMMISSION_ADMIN])
    response = client.get(reverse("admin:personnel_postquota_changelist"))
    used = {(q.institution.name, q.used) for q in response.context["cl"].result_list}
    assert ("策勒县人民医院", 1) in used  # 王芳; the branch's appointment counts for the branch
    assert ("人民医院分院", 1) in used


def appointment_form(world, staff, **overrides) -> dict:
    data = {
        "staff": staff.pk,
        "institution": "",
        "post_grade": 8,
        "kind": "normal",
        "start": "2026-03-01",
        "end": "",
        "agreement_text": "",
    }
    data.update(overrides)
    return data


def test_an_appointment_is_created_through_the_service(world):
    client = admin_client(world.users[Role.HOSPITAL_HR])
    response = client.post(reverse("admin:appointments_appointment_add"), appointment_form(world, world.head_staff))
    assert response.status_code == 302
    appointment = Appointment.objects.get(staff=world.head_staff)
    assert appointment.policy == PolicyVersion.objects.get(region=world.region)
    assert appointment.end == dt.date(2028, 2, 29)
    assert appointment.institution == world.hospital


def test_an_appointment_beyond_the_quota_is_refused_as_a_form_error(world):
    PostQuota.objects.filter(institution=world.hospital, year=2026, post_grade_id=8).update(count=1)  # 王芳
    client = admin_client(world.users[Role.HOSPITAL_HR])
    response = client.post(reverse("admin:appointments_appointment_add"), appointment_form(world, world.head_staff))
    assert response.status_code == 200
    assert "超出岗位结构比例" in response.content.decode()
    assert not Appointment.objects.filter(staff=world.head_staff).exists()


def test_a_second_active_appointment_is_refused_and_the_first_kept(world):
    client = admin_client(world.users[Role.HOSPITAL_HR])
    response = client.post(
        reverse("admin:appointments_appointment_add"), appointment_form(world, world.staff_in_dept, post_grade=9)
    )
    assert response.status_code == 200
    assert "已有在聘岗位" in response.content.decode()
    assert Appointment.objects.filter(staff=world.staff_in_dept).count() == 1


def test_replacing_the_current_appointment_ends_the_old_one(world):
    PostQuota.objects.create(institution=world.hospital, year=2026, post_grade=PostGrade.objects.get(grade=9), count=1)
    client = admin_client(world.users[Role.HOSPITAL_HR])
    data = appointment_form(world, world.staff_in_dept, post_grade=9, start="2026-06-01", replace_current="on")
    response = client.post(reverse("admin:appointments_appointment_add"), data)
    assert response.status_code == 302
    statuses = dict(Appointment.objects.filter(staff=world.staff_in_dept).values_list("post_grade_id", "status"))
    assert statuses == {8: "terminated", 9: "active"}


# --- policy versions ----------------------------------------------------------------------------


def policy_form(version: PolicyVersion, **overrides) -> dict:
    data = {
        "name": version.name,
        "effective_from": version.effective_from.isoformat(),
        "note": "",
        "data_json": "",
    }
    for key, value in version.data.items():
        data[f"policy__{key}"] = str(value)
    data.update(overrides)
    return data


def test_editing_a_policy_version_saves_a_new_one_and_leaves_the_old_one(world):
    client = admin_client(world.users[Role.COMMISSION_ADMIN])
    old = PolicyVersion.objects.get(region=world.region)
    before = (old.name, old.effective_from, dict(old.data))
    data = policy_form(old, effective_from="2027-01-01", note="整改期缩短", policy__rectification_months="2")
    response = client.post(reverse("admin:personnel_policyversion_change", args=[old.pk]), data)
    assert response.status_code == 302
    old.refresh_from_db()
    assert (old.name, old.effective_from, old.data) == before
    new = PolicyVersion.objects.filter(region=world.region).exclude(pk=old.pk).get()
    assert new.effective_from == dt.date(2027, 1, 1)
    assert new.rectification_months == 2
    assert new.refusals_for_case == old.refusals_for_case
    assert new.created_by == world.users[Role.COMMISSION_ADMIN]
    assert new.note == "整改期缩短"


def test_a_new_policy_version_from_the_add_page(world):
    client = admin_client(world.users[Role.COMMISSION_ADMIN])
    data = {
        "region": world.region.pk,
        "name": "2027年版",
        "effective_from": "2027-01-01",
        "note": "",
        "data_json": '{"appointment_term_years": 3}',
        "policy__rectification_months": "3",
    }
    response = client.post(reverse("admin:personnel_policyversion_add"), data)
    assert response.status_code == 302
    version = PolicyVersion.objects.get(name="2027年版")
    assert version.data == {"appointment_term_years": 3, "rectification_months": 3}


def test_a_commission_admin_cannot_write_another_regions_policy(world):
    client = admin_client(world.users[Role.COMMISSION_ADMIN])
    data = {"region": world.foreign_region.pk, "name": "越权", "effective_from": "2027-01-01", "data_json": "{}"}
    response = client.post(reverse("admin:personnel_policyversion_add"), data)
    assert response.status_code == 200
    assert not PolicyVersion.objects.filter(name="越权").exists()


def test_hospital_hr_may_read_but_not_edit_policies(world):
    client = admin_client(world.users[Role.HOSPITAL_HR])
    assert client.get(reverse("admin:personnel_policyversion_changelist")).status_code == 200
    assert client.get(reverse("admin:personnel_policyversion_add")).status_code == 403


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"data_json": "{bad json"}, "JSON格式有误"),
        ({"data_json": "[1, 2]"}, "政策数据应为键值对象"),
        ({"data_json": '{"rectification_month": 3}'}, "未知的政策参数“rectification_month”"),
        ({"data_json": '{"excellent_ratio": -0.15}'}, "“优秀比例”不能为负数"),
        ({"policy__rectification_months": "-1"}, "“整改期（月）”不能为负数"),
        ({"policy__refusals_for_case": "2.5"}, "应为整数"),
        ({"policy__excellent_ratio": "百分之十五"}, "“优秀比例”应为数字"),
    ],
)
def test_invalid_policy_data_is_refused_with_a_chinese_message(world, overrides, message):
    client = admin_client(world.users[Role.COMMISSION_ADMIN])
    old = PolicyVersion.objects.get(region=world.region)
    data = policy_form(old, effective_from="2027-01-01", **overrides)
    response = client.post(reverse("admin:personnel_policyversion_change", args=[old.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert PolicyVersion.objects.filter(region=world.region).count() == 1


def test_policy_form_shows_one_input_per_declared_number(world):
    client = admin_client(world.users[Role.COMMISSION_ADMIN])
    old = PolicyVersionFactory(region=world.region, effective_from=dt.date(2021, 1, 1))
    response = client.get(reverse("admin:personnel_policyversion_change", args=[old.pk]))
    text = response.content.decode()
    assert 'name="policy__rectification_months"' in text
    assert 'name="policy__veto_patient_satisfaction"' in text
    assert "能上能下" in text and "柔性引才" in text
    assert "另存为一个新的政策版本" in text


def test_policy_versions_cannot_be_deleted(root_client, world):
    version = PolicyVersion.objects.get(region=world.region)
    response = root_client.get(reverse("admin:personnel_policyversion_delete", args=[version.pk]))
    assert response.status_code == 403


# --- API keys -----------------------------------------------------------------------------------


def test_a_new_api_key_is_shown_once_and_can_be_revoked(world):
    client = admin_client(world.users[Role.HOSPITAL_HR])
    response = client.post(
        reverse("admin:personnel_institutionapikey_add"),
        {"name": "检验系统", "institution": world.hospital.pk, "expiry_date_0": "", "expiry_date_1": ""},
        follow=True,
    )
    assert response.status_code == 200
    key = InstitutionAPIKey.objects.get(name="检验系统")
    shown = [str(m) for m in response.context["messages"]]
    assert any(key.prefix in m and "无法再次查看" in m for m in shown)
    revoke = client.post(
        reverse("admin:personnel_institutionapikey_changelist"),
        {"action": "revoke_keys", "_selected_action": [key.pk]},
    )
    assert revoke.status_code == 302
    key.refresh_from_db()
    assert key.revoked


def test_api_keys_of_another_region_are_invisible(world):
    InstitutionAPIKey.objects.create_key(name="外地", institution=world.foreign_hospital)
    client = admin_client(world.users[Role.COMMISSION_ADMIN])
    response = client.get(reverse("admin:personnel_institutionapikey_changelist"))
    assert {k.name for k in response.context["cl"].result_list} == {"HIS"}
