"""柔性引才 (seed 002): experts and teams who keep their home employer, contracts with them, the
yearly fund per hospital, visits, the annual review on a versioned scoring scheme, and
termination items.  Rules live in rules.py and services.py; here are fields and invariants."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from personnel.choices import Degree, TitleLevel
from personnel.models import Department, Institution, Region, User

from . import rules
from .choices import (
    ContractMode,
    ContractStatus,
    ExpertTier,
    Platform,
    ReviewResult,
    TerminationReason,
    TerminationStatus,
    VisitKind,
)

MONEY = {"max_digits": 12, "decimal_places": 2}
RATIO = {"max_digits": 5, "decimal_places": 4, "validators": [MinValueValidator(0), MaxValueValidator(1)]}


class Expert(models.Model):
    """An outside expert; their employer stays outside our tree (不改变原有人事关系)."""

    institution = models.ForeignKey(
        Institution, verbose_name="登记单位", on_delete=models.PROTECT, related_name="talent_experts"
    )
    name = models.CharField("姓名", max_length=50)
    home_employer = models.CharField("原工作单位", max_length=100)
    title = models.CharField("职称", max_length=32)
    title_level = models.CharField("职称级别", max_length=20, choices=TitleLevel.choices)
    degree = models.CharField("学位", max_length=16, choices=Degree.choices)
    tier = models.CharField("引进层次", max_length=20, choices=ExpertTier.choices)
    tier_evidence = models.TextField("层次证明材料", blank=True)
    senior_title_since = models.DateField("取得高级职称时间", null=True, blank=True)
    specialty = models.CharField("专业方向", max_length=64, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)

    history = HistoricalRecords(verbose_name="专家变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "引进专家"
        ordering = ["institution_id", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.home_employer}）"


class Team(models.Model):
    """A 高层次医学团队: one leader and core members (composition checked by the services)."""

    institution = models.ForeignKey(
        Institution, verbose_name="登记单位", on_delete=models.PROTECT, related_name="talent_teams"
    )
    name = models.CharField("团队名称", max_length=100)
    leader = models.ForeignKey(Expert, verbose_name="领衔人", on_delete=models.PROTECT, related_name="led_teams")
    core_members = models.ManyToManyField(Expert, verbose_name="核心成员", related_name="teams", blank=True)

    history = HistoricalRecords(verbose_name="团队变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "引进团队"
        ordering = ["institution_id", "name"]

    def __str__(self) -> str:
        return self.name


class Budget(models.Model):
    """The fund of one hospital for one year: base (seed default 1,000,000 元) plus re-allocation."""

    institution = models.ForeignKey(
        Institution, verbose_name="用人单位", on_delete=models.PROTECT, related_name="talent_budgets"
    )
    year = models.PositiveSmallIntegerField("年度")
    base = models.DecimalField("核定经费（元）", **MONEY)
    adjustment = models.DecimalField("调整额（元）", default=Decimal(0), **MONEY)

    history = HistoricalRecords(verbose_name="经费变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "柔性引才经费"
        ordering = ["-year", "institution_id"]
        constraints = [models.UniqueConstraint(fields=["institution", "year"], name="talent_budget_once_per_year")]

    def __str__(self) -> str:
        return f"{self.institution} {self.year}年"

    @property
    def allocated(self) -> Decimal:
        return self.base + self.adjustment


class Contract(models.Model):
    """TalentContract: who, where, how, how long, what is owed and what is paid."""

    code = models.CharField("合同编号", max_length=32, unique=True)
    institution = models.ForeignKey(
        Institution, verbose_name="用人单位", on_delete=models.PROTECT, related_name="talent_contracts"
    )
    partner_institutions = models.ManyToManyField(
        Institution, verbose_name="联合引进单位", blank=True, related_name="joint_talent_contracts"
    )
    department = models.ForeignKey(
        Department, verbose_name="引进科室", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    expert = models.ForeignKey(
        Expert, verbose_name="引进专家", null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    team = models.ForeignKey(
        Team, verbose_name="引进团队", null=True, blank=True, on_delete=models.PROTECT, related_name="contracts"
    )
    mode = models.CharField("引进方式", max_length=20, choices=ContractMode.choices)
    platform = models.CharField("共建平台", max_length=24, choices=Platform.choices, blank=True)
    start = models.DateField("起始日期")
    end = models.DateField("终止日期")
    days_per_month = models.DecimalField(
        "约定每月到岗天数", max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    clinic_target = models.TextField("诊疗目标（坐诊、查房、会诊、手术）", blank=True)
    teaching_target = models.TextField("人才培养目标", blank=True)
    discipline_target = models.TextField("学科建设目标", blank=True)
    funding = models.DecimalField("支持资金（元）", validators=[MinValueValidator(0)], **MONEY)
    annual_stipend = models.DecimalField("年度津贴（元）", default=Decimal(0), **MONEY)
    breach_terms = models.TextField("违约责任", blank=True)
    status = models.CharField("状态", max_length=16, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    signed_on = models.DateField("签订日期", null=True, blank=True)
    ended_on = models.DateField("解除日期", null=True, blank=True)
    paid = models.DecimalField("已拨付（元）", default=Decimal(0), **MONEY)
    released = models.DecimalField("解除后释放（元）", default=Decimal(0), **MONEY)
    renewal_of = models.OneToOneField(
        "self", verbose_name="续签自", null=True, blank=True, on_delete=models.PROTECT, related_name="renewal"
    )
    policy_version = models.ForeignKey(
        "personnel.PolicyVersion", verbose_name="签订时政策版本", null=True, blank=True, on_delete=models.PROTECT
    )
    created_by = models.ForeignKey(User, verbose_name="创建人", null=True, blank=True, on_delete=models.SET_NULL)

    history = HistoricalRecords(verbose_name="合同变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "柔性引才合同"
        ordering = ["-start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(expert__isnull=False) & Q(team__isnull=True))
                | (Q(expert__isnull=True) & Q(team__isnull=False)),
                name="talent_contract_expert_xor_team",
            ),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="talent_contract_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.party_name}"

    @property
    def party_name(self) -> str:
        return str(self.team) if self.team_id else (self.expert.name if self.expert_id else "")

    @property
    def committed(self) -> Decimal:
        return self.funding - self.released

    def clean(self) -> None:
        errors = {}
        if bool(self.expert_id) == bool(self.team_id):
            errors["expert"] = "须选择一位引进专家或一个引进团队（二者选一）。"
        if self.mode == ContractMode.PLATFORM and not self.platform:
            errors["platform"] = "平台共建须注明共建平台。"
        if self.mode != ContractMode.PLATFORM and self.platform:
            errors["platform"] = "只有平台共建方式才填写共建平台。"
        if self.department_id and self.institution_id and self.department.institution_id != self.institution_id:
            errors["department"] = "引进科室须属于用人单位。"
        if errors:
            raise ValidationError(errors)


class Visit(models.Model):
    """One stay of the expert (or team) at the employer: the data behind the attendance rate."""

    contract = models.ForeignKey(Contract, verbose_name="合同", on_delete=models.CASCADE, related_name="visits")
    visit_date = models.DateField("到岗日期")
    days = models.DecimalField(
        "工作天数", max_digits=4, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    kind = models.CharField("工作内容", max_length=16, choices=VisitKind.choices, default=VisitKind.CLINIC)
    patients = models.PositiveIntegerField("诊疗人次", default=0)
    note = models.CharField("备注", max_length=200, blank=True)
    recorded_by = models.CharField("记录人", max_length=150, blank=True)

    history = HistoricalRecords(verbose_name="到岗记录变更")

    class Meta:
        verbose_name = verbose_name_plural = "到岗记录"
        ordering = ["-visit_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "visit_date", "kind"], name="talent_visit_once_per_day_kind")
        ]

    def __str__(self) -> str:
        return f"{self.contract.code} {self.visit_date:%Y-%m-%d}"

    def clean(self) -> None:
        if self.contract_id and self.visit_date and not self.contract.start <= self.visit_date <= self.contract.end:
            raise ValidationError({"visit_date": "到岗日期须在合同期内。"})


class ReviewScheme(models.Model):
    """A versioned scoring table (seed 002 附件): items and bands as data; a revision is a new row."""

    region = models.ForeignKey(Region, verbose_name="地区", on_delete=models.PROTECT, related_name="talent_schemes")
    name = models.CharField("方案名称", max_length=100)
    effective_from = models.DateField("生效日期")
    items = models.JSONField("评分项")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "柔性引才考核方案"
        ordering = ["region_id", "-effective_from", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from:%Y-%m-%d}起）"

    def clean(self) -> None:
        problems = rules.scheme_problems(self.items)
        if problems:
            raise ValidationError({"items": problems})


class AnnualReview(models.Model):
    """One year's review of a contract: the inputs, each item's points, vetoes and the result."""

    contract = models.ForeignKey(Contract, verbose_name="合同", on_delete=models.PROTECT, related_name="reviews")
    year = models.PositiveSmallIntegerField("考核年度")
    scheme = models.ForeignKey(ReviewScheme, verbose_name="考核方案", on_delete=models.PROTECT)
    policy_version = models.ForeignKey("personnel.PolicyVersion", verbose_name="政策版本", on_delete=models.PROTECT)
    visits_previous = models.PositiveIntegerField("上年科室诊疗人次")
    visits_current = models.PositiveIntegerField("本年科室诊疗人次")
    revenue_previous = models.DecimalField("上年科室总收入（元）", **MONEY)
    revenue_current = models.DecimalField("本年科室总收入（元）", **MONEY)
    attendance = models.DecimalField("到岗率", null=True, blank=True, max_digits=6, decimal_places=4)
    new_techniques = models.PositiveSmallIntegerField("申报院级新技术新项目数")
    papers_guided = models.PositiveSmallIntegerField("指导发表论文数")
    staff_satisfaction = models.DecimalField("医务人员满意度", **RATIO)
    patient_satisfaction = models.DecimalField("患者满意度", **RATIO)
    major_violation = models.BooleanField("重大违纪行为", default=False)
    major_accident = models.BooleanField("重大安全事故", default=False)
    manual_scores = models.JSONField("评审人评分", default=dict, blank=True)
    evidence = models.TextField("佐证材料说明", blank=True)
    item_scores = models.JSONField("分项得分", default=list, blank=True)
    subtotal = models.PositiveSmallIntegerField("分项合计")
    vetoes = models.JSONField("一票否决事项", default=list, blank=True)
    total = models.PositiveSmallIntegerField("总分")
    result = models.CharField("结论", max_length=8, choices=ReviewResult.choices)
    stipend = models.DecimalField("应发津贴（元）", **MONEY)
    may_renew = models.BooleanField("下一年度可继续执行")
    reviewed_by = models.ForeignKey(User, verbose_name="评审人", null=True, blank=True, on_delete=models.SET_NULL)
    reviewed_at = models.DateTimeField("评审时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="年度考核变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "柔性引才年度考核"
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["contract", "year"], name="talent_review_once_per_year")]

    def __str__(self) -> str:
        return f"{self.contract.code} {self.year}年 {self.get_result_display()}"


class TerminationItem(models.Model):
    """A ground for ending a contract and the 3-month deadline to file the request (seed 002 §六(三))."""

    contract = models.ForeignKey(
        Contract, verbose_name="合同", on_delete=models.CASCADE, related_name="termination_items"
    )
    reason = models.CharField("终止情形", max_length=24, choices=TerminationReason.choices)
    detail = models.CharField("说明", max_length=200, blank=True)
    learned_on = models.DateField("得知日期")
    deadline = models.DateField("申请截止日期")
    status = models.CharField("状态", max_length=12, choices=TerminationStatus.choices, default=TerminationStatus.OPEN)
    filed_on = models.DateField("申请日期", null=True, blank=True)
    last_reminded_on = models.DateField("最近提醒日期", null=True, blank=True)
    overdue = models.BooleanField("已逾期", default=False)

    history = HistoricalRecords(verbose_name="终止事项变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "合同终止事项"
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "reason"],
                condition=Q(status="open"),
                name="talent_one_open_item_per_reason",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract.code} {self.get_reason_display()}"
