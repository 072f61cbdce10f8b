"""县聘乡用 API: secondments (read; the commission creates), leave and attendance (the receiving
unit's system posts them).  Rows come from secondments.selectors; writes go through services."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.response import Response

from personnel.api.mixins import ScopedReadOnlyViewSet

from .. import services
from ..models import Attendance, Leave, Secondment
from ..selectors import visible_attendance, visible_leaves, visible_secondments
from .serializers import AttendanceSerializer, LeaveSerializer, SecondmentCreateSerializer, SecondmentSerializer


@extend_schema_view(
    list=extend_schema(summary="县聘乡用列表", tags=["县聘乡用"]),
    retrieve=extend_schema(summary="县聘乡用详情", tags=["县聘乡用"]),
)
class SecondmentViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """县聘乡用：派出单位看派出人员，接收单位看接收人员，卫健委看全区。"""

    resource = "secondment"
    serializer_class = SecondmentSerializer
    filterset_fields = ["status", "reason", "dispatching_unit", "receiving_unit", "staff", "counts_as_service"]
    ordering_fields = ["start", "end"]

    def scoped_queryset(self, user) -> QuerySet[Secondment]:
        return visible_secondments(user).select_related("staff", "dispatching_unit", "receiving_unit")

    def get_serializer_class(self):
        return SecondmentCreateSerializer if self.action == "create" else SecondmentSerializer

    @extend_schema(
        summary="新增下沉安排",
        tags=["县聘乡用"],
        request=SecondmentCreateSerializer,
        responses={201: SecondmentSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        secondment = services.create_secondment(**serializer.validated_data, actor=request.user)
        data = SecondmentSerializer(secondment, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="请假列表", tags=["县聘乡用"]),
    retrieve=extend_schema(summary="请假详情", tags=["县聘乡用"]),
    create=extend_schema(summary="登记请假（超过阈值须已备案，并顺延服务期）", tags=["县聘乡用"]),
)
class LeaveViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    resource = "secondment_leave"
    serializer_class = LeaveSerializer
    filterset_fields = ["secondment"]

    def scoped_queryset(self, user) -> QuerySet[Leave]:
        return visible_leaves(user)

    def perform_create(self, serializer):
        serializer.instance = services.record_leave(**serializer.validated_data, actor=self.request.user)


@extend_schema_view(
    list=extend_schema(summary="出勤列表", tags=["县聘乡用"]),
    retrieve=extend_schema(summary="出勤详情", tags=["县聘乡用"]),
    create=extend_schema(summary="上报出勤（同一天再次上报则覆盖）", tags=["县聘乡用"]),
)
class AttendanceViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    resource = "secondment_attendance"
    serializer_class = AttendanceSerializer
    filterset_fields = ["secondment", "status", "date"]

    def scoped_queryset(self, user) -> QuerySet[Attendance]:
        return visible_attendance(user)

    def perform_create(self, serializer):
        serializer.instance = services.record_attendance(**serializer.validated_data, actor=self.request.user)
