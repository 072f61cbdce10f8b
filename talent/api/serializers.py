"""Shapes of the 柔性引才 API.  Foreign keys are limited to what the caller may see; the rules are
the services'."""

from __future__ import annotations

from rest_framework import serializers

from personnel.api.fields import ChoiceLabelField
from personnel.api.mixins import ScopedPrimaryKeyRelatedField
from personnel.models import Department, Institution
from personnel.scoping import visible_departments, visible_institutions

from ..choices import Platform, VisitKind
from ..models import AnnualReview, Contract, Expert, Team, Visit
from ..selectors import visible_contracts, visible_experts, visible_teams


class ContractSerializer(serializers.ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True, label="用人单位名称")
    party = serializers.CharField(source="party_name", read_only=True, label="引进专家/团队")
    mode_display = ChoiceLabelField(source="get_mode_display", label="引进方式名称")
    status_display = ChoiceLabelField(source="get_status_display", label="状态名称")
    committed = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True, label="占用经费")
    # Blank unless the mode is 平台共建: declared, as a read-only model field loses allow_blank (and
    # the schema's enum its "").
    platform = serializers.ChoiceField(choices=Platform.choices, allow_blank=True, read_only=True, label="共建平台")

    class Meta:
        model = Contract
        fields = [
            "id",
            "code",
            "institution",
            "institution_name",
            "department",
            "expert",
            "team",
            "party",
            "mode",
            "mode_display",
            "platform",
            "start",
            "end",
            "days_per_month",
            "clinic_target",
            "teaching_target",
            "discipline_target",
            "funding",
            "annual_stipend",
            "breach_terms",
            "status",
            "status_display",
            "signed_on",
            "ended_on",
            "paid",
            "released",
            "committed",
            "renewal_of",
        ]
        read_only_fields = fields


class ContractCreateSerializer(serializers.Serializer):
    institution = ScopedPrimaryKeyRelatedField(scope=visible_institutions, model=Institution, label="用人单位")
    department = ScopedPrimaryKeyRelatedField(
        scope=visible_departments, model=Department, label="引进科室", required=False, allow_null=True
    )
    expert = ScopedPrimaryKeyRelatedField(
        scope=visible_experts, model=Expert, label="引进专家", required=False, allow_null=True
    )
    team = ScopedPrimaryKeyRelatedField(
        scope=visible_teams, model=Team, label="引进团队", required=False, allow_null=True
    )
    mode = serializers.ChoiceField(choices=Contract._meta.get_field("mode").choices, label="引进方式")
    platform = serializers.CharField(required=False, allow_blank=True, default="", label="共建平台")
    start = serializers.DateField(label="起始日期")
    end = serializers.DateField(label="终止日期")
    days_per_month = serializers.DecimalField(max_digits=4, decimal_places=1, label="约定每月到岗天数")
    funding = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, label="支持资金（元）")
    annual_stipend = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, default=0)
    clinic_target = serializers.CharField(required=False, allow_blank=True, default="")
    teaching_target = serializers.CharField(required=False, allow_blank=True, default="")
    discipline_target = serializers.CharField(required=False, allow_blank=True, default="")
    breach_terms = serializers.CharField(required=False, allow_blank=True, default="")


class SignSerializer(serializers.Serializer):
    signed_on = serializers.DateField(label="签订日期")


class TerminateSerializer(serializers.Serializer):
    ended_on = serializers.DateField(label="解除日期")


class VisitSerializer(serializers.ModelSerializer):
    contract = ScopedPrimaryKeyRelatedField(scope=visible_contracts, model=Contract, label="合同")
    kind = serializers.ChoiceField(choices=VisitKind.choices, default=VisitKind.CLINIC, label="工作内容")

    class Meta:
        model = Visit
        fields = ["id", "contract", "visit_date", "days", "kind", "patients", "note", "recorded_by"]
        read_only_fields = ["id", "recorded_by"]
        validators: list = []  # the service refuses a duplicate with a Chinese message


class ReviewSerializer(serializers.ModelSerializer):
    result_display = ChoiceLabelField(source="get_result_display", label="结论名称")

    class Meta:
        model = AnnualReview
        fields = [
            "id",
            "contract",
            "year",
            "scheme",
            "visits_previous",
            "visits_current",
            "revenue_previous",
            "revenue_current",
            "attendance",
            "new_techniques",
            "papers_guided",
            "staff_satisfaction",
            "patient_satisfaction",
            "major_violation",
            "major_accident",
            "manual_scores",
            "evidence",
            "item_scores",
            "subtotal",
            "vetoes",
            "total",
            "result",
            "result_display",
            "stipend",
            "may_renew",
            "reviewed_at",
        ]
        read_only_fields = fields


class ReviewCreateSerializer(serializers.Serializer):
    contract = ScopedPrimaryKeyRelatedField(scope=visible_contracts, model=Contract, label="合同")
    year = serializers.IntegerField(min_value=2000, max_value=2100, label="考核年度")
    visits_previous = serializers.IntegerField(min_value=0, label="上年科室诊疗人次")
    visits_current = serializers.IntegerField(min_value=0, label="本年科室诊疗人次")
    revenue_previous = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    revenue_current = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    new_techniques = serializers.IntegerField(min_value=0)
    papers_guided = serializers.IntegerField(min_value=0)
    staff_satisfaction = serializers.DecimalField(max_digits=5, decimal_places=4, min_value=0, max_value=1)
    patient_satisfaction = serializers.DecimalField(max_digits=5, decimal_places=4, min_value=0, max_value=1)
    major_violation = serializers.BooleanField(default=False)
    major_accident = serializers.BooleanField(default=False)
    manual_scores = serializers.DictField(child=serializers.IntegerField(min_value=0), label="评审人评分")
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
