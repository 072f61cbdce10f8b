"""县聘乡用 rules as pure functions: data + policy numbers in, decisions out (seed 001, 万州区).

Nothing here touches the database; services pass the numbers they read from the policy version
in force, so a decision made under last year's policy keeps last year's numbers.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from personnel.choices import Category

from .choices import AssessmentParty, ObligationStatus

# Seed 001 §四(一)1: 执业医师类 = 临床、中医、口腔、公卫 4 个类别.
PHYSICIAN_CATEGORIES = frozenset({Category.CLINICAL, Category.TCM, Category.DENTAL, Category.PUBLIC_HEALTH})

ROUNDING_MODES = {"floor": ROUND_FLOOR, "ceil": ROUND_CEILING, "half_up": ROUND_HALF_UP}
LEAVE_COMPARISONS = {"gte", "gt"}
ONE_DAY = dt.timedelta(days=1)


# --- Dates ---------------------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


def planned_end(start: dt.date, service_years: int) -> dt.date:
    """The last day of a stint of `service_years` starting on `start` (1 year: 2026-01-01 → 2026-12-31)."""
    return add_years(start, service_years) - ONE_DAY


# --- Obligations (seed 001 §四(一)1) ---------------------------------------------------------------


def new_hire_deadline(hire_date: dt.date, within_years: int) -> dt.date:
    """新招聘执业医师“五年内”至少下沉一年: the last day of the window [hire, hire + 5 years).

    Hired 2021-11-25 → the window's last day is 2026-11-24; on 2026-11-25 (exactly five years
    after hire) the window has closed."""
    return add_years(hire_date, within_years) - ONE_DAY


def latest_start(deadline: dt.date, service_years: int) -> dt.date:
    """The last start date from which a full stint still ends by the deadline."""
    return add_years(deadline + ONE_DAY, -service_years)


def obligation_status(
    *,
    today: dt.date,
    deadline: dt.date | None,
    fulfilled: bool,
    current_end: dt.date | None,
    service_years: int,
) -> str:
    """Where an obligated person stands.  `current_end` is the end date of a stint in progress or
    planned; `deadline` is None for the pre-promotion obligation (due before applying for 副高)."""
    if fulfilled:
        return ObligationStatus.FULFILLED
    if current_end is not None:
        if deadline is not None and current_end > deadline:
            return ObligationStatus.AT_RISK
        return ObligationStatus.IN_SERVICE
    if deadline is None:
        return ObligationStatus.DUE
    if today > deadline:
        return ObligationStatus.OVERDUE
    if today > latest_start(deadline, service_years):
        return ObligationStatus.AT_RISK
    return ObligationStatus.DUE


def is_physician(category: str) -> bool:
    return category in PHYSICIAN_CATEGORIES


def required_secondments(hires: int, share: Decimal) -> int:
    """“县聘乡用”人员数量不低于……招聘执业医师类人员总数的80%: the least whole number of people."""
    return math.ceil(Decimal(hires) * share)


# --- Leave and absence (seed 001 §四(二)1) ---------------------------------------------------------


def leave_days(start: dt.date, end: dt.date) -> int:
    """Calendar days of a leave, both ends included."""
    return (end - start).days + 1


def leave_must_be_filed(days: int, *, threshold: int, comparison: str) -> bool:
    """请假5天以上需向领导小组办公室备案，同时顺延基层服务期限.

    `comparison` is policy data: "gte" reads 以上 as including the number (the convention of
    Chinese statutes), "gt" as strictly more."""
    if comparison not in LEAVE_COMPARISONS:
        raise ValueError(f"unknown leave comparison {comparison!r}")
    return days >= threshold if comparison == "gte" else days > threshold


def extension_days(leaves: Iterable[int], *, threshold: int, comparison: str) -> int:
    """How far the end date moves: the full length of every leave that must be filed."""
    return sum(d for d in leaves if leave_must_be_filed(d, threshold=threshold, comparison=comparison))


def stint_counts(absences: int, *, limit: int) -> bool:
    """旷工超过3次的本次服务时间不计入基层服务经历: 3 absences still count, 4 do not."""
    return absences <= limit


def served_days(*, start: dt.date, end: dt.date, as_of: dt.date, not_counted_days: int) -> int:
    """Days served so far: calendar days from start to `as_of` (at most the end), less the days
    that do not count (filed leave, which extends the end instead, and absences)."""
    if as_of < start:
        return 0
    elapsed = (min(as_of, end) - start).days + 1
    return max(elapsed - not_counted_days, 0)


# --- Annual assessment (seed 001 §四(三)1) ---------------------------------------------------------


def served_half_year(*, start: dt.date, as_of: dt.date, min_months: int, extension: int = 0) -> bool:
    """服务期满半年以上 take part in the separate annual assessment.  Started 2026-01-01, half a
    year is served at the end of 2026-06-30; days of filed leave push that back."""
    return add_months(start, min_months) + dt.timedelta(days=extension) <= as_of + ONE_DAY


def excellent_places(people: int, *, ratio: Decimal, rounding: str) -> int:
    """按15%的比例评定优秀等次: the number of 优秀 places among `people`, rounded as the policy says."""
    if rounding not in ROUNDING_MODES:
        raise ValueError(f"unknown rounding {rounding!r}")
    return int((Decimal(people) * ratio).quantize(Decimal(1), rounding=ROUNDING_MODES[rounding]))


def combined_score(scores: Mapping[str, Decimal], weights: Mapping[str, Decimal]) -> Decimal:
    """接收单位、区卫生健康委、派出单位 60:30:10: the weighted total of the three parties' scores."""
    missing = [p for p in AssessmentParty.values if p not in scores]
    if missing:
        raise ValueError(f"missing scores: {missing}")
    total = sum((Decimal(scores[p]) * Decimal(weights[p]) for p in AssessmentParty.values), Decimal(0))
    return total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- Money (seed 001 §四(四)) ------------------------------------------------------------------------


@dataclass(frozen=True)
class LedgerStint:
    staff_id: int
    receiving_unit_id: int
    start: dt.date
    end: dt.date
    excellent_years: frozenset[int] = frozenset()


@dataclass
class LedgerRow:
    receiving_unit_id: int
    month: dt.date  # first day of the calendar month
    people: int = 0
    subsidy: Decimal = Decimal(0)
    award: Decimal = Decimal(0)
    allowance_people: int = 0

    @property
    def total(self) -> Decimal:
        return self.subsidy + self.award


def service_months(start: dt.date, end: dt.date) -> list[dt.date]:
    """The start dates of the whole months served in [start, end] (a part month is not paid)."""
    months, i = [], 0
    while add_months(start, i + 1) - ONE_DAY <= end:
        months.append(add_months(start, i))
        i += 1
    return months


def subsidy_ledger(
    stints: Iterable[LedgerStint],
    *,
    subsidy_per_month: Decimal,
    excellent_award: Decimal,
    allowance_after_months: int,
) -> list[LedgerRow]:
    """Per receiving unit and calendar month: 每人每月1000元 to the receiving unit for each whole
    service month (booked to the month it starts in), the 1500 元 award for an 优秀 year (booked
    to that December), and who has served 6 continuous months (乡镇工作补贴, paid by the home unit)."""
    rows: dict[tuple[int, dt.date], LedgerRow] = {}

    def row(unit: int, month: dt.date) -> LedgerRow:
        key = (unit, month)
        if key not in rows:
            rows[key] = LedgerRow(receiving_unit_id=unit, month=month)
        return rows[key]

    for stint in stints:
        for index, month_start in enumerate(service_months(stint.start, stint.end)):
            r = row(stint.receiving_unit_id, month_start.replace(day=1))
            r.people += 1
            r.subsidy += subsidy_per_month
            if index >= allowance_after_months:
                r.allowance_people += 1
        for year in stint.excellent_years:
            row(stint.receiving_unit_id, dt.date(year, 12, 1)).award += excellent_award
    return sorted(rows.values(), key=lambda r: (r.receiving_unit_id, r.month))


def ledger_totals_by_year(rows: Iterable[LedgerRow]) -> dict[int, Decimal]:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for r in rows:
        totals[r.month.year] += r.total
    return dict(totals)


# --- Planning (seed 001 §四(一)2) ----------------------------------------------------------------


@dataclass(frozen=True)
class DemandSlot:
    demand_id: int
    category: str
    count: int
    is_remote: bool


@dataclass(frozen=True)
class Candidate:
    offer_id: int
    category: str
    prefers_remote: bool


def suggest_pairs(demands: Iterable[DemandSlot], candidates: Iterable[Candidate]) -> list[tuple[int, int]]:
    """以基层医疗卫生机构需求为主: fill each demand with people of its category, remote demands
    first and only with people willing to serve in remote areas; what cannot be filled stays open."""
    pool = list(candidates)
    pairs: list[tuple[int, int]] = []
    for demand in sorted(demands, key=lambda d: (not d.is_remote, d.demand_id)):
        for _ in range(demand.count):
            pick = next(
                (c for c in pool if c.category == demand.category and (c.prefers_remote or not demand.is_remote)),
                None,
            )
            if pick is None:
                break
            pool.remove(pick)
            pairs.append((demand.demand_id, pick.offer_id))
    return pairs


# --- Incentives (seed 001 §四(四)3) ------------------------------------------------------------------


def longest_remote_run(stints: Iterable[tuple[dt.date, dt.date]]) -> tuple[dt.date, dt.date] | None:
    """The longest continuous run of counted stints at remote facilities (连续在边远地区工作);
    a stint starting the day after the previous one ends continues the run."""
    runs: list[tuple[dt.date, dt.date]] = []
    for start, end in sorted(stints):
        if runs and start <= runs[-1][1] + ONE_DAY:
            runs[-1] = (runs[-1][0], max(runs[-1][1], end))
        else:
            runs.append((start, end))
    return max(runs, key=lambda r: (r[1] - r[0], r[0]), default=None)


def remote_priority(stints: Iterable[tuple[dt.date, dt.date]], *, years: int, as_of: dt.date) -> bool:
    """连续在边远地区工作满三年的……享受优先政策: a run of at least `years` full years served by `as_of`."""
    run = longest_remote_run(stints)
    if run is None:
        return False
    start, end = run
    return add_years(start, years) - ONE_DAY <= min(end, as_of)
