"""Admin pages of the assessments app: read-only views of what the pages and the API write
through assessments.services (scores keep their audit trail and optimistic version that way);
workload metric codes are data a superuser edits here."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from personnel.admin import ScopedAdminMixin

from .models import Assessment, AssessmentPeriod, GradeBand, Scheme, SchemeItem, WorkloadMetric, WorkloadRecord
from .selectors import visible_assessments, visible_periods, visible_schemes, visible_workload


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AssessmentPeriod)
class AssessmentPeriodAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_periods)
    scope_resource = "period"
    list_display = ("__str__", "region", "kind", "start", "end", "status")
    list_filter = ("kind", "status")


class SchemeItemInline(ReadOnlyMixin, admin.TabularInline):
    model = SchemeItem
    extra = 0


class GradeBandInline(ReadOnlyMixin, admin.TabularInline):
    model = GradeBand
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(ReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Versions are never edited: a revision is a new version (assessments.services.revise_scheme)."""

    scope_function = staticmethod(visible_schemes)
    scope_resource = "scheme"
    list_display = ("name", "code", "version", "kind", "region", "effective_from")
    list_filter = ("kind",)
    inlines = [SchemeItemInline, GradeBandInline]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_assessments)
    scope_resource = "assessment"
    list_display = ("staff", "period", "total", "grade", "status", "version", "updated_at")
    list_filter = ("grade", "status", "period__kind")
    list_select_related = ("staff", "period")
    search_fields = ("staff__name", "staff__employee_no")


@admin.register(WorkloadRecord)
class WorkloadRecordAdmin(ReadOnlyMixin, ScopedAdminMixin, admin.ModelAdmin):
    scope_function = staticmethod(visible_workload)
    scope_resource = "workload"
    list_display = ("source_record_id", "institution", "staff", "metric", "date", "quantity", "created_at")
    list_select_related = ("institution", "staff", "metric")
    list_filter = ("metric",)


@admin.register(WorkloadMetric)
class WorkloadMetricAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "unit")

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser
