"""聘任轮次 (seed 000 §四, §五; seed 003): every year, after the annual assessment is published, the
commission runs a round: the appointments whose term ends, the demoted staff who may be restored
and the vacancies of each institution and grade are gathered; people apply, HR checks their
qualification, candidates are scored, ranked and proposed within the quota, the list of each
institution is publicised (the one `publicity` mechanism) and approved, and each approved
appointment is signed as an agreement.  Whoever is not re-appointed gets an ending decision."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from appointments.models import Appointment
from demotions.choices import BallotGroup
from demotions.models import DemotionCase
from personnel.models import Institution, PolicyVersion, PostGrade, Region, Staff, User
from publicity.models import Publicity

from .choices import ApplicationSource, ApplicationStatus, CandidateSource, EndingOutcome, ListStatus, RoundStatus


class AppointmentRound(models.Model):
    region = models.ForeignKey(Region, verbose_name="地区", on_delete=models.PROTECT, related_name="appointment_rounds")
    year = models.PositiveSmallIntegerField("年度", help_text="新聘期开始的年度；岗位数按该年度核定数计算。")
    name = models.CharField("名称", max_length=100)
    opened_on = models.DateField("启动日期")
    ends_by = models.DateField("聘期届满截止日", help_text="聘期在此日或之前届满的聘任纳入本轮。")
    term_start = models.DateField("新聘期开始日期")
    status = models.CharField("状态", max_length=16, choices=RoundStatus.choices, default=RoundStatus.OPEN)
    policy = models.ForeignKey(PolicyVersion, verbose_name="依据政策版本", on_delete=models.PROTECT, related_name="+")
    opened_by = models.ForeignKey(
        User, verbose_name="启动人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="聘任轮次变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "聘任轮次"
        ordering = ["-year", "region_id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="round_once_per_region_year"),
            models.CheckConstraint(condition=Q(term_start__gt=models.F("ends_by")), name="round_term_after_ends_by"),
        ]

    def __str__(self) -> str:
        return self.name


class RoundCandidate(models.Model):
    """Someone the round gathered when it opened: a term ending within the round, or a demoted
    person eligible for restoration.  Each must end the round signed or with an ending decision."""

    round = models.ForeignKey(
        AppointmentRound, verbose_name="聘任轮次", on_delete=models.CASCADE, related_name="candidates"
    )
    staff = models.ForeignKey(Staff, verbose_name="人员", on_delete=models.PROTECT, related_name="+")
    institution = models.ForeignKey(Institution, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    appointment = models.ForeignKey(
        Appointment, verbose_name="当前聘任", on_delete=models.PROTECT, related_name="round_candidacies"
    )
    source = models.CharField("来源", max_length=16, choices=CandidateSource.choices)
    demotion_case = models.ForeignKey(
        DemotionCase, verbose_name="高职低聘案件", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    restore_grade = models.ForeignKey(
        PostGrade, verbose_name="可恢复的岗位等级", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = verbose_name_plural = "本轮涉及人员"
        ordering = ["round_id", "institution_id", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "staff"], name="round_candidate_once")]

    def __str__(self) -> str:
        return f"{self.staff.name}（{self.get_source_display()}）"


class ProposedList(models.Model):
    """拟聘任名单 of one institution in a round: the subject of its publicity (公示) and approval."""

    round = models.ForeignKey(AppointmentRound, verbose_name="聘任轮次", on_delete=models.CASCADE, related_name="lists")
    institution = models.ForeignKey(Institution, verbose_name="单位", on_delete=models.PROTECT, related_name="+")
    status = models.CharField("状态", max_length=16, choices=ListStatus.choices, default=ListStatus.DRAFT)
    proposed_on = models.DateField("拟定日期")
    proposed_by = models.ForeignKey(
        User, verbose_name="拟定人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approval_document = models.CharField("批复文号", max_length=64, blank=True)
    approval_note = models.TextField("审批意见", blank=True)
    approved_on = models.DateField("审批日期", null=True, blank=True)
    approved_by = models.ForeignKey(
        User, verbose_name="审批人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    publicities = GenericRelation(Publicity, related_query_name="round_list")

    history = HistoricalRecords(verbose_name="拟聘名单变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "拟聘任名单"
        ordering = ["round_id", "institution_id"]
        constraints = [models.UniqueConstraint(fields=["round", "institution"], name="round_list_once_per_institution")]

    def __str__(self) -> str:
        return f"{self.round.name}·{self.institution.name}拟聘任名单"


class Application(models.Model):
    round = models.ForeignKey(
        AppointmentRound, verbose_name="聘任轮次", on_delete=models.PROTECT, related_name="applications"
    )
    staff = models.ForeignKey(Staff, verbose_name="人员", on_delete=models.PROTECT, related_name="round_applications")
    institution = models.ForeignKey(
        Institution, verbose_name="聘任单位", on_delete=models.PROTECT, related_name="round_applications"
    )
    post_grade = models.ForeignKey(PostGrade, verbose_name="申报岗位等级", on_delete=models.PROTECT, related_name="+")
    current_appointment = models.ForeignKey(
        Appointment, verbose_name="当前聘任", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField("申报类型", max_length=16, choices=ApplicationSource.choices)
    applied_on = models.DateField("申报日期")
    achievements = models.TextField("业绩与佐证材料说明", blank=True)
    target_completion = models.JSONField(
        "上一聘期必尽任务完成情况", default=list, blank=True, help_text="申报时自动附上，申报后不再变化。"
    )
    status = models.CharField(
        "状态", max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    # 资格审查
    qualification_note = models.TextField("资格审查意见", blank=True)
    checked_by = models.ForeignKey(
        User, verbose_name="审查人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField("审查时间", null=True, blank=True)
    # 综合考核: 量化评分（≥70%）+ 民主评议 + 现场答辩
    quantified_score = models.DecimalField("量化考核得分", max_digits=6, decimal_places=2, null=True, blank=True)
    quantified_weight = models.DecimalField("量化考核权重", max_digits=5, decimal_places=4, null=True, blank=True)
    democratic_score = models.DecimalField("民主评议得分", max_digits=6, decimal_places=2, null=True, blank=True)
    democratic_weight = models.DecimalField("民主评议权重", max_digits=5, decimal_places=4, null=True, blank=True)
    defence_score = models.DecimalField("现场答辩得分", max_digits=6, decimal_places=2, null=True, blank=True)
    defence_weight = models.DecimalField("现场答辩权重", max_digits=5, decimal_places=4, null=True, blank=True)
    combined_score = models.DecimalField("综合得分", max_digits=6, decimal_places=2, null=True, blank=True)
    scored_by = models.ForeignKey(
        User, verbose_name="评分录入人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # 排名与拟聘
    rank = models.PositiveSmallIntegerField("排名", null=True, blank=True)
    rank_note = models.CharField("排名说明", max_length=200, blank=True)
    proposed_list = models.ForeignKey(
        ProposedList,
        verbose_name="拟聘任名单",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )
    created_by = models.ForeignKey(
        User, verbose_name="申报录入人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(verbose_name="聘任申报变更记录", excluded_fields=["updated_at"])

    class Meta:
        verbose_name = verbose_name_plural = "聘任申报"
        ordering = ["round_id", "institution_id", "post_grade_id", "rank", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "staff"],
                condition=~Q(status__in=["withdrawn", "rejected"]),
                name="one_live_application_per_round",
            ),
        ]
        indexes = [models.Index(fields=["round", "institution", "post_grade", "status"], name="application_board")]

    def __str__(self) -> str:
        return f"{self.staff.name} 申报{self.post_grade}"


class ApplicationBallot(models.Model):
    """民主评议 ballot: a group and a score, deliberately nothing that names the voter; only the
    tally per group is ever shown (as demotions.DemocraticBallot)."""

    application = models.ForeignKey(Application, verbose_name="申报", on_delete=models.CASCADE, related_name="ballots")
    group = models.CharField("评议人类别", max_length=16, choices=BallotGroup.choices)
    score = models.DecimalField("评议得分", max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "民主评议票"
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="round_ballot_score_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.get_group_display()}票"


class ApplicationEvidence(models.Model):
    """佐证材料 of an application (seed 000 §四(二)1: the review checks the materials' authenticity).
    Served only through the application's scoped download, never from a public URL."""

    application = models.ForeignKey(Application, verbose_name="申报", on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField("文件", upload_to="rounds/evidence/%Y/%m/")
    name = models.CharField("文件名", max_length=200)
    description = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        User, verbose_name="上传人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "申报佐证材料"
        ordering = ["application_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


AGREEMENT_PLACEHOLDERS = {
    "number": "协议编号",
    "institution": "聘任单位",
    "staff_name": "受聘人姓名",
    "id_number": "受聘人身份证号（仅显示末四位）",
    "title": "现有职称",
    "post_grade": "聘任岗位等级",
    "pay_grade": "岗位工资等级",
    "term_start": "聘期开始",
    "term_end": "聘期结束",
    "term_years": "聘期（年）",
    "duties": "岗位职责",
    "targets": "本聘期高职称必尽任务",
    "policy": "依据政策",
}


class AgreementTemplate(models.Model):
    """聘任协议模板 of a policy version; the body names placeholders such as {staff_name}."""

    policy = models.OneToOneField(
        PolicyVersion, verbose_name="政策版本", on_delete=models.CASCADE, related_name="agreement_template"
    )
    title = models.CharField("协议标题", max_length=100, default="事业单位专业技术岗位聘任协议")
    body = models.TextField(
        "协议正文", help_text="可用占位符：" + "、".join("{" + k + "}" for k in AGREEMENT_PLACEHOLDERS)
    )
    duties = models.TextField("岗位职责（通用）", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "聘任协议模板"

    def __str__(self) -> str:
        return f"{self.policy}·{self.title}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .rules import unknown_placeholders

        unknown = unknown_placeholders(self.body, AGREEMENT_PLACEHOLDERS)
        if unknown:
            raise ValidationError({"body": f"未知的占位符：{'、'.join(unknown)}。"})


class Agreement(models.Model):
    """聘任协议 of an approved application; signing it creates the new appointment."""

    application = models.OneToOneField(
        Application, verbose_name="聘任申报", on_delete=models.PROTECT, related_name="agreement"
    )
    number = models.CharField("协议编号", max_length=40, unique=True)
    title = models.CharField("协议标题", max_length=100)
    text = models.TextField("协议文本")
    template = models.ForeignKey(
        AgreementTemplate, verbose_name="协议模板", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post_grade = models.ForeignKey(PostGrade, verbose_name="聘任岗位等级", on_delete=models.PROTECT, related_name="+")
    pay_grade = models.ForeignKey(PostGrade, verbose_name="岗位工资等级", on_delete=models.PROTECT, related_name="+")
    term_start = models.DateField("聘期开始")
    term_end = models.DateField("聘期结束")
    targets = models.JSONField("本聘期必尽任务", default=list, blank=True)
    generated_at = models.DateTimeField("生成时间", auto_now_add=True)
    generated_by = models.ForeignKey(
        User, verbose_name="生成人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_on = models.DateField("签订日期", null=True, blank=True)
    signed_file = models.FileField("签字扫描件", upload_to="rounds/agreements/%Y/", blank=True)
    uploaded_by = models.ForeignKey(
        User, verbose_name="扫描件上传人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", null=True, blank=True)
    new_appointment = models.OneToOneField(
        Appointment,
        verbose_name="新聘任",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="round_agreement",
    )

    history = HistoricalRecords(verbose_name="聘任协议变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "聘任协议"
        ordering = ["-generated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__gt=models.F("term_start")), name="agreement_term_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_signed(self) -> bool:
        return self.signed_on is not None


class EndingDecision(models.Model):
    """A person gathered by the round whose term ends without re-appointment: lower post, special
    post or other — recorded, so nobody silently falls out of the registry."""

    round = models.ForeignKey(
        AppointmentRound, verbose_name="聘任轮次", on_delete=models.CASCADE, related_name="ending_decisions"
    )
    candidate = models.OneToOneField(
        RoundCandidate, verbose_name="本轮涉及人员", on_delete=models.CASCADE, related_name="ending_decision"
    )
    outcome = models.CharField("处理结果", max_length=16, choices=EndingOutcome.choices)
    post_grade = models.ForeignKey(
        PostGrade, verbose_name="拟聘岗位等级", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField("说明")
    decided_on = models.DateField("决定日期")
    decided_by = models.ForeignKey(
        User, verbose_name="决定录入人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="期满处理变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "期满未续聘处理"
        ordering = ["round_id", "id"]

    def __str__(self) -> str:
        return f"{self.candidate.staff.name}：{self.get_outcome_display()}"
