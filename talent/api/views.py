"""柔性引才 API: contracts (create, sign, terminate), visits (the institution or its HIS key records
them) and annual reviews, each through the services; rows come from talent.selectors."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from personnel.api.mixins import ScopedReadOnlyViewSet

from .. import services
from ..models import AnnualReview, Contract, Visit
from ..selectors import visible_contracts, visible_reviews, visible_visits
from .serializers import (
    ContractCreateSerializer,
    ContractSerializer,
    ReviewCreateSerializer,
    ReviewSerializer,
    SignSerializer,
    TerminateSerializer,
    VisitSerializer,
)

TAG = ["柔性引才"]


@extend_schema_view(
    list=extend_schema(summary="柔性引才合同列表", tags=TAG),
    retrieve=extend_schema(summary="柔性引才合同详情", tags=TAG),
)
class ContractViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    resource = "talent_contract"
    serializer_class = ContractSerializer
    filterset_fields = ["status", "mode", "institution"]

    def scoped_queryset(self, user) -> QuerySet[Contract]:
        return visible_contracts(user).select_related("institution", "expert", "team")

    def get_serializer_class(self):
        return {"create": ContractCreateSerializer, "sign": SignSerializer, "terminate": TerminateSerializer}.get(
            self.action, ContractSerializer
        )

    def _output(self, contract: Contract, code: int) -> Response:
        return Response(ContractSerializer(contract, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="新增合同（草拟；校验期限、团队组成和剩余经费）", tags=TAG, responses={201: ContractSerializer}
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.create_contract(**serializer.validated_data, actor=request.user)
        return self._output(contract, status.HTTP_201_CREATED)

    @extend_schema(summary="签订合同（占用经费）", tags=TAG, responses={200: ContractSerializer})
    @action(detail=True, methods=["post"])
    def sign(self, request, *args, **kwargs):
        contract = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.sign_contract(contract=contract, **serializer.validated_data, actor=request.user)
        return self._output(contract, status.HTTP_200_OK)

    @extend_schema(summary="解除合同（释放未拨付经费）", tags=TAG, responses={200: ContractSerializer})
    @action(detail=True, methods=["post"])
    def terminate(self, request, *args, **kwargs):
        contract = self.get_object()
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.terminate_contract(contract=contract, **serializer.validated_data, actor=request.user)
        return self._output(contract, status.HTTP_200_OK)


@extend_schema_view(
    list=extend_schema(summary="到岗记录列表", tags=TAG),
    retrieve=extend_schema(summary="到岗记录详情", tags=TAG),
    create=extend_schema(summary="记录到岗", tags=TAG),
)
class VisitViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    resource = "talent_visit"
    serializer_class = VisitSerializer
    filterset_fields = ["contract", "kind"]

    def scoped_queryset(self, user) -> QuerySet[Visit]:
        return visible_visits(user)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        visit = services.record_visit(**serializer.validated_data, actor=request.user)
        return Response(
            VisitSerializer(visit, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    list=extend_schema(summary="年度考核列表", tags=TAG),
    retrieve=extend_schema(summary="年度考核详情", tags=TAG),
)
class ReviewViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    resource = "talent_review"
    serializer_class = ReviewSerializer
    filterset_fields = ["contract", "year", "result"]

    def scoped_queryset(self, user) -> QuerySet[AnnualReview]:
        return visible_reviews(user)

    def get_serializer_class(self):
        return ReviewCreateSerializer if self.action == "create" else ReviewSerializer

    @extend_schema(
        summary="年度考核评分（计算项由数据得出，一票否决优先）", tags=TAG, responses={201: ReviewSerializer}
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.run_annual_review(**serializer.validated_data, actor=request.user)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)
