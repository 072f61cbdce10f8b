"""Admin pages for appointments and post quotas.  Rows through the scoping functions, writes
through appointments.services and personnel.services (see personnel/admin.py for the mixins)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from personnel.admin import IdNumberMaskingMixin, ScopedAdminMixin, ServiceSaveMixin, adopt_saved
from personnel.errors import ApplicationError
from personnel.models import PostQuota
from personnel.scoping import visible_quotas
from personnel.services import set_quota

from .choices import AppointmentStatus
from .models import Appointment
from .selectors import quotas_with_usage, visible_appointments
from .services import create_appointment, end_appointment


class AppointmentCreateForm(forms.ModelForm):
    replace_current = forms.BooleanField(
        label="终止原聘任并改聘",
        required=False,
        help_text="该人员已有在聘岗位时勾选：原聘任于新聘任开始前一日终止。",
    )

    class Meta:
        model = Appointment
        fields = ("staff", "institution", "post_grade", "kind", "start", "end", "agreement_text")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["institution"].required = False
        self.fields["institution"].help_text = "留空则为人员所在单位。"
        self.fields["end"].required = False
        self.fields["end"].help_text = "留空则按政策版本的聘期计算。"


@admin.register(Appointment)
class AppointmentAdmin(IdNumberMaskingMixin, ScopedAdminMixin, ServiceSaveMixin, SimpleHistoryAdmin):
    """New appointments only through create_appointment (quota, one active per person, policy
    version recorded); an existing one changes only its agreement text, or is ended by the action."""

    scope_function = staticmethod(visible_appointments)
    scope_resource = "appointment"
    id_number_path = "staff__id_number"
    list_display = (
        "staff",
        "staff__id_number",
        "institution",
        "post_grade",
        "kind",
        "status",
        "start",
        "end",
        "policy",
    )
    list_filter = (
        "status",
        "kind",
        "post_grade",
        ("institution", admin.RelatedOnlyFieldListFilter),
        "start",
    )
    search_fields = ("staff__name", "staff__employee_no", "=staff__id_number", "institution__name")
    list_select_related = ("staff", "institution", "post_grade", "policy", "policy__region")
    autocomplete_fields = ("staff", "institution")
    date_hierarchy = "start"
    actions = ("end_selected",)
    add_form = AppointmentCreateForm
    change_fields = (
        "staff",
        "institution",
        "post_grade",
        "kind",
        "status",
        "start",
        "end",
        "policy",
        "agreement_text",
        "created_at",
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return (*AppointmentCreateForm.Meta.fields, "replace_current")
        return self.change_fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return tuple(f for f in self.change_fields if f != "agreement_text")

    def has_delete_permission(self, request, obj=None):
        return False  # an appointment is ended, never removed

    def save_through_service(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["agreement_text"])
            return
        data = form.cleaned_data
        appointment = create_appointment(
            staff=data["staff"],
            post_grade=data["post_grade"],
            start=data["start"],
            end=data.get("end"),
            kind=data["kind"],
            institution=data.get("institution"),
            agreement_text=data.get("agreement_text", ""),
            replace_current=data.get("replace_current", False),
            actor=request.user,
        )
        adopt_saved(obj, appointment)

    @admin.action(description="终止所选聘任（今日）", permissions=("change",))
    def end_selected(self, request, queryset):
        today = timezone.localdate()
        ended = 0
        for appointment in queryset.filter(status=AppointmentStatus.ACTIVE).select_related("staff"):
            try:
                end_appointment(appointment=appointment, on=today, actor=request.user)
            except ApplicationError as error:
                self.message_user(request, f"{appointment.staff.name}：{error.message}", messages.ERROR)
            else:
                ended += 1
        self.message_user(request, f"已终止{ended}项聘任。", messages.SUCCESS)


@admin.register(PostQuota)
class PostQuotaAdmin(ScopedAdminMixin, ServiceSaveMixin, SimpleHistoryAdmin):
    """岗位结构比例, with the posts filled beside each count.  Registered here rather than in
    personnel because the 已聘 column needs appointments' selector."""

    scope_function = staticmethod(visible_quotas)
    scope_resource = "quota"
    list_display = ("institution", "year", "post_grade", "count", "used_posts", "vacant_posts")
    list_filter = ("year", "post_grade", ("institution", admin.RelatedOnlyFieldListFilter))
    search_fields = ("institution__name", "institution__code")
    list_select_related = ("institution", "post_grade")
    autocomplete_fields = ("institution",)
    fields = ("institution", "year", "post_grade", "count")

    def get_queryset(self, request):
        return quotas_with_usage(super().get_queryset(request))

    @admin.display(description="已聘", ordering="used")
    def used_posts(self, obj: PostQuota) -> int:
        return obj.used

    @admin.display(description="空缺")
    def vacant_posts(self, obj: PostQuota) -> int:
        return obj.count - obj.used

    def get_readonly_fields(self, request, obj=None):
        # A quota row is one institution, year and grade; only its count changes.
        return ("institution", "year", "post_grade") if obj is not None else ()

    def save_through_service(self, request, obj, form, change):
        quota = set_quota(
            institution=obj.institution,
            year=obj.year,
            post_grade=obj.post_grade,
            count=obj.count,
            actor=request.user,
        )
        adopt_saved(obj, quota)
