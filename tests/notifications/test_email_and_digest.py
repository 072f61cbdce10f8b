"""E-mail of notifications (Django's locmem backend): immediate by default when the deployment
mails, never for users who chose the daily digest or no mail; the 07:30 digest sends each digest
user one e-mail of the past day's unread notifications, once a day; the preference form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from notifications.models import DigestDelivery, EmailMode, Notification, NotificationPreference
from notifications.services import notify, send_daily_digests, set_email_mode
from notifications.tasks import send_daily_digests as send_daily_digests_task
from personnel.choices import Role
from personnel.errors import ApplicationError
from talent import services as talent_services
from talent.choices import ContractStatus, TerminationReason
from tests.talent.conftest import make_contract, talent_world  # noqa: F401, F811 — the fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailing(settings, world):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.NOTIFICATIONS_EMAIL = True
    hr, head = world.users[Role.HOSPITAL_HR], world.users[Role.DEPARTMENT_HEAD]
    hr.email, head.email = "hr@example.org", "head@example.org"
    hr.save()
    head.save()
    return hr, head


def test_without_a_preference_each_notification_is_mailed_at_once(mailing):
    hr, _ = mailing
    assert notify(recipients=[hr], key="k1", kind="x", title="案件待提议", body="王芳的案件待党支部提议。") == 1
    assert [m.to for m in mail.outbox] == [["hr@example.org"]]
    assert mail.outbox[0].subject == "案件待提议"
    assert mail.outbox[0].body == "王芳的案件待党支部提议。"
    assert Notification.objects.get(recipient=hr).emailed_at is not None


def test_an_emailed_link_carries_the_sites_address(mailing, settings):
    hr, _ = mailing
    settings.SITE_URL = "https://pinrentong.example.cn/"
    notify(recipients=[hr], key="k1", kind="x", title="案件待提议", url="/demotions/7/")
    assert mail.outbox[0].body == "案件待提议\n\n查看：https://pinrentong.example.cn/demotions/7/"
    assert Notification.objects.get(recipient=hr).emailed_at is not None


def test_no_mail_when_the_deployment_does_not_send_mail(mailing, settings):
    hr, _ = mailing
    settings.NOTIFICATIONS_EMAIL = False
    notify(recipients=[hr], key="k1", kind="x", title="案件待提议")
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=hr).count() == 1


def test_digest_and_no_mail_users_are_not_mailed_at_once(mailing):
    hr, head = mailing
    set_email_mode(user=hr, mode=EmailMode.DAILY_DIGEST)
    set_email_mode(user=head, mode=EmailMode.NONE)
    notify(recipients=[hr, head], key="k1", kind="x", title="整改期限还有30天")
    assert mail.outbox == []
    assert Notification.objects.filter(emailed_at__isnull=True).count() == 2


def test_a_caller_that_mails_itself_stores_the_in_app_copy_only(mailing):
    hr, _ = mailing
    notify(recipients=[hr], key="k1", kind="x", title="解约申请提醒", email=False)
    assert mail.outbox == []
    assert Notification.objects.filter(recipient=hr, emailed_at__isnull=True).count() == 1


def test_the_daily_digest_sends_one_mail_of_the_past_days_unread_once(mailing, settings):
    hr, head = mailing
    settings.SITE_URL = "https://pinrentong.example.cn"
    set_email_mode(user=hr, mode=EmailMode.DAILY_DIGEST)
    notify(recipients=[hr, head], key="a", kind="x", title="整改期限还有30天")
    notify(recipients=[hr], key="b", kind="x", title="案件待资格审查", url="/demotions/cases/1/")
    notify(recipients=[hr], key="read", kind="x", title="已读的通知")
    notify(recipients=[hr], key="old", kind="x", title="两天前的通知")
    Notification.objects.filter(recipient=hr, key="read").update(read_at=timezone.now())
    Notification.objects.filter(recipient=hr, key="old").update(created_at=timezone.now() - dt.timedelta(days=2))
    mail.outbox.clear()  # the head's immediate mail

    assert send_daily_digests()["sent"] == 1
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == ["hr@example.org"]
    assert "2条未读" in digest.subject
    assert (
        "整改期限还有30天" in digest.body and "案件待资格审查" in digest.body and "/demotions/cases/1/" in digest.body
    )
    assert "已读的通知" not in digest.body and "两天前的通知" not in digest.body
    assert set(Notification.objects.filter(recipient=hr, emailed_at__isnull=False).values_list("key", flat=True)) == {
        "a",
        "b",
    }

    # Idempotent: a second run the same day (a retried beat, a second worker) sends nothing.
    notify(recipients=[hr], key="c", kind="x", title="又一条")
    assert send_daily_digests()["sent"] == 0
    assert len(mail.outbox) == 1
    assert DigestDelivery.objects.filter(recipient=hr).count() == 1


def test_no_digest_for_a_user_with_nothing_unread(mailing):
    hr, _ = mailing
    set_email_mode(user=hr, mode=EmailMode.DAILY_DIGEST)
    assert send_daily_digests()["sent"] == 0
    assert mail.outbox == []
    assert not DigestDelivery.objects.exists()


def test_a_failed_digest_is_not_recorded_and_is_retried(mailing, monkeypatch):
    hr, _ = mailing
    set_email_mode(user=hr, mode=EmailMode.DAILY_DIGEST)
    notify(recipients=[hr], key="a", kind="x", title="整改期限还有30天")

    def refuse(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("notifications.services.send_mail", refuse)
    assert send_daily_digests()["failed"] == 1
    assert not DigestDelivery.objects.exists()
    monkeypatch.undo()
    assert send_daily_digests()["sent"] == 1
    assert len(mail.outbox) == 1


def test_the_digest_task_is_scheduled_at_half_past_seven_shanghai_time(mailing):
    entry = app.conf.beat_schedule["notifications-daily-digest"]
    assert entry["task"] == "notifications.send_daily_digests"
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {30}
    assert app.conf.timezone == "Asia/Shanghai"
    hr, _ = mailing
    set_email_mode(user=hr, mode=EmailMode.DAILY_DIGEST)
    notify(recipients=[hr], key="a", kind="x", title="整改期限还有30天")
    assert send_daily_digests_task.delay().get()["sent"] == 1


def test_an_unknown_mode_is_refused_in_chinese(world):
    with pytest.raises(ApplicationError, match="邮件提醒方式应为"):
        set_email_mode(user=world.users[Role.STAFF], mode="weekly")
    assert not NotificationPreference.objects.exists()


def test_each_user_sets_their_own_mode_on_the_notifications_page(mailing):
    hr, head = mailing
    c = Client()
    c.force_login(hr)
    page = c.get(reverse("notifications:list"))
    assert "每天早上汇总发送一封邮件" in page.content.decode()
    response = c.post(reverse("notifications:preferences"), {"email_mode": EmailMode.DAILY_DIGEST}, follow=True)
    assert "已保存：每天早上汇总发送一封邮件" in response.content.decode()
    assert NotificationPreference.objects.get(user=hr).email_mode == EmailMode.DAILY_DIGEST
    assert not NotificationPreference.objects.filter(user=head).exists()
    response = c.post(reverse("notifications:preferences"), {"email_mode": "weekly"}, follow=True)
    assert "邮件提醒方式应为" in response.content.decode()
    assert NotificationPreference.objects.get(user=hr).email_mode == EmailMode.DAILY_DIGEST


def test_the_page_says_so_when_no_mail_server_is_configured(world, settings):
    settings.NOTIFICATIONS_EMAIL = False
    c = Client()
    c.force_login(world.users[Role.STAFF])
    assert "未配置邮件服务器" in c.get(reverse("notifications:list")).content.decode()


def test_the_talent_termination_reminder_is_also_an_in_app_notification(talent_world, mailoutbox):  # noqa: F811
    world = talent_world
    contract = make_contract(world.hospital, days_per_month="10")
    contract.status = ContractStatus.SUSPENDED
    contract.save()
    item, _ = talent_services.open_termination_item(
        contract=contract, reason=TerminationReason.DELAYED, learned_on=dt.date(2026, 3, 15)
    )
    talent_services.watch_terminations(today=dt.date(2026, 6, 1))
    talent_services.watch_terminations(today=dt.date(2026, 6, 2))
    hr, admin = world.users[Role.HOSPITAL_HR], world.users[Role.COMMISSION_ADMIN]
    for user in (hr, admin):
        notes = Notification.objects.filter(recipient=user, kind="talent_termination")
        assert notes.count() == 1  # once per item and deadline, however many reminder days
        assert "2026-06-15" in notes.get().title
        assert notes.get().url == reverse("talent:contract_detail", args=[contract.pk])
    assert not Notification.objects.filter(recipient=world.users[Role.STAFF]).exists()
