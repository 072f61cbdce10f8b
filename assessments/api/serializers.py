"""Assessment API serializers: shapes only; the rules live in assessments.services."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from appointments.models import DutyTarget
from personnel.api.fields import ChoiceLabelField
from personnel.api.mixins import ScopedPrimaryKeyRelatedField

from ..choices import PeriodKind
from ..models import Assessment, AssessmentPeriod, GradeBand, Scheme, SchemeItem, TargetProgressEntry, WorkloadRecord
from ..selectors import visible_periods


class PeriodSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, label="期间")
    kind_display = ChoiceLabelField(source="get_kind_display", label="考核类型名称")
    status_display = ChoiceLabelField(source="get_status_display", label="状态名称")

    class Meta:
        model = AssessmentPeriod
        fields = [
            "id",
            "region",
            "kind",
            "kind_display",
            "year",
            "number",
            "label",
            "start",
            "end",
            "status",
            "status_display",
        ]
        read_only_fields = fields


class PeriodOpenSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=PeriodKind.choices, label="考核类型")
    year = serializers.IntegerField(min_value=2000, max_value=2100, label="年度")
    number = serializers.IntegerField(min_value=0, max_value=12, default=0, label="月份/季度")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(label="理由", max_length=200)


class SchemeItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = SchemeItem
        fields = ["code", "name", "max_points", "weight", "scorer_role", "order"]


class GradeBandSerializer(serializers.ModelSerializer):
    grade_display = ChoiceLabelField(source="get_grade_display")

    class Meta:
        model = GradeBand
        fields = ["grade", "grade_display", "min_points"]


class SchemeSerializer(serializers.ModelSerializer):
    items = SchemeItemSerializer(many=True, read_only=True)
    bands = GradeBandSerializer(many=True, read_only=True)

    class Meta:
        model = Scheme
        fields = ["id", "region", "code", "version", "name", "kind", "effective_from", "note", "items", "bands"]
        read_only_fields = fields


class AssessmentSerializer(serializers.ModelSerializer):
    period_label = serializers.CharField(source="period.label", read_only=True, label="期间")
    period_kind = serializers.CharField(source="period.kind", read_only=True, label="考核类型")
    staff_name = serializers.CharField(source="staff.name", read_only=True, label="姓名")
    scheme_version = serializers.IntegerField(source="scheme.version", read_only=True, label="方案版本")
    grade_display = ChoiceLabelField(source="get_grade_display", label="等次名称")
    status_display = ChoiceLabelField(source="get_status_display", label="状态名称")

    class Meta:
        model = Assessment
        fields = [
            "id",
            "period",
            "period_label",
            "period_kind",
            "staff",
            "staff_name",
            "scheme",
            "scheme_version",
            "scores",
            "total",
            "grade",
            "grade_display",
            "status",
            "status_display",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


class SheetRowSerializer(serializers.Serializer):
    staff = serializers.IntegerField(label="人员编号")
    scores = serializers.DictField(
        child=serializers.CharField(allow_blank=True, allow_null=True),
        required=False,
        default=dict,
        label="分项得分（项目代码→分数）",
    )
    version = serializers.IntegerField(min_value=0, default=0, label="读取时的版本（新录入为0）")
    total = serializers.CharField(required=False, allow_blank=True, allow_null=True, default=None, label="得分")
    grade = serializers.CharField(required=False, allow_blank=True, default="", label="等次")


class SheetSerializer(serializers.Serializer):
    period = ScopedPrimaryKeyRelatedField(scope=visible_periods, model=AssessmentPeriod, label="考核期间")
    submit = serializers.BooleanField(default=False, label="提交（提交后本级不能再修改）")
    rows = SheetRowSerializer(many=True, allow_empty=False, max_length=2000)


class SheetResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    assessments = AssessmentSerializer(many=True)


class WorkloadRecordSerializer(serializers.ModelSerializer):
    metric = serializers.CharField(source="metric.code", read_only=True)
    staff_name = serializers.CharField(source="staff.name", read_only=True)
    source_id = serializers.CharField(source="source_record_id", read_only=True)

    class Meta:
        model = WorkloadRecord
        fields = ["id", "institution", "staff", "staff_name", "metric", "date", "quantity", "source_id", "created_at"]
        read_only_fields = fields


class WorkloadInputSerializer(serializers.Serializer):
    """Documentation of one record; the batch itself is validated set-based by the service."""

    id_number = serializers.CharField(required=False, label="身份证号")
    employee_no = serializers.CharField(required=False, label="工号（无身份证号时）")
    date = serializers.DateField(label="日期")
    metric = serializers.CharField(label="指标代码")
    quantity = serializers.DecimalField(max_digits=10, decimal_places=2, label="数量")
    source_id = serializers.CharField(label="来源记录号（同一机构内唯一，重发不重复计入）")


class WorkloadBatchSerializer(serializers.Serializer):
    records = WorkloadInputSerializer(many=True)


class WorkloadResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    created = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())


class TargetProgressSerializer(serializers.ModelSerializer):
    staff = serializers.IntegerField(source="target.appointment.staff_id", read_only=True, label="人员")
    code = serializers.CharField(source="target.code", read_only=True, label="任务代码")
    name = serializers.CharField(source="target.name", read_only=True, label="任务名称")

    class Meta:
        model = TargetProgressEntry
        fields = ["id", "target", "staff", "code", "name", "month", "quantity", "entered_by"]
        read_only_fields = fields


class ProgressInputSerializer(serializers.Serializer):
    target = serializers.IntegerField(label="必尽任务ID")
    quantity = serializers.CharField(allow_blank=True, label="本月完成数量")
    expected = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        default=None,
        label="读取时的数量（空为未录入；不传则不核对）",
    )


class ProgressBatchSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^\d{4}-\d{2}$", label="月份（2026-03）")
    entries = serializers.ListField(child=ProgressInputSerializer(), allow_empty=False, max_length=5000)

    def validate_month(self, value):
        try:
            return dt.date(int(value[:4]), int(value[5:]), 1)
        except ValueError:
            raise serializers.ValidationError("月份不正确。") from None


class ProgressResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class DutyTargetSerializer(serializers.ModelSerializer):
    staff = serializers.IntegerField(source="appointment.staff_id", read_only=True, label="人员")
    staff_name = serializers.CharField(source="appointment.staff.name", read_only=True, label="姓名")
    per_display = ChoiceLabelField(source="get_per_display", label="计量周期名称")

    class Meta:
        model = DutyTarget
        fields = [
            "id",
            "appointment",
            "staff",
            "staff_name",
            "code",
            "name",
            "metric",
            "per",
            "per_display",
            "quantity_per_unit",
            "target_total",
            "alternative_group",
            "milestones",
            "order",
        ]
        read_only_fields = fields


class MilestoneQuarterSerializer(serializers.Serializer):
    quarter = serializers.IntegerField(label="聘期第几季度")
    end = serializers.DateField(label="季度末")
    share = serializers.DecimalField(max_digits=7, decimal_places=4, label="累计比例（0–1）")
    due = serializers.DecimalField(max_digits=10, decimal_places=2, label="季度末应累计完成")


class MilestonesSerializer(serializers.Serializer):
    """A target's quarterly milestones: the stored cumulative shares (empty: pro rata) and the
    schedule they give, rounded as the appointment's policy says."""

    target = serializers.IntegerField(label="必尽任务ID")
    target_total = serializers.DecimalField(max_digits=10, decimal_places=2, label="聘期目标")
    quarters = serializers.IntegerField(label="聘期季度数")
    pro_rata = serializers.BooleanField(label="按聘期平均分配")
    rounding = serializers.CharField(label="取整方式（floor/ceil/nearest）")
    shares = serializers.ListField(child=serializers.CharField(), label="各季度累计比例（空为按聘期平均）")
    schedule = MilestoneQuarterSerializer(many=True, label="各季度节点")


class MilestonesInputSerializer(serializers.Serializer):
    shares = serializers.ListField(
        child=serializers.CharField(allow_blank=False),
        allow_empty=True,
        allow_null=True,
        label="各季度累计比例",
        help_text="按季度累计的完成比例（0–1，逐季不减），最多聘期季度数项；最后一个季度总是100%。"
        "少于季度数时其后各季度沿用最后一项。空数组或 null 表示按聘期平均分配。",
        error_messages={"not_a_list": "shares 应为数组，例如 [0.1, 0.25, 0.4]。", "null": "shares 不能为空值。"},
    )
