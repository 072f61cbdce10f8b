"""Reads of the access log: the rows a user may see (scoped by personnel.scoping) and filtered."""

from __future__ import annotations

from django.db.models import QuerySet

from personnel.scoping import can_read, institution_filter

from .models import AccessLog


def visible_access_log(user) -> QuerySet[AccessLog]:
    """The commission: rows about people of its region's institutions (the institution they
    belonged to when viewed).  Nobody else (the superuser: everything)."""
    if not can_read(user, "access_log"):
        return AccessLog.objects.none()
    q = institution_filter(user, "institution__")
    qs = AccessLog.objects.all() if q is None else AccessLog.objects.filter(q)
    return qs.select_related("institution")
