"""Policy data: the seeded fixtures, the schema's refusals, versions in force, and decisions that
keep the version they were made under."""

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from appointments.services import create_appointment
from personnel.errors import ApplicationError
from personnel.management.commands.load_policies import DEFAULT_FIXTURE, load_policies
from personnel.models import PolicyVersion, PostGrade, Region
from personnel.policy import POLICY_FIELDS, clean_policy_data
from personnel.services import create_policy_version, policy_for
from tests.factories import InstitutionFactory, PostQuotaFactory, RegionFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _fixture_data(code: str) -> dict:
    document = json.loads(DEFAULT_FIXTURE.read_text(encoding="utf-8"))
    (entry,) = [r for r in document["regions"] if r["code"] == code]
    return entry["policies"][0]["data"]


# --- fixtures ---------------------------------------------------------------------------------


def test_fixtures_load_three_regions_with_one_valid_version_each():
    assert load_policies() == (3, 3)
    regions = {r.code: r.name for r in Region.objects.all()}
    assert regions == {"653225": "策勒县", "500101": "万州区", "150624": "鄂托克旗"}
    for version in PolicyVersion.objects.all():
        assert clean_policy_data(version.data) == version.data
        assert version.appointment_term_years == 2


def test_loading_policies_twice_creates_nothing_new():
    out = io.StringIO()
    call_command("load_policies", stdout=out)
    assert "新建政策版本3个" in out.getvalue()
    assert load_policies() == (0, 0)
    assert PolicyVersion.objects.count() == 3


def test_an_existing_region_is_reused_and_given_the_missing_version():
    region = RegionFactory(name="策勒县", code="653225")
    assert load_policies() == (2, 3)
    assert region.policies.count() == 1


def test_seed_000_numbers_of_cele_county():
    load_policies()
    policy = policy_for(Region.objects.get(code="653225"), dt.date(2026, 1, 1))
    assert policy.effective_from == dt.date(2026, 1, 1)  # 本方案自2026年1月1日起试行
    assert policy.rectification_months == 3
    assert policy.consecutive_failed_quarters == 2
    assert policy.annual_grade_trigger == "基本合格"
    assert policy.refusals_for_case == 2
    assert policy.accident_level_trigger == 2
    assert policy.quantified_score_min_weight == Decimal("0.70")
    assert (policy.target_sessions_associate, policy.target_sessions_senior) == (8, 12)
    assert (policy.target_projects_associate, policy.target_projects_senior) == (1, 2)
    assert (policy.target_difficult_cases_associate, policy.target_difficult_cases_senior) == (20, 30)
    assert (policy.target_level4_surgeries_associate, policy.target_level4_surgeries_senior) == (15, 20)
    assert (policy.target_consultations_per_month_associate, policy.target_consultations_per_month_senior) == (4, 6)
    assert (policy.target_grassroots_days_per_week, policy.target_grassroots_hours_per_day) == (1, 8)
    assert policy.target_record_reviews_per_month == 60
    assert policy.target_level2_surgeries_per_month == 2
    assert policy.target_grassroots_trainings_per_year == 12
    assert policy.target_dispute_reduction == Decimal("0.30")


def test_seed_001_numbers_of_wanzhou_district():
    load_policies()
    policy = policy_for(Region.objects.get(code="500101"), dt.date(2024, 1, 1))
    assert policy.effective_from == dt.date(2022, 10, 8)
    assert (policy.secondment_service_years, policy.secondment_within_years) == (1, 5)
    assert policy.secondment_share_of_hires == Decimal("0.80")
    assert (policy.leave_filing_threshold_days, policy.absence_limit) == (5, 3)
    assert policy.assessment_min_months_served == 6
    assert policy.excellent_ratio == Decimal("0.15")
    weights = (policy.weight_receiving_unit, policy.weight_commission, policy.weight_dispatching_unit)
    assert weights == (Decimal("0.60"), Decimal("0.30"), Decimal("0.10"))
    assert sum(weights) == 1
    assert policy.allowance_after_months == 6
    assert policy.receiving_unit_subsidy_per_month == Decimal(1000)
    assert policy.excellent_award == Decimal(1500)
    assert policy.remote_years_for_priority == 3
    assert policy.deputy_head_ratio == Decimal("0.10")


def test_seed_002_numbers_of_otog_banner():
    load_policies()
    policy = policy_for(Region.objects.get(code="150624"), dt.date(2024, 1, 1))
    assert (policy.contract_min_months, policy.contract_max_months) == (6, 36)
    assert policy.team_min_core_members == 3
    assert policy.team_master_ratio == Decimal("0.60")
    assert policy.annual_budget == Decimal(3000000)
    assert policy.hospital_budget == Decimal(1000000)
    assert policy.annual_budget == 3 * policy.hospital_budget
    assert policy.budget_reallocation_limit == Decimal("0.20")
    assert policy.termination_filing_months == 3
    assert policy.min_work_time_ratio == Decimal("0.70")
    assert (policy.veto_staff_satisfaction, policy.veto_patient_satisfaction) == (Decimal("0.60"), Decimal("0.70"))


def test_fixture_keys_are_all_declared():
    for code in ("653225", "500101", "150624"):
        assert set(_fixture_data(code)) <= set(POLICY_FIELDS)


# --- refusals ---------------------------------------------------------------------------------


def test_unknown_key_is_refused_in_chinese():
    with pytest.raises(ValidationError) as caught:
        clean_policy_data({"rectification_month": 3})
    assert caught.value.message_dict == {"rectification_month": ["未知的政策参数“rectification_month”。"]}


def test_negative_number_is_refused_in_chinese():
    with pytest.raises(ValidationError) as caught:
        clean_policy_data({"rectification_months": -1})
    assert caught.value.message_dict["rectification_months"] == ["“整改期（月）”不能为负数。"]


def test_non_integer_is_refused_for_an_integer_number():
    with pytest.raises(ValidationError) as caught:
        clean_policy_data({"refusals_for_case": "2.5"})
    assert caught.value.message_dict["refusals_for_case"] == ["“无正当理由拒绝任务次数触发”应为整数。"]


def test_text_and_booleans_are_refused_for_numbers():
    with pytest.raises(ValidationError) as caught:
        clean_policy_data({"excellent_ratio": "百分之十五", "absence_limit": True})
    assert caught.value.message_dict["excellent_ratio"] == ["“优秀比例”应为数字。"]
    assert caught.value.message_dict["absence_limit"] == ["“旷工次数上限（超过则服务期不计）”应为数字。"]


def test_create_policy_version_refuses_bad_data_and_writes_nothing():
    region = RegionFactory()
    with pytest.raises(ApplicationError) as caught:
        create_policy_version(
            region=region, name="错误", effective_from=dt.date(2026, 1, 1), data={"rectification_months": -3}
        )
    assert "不能为负数" in caught.value.extra["rectification_months"][0]
    assert not PolicyVersion.objects.filter(region=region).exists()


# --- versions in force ------------------------------------------------------------------------


def _two_versions():
    region = RegionFactory()
    old = create_policy_version(
        region=region,
        name="旧版",
        effective_from=dt.date(2025, 1, 1),
        data={"appointment_term_years": 2, "rectification_months": 3},
    )
    new = create_policy_version(
        region=region,
        name="新版",
        effective_from=dt.date(2026, 7, 1),
        data={"appointment_term_years": 3, "rectification_months": 2},
    )
    return region, old, new


def test_the_day_before_a_new_version_the_old_one_is_in_force():
    region, old, _new = _two_versions()
    assert policy_for(region, dt.date(2026, 6, 30)) == old


def test_on_its_effective_date_the_new_version_is_in_force():
    region, _old, new = _two_versions()
    assert policy_for(region, dt.date(2026, 7, 1)) == new
    assert policy_for(region, dt.date(2026, 7, 1)).rectification_months == 2


def test_before_any_version_there_is_no_policy():
    region, _old, _new = _two_versions()
    with pytest.raises(ApplicationError, match="没有生效的政策版本"):
        policy_for(region, dt.date(2024, 12, 31))


def test_an_appointment_keeps_the_version_it_was_made_under():
    region, old, new = _two_versions()
    hospital = InstitutionFactory(region=region)
    staff = StaffFactory(institution=hospital)
    grade = PostGrade.objects.get(grade=8)
    PostQuotaFactory(institution=hospital, year=2026, post_grade=grade, count=2)
    appointment = create_appointment(staff=staff, post_grade=grade, start=dt.date(2026, 3, 1))
    assert appointment.policy == old
    assert appointment.end == dt.date(2028, 2, 29)  # 2-year term of the old version

    create_policy_version(
        region=region, name="再修订", effective_from=dt.date(2026, 2, 1), data={"appointment_term_years": 5}
    )
    appointment.refresh_from_db()
    assert appointment.policy == old
    assert appointment.policy.appointment_term_years == 2
    old.refresh_from_db()
    assert old.data == {"appointment_term_years": 2, "rectification_months": 3}
    assert new.pk != old.pk


def test_reading_a_number_the_policy_does_not_set_names_it():
    load_policies()
    policy = policy_for(Region.objects.get(code="653225"), dt.date(2026, 1, 1))
    with pytest.raises(KeyError, match="contract_min_months"):
        _ = policy.contract_min_months
    with pytest.raises(KeyError, match="合同最短期限"):
        _ = policy.contract_min_months


def test_reading_an_undeclared_name_is_an_attribute_error():
    load_policies()
    policy = PolicyVersion.objects.first()
    with pytest.raises(AttributeError):
        _ = policy.no_such_number
