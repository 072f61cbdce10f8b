"""What every page's top bar needs from notifications: the unread count, and whether the 能上能下
area is in the navigation.

The count is one query (`notifications.services.unread_count`), kept in the cache for
NOTIFICATIONS_BADGE_SECONDS (60 by default) so pages do not pay it on every request: a page
renders the cached figure, or — when there is none — a badge that fetches it once from
`notifications:unread` (static/js/notifications.js).  Marking read through the pages refreshes it
at once; a new notification shows within that time."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from personnel.models import User
from personnel.scoping import can_read

DEFAULT_BADGE_SECONDS = 60


def _key(user) -> str:
    return f"notifications:unread:{user.pk}"


def cached_unread(user) -> int | None:
    return cache.get(_key(user))


def refresh_unread(user) -> int:
    """Count the user's unread notifications (one query) and keep the figure for the badge."""
    from .services import unread_count

    count = unread_count(user)
    cache.set(_key(user), count, getattr(settings, "NOTIFICATIONS_BADGE_SECONDS", DEFAULT_BADGE_SECONDS))
    return count


def forget_unread(user) -> None:
    cache.delete(_key(user))


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    return {
        "unread_notifications": cached_unread(user),
        "nav_demotions": can_read(user, "demotion_case"),
    }
