"""Writes on 站内通知: store a message once per recipient and key (however often the nightly job
runs), e-mail it when the deployment sends mail, mark messages read."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from personnel.errors import ApplicationError
from personnel.models import User

from .models import DigestDelivery, EmailMode, Notification, NotificationPreference

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    """One notification to a set of users; `key` makes it idempotent per recipient."""

    recipients: tuple[User, ...]
    key: str
    kind: str
    title: str
    body: str = ""
    url: str = ""
    email: bool = True  # False when the caller mails it itself (the in-app copy only)


def notify(
    *,
    recipients: Iterable[User],
    key: str,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
) -> int:
    """Notify users once per key: returns how many notifications were new (a recipient who
    already has this key gets nothing again, in the app or by mail)."""
    return notify_many(
        [Message(recipients=tuple(recipients), key=key, kind=kind, title=title, body=body, url=url, email=email)]
    )


@transaction.atomic
def notify_many(messages: Sequence[Message]) -> int:
    """Store many messages with a constant number of queries (read the keys already stored,
    insert the rest ignoring conflicts, mark the mailed ones); e-mail each new notification to a
    recipient with an address when `settings.NOTIFICATIONS_EMAIL` is true — unless the
    recipient chose the daily digest (or no mail): their notifications wait for
    `send_daily_digests`."""
    wanted: dict[tuple[int, str], tuple[User, Message]] = {}
    for message in messages:
        for user in message.recipients:
            if user is not None and user.pk and user.is_active:
                wanted.setdefault((user.pk, message.key), (user, message))
    if not wanted:
        return 0
    keys = {key for _, key in wanted}
    stored = set(
        Notification.objects.filter(key__in=keys, recipient_id__in={uid for uid, _ in wanted}).values_list(
            "recipient_id", "key"
        )
    )
    new = [(uid, key) for uid, key in wanted if (uid, key) not in stored]
    if not new:
        return 0
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=uid,
                key=key,
                kind=wanted[uid, key][1].kind,
                title=wanted[uid, key][1].title,
                body=wanted[uid, key][1].body,
                url=wanted[uid, key][1].url,
            )
            for uid, key in new
        ],
        ignore_conflicts=True,
    )
    if getattr(settings, "NOTIFICATIONS_EMAIL", False):
        _email(new, wanted)
    return len(new)


def email_modes(user_ids: Iterable[int]) -> dict[int, str]:
    """Each user's e-mail mode (one query); users without a preference get IMMEDIATE."""
    ids = set(user_ids)
    chosen = dict(NotificationPreference.objects.filter(user_id__in=ids).values_list("user_id", "email_mode"))
    return {uid: chosen.get(uid, EmailMode.IMMEDIATE) for uid in ids}


def absolute(url: str) -> str:
    """A link for an e-mail: the site's address (settings.SITE_URL) before the page's path."""
    return f"{getattr(settings, 'SITE_URL', '').rstrip('/')}{url}" if url.startswith("/") else url


def mail_text(text: str, url: str) -> str:
    return f"{text}\n\n查看：{absolute(url)}" if url else text


def _email(new: list[tuple[int, str]], wanted: dict) -> None:
    mailed: list[tuple[int, str]] = []
    candidates = [(uid, key) for uid, key in new if wanted[uid, key][1].email and wanted[uid, key][0].email]
    if not candidates:
        return
    modes = email_modes(uid for uid, _ in candidates)
    for uid, key in candidates:
        user, message = wanted[uid, key]
        if modes[uid] != EmailMode.IMMEDIATE:
            continue
        try:
            sent = send_mail(
                subject=message.title,
                message=mail_text(message.body or message.title, message.url),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[user.email],
            )
        except OSError:  # an unreachable mail server must not undo the in-app notification
            logger.exception("Notification %s to user %s was not mailed", key, uid)
            continue
        if sent:
            mailed.append((uid, key))
    if mailed:
        condition = Q()
        for uid, key in mailed:
            condition |= Q(recipient_id=uid, key=key)
        Notification.objects.filter(condition, emailed_at__isnull=True).update(emailed_at=timezone.now())


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user: User, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them, or those ids — others' ids are ignored)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


def email_mode_of(user: User) -> str:
    return email_modes([user.pk])[user.pk]


def set_email_mode(*, user: User, mode: str) -> NotificationPreference:
    """The user's choice of e-mail: immediate, one digest a day, or none."""
    if mode not in EmailMode.values:
        raise ApplicationError(
            f"邮件提醒方式应为{'、'.join(str(label) for label in EmailMode.labels)}之一。",
            {"email_mode": ["请选择一种邮件提醒方式。"]},
        )
    preference, _ = NotificationPreference.objects.update_or_create(user=user, defaults={"email_mode": mode})
    return preference


DIGEST_WINDOW = dt.timedelta(days=1)


def digest_text(user: User, notifications: Sequence[Notification], *, day: dt.date) -> tuple[str, str]:
    """The subject and body of one user's daily digest."""
    subject = f"【聘任通】{day:%Y-%m-%d} 每日通知汇总（{len(notifications)}条未读）"
    lines = [
        f"{user.get_full_name() or user.username}，您好：",
        "",
        f"过去一天您有{len(notifications)}条未读通知：",
        "",
    ]
    for n in notifications:
        local = timezone.localtime(n.created_at)
        lines.append(f"· {local:%m-%d %H:%M} {n.title}")
        if n.body:
            lines.append(f"  {n.body}")
        if n.url:
            lines.append(f"  {absolute(n.url)}")
    lines += ["", "登录聘任通查看全部通知；在“通知”页可改为即时邮件或不发邮件。"]
    return subject, "\n".join(lines)


def send_daily_digests(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Each user who chose the daily digest gets one e-mail with their notifications of the past
    day that are still unread and not mailed — once per local day (DigestDelivery is unique per
    user and day, so a second run the same day sends nothing).  Users with nothing unread get no
    mail.  A failed send is not recorded, so a later run retries it."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    counts = {"sent": 0, "skipped": 0, "failed": 0}
    if not getattr(settings, "NOTIFICATIONS_EMAIL", False):
        return counts
    users = list(
        User.objects.filter(is_active=True, notification_preference__email_mode=EmailMode.DAILY_DIGEST).exclude(
            email=""
        )
    )
    if not users:
        return counts
    done = set(DigestDelivery.objects.filter(day=day, recipient__in=users).values_list("recipient_id", flat=True))
    pending: dict[int, list[Notification]] = {}
    for n in Notification.objects.filter(
        recipient__in=[u for u in users if u.pk not in done],
        read_at__isnull=True,
        emailed_at__isnull=True,
        created_at__gt=now - DIGEST_WINDOW,
        created_at__lte=now,
    ).order_by("created_at", "id"):
        pending.setdefault(n.recipient_id, []).append(n)
    counts["skipped"] = len(done)
    for user in users:
        items = pending.get(user.pk)
        if user.pk in done or not items:
            continue
        with transaction.atomic():
            _, created = DigestDelivery.objects.get_or_create(recipient=user, day=day, defaults={"count": len(items)})
            if not created:  # a concurrent run got there first
                counts["skipped"] += 1
                continue
            subject, body = digest_text(user, items, day=day)
            try:
                send_mail(
                    subject=subject, message=body, from_email=settings.DEFAULT_FROM_EMAIL, recipient_list=[user.email]
                )
            except OSError:
                logger.exception("Daily digest to user %s was not mailed", user.pk)
                transaction.set_rollback(True)
                counts["failed"] += 1
                continue
            Notification.objects.filter(pk__in=[n.pk for n in items]).update(emailed_at=now)
            counts["sent"] += 1
    return counts
