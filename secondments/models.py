"""县聘乡用 (seed 001): yearly demand and dispatch lists, their matches, the secondments they
become, attendance and leave, the annual assessment and the end-of-service evaluation."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from personnel.choices import Category
from personnel.models import Institution, PolicyVersion, Staff

from .choices import (
    AnnualGrade,
    AssessmentParty,
    AttendanceStatus,
    EvaluationResult,
    MatchStatus,
    SecondmentReason,
    SecondmentStatus,
)

SCORE_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


class Demand(models.Model):
    """A township facility's yearly demand (每年底上报需求)."""

    year = models.PositiveSmallIntegerField("年度")
    institution = models.ForeignKey(
        Institution, verbose_name="需求单位", on_delete=models.PROTECT, related_name="secondment_demands"
    )
    category = models.CharField("专业类别", max_length=16, choices=Category.choices)
    specialty = models.CharField("专业方向", max_length=64, blank=True)
    count = models.PositiveSmallIntegerField("需求人数", validators=[MinValueValidator(1)])
    is_remote = models.BooleanField("边远地区", default=False)
    remarks = models.TextField("备注", blank=True)
    created_at = models.DateTimeField("填报时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="需求变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "下沉需求"
        ordering = ["-year", "institution_id", "id"]

    def __str__(self) -> str:
        return f"{self.year} {self.institution}·{self.get_category_display()}×{self.count}"


class Offer(models.Model):
    """One person on a hospital's dispatch list (派遣人员名单)."""

    year = models.PositiveSmallIntegerField("年度")
    institution = models.ForeignKey(
        Institution, verbose_name="派出单位", on_delete=models.PROTECT, related_name="secondment_offers"
    )
    staff = models.ForeignKey(Staff, verbose_name="人员", on_delete=models.PROTECT, related_name="secondment_offers")
    reason = models.CharField("下沉原因", max_length=16, choices=SecondmentReason.choices)
    prefers_remote = models.BooleanField("可赴边远地区", default=True)
    remarks = models.TextField("备注", blank=True)
    created_at = models.DateTimeField("填报时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="派遣名单变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "派遣名单"
        ordering = ["-year", "institution_id", "id"]
        constraints = [models.UniqueConstraint(fields=["year", "staff"], name="offer_once_per_staff_year")]

    def __str__(self) -> str:
        return f"{self.year} {self.staff}"


class Secondment(models.Model):
    """A stint of full-time service at a grassroots facility (县聘乡用)."""

    staff = models.ForeignKey(Staff, verbose_name="人员", on_delete=models.PROTECT, related_name="secondments")
    dispatching_unit = models.ForeignKey(
        Institution, verbose_name="派出单位", on_delete=models.PROTECT, related_name="outgoing_secondments"
    )
    receiving_unit = models.ForeignKey(
        Institution, verbose_name="接收单位", on_delete=models.PROTECT, related_name="incoming_secondments"
    )
    policy = models.ForeignKey(PolicyVersion, verbose_name="适用政策", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField("下沉原因", max_length=16, choices=SecondmentReason.choices)
    start = models.DateField("开始日期")
    planned_end = models.DateField("计划结束日期")
    end = models.DateField("结束日期（含顺延）")
    extension_days = models.PositiveIntegerField("顺延天数", default=0)
    full_time = models.BooleanField("全脱产", default=True)
    practice_registration_no = models.CharField("多机构执业备案号", max_length=64, blank=True)
    tasks = models.TextField("支援期间主要任务", blank=True)
    status = models.CharField("状态", max_length=16, choices=SecondmentStatus.choices, default=SecondmentStatus.PLANNED)
    absences = models.PositiveIntegerField("旷工次数", default=0)
    served_days = models.PositiveIntegerField("已服务天数", default=0)
    counts_as_service = models.BooleanField("计入基层服务经历", default=True)
    misses_deadline = models.BooleanField("将超出下沉期限", default=False)
    deadline = models.DateField("须完成下沉的期限", null=True, blank=True)
    recomputed_on = models.DateField("最近核算日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="下沉变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "县聘乡用"
        ordering = ["-start", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(planned_end__gt=F("start")), name="secondment_end_after_start"),
            models.CheckConstraint(condition=Q(end__gte=F("planned_end")), name="secondment_end_not_before_plan"),
        ]
        indexes = [models.Index(fields=["status", "end"], name="secondment_status_end")]

    def __str__(self) -> str:
        return f"{self.staff.name}：{self.dispatching_unit} → {self.receiving_unit}（{self.start:%Y-%m-%d}起）"

    def clean(self) -> None:
        if self.dispatching_unit_id and self.dispatching_unit_id == self.receiving_unit_id:
            raise ValidationError({"receiving_unit": "接收单位不能是派出单位。"})


class Match(models.Model):
    """The commission's pairing of a demand with a person on a dispatch list."""

    demand = models.ForeignKey(Demand, verbose_name="需求", on_delete=models.CASCADE, related_name="matches")
    offer = models.OneToOneField(Offer, verbose_name="派遣人员", on_delete=models.CASCADE, related_name="match")
    status = models.CharField("状态", max_length=16, choices=MatchStatus.choices, default=MatchStatus.SUGGESTED)
    secondment = models.OneToOneField(
        Secondment, verbose_name="下沉记录", null=True, blank=True, on_delete=models.SET_NULL, related_name="match"
    )

    history = HistoricalRecords(verbose_name="匹配变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "供需匹配"
        ordering = ["demand_id", "id"]

    def __str__(self) -> str:
        return f"{self.demand} ← {self.offer.staff}"


class Leave(models.Model):
    """A leave recorded by the receiving unit; one over the threshold is filed and extends the end."""

    secondment = models.ForeignKey(Secondment, verbose_name="下沉记录", on_delete=models.CASCADE, related_name="leaves")
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    days = models.PositiveIntegerField("天数")
    reason = models.CharField("事由", max_length=200, blank=True)
    filed_with_commission = models.BooleanField("已向领导小组办公室备案", default=False)
    extends_service = models.BooleanField("顺延服务期", default=False)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="请假变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "请假"
        ordering = ["secondment_id", "start"]
        constraints = [models.CheckConstraint(condition=Q(end__gte=F("start")), name="leave_end_not_before_start")]

    def __str__(self) -> str:
        return f"{self.secondment.staff.name} 请假 {self.start:%Y-%m-%d}～{self.end:%Y-%m-%d}（{self.days}天）"


class Attendance(models.Model):
    """One day's attendance at the receiving unit (posted by its system or recorded by hand)."""

    secondment = models.ForeignKey(
        Secondment, verbose_name="下沉记录", on_delete=models.CASCADE, related_name="attendance"
    )
    date = models.DateField("日期")
    status = models.CharField("出勤", max_length=16, choices=AttendanceStatus.choices)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="出勤变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "出勤"
        ordering = ["secondment_id", "date"]
        constraints = [models.UniqueConstraint(fields=["secondment", "date"], name="attendance_once_per_day")]

    def __str__(self) -> str:
        return f"{self.secondment.staff.name} {self.date:%Y-%m-%d} {self.get_status_display()}"


class AnnualAssessment(models.Model):
    """The separate annual assessment (单列考核) of one secondment in one year."""

    secondment = models.ForeignKey(
        Secondment, verbose_name="下沉记录", on_delete=models.CASCADE, related_name="assessments"
    )
    year = models.PositiveSmallIntegerField("年度")
    policy = models.ForeignKey(PolicyVersion, verbose_name="适用政策", on_delete=models.PROTECT, related_name="+")
    total = models.DecimalField("加权总分", max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField("等次", max_length=16, choices=AnnualGrade.choices, blank=True)

    history = HistoricalRecords(verbose_name="年度考核变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "年度考核（县聘乡用）"
        ordering = ["-year", "-total", "id"]
        constraints = [models.UniqueConstraint(fields=["secondment", "year"], name="assessment_once_per_year")]

    def __str__(self) -> str:
        return f"{self.secondment.staff.name} {self.year}年度考核"


class AssessmentScore(models.Model):
    """One party's scores over the five aspects (100 points in all)."""

    assessment = models.ForeignKey(
        AnnualAssessment, verbose_name="年度考核", on_delete=models.CASCADE, related_name="scores"
    )
    party = models.CharField("评分方", max_length=16, choices=AssessmentParty.choices)
    duty = models.DecimalField("履职情况", max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS)
    conduct = models.DecimalField("工作作风", max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS)
    attendance = models.DecimalField("出勤情况", max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS)
    workload = models.DecimalField("工作量", max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS)
    achievement = models.DecimalField("工作业绩", max_digits=5, decimal_places=2, validators=SCORE_VALIDATORS)

    history = HistoricalRecords(verbose_name="考核评分变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "考核评分"
        constraints = [models.UniqueConstraint(fields=["assessment", "party"], name="score_once_per_party")]

    def __str__(self) -> str:
        return f"{self.assessment} {self.get_party_display()}"

    @property
    def total(self):
        return self.duty + self.conduct + self.attendance + self.workload + self.achievement

    def clean(self) -> None:
        parts = (self.duty, self.conduct, self.attendance, self.workload, self.achievement)
        if all(p is not None for p in parts) and sum(parts) > 100:
            raise ValidationError("五个方面合计不能超过100分。")


class Evaluation(models.Model):
    """服务期满评价表 (seed 001 annex)."""

    secondment = models.OneToOneField(
        Secondment, verbose_name="下沉记录", on_delete=models.CASCADE, related_name="evaluation"
    )
    patients_seen = models.PositiveIntegerField("诊疗病人（人次）", default=0)
    surgeries = models.PositiveIntegerField("开展手术（台次）", default=0)
    case_discussions = models.PositiveIntegerField("主持病例讨论（次）", default=0)
    juniors_mentored = models.PositiveIntegerField("带教下级医生（人）", default=0)
    lectures = models.PositiveIntegerField("开展专题讲座（次）", default=0)
    new_techniques = models.PositiveIntegerField("开展新技术新项目（项）", default=0)
    other_workload = models.TextField("其他工作量", blank=True)
    summary = models.TextField("工作小结", blank=True)
    dispatching_opinion = models.TextField("派出单位意见", blank=True)
    receiving_opinion = models.TextField("接收单位意见（德能勤绩廉）", blank=True)
    commission_opinion = models.TextField("接收单位主管部门意见", blank=True)
    result = models.CharField("评价结果", max_length=8, choices=EvaluationResult.choices, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(verbose_name="期满评价变更记录", excluded_fields=["updated_at"])

    class Meta:
        verbose_name = verbose_name_plural = "服务期满评价"

    def __str__(self) -> str:
        return f"{self.secondment.staff.name} 服务期满评价"
