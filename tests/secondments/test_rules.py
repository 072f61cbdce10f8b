"""Seed 001 rules as pure functions, at their boundaries."""

import datetime as dt
from decimal import Decimal

import pytest

from secondments import rules
from secondments.choices import AssessmentParty, ObligationStatus

D = dt.date


def test_hire_date_exactly_five_years_ago_has_closed_the_window():
    today = D(2026, 11, 25)
    deadline = rules.new_hire_deadline(D(2021, 11, 25), 5)
    assert deadline == D(2026, 11, 24)
    status = rules.obligation_status(today=today, deadline=deadline, fulfilled=False, current_end=None, service_years=1)
    assert status == ObligationStatus.OVERDUE


def test_hire_date_a_day_short_of_five_years_is_due_today_but_cannot_be_met():
    today = D(2026, 11, 25)
    deadline = rules.new_hire_deadline(D(2021, 11, 26), 5)
    assert deadline == today
    status = rules.obligation_status(today=today, deadline=deadline, fulfilled=False, current_end=None, service_years=1)
    assert status == ObligationStatus.AT_RISK


def test_new_hire_can_still_start_a_full_year_on_the_latest_start_date():
    deadline = rules.new_hire_deadline(D(2022, 1, 1), 5)  # 2026-12-31
    assert rules.latest_start(deadline, 1) == D(2026, 1, 1)
    assert rules.planned_end(D(2026, 1, 1), 1) == deadline
    due = rules.obligation_status(
        today=D(2026, 1, 1), deadline=deadline, fulfilled=False, current_end=None, service_years=1
    )
    late = rules.obligation_status(
        today=D(2026, 1, 2), deadline=deadline, fulfilled=False, current_end=None, service_years=1
    )
    assert (due, late) == (ObligationStatus.DUE, ObligationStatus.AT_RISK)


def test_a_stint_ending_after_the_deadline_is_at_risk():
    status = rules.obligation_status(
        today=D(2026, 3, 1), deadline=D(2026, 12, 31), fulfilled=False, current_end=D(2027, 1, 5), service_years=1
    )
    assert status == ObligationStatus.AT_RISK


def test_pre_promotion_obligation_has_no_date_only_fulfilled_or_due():
    kwargs = {"today": D(2026, 3, 1), "deadline": None, "current_end": None, "service_years": 1}
    assert rules.obligation_status(fulfilled=True, **kwargs) == ObligationStatus.FULFILLED
    assert rules.obligation_status(fulfilled=False, **kwargs) == ObligationStatus.DUE


def test_physician_categories_are_the_four_of_the_seed():
    assert rules.is_physician("clinical") and rules.is_physician("tcm")
    assert rules.is_physician("dental") and rules.is_physician("public_health")
    assert not rules.is_physician("nursing") and not rules.is_physician("pharmacy")


@pytest.mark.parametrize(("hires", "required"), [(0, 0), (5, 4), (10, 8), (11, 9)])
def test_eighty_percent_of_physician_hires_rounds_up_to_whole_people(hires, required):
    assert rules.required_secondments(hires, Decimal("0.80")) == required


# Leave: the seed says 请假5天以上; policy data says whether 以上 includes 5 ("gte", the statutory
# reading, which 万州区's fixture uses) or not ("gt", the issue's "more than 5").
@pytest.mark.parametrize(
    ("days", "comparison", "filed"),
    [(5, "gte", True), (6, "gte", True), (4, "gte", False), (5, "gt", False), (6, "gt", True)],
)
def test_leave_of_five_and_six_days(days, comparison, filed):
    assert rules.leave_must_be_filed(days, threshold=5, comparison=comparison) is filed
    assert rules.extension_days([days], threshold=5, comparison=comparison) == (days if filed else 0)


def test_leave_days_count_both_ends():
    assert rules.leave_days(D(2026, 3, 1), D(2026, 3, 5)) == 5


def test_unknown_leave_comparison_is_an_error():
    with pytest.raises(ValueError):
        rules.leave_must_be_filed(5, threshold=5, comparison="about")


def test_three_absences_still_count_four_do_not():
    assert rules.stint_counts(3, limit=3) is True
    assert rules.stint_counts(4, limit=3) is False


def test_served_days_leave_out_uncounted_days_and_stop_at_the_end():
    start, end = D(2026, 1, 1), D(2026, 12, 31)
    assert rules.served_days(start=start, end=end, as_of=D(2026, 1, 10), not_counted_days=2) == 8
    assert rules.served_days(start=start, end=end, as_of=D(2027, 5, 1), not_counted_days=0) == 365
    assert rules.served_days(start=start, end=end, as_of=D(2025, 12, 31), not_counted_days=0) == 0


def test_exactly_half_a_year_served_takes_part_a_day_less_does_not():
    start = D(2026, 1, 1)
    assert rules.served_half_year(start=start, as_of=D(2026, 6, 30), min_months=6) is True
    assert rules.served_half_year(start=start, as_of=D(2026, 6, 29), min_months=6) is False
    # Started mid-year: 2026-07-01 → 2026-12-31 is exactly half a year.
    assert rules.served_half_year(start=D(2026, 7, 1), as_of=D(2026, 12, 31), min_months=6) is True
    assert rules.served_half_year(start=D(2026, 7, 2), as_of=D(2026, 12, 31), min_months=6) is False
    # Filed leave pushes the half year back by its length.
    assert rules.served_half_year(start=start, as_of=D(2026, 6, 30), min_months=6, extension=6) is False


@pytest.mark.parametrize(
    ("people", "floor", "half_up", "ceil"),
    [(6, 0, 1, 1), (7, 1, 1, 2), (20, 3, 3, 3)],
)
def test_fifteen_percent_excellent_places_with_the_policy_rounding(people, floor, half_up, ceil):
    ratio = Decimal("0.15")
    assert rules.excellent_places(people, ratio=ratio, rounding="floor") == floor
    assert rules.excellent_places(people, ratio=ratio, rounding="half_up") == half_up
    assert rules.excellent_places(people, ratio=ratio, rounding="ceil") == ceil


def test_unknown_rounding_is_an_error():
    with pytest.raises(ValueError):
        rules.excellent_places(7, ratio=Decimal("0.15"), rounding="banker")


WEIGHTS = {
    AssessmentParty.RECEIVING: Decimal("0.60"),
    AssessmentParty.COMMISSION: Decimal("0.30"),
    AssessmentParty.DISPATCHING: Decimal("0.10"),
}


def test_sixty_thirty_ten_combination():
    scores = {
        AssessmentParty.RECEIVING: Decimal(90),
        AssessmentParty.COMMISSION: Decimal(80),
        AssessmentParty.DISPATCHING: Decimal(70),
    }
    assert rules.combined_score(scores, WEIGHTS) == Decimal("85.00")  # 54 + 24 + 7


def test_combination_weighs_the_receiving_unit_most():
    only_receiving = {AssessmentParty.RECEIVING: Decimal(100), "commission": Decimal(0), "dispatching": Decimal(0)}
    only_dispatching = {AssessmentParty.RECEIVING: Decimal(0), "commission": Decimal(0), "dispatching": Decimal(100)}
    assert rules.combined_score(only_receiving, WEIGHTS) == Decimal("60.00")
    assert rules.combined_score(only_dispatching, WEIGHTS) == Decimal("10.00")


def test_combination_needs_all_three_parties():
    with pytest.raises(ValueError):
        rules.combined_score({AssessmentParty.RECEIVING: Decimal(90)}, WEIGHTS)


def test_subsidy_ledger_across_a_year_boundary():
    stint = rules.LedgerStint(
        staff_id=1,
        receiving_unit_id=7,
        start=D(2025, 9, 1),
        end=D(2026, 8, 31),
        excellent_years=frozenset({2025}),
    )
    rows = rules.subsidy_ledger(
        [stint], subsidy_per_month=Decimal(1000), excellent_award=Decimal(1500), allowance_after_months=6
    )
    assert [r.month for r in rows][0] == D(2025, 9, 1)
    assert [r.month for r in rows][-1] == D(2026, 8, 1)
    assert len(rows) == 12
    assert sum(r.subsidy for r in rows if r.month.year == 2025) == Decimal(4000)
    assert sum(r.subsidy for r in rows if r.month.year == 2026) == Decimal(8000)
    assert rules.ledger_totals_by_year(rows) == {2025: Decimal(5500), 2026: Decimal(8000)}
    # 乡镇工作补贴 after 6 continuous months: from the 7th month (2026-03) on.
    assert [r.month for r in rows if r.allowance_people] == [D(2026, m, 1) for m in range(3, 9)]


def test_subsidy_ledger_pays_whole_months_only_and_sums_people_per_unit():
    stints = [
        rules.LedgerStint(staff_id=1, receiving_unit_id=7, start=D(2025, 11, 15), end=D(2026, 11, 20)),
        rules.LedgerStint(staff_id=2, receiving_unit_id=7, start=D(2025, 12, 1), end=D(2026, 11, 30)),
    ]
    rows = rules.subsidy_ledger(
        stints, subsidy_per_month=Decimal(1000), excellent_award=Decimal(1500), allowance_after_months=6
    )
    by_month = {r.month: r for r in rows}
    assert by_month[D(2025, 11, 1)].people == 1
    assert by_month[D(2025, 12, 1)].people == 2
    assert by_month[D(2025, 12, 1)].subsidy == Decimal(2000)
    # The first person's 13th month (2026-11-15 → 2026-12-14) is not whole: not paid.
    assert sum(r.people for r in rows) == 24


def test_add_months_clamps_to_month_end():
    assert rules.add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert rules.add_years(D(2024, 2, 29), 1) == D(2025, 2, 28)


def test_suggested_pairs_fill_remote_demand_first_with_willing_people_of_the_category():
    demands = [
        rules.DemandSlot(demand_id=1, category="clinical", count=1, is_remote=False),
        rules.DemandSlot(demand_id=2, category="clinical", count=2, is_remote=True),
        rules.DemandSlot(demand_id=3, category="tcm", count=1, is_remote=False),
    ]
    people = [
        rules.Candidate(offer_id=10, category="clinical", prefers_remote=False),
        rules.Candidate(offer_id=11, category="clinical", prefers_remote=True),
        rules.Candidate(offer_id=12, category="dental", prefers_remote=True),
    ]
    assert rules.suggest_pairs(demands, people) == [(2, 11), (1, 10)]


def test_three_continuous_remote_years_exactly_give_priority():
    stints = [(D(2023, 1, 1), D(2023, 12, 31)), (D(2024, 1, 1), D(2024, 12, 31)), (D(2025, 1, 1), D(2025, 12, 31))]
    assert rules.remote_priority(stints, years=3, as_of=D(2026, 1, 1)) is True
    assert rules.remote_priority(stints, years=3, as_of=D(2025, 12, 30)) is False


def test_a_gap_breaks_the_remote_run():
    stints = [(D(2023, 1, 1), D(2023, 12, 31)), (D(2024, 1, 2), D(2026, 1, 1))]
    assert rules.longest_remote_run(stints) == (D(2024, 1, 2), D(2026, 1, 1))
    assert rules.remote_priority(stints, years=3, as_of=D(2027, 1, 1)) is False
