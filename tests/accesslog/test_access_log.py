"""Every view of a full 身份证号 is logged (who, when, whose, where, IP), set-based; the commission
reads its region's log on /access-log/; other roles are refused."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessLog
from personnel.choices import Role

ADMIN, HR, HEAD, STAFF = Role.COMMISSION_ADMIN, Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD, Role.STAFF

pytestmark = pytest.mark.django_db


def test_staff_page_shown_unmasked_is_logged_with_who_whose_where_and_ip(world, client):
    client.force_login(world.users[ADMIN])
    person = world.staff_in_dept
    url = reverse("personnel:staff_detail", args=[person.pk])
    response = client.get(url, REMOTE_ADDR="10.1.2.3")
    assert person.id_number in response.content.decode()
    entry = AccessLog.objects.get()
    assert (entry.username, entry.staff_id, entry.kind, entry.path, entry.ip) == (
        "admin",
        person.pk,
        "page",
        url,
        "10.1.2.3",
    )
    assert entry.institution_id == person.institution_id
    assert timezone.now() - entry.at < dt.timedelta(minutes=1)


def test_masked_views_are_not_logged(world, client):
    client.force_login(world.users[HR])
    response = client.get(reverse("personnel:staff_detail", args=[world.staff_in_dept.pk]))
    assert world.staff_in_dept.id_number not in response.content.decode()
    client.get(reverse("personnel:staff_list"))
    assert not AccessLog.objects.exists()


def test_staff_list_logs_one_row_per_person_shown_with_one_insert(world, client, django_assert_max_num_queries):
    client.force_login(world.users[ADMIN])
    client.get(reverse("personnel:staff_list"))  # warm the session
    AccessLog.objects.all().delete()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("personnel:staff_list"), {"page_size": 3})
    inserts = [q for q in queries if 'INSERT INTO "accesslog_accesslog"' in q["sql"]]
    assert len(inserts) == 1
    assert AccessLog.objects.count() == 3


def test_api_list_and_detail_are_logged_per_person(world, client):
    client.force_login(world.users[ADMIN])
    rows = client.get("/api/v1/staff/", {"page_size": 100}).json()["results"]
    assert AccessLog.objects.filter(kind="api").count() == len(rows) == 5
    client.get(f"/api/v1/staff/{world.staff_branch.pk}/")
    assert AccessLog.objects.filter(kind="api", staff=world.staff_branch).count() == 2


def test_roster_export_logs_every_exported_person(world, client):
    client.force_login(world.users[ADMIN])
    response = client.get(reverse("roster:export"))
    assert response.status_code == 200
    exported = set(AccessLog.objects.filter(kind="export").values_list("staff_id", flat=True))
    assert exported == {
        s.pk
        for s in (
            world.head_staff,
            world.staff_in_dept,
            world.staff_other_dept,
            world.staff_branch,
            world.staff_other_hospital,
        )
    }


def test_admin_change_page_is_logged(world, client):
    from tests.personnel.test_admin import admin_client

    client = admin_client(world.users[ADMIN])
    response = client.get(reverse("admin:personnel_staff_change", args=[world.staff_branch.pk]))
    assert response.status_code == 200
    assert world.staff_branch.id_number in response.content.decode()
    assert AccessLog.objects.filter(kind="admin", staff=world.staff_branch).count() == 1
    response = client.get(reverse("admin:personnel_staff_changelist"))
    assert response.status_code == 200
    assert AccessLog.objects.filter(kind="admin").count() == 1 + response.context["cl"].result_count


def test_a_masked_user_cannot_find_a_person_by_an_id_number_prefix(world, client):
    person = world.staff_in_dept
    client.force_login(world.users[HR])
    api = client.get("/api/v1/staff/", {"q": person.id_number[:12]}).json()["results"]
    assert api == []
    page = client.get(reverse("personnel:staff_list"), {"q": person.id_number[:12]})
    assert list(page.context["staff_list"]) == []
    # The complete number still finds the person (HR holds it on paper), masked in the answer.
    api = client.get("/api/v1/staff/", {"q": person.id_number}).json()["results"]
    assert [r["id_number"] for r in api] == [person.id_number[:6] + "********" + person.id_number[-4:]]
    client.force_login(world.users[ADMIN])
    api = client.get("/api/v1/staff/", {"q": person.id_number[:12]}).json()["results"]
    assert person.id_number in {r["id_number"] for r in api}


# --- The page ----------------------------------------------------------------------------------


def _log(world, **kwargs):
    person = kwargs.pop("staff", world.staff_in_dept)
    defaults = {
        "username": "admin",
        "user": world.users[ADMIN],
        "staff": person,
        "staff_name": person.name,
        "institution_id": person.institution_id,
        "kind": "page",
        "path": "/x/",
        "ip": "10.0.0.1",
    }
    return AccessLog.objects.create(**(defaults | kwargs))


@pytest.mark.parametrize("role", [HR, HEAD, STAFF])
def test_access_log_page_is_refused_to_other_roles(world, client, role):
    client.force_login(world.users[role])
    assert client.get(reverse("accesslog:list")).status_code == 403
    assert client.get(reverse("accesslog:export")).status_code == 403


def test_access_log_page_shows_only_the_commissions_region(world, client):
    _log(world, staff=world.staff_in_dept)
    _log(world, staff=world.staff_foreign)
    client.force_login(world.users[ADMIN])
    response = client.get(reverse("accesslog:list"))
    assert response.status_code == 200
    names = [e.staff_name for e in response.context["entries"]]
    assert names == [world.staff_in_dept.name]
    assert "身份证号查看记录" in response.content.decode()  # the page and its nav link


def test_access_log_filters_by_user_person_dates_and_kind(world, client):
    old = _log(world, staff=world.staff_branch, kind="export", username="hr2")
    AccessLog.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=10))
    _log(world, staff=world.staff_in_dept)
    client.force_login(world.users[ADMIN])
    url = reverse("accesslog:list")

    def names(**params):
        return [e.staff_name for e in client.get(url, params).context["entries"]]

    assert names(user="hr2") == [world.staff_branch.name]
    assert names(person=world.staff_in_dept.name) == [world.staff_in_dept.name]
    assert names(person=world.staff_branch.employee_no) == [world.staff_branch.name]
    assert names(kind="export") == [world.staff_branch.name]
    today = timezone.localdate()
    assert names(since=today.isoformat()) == [world.staff_in_dept.name]
    assert names(until=(today - dt.timedelta(days=5)).isoformat()) == [world.staff_branch.name]
    response = client.get(url, {"since": today.isoformat(), "until": (today - dt.timedelta(days=5)).isoformat()})
    assert "起始日期不能晚于截止日期。" in response.content.decode()
    assert list(response.context["entries"]) == []


def test_access_log_page_runs_a_constant_number_of_queries(world, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.users[ADMIN])
    url = reverse("accesslog:list")
    client.get(url)
    counts = []
    for n in (2, 40):
        AccessLog.objects.all().delete()
        for _ in range(n):
            _log(world, staff=world.staff_branch)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"page_size": 50}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_access_log_export_is_watermarked_and_itself_logged(world, client):
    _log(world, staff=world.staff_in_dept)
    client.force_login(world.users[ADMIN])
    response = client.get(reverse("accesslog:export"), REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert "admin" in sheet.oddHeader.right.text and "admin" in book.properties.creator
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert world.staff_in_dept.name in values
    assert any(str(v).startswith("导出人：") for v in values)
    own = AccessLog.objects.get(kind="export")
    assert (own.username, own.ip, own.staff_id) == ("admin", "10.9.9.9", None)
    assert own.path == reverse("accesslog:export")


def test_admin_history_masks_changed_phones_and_logs_the_holders_view(world, client):
    from tests.personnel.test_admin import admin_client

    person = world.staff_branch
    old_phone = person.phone
    person.phone = "13912349999"
    person.save()
    url = reverse("admin:personnel_staff_history", args=[person.pk])
    masked = admin_client(world.users[HR], full_id=False).get(url)
    assert masked.status_code == 200
    body = masked.content.decode()
    assert "139****9999" in body and "13912349999" not in body and old_phone not in body
    assert not AccessLog.objects.exists()
    full = admin_client(world.users[ADMIN]).get(url)
    assert "13912349999" in full.content.decode()
    assert AccessLog.objects.filter(kind="admin", staff=person, path=url).count() == 1
