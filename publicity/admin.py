"""Admin pages of publicity periods (公示): read-only; periods are opened, objected to, answered and
ended through publicity.services (called by the subject's workflow, e.g. a demotion case)."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from personnel.admin import ScopedAdminMixin

from .models import Objection, Publicity
from .selectors import visible_publicities


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ObjectionInline(ReadOnlyMixin, admin.TabularInline):
    model = Objection
    extra = 0
    fields = ("lodged_on", "lodged_by_name", "contact", "content", "answer", "answered_at", "answered_by")
    readonly_fields = fields


@admin.register(Publicity)
class PublicityAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_publicities)
    list_display = ("title", "region", "starts_on", "working_days", "ends_on", "status")
    list_filter = ("status",)
    search_fields = ("title",)
    date_hierarchy = "starts_on"
    inlines = [ObjectionInline]


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(lambda user: Objection.objects.filter(publicity__in=visible_publicities(user)))
    list_display = ("publicity", "lodged_on", "lodged_by_name", "answered_at")
    list_select_related = ("publicity",)
