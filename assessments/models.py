"""Assessment periods, scoring schemes (items + grade bands, versioned), score records with their
audit trail and optimistic version, HIS workload records and monthly target progress."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from appointments.models import DutyTarget
from personnel.choices import Role
from personnel.models import Department, Institution, Region, Staff, User

from .choices import AssessmentStatus, Grade, PeriodKind, PeriodStatus, SchemeKind


class AssessmentPeriod(models.Model):
    """A month, quarter or year of a region, opened and closed by the health commission.  A
    closed period is read-only; re-opening it needs a reason, kept in its history."""

    region = models.ForeignKey(Region, verbose_name="地区", on_delete=models.PROTECT, related_name="assessment_periods")
    kind = models.CharField("考核类型", max_length=16, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField("年度")
    number = models.PositiveSmallIntegerField("月份/季度", default=0, help_text="月度为1–12，季度为1–4，年度为0。")
    start = models.DateField("开始日期")
    end = models.DateField("结束日期")
    status = models.CharField("状态", max_length=16, choices=PeriodStatus.choices, default=PeriodStatus.OPEN)

    history = HistoricalRecords(verbose_name="考核期间变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "考核期间"
        ordering = ["region_id", "-start", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kind", "year", "number"], name="period_unique_in_region"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="period_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.label}{self.get_kind_display()}考核"

    @property
    def label(self) -> str:
        """The label files use: 2026-03, 2026Q1, 2026."""
        if self.kind == PeriodKind.MONTHLY:
            return f"{self.year}-{self.number:02d}"
        if self.kind == PeriodKind.QUARTERLY:
            return f"{self.year}Q{self.number}"
        return str(self.year)

    @property
    def is_closed(self) -> bool:
        return self.status == PeriodStatus.CLOSED


class Scheme(models.Model):
    """A scoring scheme (考核方案): items and grade bands.  Versioned: a revision is a new row with
    the same code and version + 1; a version that scored anyone is never edited, so an assessment
    keeps the numbers it was made under."""

    region = models.ForeignKey(Region, verbose_name="地区", on_delete=models.PROTECT, related_name="assessment_schemes")
    code = models.CharField("方案代码", max_length=48)
    version = models.PositiveIntegerField("版本", default=1)
    name = models.CharField("方案名称", max_length=100)
    kind = models.CharField("适用考核", max_length=16, choices=SchemeKind.choices)
    effective_from = models.DateField("生效日期")
    note = models.TextField("修订说明", blank=True)
    created_by = models.ForeignKey(
        User, verbose_name="创建人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "考核方案"
        ordering = ["region_id", "code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["region", "code", "version"], name="scheme_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"


class SchemeItem(models.Model):
    scheme = models.ForeignKey(Scheme, verbose_name="方案", on_delete=models.CASCADE, related_name="items")
    code = models.CharField("项目代码", max_length=32)
    name = models.CharField("考核项目", max_length=64)
    max_points = models.DecimalField("满分", max_digits=6, decimal_places=2)
    weight = models.DecimalField("权重", max_digits=5, decimal_places=4, default=1)
    scorer_role = models.CharField("评分人", max_length=32, choices=Role.choices)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "考核项目"
        ordering = ["scheme_id", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "code"], name="scheme_item_code_unique"),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="scheme_item_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（满分{self.max_points.normalize():f}）"


class GradeBand(models.Model):
    """等次: a total of at least `min_points` earns `grade` (the highest band reached wins)."""

    scheme = models.ForeignKey(Scheme, verbose_name="方案", on_delete=models.CASCADE, related_name="bands")
    grade = models.CharField("等次", max_length=16, choices=Grade.choices)
    min_points = models.DecimalField("最低分（含）", max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "等次分数线"
        ordering = ["scheme_id", "-min_points"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "grade"], name="grade_band_once_per_scheme"),
        ]

    def __str__(self) -> str:
        return f"{self.get_grade_display()} ≥ {self.min_points.normalize():f}"


class Assessment(models.Model):
    """One person's result for one period (考核结果): item scores, total, grade, under one scheme
    version.  `version` is the optimistic lock: a save carrying an older version is refused."""

    period = models.ForeignKey(
        AssessmentPeriod, verbose_name="考核期间", on_delete=models.PROTECT, related_name="assessments"
    )
    staff = models.ForeignKey(Staff, verbose_name="人员", on_delete=models.PROTECT, related_name="assessments")
    scheme = models.ForeignKey(Scheme, verbose_name="考核方案", on_delete=models.PROTECT, related_name="assessments")
    department = models.ForeignKey(
        Department, verbose_name="考核时科室", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    scores = models.JSONField("分项得分", default=dict, blank=True)
    total = models.DecimalField("总分", max_digits=7, decimal_places=2, null=True, blank=True)
    grade = models.CharField("等次", max_length=16, choices=Grade.choices, blank=True)
    status = models.CharField("状态", max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT)
    note = models.CharField("备注", max_length=200, blank=True)
    version = models.PositiveIntegerField("版本", default=1)
    entered_by = models.ForeignKey(
        User, verbose_name="录入人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(verbose_name="考核结果变更记录", excluded_fields=["updated_at"])

    class Meta:
        verbose_name = verbose_name_plural = "考核结果"
        ordering = ["period_id", "staff_id"]
        constraints = [
            models.UniqueConstraint(fields=["period", "staff"], name="assessment_once_per_period"),
        ]
        indexes = [
            models.Index(fields=["staff", "period"], name="assessment_staff_period"),
            # Counts per period, status and grade within a scope (the dashboard's grade distribution
            # and completion) read this index alone, not 50,000 heap rows scattered over 21 million
            # (bench/optimizations.md: 1.5 s -> 0.14 s for a county of 9,200 staff).
            models.Index(fields=["period", "status", "grade", "staff"], name="assessment_period_status_grade"),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} {self.period}"

    @property
    def is_submitted(self) -> bool:
        return self.status == AssessmentStatus.SUBMITTED


class WorkloadMetric(models.Model):
    """A workload kind HIS reports (门诊人次、四级手术、会诊…); codes are data."""

    code = models.CharField("指标代码", max_length=48, unique=True)
    name = models.CharField("指标名称", max_length=64)
    unit = models.CharField("单位", max_length=16, default="次")

    class Meta:
        verbose_name = verbose_name_plural = "工作量指标"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class WorkloadRecord(models.Model):
    """One HIS record; (institution, source_record_id) makes a resend change nothing."""

    institution = models.ForeignKey(
        Institution, verbose_name="报送机构", on_delete=models.PROTECT, related_name="workload_records"
    )
    staff = models.ForeignKey(Staff, verbose_name="人员", on_delete=models.PROTECT, related_name="workload_records")
    metric = models.ForeignKey(WorkloadMetric, verbose_name="指标", on_delete=models.PROTECT, related_name="+")
    date = models.DateField("日期")
    quantity = models.DecimalField("数量", max_digits=10, decimal_places=2)
    source_record_id = models.CharField("来源记录号", max_length=64)
    created_at = models.DateTimeField("接收时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "工作量记录"
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "source_record_id"], name="workload_source_unique"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="workload_quantity_not_negative"),
        ]
        indexes = [models.Index(fields=["staff", "metric", "date"], name="workload_progress_lookup")]

    def __str__(self) -> str:
        return f"{self.source_record_id}"


class TargetProgressEntry(models.Model):
    """A month's progress on a duty target entered by the department (beside what HIS reports)."""

    target = models.ForeignKey(
        DutyTarget, verbose_name="必尽任务", on_delete=models.CASCADE, related_name="progress_entries"
    )
    month = models.DateField("月份", help_text="该月1日。")
    quantity = models.DecimalField("完成数量", max_digits=10, decimal_places=2)
    entered_by = models.ForeignKey(
        User, verbose_name="录入人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords(verbose_name="任务进度变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "任务进度（月度录入）"
        ordering = ["target_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["target", "month"], name="progress_once_per_month"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="progress_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}：{self.quantity.normalize():f}"

    def clean(self) -> None:
        if self.month and self.month.day != 1:
            raise ValidationError({"month": "月份应为该月1日。"})
