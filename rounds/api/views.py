"""聘任轮次 API: rounds (the commission opens, proposes), applications (apply, qualify, ballots, score,
withdraw), the proposed lists (publicity through publicity.services, approval), the candidates
(ending decisions) and agreements (generate, PDF, sign).  Rows from rounds.selectors; every write
through rounds.services."""

from __future__ import annotations

from urllib.parse import quote

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from personnel.api.mixins import ScopedReadOnlyViewSet
from personnel.errors import ApplicationError
from personnel.scoping import visible_institutions
from personnel.watermark import Watermark
from publicity import services as publicity_services
from publicity.models import Objection

from .. import services
from ..agreements import agreement_pdf, file_response, scan_response
from ..choices import ApplicationStatus
from ..models import Agreement, Application, AppointmentRound, ProposedList, RoundCandidate
from ..permissions import require_step
from ..selectors import (
    vacancies,
    visible_agreements,
    visible_applications,
    visible_candidates,
    visible_lists,
    visible_rounds,
)
from .serializers import (
    AgreementSerializer,
    AgreementSignSerializer,
    ApplicationDetailSerializer,
    ApplicationSerializer,
    ApplySerializer,
    CandidateSerializer,
    EndingDecisionInputSerializer,
    GenerateAgreementSerializer,
    ProposedListSerializer,
    RoundAnswerSerializer,
    RoundBallotsSerializer,
    RoundEndPublicitySerializer,
    RoundEvidenceUploadSerializer,
    RoundListApproveSerializer,
    RoundObjectionSerializer,
    RoundOpenSerializer,
    RoundProposeSerializer,
    RoundQualifySerializer,
    RoundScoreSerializer,
    RoundSerializer,
    RoundStartPublicitySerializer,
    RoundVacancySerializer,
    RoundWithdrawSerializer,
)

TAG = "聘任轮次"


def _valid(serializer_class, request, view):
    serializer = serializer_class(data=request.data, context=view.get_serializer_context())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema_view(
    list=extend_schema(summary="聘任轮次列表", tags=[TAG]), retrieve=extend_schema(summary="聘任轮次详情", tags=[TAG])
)
class RoundViewSet(ScopedReadOnlyViewSet):
    resource = "round"
    serializer_class = RoundSerializer
    filterset_fields = ["year", "status"]

    def scoped_queryset(self, user) -> QuerySet[AppointmentRound]:
        return visible_rounds(user).select_related("region").order_by("-year", "pk")

    @extend_schema(
        summary="启动聘任轮次（卫健委；年度考核通报后）",
        tags=[TAG],
        request=RoundOpenSerializer,
        responses={201: RoundSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = _valid(RoundOpenSerializer, request, self)
        institution = getattr(request.user, "institution", None)
        if institution is None:
            raise ApplicationError("当前用户没有所属机构，无法确定地区。")
        round_ = services.open_round(region=institution.region, actor=request.user, **data)
        return Response(RoundSerializer(round_).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="各机构各等级岗位空缺", tags=[TAG], responses={200: RoundVacancySerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def vacancies(self, request, *args, **kwargs):
        round_ = self.get_object()
        allowed = set(visible_institutions(request.user).values_list("pk", flat=True))
        rows = [v for v in vacancies(round_) if v.institution_id in allowed]
        return Response(RoundVacancySerializer(rows, many=True).data)

    @extend_schema(
        summary="结束聘任轮次（卫健委；每位纳入人员均已签约或已登记期满处理）",
        tags=[TAG],
        request=None,
        responses={200: RoundSerializer},
    )
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        return Response(RoundSerializer(services.close_round(round=self.get_object(), actor=request.user)).data)

    @extend_schema(
        summary="排名并拟定某机构的拟聘任名单（卫健委）",
        description="同一机构同一岗位等级的候选人按政策规定的比较顺序排名，拟聘人数不超过空缺岗位数；"
        "在截止线上经规则比较仍并列的，均不拟聘。名单公示前可重新排名。",
        tags=[TAG],
        request=RoundProposeSerializer,
        responses={200: ProposedListSerializer},
    )
    @action(detail=True, methods=["post"])
    def propose(self, request, *args, **kwargs):
        data = _valid(RoundProposeSerializer, request, self)
        lst = services.propose(round=self.get_object(), actor=request.user, **data)
        return Response(ProposedListSerializer(lst).data)


@extend_schema_view(
    list=extend_schema(
        summary="本轮涉及人员（聘期届满、可恢复聘任）",
        description="?undecided=true 只列出既未签约也未登记期满处理的人员。",
        parameters=[OpenApiParameter("undecided", OpenApiTypes.BOOL, description="只看待落实人员")],
        tags=[TAG],
    ),
    retrieve=extend_schema(summary="本轮涉及人员详情", tags=[TAG]),
)
class CandidateViewSet(ScopedReadOnlyViewSet):
    resource = "round_application"
    serializer_class = CandidateSerializer
    filterset_fields = ["round", "institution", "source"]

    def scoped_queryset(self, user) -> QuerySet[RoundCandidate]:
        qs = (
            visible_candidates(user)
            .select_related("staff", "institution", "appointment__post_grade", "ending_decision")
            .order_by("round_id", "institution_id", "pk")
        )
        request = getattr(self, "request", None)
        if request is not None and request.query_params.get("undecided") in ("1", "true"):
            # Neither signed in the round nor given an ending decision: the people still to settle.
            signed = Application.objects.filter(
                round=OuterRef("round"), staff=OuterRef("staff"), status=ApplicationStatus.SIGNED
            )
            qs = qs.filter(ending_decision__isnull=True).exclude(Exists(signed))
        return qs

    @extend_schema(
        summary="登记期满未续聘处理（低聘岗位、特设岗位或其他）",
        tags=[TAG],
        request=EndingDecisionInputSerializer,
        responses={201: CandidateSerializer},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, *args, **kwargs):
        data = _valid(EndingDecisionInputSerializer, request, self)
        candidate = self.get_object()
        services.record_ending_decision(candidate=candidate, actor=request.user, **data)
        return Response(CandidateSerializer(self.get_queryset().get(pk=candidate.pk)).data, status=201)


@extend_schema_view(
    list=extend_schema(summary="聘任申报列表", tags=[TAG]), retrieve=extend_schema(summary="聘任申报详情", tags=[TAG])
)
class ApplicationViewSet(ScopedReadOnlyViewSet):
    """职工看本人申报，医院人事看本单位（含下级），卫健委看全区。"""

    resource = "round_application"
    serializer_class = ApplicationSerializer
    filterset_fields = ["round", "institution", "post_grade", "status", "source", "staff"]
    ordering_fields = ["rank", "combined_score", "applied_on"]

    def scoped_queryset(self, user) -> QuerySet[Application]:
        return (
            visible_applications(user)
            .select_related("staff", "institution", "post_grade")
            .order_by("round_id", "institution_id", "post_grade_id", "rank", "pk")
        )

    def get_serializer_class(self):
        return ApplicationDetailSerializer if self.action == "retrieve" else ApplicationSerializer

    def _detail(self, application) -> Response:
        fresh = self.get_queryset().get(pk=application.pk)
        return Response(ApplicationDetailSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="申报（职工本人，或人事、卫健委代为申报）",
        description="自动附上当前聘期的必尽任务完成情况。政策规定职称为岗位聘任前提时（round_title_required=1），"
        "申报高于现有职称级别的岗位会被拒绝；双自主（=0）时允许，但岗位数仍然约束。",
        tags=[TAG],
        request=ApplySerializer,
        responses={201: ApplicationDetailSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = _valid(ApplySerializer, request, self)
        application = services.apply(actor=request.user, **data)
        response = self._detail(application)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(
        summary="资格审查（人事/卫健委）",
        tags=[TAG],
        request=RoundQualifySerializer,
        responses={200: ApplicationDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def qualify(self, request, *args, **kwargs):
        data = _valid(RoundQualifySerializer, request, self)
        return self._detail(services.qualify(application=self.get_object(), actor=request.user, **data))

    @extend_schema(
        summary="录入民主评议票（不记名，只显示按类别汇总）",
        tags=[TAG],
        request=RoundBallotsSerializer,
        responses={200: ApplicationDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def ballots(self, request, *args, **kwargs):
        data = _valid(RoundBallotsSerializer, request, self)
        application = self.get_object()
        services.record_ballots(
            application=application,
            ballots=[(b["group"], b["score"]) for b in data["ballots"]],
            actor=request.user,
        )
        return self._detail(application)

    @extend_schema(
        summary="录入综合考核得分（量化权重不低于政策规定，三项权重之和为1）",
        tags=[TAG],
        request=RoundScoreSerializer,
        responses={200: ApplicationDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def score(self, request, *args, **kwargs):
        data = _valid(RoundScoreSerializer, request, self)
        return self._detail(services.score(application=self.get_object(), actor=request.user, **data))

    @extend_schema(
        summary="上传佐证材料（申报人本人、人事或卫健委；综合考核前）",
        tags=[TAG],
        request={"multipart/form-data": RoundEvidenceUploadSerializer},
        responses={201: ApplicationDetailSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser], url_path="evidence")
    def upload_evidence(self, request, *args, **kwargs):
        data = _valid(RoundEvidenceUploadSerializer, request, self)
        application = self.get_object()
        services.add_evidence(application=application, actor=request.user, **data)
        response = self._detail(application)
        response.status_code = status.HTTP_201_CREATED
        return response

    # The stored file's own type (from its suffix: PDF, JPEG, PNG …), so the schema says any.
    @extend_schema(summary="下载佐证材料", tags=[TAG], responses={(200, "*/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_id>\d+)")
    def download_evidence(self, request, *args, **kwargs):
        application = self.get_object()
        evidence = application.evidence.filter(pk=kwargs["evidence_id"]).first()
        if evidence is None:
            raise NotFound("佐证材料不存在。")
        return file_response(evidence.file, evidence.name)

    @extend_schema(
        summary="撤回申报", tags=[TAG], request=RoundWithdrawSerializer, responses={200: ApplicationDetailSerializer}
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        data = _valid(RoundWithdrawSerializer, request, self)
        return self._detail(services.withdraw(application=self.get_object(), actor=request.user, **data))


@extend_schema_view(
    list=extend_schema(summary="拟聘任名单", tags=[TAG]), retrieve=extend_schema(summary="拟聘任名单详情", tags=[TAG])
)
class ProposedListViewSet(ScopedReadOnlyViewSet):
    resource = "round"
    serializer_class = ProposedListSerializer
    filterset_fields = ["round", "institution", "status"]

    def scoped_queryset(self, user) -> QuerySet[ProposedList]:
        return (
            visible_lists(user)
            .select_related("institution")
            .prefetch_related("publicities")
            .order_by("round_id", "institution_id")
        )

    def _out(self, lst) -> Response:
        return Response(ProposedListSerializer(self.get_queryset().get(pk=lst.pk)).data)

    @extend_schema(
        summary="发起名单公示（按政策公示工作日数）",
        tags=[TAG],
        request=RoundStartPublicitySerializer,
        responses={200: ProposedListSerializer},
    )
    @action(detail=True, methods=["post"], url_path="start-publicity")
    def start_publicity(self, request, *args, **kwargs):
        data = _valid(RoundStartPublicitySerializer, request, self)
        lst = self.get_object()
        services.start_list_publicity(proposed_list=lst, actor=request.user, **data)
        return self._out(lst)

    @extend_schema(summary="登记公示异议", tags=[TAG], request=RoundObjectionSerializer, responses={201: None})
    @action(detail=True, methods=["post"])
    def objections(self, request, *args, **kwargs):
        data = _valid(RoundObjectionSerializer, request, self)
        lst = self.get_object()
        publicity = services.running_publicity(lst)
        if publicity is None:
            raise ApplicationError("名单没有进行中的公示，不能登记异议。")
        require_step(request.user, "lodge_objection")
        objection = publicity_services.lodge_objection(publicity=publicity, actor=request.user, **data)
        return Response({"id": objection.pk}, status=status.HTTP_201_CREATED)

    @extend_schema(summary="答复公示异议", tags=[TAG], request=RoundAnswerSerializer, responses={200: None})
    @action(detail=True, methods=["post"])
    def answer(self, request, *args, **kwargs):
        data = _valid(RoundAnswerSerializer, request, self)
        lst = self.get_object()
        require_step(request.user, "answer_objection")
        objection = Objection.objects.filter(pk=data["objection"], publicity__round_list=lst).first()
        if objection is None:
            raise ApplicationError("该异议不属于本名单的公示。")
        publicity_services.answer_objection(objection=objection, answer=data["answer"], actor=request.user)
        return Response({"id": objection.pk})

    @extend_schema(
        summary="结束名单公示（期满且异议均已答复）",
        tags=[TAG],
        request=RoundEndPublicitySerializer,
        responses={200: ProposedListSerializer},
    )
    @action(detail=True, methods=["post"], url_path="end-publicity")
    def end_publicity(self, request, *args, **kwargs):
        data = _valid(RoundEndPublicitySerializer, request, self)
        return self._out(services.end_list_publicity(proposed_list=self.get_object(), actor=request.user, **data))

    @extend_schema(
        summary="审批名单（卫健委）",
        tags=[TAG],
        request=RoundListApproveSerializer,
        responses={200: ProposedListSerializer},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        data = _valid(RoundListApproveSerializer, request, self)
        return self._out(services.approve_list(proposed_list=self.get_object(), actor=request.user, **data))


@extend_schema_view(
    list=extend_schema(summary="聘任协议列表", tags=[TAG]), retrieve=extend_schema(summary="聘任协议详情", tags=[TAG])
)
class AgreementViewSet(ScopedReadOnlyViewSet):
    resource = "agreement"
    serializer_class = AgreementSerializer
    filterset_fields = ["application__round", "post_grade"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def scoped_queryset(self, user) -> QuerySet[Agreement]:
        return (
            visible_agreements(user)
            .select_related("application__staff", "application__institution", "post_grade")
            .order_by("-generated_at", "-pk")
        )

    def _out(self, agreement, code=status.HTTP_200_OK) -> Response:
        return Response(AgreementSerializer(self.get_queryset().get(pk=agreement.pk)).data, status=code)

    @extend_schema(
        summary="生成聘任协议（按政策版本的协议模板；未签订前可重新生成）",
        tags=[TAG],
        request=GenerateAgreementSerializer,
        responses={201: AgreementSerializer},
    )
    def create(self, request, *args, **kwargs):
        data = _valid(GenerateAgreementSerializer, request, self)
        agreement = services.generate_agreement(application=data["application"], actor=request.user)
        return self._out(agreement, status.HTTP_201_CREATED)

    @extend_schema(summary="下载聘任协议PDF", tags=[TAG], responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, *args, **kwargs):
        agreement = self.get_object()
        response = HttpResponse(
            agreement_pdf(agreement, mark=Watermark.for_user(request.user)), content_type="application/pdf"
        )
        name = f"聘任协议-{agreement.application.staff.name}-{agreement.number}.pdf"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response

    @extend_schema(summary="下载签字扫描件", tags=[TAG], responses={(200, "*/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def scan(self, request, *args, **kwargs):
        return scan_response(self.get_object())

    @extend_schema(
        summary="登记签订聘任协议（上传签字扫描件）",
        description="一次完成：原聘任终止、新聘任建立（受岗位结构比例约束）、新聘期必尽任务生成；任何一步不成则全部不写入。",
        tags=[TAG],
        request={"multipart/form-data": AgreementSignSerializer},
        responses={200: AgreementSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def sign(self, request, *args, **kwargs):
        data = _valid(AgreementSignSerializer, request, self)
        agreement = services.sign_agreement(agreement=self.get_object(), actor=request.user, **data)
        return self._out(agreement)
