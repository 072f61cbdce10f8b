"""县聘乡用 in the admin: read-only lists (writes go through the services, from the pages and API)."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import AnnualAssessment, Attendance, Demand, Evaluation, Leave, Match, Offer, Secondment


class ReadOnlyAdmin(SimpleHistoryAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Secondment)
class SecondmentAdmin(ReadOnlyAdmin):
    list_display = ["staff", "dispatching_unit", "receiving_unit", "start", "end", "status", "served_days", "absences"]
    list_filter = ["status", "reason", "counts_as_service"]
    search_fields = ["staff__name", "staff__employee_no"]
    list_select_related = ["staff", "dispatching_unit", "receiving_unit"]


@admin.register(Leave)
class LeaveAdmin(ReadOnlyAdmin):
    list_display = ["secondment", "start", "end", "days", "filed_with_commission", "extends_service"]
    list_select_related = ["secondment__staff", "secondment__dispatching_unit", "secondment__receiving_unit"]


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ["secondment", "date", "status"]
    list_filter = ["status"]
    list_select_related = ["secondment__staff", "secondment__dispatching_unit", "secondment__receiving_unit"]


@admin.register(Demand)
class DemandAdmin(ReadOnlyAdmin):
    list_display = ["year", "institution", "category", "count", "is_remote"]


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ["year", "institution", "staff", "reason"]


@admin.register(Match)
class MatchAdmin(ReadOnlyAdmin):
    list_display = ["demand", "offer", "status"]


@admin.register(AnnualAssessment)
class AnnualAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["secondment", "year", "total", "grade"]


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["secondment", "result"]
