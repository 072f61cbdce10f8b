"""Appointment API: list and retrieve the caller's scope; create and end through the services."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from personnel.api.mixins import ScopedReadOnlyViewSet

from .. import services
from ..models import Appointment
from ..selectors import visible_appointments
from .serializers import AppointmentCreateSerializer, AppointmentEndSerializer, AppointmentSerializer


@extend_schema_view(
    list=extend_schema(summary="聘任列表", tags=["聘任"]),
    retrieve=extend_schema(summary="聘任详情", tags=["聘任"]),
)
class AppointmentViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """聘任：新增时校验在岗状态、在聘唯一和岗位结构比例（特设岗位除外）；不可修改，只能终止。"""

    resource = "appointment"
    serializer_class = AppointmentSerializer
    filterset_fields = ["status", "kind", "institution", "post_grade", "staff"]
    ordering_fields = ["start", "end", "created_at"]

    def scoped_queryset(self, user) -> QuerySet[Appointment]:
        return visible_appointments(user).select_related("staff", "institution", "post_grade")

    def get_serializer_class(self):
        if self.action == "create":
            return AppointmentCreateSerializer
        if self.action == "end":
            return AppointmentEndSerializer
        return AppointmentSerializer

    def _output(self, appointment: Appointment, status_code: int) -> Response:
        data = AppointmentSerializer(appointment, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    @extend_schema(
        summary="新增聘任（校验岗位结构比例）",
        tags=["聘任"],
        request=AppointmentCreateSerializer,
        responses={201: AppointmentSerializer},
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment = services.create_appointment(**serializer.validated_data, actor=request.user)
        return self._output(appointment, status.HTTP_201_CREATED)

    @extend_schema(
        summary="终止聘任",
        tags=["聘任"],
        request=AppointmentEndSerializer,
        responses={200: AppointmentSerializer},
    )
    @action(detail=True, methods=["post"])
    def end(self, request, *args, **kwargs):
        appointment = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        appointment = services.end_appointment(appointment=appointment, **serializer.validated_data, actor=request.user)
        return self._output(appointment, status.HTTP_200_OK)
