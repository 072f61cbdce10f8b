"""The dashboard's figures and the reports for other systems: `/api/v1/dashboard/` and
`/api/v1/reports/<monthly|annual>/?month=…|year=…&institution=…` (the same data the .xlsx and PDF hold)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from personnel.errors import ApplicationError

from .. import figures, reports


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    kind = serializers.CharField()
    categories = serializers.ListField(child=serializers.CharField())
    series = serializers.ListField(child=serializers.DictField())
    drill = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    highlight = serializers.ListField(child=serializers.ListField(child=serializers.BooleanField()))
    note = serializers.CharField()


class ReportSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    scope = serializers.CharField()
    as_of = serializers.DateField()
    title = serializers.CharField()
    figures = FigureSerializer(many=True)


class DashboardFiguresView(APIView):
    resource = "institution"

    @extend_schema(summary="看板统计图数据（按角色范围）", responses=FigureSerializer(many=True))
    def get(self, request):
        shown = figures.dashboard(request.user, today=timezone.localdate())
        return Response([f.as_dict() for f in shown])


class ReportDataView(APIView):
    resource = "quota"

    @extend_schema(
        summary="月度/年度报告数据",
        parameters=[
            OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=["monthly", "annual"], description="报告类型"),
            OpenApiParameter("month", str, description="月度报告的月份，如 2026-03"),
            OpenApiParameter("year", str, description="年度报告的年份，如 2026"),
            OpenApiParameter("institution", int, description="机构报告：机构ID（默认本人范围的地区报告）"),
        ],
        responses=ReportSerializer,
    )
    def get(self, request, kind: str):
        raw = request.query_params.get("institution")
        try:
            institution = int(raw) if raw else None
        except ValueError as error:
            raise ApplicationError("参数“institution”应为机构ID（整数）。") from error
        report = reports.build_report(
            request.user,
            kind=kind,
            today=timezone.localdate(),
            month=request.query_params.get("month"),
            year=request.query_params.get("year"),
            institution_id=institution,
        )
        return Response(report.as_dict())
