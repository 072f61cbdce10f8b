"""能上能下 (seed 000 §五): conduct events, rectifications (整改) with their deadline, and the
demotion case (高职低聘) — a state machine (django-fsm-2, transitions logged by django-fsm-log)
that follows the procedure step by step; a restoration (恢复聘任) is the same machine, shorter."""

from __future__ import annotations

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description
from simple_history.models import HistoricalRecords

from appointments.models import Appointment, DutyTarget
from assessments.models import Assessment, AssessmentPeriod
from personnel.models import Institution, PolicyVersion, PostGrade, Staff, User
from publicity.models import Publicity

from .choices import (
    OPEN_STATES,
    BallotGroup,
    CaseKind,
    CaseState,
    EventKind,
    FollowUp,
    RectificationStatus,
    Trigger,
)
from .permissions import can_act


class ConductEvent(models.Model):
    """A recorded event that can open a case: a refused assignment, a medical accident (with its
    level: 一级 is the gravest), an ethics finding, fraud."""

    staff = models.ForeignKey(Staff, verbose_name="人员", on_delete=models.PROTECT, related_name="conduct_events")
    kind = models.CharField("事件类型", max_length=16, choices=EventKind.choices)
    date = models.DateField("发生日期")
    accident_level = models.PositiveSmallIntegerField(
        "医疗事故等级", null=True, blank=True, help_text="1=一级（最重）…4=四级；仅医疗事故填写。"
    )
    description = models.TextField("情况说明")
    recorded_by = models.ForeignKey(
        User, verbose_name="登记人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="事件变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "履职事件"
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="accident", accident_level__isnull=False) | ~Q(kind="accident"),
                name="accident_needs_level",
            ),
        ]
        indexes = [models.Index(fields=["staff", "kind", "date"], name="conduct_event_lookup")]

    def __str__(self) -> str:
        return f"{self.staff.name} {self.get_kind_display()} {self.date:%Y-%m-%d}"


class Rectification(models.Model):
    """整改: opened by a quarterly assessment whose duty-target milestones were not met; the items
    are the targets that were behind and what each must reach.  Closes itself when met by the
    deadline; expires into a demotion case the day after the deadline otherwise."""

    staff = models.ForeignKey(Staff, verbose_name="人员", on_delete=models.PROTECT, related_name="rectifications")
    appointment = models.ForeignKey(
        Appointment, verbose_name="聘任", on_delete=models.PROTECT, related_name="rectifications"
    )
    period = models.ForeignKey(
        AssessmentPeriod, verbose_name="触发的季度考核期间", on_delete=models.PROTECT, related_name="+"
    )
    assessment = models.ForeignKey(
        Assessment, verbose_name="触发的季度考核", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    policy = models.ForeignKey(PolicyVersion, verbose_name="依据政策版本", on_delete=models.PROTECT, related_name="+")
    rule = models.CharField("触发规则", max_length=64, default="quarterly_milestones_unmet")
    opened_on = models.DateField("开始日期")
    deadline = models.DateField("整改期限")
    status = models.CharField(
        "状态", max_length=16, choices=RectificationStatus.choices, default=RectificationStatus.OPEN
    )
    closed_on = models.DateField("结束日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    history = HistoricalRecords(verbose_name="整改变更记录")

    class Meta:
        verbose_name = verbose_name_plural = "整改"
        ordering = ["deadline", "id"]
        constraints = [
            # The sweep's idempotency: one rectification per person and quarter, whoever runs it.
            models.UniqueConstraint(fields=["staff", "period"], name="rectification_once_per_quarter"),
            models.CheckConstraint(condition=Q(deadline__gte=models.F("opened_on")), name="rectification_deadline"),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="rectification_due")]

    def __str__(self) -> str:
        return f"{self.staff.name} 整改（{self.period.label}，期限{self.deadline:%Y-%m-%d}）"


class RectificationItem(models.Model):
    rectification = models.ForeignKey(
        Rectification, verbose_name="整改", on_delete=models.CASCADE, related_name="items"
    )
    target = models.ForeignKey(DutyTarget, verbose_name="必尽任务", on_delete=models.PROTECT, related_name="+")
    required = models.DecimalField("须完成（累计）", max_digits=10, decimal_places=2)
    done_at_open = models.DecimalField("整改开始时已完成", max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "整改事项"
        ordering = ["rectification_id", "target__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["rectification", "target"], name="rectification_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.target.name}：须达{self.required.normalize():f}"


def _may(step: str):
    return lambda instance, user: can_act(user, instance, step)


def _publicity_ready(case: DemotionCase) -> bool:
    if case.kind == CaseKind.RESTORATION:
        return case.state == CaseState.REVIEWED
    return case.state == CaseState.DECIDED


def _is_demotion(case: DemotionCase) -> bool:
    return case.kind == CaseKind.DEMOTION


class DemotionCase(models.Model):
    """高职低聘 case (or, with kind=restoration, 恢复聘任).  Opened by the rule sweep (or by hand
    from a conduct event); each step is a transition taken through `demotions.services`, which
    checks the inputs and writes the step's fields; django-fsm-log keeps who/when/what."""

    kind = models.CharField("类型", max_length=16, choices=CaseKind.choices, default=CaseKind.DEMOTION)
    staff = models.ForeignKey(Staff, verbose_name="人员", on_delete=models.PROTECT, related_name="demotion_cases")
    institution = models.ForeignKey(
        Institution, verbose_name="单位", on_delete=models.PROTECT, related_name="demotion_cases"
    )
    appointment = models.ForeignKey(
        Appointment, verbose_name="原聘任", on_delete=models.PROTECT, related_name="demotion_cases"
    )
    trigger = models.CharField("触发情形", max_length=32, choices=Trigger.choices)
    trigger_key = models.CharField(
        "触发标识", max_length=64, help_text="同一情形的同一次触发只立案一次（如季度连续不合格的起始季度）。"
    )
    rule_detail = models.TextField("触发依据", blank=True)
    source_assessments = models.ManyToManyField(
        Assessment, verbose_name="依据的考核结果", blank=True, related_name="demotion_cases"
    )
    rectification = models.ForeignKey(
        Rectification, verbose_name="依据的整改", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    events = models.ManyToManyField(ConductEvent, verbose_name="依据的事件", blank=True, related_name="cases")
    policy = models.ForeignKey(PolicyVersion, verbose_name="依据政策版本", on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField("立案日期")
    opened_by = models.ForeignKey(
        User,
        verbose_name="立案人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="为空表示由每日规则核查自动立案。",
    )
    state = FSMField("环节", default=CaseState.OPENED, choices=CaseState.choices, protected=True)
    state_changed_at = models.DateTimeField("进入当前环节时间", null=True, blank=True)
    step_due = models.DateField("当前环节办理期限", null=True, blank=True)

    # 提议 (party branch)
    proposal_reasons = models.TextField("提议理由", blank=True)
    # 资格审查
    review_opinion = models.TextField("资格审查意见", blank=True)
    # 综合考核: quantified score (≥70% weight) + democratic evaluation + on-site defence
    quantified_score = models.DecimalField("量化考核得分", max_digits=6, decimal_places=2, null=True, blank=True)
    quantified_weight = models.DecimalField("量化考核权重", max_digits=5, decimal_places=4, null=True, blank=True)
    democratic_score = models.DecimalField("民主测评得分", max_digits=6, decimal_places=2, null=True, blank=True)
    democratic_weight = models.DecimalField("民主测评权重", max_digits=5, decimal_places=4, null=True, blank=True)
    defence_score = models.DecimalField("现场答辩得分", max_digits=6, decimal_places=2, null=True, blank=True)
    defence_weight = models.DecimalField("现场答辩权重", max_digits=5, decimal_places=4, null=True, blank=True)
    combined_score = models.DecimalField("综合得分", max_digits=6, decimal_places=2, null=True, blank=True)
    combined_grade = models.CharField("综合考核等次", max_length=16, blank=True)
    # 党委会议
    meeting_date = models.DateField("会议日期", null=True, blank=True)
    decision = models.TextField("会议决定", blank=True)
    minutes = models.TextField("会议纪要", blank=True)
    decided_grade = models.ForeignKey(
        PostGrade, verbose_name="拟聘岗位等级", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # 公示
    publicities = GenericRelation(Publicity, related_query_name="demotion_case")
    # 审批
    approval_document = models.CharField("批复文号", max_length=64, blank=True)
    approval_note = models.TextField("审批意见", blank=True)
    # 执行
    executed_on = models.DateField("执行日期", null=True, blank=True)
    new_appointment = models.ForeignKey(
        Appointment, verbose_name="新聘任", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pay_grade_before = models.ForeignKey(
        PostGrade, verbose_name="调整前岗位工资等级", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pay_grade_after = models.ForeignKey(
        PostGrade, verbose_name="调整后岗位工资等级", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    excellence_ineligible_year = models.PositiveSmallIntegerField("不得评优年度", null=True, blank=True)
    # 终止
    dismissed_reason = models.TextField("终止理由", blank=True)
    # 恢复聘任
    restores = models.ForeignKey(
        "self",
        verbose_name="恢复的高职低聘案件",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="restorations",
    )
    follow_up = models.CharField("后续处理", max_length=32, choices=FollowUp.choices, blank=True)

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    history = HistoricalRecords(verbose_name="案件变更记录", excluded_fields=["updated_at"])

    class Meta:
        verbose_name = verbose_name_plural = "高职低聘案件"
        ordering = ["-opened_on", "-id"]
        constraints = [
            # The sweep's idempotency, backed by the database: one case per trigger occurrence.
            models.UniqueConstraint(fields=["staff", "kind", "trigger", "trigger_key"], name="case_once_per_trigger"),
        ]
        indexes = [
            models.Index(fields=["state", "institution"], name="case_board"),
            models.Index(fields=["staff", "state"], name="case_staff_state"),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} {self.get_kind_display()}（{self.get_trigger_display()}）"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    # --- Transitions: state only; `demotions.services` checks inputs and writes the step's data.

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=CaseState.OPENED, target=CaseState.PROPOSED, permission=_may("propose"))
    def propose(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=CaseState.PROPOSED, target=CaseState.REVIEWED, permission=_may("review"))
    def review(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=CaseState.REVIEWED,
        target=CaseState.ASSESSED,
        permission=_may("assess"),
        conditions=[_is_demotion],
    )
    def assess(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=CaseState.ASSESSED,
        target=CaseState.DECIDED,
        permission=_may("decide"),
        conditions=[_is_demotion],
    )
    def decide(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state,
        source=[CaseState.DECIDED, CaseState.REVIEWED],
        target=CaseState.IN_PUBLICITY,
        permission=_may("start_publicity"),
        conditions=[_publicity_ready],
    )
    def start_publicity(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(
        field=state, source=CaseState.IN_PUBLICITY, target=CaseState.PUBLICISED, permission=_may("end_publicity")
    )
    def end_publicity(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=CaseState.PUBLICISED, target=CaseState.APPROVED, permission=_may("approve"))
    def approve(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=CaseState.APPROVED, target=CaseState.EXECUTED, permission=_may("execute"))
    def execute(self, by=None, description=None):
        pass

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=list(OPEN_STATES), target=CaseState.DISMISSED, permission=_may("dismiss"))
    def dismiss(self, by=None, description=None):
        pass


class CaseEvidence(models.Model):
    """An evidence file of a case (proposal materials, minutes, the signed agreement…).  Served
    only through the case's scoped download view, never from a public URL."""

    case = models.ForeignKey(DemotionCase, verbose_name="案件", on_delete=models.CASCADE, related_name="evidence")
    step = models.CharField("环节", max_length=16, choices=CaseState.choices)
    file = models.FileField("文件", upload_to="demotions/evidence/%Y/%m/")
    name = models.CharField("文件名", max_length=200)
    description = models.CharField("说明", max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        User, verbose_name="上传人", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "案件材料"
        ordering = ["case_id", "uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class DemocraticBallot(models.Model):
    """民主测评 ballot: a group and a score, and deliberately nothing that names the voter.  Only
    tallies per group are ever shown (`demotions.selectors.ballot_tally`)."""

    case = models.ForeignKey(DemotionCase, verbose_name="案件", on_delete=models.CASCADE, related_name="ballots")
    group = models.CharField("测评人类别", max_length=16, choices=BallotGroup.choices)
    score = models.DecimalField("测评得分", max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = verbose_name_plural = "民主测评票"
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=0) & Q(score__lte=100), name="ballot_score_0_100"),
        ]

    def __str__(self) -> str:
        return f"{self.get_group_display()}票"
