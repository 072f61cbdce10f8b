from django.contrib import admin

from .models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    """Read only: the log is evidence; nobody edits or deletes a row by hand (retention purges)."""

    list_display = ("at", "username", "staff_name", "institution", "kind", "path", "ip")
    list_filter = ("kind",)
    search_fields = ("=username", "staff_name")
    date_hierarchy = "at"
    list_select_related = ("institution",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
