"""What every page's top bar needs from notifications: the unread count (one query, made only when
a template shows it) and whether the 能上能下 area is in the navigation."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from personnel.models import User
from personnel.scoping import can_read


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}

    def count() -> int:
        from .services import unread_count

        return unread_count(user)

    return {
        "unread_notifications": SimpleLazyObject(count),
        "nav_demotions": can_read(user, "demotion_case"),
    }
