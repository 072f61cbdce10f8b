from django.db import models


class RoundStatus(models.TextChoices):
    OPEN = "open", "进行中"
    CLOSED = "closed", "已结束"


class ApplicationSource(models.TextChoices):
    """Why a person is in the round (seed 000 §四(三)3: 期满后重新考核确定聘任等级)."""

    TERM_ENDING = "term_ending", "聘期届满"
    RESTORATION = "restoration", "高职低聘后恢复聘任"
    OTHER = "other", "其他（空缺岗位申报）"


class CandidateSource(models.TextChoices):
    """Whom the round gathered when it opened (an application may still come from anyone)."""

    TERM_ENDING = "term_ending", "聘期届满"
    RESTORATION = "restoration", "高职低聘后可恢复聘任"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "已申报（待资格审查）"
    QUALIFIED = "qualified", "资格审查通过（待综合考核）"
    REJECTED = "rejected", "资格审查未通过"
    SCORED = "scored", "综合考核完成（待排名）"
    PROPOSED = "proposed", "拟聘任"
    NOT_PROPOSED = "not_proposed", "未拟聘"
    APPROVED = "approved", "卫健委已审批（待签约）"
    SIGNED = "signed", "已签订聘任协议"
    WITHDRAWN = "withdrawn", "已撤回"


# An application still in the running (not withdrawn, not rejected, not passed over).
LIVE_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.QUALIFIED,
    ApplicationStatus.SCORED,
    ApplicationStatus.PROPOSED,
    ApplicationStatus.APPROVED,
    ApplicationStatus.SIGNED,
)
# An application its applicant (or HR) may still withdraw: not once proposed, approved or signed.
WITHDRAWABLE_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.QUALIFIED,
    ApplicationStatus.SCORED,
    ApplicationStatus.NOT_PROPOSED,
)
# Holding one of the round's places (counted against the vacancies).
PLACED_STATUSES = (ApplicationStatus.PROPOSED, ApplicationStatus.APPROVED, ApplicationStatus.SIGNED)


class ListStatus(models.TextChoices):
    DRAFT = "draft", "拟定（待公示）"
    IN_PUBLICITY = "in_publicity", "公示中"
    PUBLICISED = "publicised", "公示结束（待卫健委审批）"
    APPROVED = "approved", "卫健委已审批"


class EndingOutcome(models.TextChoices):
    """A person whose term ends without re-appointment: what happens to them."""

    LOWER_POST = "lower_post", "低聘岗位"
    SPECIAL_POST = "special_post", "特设岗位"
    OTHER = "other", "其他"
