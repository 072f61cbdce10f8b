from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from personnel.choices import Category, TitleLevel
from personnel.models import Institution, PolicyVersion, PostGrade, Staff
from personnel.policy import POLICY_FIELDS

from .choices import AppointmentKind, AppointmentStatus, TargetPer


class Appointment(models.Model):
    """聘任: a person appointed to a post grade at an institution for a term."""

    staff = models.ForeignKey(Staff, verbose_name="人员", on_delete=models.PROTECT, related_name="appointments")
    institution = models.ForeignKey(
        Institution, verbose_name="聘任单位", on_delete=models.PROTECT, related_name="appointments"
    )
    post_grade = models.ForeignKey(PostGrade, verbose_name="岗位等级", on_delete=models.PROTECT)
    start = models.DateField("聘任开始")
    end = models.DateField("聘任结束")
    kind = models.CharField("聘任类型", max_length=16, choices=AppointmentKind.choices, default=AppointmentKind.NORMAL)
    status = models.CharField(
        "状态", max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.ACTIVE
    )
    agreement_text = models.TextField("聘任协议", blank=True)
    policy = models.ForeignKey(
        PolicyVersion, verbose_name="依据政策版本", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="聘任变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "聘任"
        ordering = ["-start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff"], condition=Q(status="active"), name="one_active_appointment_per_staff"
            ),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="appointment_end_after_start"),
        ]
        indexes = [
            models.Index(fields=["institution", "post_grade", "status"], name="appointment_quota_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} {self.post_grade}（{self.start:%Y-%m-%d}至{self.end:%Y-%m-%d}）"

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "聘任结束日期须晚于开始日期。"})


SENIOR_TITLE_LEVELS = (TitleLevel.SENIOR, TitleLevel.ASSOCIATE_SENIOR)


def _check_milestones(value) -> None:
    """Cumulative shares per quarter of the term, rising, each within 0..1 (blank = pro rata)."""
    if value in (None, []):
        return
    if not isinstance(value, list) or not all(isinstance(v, int | float | str) for v in value):
        raise ValidationError("季度节点应为按季度累计的完成比例列表，例如 [0.1, 0.25, …, 1]。")
    try:
        shares = [float(v) for v in value]
    except ValueError as error:
        raise ValidationError("季度节点比例应为数字。") from error
    if any(s < 0 or s > 1 for s in shares) or shares != sorted(shares):
        raise ValidationError("季度节点比例应在0到1之间，且逐季不减。")


class DutyTargetTemplate(models.Model):
    """高职称必尽任务模板: one quantified target of a policy for a title level (and categories).

    The number is never stored here: `policy_key` names the policy field that holds it
    (seed 000: `target_sessions_associate` = 8), times `multiplier_key` when the seed gives two
    numbers (1 day a week × 8 hours).  Targets of one `alternative_group` are alternatives: meeting
    any one of them meets the group ("20 difficult cases *or* 15 level-4 surgeries")."""

    policy = models.ForeignKey(
        PolicyVersion, verbose_name="政策版本", on_delete=models.CASCADE, related_name="duty_target_templates"
    )
    code = models.CharField("代码", max_length=48)
    name = models.CharField("任务名称", max_length=100)
    title_level = models.CharField("职称级别", max_length=20, choices=TitleLevel.choices)
    categories = models.JSONField("适用专业类别", default=list, blank=True, help_text="留空则适用全部类别。")
    metric = models.CharField("工作量指标代码", max_length=48, help_text="进度按该指标的工作量累计。")
    policy_key = models.CharField("数量取自政策参数", max_length=64)
    multiplier_key = models.CharField("乘以政策参数", max_length=64, blank=True)
    per = models.CharField("计量周期", max_length=8, choices=TargetPer.choices, default=TargetPer.TERM)
    alternative_group = models.CharField("可替代组", max_length=48, blank=True)
    milestones = models.JSONField("季度节点（累计比例）", default=list, blank=True, validators=[_check_milestones])
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "必尽任务模板"
        ordering = ["policy_id", "title_level", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "title_level", "code"], name="duty_template_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_title_level_display()}）"

    def clean(self) -> None:
        errors = {}
        for field in ("policy_key", "multiplier_key"):
            key = getattr(self, field)
            if key and key not in POLICY_FIELDS:
                errors[field] = f"未知的政策参数“{key}”。"
        if self.title_level and self.title_level not in SENIOR_TITLE_LEVELS:
            errors["title_level"] = "必尽任务只适用于正高、副高职称。"
        if self.categories and not set(self.categories) <= set(Category.values):
            errors["categories"] = "专业类别不正确。"
        if errors:
            raise ValidationError(errors)

    def quantity_per_unit(self, policy: PolicyVersion):
        """The policy's number for one `per` unit (raises KeyError naming a missing policy key)."""
        quantity = getattr(policy, self.policy_key)
        if self.multiplier_key:
            quantity = quantity * getattr(policy, self.multiplier_key)
        return quantity


class DutyTarget(models.Model):
    """One duty target of one appointment for its term, instantiated from a template.  The term
    total is fixed at instantiation (the policy version of the appointment); the quarterly
    milestones may be edited."""

    appointment = models.ForeignKey(
        Appointment, verbose_name="聘任", on_delete=models.CASCADE, related_name="duty_targets"
    )
    template = models.ForeignKey(
        DutyTargetTemplate, verbose_name="模板", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    code = models.CharField("代码", max_length=48)
    name = models.CharField("任务名称", max_length=100)
    metric = models.CharField("工作量指标代码", max_length=48)
    per = models.CharField("计量周期", max_length=8, choices=TargetPer.choices)
    quantity_per_unit = models.DecimalField("每周期数量", max_digits=10, decimal_places=2)
    target_total = models.DecimalField("聘期目标", max_digits=10, decimal_places=2)
    alternative_group = models.CharField("可替代组", max_length=48, blank=True)
    milestones = models.JSONField("季度节点（累计比例）", default=list, blank=True, validators=[_check_milestones])
    order = models.PositiveSmallIntegerField("排序", default=0)

    history = HistoricalRecords(verbose_name="必尽任务变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "必尽任务"
        ordering = ["appointment_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "code"], name="duty_target_once_per_appointment"),
        ]

    def __str__(self) -> str:
        return f"{self.name}：{self.target_total.normalize():f}"
