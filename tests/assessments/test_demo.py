"""load_assessment_demo: after load_demo, the demo has duty targets, the current month open under
a monthly scheme, the head's department scored (submitted and drafts), HIS workload and last
month's progress; running it again adds nothing, and a rebuild draws the same figures."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from appointments.models import SENIOR_TITLE_LEVELS, Appointment, DutyTarget
from assessments.choices import AssessmentStatus, PeriodKind
from assessments.models import Assessment, AssessmentPeriod, Scheme, TargetProgressEntry, WorkloadRecord
from personnel.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _june(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 15, 9, tzinfo=dt.UTC))


def run() -> str:
    out = io.StringIO()
    call_command("load_assessment_demo", stdout=out)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "targets": DutyTarget.objects.count(),
        "scores": sorted(
            Assessment.objects.values_list("staff__employee_no", "total", "grade", "status"), key=lambda r: r[0]
        ),
        "workload": sorted(WorkloadRecord.objects.values_list("source_record_id", "date", "metric__code", "quantity")),
        "progress": sorted(
            TargetProgressEntry.objects.values_list(
                "target__appointment__staff__employee_no", "target__code", "quantity"
            )
        ),
        "periods": list(AssessmentPeriod.objects.values_list("kind", "year", "number")),
    }


def test_the_assessment_demo_needs_the_personnel_demo():
    with pytest.raises(CommandError, match="load_demo"):
        run()


def test_the_assessment_demo_is_complete_idempotent_and_deterministic():
    call_command("load_demo", "--staff", "200", stdout=io.StringIO())
    output = run()
    assert "考核演示数据" in output
    seniors = Appointment.objects.filter(status="active", post_grade__title_level__in=SENIOR_TITLE_LEVELS)
    assert seniors.exists()
    assert not seniors.filter(duty_targets__isnull=True).exists()  # every senior appointment has its targets
    period = AssessmentPeriod.objects.get(kind=PeriodKind.MONTHLY, year=2026, number=6)
    assert Scheme.objects.filter(region=period.region, kind="monthly").count() == 1
    head = User.objects.get(username="head")
    scored = Assessment.objects.filter(period=period)
    assert set(scored.values_list("staff__department", flat=True)) == {head.department_id}
    statuses = set(scored.values_list("status", flat=True))
    assert statuses == {AssessmentStatus.SUBMITTED, AssessmentStatus.DRAFT}
    assert scored.count() == head.department.staff.filter(status="on_duty").count()
    workload = WorkloadRecord.objects.filter(source_record_id__startswith="DEMO-")
    assert workload.exists() and not workload.filter(date__gt=dt.date(2026, 6, 15)).exists()
    assert TargetProgressEntry.objects.filter(month=dt.date(2026, 5, 1)).exists()
    # Every score and entry went through the services: history with the head as author.
    assert scored.first().history.first().history_user == head

    first = snapshot()
    assert "新增HIS工作量0条" in run()
    assert snapshot() == first

    # --reset clears it so that the people can be rebuilt; rebuilt, the same figures come out.
    call_command("load_assessment_demo", "--reset", stdout=io.StringIO())
    assert not Assessment.objects.exists() and not WorkloadRecord.objects.exists()
    call_command("load_demo", "--staff", "200", "--reset", stdout=io.StringIO())
    run()
    assert snapshot() == first
