"""API keys per client: issue (shown once), expiry, rotation with a grace period, revocation,
per-key rate limit, and scoping of the key pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from personnel.choices import Role
from personnel.models import InstitutionAPIKey

pytestmark = pytest.mark.django_db


def _page_client(world, role) -> Client:
    client = Client()
    client.force_login(world.users[role])
    return client


def _api(key: str, url: str):
    return Client().get(url, HTTP_AUTHORIZATION=f"Api-Key {key}")


def _issue(client, institution, **extra):
    data = {
        "name": "检验系统",
        "institution": institution.pk,
        "expiry_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "rate_limit": "",
        **extra,
    }
    return client.post(reverse("accounts:api_key_issue"), data)


def _new_key(response) -> str:
    page = response.content.decode()
    return page.split('data-testid="new-key">', 1)[1].split("<", 1)[0]


def test_hr_issues_a_key_that_is_shown_once_and_stored_hashed(world, staff_api_url, settings):
    client = _page_client(world, Role.HOSPITAL_HR)
    form = client.get(reverse("accounts:api_key_issue")).content.decode()
    default = (timezone.localdate() + dt.timedelta(days=settings.API_KEY_DEFAULT_DAYS)).isoformat()
    assert f'value="{default}"' in form
    response = _issue(client, world.hospital)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = _new_key(response)
    stored = InstitutionAPIKey.objects.get(name="检验系统")
    assert key.startswith(stored.prefix + ".") and key not in stored.hashed_key
    assert stored.created_by == world.users[Role.HOSPITAL_HR]
    assert timezone.localtime(stored.expiry_date).date() == timezone.localdate() + dt.timedelta(days=30)
    assert _api(key, staff_api_url).status_code == 200
    assert key not in client.get(reverse("accounts:api_keys")).content.decode()


def test_hr_cannot_issue_a_key_for_another_hospital(world):
    client = _page_client(world, Role.HOSPITAL_HR)
    before = InstitutionAPIKey.objects.count()
    response = _issue(client, world.other_hospital)
    assert response.status_code == 200
    assert "请选择您可管理的机构" in response.content.decode()
    assert InstitutionAPIKey.objects.count() == before


def test_an_expiry_in_the_past_or_a_bad_rate_writes_nothing(world):
    client = _page_client(world, Role.COMMISSION_ADMIN)
    before = InstitutionAPIKey.objects.count()
    response = _issue(client, world.hospital, expiry_date=timezone.localdate().isoformat())
    assert "有效期须晚于今天" in response.content.decode()
    response = _issue(client, world.hospital, rate_limit="0")
    assert "每分钟请求上限至少为 1" in response.content.decode()
    assert InstitutionAPIKey.objects.count() == before


def test_the_key_list_is_scoped_by_role(world):
    InstitutionAPIKey.objects.create_key(name="中医院HIS", institution=world.other_hospital)
    InstitutionAPIKey.objects.create_key(name="外地HIS", institution=world.foreign_hospital)
    hr_page = _page_client(world, Role.HOSPITAL_HR).get(reverse("accounts:api_keys")).content.decode()
    assert "HIS" in hr_page and "中医院HIS" not in hr_page and "外地HIS" not in hr_page
    admin_page = _page_client(world, Role.COMMISSION_ADMIN).get(reverse("accounts:api_keys")).content.decode()
    assert "中医院HIS" in admin_page and "外地HIS" not in admin_page


def test_hr_cannot_see_rotate_or_revoke_another_hospitals_key(world):
    other, other_key = InstitutionAPIKey.objects.create_key(name="中医院HIS", institution=world.other_hospital)
    client = _page_client(world, Role.HOSPITAL_HR)
    assert client.get(reverse("accounts:api_key_edit", args=[other.prefix])).status_code == 404
    assert client.post(reverse("accounts:api_key_rotate", args=[other.prefix])).status_code == 404
    assert client.post(reverse("accounts:api_key_revoke", args=[other.prefix])).status_code == 404
    other.refresh_from_db()
    assert not other.revoked and other.replaced_by_id is None
    assert InstitutionAPIKey.objects.filter(institution=world.other_hospital).count() == 1


@pytest.mark.parametrize("role", [Role.DEPARTMENT_HEAD, Role.STAFF])
def test_heads_and_staff_have_no_key_pages(world, role):
    assert _page_client(world, role).get(reverse("accounts:api_keys")).status_code == 403


def test_rotation_gives_a_new_key_and_the_old_one_works_through_the_grace_period(
    world, staff_api_url, settings, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    old = InstitutionAPIKey.objects.get(name="HIS")
    client = _page_client(world, Role.HOSPITAL_HR)
    response = client.post(reverse("accounts:api_key_rotate", args=[old.prefix]))
    assert response.status_code == 200
    new_key = _new_key(response)
    old.refresh_from_db()
    assert old.replaced_by.name == "HIS"
    assert old.expiry_date == timezone.now() + dt.timedelta(hours=settings.API_KEY_ROTATION_GRACE_HOURS)
    assert _api(world.api_key, staff_api_url).status_code == 200
    assert _api(new_key, staff_api_url).status_code == 200
    time_machine.shift(dt.timedelta(hours=settings.API_KEY_ROTATION_GRACE_HOURS, seconds=1))
    refused = _api(world.api_key, staff_api_url)
    assert refused.status_code == 401
    assert "已于" in refused.json()["detail"] and "过期" in refused.json()["detail"]
    assert _api(new_key, staff_api_url).status_code == 200
    # a rotated key is not rotated twice
    again = _page_client(world, Role.HOSPITAL_HR).post(
        reverse("accounts:api_key_rotate", args=[old.prefix]), follow=True
    )
    assert "已吊销或过期" in again.content.decode() or "已轮换过" in again.content.decode()


def test_a_revoked_key_is_refused_with_a_chinese_message(world, staff_api_url):
    key = InstitutionAPIKey.objects.get(name="HIS")
    response = _page_client(world, Role.HOSPITAL_HR).post(reverse("accounts:api_key_revoke", args=[key.prefix]))
    assert response.status_code == 302
    refused = _api(world.api_key, staff_api_url)
    assert refused.status_code == 401
    assert refused.json()["detail"] == "接口密钥已被吊销，请联系管理员签发新密钥。"
    assert refused["WWW-Authenticate"] == "Api-Key"


def test_the_expiry_can_be_changed_and_an_expired_key_is_refused(world, staff_api_url, time_machine):
    key = InstitutionAPIKey.objects.get(name="HIS")
    client = _page_client(world, Role.COMMISSION_ADMIN)
    until = timezone.localdate() + dt.timedelta(days=3)
    response = client.post(
        reverse("accounts:api_key_edit", args=[key.prefix]), {"expiry_date": until.isoformat(), "rate_limit": "120"}
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.rate_limit == 120 and timezone.localtime(key.expiry_date).date() == until
    time_machine.move_to(key.expiry_date + dt.timedelta(seconds=1))
    refused = _api(world.api_key, staff_api_url)
    assert refused.status_code == 401 and "过期" in refused.json()["detail"]


def test_the_per_key_rate_limit_answers_429_in_chinese_with_retry_after(world, staff_api_url):
    InstitutionAPIKey.objects.filter(name="HIS").update(rate_limit=3)
    statuses = [_api(world.api_key, staff_api_url).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = _api(world.api_key, staff_api_url)
    assert response.status_code == 429
    assert "每分钟最多请求 3 次" in response.json()["detail"]
    assert 1 <= int(response["Retry-After"]) <= 60
    # another key has its own budget
    _, other = InstitutionAPIKey.objects.create_key(name="第二个", institution=world.hospital, rate_limit=3)
    assert _api(other, staff_api_url).status_code == 200


def test_the_default_rate_limit_applies_to_a_key_without_its_own(world, staff_api_url, settings):
    settings.API_KEY_RATE_LIMIT = 2
    assert [_api(world.api_key, staff_api_url).status_code for _ in range(3)] == [200, 200, 429]


def test_the_rate_limit_window_passes(world, staff_api_url, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    InstitutionAPIKey.objects.filter(name="HIS").update(rate_limit=1)
    assert _api(world.api_key, staff_api_url).status_code == 200
    assert _api(world.api_key, staff_api_url).status_code == 429
    time_machine.shift(dt.timedelta(seconds=61))
    assert _api(world.api_key, staff_api_url).status_code == 200
