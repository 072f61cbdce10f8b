"""The pure rules: grade bands at their exact boundaries, totals, period labels, milestones."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assessments import rules
from assessments.choices import Grade, PeriodKind

BANDS = [
    rules.BandSpec(Grade.EXCELLENT, Decimal(90)),
    rules.BandSpec(Grade.QUALIFIED, Decimal(75)),
    rules.BandSpec(Grade.BASIC, Decimal(60)),
    rules.BandSpec(Grade.UNQUALIFIED, Decimal(0)),
]


@pytest.mark.parametrize(
    ("total", "grade"),
    [
        ("100", Grade.EXCELLENT),
        ("90.00", Grade.EXCELLENT),
        ("89.99", Grade.QUALIFIED),
        ("75", Grade.QUALIFIED),
        ("74.99", Grade.BASIC),
        ("60", Grade.BASIC),
        ("59.99", Grade.UNQUALIFIED),
        ("0", Grade.UNQUALIFIED),
    ],
)
def test_grade_bands_are_inclusive_at_their_threshold(total, grade):
    assert rules.grade_for(Decimal(total), BANDS) == grade


def test_no_total_has_no_grade():
    assert rules.grade_for(None, BANDS) == ""


def test_bands_must_rise_with_the_grade_and_start_at_zero():
    assert rules.check_bands(BANDS) == []
    swapped = [rules.BandSpec(Grade.EXCELLENT, Decimal(70)), rules.BandSpec(Grade.QUALIFIED, Decimal(75))]
    problems = rules.check_bands([*swapped, rules.BandSpec(Grade.UNQUALIFIED, Decimal(0))])
    assert any("须高于" in p for p in problems)
    assert any("须为0" in p for p in rules.check_bands([rules.BandSpec(Grade.EXCELLENT, Decimal(90))]))


def test_total_is_weighted_sum_and_none_while_nothing_is_scored():
    items = [
        rules.ItemSpec("quantified", "量化考核", Decimal(100), Decimal("0.7")),
        rules.ItemSpec("democratic", "民主测评", Decimal(100), Decimal("0.2")),
        rules.ItemSpec("defence", "现场答辩", Decimal(100), Decimal("0.1")),
    ]
    assert rules.compute_total({}, items) is None
    total = rules.compute_total({"quantified": Decimal(80), "democratic": Decimal(90), "defence": Decimal(70)}, items)
    assert total == Decimal("81.00")


def test_quantified_weight_below_the_policy_minimum_is_refused():
    items = [
        rules.ItemSpec("quantified", "量化考核", Decimal(100), Decimal("0.6")),
        rules.ItemSpec("democratic", "民主测评", Decimal(100), Decimal("0.4")),
    ]
    assert rules.check_items(items, min_weights={"quantified": Decimal("0.70")})
    items[0] = rules.ItemSpec("quantified", "量化考核", Decimal(100), Decimal("0.7"))
    items[1] = rules.ItemSpec("democratic", "民主测评", Decimal(100), Decimal("0.3"))
    assert rules.check_items(items, min_weights={"quantified": Decimal("0.70")}) == []


def test_item_score_outside_zero_to_max_is_refused():
    item = rules.ItemSpec("quality", "医疗质量", Decimal(40))
    assert rules.parse_score("40", item=item) == Decimal("40.00")
    assert rules.parse_score(" ", item=item) is None
    with pytest.raises(ValueError, match="0到40"):
        rules.parse_score("40.01", item=item)
    with pytest.raises(ValueError, match="数字"):
        rules.parse_score("abc", item=item)


@pytest.mark.parametrize(
    ("label", "parsed"),
    [
        ("2026-03", (PeriodKind.MONTHLY, 2026, 3)),
        ("2026Q1", (PeriodKind.QUARTERLY, 2026, 1)),
        ("2026q4", (PeriodKind.QUARTERLY, 2026, 4)),
        ("2026", (PeriodKind.ANNUAL, 2026, 0)),
    ],
)
def test_period_labels(label, parsed):
    assert rules.parse_period_label(label) == parsed


@pytest.mark.parametrize("label", ["2026-13", "2026Q5", "26-03", ""])
def test_bad_period_labels_are_refused(label):
    with pytest.raises(ValueError, match="考核期间"):
        rules.parse_period_label(label)


def test_quarter_bounds():
    assert rules.period_bounds(PeriodKind.QUARTERLY, 2026, 1) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert rules.period_bounds(PeriodKind.MONTHLY, 2028, 2) == (dt.date(2028, 2, 1), dt.date(2028, 2, 29))


TERM = (dt.date(2026, 1, 1), dt.date(2027, 12, 31))


def test_a_two_year_term_has_eight_quarters():
    assert rules.term_quarters(*TERM) == 8


def test_pro_rata_milestones_rounded_up_end_at_the_target():
    assert rules.quarterly_milestones(Decimal(8), 8, rounding="ceil") == [Decimal(n) for n in range(1, 9)]
    # 20 difficult cases over 8 quarters: 2.5 due after Q1 means 3 when rounding up.
    assert rules.quarterly_milestones(Decimal(20), 8, rounding="ceil")[:2] == [Decimal(3), Decimal(5)]
    assert rules.quarterly_milestones(Decimal(20), 8, rounding="ceil")[-1] == Decimal(20)


def _ints(values) -> list[int]:
    return [int(v) for v in values]


@pytest.mark.parametrize(
    ("total", "rounding", "expected"),
    [
        # One per term: rounding up would make it fully due after the first quarter.
        (1, "floor", [0, 0, 0, 0, 0, 0, 0, 1]),
        (1, "ceil", [1, 1, 1, 1, 1, 1, 1, 1]),
        (1, "nearest", [0, 0, 0, 1, 1, 1, 1, 1]),  # 0.5 after Q4 rounds half up
        # 8 over 8 quarters: whole numbers every quarter, whatever the rounding.
        (8, "floor", [1, 2, 3, 4, 5, 6, 7, 8]),
        (8, "ceil", [1, 2, 3, 4, 5, 6, 7, 8]),
        (8, "nearest", [1, 2, 3, 4, 5, 6, 7, 8]),
        # 12: 1.5, 3, 4.5, 6, 7.5, 9, 10.5, 12.
        (12, "floor", [1, 3, 4, 6, 7, 9, 10, 12]),
        (12, "ceil", [2, 3, 5, 6, 8, 9, 11, 12]),
        (12, "nearest", [2, 3, 5, 6, 8, 9, 11, 12]),
        # 20: 2.5, 5, 7.5, 10, 12.5, 15, 17.5, 20.
        (20, "floor", [2, 5, 7, 10, 12, 15, 17, 20]),
        (20, "ceil", [3, 5, 8, 10, 13, 15, 18, 20]),
        (20, "nearest", [3, 5, 8, 10, 13, 15, 18, 20]),
    ],
)
def test_quarterly_milestones_follow_the_policys_rounding(total, rounding, expected):
    assert _ints(rules.quarterly_milestones(Decimal(total), 8, rounding=rounding)) == expected


def test_a_third_is_not_rounded_down_below_a_whole_unit():
    # 12 over 3 quarters is 4, 8, 12 — never 3.999… rounded down to 3.
    assert _ints(rules.quarterly_milestones(Decimal(12), 3, rounding="floor")) == [4, 8, 12]
    assert _ints(rules.quarterly_milestones(Decimal(12), 8, ["0.3333333333", "0.5"], rounding="floor"))[:2] == [4, 6]


def test_an_unknown_rounding_is_refused_in_chinese():
    with pytest.raises(ValueError, match="取整方式"):
        rules.quarterly_milestones(Decimal(8), 8, rounding="up")


def test_edited_milestone_shares_override_pro_rata_and_the_last_quarter_is_the_whole_target():
    shares = [0, 0.1, 0.2, 0.4, 0.5]
    milestones = rules.quarterly_milestones(Decimal(12), 8, shares, rounding="ceil")
    assert milestones[:5] == [Decimal(0), Decimal(2), Decimal(3), Decimal(5), Decimal(6)]
    assert milestones[6] == Decimal(6)  # padded with the last share
    assert milestones[7] == Decimal(12)


@pytest.mark.parametrize(
    ("on", "due"),
    [
        (dt.date(2026, 3, 30), Decimal(0)),  # the first quarter is not over
        (dt.date(2026, 3, 31), Decimal(1)),  # its last day completes it
        (dt.date(2026, 6, 30), Decimal(2)),
        (dt.date(2027, 12, 31), Decimal(8)),
        (dt.date(2029, 1, 1), Decimal(8)),  # after the term: the whole target
    ],
)
def test_milestone_due_on_a_date(on, due):
    assert rules.milestone_on(target_total=Decimal(8), term_start=TERM[0], term_end=TERM[1], on=on) == due


def test_a_group_of_alternatives_is_met_by_any_of_them():
    met = rules.groups_met(
        [("difficult_cases", "cases_or_surgeries", False), ("level4", "cases_or_surgeries", True), ("x", "", False)]
    )
    assert met == {"cases_or_surgeries": True, "x": False}
