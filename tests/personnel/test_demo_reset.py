"""load_demo --reset on a database that holds every demo and more: the assessment demo (results,
workload, duty targets, progress), and 能上能下, 县聘乡用 and 柔性引才 rows on the demo's people
(conduct events, rectifications with their items, demotion and restoration cases with their
publicity and objections, secondments, experts and renewed contracts).  The reset removes all of
it itself, and `load_duty_targets --instantiate && load_assessment_demo` then rebuild the same
figures."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from appointments.models import Appointment, DutyTarget
from assessments.models import Assessment, AssessmentPeriod, Scheme, TargetProgressEntry, WorkloadRecord
from demotions.choices import CaseKind, EventKind, Trigger
from demotions.models import ConductEvent, DemotionCase, Rectification, RectificationItem
from personnel.choices import Degree, InstitutionKind, TitleLevel
from personnel.models import Institution, PolicyVersion, Staff, User
from publicity.models import Objection, Publicity
from secondments.choices import SecondmentReason
from secondments.models import Secondment
from talent.choices import ContractMode, ExpertTier
from talent.models import Contract, Expert

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 15, 9, tzinfo=dt.UTC))


def command(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "staff": sorted(Staff.objects.values_list("employee_no", "name", "id_number")),
        "targets": sorted(
            DutyTarget.objects.values_list("appointment__staff__employee_no", "code", "target_total", "milestones")
        ),
        "scores": sorted(Assessment.objects.values_list("staff__employee_no", "total", "grade", "status")),
        "workload": sorted(WorkloadRecord.objects.values_list("source_record_id", "date", "metric__code", "quantity")),
        "progress": sorted(
            TargetProgressEntry.objects.values_list(
                "target__appointment__staff__employee_no", "target__code", "month", "quantity"
            )
        ),
    }


def add_rows_of_the_other_apps() -> dict:
    """What the 能上能下, 县聘乡用 and 柔性引才 work adds on top of the demo's people."""
    region = Institution.objects.get(code="CL-RMYY").region
    policy = PolicyVersion.objects.filter(region=region).latest("effective_from")
    head = User.objects.get(username="head")
    scored = Assessment.objects.filter(period__region=region).select_related("staff").first()
    target = DutyTarget.objects.select_related("appointment__staff").order_by("pk").first()
    appointment = target.appointment
    person = appointment.staff
    period = AssessmentPeriod.objects.get(region=region, year=2026, number=6)
    event = ConductEvent.objects.create(
        staff=person, kind=EventKind.REFUSAL, date=dt.date(2026, 5, 20), description="拒绝下乡", recorded_by=head
    )
    rectification = Rectification.objects.create(
        staff=person,
        appointment=appointment,
        period=period,
        assessment=scored,
        policy=policy,
        opened_on=dt.date(2026, 4, 1),
        deadline=dt.date(2026, 6, 30),
    )
    RectificationItem.objects.create(
        rectification=rectification, target=target, required=Decimal(5), done_at_open=Decimal(1)
    )
    case = DemotionCase.objects.create(
        staff=person,
        institution=person.institution,
        appointment=appointment,
        trigger=Trigger.RECTIFICATION_FAILED,
        trigger_key="2026Q2",
        policy=policy,
        opened_on=dt.date(2026, 6, 1),
        rectification=rectification,
        new_appointment=appointment,
    )
    case.source_assessments.add(scored)
    case.events.add(event)
    restoration = DemotionCase.objects.create(
        kind=CaseKind.RESTORATION,
        staff=person,
        institution=person.institution,
        appointment=appointment,
        trigger=Trigger.RECTIFICATION_FAILED,
        trigger_key="restore-2026",
        policy=policy,
        opened_on=dt.date(2026, 6, 10),
        restores=case,
    )
    publicity = Publicity.objects.create(
        region=region,
        content_type=ContentType.objects.get_for_model(DemotionCase),
        object_id=case.pk,
        title="高职低聘公示",
        starts_on=dt.date(2026, 6, 11),
        working_days=5,
        ends_on=dt.date(2026, 6, 17),
    )
    Objection.objects.create(
        publicity=publicity, lodged_on=dt.date(2026, 6, 12), lodged_by_name="匿名", content="有异议"
    )
    township = Institution.objects.filter(region=region, kind=InstitutionKind.TOWNSHIP_CENTRE).first()
    Secondment.objects.create(
        staff=person,
        dispatching_unit=person.institution,
        receiving_unit=township,
        policy=policy,
        reason=SecondmentReason.VOLUNTARY,
        start=dt.date(2026, 1, 1),
        planned_end=dt.date(2026, 12, 31),
        end=dt.date(2026, 12, 31),
    )
    expert = Expert.objects.create(
        institution=person.institution,
        name="外聘专家",
        home_employer="新疆医科大学第一附属医院",
        title="主任医师",
        title_level=TitleLevel.SENIOR,
        degree=Degree.DOCTOR,
        tier=ExpertTier.PROVINCIAL,
    )
    terms = {
        "institution": person.institution,
        "department": person.department,
        "expert": expert,
        "mode": ContractMode.ADVISER,
        "days_per_month": Decimal(2),
        "funding": Decimal(100000),
    }
    first = Contract.objects.create(code="DEMO-T-1", start=dt.date(2025, 1, 1), end=dt.date(2025, 12, 31), **terms)
    Contract.objects.create(
        code="DEMO-T-2", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31), renewal_of=first, **terms
    )
    return {"case": case.pk, "restoration": restoration.pk, "publicity": publicity.pk}


def test_load_demo_reset_removes_what_the_other_apps_added_and_the_demo_rebuilds_the_same():
    command("load_demo", "--staff", "200")
    command("load_duty_targets", "--instantiate")
    command("load_assessment_demo")
    first = snapshot()
    assert first["targets"] and first["scores"] and first["workload"] and first["progress"]
    ids = add_rows_of_the_other_apps()

    output = command("load_demo", "--staff", "200", "--reset")

    assert "已删除原有演示数据（连同" in output and "高职低聘案件2条" in output and "公示1条" in output, output
    for model in (ConductEvent, Rectification, RectificationItem, DemotionCase, Publicity, Objection, Secondment):
        assert not model.objects.exists(), model
    assert not Expert.objects.exists() and not Contract.objects.exists()
    assert not Assessment.objects.exists() and not WorkloadRecord.objects.exists()
    assert not DutyTarget.objects.exists() and not TargetProgressEntry.objects.exists()
    # The deletions are in the history, with the reset as the reason.
    gone = DemotionCase.history.filter(id=ids["case"], history_type="-").get()
    assert gone.history_change_reason == "演示数据重置"
    assert DutyTarget.history.filter(history_type="-", history_change_reason="演示数据重置").exists()
    # Region-wide settings stay: the month's period and the monthly scheme.
    assert AssessmentPeriod.objects.filter(year=2026, number=6).exists() and Scheme.objects.exists()
    assert Staff.objects.count() == 200 and Appointment.objects.exists()

    command("load_duty_targets", "--instantiate")
    command("load_assessment_demo")
    assert snapshot() == first


def test_load_demo_reset_without_the_other_demos_still_works():
    command("load_demo", "--staff", "200")
    people = sorted(Staff.objects.values_list("employee_no", "id_number"))
    assert command("load_demo", "--staff", "200", "--reset").count("已删除原有演示数据。") == 1
    assert sorted(Staff.objects.values_list("employee_no", "id_number")) == people
