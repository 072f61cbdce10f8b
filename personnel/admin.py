"""Admin site for the personnel registry.

Two rules hold for every page here:
- rows come from personnel.scoping (ScopedAdminMixin): a non-superuser sees, and picks in a
  foreign-key field, only what its role reaches;
- writes that involve a rule go through the services (ServiceSaveMixin): a refusal
  (ApplicationError) comes back as a form error and nothing is written.

PostQuota is registered in appointments/admin.py: its "已聘" column needs appointments'
selector, and personnel may not import appointments.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from rest_framework_api_key.admin import APIKeyModelAdmin
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from .choices import Role
from .disclosure import record_full_views
from .errors import ApplicationError
from .models import (
    Department,
    Institution,
    InstitutionAPIKey,
    PolicyVersion,
    PostGrade,
    Region,
    Staff,
    Title,
    User,
)
from .policy import POLICY_FIELDS, clean_policy_data
from .scoping import (
    can_change,
    can_read,
    can_view_full_id,
    role_of,
    visible_departments,
    visible_institutions,
    visible_policies,
    visible_staff,
    visible_titles,
)
from .services import create_policy_version, save_staff, save_title
from .validators import mask_id_number, mask_phone

admin.site.site_header = "聘任通 管理后台"
admin.site.site_title = "聘任通"
admin.site.index_title = "数据管理"


# --- scoping -------------------------------------------------------------------------------


def visible_regions(user) -> QuerySet[Region]:
    """The regions of the institutions a user reaches (no region of its own in scoping)."""
    if getattr(user, "is_superuser", False):
        return Region.objects.all()
    return Region.objects.filter(pk__in=visible_institutions(user).values("region_id"))


def visible_users(user) -> QuerySet[User]:
    """Accounts attached to the institutions a user reaches; superusers stay out of sight."""
    if getattr(user, "is_superuser", False):
        return User.objects.all()
    return User.objects.filter(institution__in=visible_institutions(user).values("pk"), is_superuser=False)


def visible_api_keys(user) -> QuerySet[InstitutionAPIKey]:
    if getattr(user, "is_superuser", False):
        return InstitutionAPIKey.objects.all()
    return InstitutionAPIKey.objects.filter(institution__in=visible_institutions(user).values("pk"))


def all_post_grades(user) -> QuerySet[PostGrade]:
    """Post grades 1–13 are national reference data, the same for every region."""
    return PostGrade.objects.all()


# The choices a foreign-key field offers: the visible rows of the related model.
FOREIGN_KEY_SCOPES: dict[type[Model], Callable[[object], QuerySet]] = {
    Region: visible_regions,
    Institution: visible_institutions,
    Department: visible_departments,
    Staff: visible_staff,
    PolicyVersion: visible_policies,
}


class ScopedAdminMixin:
    """Every queryset through a scoping function, every foreign-key choice too.

    - `scope_function(user)` returns the rows the user may see (personnel.scoping.visible_*);
    - `scope_resource` names the resource in scoping's READ/CHANGE matrices: the role must allow
      it on top of the Django model permission;
    - `change_roles`, for models outside the matrices, lists the roles that may write (an empty
      set: superusers only).
    """

    scope_function: Callable[[object], QuerySet] | None = None
    scope_resource: str | None = None
    change_roles: frozenset[str] | None = None

    def scoped_queryset(self, request) -> QuerySet:
        return type(self).scope_function(request.user)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        if type(self).scope_function is None:
            return qs.none()
        return qs.filter(pk__in=self.scoped_queryset(request).values("pk"))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope = FOREIGN_KEY_SCOPES.get(db_field.related_model)
        if scope is not None and "queryset" not in kwargs and not request.user.is_superuser:
            kwargs["queryset"] = scope(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _require_visible(self, request, object_id) -> None:
        if not request.user.is_superuser and not self.get_queryset(request).filter(pk=unquote(object_id)).exists():
            # simple_history falls back to the last historical record of a row it cannot find,
            # which would show a foreign person's history: refuse before it gets there.
            raise Http404

    def history_view(self, request, object_id, extra_context=None):
        self._require_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_visible(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

    def _role_may_read(self, request) -> bool:
        if request.user.is_superuser or self.scope_resource is None:
            return True
        return can_read(request.user, self.scope_resource)

    def _role_may_change(self, request) -> bool:
        if request.user.is_superuser:
            return True
        if self.scope_resource is not None:
            return can_change(request.user, self.scope_resource)
        if self.change_roles is not None:
            return role_of(request.user) in self.change_roles
        return True

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._role_may_read(request)

    def has_add_permission(self, request, *args):
        return super().has_add_permission(request, *args) and self._role_may_change(request)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._role_may_change(request)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._role_may_change(request)


# --- services behind the forms -------------------------------------------------------------


class ServiceRefused(Exception):
    """A service refused the save; carries its ApplicationError back to the change form."""

    def __init__(self, error: ApplicationError) -> None:
        super().__init__(error.message)
        self.error = error


def adopt_saved(target: Model, saved: Model) -> None:
    """Make the admin's in-memory object the row a service saved, so the log entry and the
    redirect that follow point at it."""
    for field in saved._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


class ServiceSaveMixin:
    """Saves go through a service (`save_through_service`).  If it refuses, the whole request's
    transaction is rolled back and the form is shown again with the refusal as its errors."""

    def save_through_service(self, request, obj, form, change: bool) -> None:
        raise ImproperlyConfigured(f"{type(self).__name__} must say which service saves its objects.")

    def save_model(self, request, obj, form, change):
        try:
            self.save_through_service(request, obj, form, change)
        except ApplicationError as error:
            raise ServiceRefused(error) from error

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            # Django runs the save inside transaction.atomic(); raising out of it undoes every write.
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRefused as refused:
            request._service_refusal = refused.error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal: ApplicationError | None = getattr(request, "_service_refusal", None)
        if refusal is None:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                cleaned = super().clean()
                self.add_error(None, refusal.message)
                for field, field_messages in refusal.extra.items():
                    if field in self.fields and field not in self.errors:
                        self.add_error(field, field_messages)
                return cleaned

        return RefusedForm


# --- ID numbers ----------------------------------------------------------------------------


class _MaskingHistoryHelper(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        if change.field == "id_number" and value:
            return mask_id_number(str(value))
        if change.field == "phone" and value:
            return mask_phone(str(value))
        return super().prepare_delta_change_value(change, value)


class IdNumberMaskingMixin:
    """Full ID numbers only for holders of personnel.view_full_id_number; others see 653225********1234."""

    id_number_path = "id_number"

    @admin.display(description="身份证号")
    def masked_id_number(self, obj) -> str:
        value = obj
        for part in self.id_number_path.split("__"):
            value = getattr(value, part)
        return mask_id_number(value)

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if not can_view_full_id(request.user):
            columns = ["masked_id_number" if c == self.id_number_path else c for c in columns]
        return columns

    def get_search_fields(self, request):
        fields = list(super().get_search_fields(request))
        if not can_view_full_id(request.user):
            # Searching by ID number or phone would let a masked user confirm a full number.
            fields = [f for f in fields if "id_number" not in f and "phone" not in f]
        return fields

    def get_historical_record_context_helper(self, request, historical_record):
        # The history's "changes" column shows old and new values: masked like everywhere else.
        helper = super().get_historical_record_context_helper(request, historical_record)
        if not can_view_full_id(request.user):
            helper.__class__ = _MaskingHistoryHelper
        return helper

    def render_history_view(self, request, template, context, **kwargs):
        # simple-history's history page (rendered with render(), so no context_data afterwards).
        response = super().render_history_view(request, template, context, **kwargs)
        obj = context.get("object")
        if obj is not None and response.status_code == 200 and can_view_full_id(request.user):
            record_full_views(request, [self._person(obj)], kind="admin")
        return response

    def _person(self, obj):
        for part in self.id_number_path.split("__")[:-1]:
            obj = getattr(obj, part)
        return obj

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None and can_view_full_id(request.user):
            record_full_views(request, [self._person(o) for o in changelist.result_list], kind="admin")
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        original = getattr(response, "context_data", {}).get("original")
        if original is not None and request.method == "GET" and can_view_full_id(request.user):
            record_full_views(request, [self._person(original)], kind="admin")
        return response


# --- models --------------------------------------------------------------------------------


@admin.register(Region)
class RegionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_function = staticmethod(visible_regions)
    change_roles = frozenset()
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Institution)
class InstitutionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_function = staticmethod(visible_institutions)
    scope_resource = "institution"
    list_display = ("name", "code", "kind", "parent", "region", "is_remote", "population")
    list_filter = ("kind", "is_remote", ("region", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "code")
    list_select_related = ("parent", "region")
    autocomplete_fields = ("parent",)
    list_per_page = 50


@admin.register(Department)
class DepartmentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_function = staticmethod(visible_departments)
    scope_resource = "department"
    list_display = ("name", "code", "institution", "head")
    list_filter = (("institution", admin.RelatedOnlyFieldListFilter),)
    search_fields = ("name", "code", "institution__name")
    list_select_related = ("institution", "head")
    autocomplete_fields = ("institution", "head")


class TitleInline(admin.TabularInline):
    model = Title
    extra = 0
    fields = ("name", "level", "series", "obtained_on", "certificate_no")


@admin.register(Staff)
class StaffAdmin(IdNumberMaskingMixin, ScopedAdminMixin, ServiceSaveMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_staff)
    scope_resource = "staff"
    list_display = (
        "employee_no",
        "name",
        "id_number",
        "gender",
        "ethnicity",
        "category",
        "institution",
        "department",
        "employment_type",
        "status",
    )
    list_filter = (
        "status",
        "category",
        "employment_type",
        "gender",
        ("institution", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("name", "employee_no", "phone", "=id_number")
    list_select_related = ("institution", "department", "department__institution")
    autocomplete_fields = ("institution", "department")
    inlines = (TitleInline,)
    fieldsets = (
        ("基本信息", {"fields": ("employee_no", "name", "id_number", "gender", "birth_date", "ethnicity", "phone")}),
        ("学历与专业", {"fields": ("education", "degree", "major", "category")}),
        (
            "工作信息",
            {
                "fields": (
                    "institution",
                    "department",
                    "employment_type",
                    "status",
                    "first_employment_date",
                    "is_backbone",
                )
            },
        ),
    )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or can_view_full_id(request.user):
            return fieldsets
        # An existing record's number and phone are shown masked and cannot be edited blind.
        masked = {"id_number": "masked_id_number", "phone": "masked_phone"}
        return [(name, {**opts, "fields": tuple(masked.get(f, f) for f in opts["fields"])}) for name, opts in fieldsets]

    @admin.display(description="手机号")
    def masked_phone(self, obj) -> str:
        return mask_phone(obj.phone)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not can_view_full_id(request.user):
            fields += ["masked_id_number", "masked_phone"]
        return fields

    def save_through_service(self, request, obj, form, change):
        save_staff(staff=obj, actor=request.user)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Title:
            return super().save_formset(request, form, formset, change)
        titles = formset.save(commit=False)
        for title in formset.deleted_objects:
            title.delete()
        try:
            for title in titles:
                title.staff = form.instance
                save_title(title=title, actor=request.user)
        except ApplicationError as error:
            raise ServiceRefused(error) from error
        return None


@admin.register(Title)
class TitleAdmin(ScopedAdminMixin, ServiceSaveMixin, SimpleHistoryAdmin):
    scope_function = staticmethod(visible_titles)
    scope_resource = "title"
    list_display = ("staff", "name", "level", "series", "obtained_on", "certificate_no")
    list_filter = ("level", "series")
    search_fields = ("staff__name", "staff__employee_no", "name", "certificate_no")
    list_select_related = ("staff",)
    autocomplete_fields = ("staff",)
    date_hierarchy = "obtained_on"

    def save_through_service(self, request, obj, form, change):
        save_title(title=obj, actor=request.user)


@admin.register(PostGrade)
class PostGradeAdmin(ScopedAdminMixin, admin.ModelAdmin):
    scope_function = staticmethod(all_post_grades)
    change_roles = frozenset()  # seeded by migration; superusers only
    list_display = ("grade", "name", "title_level")
    list_filter = ("title_level",)
    search_fields = ("name",)


# --- policy versions -----------------------------------------------------------------------


def _policy_input(key: str) -> str:
    return f"policy__{key}"


def _policy_groups() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for key, field in POLICY_FIELDS.items():
        groups.setdefault(field.group, []).append(key)
    return groups


_KIND_HINTS = {"int": "整数", "decimal": "数字（比例用小数，如0.70）", "text": "文字"}


class PolicyVersionFormBase(forms.ModelForm):
    """One input per declared policy number, grouped as POLICY_FIELDS groups them, plus an
    optional JSON box for pasting a whole policy.  Values are checked by clean_policy_data."""

    data_json = forms.CharField(
        label="政策参数（JSON，可选）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        help_text="可粘贴整份参数（键为英文参数名）；上方逐项填写的值优先。",
    )

    class Meta:
        model = PolicyVersion
        fields = ("region", "name", "effective_from", "note")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        stored = self.instance.data if self.instance.pk else {}
        for key in POLICY_FIELDS:
            if key in stored and _policy_input(key) in self.fields:
                self.fields[_policy_input(key)].initial = stored[key]
        self.policy_data: dict = {}

    def clean(self):
        cleaned = super().clean()
        data: dict = {}
        from_json: set[str] = set()
        raw = (cleaned.get("data_json") or "").strip()
        if raw:
            try:
                parsed = json.loads(raw)
            except json.JSONDecodeError as error:
                self.add_error("data_json", f"JSON格式有误（第{error.lineno}行第{error.colno}列）。")
                return cleaned
            if not isinstance(parsed, dict):
                self.add_error("data_json", '政策数据应为键值对象，如 {"rectification_months": 3}。')
                return cleaned
            data.update(parsed)
            from_json = set(parsed)
        for key in POLICY_FIELDS:
            value = cleaned.get(_policy_input(key))
            if value not in (None, ""):
                data[key] = value.strip()
                from_json.discard(key)
        try:
            self.policy_data = clean_policy_data(data)
        except ValidationError as error:
            for key, key_messages in error.message_dict.items():
                target = "data_json" if key in from_json or key not in POLICY_FIELDS else _policy_input(key)
                self.add_error(target, key_messages)
            return cleaned
        self.instance.data = self.policy_data
        return cleaned


PolicyVersionForm = type(
    "PolicyVersionForm",
    (PolicyVersionFormBase,),
    {
        _policy_input(key): forms.CharField(
            label=field.label,
            required=False,
            help_text=f"{key}（{_KIND_HINTS[field.kind]}）",
            widget=forms.TextInput(attrs={"size": 12 if field.kind != "text" else 24}),
        )
        for key, field in POLICY_FIELDS.items()
    },
)


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ScopedAdminMixin, ServiceSaveMixin, admin.ModelAdmin):
    """Saving an existing version creates a new one (create_policy_version); the old row is never
    written, so decisions made under it keep their numbers."""

    scope_function = staticmethod(visible_policies)
    change_roles = frozenset({Role.COMMISSION_ADMIN})
    form = PolicyVersionForm
    list_display = ("name", "region", "effective_from", "parameter_count", "created_by", "created_at")
    list_filter = (("region", admin.RelatedOnlyFieldListFilter), "effective_from")
    search_fields = ("name", "note", "region__name")
    list_select_related = ("region", "created_by")
    date_hierarchy = "effective_from"

    @admin.display(description="参数个数")
    def parameter_count(self, obj: PolicyVersion) -> int:
        return len(obj.data or {})

    def get_fieldsets(self, request, obj=None):
        head = {"fields": ("region", "name", "effective_from", "note")}
        if obj is not None:
            head = {
                "fields": ("region", "name", "effective_from", "note"),
                "description": "保存时将另存为一个新的政策版本，本版本保持不变；请修改生效日期并填写修订说明。",
            }
        fieldsets = [("政策版本", head)]
        fieldsets += [(group, {"fields": [_policy_input(k) for k in keys]}) for group, keys in _policy_groups().items()]
        fieldsets.append(("整份参数（JSON）", {"fields": ("data_json",), "classes": ("collapse",)}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return ("region",) if obj is not None else ()

    def has_delete_permission(self, request, obj=None):
        return False  # decisions point at versions; a wrong one is superseded, not removed

    def save_through_service(self, request, obj, form, change):
        version = create_policy_version(
            region=obj.region,
            name=form.cleaned_data["name"],
            effective_from=form.cleaned_data["effective_from"],
            data=form.policy_data,
            note=form.cleaned_data.get("note", ""),
            actor=request.user,
        )
        request._superseded_policy_pk = obj.pk if change else None
        adopt_saved(obj, version)

    def log_change(self, request, obj, message):
        # The row written is a new version: log it as an addition, not as a change of the old one.
        return self.log_addition(request, obj, [{"added": {}}])

    def response_change(self, request, obj):
        superseded = getattr(request, "_superseded_policy_pk", None)
        self.message_user(
            request,
            f"已另存为新的政策版本“{obj}”；原版本#{superseded}未改动。",
            messages.SUCCESS,
        )
        if "_continue" in request.POST:
            return HttpResponseRedirect(reverse("admin:personnel_policyversion_change", args=[obj.pk]))
        return HttpResponseRedirect(reverse("admin:personnel_policyversion_changelist"))


# --- accounts ------------------------------------------------------------------------------


@admin.register(User)
class UserAdmin(ScopedAdminMixin, DjangoUserAdmin):
    scope_function = staticmethod(visible_users)
    change_roles = frozenset({Role.COMMISSION_ADMIN})
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("角色与机构", {"fields": ("role", "institution", "department", "staff")}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        ("角色与机构", {"fields": ("role", "institution", "department", "staff")}),
    )
    list_display = ("username", "last_name", "first_name", "role", "institution", "department", "is_staff", "is_active")
    list_filter = ("role", "is_staff", "is_superuser", "is_active", ("institution", admin.RelatedOnlyFieldListFilter))
    search_fields = ("username", "first_name", "last_name", "email", "staff__name")
    list_select_related = ("institution", "department")
    autocomplete_fields = ("institution", "department", "staff")

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            # Only a superuser hands out admin access and permissions.
            fields += ["is_superuser", "is_staff", "groups", "user_permissions", "last_login", "date_joined"]
        return fields


@admin.register(InstitutionAPIKey)
class InstitutionAPIKeyAdmin(ScopedAdminMixin, APIKeyModelAdmin):
    """HIS keys: stored hashed, shown once on creation, revoked by ticking 已吊销 or the action."""

    scope_function = staticmethod(visible_api_keys)
    change_roles = frozenset({Role.COMMISSION_ADMIN, Role.HOSPITAL_HR})
    list_display = ("prefix", "name", "institution", "created", "expiry_date", "_has_expired", "revoked")
    list_filter = ("revoked", "created", ("institution", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "prefix", "institution__name")
    list_select_related = ("institution",)
    autocomplete_fields = ("institution",)
    fields = ("name", "institution", "prefix", "expiry_date", "revoked")
    actions = ("revoke_keys",)

    def save_model(self, request, obj, form=None, change=False):
        if obj.pk:
            obj.save()
            return
        key = self.model.objects.assign_key(obj)
        obj.save()
        self.message_user(
            request,
            f"接口密钥“{obj.name}”：{key}  请立即妥善保存，此后无法再次查看。",
            messages.WARNING,
        )

    @admin.action(description="吊销所选接口密钥", permissions=("change",))
    def revoke_keys(self, request, queryset):
        count = queryset.filter(revoked=False).update(revoked=True)
        self.message_user(request, f"已吊销{count}个接口密钥。", messages.SUCCESS)
