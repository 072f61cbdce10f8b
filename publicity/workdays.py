"""Working days (工作日) from the official Chinese holiday calendar (`chinesecalendar`): public
holidays are off, make-up working days (调休上班, e.g. Saturday 2026-10-10) count.

The calendar only covers the years the State Council has published.  For a later year the
functions fall back to Monday–Friday instead of failing, log a warning and say so: every public
result carries `approximate=True`, and `calendar_covers(date)` tells a caller (a page) to show it.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import chinese_calendar

logger = logging.getLogger(__name__)

FALLBACK_NOTE = "该年度国务院节假日安排尚未收录，暂按周一至周五计算工作日，节假日公布后请核对。"


def calendar_covers(day: dt.date) -> bool:
    """Whether the official holiday calendar knows the year of `day`."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def is_working_day(day: dt.date) -> bool:
    """An official working day; Monday–Friday for a year the calendar does not cover."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


@dataclass(frozen=True)
class WorkdayResult:
    """A computed date or count, and whether it rests on the Monday–Friday fallback."""

    value: object
    approximate: bool

    @property
    def note(self) -> str:
        return FALLBACK_NOTE if self.approximate else ""


def _warn_fallback(start: dt.date, end: dt.date) -> None:
    logger.warning(
        "chinese_calendar does not cover %s..%s; working days counted Monday to Friday", start.isoformat(), end
    )


def nth_working_day(start: dt.date, n: int) -> WorkdayResult:
    """The n-th working day counting from `start` (which counts if it is a working day), with
    whether any day in the span fell outside the official calendar."""
    if n < 1:
        raise ValueError("工作日天数应为正整数。")
    day = start
    count = 0
    approximate = False
    while True:
        approximate = approximate or not calendar_covers(day)
        if is_working_day(day):
            count += 1
            if count == n:
                break
        day += dt.timedelta(days=1)
    if approximate:
        _warn_fallback(start, day)
    return WorkdayResult(value=day, approximate=approximate)


def last_working_day(start: dt.date, n: int) -> dt.date:
    """The n-th working day counting from `start` (start counts if it is a working day):
    five working days from Tuesday 2026-09-29 end on Saturday 2026-10-10 (国庆 off, 10-10 调休)."""
    return nth_working_day(start, n).value


def working_days_between(a: dt.date, b: dt.date) -> int:
    """Working days from `a` to `b`, both included (0 when b is before a)."""
    return count_working_days(a, b).value


def count_working_days(a: dt.date, b: dt.date) -> WorkdayResult:
    if b < a:
        return WorkdayResult(value=0, approximate=False)
    count = 0
    approximate = False
    day = a
    while day <= b:
        approximate = approximate or not calendar_covers(day)
        count += is_working_day(day)
        day += dt.timedelta(days=1)
    if approximate:
        _warn_fallback(a, b)
    return WorkdayResult(value=count, approximate=approximate)
