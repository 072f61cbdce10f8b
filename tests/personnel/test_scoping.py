"""Each scoping function, for each role: the rows it returns are exactly the ones the role may see."""

import pytest

from appointments.selectors import visible_appointments
from personnel.choices import Role
from personnel.models import InstitutionAPIKey, User
from personnel.scoping import (
    ApiClient,
    can_change,
    can_view_full_id,
    visible_departments,
    visible_institutions,
    visible_quotas,
    visible_staff,
    visible_titles,
)

CELE = {"艾合买提", "王芳", "李强", "张伟", "刘洋"}

STAFF_SEEN = {
    Role.COMMISSION_ADMIN: CELE,
    Role.HOSPITAL_HR: {"艾合买提", "王芳", "李强", "张伟"},
    Role.DEPARTMENT_HEAD: {"艾合买提", "王芳"},
    Role.STAFF: {"王芳"},
    Role.API_CLIENT: {"艾合买提", "王芳", "李强", "张伟"},
}

INSTITUTIONS_SEEN = {
    Role.COMMISSION_ADMIN: {"策勒县卫健委", "策勒县人民医院", "人民医院分院", "策勒乡卫生院", "策勒县中医医院"},
    Role.HOSPITAL_HR: {"策勒县人民医院", "人民医院分院"},
    Role.DEPARTMENT_HEAD: {"策勒县人民医院"},
    Role.STAFF: {"策勒县人民医院"},
    Role.API_CLIENT: {"策勒县人民医院", "人民医院分院"},
}


def _principal(world, role):
    if role == Role.API_CLIENT:
        return ApiClient(institution=world.hospital, key_name="HIS")
    return world.users[role]


@pytest.mark.smoke
@pytest.mark.parametrize("role", list(STAFF_SEEN))
def test_visible_staff_per_role(world, role):
    user = _principal(world, role)
    assert set(visible_staff(user).values_list("name", flat=True)) == STAFF_SEEN[role]
    assert set(visible_titles(user).values_list("staff__name", flat=True)) == STAFF_SEEN[role]
    assert set(visible_appointments(user).values_list("staff__name", flat=True)) == STAFF_SEEN[role] - {
        "艾合买提",
        "李强",
    }


@pytest.mark.parametrize("role", list(INSTITUTIONS_SEEN))
def test_visible_institutions_per_role(world, role):
    user = _principal(world, role)
    assert set(visible_institutions(user).values_list("name", flat=True)) == INSTITUTIONS_SEEN[role]


def test_departments_and_quotas_per_role(world):
    assert set(visible_departments(world.users[Role.DEPARTMENT_HEAD]).values_list("name", flat=True)) == {"内科"}
    assert set(visible_departments(world.users[Role.STAFF]).values_list("name", flat=True)) == {"内科"}
    assert set(visible_departments(world.users[Role.HOSPITAL_HR]).values_list("name", flat=True)) == {"内科", "外科"}
    assert visible_quotas(world.users[Role.DEPARTMENT_HEAD]).count() == 0
    assert set(visible_quotas(world.users[Role.HOSPITAL_HR]).values_list("institution__name", flat=True)) == {
        "策勒县人民医院",
        "人民医院分院",
    }
    assert visible_quotas(world.users[Role.COMMISSION_ADMIN]).count() == 3


def test_user_without_role_or_anonymous_sees_nothing(world):
    nobody = User.objects.create_user("nobody", password="x-Pass-1234")
    assert not visible_staff(nobody).exists()
    assert not visible_institutions(nobody).exists()
    from django.contrib.auth.models import AnonymousUser

    assert not visible_staff(AnonymousUser()).exists()


def test_superuser_sees_every_region(world):
    root = User.objects.create_superuser("root", password="x-Pass-1234")
    assert visible_staff(root).count() == 6


def test_hr_of_a_branch_does_not_see_its_parent(world):
    branch_hr = User.objects.create_user("bhr", password="x", role=Role.HOSPITAL_HR, institution=world.branch)
    assert set(visible_staff(branch_hr).values_list("name", flat=True)) == {"张伟"}


def test_change_rights_per_role(world):
    assert can_change(world.users[Role.COMMISSION_ADMIN], "quota")
    assert not can_change(world.users[Role.HOSPITAL_HR], "quota")
    assert can_change(world.users[Role.HOSPITAL_HR], "appointment")
    assert not can_change(world.users[Role.DEPARTMENT_HEAD], "staff")
    assert not can_change(world.users[Role.STAFF], "staff")
    assert can_change(_principal(world, Role.API_CLIENT), "staff")
    assert not can_change(_principal(world, Role.API_CLIENT), "appointment")


def test_full_id_number_needs_the_permission(world):
    assert can_view_full_id(world.users[Role.COMMISSION_ADMIN])
    assert not can_view_full_id(world.users[Role.HOSPITAL_HR])
    assert not can_view_full_id(_principal(world, Role.API_CLIENT))


def test_api_key_is_stored_hashed(world):
    stored = InstitutionAPIKey.objects.get(name="HIS")
    assert world.api_key not in stored.hashed_key
    assert stored.is_valid(world.api_key)
