"""The to-do count in every page's navigation: one cached figure per user (like the unread
badge, `notifications.context_processors`), so a page adds no query.  The My tasks page and
`tasks:count` recompute it; otherwise it is at most NOTIFICATIONS_BADGE_SECONDS old."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from personnel.models import User

DEFAULT_SECONDS = 60


def _key(user) -> str:
    return f"tasks:count:{user.pk}"


def cached_task_count(user) -> int | None:
    return cache.get(_key(user))


def remember_task_count(user, count: int) -> int:
    cache.set(_key(user), count, getattr(settings, "NOTIFICATIONS_BADGE_SECONDS", DEFAULT_SECONDS))
    return count


def forget_task_count(user) -> None:
    cache.delete(_key(user))


def refresh_task_count(user) -> int:
    from .selectors import my_tasks, task_total

    return remember_task_count(user, task_total(my_tasks(user, today=timezone.localdate())))


def tasks(request) -> dict:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    from personnel.policy_admin import may_read

    return {"task_count": cached_task_count(user), "nav_policies": may_read(user)}
