"""Rounds API serializers: output shapes and the inputs of each step.  The rules (who, when, the
quota, the title precondition, the weights) live in rounds.services."""

from __future__ import annotations

from rest_framework import serializers

from demotions.choices import BallotGroup
from personnel.api.fields import ChoiceLabelField
from personnel.api.mixins import ScopedPrimaryKeyRelatedField
from personnel.models import Institution, PostGrade, Staff
from personnel.scoping import visible_institutions, visible_staff

from ..choices import EndingOutcome
from ..models import Agreement, Application, ApplicationEvidence, AppointmentRound, ProposedList, RoundCandidate
from ..selectors import completion_summary, visible_applications, visible_rounds


class RoundSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True, label="地区")
    status = serializers.CharField(read_only=True, label="状态（open/closed）")
    status_display = ChoiceLabelField(source="get_status_display", label="状态名称")

    class Meta:
        model = AppointmentRound
        fields = [
            "id",
            "region",
            "region_name",
            "year",
            "name",
            "opened_on",
            "ends_by",
            "term_start",
            "status",
            "status_display",
            "policy",
        ]
        read_only_fields = fields


class RoundOpenSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, label="年度")
    opened_on = serializers.DateField(label="启动日期")
    ends_by = serializers.DateField(label="聘期届满截止日", required=False, allow_null=True, default=None)
    term_start = serializers.DateField(label="新聘期开始日期", required=False, allow_null=True, default=None)
    name = serializers.CharField(label="名称", required=False, allow_blank=True, default="", max_length=100)


class RoundVacancySerializer(serializers.Serializer):
    institution = serializers.IntegerField(source="institution_id", label="机构")
    institution_name = serializers.CharField(label="机构名称")
    post_grade = serializers.IntegerField(source="post_grade_id", label="岗位等级")
    post_grade_name = serializers.CharField(label="岗位等级名称")
    quota = serializers.IntegerField(label="核定岗位数")
    held = serializers.IntegerField(label="本轮后仍在聘（不含特设岗位）")
    vacancies = serializers.IntegerField(label="空缺岗位数")
    placed = serializers.IntegerField(label="本轮已拟聘/审批/签约")
    open_places = serializers.IntegerField(label="尚可拟聘")


class RoundProposeSerializer(serializers.Serializer):
    institution = ScopedPrimaryKeyRelatedField(scope=visible_institutions, model=Institution, label="机构")
    on = serializers.DateField(label="拟定日期")


class CandidateSerializer(serializers.ModelSerializer):
    source = serializers.CharField(read_only=True, label="来源（term_ending/restoration）")
    staff_name = serializers.CharField(source="staff.name", read_only=True, label="姓名")
    institution_name = serializers.CharField(source="institution.name", read_only=True, label="单位")
    source_display = ChoiceLabelField(source="get_source_display", label="来源名称")
    current_grade = serializers.CharField(source="appointment.post_grade.name", read_only=True, label="现岗位等级")
    term_end = serializers.DateField(source="appointment.end", read_only=True, label="现聘期结束")
    ending_outcome = serializers.SerializerMethodField(label="期满未续聘处理")

    class Meta:
        model = RoundCandidate
        fields = [
            "id",
            "round",
            "staff",
            "staff_name",
            "institution",
            "institution_name",
            "source",
            "source_display",
            "current_grade",
            "term_end",
            "restore_grade",
            "ending_outcome",
        ]
        read_only_fields = fields

    def get_ending_outcome(self, obj) -> str:
        decision = getattr(obj, "ending_decision", None)
        return decision.get_outcome_display() if decision else ""


class EndingDecisionInputSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=EndingOutcome.choices, label="处理结果")
    note = serializers.CharField(label="说明")
    decided_on = serializers.DateField(label="决定日期")
    post_grade = serializers.PrimaryKeyRelatedField(
        queryset=PostGrade.objects.all(), label="低聘岗位等级", required=False, allow_null=True, default=None
    )


class ApplicationSerializer(serializers.ModelSerializer):
    source = serializers.CharField(read_only=True, label="申报类型代码")
    status = serializers.CharField(read_only=True, label="状态代码")
    staff_name = serializers.CharField(source="staff.name", read_only=True, label="姓名")
    institution_name = serializers.CharField(source="institution.name", read_only=True, label="单位")
    post_grade_name = serializers.CharField(source="post_grade.name", read_only=True, label="申报岗位")
    source_display = ChoiceLabelField(source="get_source_display", label="申报类型名称")
    status_display = ChoiceLabelField(source="get_status_display", label="状态名称")
    completion = serializers.SerializerMethodField(label="必尽任务完成情况摘要")

    class Meta:
        model = Application
        fields = [
            "id",
            "round",
            "staff",
            "staff_name",
            "institution",
            "institution_name",
            "post_grade",
            "post_grade_name",
            "current_appointment",
            "source",
            "source_display",
            "applied_on",
            "achievements",
            "target_completion",
            "completion",
            "status",
            "status_display",
            "qualification_note",
            "quantified_score",
            "quantified_weight",
            "democratic_score",
            "democratic_weight",
            "defence_score",
            "defence_weight",
            "combined_score",
            "rank",
            "rank_note",
            "proposed_list",
        ]
        read_only_fields = fields

    def get_completion(self, obj) -> str:
        return completion_summary(obj.target_completion)


class RoundBallotTallySerializer(serializers.Serializer):
    group = serializers.CharField(label="评议人类别")
    label = serializers.CharField(label="类别名称")
    count = serializers.IntegerField(label="票数")
    mean = serializers.DecimalField(max_digits=6, decimal_places=2, label="平均分")


class RoundEvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApplicationEvidence
        fields = ["id", "name", "description", "uploaded_at"]
        read_only_fields = fields


class RoundEvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(label="文件（PDF/JPG/PNG/docx/xlsx，不超过20MB）")
    description = serializers.CharField(label="说明", required=False, allow_blank=True, default="", max_length=200)


class ApplicationDetailSerializer(ApplicationSerializer):
    ballot_tally = serializers.SerializerMethodField(label="民主评议（按类别汇总）")
    evidence = RoundEvidenceSerializer(many=True, read_only=True, label="佐证材料")

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "ballot_tally", "evidence"]
        read_only_fields = fields

    def get_ballot_tally(self, obj) -> list[dict]:
        from ..services import ballot_tally

        return RoundBallotTallySerializer(ballot_tally(obj), many=True).data


class ApplySerializer(serializers.Serializer):
    round = ScopedPrimaryKeyRelatedField(scope=visible_rounds, model=AppointmentRound, label="聘任轮次")
    staff = ScopedPrimaryKeyRelatedField(scope=visible_staff, model=Staff, label="人员")
    post_grade = serializers.PrimaryKeyRelatedField(queryset=PostGrade.objects.all(), label="申报岗位等级")
    applied_on = serializers.DateField(label="申报日期")
    achievements = serializers.CharField(label="业绩与佐证材料说明", required=False, allow_blank=True, default="")


class RoundQualifySerializer(serializers.Serializer):
    qualified = serializers.BooleanField(label="资格审查通过")
    note = serializers.CharField(label="审查意见", required=False, allow_blank=True, default="")


class RoundBallotSerializer(serializers.Serializer):
    group = serializers.ChoiceField(choices=BallotGroup.choices, label="评议人类别")
    score = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100, label="得分")


class RoundBallotsSerializer(serializers.Serializer):
    ballots = RoundBallotSerializer(many=True, label="评议票（不记名）")


class RoundScoreSerializer(serializers.Serializer):
    quantified_score = serializers.DecimalField(max_digits=6, decimal_places=2, label="量化考核得分")
    defence_score = serializers.DecimalField(max_digits=6, decimal_places=2, label="现场答辩得分")
    quantified_weight = serializers.DecimalField(max_digits=5, decimal_places=4, label="量化考核权重")
    democratic_weight = serializers.DecimalField(max_digits=5, decimal_places=4, label="民主评议权重")
    defence_weight = serializers.DecimalField(max_digits=5, decimal_places=4, label="现场答辩权重")


class RoundWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(label="撤回理由", required=False, allow_blank=True, default="", max_length=200)


class ProposedListSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, label="状态代码")
    institution_name = serializers.CharField(source="institution.name", read_only=True, label="单位")
    status_display = ChoiceLabelField(source="get_status_display", label="状态名称")
    publicity = serializers.SerializerMethodField(label="公示")

    class Meta:
        model = ProposedList
        fields = [
            "id",
            "round",
            "institution",
            "institution_name",
            "status",
            "status_display",
            "proposed_on",
            "approval_document",
            "approved_on",
            "publicity",
        ]
        read_only_fields = fields

    def get_publicity(self, obj) -> dict | None:
        # The list's publicities come prefetched (one query for the page).
        publicities = sorted(obj.publicities.all(), key=lambda p: (p.starts_on, p.pk))
        if not publicities:
            return None
        p = publicities[-1]
        return {
            "id": p.pk,
            "title": p.title,
            "starts_on": p.starts_on,
            "ends_on": p.ends_on,
            "working_days": p.working_days,
            "status": p.status,
        }


class RoundStartPublicitySerializer(serializers.Serializer):
    starts_on = serializers.DateField(label="公示开始日期")


class RoundEndPublicitySerializer(serializers.Serializer):
    on = serializers.DateField(label="结束日期")


class RoundListApproveSerializer(serializers.Serializer):
    approved_on = serializers.DateField(label="审批日期")
    document = serializers.CharField(label="批复文号", required=False, allow_blank=True, default="", max_length=64)
    note = serializers.CharField(label="审批意见", required=False, allow_blank=True, default="")


class RoundObjectionSerializer(serializers.Serializer):
    lodged_on = serializers.DateField(label="提出日期")
    lodged_by_name = serializers.CharField(label="异议人", max_length=64)
    content = serializers.CharField(label="异议内容")
    contact = serializers.CharField(label="联系方式", required=False, allow_blank=True, default="", max_length=64)


class RoundAnswerSerializer(serializers.Serializer):
    objection = serializers.IntegerField(label="异议编号")
    answer = serializers.CharField(label="核查答复")


class AgreementSerializer(serializers.ModelSerializer):
    staff_name = serializers.CharField(source="application.staff.name", read_only=True, label="姓名")
    institution_name = serializers.CharField(source="application.institution.name", read_only=True, label="单位")
    post_grade_name = serializers.CharField(source="post_grade.name", read_only=True, label="聘任岗位")
    is_signed = serializers.BooleanField(read_only=True, label="已签订")

    class Meta:
        model = Agreement
        fields = [
            "id",
            "application",
            "number",
            "title",
            "staff_name",
            "institution_name",
            "post_grade",
            "post_grade_name",
            "pay_grade",
            "term_start",
            "term_end",
            "targets",
            "text",
            "generated_at",
            "is_signed",
            "signed_on",
            "uploaded_by",
            "uploaded_at",
            "new_appointment",
        ]
        read_only_fields = fields


class GenerateAgreementSerializer(serializers.Serializer):
    application = ScopedPrimaryKeyRelatedField(scope=visible_applications, model=Application, label="聘任申报")


class AgreementSignSerializer(serializers.Serializer):
    signed_on = serializers.DateField(label="签订日期")
    signed_file = serializers.FileField(label="签字扫描件")

    def validate_signed_file(self, value):
        name = (value.name or "").lower()
        if not name.endswith((".pdf", ".jpg", ".jpeg", ".png")):
            raise serializers.ValidationError("扫描件应为PDF或JPG/PNG图片。")
        if value.size > 20 * 1024 * 1024:
            raise serializers.ValidationError("扫描件不能超过20MB。")
        return value
