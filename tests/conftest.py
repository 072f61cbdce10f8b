"""Shared fixtures: a small region with every role, and a second region nobody of the first may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission

from personnel.choices import InstitutionKind, Role
from personnel.models import InstitutionAPIKey, PostGrade
from tests.factories import (
    AppointmentFactory,
    DepartmentFactory,
    InstitutionFactory,
    PolicyVersionFactory,
    PostQuotaFactory,
    RegionFactory,
    StaffFactory,
    TitleFactory,
    UserFactory,
)

PASSWORD = "pass-Word-123"


@pytest.fixture(autouse=True)
def _isolated_cache_and_in_process_tasks():
    """Each test starts with an empty cache (on Redis in CI, where keys would outlive the test
    database) and runs Celery tasks in-process; tests/test_celery.py covers the real broker."""
    from django.core.cache import cache

    from config.celery import app

    cache.clear()
    previous = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = previous


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2's deliberate slowness is for production; tests hash dozens of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _account_clocks_off(settings):
    """Many tests travel months ahead (time-machine) with a logged-in client; password expiry and
    the idle session timeout would send them to 修改密码 or the login page.  tests/accounts turns
    both back on (its own autouse fixture) and tests them there."""
    settings.PASSWORD_EXPIRY_DAYS = 0
    settings.SESSION_IDLE_TIMEOUT = settings.SESSION_ACTIVITY_RESAVE = 100 * 365 * 24 * 3600
    settings.SESSION_COOKIE_AGE = 14 * 24 * 3600  # Django's default, as before the idle timeout


@dataclass
class World:
    region: object
    commission: object
    hospital: object
    branch: object
    township: object
    other_hospital: object  # same region, not under `hospital`
    foreign_region: object
    foreign_hospital: object  # another region entirely
    dept: object
    other_dept: object  # another department of `hospital`
    head_staff: object
    staff_in_dept: object
    staff_other_dept: object
    staff_branch: object
    staff_other_hospital: object
    staff_foreign: object
    users: dict
    api_key: str


@pytest.fixture
def world(db) -> World:
    region = RegionFactory(name="策勒县", code="653225")
    PolicyVersionFactory(region=region)
    commission = InstitutionFactory(name="策勒县卫健委", code="WJW", kind=InstitutionKind.COMMISSION, region=region)
    hospital = InstitutionFactory(name="策勒县人民医院", code="RMYY", parent=commission)
    branch = InstitutionFactory(name="人民医院分院", code="FY", parent=hospital, kind=InstitutionKind.BRANCH)
    township = InstitutionFactory(
        name="策勒乡卫生院", code="CLX", parent=commission, kind=InstitutionKind.TOWNSHIP_CENTRE
    )
    other_hospital = InstitutionFactory(name="策勒县中医医院", code="ZYY", parent=commission)
    foreign_region = RegionFactory(name="万州区", code="500101")
    PolicyVersionFactory(region=foreign_region)
    foreign_commission = InstitutionFactory(
        name="万州区卫健委", code="WZWJW", kind=InstitutionKind.COMMISSION, region=foreign_region
    )
    foreign_hospital = InstitutionFactory(name="万州区人民医院", code="WZRMYY", parent=foreign_commission)

    dept = DepartmentFactory(institution=hospital, name="内科", code="NK")
    other_dept = DepartmentFactory(institution=hospital, name="外科", code="WK")
    head_staff = StaffFactory(institution=hospital, department=dept, name="艾合买提")
    dept.head = head_staff
    dept.save()
    staff_in_dept = StaffFactory(institution=hospital, department=dept, name="王芳", is_male=False)
    staff_other_dept = StaffFactory(institution=hospital, department=other_dept, name="李强")
    staff_branch = StaffFactory(institution=branch, name="张伟")
    staff_other_hospital = StaffFactory(institution=other_hospital, name="刘洋")
    staff_foreign = StaffFactory(institution=foreign_hospital, name="陈静", is_male=False)
    for s in (head_staff, staff_in_dept, staff_other_dept, staff_branch, staff_other_hospital, staff_foreign):
        TitleFactory(staff=s)
    grade8 = PostGrade.objects.get(grade=8)
    for inst in (hospital, branch, other_hospital, foreign_hospital):
        PostQuotaFactory(institution=inst, year=2026, post_grade=grade8, count=10)
    for s in (staff_in_dept, staff_branch, staff_other_hospital, staff_foreign):
        AppointmentFactory(staff=s, start=dt.date(2026, 1, 1), end=dt.date(2027, 12, 31))

    admin = UserFactory(username="admin", role=Role.COMMISSION_ADMIN, institution=commission)
    admin.user_permissions.add(Permission.objects.get(codename="view_full_id_number"))
    users = {
        Role.COMMISSION_ADMIN: admin,
        Role.HOSPITAL_HR: UserFactory(username="hr", role=Role.HOSPITAL_HR, institution=hospital),
        Role.DEPARTMENT_HEAD: UserFactory(
            username="head", role=Role.DEPARTMENT_HEAD, institution=hospital, department=dept, staff=head_staff
        ),
        Role.STAFF: UserFactory(username="staff", role=Role.STAFF, institution=hospital, staff=staff_in_dept),
    }
    _, key = InstitutionAPIKey.objects.create_key(name="HIS", institution=hospital)
    return World(
        region=region,
        commission=commission,
        hospital=hospital,
        branch=branch,
        township=township,
        other_hospital=other_hospital,
        foreign_region=foreign_region,
        foreign_hospital=foreign_hospital,
        dept=dept,
        other_dept=other_dept,
        head_staff=head_staff,
        staff_in_dept=staff_in_dept,
        staff_other_dept=staff_other_dept,
        staff_branch=staff_branch,
        staff_other_hospital=staff_other_hospital,
        staff_foreign=staff_foreign,
        users=users,
        api_key=key,
    )
