"""Pure policy functions of the assessments app: totals, grade bands, period labels, quarterly
milestones.  No database; the services and selectors feed them model data."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation

from .choices import GRADE_RANK, Grade, PeriodKind

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    max_points: Decimal
    weight: Decimal = Decimal(1)


@dataclass(frozen=True)
class BandSpec:
    grade: str
    min_points: Decimal


# --- Scores, totals and grades ------------------------------------------------------------------


def parse_score(value, *, item: ItemSpec) -> Decimal | None:
    """A typed item score: blank is None; otherwise a number within 0..max_points (ValueError in
    Chinese otherwise)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"“{item.name}”应为数字。") from None
    if not number.is_finite():
        raise ValueError(f"“{item.name}”应为数字。")
    if number < 0 or number > item.max_points:
        raise ValueError(f"“{item.name}”应在0到{item.max_points.normalize():f}分之间。")
    return number.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def compute_total(scores: Mapping[str, Decimal | None], items: Sequence[ItemSpec]) -> Decimal | None:
    """Σ score × weight over the items; None while no item is scored."""
    given = [(item, scores.get(item.code)) for item in items]
    if all(score is None for _, score in given):
        return None
    total = sum((Decimal(score) * item.weight for item, score in given if score is not None), Decimal(0))
    return total.quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def max_total(items: Sequence[ItemSpec]) -> Decimal:
    return sum((item.max_points * item.weight for item in items), Decimal(0)).quantize(TWO_PLACES)


def grade_for(total: Decimal | None, bands: Iterable[BandSpec]) -> str:
    """The band with the highest threshold the total reaches (thresholds are inclusive: 90.00 is
    优秀 when 优秀 starts at 90; 89.99 is not).  "" without a total or below every band."""
    if total is None:
        return ""
    for band in sorted(bands, key=lambda b: b.min_points, reverse=True):
        if total >= band.min_points:
            return band.grade
    return ""


def check_bands(bands: Sequence[BandSpec]) -> list[str]:
    """Problems with a scheme's bands (empty when fine): each grade at most once, a better grade
    needs a strictly higher threshold, and the lowest band starts at 0 so every total has a grade."""
    problems = []
    grades = [b.grade for b in bands]
    if not bands:
        return ["至少需要一个等次。"]
    if len(set(grades)) != len(grades):
        problems.append("每个等次只能设置一次。")
    ordered = sorted(bands, key=lambda b: GRADE_RANK[b.grade], reverse=True)
    for better, worse in zip(ordered, ordered[1:], strict=False):
        if better.min_points <= worse.min_points:
            problems.append(
                f"“{Grade(better.grade).label}”的分数线（{better.min_points}）须高于"
                f"“{Grade(worse.grade).label}”（{worse.min_points}）。"
            )
    if min(b.min_points for b in bands) != 0:
        problems.append("最低等次的分数线须为0，使任何总分都有等次。")
    return problems


def check_items(items: Sequence[ItemSpec], *, min_weights: Mapping[str, Decimal] | None = None) -> list[str]:
    problems = []
    codes = [i.code for i in items]
    if not items:
        problems.append("至少需要一个考核项目。")
    if len(set(codes)) != len(codes):
        problems.append("项目代码不能重复。")
    for item in items:
        if item.max_points <= 0:
            problems.append(f"“{item.name}”的满分须大于0。")
        if item.weight < 0:
            problems.append(f"“{item.name}”的权重不能为负数。")
    for code, minimum in (min_weights or {}).items():
        item = next((i for i in items if i.code == code), None)
        total_weight = sum((i.weight for i in items), Decimal(0))
        if item is not None and total_weight and item.weight / total_weight < minimum:
            problems.append(f"“{item.name}”的权重须不低于{minimum * 100:.0f}%（种子000：量化考核权重≥70%）。")
    return problems


# --- Periods ------------------------------------------------------------------------------------

_LABEL = re.compile(r"^\s*(\d{4})(?:\s*[-/.年]\s*(\d{1,2})\s*月?|\s*[Qq第]\s*([1-4])\s*季?度?)?\s*年?\s*$")


def parse_period_label(text: str) -> tuple[str, int, int]:
    """2026-03 → (monthly, 2026, 3); 2026Q1 → (quarterly, 2026, 1); 2026 → (annual, 2026, 0)."""
    match = _LABEL.match(str(text or ""))
    if not match:
        raise ValueError(f"考核期间“{text}”格式不正确，应为 2026-03、2026Q1 或 2026。")
    year, month, quarter = match.groups()
    if month:
        if not 1 <= int(month) <= 12:
            raise ValueError(f"考核期间“{text}”的月份不正确。")
        return PeriodKind.MONTHLY, int(year), int(month)
    if quarter:
        return PeriodKind.QUARTERLY, int(year), int(quarter)
    return PeriodKind.ANNUAL, int(year), 0


def period_bounds(kind: str, year: int, number: int) -> tuple[dt.date, dt.date]:
    if kind == PeriodKind.MONTHLY:
        return dt.date(year, number, 1), dt.date(year, number, calendar.monthrange(year, number)[1])
    if kind == PeriodKind.QUARTERLY:
        first = 3 * (number - 1) + 1
        return dt.date(year, first, 1), dt.date(year, first + 2, calendar.monthrange(year, first + 2)[1])
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


# --- Quarterly milestones of duty targets -------------------------------------------------------


def term_quarters(start: dt.date, end: dt.date) -> int:
    """Quarters in a term counted in whole months from its start (a two-year term has 8)."""
    next_day = end + dt.timedelta(days=1)
    months = (next_day.year - start.year) * 12 + next_day.month - start.month
    return max(1, math.ceil(months / 3))


def quarters_elapsed(start: dt.date, on: dt.date) -> int:
    """Whole quarters of a term completed by `on` (inclusive of its last day)."""
    if on < start:
        return 0
    next_day = on + dt.timedelta(days=1)
    months = (next_day.year - start.year) * 12 + next_day.month - start.month
    if next_day.day < start.day:
        months -= 1
    return max(0, months // 3)


# How a quarterly milestone that falls between whole units is rounded: policy data
# (`milestone_rounding`).  Rounding up makes a one-per-term target fully due after the first
# quarter, so a policy that does not say falls back to rounding down.
MILESTONE_ROUNDINGS = {"floor": ROUND_FLOOR, "ceil": ROUND_CEILING, "nearest": ROUND_HALF_UP}
DEFAULT_MILESTONE_ROUNDING = "floor"
_SIX_PLACES = Decimal("0.000001")


def quarterly_milestones(
    target_total: Decimal, quarters: int, shares: Sequence | None = None, rounding: str = DEFAULT_MILESTONE_ROUNDING
) -> list[Decimal]:
    """Cumulative amount due at the end of each quarter of the term.

    Pro rata by default (8 sessions over 8 quarters: 1, 2, … 8).  `shares` overrides it with
    cumulative fractions per quarter (edited on the target); a list shorter than the term is
    padded with its last share, and the last quarter is always the full target.  A milestone
    between whole units (2.5 cases) is rounded as the policy says: "floor" (2), "ceil" (3) or
    "nearest" (3, halves up)."""
    mode = MILESTONE_ROUNDINGS.get(rounding)
    if mode is None:
        raise ValueError(f"季度节点取整方式“{rounding}”不正确，应为 floor、ceil 或 nearest。")
    target_total = Decimal(target_total)
    result = []
    for quarter in range(1, quarters + 1):
        if quarter == quarters:
            amount = target_total
        elif shares:
            amount = target_total * Decimal(str(shares[min(quarter, len(shares)) - 1]))
        else:
            amount = target_total * quarter / quarters  # multiplied first: 12 × 1/3 is 4, not 3.99…
        # Six places first, so that 3.9999999 from a share like 1/3 is 4 before rounding down.
        result.append(amount.quantize(_SIX_PLACES).to_integral_value(rounding=mode))
    return result


def milestone_on(
    *,
    target_total: Decimal,
    term_start: dt.date,
    term_end: dt.date,
    on: dt.date,
    shares: Sequence | None = None,
    rounding: str = DEFAULT_MILESTONE_ROUNDING,
) -> Decimal:
    """What is due by `on`: the milestone of the last completed quarter (0 before the first)."""
    done = quarters_elapsed(term_start, min(on, term_end))
    if done == 0:
        return Decimal(0)
    milestones = quarterly_milestones(target_total, term_quarters(term_start, term_end), shares, rounding)
    return milestones[min(done, len(milestones)) - 1]


def groups_met(rows: Iterable[tuple[str, str, bool]]) -> dict[str, bool]:
    """(code, alternative_group, met) → whether each group is met: a group is met when any of its
    alternatives is; a target without a group is its own group."""
    status: dict[str, bool] = {}
    for code, group, met in rows:
        key = group or code
        status[key] = status.get(key, False) or met
    return status


# --- 综合考核 (seed 000 §四(二)2): 量化评分（≥70%）+ 民主评议 + 现场答辩 -----------------------------
# One rule for every comprehensive assessment: the demotion case's and the appointment round's.

_FOUR_PLACES = Decimal("0.0001")


class ComprehensiveInputError(ValueError):
    """A refused input of the comprehensive assessment; `field` names the input it is about."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ComprehensiveScore:
    quantified: Decimal
    quantified_weight: Decimal
    democratic: Decimal
    democratic_weight: Decimal
    defence: Decimal
    defence_weight: Decimal
    combined: Decimal


def _comprehensive_number(value, label: str, field: str, high: int, places: Decimal) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ComprehensiveInputError(f"请填写{label}。", field)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ComprehensiveInputError(f"{label}应为数字。", field) from None
    if not number.is_finite():
        raise ComprehensiveInputError(f"{label}应为数字。", field)
    if number < 0 or number > high:
        raise ComprehensiveInputError(f"{label}应在0到{high}之间。", field)
    return number.quantize(places, rounding=ROUND_HALF_UP)


def comprehensive_score(
    *,
    quantified,
    quantified_weight,
    democratic,
    democratic_weight,
    defence,
    defence_weight,
    min_quantified_weight,
) -> ComprehensiveScore:
    """Σ score × weight over the three parts: each score 0–100, each weight 0–1, the weights sum
    to 1 and the quantified weight is at least the policy's minimum (seed 000: 不低于70%; the
    minimum itself is allowed).  Raises ComprehensiveInputError in Chinese."""
    q = _comprehensive_number(quantified, "量化考核得分", "quantified_score", 100, TWO_PLACES)
    d = _comprehensive_number(democratic, "民主评议得分", "democratic_score", 100, TWO_PLACES)
    f = _comprehensive_number(defence, "现场答辩得分", "defence_score", 100, TWO_PLACES)
    wq = _comprehensive_number(quantified_weight, "量化考核权重", "quantified_weight", 1, _FOUR_PLACES)
    wd = _comprehensive_number(democratic_weight, "民主评议权重", "democratic_weight", 1, _FOUR_PLACES)
    wf = _comprehensive_number(defence_weight, "现场答辩权重", "defence_weight", 1, _FOUR_PLACES)
    if wq + wd + wf != 1:
        raise ComprehensiveInputError(
            f"量化考核、民主评议、现场答辩三项权重之和应为1，当前为{(wq + wd + wf).normalize():f}。", "weights"
        )
    minimum = Decimal(str(min_quantified_weight))
    if wq < minimum:
        raise ComprehensiveInputError(
            f"量化考核权重不得低于政策规定的{minimum.normalize():f}（{minimum * 100:.0f}%），当前为{wq.normalize():f}。",
            "quantified_weight",
        )
    combined = (q * wq + d * wd + f * wf).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    return ComprehensiveScore(q, wq, d, wd, f, wf, combined)


def ballot_mean(scores: Iterable) -> Decimal | None:
    """民主评议 score: the mean of the anonymous ballots, to two places; None without ballots."""
    scores = [Decimal(str(s)) for s in scores]
    if not scores:
        return None
    return (sum(scores, Decimal(0)) / len(scores)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
