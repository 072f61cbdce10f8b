from __future__ import annotations

from django.db.models import QuerySet

from personnel.choices import InstitutionKind
from personnel.models import Institution, InstitutionAPIKey
from personnel.scoping import visible_institutions

from .security import may_manage_api_keys


def key_institutions(user) -> QuerySet[Institution]:
    """Institutions a user may hold API keys for: the commission its region's institutions, HR its
    own hospital (and the institutions below it) — never a commission itself."""
    if not may_manage_api_keys(user):
        return Institution.objects.none()
    return visible_institutions(user).exclude(kind=InstitutionKind.COMMISSION)


def manageable_api_keys(user) -> QuerySet[InstitutionAPIKey]:
    if not may_manage_api_keys(user):
        return InstitutionAPIKey.objects.none()
    return InstitutionAPIKey.objects.filter(institution__in=visible_institutions(user).values("pk")).select_related(
        "institution", "created_by", "replaced_by"
    )
