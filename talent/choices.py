from django.db import models


class ExpertTier(models.TextChoices):
    """Seed 002 §三: who may be recruited."""

    PROVINCIAL = "provincial", "省级重点学科带头人/名医/学会副主委"
    CITY = "city", "市级重点学科带头人/名医/学会副主委"
    TERTIARY_SENIOR = "tertiary_senior", "三甲医院等高级职称满5年"
    ELSEWHERE = "elsewhere", "外地或境外同等条件"


class ContractMode(models.TextChoices):
    ADVISER = "adviser", "顾问兼职"
    REHIRE = "rehire", "退休返聘"
    PAIRED_SUPPORT = "paired_support", "对口支援"
    PLATFORM = "platform", "平台共建"


class Platform(models.TextChoices):
    EXPERT_STUDIO = "expert_studio", "名医工作室"
    SPECIAL_EXPERT_STUDIO = "special_expert_studio", "特聘专家工作室"
    MDT_CENTRE = "mdt_centre", "多学科会诊中心"
    LAB = "lab", "个人实验室"
    TCM_STATION = "tcm_station", "中医（蒙医）传承工作站"


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "草拟"
    ACTIVE = "active", "履行中"
    SUSPENDED = "suspended", "暂停"
    TERMINATED = "terminated", "已解除"
    EXPIRED = "expired", "已期满"


# Contracts whose funding is charged to the budget.
COMMITTING_STATUSES = (
    ContractStatus.ACTIVE,
    ContractStatus.SUSPENDED,
    ContractStatus.TERMINATED,
    ContractStatus.EXPIRED,
)


class VisitKind(models.TextChoices):
    CLINIC = "clinic", "坐诊"
    ROUNDS = "rounds", "疑难病例查房"
    CONSULTATION = "consultation", "会诊"
    SURGERY = "surgery", "手术示教"
    TEACHING = "teaching", "培训带教"
    RESEARCH = "research", "科研协作"
    OTHER = "other", "其他"


class ReviewResult(models.TextChoices):
    PASS = "pass", "合格"
    FAIL = "fail", "不合格"


class TerminationReason(models.TextChoices):
    """Seed 002 §六(三): grounds on which a contract should be ended."""

    LOW_ATTENDANCE = "low_attendance", "工作时间不及合同约定的70%"
    SUPPORT_NOT_DELIVERED = "support_not_delivered", "支撑保障条件不能落实"
    DELAYED = "delayed", "工作进度滞后，难以完成任务"
    FAILED_REVIEW = "failed_review", "考核不合格"
    ACCIDENT = "accident", "出现医疗事故"
    OTHER = "other", "其他应终止情形"


class TerminationStatus(models.TextChoices):
    OPEN = "open", "待提出申请"
    FILED = "filed", "已提出申请"
    DISMISSED = "dismissed", "经核实不予终止"
