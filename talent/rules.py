"""Seed 002 (鄂托克旗柔性引才实施方案) as pure functions: data + policy numbers in, decisions out.

No database here; services feed these the figures and the policy version in force, and record
what they decided.  Every threshold comes from the policy or from the versioned scoring scheme.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from personnel.choices import TITLE_LEVEL_RANK, Degree, TitleLevel

ONE_DAY = dt.timedelta(days=1)


# --- Contract term (seed 002 §二(一): 协议（合同）期一般6个月—3年) ---------------------------------


def term_limits(start: dt.date, *, min_months: int, max_months: int) -> tuple[dt.date, dt.date]:
    """The earliest and latest last day of a contract starting on `start` (end dates are inclusive)."""
    return start + relativedelta(months=min_months) - ONE_DAY, start + relativedelta(months=max_months) - ONE_DAY


def check_contract_term(start: dt.date, end: dt.date, *, min_months: int, max_months: int) -> str | None:
    """None if the term is within the limits, else the Chinese reason it is refused."""
    if end < start:
        return "合同终止日期不能早于起始日期。"
    earliest, latest = term_limits(start, min_months=min_months, max_months=max_months)
    if end < earliest:
        return f"合同期不得少于{min_months}个月（自{start:%Y-%m-%d}起最早至{earliest:%Y-%m-%d}）。"
    if end > latest:
        return f"合同期不得超过{max_months}个月（自{start:%Y-%m-%d}起最迟至{latest:%Y-%m-%d}）。"
    return None


# --- Team composition (seed 002 §三: 1名领衔人和至少3名核心成员…副高以上…硕士以上占60%以上) -----------


@dataclass(frozen=True)
class Member:
    title_level: str
    degree: str


MASTER_OR_HIGHER = frozenset({Degree.MASTER, Degree.DOCTOR})


def team_composition_problems(
    core_members: Iterable[Member], *, min_core_members: int, master_ratio: Decimal
) -> list[str]:
    """Which of the seed's team rules the core members (the leader not counted) break; empty if none.

    "主要…具有副高级及以上职称" is read as more than half of the core members; the master's share
    counts core members and must reach the policy ratio (60%以上 read as ≥60%)."""
    members = list(core_members)
    problems: list[str] = []
    count = len(members)
    if count < min_core_members:
        problems.append(f"核心成员不少于{min_core_members}人（现有{count}人）。")
    if count == 0:
        return problems
    senior = sum(
        TITLE_LEVEL_RANK.get(m.title_level, 0) >= TITLE_LEVEL_RANK[TitleLevel.ASSOCIATE_SENIOR] for m in members
    )
    if senior * 2 <= count:
        problems.append(f"核心成员应主要具有副高级及以上职称（现有{senior}/{count}人）。")
    masters = sum(m.degree in MASTER_OR_HIGHER for m in members)
    if Decimal(masters) < master_ratio * count:
        problems.append(f"硕士及以上学位人数应占{percent(master_ratio)}以上（现有{masters}/{count}人）。")
    return problems


# --- Eligibility (seed 002 §三(三): 三甲医院…具备高级专业技术职称5年以上) -------------------------


def senior_title_years_problem(since: dt.date | None, on: dt.date, *, min_years: int) -> str | None:
    """None if a senior title held since `since` has been held at least `min_years` on `on`."""
    if since is None:
        return f"该引进层次须填写取得高级职称时间（须满{min_years}年）。"
    if since + relativedelta(years=min_years) > on:
        return f"取得高级职称未满{min_years}年（{since:%Y-%m-%d}取得）。"
    return None


# --- Budget (seed 002 §五 and 附件: 调整比例不超过20%) ---------------------------------------------


def check_budget_adjustment(*, base: Decimal, adjustment: Decimal, limit: Decimal) -> str | None:
    """None if an institution's total adjustment stays within ±limit of its base allocation."""
    cap = (base * limit).quantize(Decimal("0.01"))
    if abs(adjustment) > cap:
        return f"经费调整不得超过基数的±{percent(limit)}（即±{cap}元），调整后为{adjustment:+}元。"
    return None


# --- Attendance and termination (seed 002 §六(三): 工作时间不及合同约定的70%；3个月内提出申请) ------


def months_elapsed(start: dt.date, on: dt.date) -> int:
    """Whole months of a term from `start` through `on` inclusive."""
    if on < start:
        return 0
    return relativedelta(on + ONE_DAY, start).years * 12 + relativedelta(on + ONE_DAY, start).months


def contracted_days(*, start: dt.date, end: dt.date, days_per_month: Decimal, on: dt.date) -> Decimal:
    """Working days the contract asks for from its start through `on` (whole months, within the term)."""
    return days_per_month * months_elapsed(start, min(on, end))


def attendance_rate(worked_days: Decimal, contracted: Decimal) -> Decimal | None:
    if contracted <= 0:
        return None
    return (Decimal(worked_days) / Decimal(contracted)).quantize(Decimal("0.0001"))


def attendance_below_minimum(rate: Decimal | None, *, minimum: Decimal) -> bool:
    """工作时间不及合同约定的70%: strictly below; exactly 70% is not a ground."""
    return rate is not None and rate < minimum


def filing_deadline(learned_on: dt.date, *, months: int) -> dt.date:
    """The last day to file the written termination request after learning of the ground."""
    return learned_on + relativedelta(months=months)


def filing_overdue(deadline: dt.date, today: dt.date) -> bool:
    return today > deadline


def reminder_due(deadline: dt.date, today: dt.date, *, days_before: int) -> bool:
    return deadline - dt.timedelta(days=days_before) <= today <= deadline


# --- The annual scoring table (seed 002 附件 柔性引进人才使用考核标准) ------------------------------
#
# A scheme is a list of items stored as data (talent.models.ReviewScheme.items):
#   {"code", "label", "max", "kind": "band"|"manual", "standard", "method"}
#   band:   "metric" (a figure computed from data) and "bands", best first, each
#           {"min": "0.30" | null, "inclusive": true, "points": 15, "label": "≥30%", "gap": false};
#           the first band whose floor the value reaches scores; a null floor catches the rest.
#   manual: optional "choices" (the only points allowed, e.g. [0, 10]); else 0..max.

METRICS = {
    "visits_growth": "诊疗人次同比增长",
    "revenue_growth": "科室总收入同比增长",
    "attendance": "到岗率",
    "new_techniques": "申报院级新技术新项目数",
    "papers_guided": "指导发表论文数",
    "staff_satisfaction": "医务人员满意度",
}
RATIO_METRICS = frozenset({"visits_growth", "revenue_growth", "attendance", "staff_satisfaction"})


def _band(min_: str | None, points: int, label: str, *, inclusive: bool = True, gap: bool = False) -> dict:
    return {"min": min_, "inclusive": inclusive, "points": points, "label": label, "gap": gap}


def seed_002_scheme_items(
    *, gap_visits_growth_points: int, gap_revenue_growth_points: int, gap_attendance_points: int
) -> list[dict]:
    """The seed's 100-point table; the ranges it leaves open score what the policy says."""
    return [
        {
            "code": "visits_growth",
            "label": "诊疗人次增长",
            "max": 15,
            "kind": "band",
            "metric": "visits_growth",
            "standard": "引进科室诊疗人次同比≥30%得15分，≥20%得10分，≤15%不得分",
            "method": "查阅相关统计报表及佐证材料",
            "bands": [
                _band("0.30", 15, "≥30%"),
                _band("0.20", 10, "≥20%"),
                _band("0.15", gap_visits_growth_points, "15%–20%（种子未规定，按政策数据）", inclusive=False, gap=True),
                _band(None, 0, "≤15%"),
            ],
        },
        {
            "code": "revenue_growth",
            "label": "总收入增长",
            "max": 15,
            "kind": "band",
            "metric": "revenue_growth",
            "standard": "科室总收入同比≥30%得15分，≥20%得10分，≤10%不得分",
            "method": "查阅相关财务报表及佐证材料",
            "bands": [
                _band("0.30", 15, "≥30%"),
                _band("0.20", 10, "≥20%"),
                _band(
                    "0.10", gap_revenue_growth_points, "10%–20%（种子未规定，按政策数据）", inclusive=False, gap=True
                ),
                _band(None, 0, "≤10%"),
            ],
        },
        {
            "code": "attendance",
            "label": "到岗情况",
            "max": 10,
            "kind": "band",
            "metric": "attendance",
            "standard": "到岗率≥90%得10分，≥80%得5分，≤70%不得分",
            "method": "查阅出诊相关记录，排除天气等不可抗力原因",
            "bands": [
                _band("0.90", 10, "≥90%"),
                _band("0.80", 5, "≥80%"),
                _band("0.70", gap_attendance_points, "70%–80%（种子未规定，按政策数据）", inclusive=False, gap=True),
                _band(None, 0, "≤70%"),
            ],
        },
        {
            "code": "mentoring",
            "label": "“传、帮、带”效果",
            "max": 10,
            "kind": "manual",
            "standard": "业务培训次数、带教成员独立诊疗成效、职称晋升、培养计划完成度、长效机制等综合评分",
            "method": "带教成员评价、科室负责人评价、引进人才自评",
        },
        {
            "code": "new_techniques",
            "label": "新技术新项目申报",
            "max": 10,
            "kind": "band",
            "metric": "new_techniques",
            "standard": "申报院级新技术新项目≥5个得10分，≥3个得8分，≥2个得5分，≤1个不得分",
            "method": "查阅相关佐证材料",
            "bands": [_band("5", 10, "≥5个"), _band("3", 8, "≥3个"), _band("2", 5, "≥2个"), _band(None, 0, "≤1个")],
        },
        {
            "code": "technique_pilot",
            "label": "技术引入与推广",
            "max": 10,
            "kind": "manual",
            "choices": [0, 10],
            "standard": "引入新技术，并作为推广试点",
            "method": "查阅相关佐证材料",
        },
        {
            "code": "key_specialty",
            "label": "市级重点专科申报",
            "max": 10,
            "kind": "manual",
            "choices": [0, 10],
            "standard": "协助申报市级重点专科，未建成不得分",
            "method": "现场查阅相关佐证材料",
        },
        {
            "code": "papers",
            "label": "学术论文发表",
            "max": 5,
            "kind": "band",
            "metric": "papers_guided",
            "standard": "指导用人单位医师发表≥2篇相关论文，否则不得分",
            "method": "查阅相关佐证材料",
            "bands": [_band("2", 5, "≥2篇"), _band(None, 0, "<2篇")],
        },
        {
            "code": "research",
            "label": "课题研究推动",
            "max": 5,
            "kind": "manual",
            "choices": [0, 5],
            "standard": "高水平期刊或1区SCI发表1篇以上，或主持完成国内领先应用技术研究项目（用人单位为第一完成单位）",
            "method": "查阅相关佐证材料",
        },
        {
            "code": "satisfaction",
            "label": "满意度测评",
            "max": 5,
            "kind": "band",
            "metric": "staff_satisfaction",
            "standard": "医务人员满意度≥90%得5分，≥80%得3分，≥70%得2分，<70%不得分",
            "method": "抽取院班子成员、中层干部和医院职工进行满意度测评",
            "bands": [
                _band("0.90", 5, "≥90%"),
                _band("0.80", 3, "≥80%"),
                _band("0.70", 2, "≥70%"),
                _band(None, 0, "<70%"),
            ],
        },
        {
            "code": "service_capacity",
            "label": "服务能力评价",
            "max": 5,
            "kind": "manual",
            "standard": "科室管理、医院收入、服务人次、医疗服务能力提升、新技术开展等",
            "method": "旗卫健委按照日常监管情况评分",
        },
    ]


def scheme_problems(items: object) -> list[str]:
    """What is wrong with a scheme's stored items (checked when a scheme is saved)."""
    if not isinstance(items, list) or not items:
        return ["评分方案应为非空的评分项列表。"]
    problems: list[str] = []
    codes: set[str] = set()
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict) or not item.get("code") or not item.get("label"):
            problems.append(f"第{index}项缺少代码或名称。")
            continue
        if item["code"] in codes:
            problems.append(f"评分项代码“{item['code']}”重复。")
        codes.add(item["code"])
        maximum = item.get("max")
        if not isinstance(maximum, int) or maximum <= 0:
            problems.append(f"“{item['label']}”的分值应为正整数。")
            continue
        if item.get("kind") == "band":
            if item.get("metric") not in METRICS:
                problems.append(f"“{item['label']}”的计算指标未知。")
            bands = item.get("bands") or []
            if not bands or bands[-1].get("min") is not None:
                problems.append(f"“{item['label']}”的分档须以兜底档（无下限）结尾。")
            floors = [Decimal(b["min"]) for b in bands if b.get("min") is not None]
            if floors != sorted(floors, reverse=True):
                problems.append(f"“{item['label']}”的分档须从高到低排列。")
            if any(not 0 <= int(b.get("points", -1)) <= maximum for b in bands):
                problems.append(f"“{item['label']}”的档位得分须在0至{maximum}之间。")
        elif item.get("kind") == "manual":
            if any(not 0 <= int(c) <= maximum for c in item.get("choices") or []):
                problems.append(f"“{item['label']}”的可选分值须在0至{maximum}之间。")
        else:
            problems.append(f"“{item['label']}”的评分方式应为 band 或 manual。")
    return problems


def scheme_total(items: list[dict]) -> int:
    return sum(item["max"] for item in items)


def score_band(value: Decimal | int | None, bands: list[dict]) -> dict:
    """The band a value falls in (best first).  No value (e.g. growth over a zero base) scores the
    catch-all band."""
    for band in bands:
        floor = band.get("min")
        if floor is None:
            return band
        if value is None:
            continue
        floor = Decimal(floor)
        if (Decimal(value) >= floor) if band.get("inclusive", True) else (Decimal(value) > floor):
            return band
    return bands[-1]


def growth(previous: Decimal | int | None, current: Decimal | int | None) -> Decimal | None:
    """Year-over-year growth as a ratio (0.3 = 30%); None when last year's figure is missing or zero."""
    if previous is None or current is None or Decimal(previous) == 0:
        return None
    return ((Decimal(current) - Decimal(previous)) / Decimal(previous)).quantize(Decimal("0.0001"))


@dataclass
class ItemScore:
    code: str
    label: str
    max: int
    points: int
    basis: str  # the band or the reviewer's choice that produced the points

    def as_dict(self) -> dict:
        return {"code": self.code, "label": self.label, "max": self.max, "points": self.points, "basis": self.basis}


@dataclass
class ReviewOutcome:
    items: list[ItemScore]
    subtotal: int
    vetoes: list[str] = field(default_factory=list)
    total: int = 0
    passed: bool = False


def format_metric(metric: str, value: Decimal | int | None) -> str:
    if value is None:
        return "无数据"
    if metric in RATIO_METRICS:
        return percent(Decimal(value))
    return str(value)


def score_items(items: list[dict], *, metrics: Mapping[str, object], manual: Mapping[str, int]) -> list[ItemScore]:
    """Every item's points: band items from the computed metrics, manual items from the reviewer
    (refused if outside 0..max or the item's allowed choices)."""
    scores: list[ItemScore] = []
    for item in items:
        if item["kind"] == "band":
            value = metrics.get(item["metric"])
            band = score_band(value, item["bands"])
            basis = f"{METRICS[item['metric']]}{format_metric(item['metric'], value)}，{band['label']}"
            scores.append(ItemScore(item["code"], item["label"], item["max"], int(band["points"]), basis))
            continue
        points = manual.get(item["code"])
        if points is None:
            raise ValueError(f"“{item['label']}”须由评审人评分。")
        allowed = item.get("choices")
        if not 0 <= int(points) <= item["max"] or (allowed and int(points) not in allowed):
            choices = "或".join(str(c) for c in allowed) if allowed else f"0至{item['max']}"
            raise ValueError(f"“{item['label']}”的得分应为{choices}分。")
        scores.append(ItemScore(item["code"], item["label"], item["max"], int(points), "评审人评分"))
    return scores


def veto_reasons(
    *,
    staff_satisfaction: Decimal | None,
    patient_satisfaction: Decimal | None,
    major_violation: bool,
    major_accident: bool,
    staff_floor: Decimal,
    patient_floor: Decimal,
) -> list[str]:
    """Seed 002 附件第12项 一票否决: any one fails the review whatever the total."""
    reasons = []
    if staff_satisfaction is not None and staff_satisfaction < staff_floor:
        reasons.append(f"医务人员满意度{percent(staff_satisfaction)}，低于{percent(staff_floor)}")
    if patient_satisfaction is not None and patient_satisfaction < patient_floor:
        reasons.append(f"患者满意度{percent(patient_satisfaction)}，低于{percent(patient_floor)}")
    if major_violation:
        reasons.append("有重大违纪行为")
    if major_accident:
        reasons.append("发生重大安全事故")
    return reasons


def review_outcome(scores: list[ItemScore], *, vetoes: list[str], pass_score: int) -> ReviewOutcome:
    """合格 when the total reaches the pass score and nothing vetoes it; a veto makes the total 0."""
    subtotal = sum(s.points for s in scores)
    total = 0 if vetoes else subtotal
    return ReviewOutcome(
        items=scores, subtotal=subtotal, vetoes=vetoes, total=total, passed=not vetoes and total >= pass_score
    )


def percent(value: Decimal) -> str:
    text = f"{(Decimal(value) * 100).quantize(Decimal('0.1')):f}"
    return (text[:-2] if text.endswith(".0") else text) + "%"
