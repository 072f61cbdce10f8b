"""Working days from the official calendar (chinesecalendar), and the Monday–Friday fallback for
years it does not cover yet."""

from __future__ import annotations

import datetime as dt
import logging

import chinese_calendar
import pytest

from publicity.workdays import (
    FALLBACK_NOTE,
    calendar_covers,
    count_working_days,
    is_working_day,
    last_working_day,
    nth_working_day,
    working_days_between,
)


def test_national_day_2026_is_off_and_saturday_october_10_is_a_make_up_working_day():
    assert [is_working_day(dt.date(2026, 10, d)) for d in range(1, 8)] == [False] * 7
    assert is_working_day(dt.date(2026, 10, 10))  # Saturday, 调休上班
    assert not is_working_day(dt.date(2026, 10, 11))  # Sunday


def test_five_working_days_from_september_29_2026_end_on_saturday_october_10():
    # 9-29 (1), 9-30 (2), 国庆 10-01..07 off, 10-08 (3), 10-09 (4), 10-10 调休 (5)
    expected = dt.date(2026, 10, 10)
    assert last_working_day(dt.date(2026, 9, 29), 5) == expected
    # What the library itself says: exactly five working days in the span.
    assert len(chinese_calendar.get_workdays(dt.date(2026, 9, 29), expected)) == 5


def test_start_on_a_holiday_does_not_count():
    assert last_working_day(dt.date(2026, 10, 1), 1) == dt.date(2026, 10, 8)


def test_start_on_a_working_day_counts_as_day_one():
    assert last_working_day(dt.date(2026, 11, 2), 1) == dt.date(2026, 11, 2)
    assert last_working_day(dt.date(2026, 11, 2), 5) == dt.date(2026, 11, 6)


def test_working_days_between_counts_both_ends_across_national_day():
    assert working_days_between(dt.date(2026, 9, 29), dt.date(2026, 10, 10)) == 5
    assert working_days_between(dt.date(2026, 10, 1), dt.date(2026, 10, 7)) == 0
    assert working_days_between(dt.date(2026, 10, 9), dt.date(2026, 10, 8)) == 0


def test_zero_working_days_is_refused():
    with pytest.raises(ValueError, match="正整数"):
        last_working_day(dt.date(2026, 11, 2), 0)


def test_a_year_the_calendar_does_not_cover_falls_back_to_monday_to_friday_and_says_so(caplog):
    assert calendar_covers(dt.date(2026, 12, 31))
    assert not calendar_covers(dt.date(2027, 1, 4))
    with caplog.at_level(logging.WARNING, logger="publicity.workdays"):
        result = nth_working_day(dt.date(2027, 1, 1), 5)  # Friday 2027-01-01
    # Fri 1, Mon 4, Tue 5, Wed 6, Thu 7 (Monday–Friday; the real 元旦 arrangement is unknown).
    assert result.value == dt.date(2027, 1, 7)
    assert result.approximate
    assert result.note == FALLBACK_NOTE
    assert "does not cover" in caplog.text


def test_a_span_crossing_into_an_uncovered_year_is_flagged():
    result = count_working_days(dt.date(2026, 12, 28), dt.date(2027, 1, 8))
    assert result.approximate
    # 2026-12-28..31 from the calendar (4 working days), then Mon–Fri in 2027: 1, 4–8.
    assert result.value == 4 + 6
    assert not count_working_days(dt.date(2026, 12, 1), dt.date(2026, 12, 4)).approximate
