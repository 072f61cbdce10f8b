"""Seed 000's quantified duty targets (高职称必尽任务), as template declarations.

No number is written here: each target names the policy field that holds its number, so a
county that changes "8 sessions a term" edits its policy version, not this file.  Loaded per
policy version by `manage.py load_duty_targets` (appointments.services.load_duty_target_templates).
"""

from __future__ import annotations

from dataclasses import dataclass

from personnel.choices import Category, TitleLevel

from .choices import TargetPer

# Surgeons, physicians and their peers: the case/surgery/consultation targets apply to them.
CLINICAL = [Category.CLINICAL, Category.DENTAL, Category.TCM]
ALL: list[str] = []


@dataclass(frozen=True)
class TemplateSpec:
    code: str
    name: str
    metric: str
    key: str  # policy field stem; "_associate"/"_senior" is appended unless `shared`
    per: str = TargetPer.TERM
    categories: tuple[str, ...] = ()
    alternative_group: str = ""
    shared: bool = False  # one number for both levels
    multiplier_key: str = ""


SEED_000: tuple[TemplateSpec, ...] = (
    TemplateSpec("study_sessions", "科室业务学习", "study_session", "target_sessions"),
    TemplateSpec("case_discussions", "病例讨论", "case_discussion", "target_sessions"),
    TemplateSpec("teaching_rounds", "教学查房", "teaching_round", "target_sessions"),
    TemplateSpec("skills_trainings", "技能培训", "skills_training", "target_sessions"),
    TemplateSpec("research_projects", "县级科研/继教项目", "research_project", "target_projects"),
    TemplateSpec(
        "difficult_cases",
        "疑难病例诊治",
        "difficult_case",
        "target_difficult_cases",
        categories=tuple(CLINICAL),
        alternative_group="cases_or_surgeries",
    ),
    TemplateSpec(
        "level4_surgeries",
        "四级手术",
        "surgery_level4",
        "target_level4_surgeries",
        categories=tuple(CLINICAL),
        alternative_group="cases_or_surgeries",
    ),
    TemplateSpec(
        "consultations",
        "全县会诊",
        "consultation",
        "target_consultations_per_month",
        per=TargetPer.MONTH,
        categories=tuple(CLINICAL),
    ),
    TemplateSpec("mentees", "带教骨干", "mentee", "target_mentees"),
    TemplateSpec(
        "grassroots_hours",
        "下沉基层服务工时",
        "grassroots_hours",
        "target_grassroots_days_per_week",
        per=TargetPer.WEEK,
        shared=True,
        multiplier_key="target_grassroots_hours_per_day",
    ),
    TemplateSpec(
        "record_reviews",
        "病历质控/处方点评",
        "record_review",
        "target_record_reviews_per_month",
        per=TargetPer.MONTH,
        shared=True,
    ),
    TemplateSpec(
        "level2_surgeries",
        "基层二级手术",
        "surgery_level2",
        "target_level2_surgeries_per_month",
        per=TargetPer.MONTH,
        shared=True,
        categories=(Category.CLINICAL,),
    ),
    TemplateSpec(
        "grassroots_trainings",
        "基层培训",
        "grassroots_training",
        "target_grassroots_trainings_per_year",
        per=TargetPer.YEAR,
        shared=True,
    ),
)

LEVEL_SUFFIX = {TitleLevel.ASSOCIATE_SENIOR: "_associate", TitleLevel.SENIOR: "_senior"}


def policy_key_for(spec: TemplateSpec, title_level: str) -> str:
    return spec.key if spec.shared else spec.key + LEVEL_SUFFIX[title_level]
