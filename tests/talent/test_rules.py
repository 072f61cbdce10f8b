"""Seed 002's rules as pure functions, at every boundary the seed gives (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from personnel.choices import Degree, TitleLevel
from talent import rules

ITEMS = rules.seed_002_scheme_items(gap_visits_growth_points=0, gap_revenue_growth_points=0, gap_attendance_points=0)
BY_CODE = {item["code"]: item for item in ITEMS}


def points(code: str, value) -> int:
    return int(rules.score_band(None if value is None else Decimal(str(value)), BY_CODE[code]["bands"])["points"])


def test_the_seed_table_adds_up_to_100_points_and_is_valid():
    assert rules.scheme_total(ITEMS) == 100
    assert rules.scheme_problems(ITEMS) == []


@pytest.mark.parametrize(
    ("growth", "expected"),
    [("0.30", 15), ("0.299", 10), ("0.20", 10), ("0.1999", 0), ("0.15", 0), ("0.10", 0), ("-0.2", 0)],
)
def test_visits_growth_bands(growth, expected):
    assert points("visits_growth", growth) == expected


@pytest.mark.parametrize(
    ("growth", "expected"), [("0.30", 15), ("0.299", 10), ("0.20", 10), ("0.15", 0), ("0.10", 0), ("0.05", 0)]
)
def test_revenue_growth_bands(growth, expected):
    assert points("revenue_growth", growth) == expected


def test_the_gaps_the_seed_leaves_open_score_what_the_policy_says():
    items = rules.seed_002_scheme_items(
        gap_visits_growth_points=5, gap_revenue_growth_points=4, gap_attendance_points=3
    )
    by_code = {i["code"]: i for i in items}
    assert rules.score_band(Decimal("0.17"), by_code["visits_growth"]["bands"])["points"] == 5
    assert rules.score_band(Decimal("0.15"), by_code["visits_growth"]["bands"])["points"] == 0  # ≤15% per the seed
    assert rules.score_band(Decimal("0.1001"), by_code["revenue_growth"]["bands"])["points"] == 4
    assert rules.score_band(Decimal("0.10"), by_code["revenue_growth"]["bands"])["points"] == 0
    assert rules.score_band(Decimal("0.75"), by_code["attendance"]["bands"])["points"] == 3
    assert rules.score_band(Decimal("0.70"), by_code["attendance"]["bands"])["points"] == 0
    gap = rules.score_band(Decimal("0.17"), by_code["visits_growth"]["bands"])
    assert gap["gap"] and "种子未规定" in gap["label"]


@pytest.mark.parametrize(("rate", "expected"), [("0.90", 10), ("0.8999", 5), ("0.80", 5), ("0.75", 0), ("0.70", 0)])
def test_attendance_bands(rate, expected):
    assert points("attendance", rate) == expected


@pytest.mark.parametrize(("count", "expected"), [(6, 10), (5, 10), (4, 8), (3, 8), (2, 5), (1, 0), (0, 0)])
def test_new_technique_bands(count, expected):
    assert points("new_techniques", count) == expected


@pytest.mark.parametrize(("rate", "expected"), [("0.90", 5), ("0.8999", 3), ("0.80", 3), ("0.70", 2), ("0.6999", 0)])
def test_staff_satisfaction_bands(rate, expected):
    assert points("satisfaction", rate) == expected


@pytest.mark.parametrize(("count", "expected"), [(2, 5), (1, 0)])
def test_papers_guided_need_two(count, expected):
    assert points("papers", count) == expected


def test_growth_over_a_zero_base_scores_the_lowest_band():
    assert rules.growth(0, 100) is None
    assert points("visits_growth", None) == 0
    assert rules.growth(1000, 1300) == Decimal("0.3")


def test_manual_items_accept_only_their_allowed_points():
    metrics = {
        "visits_growth": None,
        "revenue_growth": None,
        "attendance": None,
        "new_techniques": 0,
        "papers_guided": 0,
        "staff_satisfaction": Decimal("0.5"),
    }
    manual = {"mentoring": 7, "technique_pilot": 10, "key_specialty": 0, "research": 5, "service_capacity": 4}
    scores = rules.score_items(ITEMS, metrics=metrics, manual=manual)
    assert sum(s.points for s in scores) == 26
    with pytest.raises(ValueError, match="技术引入与推广"):
        rules.score_items(ITEMS, metrics=metrics, manual=manual | {"technique_pilot": 5})
    with pytest.raises(ValueError, match="传、帮、带"):
        rules.score_items(ITEMS, metrics=metrics, manual=manual | {"mentoring": 11})
    with pytest.raises(ValueError, match="须由评审人评分"):
        rules.score_items(ITEMS, metrics=metrics, manual={})


def _vetoes(**overrides):
    args = {
        "staff_satisfaction": Decimal("0.95"),
        "patient_satisfaction": Decimal("0.95"),
        "major_violation": False,
        "major_accident": False,
        "staff_floor": Decimal("0.60"),
        "patient_floor": Decimal("0.70"),
    }
    return rules.veto_reasons(**(args | overrides))


def test_no_veto_at_the_floors():
    assert _vetoes(staff_satisfaction=Decimal("0.60"), patient_satisfaction=Decimal("0.70")) == []


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"staff_satisfaction": Decimal("0.5999")}, "医务人员满意度"),
        ({"patient_satisfaction": Decimal("0.6999")}, "患者满意度"),
        ({"major_violation": True}, "重大违纪"),
        ({"major_accident": True}, "重大安全事故"),
    ],
)
def test_each_veto_fails_a_full_score(overrides, fragment):
    vetoes = _vetoes(**overrides)
    assert len(vetoes) == 1 and fragment in vetoes[0]
    full = [rules.ItemScore(i["code"], i["label"], i["max"], i["max"], "") for i in ITEMS]
    outcome = rules.review_outcome(full, vetoes=vetoes, pass_score=60)
    assert outcome.subtotal == 100 and outcome.total == 0 and not outcome.passed


def test_pass_score_boundary():
    def outcome(total):
        return rules.review_outcome([rules.ItemScore("x", "x", 100, total, "")], vetoes=[], pass_score=60)

    assert outcome(60).passed and not outcome(59).passed


S, A, M = TitleLevel.SENIOR, TitleLevel.ASSOCIATE_SENIOR, TitleLevel.INTERMEDIATE


def team(*members):
    return rules.team_composition_problems(
        [rules.Member(level, degree) for level, degree in members], min_core_members=3, master_ratio=Decimal("0.60")
    )


def test_a_team_of_three_senior_masters_is_valid():
    assert team((S, Degree.DOCTOR), (A, Degree.MASTER), (A, Degree.MASTER)) == []


def test_a_team_needs_three_core_members():
    problems = team((S, Degree.DOCTOR), (A, Degree.MASTER))
    assert problems == ["核心成员不少于3人（现有2人）。"]


def test_core_members_must_be_mostly_associate_senior_or_above():
    problems = team((S, Degree.DOCTOR), (M, Degree.MASTER), (M, Degree.MASTER))
    assert len(problems) == 1 and "副高级及以上" in problems[0]
    assert team((S, Degree.DOCTOR), (A, Degree.MASTER), (M, Degree.MASTER)) == []


def test_sixty_percent_of_core_members_hold_a_master_or_higher():
    five = [(S, Degree.MASTER), (S, Degree.MASTER), (S, Degree.MASTER), (S, Degree.BACHELOR), (S, Degree.BACHELOR)]
    assert team(*five) == []  # 3/5 = 60%
    problems = team((S, Degree.MASTER), (S, Degree.BACHELOR), (S, Degree.BACHELOR))
    assert len(problems) == 1 and "硕士及以上" in problems[0] and "60%" in problems[0]


def test_a_team_breaking_every_rule_hears_every_rule():
    assert len(team((M, Degree.BACHELOR), (M, Degree.BACHELOR))) == 3


@pytest.mark.parametrize(
    ("end", "ok"),
    [
        (dt.date(2026, 6, 29), False),  # 6 months less a day
        (dt.date(2026, 6, 30), True),  # exactly 6 months
        (dt.date(2028, 12, 31), True),  # exactly 3 years
        (dt.date(2029, 1, 1), False),  # 3 years and a day
    ],
)
def test_contract_term_is_six_months_to_three_years(end, ok):
    problem = rules.check_contract_term(dt.date(2026, 1, 1), end, min_months=6, max_months=36)
    assert (problem is None) is ok


@pytest.mark.parametrize(
    ("adjustment", "ok"), [("200000", True), ("-200000", True), ("200000.01", False), ("-200001", False)]
)
def test_budget_adjustment_is_capped_at_twenty_percent(adjustment, ok):
    problem = rules.check_budget_adjustment(
        base=Decimal(1_000_000), adjustment=Decimal(adjustment), limit=Decimal("0.20")
    )
    assert (problem is None) is ok


@pytest.mark.parametrize(("rate", "triggered"), [("0.70", False), ("0.6999", True), (None, False)])
def test_attendance_below_seventy_percent_is_a_ground(rate, triggered):
    value = None if rate is None else Decimal(rate)
    assert rules.attendance_below_minimum(value, minimum=Decimal("0.70")) is triggered


def test_contracted_days_count_whole_months_within_the_term():
    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    assert rules.contracted_days(start=start, end=end, days_per_month=Decimal(4), on=dt.date(2026, 3, 30)) == 8
    assert rules.contracted_days(start=start, end=end, days_per_month=Decimal(4), on=dt.date(2026, 3, 31)) == 12
    assert rules.contracted_days(start=start, end=end, days_per_month=Decimal(4), on=dt.date(2027, 6, 1)) == 48


def test_filing_deadline_is_three_months_after_learning():
    deadline = rules.filing_deadline(dt.date(2026, 3, 15), months=3)
    assert deadline == dt.date(2026, 6, 15)
    assert not rules.filing_overdue(deadline, dt.date(2026, 6, 15))
    assert rules.filing_overdue(deadline, dt.date(2026, 6, 16))
    assert rules.reminder_due(deadline, dt.date(2026, 6, 1), days_before=14)
    assert not rules.reminder_due(deadline, dt.date(2026, 5, 31), days_before=14)


@pytest.mark.parametrize(("since", "ok"), [(dt.date(2021, 3, 1), True), (dt.date(2021, 3, 2), False), (None, False)])
def test_a_tertiary_senior_expert_has_held_the_title_five_years(since, ok):
    problem = rules.senior_title_years_problem(since, dt.date(2026, 3, 1), min_years=5)
    assert (problem is None) is ok
