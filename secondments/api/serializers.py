"""县聘乡用 API serializers: output, and the inputs of the writes.  The rules (grassroots
receiving unit, leave filing and extension, absence limit) live in secondments.services."""

from __future__ import annotations

from rest_framework import serializers

from personnel.api.fields import ChoiceLabelField
from personnel.api.mixins import ScopedPrimaryKeyRelatedField
from personnel.models import Institution, Staff
from personnel.scoping import visible_institutions, visible_staff

from ..choices import AttendanceStatus, SecondmentReason
from ..models import Attendance, Leave, Secondment
from ..selectors import receivable_secondments


class SecondmentSerializer(serializers.ModelSerializer):
    staff_name = serializers.CharField(source="staff.name", read_only=True, label="姓名")
    employee_no = serializers.CharField(source="staff.employee_no", read_only=True, label="工号")
    dispatching_unit_name = serializers.CharField(source="dispatching_unit.name", read_only=True, label="派出单位")
    receiving_unit_name = serializers.CharField(source="receiving_unit.name", read_only=True, label="接收单位")
    reason_display = ChoiceLabelField(source="get_reason_display", label="下沉原因名称")
    status_display = ChoiceLabelField(source="get_status_display", label="状态名称")

    class Meta:
        model = Secondment
        fields = [
            "id",
            "staff",
            "staff_name",
            "employee_no",
            "dispatching_unit",
            "dispatching_unit_name",
            "receiving_unit",
            "receiving_unit_name",
            "reason",
            "reason_display",
            "start",
            "planned_end",
            "end",
            "extension_days",
            "full_time",
            "practice_registration_no",
            "status",
            "status_display",
            "absences",
            "served_days",
            "counts_as_service",
            "deadline",
            "misses_deadline",
            "policy",
        ]
        read_only_fields = fields


class SecondmentCreateSerializer(serializers.Serializer):
    staff = ScopedPrimaryKeyRelatedField(scope=visible_staff, model=Staff, label="人员")
    receiving_unit = ScopedPrimaryKeyRelatedField(scope=visible_institutions, model=Institution, label="接收单位")
    start = serializers.DateField(label="开始日期")
    reason = serializers.ChoiceField(label="下沉原因", choices=SecondmentReason.choices)
    full_time = serializers.BooleanField(label="全脱产", default=True)
    practice_registration_no = serializers.CharField(
        label="多机构执业备案号", required=False, allow_blank=True, default=""
    )
    tasks = serializers.CharField(label="支援期间主要任务", required=False, allow_blank=True, default="")


class LeaveSerializer(serializers.ModelSerializer):
    secondment = ScopedPrimaryKeyRelatedField(scope=receivable_secondments, model=Secondment, label="下沉记录")

    class Meta:
        model = Leave
        fields = [
            "id",
            "secondment",
            "start",
            "end",
            "days",
            "reason",
            "filed_with_commission",
            "extends_service",
            "created_at",
        ]
        read_only_fields = ["id", "days", "extends_service", "created_at"]


class AttendanceSerializer(serializers.ModelSerializer):
    secondment = ScopedPrimaryKeyRelatedField(scope=receivable_secondments, model=Secondment, label="下沉记录")
    status = serializers.ChoiceField(label="出勤", choices=AttendanceStatus.choices)

    class Meta:
        model = Attendance
        fields = ["id", "secondment", "date", "status", "note", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators = []  # one record per day: a second post of the same day replaces the first
