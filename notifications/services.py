"""Writes on 站内通知: store a message once per recipient and key (however often the nightly job
runs), e-mail it when the deployment sends mail, mark messages read."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from personnel.models import User

from .models import Notification

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


def notify(*, recipients: Iterable[User], key: str, kind: str, title: str, body: str = "", url: str = "") -> int:
    """Notify users once per key: returns how many notifications were new (a recipient who
    already has this key gets nothing again, in the app or by mail)."""
    return notify_many([Message(recipients=tuple(recipients), key=key, kind=kind, title=title, body=body, url=url)])


@transaction.atomic
def notify_many(messages: Sequence[Message]) -> int:
    """Store many messages with a constant number of queries (read the keys already stored,
    insert the rest ignoring conflicts, mark the mailed ones); e-mail each new notification to a
    recipient with an address when `settings.NOTIFICATIONS_EMAIL` is true."""
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


def _email(new: list[tuple[int, str]], wanted: dict) -> None:
    mailed: list[tuple[int, str]] = []
    for uid, key in new:
        user, message = wanted[uid, key]
        if not user.email:
            continue
        try:
            sent = send_mail(
                subject=message.title,
                message=message.body or message.title,
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
