"""Personnel pages: the staff list (filters, paging, masking, a constant number of queries), the
staff page and its audit history, the forms (refusals in Chinese, nothing written), the
institution tree, login, logout and lockout."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from personnel.choices import Role, TitleLevel
from personnel.models import Institution, Staff, Title
from personnel.validators import compose_id_number, mask_id_number
from tests.conftest import PASSWORD
from tests.factories import DepartmentFactory, InstitutionFactory, StaffFactory, TitleFactory

HR, ADMIN, HEAD = Role.HOSPITAL_HR, Role.COMMISSION_ADMIN, Role.DEPARTMENT_HEAD
STAFF_LIST = "personnel:staff_list"


def valid_id(sequence: int, *, is_male: bool = True, birth: dt.date = dt.date(1990, 5, 17)) -> str:
    return compose_id_number(area_code="653225", birth_date=birth, sequence=sequence, is_male=is_male)


def staff_form_data(world, **overrides) -> dict:
    data = {
        "employee_no": "N0100",
        "name": "古丽",
        "id_number": valid_id(301, is_male=False),
        "ethnicity": "维吾尔族",
        "phone": "13912345678",
        "institution": world.hospital.pk,
        "department": world.dept.pk,
        "category": "nursing",
        "employment_type": "contract",
        "status": "on_duty",
    }
    data.update(overrides)
    return data


@pytest.fixture
def hr_client(client, world):
    client.force_login(world.users[HR])
    return client


@pytest.fixture
def crowded_hospital(world):
    """Sixty more people in the HR officer's hospital, each with two titles."""
    for i in range(60):
        person = StaffFactory(institution=world.hospital, department=world.dept, name=f"人员{i:02d}")
        TitleFactory(staff=person, name="医师", level=TitleLevel.JUNIOR, obtained_on=dt.date(2010, 1, 1))
        TitleFactory(staff=person, name="主治医师", level=TitleLevel.INTERMEDIATE, obtained_on=dt.date(2016, 1, 1))
    return world


# --- Staff list ----------------------------------------------------------------------------------


def test_staff_list_queries_do_not_grow_with_the_page_size(hr_client, crowded_hospital, django_assert_max_num_queries):
    url = reverse(STAFF_LIST)
    with CaptureQueriesContext(connection) as small:
        response = hr_client.get(url, {"page_size": 5})
    assert len(response.context["page_obj"].object_list) == 5

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = hr_client.get(url, {"page_size": 50})
    assert len(response.context["page_obj"].object_list) == 50
    assert response.content.decode().count("主治医师") >= 50  # current title from the prefetch
    # Session, user, permissions, count, page, titles, two filter choice lists, the unread
    # notifications badge: a small constant.
    assert len(small.captured_queries) <= 11, [q["sql"] for q in small.captured_queries]


@pytest.mark.parametrize(("asked", "per_page"), [("", 50), ("5", 5), ("10000", 200), ("0", 1), ("abc", 50), ("-3", 1)])
def test_page_size_is_capped(hr_client, world, asked, per_page):
    response = hr_client.get(reverse(STAFF_LIST), {"page_size": asked})
    assert response.context["page_obj"].paginator.per_page == per_page


def test_a_page_beyond_the_last_shows_the_last(hr_client, world):
    response = hr_client.get(reverse(STAFF_LIST), {"page_size": 2, "page": 99})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 2


def test_id_numbers_are_masked_unless_the_user_may_see_them(client, world):
    person = world.staff_in_dept
    client.force_login(world.users[HR])
    html = client.get(reverse(STAFF_LIST)).content.decode()
    assert mask_id_number(person.id_number) in html
    assert person.id_number not in html
    html = client.get(reverse("personnel:staff_detail", args=[person.pk])).content.decode()
    assert person.id_number not in html

    client.force_login(world.users[ADMIN])  # holds personnel.view_full_id_number
    assert person.id_number in client.get(reverse(STAFF_LIST)).content.decode()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"department": "dept"}, {"艾合买提", "王芳"}),
        ({"institution": "branch"}, {"张伟"}),
        ({"q": "王"}, {"王芳"}),
        ({"title_level": "senior"}, {"李强"}),
        ({"title_level": "intermediate"}, {"艾合买提", "王芳", "张伟"}),
        ({"status": "retired"}, set()),
    ],
)
def test_staff_list_filters(hr_client, world, params, expected):
    TitleFactory(
        staff=world.staff_other_dept, name="主任医师", level=TitleLevel.SENIOR, obtained_on=dt.date(2024, 1, 1)
    )
    resolved = {k: getattr(world, v).pk if v in ("dept", "branch") else v for k, v in params.items()}
    response = hr_client.get(reverse(STAFF_LIST), resolved)
    assert {s.name for s in response.context["page_obj"].object_list} == expected


def test_filtering_by_a_foreign_institution_shows_nobody(hr_client, world):
    response = hr_client.get(reverse(STAFF_LIST), {"institution": world.other_hospital.pk})
    assert list(response.context["page_obj"].object_list) == []
    assert "刘洋" not in response.content.decode()
    assert response.context["filter"].form.errors


def test_empty_choices_read_in_chinese(hr_client, world):
    html = hr_client.get(reverse(STAFF_LIST)).content.decode()
    assert "---------" not in html
    assert '<option value="" selected>全部</option>' in html


# --- Institution tree ----------------------------------------------------------------------------


def test_institution_tree_is_indented_with_scoped_staff_counts(client, world):
    client.force_login(world.users[ADMIN])
    rows = client.get(reverse("personnel:institution_tree")).context["institutions"]
    assert [(i.name, i.indent, i.staff_count) for i in rows] == [
        ("策勒县卫健委", 0, 0),
        ("策勒县人民医院", 1, 3),
        ("人民医院分院", 2, 1),
        ("策勒乡卫生院", 1, 0),
        ("策勒县中医医院", 1, 1),
    ]
    assert rows[1].department_count == 2


def test_institution_tree_counts_only_the_staff_a_department_head_sees(client, world):
    client.force_login(world.users[HEAD])
    rows = client.get(reverse("personnel:institution_tree")).context["institutions"]
    assert [(i.name, i.indent, i.staff_count) for i in rows] == [("策勒县人民医院", 0, 2)]


def test_institution_tree_is_one_query_whatever_the_number_of_institutions(client, world):
    client.force_login(world.users[ADMIN])
    url = reverse("personnel:institution_tree")
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for i in range(15):
        township = InstitutionFactory(parent=world.commission, kind="township_centre", name=f"乡{i}")
        StaffFactory(institution=township)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)
    assert len(response.context["institutions"]) == 20


# --- Staff page and audit history ----------------------------------------------------------------


def test_staff_page_shows_identity_titles_and_current_title(hr_client, world):
    person = world.staff_in_dept
    TitleFactory(staff=person, name="副主任医师", level=TitleLevel.ASSOCIATE_SENIOR, obtained_on=dt.date(2023, 1, 1))
    response = hr_client.get(reverse("personnel:staff_detail", args=[person.pk]))
    html = response.content.decode()
    assert response.context["current_title_id"] == Title.objects.get(staff=person, name="副主任医师").pk
    assert "当前职称" in html
    assert "主治医师" in html
    assert "专业技术八级" in html  # the appointment section


def test_editing_shows_old_and_new_values_with_chinese_field_names(hr_client, world):
    person = world.staff_in_dept
    url = reverse("personnel:staff_update", args=[person.pk])
    data = staff_form_data(
        world,
        employee_no=person.employee_no,
        name=person.name,
        id_number=person.id_number,
        phone="13911112222",
        department=world.other_dept.pk,
        category="clinical",
        employment_type="established",
        ethnicity="汉族",
    )
    response = hr_client.post(url, data)
    assert response.status_code == 302

    response = hr_client.get(reverse("personnel:staff_detail", args=[person.pk]))
    latest = response.context["history"][0]
    assert latest.action == "~"
    assert latest.who == "hr"
    changes = {c.label: (c.old, c.new) for c in latest.changes}
    # HR lacks personnel.view_full_id_number: phones in the history are masked like on the page.
    assert changes["手机号"] == ("138****8000", "139****2222")
    assert changes["科室"] == ("内科", "外科")
    assert person.history.first().history_user == world.users[HR]


def test_history_masks_id_numbers_for_readers_without_the_permission(hr_client, world):
    person = world.staff_in_dept
    old_id, new_id = person.id_number, valid_id(77, is_male=False, birth=person.birth_date)
    person.id_number = new_id
    person.save()
    html = hr_client.get(reverse("personnel:staff_detail", args=[person.pk])).content.decode()
    assert mask_id_number(old_id) in html
    assert mask_id_number(new_id) in html
    assert old_id not in html
    assert new_id not in html


def test_history_includes_titles(hr_client, world):
    title = world.staff_in_dept.titles.get()
    title.certificate_no = "NEW-0001"
    title.save()
    history = hr_client.get(reverse("personnel:staff_detail", args=[world.staff_in_dept.pk])).context["history"]
    entry = next(e for e in history if e.subject == "职称：主治医师" and e.action == "~")
    assert [(c.label, c.new) for c in entry.changes] == [("证书编号", "NEW-0001")]


def test_staff_page_queries_stay_constant_with_more_history(hr_client, world):
    """One query per history table and per related model named in the changes, not per entry."""
    person = world.staff_in_dept
    url = reverse("personnel:staff_detail", args=[person.pk])

    def change(i: int) -> None:
        person.phone = f"1391111{i:04d}"
        person.department = world.other_dept if i % 2 else world.dept
        person.save()

    change(1)
    with CaptureQueriesContext(connection) as before:
        hr_client.get(url)
    for i in range(2, 12):
        change(i)
    with CaptureQueriesContext(connection) as after:
        response = hr_client.get(url)
    assert len(response.context["history"]) > 12
    assert len(after.captured_queries) == len(before.captured_queries)


# --- Staff forms ---------------------------------------------------------------------------------


def test_creating_a_person_reads_gender_and_birth_date_from_the_id_number(hr_client, world):
    response = hr_client.post(reverse("personnel:staff_create"), staff_form_data(world))
    person = Staff.objects.get(employee_no="N0100")
    assert response.status_code == 302
    assert response.url == reverse("personnel:staff_detail", args=[person.pk])
    assert (person.gender, person.birth_date) == ("female", dt.date(1990, 5, 17))
    assert person.history.get().history_user == world.users[HR]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "110105194912310021", "身份证号校验位错误（应为X），请核对。"),
        ("id_number", "11010519491231", "身份证号应为18位，当前为14位。"),
        ("id_number", "110105194913310028", "身份证号中的出生日期无效。"),
        ("phone", "12345", "手机号应为以1开头的11位数字。"),
        ("phone", "23912345678", "手机号应为以1开头的11位数字。"),
    ],
)
def test_invalid_id_number_or_phone_is_refused_in_chinese_and_nothing_is_written(
    hr_client, world, field, value, message
):
    before = Staff.objects.count()
    response = hr_client.post(reverse("personnel:staff_create"), staff_form_data(world, **{field: value}))
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    assert Staff.objects.count() == before


def test_gender_contradicting_the_id_number_is_refused(hr_client, world):
    before = Staff.objects.count()
    response = hr_client.post(reverse("personnel:staff_create"), staff_form_data(world, gender="male"))
    assert "性别与身份证号不符（身份证号显示为女）。" in response.context["form"].errors["gender"]
    assert Staff.objects.count() == before


def test_a_department_of_another_institution_is_refused(hr_client, world):
    response = hr_client.post(
        reverse("personnel:staff_create"), staff_form_data(world, institution=world.branch.pk, department=world.dept.pk)
    )
    assert "科室不属于所选单位。" in response.context["form"].errors["department"]
    assert not Staff.objects.filter(employee_no="N0100").exists()


def test_a_duplicate_id_number_is_refused(hr_client, world):
    response = hr_client.post(
        reverse("personnel:staff_create"), staff_form_data(world, id_number=world.staff_branch.id_number)
    )
    assert "身份证号" in " ".join(response.context["form"].errors["id_number"])
    assert not Staff.objects.filter(employee_no="N0100").exists()


def test_hr_cannot_place_a_person_outside_its_hospital(hr_client, world):
    response = hr_client.post(
        reverse("personnel:staff_create"), staff_form_data(world, institution=world.other_hospital.pk, department="")
    )
    assert response.context["form"].errors["institution"]
    assert not Staff.objects.filter(employee_no="N0100").exists()


def test_the_form_offers_only_institutions_and_departments_in_scope(hr_client, world):
    DepartmentFactory(institution=world.other_hospital, name="针灸科")
    form = hr_client.get(reverse("personnel:staff_create")).context["form"]
    assert set(form.fields["institution"].queryset) == {world.hospital, world.branch}
    assert "针灸科" not in {d.name for d in form.fields["department"].queryset}
    assert form.initial["institution"] == world.hospital.pk


def test_editing_a_person_outside_scope_is_404(hr_client, world):
    url = reverse("personnel:staff_update", args=[world.staff_other_hospital.pk])
    assert hr_client.get(url).status_code == 404
    assert hr_client.post(url, staff_form_data(world)).status_code == 404


def test_adding_a_title_from_the_staff_page(hr_client, world):
    person = world.staff_in_dept
    url = reverse("personnel:title_create", args=[person.pk])
    data = {"name": "副主任医师", "level": "associate_senior", "series": "clinical", "obtained_on": "2024-12-01"}
    response = hr_client.post(url, data)
    assert response.status_code == 302
    title = person.titles.get(name="副主任医师")
    assert title.history.get().history_user == world.users[HR]
    assert person.current_title == title


def test_a_duplicate_title_is_refused_and_nothing_is_written(hr_client, world):
    person = world.staff_in_dept
    url = reverse("personnel:title_create", args=[person.pk])
    data = {"name": "主治医师", "level": "intermediate", "series": "clinical", "obtained_on": "2016-01-01"}
    response = hr_client.post(url, data)
    assert response.status_code == 400
    assert "包含 人员 和 职称 的 职称 已经存在。" in response.context["form"].non_field_errors()
    assert person.titles.count() == 1


def test_a_title_before_birth_is_refused(hr_client, world):
    person = world.staff_in_dept
    data = {"name": "医士", "level": "junior", "series": "clinical", "obtained_on": "1980-01-01"}
    response = hr_client.post(reverse("personnel:title_create", args=[person.pk]), data)
    assert "职称取得时间不能早于出生日期。" in response.context["form"].errors["obtained_on"]
    assert person.titles.count() == 1


@pytest.mark.parametrize(("role", "status"), [(HEAD, 403), (Role.STAFF, 403)])
def test_roles_without_the_right_cannot_add_titles(client, world, role, status):
    client.force_login(world.users[role])
    data = {"name": "副主任医师", "level": "associate_senior", "series": "clinical", "obtained_on": "2024-12-01"}
    response = client.post(reverse("personnel:title_create", args=[world.staff_in_dept.pk]), data)
    assert response.status_code == status
    assert world.staff_in_dept.titles.count() == 1


def test_adding_a_title_to_a_person_outside_scope_is_404(hr_client, world):
    url = reverse("personnel:title_create", args=[world.staff_foreign.pk])
    data = {"name": "副主任医师", "level": "associate_senior", "series": "clinical", "obtained_on": "2024-12-01"}
    assert hr_client.post(url, data).status_code == 404
    assert world.staff_foreign.titles.count() == 1


# --- Layout, login, logout, lockout --------------------------------------------------------------


def test_top_bar_shows_name_role_and_institution(client, world):
    client.force_login(world.users[HEAD])
    html = client.get(reverse("home")).content.decode()
    assert '<span class="user-name">艾合买提</span>' in html
    assert "科室主任" in html
    assert "策勒县人民医院" in html
    assert 'href="/api/docs/"' in html
    assert 'href="/admin/"' not in html


def test_admin_link_only_for_staff_users(client, world):
    user = world.users[ADMIN]
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert 'href="/admin/"' in client.get(reverse("home")).content.decode()


def test_forbidden_page_explains_in_chinese(client, world):
    client.force_login(world.users[HEAD])
    response = client.get(reverse("personnel:staff_create"))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_login_page_is_chinese_and_logs_in(client, world):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert "聘任通" in html
    assert "用户名" in html
    assert "密码" in html
    response = client.post(reverse("login"), {"username": "hr", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_wrong_password_is_explained_in_chinese(client, world):
    response = client.post(reverse("login"), {"username": "hr", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_logout_is_a_post(client, world):
    client.force_login(world.users[HR])
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_five_wrong_passwords_lock_the_account_out(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("login"), {"username": "hr", "password": "wrong"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "登录已暂停" in html
    assert "连续 5 次输错密码" in html
    assert "60 分钟" in html
    # Even the right password is refused while locked.
    response = client.post(reverse("login"), {"username": "hr", "password": PASSWORD})
    assert response.status_code == 429


def test_home_of_a_user_without_role_shows_zeros(client, world):
    from tests.factories import UserFactory

    user = UserFactory(username="nobody", role="", institution=None)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    cards = {c.label: c.value for c in response.context["cards"]}
    assert cards["人员"] == 0
    assert cards["机构"] == 0
    assert Institution.objects.count() > 0


def test_page_links_keep_the_filters(hr_client, world):
    html = hr_client.get(reverse(STAFF_LIST), {"department": world.dept.pk, "page_size": 1}).content.decode()
    assert f'href="?department={world.dept.pk}&amp;page_size=1&amp;page=2" rel="next"' in html
    assert "共 2 条，第 1 / 2 页" in html


def test_hr_marks_a_backbone_talent_on_the_staff_form_and_the_history_keeps_it(hr_client, world):
    """Seed 004's backbone-talent ratio counts the people HR marks as 基层骨干人才 here."""
    person = world.staff_in_dept
    assert person.is_backbone is False
    data = staff_form_data(
        world, employee_no=person.employee_no, name=person.name, id_number=person.id_number, is_backbone="on"
    )

    response = hr_client.post(reverse("personnel:staff_update", args=[person.pk]), data)

    assert response.status_code == 302
    person.refresh_from_db()
    assert person.is_backbone is True
    assert person.history.first().is_backbone is True
    page = hr_client.get(reverse("personnel:staff_detail", args=[person.pk])).content.decode()
    assert "基层骨干人才" in page
