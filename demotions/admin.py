"""Admin pages of the 能上能下 app: read-only.  Cases move only through demotions.services (each
step checked and logged), events are recorded through `record_event` (which runs the sweep),
rectifications are the sweep's.  A case shows its transition log; ballots appear only as the
per-group tally, never one by one."""

from __future__ import annotations

from django.contrib import admin
from django.utils.html import format_html_join
from django_fsm_log.admin import StateLogInline
from simple_history.admin import SimpleHistoryAdmin

from personnel.admin import ScopedAdminMixin

from .models import CaseEvidence, ConductEvent, DemotionCase, Rectification, RectificationItem
from .selectors import visible_cases, visible_events, visible_rectifications
from .services import ballot_tally


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CaseLogInline(StateLogInline):
    verbose_name = verbose_name_plural = "办理记录"

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class EvidenceInline(ReadOnlyMixin, admin.TabularInline):
    model = CaseEvidence
    extra = 0
    fields = ("name", "step", "description", "uploaded_by", "uploaded_at")
    readonly_fields = fields


@admin.register(DemotionCase)
class DemotionCaseAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_cases)
    scope_resource = "demotion_case"
    list_display = ("staff", "kind", "institution", "trigger", "state", "opened_on", "state_changed_at", "follow_up")
    list_filter = ("kind", "state", "trigger", "follow_up")
    list_select_related = ("staff", "institution")
    search_fields = ("staff__name", "staff__employee_no")
    date_hierarchy = "opened_on"
    readonly_fields = ("democratic_tally",)
    inlines = [EvidenceInline, CaseLogInline]
    exclude = ("source_assessments", "events")

    @admin.display(description="民主测评（按类别汇总）")
    def democratic_tally(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "—"
        rows = [t for t in ballot_tally(obj) if t["count"]]
        if not rows:
            return "—"
        return format_html_join("；", "{}：{}票，平均{}", ((t["label"], t["count"], t["average"]) for t in rows))


class RectificationItemInline(ReadOnlyMixin, admin.TabularInline):
    model = RectificationItem
    extra = 0


@admin.register(Rectification)
class RectificationAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_rectifications)
    scope_resource = "rectification"
    list_display = ("staff", "period", "opened_on", "deadline", "status", "closed_on")
    list_filter = ("status",)
    list_select_related = ("staff", "period")
    search_fields = ("staff__name",)
    inlines = [RectificationItemInline]


@admin.register(ConductEvent)
class ConductEventAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_events)
    scope_resource = "conduct_event"
    list_display = ("staff", "kind", "date", "accident_level", "recorded_by", "created_at")
    list_filter = ("kind",)
    list_select_related = ("staff", "recorded_by")
    search_fields = ("staff__name",)
