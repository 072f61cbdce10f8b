"""What the nightly jobs of 县聘乡用 raise is also an in-app notification: a stint that will end
after the new-hire deadline (once per stint and end date), and a stint voided by absences (in
the app once; the existing e-mail is still sent once)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Notification
from personnel.choices import Role
from secondments import services
from secondments.choices import AttendanceStatus, SecondmentReason
from tests.factories import StaffFactory, UserFactory
from tests.secondments.conftest import _today, stint, sworld  # noqa: F401 — fixtures

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_stint_ending_after_the_new_hire_deadline_is_notified_once(sworld, django_capture_on_commit_callbacks):  # noqa: F811
    staff = StaffFactory(institution=sworld.hospital, first_employment_date=D(2021, 9, 1))
    person = UserFactory(role=Role.STAFF, institution=sworld.hospital, staff=staff)
    with django_capture_on_commit_callbacks(execute=True):
        secondment = services.create_secondment(
            staff=staff, receiving_unit=sworld.township, start=D(2026, 1, 1), reason=SecondmentReason.NEW_HIRE
        )
    assert secondment.misses_deadline
    hr, admin = sworld.users[Role.HOSPITAL_HR], sworld.users[Role.COMMISSION_ADMIN]
    for user in (hr, admin, person):
        note = Notification.objects.get(recipient=user, kind="secondment_late")
        assert "将超出期限" in note.title and "2026-08-31" in note.body
        assert note.url == reverse("secondments:detail", args=[secondment.pk])
    assert not Notification.objects.filter(recipient=sworld.users[Role.DEPARTMENT_HEAD]).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.recompute_open_secondments(today=D(2026, 11, 26))
    assert Notification.objects.filter(kind="secondment_late", recipient=hr).count() == 1


def test_a_voided_stint_is_an_in_app_notification_beside_its_email(stint, sworld, django_capture_on_commit_callbacks):  # noqa: F811
    sworld.users[Role.HOSPITAL_HR].email = "hr@example.cn"
    sworld.users[Role.HOSPITAL_HR].save()
    with django_capture_on_commit_callbacks(execute=True):
        for day in (2, 3, 4, 5):
            services.record_attendance(
                secondment=stint, date=D(2026, 2, day), status=AttendanceStatus.ABSENT, today=D(2026, 3, 1)
            )
    assert len(mail.outbox) == 1
    for role in (Role.HOSPITAL_HR, Role.COMMISSION_ADMIN, Role.STAFF):
        note = Notification.objects.get(recipient=sworld.users[role], kind="secondment_voided")
        assert "不计入基层服务经历" in note.title
