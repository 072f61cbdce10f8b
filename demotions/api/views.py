"""能上能下 API: demotion cases (scoped read; each step a POST action calling demotions.services),
rectifications (read) and conduct events (read, record).  A case outside the caller's scope is a
404; a step the caller's role may not take is a 403; a refused input is a 400 with the service's
Chinese message, and nothing is written."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from personnel.api.mixins import ScopedReadOnlyViewSet
from publicity.models import Objection

from .. import services
from ..models import ConductEvent, DemotionCase, Rectification
from ..restoration import propose_restoration
from ..selectors import visible_cases, visible_events, visible_rectifications
from .serializers import (
    AnswerSerializer,
    ApproveSerializer,
    AssessSerializer,
    BallotsSerializer,
    ConductEventCreateSerializer,
    ConductEventSerializer,
    DecideSerializer,
    DemotionCaseDetailSerializer,
    DemotionCaseSerializer,
    DismissSerializer,
    EndPublicitySerializer,
    EvidenceSerializer,
    EvidenceUploadSerializer,
    ExecuteSerializer,
    ObjectionCreateSerializer,
    ObjectionSerializer,
    ProposeSerializer,
    RectificationSerializer,
    RestorationSerializer,
    ReviewSerializer,
    StartPublicitySerializer,
    TallySerializer,
)

TAGS = ["能上能下"]

_INPUTS = {
    "propose": ProposeSerializer,
    "evidence": EvidenceUploadSerializer,
    "review": ReviewSerializer,
    "ballots": BallotsSerializer,
    "assess": AssessSerializer,
    "decide": DecideSerializer,
    "start_publicity": StartPublicitySerializer,
    "objections": ObjectionCreateSerializer,
    "answer_objection": AnswerSerializer,
    "end_publicity": EndPublicitySerializer,
    "approve": ApproveSerializer,
    "execute": ExecuteSerializer,
    "dismiss": DismissSerializer,
    "propose_restoration": RestorationSerializer,
}


def _step(summary: str, request, responses=None):
    return extend_schema(
        summary=summary, tags=TAGS, request=request, responses=responses or {200: DemotionCaseDetailSerializer}
    )


@extend_schema_view(
    list=extend_schema(summary="高职低聘案件", tags=TAGS),
    retrieve=extend_schema(summary="高职低聘案件详情（含民主测评汇总、公示、材料、办理记录）", tags=TAGS),
)
class DemotionCaseViewSet(ScopedReadOnlyViewSet):
    """Cases of the caller's scope: the commission its region, HR its institutions, a department
    head their department's people, a staff member their own."""

    resource = "demotion_case"
    serializer_class = DemotionCaseSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filterset_fields = ["state", "institution", "trigger", "kind", "staff", "follow_up"]
    ordering_fields = ["opened_on", "state_changed_at", "step_due"]
    search_fields = ["staff__name", "staff__employee_no"]

    def scoped_queryset(self, user) -> QuerySet[DemotionCase]:
        return (
            visible_cases(user)
            .select_related("staff", "institution", "appointment__post_grade", "decided_grade")
            .order_by("-opened_on", "-id")
        )

    def get_serializer_class(self):
        if self.action in _INPUTS:
            return _INPUTS[self.action]
        if self.action == "list":
            return DemotionCaseSerializer
        return DemotionCaseDetailSerializer

    # --- helpers

    def _input(self, request) -> dict:
        """The step's input, shape-checked (multipart `files` arrive as a list)."""
        serializer = self.get_serializer_class()(data=request.data)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _run(self, fn, **kwargs):
        try:
            return fn(**kwargs)
        except services.StepNotPermitted as refused:
            raise PermissionDenied(refused.message) from refused

    def _case_response(self, case, code=status.HTTP_200_OK) -> Response:
        case = self.scoped_queryset(self.request.user).get(pk=case.pk)
        return Response(DemotionCaseDetailSerializer(case, context=self.get_serializer_context()).data, status=code)

    # --- steps

    @_step("提议（党支部：理由与证明材料，可用 multipart 上传 files）", ProposeSerializer)
    @action(detail=True, methods=["post"])
    def propose(self, request, *args, **kwargs):
        data = self._input(request)
        case = self._run(
            services.propose_case,
            case=self.get_object(),
            actor=request.user,
            reasons=data["reasons"],
            files=data["files"],
        )
        return self._case_response(case)

    @_step(
        "上传案件材料（PDF/JPG/PNG/DOCX/XLSX，每个不超过20MB）",
        EvidenceUploadSerializer,
        {201: EvidenceSerializer(many=True)},
    )
    @action(detail=True, methods=["post"])
    def evidence(self, request, *args, **kwargs):
        data = self._input(request)
        stored = self._run(services.add_evidence, case=self.get_object(), actor=request.user, **data)
        return Response(EvidenceSerializer(stored, many=True).data, status=status.HTTP_201_CREATED)

    @_step("资格审查（不通过则终止案件）", ReviewSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, *args, **kwargs):
        case = self._run(services.review_case, case=self.get_object(), actor=request.user, **self._input(request))
        return self._case_response(case)

    @_step("录入民主测评（按类别的得分，不记录测评人；返回汇总）", BallotsSerializer, {200: TallySerializer})
    @action(detail=True, methods=["post"])
    def ballots(self, request, *args, **kwargs):
        tally = self._run(services.record_ballots, case=self.get_object(), actor=request.user, **self._input(request))
        return Response(TallySerializer(tally).data)

    @_step("综合考核（量化考核权重不低于政策规定，三项权重之和为1）", AssessSerializer)
    @action(detail=True, methods=["post"])
    def assess(self, request, *args, **kwargs):
        case = self._run(services.assess_case, case=self.get_object(), actor=request.user, **self._input(request))
        return self._case_response(case)

    @_step("党委会议决定（不予低聘则终止案件）", DecideSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, *args, **kwargs):
        case = self._run(services.decide_case, case=self.get_object(), actor=request.user, **self._input(request))
        return self._case_response(case)

    @_step("发起公示（工作日按国家法定节假日安排计算）", StartPublicitySerializer)
    @action(detail=True, methods=["post"], url_path="start-publicity")
    def start_publicity(self, request, *args, **kwargs):
        case = self.get_object()
        self._run(services.start_case_publicity, case=case, actor=request.user, **self._input(request))
        return self._case_response(case)

    @_step("登记公示异议", ObjectionCreateSerializer, {201: ObjectionSerializer})
    @action(detail=True, methods=["post"])
    def objections(self, request, *args, **kwargs):
        objection = self._run(
            services.lodge_case_objection, case=self.get_object(), actor=request.user, **self._input(request)
        )
        context = self.get_serializer_context()
        return Response(ObjectionSerializer(objection, context=context).data, status=status.HTTP_201_CREATED)

    @_step("答复公示异议", AnswerSerializer, {200: ObjectionSerializer})
    @action(detail=True, methods=["post"], url_path=r"objections/(?P<objection_id>[0-9]+)/answer")
    def answer_objection(self, request, objection_id=None, *args, **kwargs):
        case = self.get_object()
        objection = get_object_or_404(Objection, pk=objection_id, publicity__demotion_case=case)
        objection = self._run(
            services.answer_case_objection, objection=objection, actor=request.user, **self._input(request)
        )
        return Response(ObjectionSerializer(objection, context=self.get_serializer_context()).data)

    @_step("结束公示（最后一个工作日之后，异议均已答复）", EndPublicitySerializer)
    @action(detail=True, methods=["post"], url_path="end-publicity")
    def end_publicity(self, request, *args, **kwargs):
        case = self._run(
            services.end_case_publicity, case=self.get_object(), actor=request.user, **self._input(request)
        )
        return self._case_response(case)

    @_step("卫健委审批", ApproveSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        case = self._run(services.approve_case, case=self.get_object(), actor=request.user, **self._input(request))
        return self._case_response(case)

    @_step("执行（终止原聘任，按决定的岗位等级聘任，受岗位结构比例限制）", ExecuteSerializer)
    @action(detail=True, methods=["post"])
    def execute(self, request, *args, **kwargs):
        case = self.get_object()
        self._run(services.execute_case, case=case, actor=request.user, **self._input(request))
        return self._case_response(case)

    @_step("终止案件（须说明理由）", DismissSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, *args, **kwargs):
        case = self._run(services.dismiss_case, case=self.get_object(), actor=request.user, **self._input(request))
        return self._case_response(case)

    @_step(
        "提议恢复聘任（已执行的高职低聘案件，低聘后考核合格并完成低聘岗位任务）",
        RestorationSerializer,
        {201: DemotionCaseDetailSerializer},
    )
    @action(detail=True, methods=["post"], url_path="propose-restoration")
    def propose_restoration(self, request, *args, **kwargs):
        restoration = self._run(
            propose_restoration, demotion_case=self.get_object(), actor=request.user, **self._input(request)
        )
        return self._case_response(restoration, code=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary="整改", tags=TAGS), retrieve=extend_schema(summary="整改详情", tags=TAGS)
)
class RectificationViewSet(ScopedReadOnlyViewSet):
    resource = "rectification"
    serializer_class = RectificationSerializer
    filterset_fields = ["status", "staff", "period"]
    ordering_fields = ["deadline", "opened_on"]

    def scoped_queryset(self, user) -> QuerySet[Rectification]:
        return (
            visible_rectifications(user)
            .select_related("staff", "period")
            .prefetch_related("items__target")
            .order_by("deadline", "id")
        )


@extend_schema_view(
    list=extend_schema(summary="履职事件", tags=TAGS),
    retrieve=extend_schema(summary="履职事件详情", tags=TAGS),
    create=extend_schema(
        summary="登记履职事件（随即对该人员执行规则核查）",
        tags=TAGS,
        request=ConductEventCreateSerializer,
        responses={201: ConductEventSerializer},
    ),
)
class ConductEventViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    resource = "conduct_event"
    serializer_class = ConductEventSerializer
    filterset_fields = ["kind", "staff"]

    def scoped_queryset(self, user) -> QuerySet[ConductEvent]:
        return visible_events(user).select_related("staff").order_by("-date", "-id")

    def get_serializer_class(self):
        return ConductEventCreateSerializer if self.action == "create" else ConductEventSerializer

    def create(self, request, *args, **kwargs):
        serializer = ConductEventCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        try:
            event = services.record_event(actor=request.user, **serializer.validated_data)
        except services.StepNotPermitted as refused:
            raise PermissionDenied(refused.message) from refused
        return Response(ConductEventSerializer(event).data, status=status.HTTP_201_CREATED)
