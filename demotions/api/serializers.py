"""能上能下 API serializers: output shapes, and the inputs of each case step.  The rules live in
demotions.services; these only check shapes.  Ballots are never serialized one by one: a case
carries the per-group tally."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from personnel.api.fields import ChoiceLabelField
from personnel.api.mixins import ScopedPrimaryKeyRelatedField
from personnel.models import PostGrade, Staff
from personnel.scoping import can_change, visible_staff
from publicity.models import Objection, Publicity
from publicity.selectors import is_approximate, may_end_from
from publicity.workdays import FALLBACK_NOTE

from ..choices import EventKind
from ..models import CaseEvidence, ConductEvent, DemotionCase, Rectification, RectificationItem

# --- Output -----------------------------------------------------------------------------------


class DemotionCaseSerializer(serializers.ModelSerializer):
    """A case as a list row: one query for a page (the related names come with select_related)."""

    staff_name = serializers.CharField(source="staff.name", read_only=True, label="姓名")
    employee_no = serializers.CharField(source="staff.employee_no", read_only=True, label="工号")
    institution_name = serializers.CharField(source="institution.name", read_only=True, label="单位")
    kind = serializers.CharField(read_only=True, label="类型（demotion 高职低聘 / restoration 恢复聘任）")
    kind_display = ChoiceLabelField(source="get_kind_display", label="类型名称")
    trigger_display = ChoiceLabelField(source="get_trigger_display", label="触发情形名称")
    state = serializers.CharField(read_only=True, label="环节")
    state_display = ChoiceLabelField(source="get_state_display", label="环节名称")
    current_grade = serializers.CharField(source="appointment.post_grade.name", read_only=True, label="原聘岗位等级")
    decided_grade_name = serializers.CharField(
        source="decided_grade.name", read_only=True, default=None, allow_null=True, label="拟聘岗位等级名称"
    )
    follow_up_display = ChoiceLabelField(source="get_follow_up_display", label="后续处理名称")

    class Meta:
        model = DemotionCase
        fields = [
            "id",
            "kind",
            "kind_display",
            "staff",
            "staff_name",
            "employee_no",
            "institution",
            "institution_name",
            "appointment",
            "current_grade",
            "trigger",
            "trigger_display",
            "rule_detail",
            "state",
            "state_display",
            "state_changed_at",
            "step_due",
            "opened_on",
            "policy",
            "proposal_reasons",
            "review_opinion",
            "quantified_score",
            "quantified_weight",
            "democratic_score",
            "democratic_weight",
            "defence_score",
            "defence_weight",
            "combined_score",
            "combined_grade",
            "meeting_date",
            "decision",
            "minutes",
            "decided_grade",
            "decided_grade_name",
            "approval_document",
            "approval_note",
            "executed_on",
            "new_appointment",
            "pay_grade_before",
            "pay_grade_after",
            "excellence_ineligible_year",
            "dismissed_reason",
            "restores",
            "follow_up",
            "follow_up_display",
        ]
        read_only_fields = fields


class BallotTallySerializer(serializers.Serializer):
    group = serializers.CharField(label="测评人类别")
    label = serializers.CharField(label="类别名称")
    count = serializers.IntegerField(label="票数")
    average = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, label="平均分")


class TallySerializer(serializers.Serializer):
    groups = BallotTallySerializer(many=True, label="各类别")
    count = serializers.IntegerField(label="总票数")
    average = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, label="总平均分")


class ObjectionSerializer(serializers.ModelSerializer):
    """Who objected (and how to reach them) only for those handling the case; the person
    assessed, their department head and staff read the objection and its answer."""

    is_answered = serializers.BooleanField(read_only=True, label="已答复")

    class Meta:
        model = Objection
        fields = ["id", "lodged_on", "lodged_by_name", "contact", "content", "answer", "answered_at", "is_answered"]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not can_change(request.user, "demotion_case"):
            data.pop("lodged_by_name")
            data.pop("contact")
        return data


class PublicitySerializer(serializers.ModelSerializer):
    status_display = ChoiceLabelField(source="get_status_display", label="状态名称")
    objections = ObjectionSerializer(many=True, read_only=True, label="异议")
    may_end_from = serializers.SerializerMethodField(label="最早可结束日期")
    calendar_note = serializers.SerializerMethodField(
        label="工作日计算说明", help_text="公示期所在年度的国务院节假日安排尚未收录时，按周一至周五计算并在此说明。"
    )

    def get_may_end_from(self, publicity) -> dt.date:
        return may_end_from(publicity)

    def get_calendar_note(self, publicity) -> str:
        return FALLBACK_NOTE if is_approximate(publicity) else ""

    class Meta:
        model = Publicity
        fields = [
            "id",
            "title",
            "body",
            "starts_on",
            "working_days",
            "ends_on",
            "status",
            "status_display",
            "ended_at",
            "may_end_from",
            "calendar_note",
            "objections",
        ]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer):
    step_display = ChoiceLabelField(source="get_step_display", label="环节名称")

    class Meta:
        model = CaseEvidence
        fields = ["id", "name", "step", "step_display", "description", "uploaded_at"]
        read_only_fields = fields


class TimelineEntrySerializer(serializers.Serializer):
    transition = serializers.CharField(label="环节")
    source_state = serializers.CharField(allow_null=True, label="原环节")
    state = serializers.CharField(label="新环节")
    by = serializers.CharField(source="by.username", default=None, label="办理人")
    description = serializers.CharField(allow_null=True, label="说明")
    timestamp = serializers.DateTimeField(label="时间")


class DemotionCaseDetailSerializer(DemotionCaseSerializer):
    """One case: the list fields plus the ballot tally (never single ballots), the publicity
    periods with their objections, the evidence list and the transition log."""

    ballot_tally = serializers.SerializerMethodField(label="民主测评汇总")
    publicities = serializers.SerializerMethodField(label="公示")
    evidence = serializers.SerializerMethodField(label="材料")
    timeline = serializers.SerializerMethodField(label="办理记录")

    class Meta(DemotionCaseSerializer.Meta):
        fields = [*DemotionCaseSerializer.Meta.fields, "ballot_tally", "publicities", "evidence", "timeline"]
        read_only_fields = fields

    def get_ballot_tally(self, case) -> list[dict]:
        from ..services import ballot_tally

        return BallotTallySerializer(ballot_tally(case), many=True).data

    def get_publicities(self, case) -> list[dict]:
        qs = case.publicities.prefetch_related("objections").order_by("-starts_on", "-id")
        return PublicitySerializer(qs, many=True, context=self.context).data

    def get_evidence(self, case) -> list[dict]:
        return EvidenceSerializer(case.evidence.all(), many=True).data

    def get_timeline(self, case) -> list[dict]:
        from django_fsm_log.models import StateLog

        logs = StateLog.objects.for_(case).select_related("by").order_by("timestamp", "pk")
        return TimelineEntrySerializer(logs, many=True).data


class RectificationItemSerializer(serializers.ModelSerializer):
    target_name = serializers.CharField(source="target.name", read_only=True, label="必尽任务")

    class Meta:
        model = RectificationItem
        fields = ["id", "target", "target_name", "required", "done_at_open"]
        read_only_fields = fields


class RectificationSerializer(serializers.ModelSerializer):
    staff_name = serializers.CharField(source="staff.name", read_only=True, label="姓名")
    period_label = serializers.CharField(source="period.label", read_only=True, label="触发季度")
    status_display = ChoiceLabelField(source="get_status_display", label="状态名称")
    items = RectificationItemSerializer(many=True, read_only=True, label="整改事项")

    class Meta:
        model = Rectification
        fields = [
            "id",
            "staff",
            "staff_name",
            "appointment",
            "period",
            "period_label",
            "assessment",
            "policy",
            "rule",
            "opened_on",
            "deadline",
            "status",
            "status_display",
            "closed_on",
            "items",
        ]
        read_only_fields = fields


class ConductEventSerializer(serializers.ModelSerializer):
    staff_name = serializers.CharField(source="staff.name", read_only=True, label="姓名")
    kind = serializers.CharField(read_only=True, label="事件类型")
    kind_display = ChoiceLabelField(source="get_kind_display", label="事件类型名称")

    class Meta:
        model = ConductEvent
        fields = ["id", "staff", "staff_name", "kind", "kind_display", "date", "accident_level", "description"]
        read_only_fields = fields


# --- Inputs of the steps ----------------------------------------------------------------------


class ConductEventCreateSerializer(serializers.Serializer):
    staff = ScopedPrimaryKeyRelatedField(scope=visible_staff, model=Staff, label="人员")
    kind = serializers.ChoiceField(choices=EventKind.choices, label="事件类型")
    date = serializers.DateField(label="发生日期")
    accident_level = serializers.IntegerField(required=False, allow_null=True, label="医疗事故等级（1–4）")
    description = serializers.CharField(label="情况说明")


class ProposeSerializer(serializers.Serializer):
    reasons = serializers.CharField(label="提议理由")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list, label="证明材料")


class EvidenceUploadSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), label="材料文件")
    description = serializers.CharField(required=False, default="", allow_blank=True, label="说明")


class ReviewSerializer(serializers.Serializer):
    passed = serializers.BooleanField(label="审查通过")
    opinion = serializers.CharField(label="资格审查意见")


class BallotsSerializer(serializers.Serializer):
    ballots = serializers.DictField(
        child=serializers.ListField(child=serializers.DecimalField(max_digits=5, decimal_places=2)),
        label="各类别得分",
        help_text='如 {"superior": [80, 75], "peer": [70], "subordinate": [65], "patient_rep": [90]}；不记录测评人。',
    )


class AssessSerializer(serializers.Serializer):
    quantified_score = serializers.DecimalField(max_digits=6, decimal_places=2, label="量化考核得分")
    defence_score = serializers.DecimalField(max_digits=6, decimal_places=2, label="现场答辩得分")
    quantified_weight = serializers.DecimalField(max_digits=5, decimal_places=4, label="量化考核权重")
    democratic_weight = serializers.DecimalField(max_digits=5, decimal_places=4, label="民主测评权重")
    defence_weight = serializers.DecimalField(max_digits=5, decimal_places=4, label="现场答辩权重")


class DecideSerializer(serializers.Serializer):
    meeting_date = serializers.DateField(label="会议日期")
    decision = serializers.CharField(label="会议决定")
    minutes = serializers.CharField(label="会议纪要")
    demote = serializers.BooleanField(label="决定高职低聘")
    decided_grade = serializers.PrimaryKeyRelatedField(
        queryset=PostGrade.objects.all(), required=False, allow_null=True, label="拟聘岗位等级"
    )


class StartPublicitySerializer(serializers.Serializer):
    starts_on = serializers.DateField(label="公示开始日期")


class ObjectionCreateSerializer(serializers.Serializer):
    lodged_on = serializers.DateField(label="提出日期")
    lodged_by_name = serializers.CharField(max_length=64, label="异议人（可填“匿名”）")
    content = serializers.CharField(label="异议内容")
    contact = serializers.CharField(max_length=64, required=False, default="", allow_blank=True, label="联系方式")


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(label="核查答复")


class EndPublicitySerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, default=None, label="结束日期（默认今天）")


class ApproveSerializer(serializers.Serializer):
    document = serializers.CharField(max_length=64, label="批复文号")
    note = serializers.CharField(required=False, default="", allow_blank=True, label="审批意见")


class ExecuteSerializer(serializers.Serializer):
    on = serializers.DateField(label="执行日期")


class DismissSerializer(serializers.Serializer):
    reason = serializers.CharField(label="终止理由")


class RestorationSerializer(serializers.Serializer):
    reasons = serializers.CharField(label="提议恢复聘任理由")
