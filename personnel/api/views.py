"""Personnel API viewsets.  Each one declares its resource (for RoleScopedPermission) and its
scoped queryset (from personnel.scoping); the shared mixins do the rest."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema, extend_schema_view

from ..disclosure import record_full_views
from ..filters import StaffFilterSet
from ..models import Department, Institution, PostQuota, Staff, Title
from ..scoping import (
    can_view_full_id,
    visible_departments,
    visible_institutions,
    visible_quotas,
    visible_staff,
    visible_titles,
)
from .mixins import ScopedWritableViewSet
from .serializers import (
    DepartmentSerializer,
    InstitutionSerializer,
    PostQuotaSerializer,
    StaffSerializer,
    TitleSerializer,
)


class InstitutionAPIKeyScheme(OpenApiAuthenticationExtension):
    """Documents `Authorization: Api-Key <key>` (HIS clients) in the OpenAPI schema."""

    target_class = "personnel.api.authentication.InstitutionAPIKeyAuthentication"
    name = "InstitutionAPIKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "接口密钥，格式为 `Api-Key <key>`；密钥绑定一个机构及其下级机构。",
        }


@extend_schema_view(
    list=extend_schema(summary="机构列表", tags=["机构"]),
    retrieve=extend_schema(summary="机构详情", tags=["机构"]),
    create=extend_schema(summary="新增机构（卫健委管理员）", tags=["机构"]),
    update=extend_schema(summary="修改机构（卫健委管理员）", tags=["机构"]),
    partial_update=extend_schema(summary="部分修改机构（卫健委管理员）", tags=["机构"]),
)
class InstitutionViewSet(ScopedWritableViewSet):
    """机构：可见范围内的机构；卫健委管理员可新增、修改（上级机构须在其管理范围内）。"""

    resource = "institution"
    serializer_class = InstitutionSerializer
    filterset_fields = ["kind", "is_remote"]
    search_fields = ["name", "code"]
    ordering_fields = ["path", "name", "code"]

    def scoped_queryset(self, user) -> QuerySet[Institution]:
        return visible_institutions(user).select_related("parent", "region")


@extend_schema_view(
    list=extend_schema(summary="科室列表", tags=["科室"]),
    retrieve=extend_schema(summary="科室详情", tags=["科室"]),
    create=extend_schema(summary="新增科室", tags=["科室"]),
    update=extend_schema(summary="修改科室", tags=["科室"]),
    partial_update=extend_schema(summary="部分修改科室", tags=["科室"]),
)
class DepartmentViewSet(ScopedWritableViewSet):
    """科室：可见范围内机构的科室。"""

    resource = "department"
    serializer_class = DepartmentSerializer
    filterset_fields = ["institution"]
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]

    def scoped_queryset(self, user) -> QuerySet[Department]:
        return visible_departments(user).select_related("institution", "head")


@extend_schema_view(
    list=extend_schema(summary="人员列表", tags=["人员"]),
    retrieve=extend_schema(summary="人员详情", tags=["人员"]),
    create=extend_schema(summary="新增人员", tags=["人员"]),
    update=extend_schema(summary="修改人员", tags=["人员"]),
    partial_update=extend_schema(summary="部分修改人员", tags=["人员"]),
)
class StaffViewSet(ScopedWritableViewSet):
    """人员：可按单位、科室、专业类别、职称级别、状态筛选，`q` 按姓名、工号或身份证号搜索。
    无“查看完整身份证号”权限时身份证号脱敏；性别、出生日期不填则按身份证号推算。"""

    resource = "staff"
    serializer_class = StaffSerializer
    filterset_class = StaffFilterSet
    search_fields = ["name", "employee_no"]
    ordering_fields = ["employee_no", "name", "updated_at"]

    def scoped_queryset(self, user) -> QuerySet[Staff]:
        return visible_staff(user).select_related("institution", "department").prefetch_related("titles")

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        user = getattr(self.request, "user", None)
        # Asked once per request, not per row: StaffSerializer masks the 身份证号 unless this holds.
        context["full_id"] = bool(user is not None and can_view_full_id(user))
        return context

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        # Records shown unmasked (a page of the list, one record, an updated record) are logged
        # as one set per response: one INSERT, whatever the page size.
        if args and args[0] is not None and serializer.context.get("full_id"):
            shown = args[0] if kwargs.get("many") else [args[0]]
            record_full_views(self.request, shown, kind="api")
        return serializer


@extend_schema_view(
    list=extend_schema(summary="职称列表", tags=["职称"]),
    retrieve=extend_schema(summary="职称详情", tags=["职称"]),
    create=extend_schema(summary="新增职称", tags=["职称"]),
    update=extend_schema(summary="修改职称", tags=["职称"]),
    partial_update=extend_schema(summary="部分修改职称", tags=["职称"]),
)
class TitleViewSet(ScopedWritableViewSet):
    """职称：可见人员的职称记录。"""

    resource = "title"
    serializer_class = TitleSerializer
    filterset_fields = ["staff", "level", "series"]
    ordering_fields = ["obtained_on", "name"]

    def scoped_queryset(self, user) -> QuerySet[Title]:
        return visible_titles(user).select_related("staff")


@extend_schema_view(
    list=extend_schema(summary="岗位结构比例列表", tags=["岗位结构比例"]),
    retrieve=extend_schema(summary="岗位结构比例详情", tags=["岗位结构比例"]),
    create=extend_schema(summary="核定岗位数（卫健委管理员）", tags=["岗位结构比例"]),
    update=extend_schema(summary="修改核定岗位数（卫健委管理员）", tags=["岗位结构比例"]),
    partial_update=extend_schema(summary="修改核定岗位数（卫健委管理员）", tags=["岗位结构比例"]),
)
class PostQuotaViewSet(ScopedWritableViewSet):
    """岗位结构比例：卫健委管理员核定；核定数不能少于已聘人数。"""

    resource = "quota"
    serializer_class = PostQuotaSerializer
    filterset_fields = ["institution", "year", "post_grade"]
    ordering_fields = ["year", "post_grade"]

    def scoped_queryset(self, user) -> QuerySet[PostQuota]:
        return visible_quotas(user).select_related("institution", "post_grade")
