"""Every role × every page, against an explicit table of what each role may do and see.

The `world` fixture: 策勒县 with 艾合买提 (内科 head), 王芳 (内科), 李强 (外科) in 策勒县人民医院,
张伟 in its branch, 刘洋 in 策勒县中医医院; 陈静 in 万州区, another region.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from appointments.models import Appointment
from personnel.choices import Role
from personnel.models import Staff

ADMIN, HR, HEAD, STAFF = Role.COMMISSION_ADMIN, Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF
ROLES = [ADMIN, HR, HEAD, STAFF]

ALL_NAMES = {"艾合买提", "王芳", "李强", "张伟", "刘洋", "陈静"}

# Whom each role may see in the staff list.
VISIBLE_STAFF = {
    ADMIN: {"艾合买提", "王芳", "李强", "张伟", "刘洋"},
    HR: {"艾合买提", "王芳", "李强", "张伟"},
    HEAD: {"艾合买提", "王芳"},
    STAFF: {"王芳"},
}
# Whose appointments each role may see (the world appoints 王芳, 张伟, 刘洋 and 陈静).
VISIBLE_APPOINTMENTS = {
    ADMIN: {"王芳", "张伟", "刘洋"},
    HR: {"王芳", "张伟"},
    HEAD: {"王芳"},
    STAFF: {"王芳"},
}
# Institutions each role's tree shows.
VISIBLE_INSTITUTIONS = {
    ADMIN: {"策勒县卫健委", "策勒县人民医院", "人民医院分院", "策勒乡卫生院", "策勒县中医医院"},
    HR: {"策勒县人民医院", "人民医院分院"},
    HEAD: {"策勒县人民医院"},
    STAFF: {"策勒县人民医院"},
}
ALL_INSTITUTIONS = VISIBLE_INSTITUTIONS[ADMIN] | {"万州区卫健委", "万州区人民医院"}

# The person just outside each role's scope (a 404, like anyone of another region).
OUTSIDE = {ADMIN: "staff_foreign", HR: "staff_other_hospital", HEAD: "staff_other_dept", STAFF: "head_staff"}

# page -> expected status per role.
EXPECTED_STATUS = {
    "home": {ADMIN: 200, HR: 200, HEAD: 200, STAFF: 200},
    "institution_tree": {ADMIN: 200, HR: 200, HEAD: 200, STAFF: 200},
    "staff_list": {ADMIN: 200, HR: 200, HEAD: 200, STAFF: 200},
    "staff_detail_own_scope": {ADMIN: 200, HR: 200, HEAD: 200, STAFF: 200},
    "staff_detail_outside_scope": {ADMIN: 404, HR: 404, HEAD: 404, STAFF: 404},
    "staff_detail_other_region": {ADMIN: 404, HR: 404, HEAD: 404, STAFF: 404},
    "staff_create_get": {ADMIN: 200, HR: 200, HEAD: 403, STAFF: 403},
    "staff_create_post": {ADMIN: 302, HR: 302, HEAD: 403, STAFF: 403},
    "staff_update_get": {ADMIN: 200, HR: 200, HEAD: 403, STAFF: 403},
    "quota_overview": {ADMIN: 200, HR: 200, HEAD: 403, STAFF: 403},
    "appointment_list": {ADMIN: 200, HR: 200, HEAD: 200, STAFF: 200},
    "appointment_create_get": {ADMIN: 200, HR: 200, HEAD: 403, STAFF: 403},
    "appointment_create_post": {ADMIN: 302, HR: 302, HEAD: 403, STAFF: 403},
}

NEW_STAFF = {
    "employee_no": "N0001",
    "name": "新员工",
    "id_number": "11010519491231002X",
    "ethnicity": "汉族",
    "phone": "13912345678",
    "category": "nursing",
    "employment_type": "contract",
    "status": "on_duty",
}


def _request(client, world, role, page):
    """Perform `page` as the logged-in `role`; return the response."""
    w = world
    if page == "home":
        return client.get(reverse("home"))
    if page == "institution_tree":
        return client.get(reverse("personnel:institution_tree"))
    if page == "staff_list":
        return client.get(reverse("personnel:staff_list"))
    if page == "staff_detail_own_scope":
        return client.get(reverse("personnel:staff_detail", args=[w.staff_in_dept.pk]))
    if page == "staff_detail_outside_scope":
        return client.get(reverse("personnel:staff_detail", args=[getattr(w, OUTSIDE[role]).pk]))
    if page == "staff_detail_other_region":
        return client.get(reverse("personnel:staff_detail", args=[w.staff_foreign.pk]))
    if page == "staff_create_get":
        return client.get(reverse("personnel:staff_create"))
    if page == "staff_create_post":
        return client.post(reverse("personnel:staff_create"), {**NEW_STAFF, "institution": w.hospital.pk})
    if page == "staff_update_get":
        return client.get(reverse("personnel:staff_update", args=[w.staff_in_dept.pk]))
    if page == "quota_overview":
        return client.get(reverse("appointments:quotas"), {"year": 2026})
    if page == "appointment_list":
        return client.get(reverse("appointments:list"))
    if page == "appointment_create_get":
        return client.get(reverse("appointments:create", args=[w.staff_other_dept.pk]))
    if page == "appointment_create_post":
        return client.post(
            reverse("appointments:create", args=[w.staff_other_dept.pk]),
            {"post_grade": 8, "start": "2026-03-01", "kind": "normal"},
        )
    raise AssertionError(page)


@pytest.mark.parametrize("page", list(EXPECTED_STATUS))
@pytest.mark.parametrize("role", ROLES)
def test_role_page_matrix(client, world, role, page):
    client.force_login(world.users[role])
    staff_before, appointments_before = Staff.objects.count(), Appointment.objects.count()

    response = _request(client, world, role, page)

    assert response.status_code == EXPECTED_STATUS[page][role], response.content.decode()[:500]
    # A refused write writes nothing; a permitted one writes exactly one row.
    if page == "staff_create_post":
        assert Staff.objects.count() == staff_before + (1 if response.status_code == 302 else 0)
    if page == "appointment_create_post":
        assert Appointment.objects.count() == appointments_before + (1 if response.status_code == 302 else 0)


@pytest.mark.parametrize(
    "page",
    ["home", "institution_tree", "staff_list", "staff_create_get", "quota_overview", "appointment_list"],
)
def test_anonymous_visitor_is_sent_to_login(client, world, page):
    response = _request(client, world, ADMIN, page)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def _linked_people(html: str) -> set[str]:
    """Names linked to a staff page in the page body (the top bar is not a link to one)."""
    return set(re.findall(r'href="/staff/\d+/[^"]*">([^<]+)</a>', html))


@pytest.mark.parametrize("role", ROLES)
def test_staff_list_shows_exactly_the_people_the_role_may_see(client, world, role):
    client.force_login(world.users[role])
    html = client.get(reverse("personnel:staff_list")).content.decode()
    assert _linked_people(html) == VISIBLE_STAFF[role]
    for name in ALL_NAMES - VISIBLE_STAFF[role]:
        assert name not in html


@pytest.mark.parametrize("role", ROLES)
def test_appointment_list_shows_exactly_the_appointments_the_role_may_see(client, world, role):
    client.force_login(world.users[role])
    html = client.get(reverse("appointments:list")).content.decode()
    assert _linked_people(html) == VISIBLE_APPOINTMENTS[role]
    assert "陈静" not in html


@pytest.mark.parametrize("role", ROLES)
def test_institution_tree_shows_exactly_the_institutions_the_role_may_see(client, world, role):
    client.force_login(world.users[role])
    html = client.get(reverse("personnel:institution_tree")).content.decode()
    for name in ALL_INSTITUTIONS:
        assert (name in html) == (name in VISIBLE_INSTITUTIONS[role]), name


@pytest.mark.parametrize(
    ("role", "staff", "institutions", "active"),
    [(ADMIN, 5, 5, 3), (HR, 4, 2, 2), (HEAD, 2, 1, 1), (STAFF, 1, 1, 1)],
)
def test_home_counts_are_the_role_scope(client, world, role, staff, institutions, active):
    client.force_login(world.users[role])
    cards = {c.label: c.value for c in client.get(reverse("home")).context["cards"]}
    assert cards["人员"] == staff
    assert cards["机构"] == institutions
    assert cards["在聘人员"] == active


@pytest.mark.parametrize(
    ("role", "offered", "hidden"),
    [
        (ADMIN, ["机构", "人员", "岗位结构", "聘任管理", "考核评分", "县聘乡用", "柔性引才"], []),
        (HR, ["机构", "人员", "岗位结构", "聘任管理", "考核评分", "县聘乡用", "柔性引才"], []),
        (HEAD, ["机构", "人员", "聘任管理", "考核评分", "县聘乡用", "柔性引才"], ["岗位结构"]),
        (STAFF, ["机构", "人员", "聘任管理", "考核评分", "县聘乡用"], ["岗位结构", "柔性引才"]),
    ],
)
def test_navigation_offers_what_the_role_may_read(client, world, role, offered, hidden):
    client.force_login(world.users[role])
    html = client.get(reverse("home")).content.decode()
    nav = html[html.index('<nav class="sidenav"') : html.index("</nav>", html.index('<nav class="sidenav"'))]
    for label in offered:
        assert f">{label}</a>" in nav
    for label in hidden:
        assert label not in nav
    # Every area is built: none is left disabled.
    assert 'aria-disabled="true"' not in nav
