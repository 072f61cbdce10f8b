"""The schema of policy data: every number a county's policy gives, typed and labelled.

A PolicyVersion stores a JSON object whose keys must be declared here; values are checked
against the declared kind on save (NetBox's ConfigRevision is the model).  A region's policy
may leave out the programmes it does not run; reading a missing key is an error that names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class PolicyField:
    name: str
    label: str
    kind: str  # "int", "decimal" (ratios, money) or "text"
    group: str
    minimum: Decimal | None = Decimal(0)


def _f(name: str, label: str, kind: str, group: str) -> PolicyField:
    return PolicyField(name=name, label=label, kind=kind, group=group)


POLICY_FIELDS: dict[str, PolicyField] = {
    f.name: f
    for f in [
        # Appointments (聘任)
        _f("appointment_term_years", "聘期（年）", "int", "聘任"),
        _f("round_title_required", "职称是否为岗位聘任前提（1=是；0=否，双自主）", "int", "聘任"),
        _f("round_tie_break", "排名并列时的比较顺序（逗号分隔，首项为combined_score）", "text", "聘任"),
        # Seed 000: duty targets and demotion (能上能下)
        _f("rectification_months", "整改期（月）", "int", "能上能下"),
        _f("consecutive_failed_quarters", "连续季度考核不合格次数触发高职低聘", "int", "能上能下"),
        _f("annual_grade_trigger", "年度考核触发等次（含以下）", "text", "能上能下"),
        _f("refusals_for_case", "无正当理由拒绝任务次数触发", "int", "能上能下"),
        _f("accident_level_trigger", "触发的医疗事故等级（含以上）", "int", "能上能下"),
        _f("quantified_score_min_weight", "量化考核最低权重", "decimal", "能上能下"),
        _f("publicity_working_days", "公示期（工作日）", "int", "能上能下"),
        _f("target_sessions_associate", "科室学习/病例讨论/教学查房/技能培训 每项次数（副高）", "int", "必尽任务"),
        _f("target_sessions_senior", "科室学习/病例讨论/教学查房/技能培训 每项次数（正高）", "int", "必尽任务"),
        _f("target_projects_associate", "县级科研/继教项目（副高）", "int", "必尽任务"),
        _f("target_projects_senior", "县级科研/继教项目（正高）", "int", "必尽任务"),
        _f("target_difficult_cases_associate", "疑难病例（副高）", "int", "必尽任务"),
        _f("target_difficult_cases_senior", "疑难病例（正高）", "int", "必尽任务"),
        _f("target_level4_surgeries_associate", "四级手术（副高）", "int", "必尽任务"),
        _f("target_level4_surgeries_senior", "四级手术（正高）", "int", "必尽任务"),
        _f("target_consultations_per_month_associate", "每月全县会诊（副高）", "int", "必尽任务"),
        _f("target_consultations_per_month_senior", "每月全县会诊（正高）", "int", "必尽任务"),
        _f("target_mentees_associate", "带教骨干人数（副高）", "int", "必尽任务"),
        _f("target_mentees_senior", "带教骨干人数（正高）", "int", "必尽任务"),
        _f("target_specialty_score_growth", "专科评分提升", "decimal", "必尽任务"),
        _f("target_mentee_ability_growth", "带教对象能力提升", "decimal", "必尽任务"),
        _f("target_core_workload_above_average", "核心工作量高于科室平均", "decimal", "必尽任务"),
        _f("target_quality_indicator_growth", "质量指标提升", "decimal", "必尽任务"),
        _f("target_grassroots_days_per_week", "每周下沉基层（天）", "int", "必尽任务"),
        _f("target_grassroots_hours_per_day", "下沉每天工时（小时）", "int", "必尽任务"),
        _f("target_record_reviews_per_month", "每月病历质控/处方点评", "int", "必尽任务"),
        _f("target_level2_surgeries_per_month", "每月二级手术（外科）", "int", "必尽任务"),
        _f("target_grassroots_trainings_per_year", "每年基层培训", "int", "必尽任务"),
        _f("target_dispute_reduction", "纠纷下降", "decimal", "必尽任务"),
        _f("milestone_rounding", "季度节点取整（floor=向下/ceil=向上/nearest=四舍五入）", "text", "必尽任务"),
        # Seed 001: county hire, township use (县聘乡用)
        _f("secondment_service_years", "新入职执业医师下沉服务年限", "int", "县聘乡用"),
        _f("secondment_within_years", "入职后须完成下沉的年限", "int", "县聘乡用"),
        _f("secondment_share_of_hires", "下沉人数占医师招聘比例", "decimal", "县聘乡用"),
        _f("leave_filing_threshold_days", "须报备并顺延的请假天数（超过）", "int", "县聘乡用"),
        _f("leave_filing_comparison", "请假天数比较方式（gte=以上含本数，gt=超过）", "text", "县聘乡用"),
        _f("absence_limit", "旷工次数上限（超过则服务期不计）", "int", "县聘乡用"),
        _f("assessment_min_months_served", "参加年度考核的最短服务期（月）", "int", "县聘乡用"),
        _f("excellent_ratio", "优秀比例", "decimal", "县聘乡用"),
        _f("excellent_quota_rounding", "优秀名额取整（floor/ceil/half_up）", "text", "县聘乡用"),
        _f("weight_receiving_unit", "考核权重：接收单位", "decimal", "县聘乡用"),
        _f("weight_commission", "考核权重：卫健委", "decimal", "县聘乡用"),
        _f("weight_dispatching_unit", "考核权重：派出单位", "decimal", "县聘乡用"),
        _f("allowance_after_months", "连续服务满（月）发放乡镇补贴", "int", "县聘乡用"),
        _f("receiving_unit_subsidy_per_month", "接收单位补助（元/人/月）", "decimal", "县聘乡用"),
        _f("excellent_award", "优秀奖励（元）", "decimal", "县聘乡用"),
        _f("remote_years_for_priority", "边远地区连续服务年限（优先晋升）", "int", "县聘乡用"),
        _f("deputy_head_ratio", "挂职副院长比例", "decimal", "县聘乡用"),
        # Seed 002: flexible recruitment (柔性引才)
        _f("contract_min_months", "合同最短期限（月）", "int", "柔性引才"),
        _f("contract_max_months", "合同最长期限（月）", "int", "柔性引才"),
        _f("team_min_core_members", "团队核心成员最少人数", "int", "柔性引才"),
        _f("team_master_ratio", "团队硕士及以上比例", "decimal", "柔性引才"),
        _f("annual_budget", "年度预算（元）", "decimal", "柔性引才"),
        _f("hospital_budget", "每家医院预算（元）", "decimal", "柔性引才"),
        _f("budget_reallocation_limit", "预算调剂上限", "decimal", "柔性引才"),
        _f("termination_filing_months", "发现后提出解约申请期限（月）", "int", "柔性引才"),
        _f("min_work_time_ratio", "最低工作时间比例", "decimal", "柔性引才"),
        _f("veto_staff_satisfaction", "一票否决：职工满意度低于", "decimal", "柔性引才"),
        _f("veto_patient_satisfaction", "一票否决：患者满意度低于", "decimal", "柔性引才"),
        _f("expert_senior_title_min_years", "三甲医院等专家取得高级职称最短年限", "int", "柔性引才"),
        _f("review_pass_score", "年度考核合格分（含）", "int", "柔性引才"),
        _f("review_gap_visits_growth_points", "诊疗人次增长在15%–20%之间的得分（种子未规定）", "int", "柔性引才"),
        _f("review_gap_revenue_growth_points", "总收入增长在10%–20%之间的得分（种子未规定）", "int", "柔性引才"),
        _f("review_gap_attendance_points", "到岗率在70%–80%之间的得分（种子未规定）", "int", "柔性引才"),
        _f("termination_reminder_days", "解约申请截止前提醒天数", "int", "柔性引才"),
        # Seeds 003/004: indicators a commission dashboard tracks
        _f("grassroots_workers_per_10k", "每万服务人口基层卫生人员", "int", "强基指标"),
        _f("township_senior_post_ratio", "乡镇卫生院高级岗位比例上限", "decimal", "强基指标"),
        _f("backbone_ratio", "基层骨干人才占比", "decimal", "强基指标"),
        # Seed 004 §一 "基层医务人员数量每年上升5%左右": the yearly growth target as a ratio (0.05).
        _f("grassroots_workers_growth", "基层医务人员数量年增长目标", "decimal", "强基指标"),
    ]
}


def clean_policy_data(data: object) -> dict:
    """Check a policy JSON against the schema; return it with canonical values."""
    if not isinstance(data, dict):
        raise ValidationError("政策数据应为键值对象。")
    errors: dict[str, str] = {}
    cleaned: dict[str, object] = {}
    for key, value in data.items():
        field = POLICY_FIELDS.get(key)
        if field is None:
            errors[key] = f"未知的政策参数“{key}”。"
            continue
        if field.kind == "text":
            if not isinstance(value, str) or not value.strip():
                errors[key] = f"“{field.label}”应为非空文字。"
            else:
                cleaned[key] = value.strip()
            continue
        if isinstance(value, bool):
            errors[key] = f"“{field.label}”应为数字。"
            continue
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            errors[key] = f"“{field.label}”应为数字。"
            continue
        if field.kind == "int" and number != number.to_integral_value():
            errors[key] = f"“{field.label}”应为整数。"
            continue
        if field.minimum is not None and number < field.minimum:
            errors[key] = f"“{field.label}”不能为负数。"
            continue
        cleaned[key] = int(number) if field.kind == "int" else str(number)
    if errors:
        raise ValidationError(errors)
    return cleaned


def read_policy_value(data: dict, name: str) -> object:
    field = POLICY_FIELDS.get(name)
    if field is None:
        raise AttributeError(name)
    if name not in data:
        raise KeyError(f"当前政策版本未设置“{field.label}”（{name}）。")
    value = data[name]
    if field.kind == "decimal":
        return Decimal(str(value))
    return value
