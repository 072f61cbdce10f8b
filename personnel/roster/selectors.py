"""Which import records a user may see: their own, and those made from an institution in their
scope (personnel.scoping.visible_institutions).  Department heads and staff see none."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from ..models import RosterImport
from ..scoping import can_change, visible_institutions


def visible_roster_imports(user) -> QuerySet[RosterImport]:
    qs = RosterImport.objects.select_related("created_by", "institution").defer("content")
    if getattr(user, "is_superuser", False):
        return qs
    if not can_change(user, "staff"):
        return qs.none()
    condition = Q(institution__in=visible_institutions(user))
    if getattr(user, "pk", None):
        condition |= Q(created_by_id=user.pk)
    return qs.filter(condition)
