"""Services of 柔性引才 against the database: what they refuse, what they write (seed 002)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from personnel.choices import Degree, TitleLevel
from personnel.errors import ApplicationError
from talent import services
from talent.choices import ContractMode, ContractStatus, ReviewResult, TerminationReason, TerminationStatus
from talent.models import Budget, Contract, TerminationItem, Visit
from tests.talent.conftest import make_contract, make_expert

pytestmark = pytest.mark.django_db

MANUAL = {"mentoring": 8, "technique_pilot": 10, "key_specialty": 10, "research": 5, "service_capacity": 5}


def review(contract, **overrides):
    args = {
        "contract": contract,
        "year": 2026,
        "visits_previous": 1000,
        "visits_current": 1300,
        "revenue_previous": Decimal(1_000_000),
        "revenue_current": Decimal(1_300_000),
        "new_techniques": 5,
        "papers_guided": 2,
        "staff_satisfaction": Decimal("0.95"),
        "patient_satisfaction": Decimal("0.95"),
        "manual_scores": MANUAL,
    }
    return services.run_annual_review(**(args | overrides))


def visits(contract, count, *, start=dt.date(2026, 1, 5), days="1"):
    for i in range(count):
        services.record_visit(contract=contract, visit_date=start + dt.timedelta(days=i), days=Decimal(days))


def test_a_team_breaking_the_rules_is_refused_naming_them(talent_world):
    hospital = talent_world.hospital
    leader = make_expert(hospital, "领衔人")
    members = [make_expert(hospital, f"成员{i}", TitleLevel.INTERMEDIATE, Degree.BACHELOR) for i in range(2)]
    with pytest.raises(ApplicationError) as error:
        services.create_team(
            institution=hospital, name="内镜团队", leader=leader, core_members=members, on=dt.date(2026, 1, 1)
        )
    problems = error.value.extra["core_members"]
    assert len(problems) == 3
    assert any("核心成员不少于3人" in p for p in problems)


def test_a_valid_team_is_created(talent_world):
    hospital = talent_world.hospital
    leader = make_expert(hospital, "领衔人")
    members = [make_expert(hospital, f"成员{i}", TitleLevel.ASSOCIATE_SENIOR, Degree.MASTER) for i in range(3)]
    team = services.create_team(
        institution=hospital, name="内镜团队", leader=leader, core_members=members, on=dt.date(2026, 1, 1)
    )
    assert team.core_members.count() == 3


@pytest.mark.parametrize(
    ("end", "ok"),
    [
        (dt.date(2026, 6, 29), False),
        (dt.date(2026, 6, 30), True),
        (dt.date(2028, 12, 31), True),
        (dt.date(2029, 1, 1), False),
    ],
)
def test_contract_term_limits_come_from_the_policy(talent_world, end, ok):
    if ok:
        assert make_contract(talent_world.hospital, end=end, sign=False).status == ContractStatus.DRAFT
    else:
        with pytest.raises(ApplicationError, match="合同期不得"):
            make_contract(talent_world.hospital, end=end, sign=False)
        assert not Contract.objects.exists()


def test_platform_mode_needs_its_platform(talent_world):
    with pytest.raises(ApplicationError, match="共建平台"):
        services.create_contract(
            institution=talent_world.hospital,
            expert=make_expert(talent_world.hospital),
            mode=ContractMode.PLATFORM,
            start=dt.date(2026, 1, 1),
            end=dt.date(2026, 12, 31),
            days_per_month=Decimal(2),
            funding=Decimal(1000),
        )


def test_the_budget_starts_at_the_policy_amount_and_funding_cannot_exceed_what_is_left(talent_world):
    hospital = talent_world.hospital
    make_contract(hospital, funding="600000")
    budget = Budget.objects.get(institution=hospital, year=2026)
    assert budget.allocated == Decimal(1_000_000)
    make_contract(hospital, funding="400000")  # exactly what is left
    with pytest.raises(ApplicationError, match="剩余经费0"):
        make_contract(hospital, funding="1")


def test_a_draft_does_not_commit_but_signing_checks_again(talent_world):
    hospital = talent_world.hospital
    first = make_contract(hospital, funding="700000", sign=False)
    second = make_contract(hospital, funding="700000", sign=False)
    services.sign_contract(contract=first, signed_on=dt.date(2026, 1, 1))
    with pytest.raises(ApplicationError, match="超过"):
        services.sign_contract(contract=second, signed_on=dt.date(2026, 1, 2))
    assert Contract.objects.get(pk=second.pk).status == ContractStatus.DRAFT


def test_reallocation_is_capped_at_twenty_percent_of_the_base(talent_world):
    a, b = talent_world.hospital, talent_world.other_hospital
    on = dt.date(2026, 2, 1)
    services.reallocate_budget(source=a, target=b, year=2026, amount=Decimal(200_000), on=on)
    assert Budget.objects.get(institution=b, year=2026).allocated == Decimal(1_200_000)
    with pytest.raises(ApplicationError, match="20%"):
        services.reallocate_budget(source=a, target=b, year=2026, amount=Decimal("0.01"), on=on)
    assert Budget.objects.get(institution=a, year=2026).allocated == Decimal(800_000)
    # Back the other way is within the cap again.
    services.reallocate_budget(source=b, target=a, year=2026, amount=Decimal(400_000), on=on)
    assert Budget.objects.get(institution=a, year=2026).adjustment == Decimal(200_000)


def test_reallocation_cannot_take_away_committed_funds(talent_world):
    a, b = talent_world.hospital, talent_world.other_hospital
    make_contract(a, funding="900000")
    with pytest.raises(ApplicationError, match="占用"):
        services.reallocate_budget(source=a, target=b, year=2026, amount=Decimal(150_000), on=dt.date(2026, 2, 1))


def test_terminating_releases_the_unpaid_funding(talent_world):
    hospital = talent_world.hospital
    contract = make_contract(hospital, funding="1000000")
    services.record_payment(contract=contract, amount=Decimal(300_000))
    services.terminate_contract(contract=contract, ended_on=dt.date(2026, 5, 1))
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATED and contract.released == Decimal(700_000)
    make_contract(hospital, funding="700000")  # the released money is available again


def test_visits_outside_the_term_or_twice_are_refused(talent_world):
    contract = make_contract(talent_world.hospital)
    services.record_visit(contract=contract, visit_date=dt.date(2026, 2, 3), days=Decimal(1))
    with pytest.raises(ApplicationError, match="已有同类"):
        services.record_visit(contract=contract, visit_date=dt.date(2026, 2, 3), days=Decimal(1))
    with pytest.raises(ApplicationError, match="合同期内"):
        services.record_visit(contract=contract, visit_date=dt.date(2027, 1, 3), days=Decimal(1))
    assert Visit.objects.count() == 1


def test_attendance_rate_against_contracted_days(talent_world):
    contract = make_contract(talent_world.hospital, days_per_month="4")
    visits(contract, 7)
    figures = services.attendance(contract, on=dt.date(2026, 2, 28))
    assert figures == {"worked": Decimal(7), "contracted": Decimal(8), "rate": Decimal("0.875")}


def test_a_full_review_passes_sets_the_stipend_and_allows_renewal(talent_world):
    contract = make_contract(talent_world.hospital, days_per_month="1")
    visits(contract, 12)
    result = review(contract)
    assert (result.total, result.result, result.stipend, result.may_renew) == (
        98,
        ReviewResult.PASS,
        Decimal(50000),
        True,
    )
    assert result.attendance == Decimal(1)
    assert [s["points"] for s in result.item_scores] == [15, 15, 10, 8, 10, 10, 10, 5, 5, 5, 5]
    renewal = services.renew_contract(
        contract=contract, start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31), funding=Decimal(100)
    )
    assert renewal.renewal_of == contract and renewal.status == ContractStatus.DRAFT


@pytest.mark.parametrize(
    "overrides",
    [
        {"staff_satisfaction": Decimal("0.59")},
        {"patient_satisfaction": Decimal("0.69")},
        {"major_violation": True},
        {"major_accident": True},
    ],
)
def test_a_veto_fails_the_review_opens_a_termination_item_and_blocks_renewal(talent_world, overrides):
    contract = make_contract(talent_world.hospital, days_per_month="1")
    visits(contract, 12)
    result = review(contract, **overrides)
    assert result.result == ReviewResult.FAIL and result.total == 0 and result.stipend == 0 and result.vetoes
    item = TerminationItem.objects.get(contract=contract)
    assert item.reason == TerminationReason.FAILED_REVIEW and item.deadline == dt.date(2027, 3, 31)
    with pytest.raises(ApplicationError, match="合格后才能续签"):
        services.renew_contract(
            contract=contract, start=dt.date(2027, 1, 1), end=dt.date(2027, 12, 31), funding=Decimal(1)
        )


def test_the_review_records_the_scheme_and_policy_and_is_once_a_year(talent_world):
    contract = make_contract(talent_world.hospital)
    result = review(contract)
    assert result.scheme.items[0]["code"] == "visits_growth" and result.policy_version.name == "柔性引才"
    with pytest.raises(ApplicationError, match="已考核"):
        review(contract)


def test_watch_opens_an_item_below_seventy_percent_attendance_only(talent_world):
    good = make_contract(talent_world.hospital, days_per_month="10")
    bad = make_contract(talent_world.hospital, days_per_month="10")
    visits(good, 14)  # 14 of 20 days = 70%
    visits(bad, 13)  # 65%
    summary = services.watch_terminations(today=dt.date(2026, 2, 28))
    assert summary["opened"] == 1
    item = TerminationItem.objects.get()
    assert item.contract == bad and item.reason == TerminationReason.LOW_ATTENDANCE
    assert item.deadline == dt.date(2026, 5, 28)
    assert services.watch_terminations(today=dt.date(2026, 3, 1))["opened"] == 0  # one open item per ground


def test_watch_reminds_before_the_three_month_deadline_and_marks_it_overdue_after(talent_world):
    contract = make_contract(talent_world.hospital, days_per_month="10")
    item, _ = services.open_termination_item(
        contract=contract, reason=TerminationReason.DELAYED, learned_on=dt.date(2026, 3, 15)
    )
    assert item.deadline == dt.date(2026, 6, 15)
    contract.status = ContractStatus.SUSPENDED  # keep the attendance sweep out of this test
    contract.save()
    assert services.watch_terminations(today=dt.date(2026, 5, 31))["reminded"] == 0
    assert services.watch_terminations(today=dt.date(2026, 6, 1))["reminded"] == 1
    assert services.watch_terminations(today=dt.date(2026, 6, 15))["overdue"] == 0
    assert services.watch_terminations(today=dt.date(2026, 6, 16))["overdue"] == 1
    item.refresh_from_db()
    assert item.overdue and item.status == TerminationStatus.OPEN


def test_the_reminder_is_mailed_to_the_institutions_hr_and_the_commission(talent_world, mailoutbox):
    from personnel.choices import Role

    hr, admin, head = (talent_world.users[r] for r in (Role.HOSPITAL_HR, Role.COMMISSION_ADMIN, Role.DEPARTMENT_HEAD))
    for user, email in ((hr, "hr@example.cn"), (admin, "admin@example.cn"), (head, "head@example.cn")):
        user.email = email
        user.save()
    contract = make_contract(talent_world.hospital, days_per_month="10")
    services.open_termination_item(contract=contract, reason=TerminationReason.DELAYED, learned_on=dt.date(2026, 3, 15))
    contract.status = ContractStatus.SUSPENDED
    contract.save()
    services.watch_terminations(today=dt.date(2026, 5, 31))
    assert mailoutbox == []  # not yet within the reminder window
    services.watch_terminations(today=dt.date(2026, 6, 1))
    services.watch_terminations(today=dt.date(2026, 6, 1))  # once a day, not twice
    assert len(mailoutbox) == 1
    assert sorted(mailoutbox[0].to) == ["admin@example.cn", "hr@example.cn"]
    assert "2026-06-15" in mailoutbox[0].subject


def test_the_beat_schedule_runs_the_watch_daily_and_the_task_calls_the_service(talent_world, time_machine):
    from config.celery import app
    from talent.tasks import watch_terminations

    entry = app.conf.beat_schedule["talent-watch-terminations"]
    assert entry["task"] == watch_terminations.name
    contract = make_contract(talent_world.hospital, days_per_month="10")
    time_machine.move_to(dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC))
    assert watch_terminations.delay().get() == {"opened": 1, "reminded": 0, "overdue": 0}
    assert TerminationItem.objects.get().contract == contract


def test_a_tertiary_senior_expert_under_five_years_is_refused(talent_world):
    from talent.choices import ExpertTier
    from talent.models import Expert

    expert = Expert(
        institution=talent_world.hospital,
        name="钱主任",
        home_employer="某三甲医院",
        title="副主任医师",
        title_level=TitleLevel.ASSOCIATE_SENIOR,
        degree=Degree.MASTER,
        tier=ExpertTier.TERTIARY_SENIOR,
        senior_title_since=dt.date(2021, 6, 2),
    )
    with pytest.raises(ApplicationError, match="未满5年"):
        services.save_expert(expert=expert, on=dt.date(2026, 6, 1))
    assert services.save_expert(expert=expert, on=dt.date(2026, 6, 2)).pk
