"""Appointment API serializers: output, and the inputs of the two writes (create, end).  The
rules (one active appointment, post quota, term length) live in appointments.services."""

from __future__ import annotations

from rest_framework import serializers

from personnel.api.fields import ChoiceLabelField
from personnel.api.mixins import ScopedPrimaryKeyRelatedField
from personnel.models import Institution, PostGrade, Staff
from personnel.scoping import visible_institutions, visible_staff

from ..choices import AppointmentKind
from ..models import Appointment


def _all_post_grades(user):
    return PostGrade.objects.all()


class AppointmentSerializer(serializers.ModelSerializer):
    staff_name = serializers.CharField(source="staff.name", read_only=True, label="姓名")
    employee_no = serializers.CharField(source="staff.employee_no", read_only=True, label="工号")
    institution_name = serializers.CharField(source="institution.name", read_only=True, label="聘任单位名称")
    post_grade_name = serializers.CharField(source="post_grade.name", read_only=True, label="岗位等级名称")
    kind_display = ChoiceLabelField(source="get_kind_display", label="聘任类型名称")
    status_display = ChoiceLabelField(source="get_status_display", label="状态名称")

    class Meta:
        model = Appointment
        fields = [
            "id",
            "staff",
            "staff_name",
            "employee_no",
            "institution",
            "institution_name",
            "post_grade",
            "post_grade_name",
            "start",
            "end",
            "kind",
            "kind_display",
            "status",
            "status_display",
            "agreement_text",
            "policy",
            "created_at",
        ]
        read_only_fields = fields


class AppointmentCreateSerializer(serializers.Serializer):
    """Input of appointments.services.create_appointment; every foreign key within the caller's scope."""

    staff = ScopedPrimaryKeyRelatedField(scope=visible_staff, model=Staff, label="人员")
    post_grade = ScopedPrimaryKeyRelatedField(scope=_all_post_grades, model=PostGrade, label="岗位等级")
    institution = ScopedPrimaryKeyRelatedField(
        scope=visible_institutions,
        model=Institution,
        label="聘任单位",
        required=False,
        allow_null=True,
        help_text="不填则为人员所在单位。",
    )
    start = serializers.DateField(label="聘任开始")
    end = serializers.DateField(label="聘任结束", required=False, allow_null=True, help_text="不填则按政策聘期推算。")
    kind = serializers.ChoiceField(label="聘任类型", choices=AppointmentKind.choices, default=AppointmentKind.NORMAL)
    agreement_text = serializers.CharField(label="聘任协议", required=False, allow_blank=True, default="")
    replace_current = serializers.BooleanField(
        label="终止现聘岗位", required=False, default=False, help_text="已有在聘岗位时，先终止原聘任再聘任。"
    )


class AppointmentEndSerializer(serializers.Serializer):
    on = serializers.DateField(label="终止日期")
    terminated = serializers.BooleanField(
        label="提前终止", required=False, default=True, help_text="true：提前终止；false：聘期届满。"
    )
