"""Factories of the 能上能下 tests: assessment periods and results, duty targets and their
progress, conduct events, rectifications and demotion cases.  Model-level (no services), so a
test states exactly the data a rule reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from appointments.choices import TargetPer
from appointments.models import DutyTarget
from assessments.choices import AssessmentStatus, PeriodKind, SchemeKind
from assessments.models import (
    Assessment,
    AssessmentPeriod,
    Scheme,
    TargetProgressEntry,
    WorkloadMetric,
    WorkloadRecord,
)
from assessments.rules import period_bounds
from demotions.choices import CaseKind, EventKind, RectificationStatus, Trigger
from demotions.models import ConductEvent, DemotionCase, Rectification, RectificationItem
from personnel.services import policy_for
from tests.factories import AppointmentFactory

_SCHEME_KIND = {
    PeriodKind.MONTHLY: SchemeKind.MONTHLY,
    PeriodKind.QUARTERLY: SchemeKind.QUARTERLY,
    PeriodKind.ANNUAL: SchemeKind.ANNUAL,
}


class SchemeFactory(DjangoModelFactory):
    class Meta:
        model = Scheme
        django_get_or_create = ("region", "code", "version")

    region = None
    code = factory.LazyAttribute(lambda o: o.kind)
    version = 1
    name = factory.LazyAttribute(lambda o: f"{SchemeKind(o.kind).label}方案")
    kind = SchemeKind.QUARTERLY
    effective_from = dt.date(2020, 1, 1)


class AssessmentPeriodFactory(DjangoModelFactory):
    """A period of a region; asking twice for the same (region, kind, year, number) returns it."""

    class Meta:
        model = AssessmentPeriod
        django_get_or_create = ("region", "kind", "year", "number")

    region = None
    kind = PeriodKind.QUARTERLY
    year = 2026
    number = 1
    start = factory.LazyAttribute(lambda o: period_bounds(o.kind, o.year, o.number)[0])
    end = factory.LazyAttribute(lambda o: period_bounds(o.kind, o.year, o.number)[1])


class AssessmentFactory(DjangoModelFactory):
    """A submitted result; the scheme is the region's scheme for the period's kind."""

    class Meta:
        model = Assessment

    period = factory.SubFactory(AssessmentPeriodFactory)
    staff = None
    scheme = factory.LazyAttribute(lambda o: SchemeFactory(region=o.period.region, kind=_SCHEME_KIND[o.period.kind]))
    department = factory.LazyAttribute(lambda o: o.staff.department)
    total = Decimal("80")
    grade = "qualified"
    status = AssessmentStatus.SUBMITTED


class WorkloadMetricFactory(DjangoModelFactory):
    class Meta:
        model = WorkloadMetric
        django_get_or_create = ("code",)

    code = "difficult_cases"
    name = factory.LazyAttribute(lambda o: o.code)


class WorkloadRecordFactory(DjangoModelFactory):
    class Meta:
        model = WorkloadRecord

    staff = None
    institution = factory.LazyAttribute(lambda o: o.staff.institution)
    metric = factory.SubFactory(WorkloadMetricFactory)
    date = dt.date(2026, 2, 1)
    quantity = Decimal(1)
    source_record_id = factory.Sequence(lambda n: f"HIS{n:08d}")


class DutyTargetFactory(DjangoModelFactory):
    """A term target counted in workload of `metric`; pro-rata milestones unless given."""

    class Meta:
        model = DutyTarget

    appointment = factory.SubFactory(AppointmentFactory)
    code = factory.Sequence(lambda n: f"target{n}")
    name = factory.LazyAttribute(lambda o: f"任务{o.code}")
    metric = "difficult_cases"
    per = TargetPer.TERM
    quantity_per_unit = Decimal(8)
    target_total = Decimal(8)
    alternative_group = ""
    milestones = factory.LazyFunction(list)


class TargetProgressEntryFactory(DjangoModelFactory):
    class Meta:
        model = TargetProgressEntry

    target = factory.SubFactory(DutyTargetFactory)
    month = dt.date(2026, 1, 1)
    quantity = Decimal(1)


class ConductEventFactory(DjangoModelFactory):
    class Meta:
        model = ConductEvent

    staff = None
    kind = EventKind.REFUSAL
    date = dt.date(2026, 3, 1)
    accident_level = None
    description = "测试事件"


class RectificationFactory(DjangoModelFactory):
    class Meta:
        model = Rectification

    appointment = None
    staff = factory.LazyAttribute(lambda o: o.appointment.staff)
    period = factory.LazyAttribute(lambda o: AssessmentPeriodFactory(region=o.staff.institution.region))
    policy = factory.LazyAttribute(lambda o: policy_for(o.staff.institution.region, o.opened_on))
    opened_on = dt.date(2026, 4, 1)
    deadline = dt.date(2026, 7, 1)
    status = RectificationStatus.OPEN


class RectificationItemFactory(DjangoModelFactory):
    class Meta:
        model = RectificationItem

    rectification = None
    target = None
    required = Decimal(1)
    done_at_open = Decimal(0)


class DemotionCaseFactory(DjangoModelFactory):
    """A case as the sweep opens it (state 待提议)."""

    class Meta:
        model = DemotionCase

    kind = CaseKind.DEMOTION
    appointment = None
    staff = factory.LazyAttribute(lambda o: o.appointment.staff)
    institution = factory.LazyAttribute(lambda o: o.appointment.institution)
    trigger = Trigger.ANNUAL_GRADE
    trigger_key = factory.Sequence(lambda n: f"test:{n}")
    rule_detail = "测试立案"
    policy = factory.LazyAttribute(lambda o: policy_for(o.staff.institution.region, o.opened_on))
    opened_on = dt.date(2026, 4, 1)


def senior_appointment(*, institution, department=None, grade: int = 6, **staff_fields):
    """A new person of `institution` holding an active senior appointment (2026-01-01 … 2027-12-31)."""
    from personnel.models import PostGrade
    from tests.factories import StaffFactory

    staff = StaffFactory(institution=institution, department=department, **staff_fields)
    return AppointmentFactory(
        staff=staff,
        post_grade=PostGrade.objects.get(grade=grade),
        policy=policy_for(institution.region, dt.date(2026, 1, 1)),
    )
