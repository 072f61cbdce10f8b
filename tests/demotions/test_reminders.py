"""Rectification deadline reminders (30, 7 and 1 days before), once each, to the person, their
department head and HR of their institution (or an ancestor); and the notifications services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from demotions.choices import RectificationStatus
from demotions.sweep import run_sweep
from notifications.models import Notification
from notifications.services import mark_read, notify, unread_count
from personnel.choices import Role
from tests.demotions.factories import DutyTargetFactory, RectificationFactory, RectificationItemFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rectification(world, senior):
    """Open, 1 疑难病例 still due; deadline 2026-07-02."""
    rect = RectificationFactory(appointment=senior, opened_on=dt.date(2026, 4, 2), deadline=dt.date(2026, 7, 2))
    RectificationItemFactory(rectification=rect, target=DutyTargetFactory(appointment=senior))
    return rect


@pytest.fixture
def recipients(world):
    return {world.users[Role.STAFF], world.users[Role.DEPARTMENT_HEAD], world.users[Role.HOSPITAL_HR]}


def sent(rect) -> dict[str, set]:
    found: dict[str, set] = {}
    for key, user in Notification.objects.filter(key__startswith=f"rectification:{rect.pk}:").values_list(
        "key", "recipient"
    ):
        found.setdefault(key.rsplit(":", 1)[1], set()).add(user)
    return found


def ids(users) -> set:
    return {u.pk for u in users}


def test_no_reminder_before_thirty_days_to_the_deadline(rectification):
    run_sweep(as_of=dt.date(2026, 6, 1))

    assert sent(rectification) == {}


def test_reminders_go_30_7_and_1_days_before_the_deadline_once_each_to_the_three_recipients(
    world, rectification, recipients
):
    UserFactory(role=Role.HOSPITAL_HR, institution=world.other_hospital)  # another hospital's HR: not theirs
    UserFactory(role=Role.DEPARTMENT_HEAD, institution=world.hospital, department=world.other_dept)

    assert run_sweep(as_of=dt.date(2026, 6, 2)).reminders_sent == 3
    assert sent(rectification) == {"30": ids(recipients)}

    assert run_sweep(as_of=dt.date(2026, 6, 3)).reminders_sent == 0
    run_sweep(as_of=dt.date(2026, 6, 25))
    assert sent(rectification) == {"30": ids(recipients), "7": ids(recipients)}

    run_sweep(as_of=dt.date(2026, 7, 1))
    run_sweep(as_of=dt.date(2026, 7, 2))
    assert sent(rectification) == {k: ids(recipients) for k in ("30", "7", "1")}
    assert Notification.objects.count() == 9
    notice = Notification.objects.filter(recipient=world.users[Role.STAFF], key__endswith=":1").get()
    assert notice.title == "整改期限提醒：王芳的整改将于2026年7月2日到期"
    assert "还剩1天" in notice.body
    assert notice.url == f"/staff/{world.staff_in_dept.pk}/"


def test_a_missed_night_still_sends_the_reminders_that_fell_due(rectification, recipients):
    run_sweep(as_of=dt.date(2026, 6, 28))

    assert sent(rectification) == {"30": ids(recipients), "7": ids(recipients)}


def test_hr_of_an_ancestor_institution_is_reminded(world, rectification):
    commission_hr = UserFactory(role=Role.HOSPITAL_HR, institution=world.commission)

    run_sweep(as_of=dt.date(2026, 6, 2))

    assert commission_hr.pk in sent(rectification)["30"]


def test_a_closed_rectification_is_not_reminded(rectification):
    rectification.status = RectificationStatus.MET
    rectification.closed_on = dt.date(2026, 5, 1)
    rectification.save()

    run_sweep(as_of=dt.date(2026, 6, 30))

    assert sent(rectification) == {}


def test_reminder_days_come_from_settings(settings, rectification, recipients):
    settings.DEMOTION_REMINDER_DAYS = (14,)

    run_sweep(as_of=dt.date(2026, 6, 25))

    assert sent(rectification) == {"14": ids(recipients)}


def test_reminders_are_mailed_when_configured(settings, world, rectification):
    settings.NOTIFICATIONS_EMAIL = True
    staff_user = world.users[Role.STAFF]
    staff_user.email = "wangfang@example.cn"
    staff_user.save()
    for role in (Role.DEPARTMENT_HEAD, Role.HOSPITAL_HR):
        world.users[role].email = ""
        world.users[role].save()

    run_sweep(as_of=dt.date(2026, 6, 2))
    run_sweep(as_of=dt.date(2026, 6, 3))

    assert [m.to for m in mail.outbox] == [["wangfang@example.cn"]]
    assert mail.outbox[0].subject == "整改期限提醒：王芳的整改将于2026年7月2日到期"
    emailed = dict(Notification.objects.values_list("recipient", "emailed_at"))
    assert emailed[staff_user.pk] is not None
    assert emailed[world.users[Role.HOSPITAL_HR].pk] is None


def test_reminders_are_not_mailed_by_default(world, rectification):
    world.users[Role.STAFF].email = "wangfang@example.cn"
    world.users[Role.STAFF].save()

    run_sweep(as_of=dt.date(2026, 6, 2))

    assert mail.outbox == []
    assert Notification.objects.filter(emailed_at__isnull=False).count() == 0


# --- notifications.services -----------------------------------------------------------------------


def test_notify_stores_a_key_once_per_recipient_and_counts_unread(world):
    hr, head = world.users[Role.HOSPITAL_HR], world.users[Role.DEPARTMENT_HEAD]

    assert notify(recipients=[hr, head], key="k1", kind="test", title="标题") == 2
    assert notify(recipients=[hr, head], key="k1", kind="test", title="标题") == 0
    assert notify(recipients=[hr], key="k2", kind="test", title="另一条") == 1

    assert (unread_count(hr), unread_count(head)) == (2, 1)


def test_mark_read_marks_only_the_users_own_notifications(world):
    hr, head = world.users[Role.HOSPITAL_HR], world.users[Role.DEPARTMENT_HEAD]
    notify(recipients=[hr, head], key="k1", kind="test", title="标题")
    notify(recipients=[hr], key="k2", kind="test", title="另一条")
    heads_own = Notification.objects.get(recipient=head).pk
    first = Notification.objects.get(recipient=hr, key="k1").pk

    assert mark_read(hr, ids=[first, heads_own]) == 1
    assert (unread_count(hr), unread_count(head)) == (1, 1)
    assert mark_read(hr) == 1
    assert unread_count(hr) == 0
