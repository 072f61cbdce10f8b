"""Assessment API: periods (commission opens/closes/re-opens), schemes (read), results (read,
sheet save, return), HIS workload (batch POST), duty targets (read) and their quarterly milestones
(read, PATCH).  Every row comes from a scoping selector."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from appointments.models import DutyTarget
from appointments.services import set_duty_target_milestones
from personnel.api.mixins import IF_MATCH_PARAMETER, ScopedReadOnlyViewSet, compute_etag
from personnel.errors import ApplicationError
from personnel.scoping import can_change

from .. import rules, services
from ..models import Assessment, AssessmentPeriod, Scheme, TargetProgressEntry, WorkloadRecord
from ..selectors import (
    milestone_rounding,
    visible_assessments,
    visible_duty_targets,
    visible_periods,
    visible_progress_entries,
    visible_schemes,
    visible_workload,
)
from .serializers import (
    AssessmentSerializer,
    DutyTargetSerializer,
    MilestonesInputSerializer,
    MilestonesSerializer,
    PeriodOpenSerializer,
    PeriodSerializer,
    ProgressBatchSerializer,
    ProgressResultSerializer,
    ReasonSerializer,
    SchemeSerializer,
    SheetResultSerializer,
    SheetSerializer,
    TargetProgressSerializer,
    WorkloadBatchSerializer,
    WorkloadRecordSerializer,
    WorkloadResultSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="考核期间", tags=["考核"]), retrieve=extend_schema(summary="考核期间详情", tags=["考核"])
)
class PeriodViewSet(ScopedReadOnlyViewSet):
    resource = "period"
    serializer_class = PeriodSerializer
    filterset_fields = ["kind", "year", "status"]

    def scoped_queryset(self, user) -> QuerySet[AssessmentPeriod]:
        return visible_periods(user).order_by("-start", "kind")

    def get_serializer_class(self):
        if self.action == "create":
            return PeriodOpenSerializer
        if self.action == "reopen":
            return ReasonSerializer
        return PeriodSerializer

    @extend_schema(
        summary="开启考核期间（卫健委）", tags=["考核"], request=PeriodOpenSerializer, responses={201: PeriodSerializer}
    )
    def create(self, request, *args, **kwargs):
        serializer = PeriodOpenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        period = services.open_period(
            region=request.user.institution.region, actor=request.user, **serializer.validated_data
        )
        return Response(PeriodSerializer(period).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="关闭考核期间", tags=["考核"], request=None, responses={200: PeriodSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        period = services.close_period(period=self.get_object(), actor=request.user)
        return Response(PeriodSerializer(period).data)

    @extend_schema(
        summary="重新开启考核期间（须说明理由）",
        tags=["考核"],
        request=ReasonSerializer,
        responses={200: PeriodSerializer},
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request, *args, **kwargs):
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        period = services.reopen_period(period=self.get_object(), actor=request.user, **serializer.validated_data)
        return Response(PeriodSerializer(period).data)


@extend_schema_view(
    list=extend_schema(summary="考核方案（含项目与等次分数线）", tags=["考核"]),
    retrieve=extend_schema(summary="考核方案详情", tags=["考核"]),
)
class SchemeViewSet(ScopedReadOnlyViewSet):
    resource = "scheme"
    serializer_class = SchemeSerializer
    filterset_fields = ["kind", "code"]

    def scoped_queryset(self, user) -> QuerySet[Scheme]:
        return visible_schemes(user).prefetch_related("items", "bands").order_by("code", "-version")


@extend_schema_view(
    list=extend_schema(summary="考核结果", tags=["考核"]), retrieve=extend_schema(summary="考核结果详情", tags=["考核"])
)
class AssessmentViewSet(ScopedReadOnlyViewSet):
    resource = "assessment"
    serializer_class = AssessmentSerializer
    filterset_fields = ["period", "staff", "grade", "status"]

    def scoped_queryset(self, user) -> QuerySet[Assessment]:
        return visible_assessments(user).select_related("period", "staff", "scheme").order_by("-period__start", "pk")

    def get_serializer_class(self):
        if self.action == "sheet":
            return SheetSerializer
        if self.action == "return_for_correction":
            return ReasonSerializer
        return AssessmentSerializer

    @extend_schema(
        summary="保存评分表（草稿或提交）",
        description="整表校验：任何一行有错（超出满分、不在管理范围、已提交、已被他人修改）则全部不保存，"
        "返回400及逐行错误。每行带读取时的 version（新录入为0），过期的 version 会被拒绝。",
        tags=["考核"],
        request=SheetSerializer,
        responses={200: SheetResultSerializer},
    )
    @action(detail=False, methods=["post"])
    def sheet(self, request, *args, **kwargs):
        serializer = SheetSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        rows = [
            services.ScoreRow(
                staff_id=r["staff"], scores=r["scores"], version=r["version"], total=r["total"], grade=r["grade"], ref=i
            )
            for i, r in enumerate(data["rows"])
        ]
        result = services.save_scores(period=data["period"], actor=request.user, rows=rows, submit=data["submit"])
        return Response(SheetResultSerializer(result).data)

    @extend_schema(
        summary="退回已提交的成绩（上级，须说明理由）",
        tags=["考核"],
        request=ReasonSerializer,
        responses={200: AssessmentSerializer},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_correction(self, request, *args, **kwargs):
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        assessment = services.return_assessment(
            assessment=self.get_object(), actor=request.user, **serializer.validated_data
        )
        return Response(AssessmentSerializer(assessment).data)


@extend_schema_view(
    list=extend_schema(summary="工作量记录", tags=["HIS工作量"]),
    retrieve=extend_schema(summary="工作量记录详情", tags=["HIS工作量"]),
)
class WorkloadViewSet(ScopedReadOnlyViewSet):
    resource = "workload"
    serializer_class = WorkloadRecordSerializer
    parser_classes = [JSONParser]
    filterset_fields = ["staff", "date"]

    def scoped_queryset(self, user) -> QuerySet[WorkloadRecord]:
        return visible_workload(user).select_related("metric", "staff").order_by("-date", "-id")

    @extend_schema(
        summary="报送工作量（HIS，一批最多10000条）",
        description="按（机构，来源记录号）幂等：重发的记录不会重复计入。整批先校验：任何一条有错则整批不写入，"
        "返回400及每条错误（index 为记录在批中的序号）。也可直接提交记录数组。",
        tags=["HIS工作量"],
        request=WorkloadBatchSerializer,
        responses={201: WorkloadResultSerializer, 200: WorkloadResultSerializer, 400: WorkloadResultSerializer},
    )
    def create(self, request, *args, **kwargs):
        payload = request.data
        records = payload.get("records") if isinstance(payload, dict) else payload
        if not isinstance(records, list):
            raise ApplicationError('请求体应为 {"records": [...]} 或记录数组。')
        institution = getattr(request.user, "institution", None)
        if institution is None or not can_change(request.user, "workload"):
            raise PermissionDenied("当前角色无权报送工作量。")
        result = services.ingest_workload(institution=institution, records=records, actor=request.user)
        if result.errors:
            body = {"detail": f"有{len(result.errors)}条记录不正确，整批未写入。", **result.as_dict()}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(result.as_dict(), status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(summary="必尽任务月度进度", tags=["考核"]),
    retrieve=extend_schema(summary="必尽任务月度进度详情", tags=["考核"]),
)
class TargetProgressViewSet(ScopedReadOnlyViewSet):
    resource = "assessment"
    serializer_class = TargetProgressSerializer
    filterset_fields = ["target", "month"]

    def scoped_queryset(self, user) -> QuerySet[TargetProgressEntry]:
        return visible_progress_entries(user).select_related("target__appointment").order_by("-month", "target_id")

    @extend_schema(
        summary="录入本月必尽任务进度（科室主任/人事）",
        description="整批校验：任何一项有错（非数字、负数、不在聘期、本月考核已关闭、已被他人修改）则全部不保存，"
        "返回400及逐项错误；不在管理范围内的任务返回404。expected 为读取时的数量（空字符串表示未录入）。",
        tags=["考核"],
        request=ProgressBatchSerializer,
        responses={200: ProgressResultSerializer, 404: None},
    )
    def create(self, request, *args, **kwargs):
        serializer = ProgressBatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        rows = [
            services.ProgressRow(target_id=e["target"], quantity=e["quantity"], expected=e["expected"], ref=i)
            for i, e in enumerate(data["entries"])
        ]
        try:
            result = services.save_target_progress(month=data["month"], actor=request.user, rows=rows)
        except services.TargetOutOfScope as error:
            raise NotFound(error.message) from error
        return Response(ProgressResultSerializer(result).data)


# --- Duty targets and their quarterly milestones --------------------------------------------------


def milestone_schedule(target: DutyTarget) -> dict:
    """The milestones representation of a target (what GET returns and what its ETag covers)."""
    appointment = target.appointment
    quarters = rules.term_quarters(appointment.start, appointment.end)
    shares = list(target.milestones or [])
    rounding = milestone_rounding(appointment.policy)
    amounts = rules.quarterly_milestones(target.target_total, quarters, shares or None, rounding)
    schedule = []
    for quarter in range(1, quarters + 1):
        end = min(appointment.start + relativedelta(months=3 * quarter) - dt.timedelta(days=1), appointment.end)
        if quarter == quarters:
            share = Decimal(1)
        elif shares:
            share = Decimal(str(shares[min(quarter, len(shares)) - 1]))
        else:
            share = Decimal(quarter) / quarters
        schedule.append(
            {"quarter": quarter, "end": end, "share": share.quantize(FOUR_PLACES), "due": amounts[quarter - 1]}
        )
    return MilestonesSerializer(
        {
            "target": target.pk,
            "target_total": target.target_total,
            "quarters": quarters,
            "pro_rata": not shares,
            "rounding": rounding,
            "shares": [str(s) for s in shares],
            "schedule": schedule,
        }
    ).data


FOUR_PLACES = Decimal("0.0001")


def parse_shares(values, *, quarters: int) -> list[str]:
    """Cumulative shares as the client sent them → the stored strings; every bad entry is named
    (the service then checks that they do not fall)."""
    if not values:
        return []
    problems = []
    if len(values) > quarters:
        problems.append(f"聘期共{quarters}个季度，最多填写{quarters}项，收到{len(values)}项。")
    shares = []
    for index, text in enumerate(values, start=1):
        try:
            share = Decimal(str(text).strip())
            if not share.is_finite() or not Decimal(0) <= share <= Decimal(1):
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            problems.append(f"第{index}季度的累计比例“{text}”应为0到1之间的数字（如0.25表示25%）。")
            continue
        shares.append(share)
    if not problems and len(shares) == quarters and shares[-1] != 1:
        problems.append(f"第{quarters}季度（聘期末）须完成全部任务，累计比例应为1；也可只填前{quarters - 1}项。")
    if problems:
        raise ApplicationError(problems[0], {"shares": problems})
    return [f"{share.quantize(FOUR_PLACES).normalize():f}" for share in shares]


@extend_schema_view(
    list=extend_schema(summary="高职称必尽任务", tags=["考核"]),
    retrieve=extend_schema(summary="必尽任务详情", tags=["考核"]),
)
class DutyTargetViewSet(ScopedReadOnlyViewSet):
    """Each senior appointment's duty targets (read); the quarterly milestones are edited through
    `milestones/` by the institution's HR or the commission (If-Match honoured)."""

    resource = "duty_target"
    serializer_class = DutyTargetSerializer
    filterset_fields = ["appointment", "appointment__staff", "code"]

    def scoped_queryset(self, user) -> QuerySet[DutyTarget]:
        return (
            visible_duty_targets(user)
            .select_related("appointment__staff", "appointment__policy")
            .order_by("appointment_id", "order", "code")
        )

    def get_serializer_class(self):
        if self.action == "milestones":
            return MilestonesInputSerializer if self.request.method == "PATCH" else MilestonesSerializer
        return DutyTargetSerializer

    def current_etag(self, instance) -> str:
        if self.action == "milestones":
            return compute_etag(milestone_schedule(instance))
        return super().current_etag(instance)

    @extend_schema(
        methods=["GET"],
        summary="必尽任务的季度节点",
        description="累计比例 shares（空为按聘期平均）及各季度末应累计完成的数量（按政策的取整方式）。返回 ETag。",
        tags=["考核"],
        responses={200: MilestonesSerializer},
    )
    @extend_schema(
        methods=["PATCH"],
        summary="修改必尽任务的季度节点（本单位人事、卫健委）",
        description="shares 为按季度累计的完成比例（0–1，逐季不减）；空数组恢复按聘期平均分配。"
        "带 If-Match 时数据已被他人修改则返回412；有错返回400及中文说明，不写入。",
        tags=["考核"],
        parameters=[IF_MATCH_PARAMETER],
        request=MilestonesInputSerializer,
        responses={200: MilestonesSerializer},
    )
    @action(detail=True, methods=["get", "patch"])
    def milestones(self, request, *args, **kwargs):
        target = self.get_object()  # a PATCH with a stale If-Match is refused here (412)
        if request.method == "PATCH":
            serializer = MilestonesInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            quarters = rules.term_quarters(target.appointment.start, target.appointment.end)
            shares = parse_shares(serializer.validated_data.get("shares"), quarters=quarters)
            target = set_duty_target_milestones(target=target, milestones=shares, actor=request.user)
        data = milestone_schedule(target)
        return Response(data, headers={"ETag": compute_etag(data)})
