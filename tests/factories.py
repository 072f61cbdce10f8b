import datetime as dt
import itertools

import factory
from factory.django import DjangoModelFactory

from appointments.choices import AppointmentKind, AppointmentStatus
from appointments.models import Appointment
from personnel.choices import Category, EmploymentType, InstitutionKind, Role, StaffStatus, TitleLevel
from personnel.models import (
    Department,
    Institution,
    PolicyVersion,
    PostGrade,
    PostQuota,
    Region,
    Staff,
    Title,
    User,
)
from personnel.validators import compose_id_number

_id_seq = itertools.count(1)

SEED_000_POLICY = {
    "appointment_term_years": 2,
    "rectification_months": 3,
    "consecutive_failed_quarters": 2,
    "annual_grade_trigger": "基本合格",
    "refusals_for_case": 2,
    "accident_level_trigger": 2,
    "quantified_score_min_weight": "0.70",
    "publicity_working_days": 5,
    "round_title_required": 1,
    "round_tie_break": "combined_score,quantified_score,title_since,work_since",
}


class RegionFactory(DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"测试县{n}")
    code = factory.Sequence(lambda n: f"65{n:04d}")


class InstitutionFactory(DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"测试医院{n}")
    code = factory.Sequence(lambda n: f"INST{n:05d}")
    kind = InstitutionKind.HEAD_HOSPITAL
    region = factory.LazyAttribute(lambda o: o.parent.region if o.parent else RegionFactory())
    parent = None


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = Department

    institution = factory.SubFactory(InstitutionFactory)
    name = factory.Sequence(lambda n: f"科室{n}")
    code = factory.Sequence(lambda n: f"D{n:04d}")


class StaffFactory(DjangoModelFactory):
    class Meta:
        model = Staff

    employee_no = factory.Sequence(lambda n: f"E{n:06d}")
    name = factory.Sequence(lambda n: f"职工{n}")
    birth_date = dt.date(1985, 3, 14)
    is_male = True
    id_number = factory.LazyAttribute(
        lambda o: compose_id_number(
            area_code="652101", birth_date=o.birth_date, sequence=next(_id_seq), is_male=o.is_male
        )
    )
    gender = factory.LazyAttribute(lambda o: "male" if o.is_male else "female")
    phone = "13800138000"
    category = Category.CLINICAL
    employment_type = EmploymentType.ESTABLISHED
    status = StaffStatus.ON_DUTY
    institution = factory.SubFactory(InstitutionFactory)
    department = None
    first_employment_date = dt.date(2008, 7, 1)

    class Params:
        is_male = True

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        kwargs.pop("is_male", None)
        return kwargs


class TitleFactory(DjangoModelFactory):
    class Meta:
        model = Title

    staff = factory.SubFactory(StaffFactory)
    name = "主治医师"
    level = TitleLevel.INTERMEDIATE
    series = Category.CLINICAL
    obtained_on = dt.date(2015, 9, 1)
    certificate_no = factory.Sequence(lambda n: f"CERT{n:06d}")


class PolicyVersionFactory(DjangoModelFactory):
    class Meta:
        model = PolicyVersion

    region = factory.SubFactory(RegionFactory)
    name = "测试政策"
    effective_from = dt.date(2020, 1, 1)
    data = factory.LazyFunction(lambda: dict(SEED_000_POLICY))


class PostQuotaFactory(DjangoModelFactory):
    class Meta:
        model = PostQuota
        django_get_or_create = ("institution", "year", "post_grade")

    institution = factory.SubFactory(InstitutionFactory)
    year = 2026
    post_grade = factory.LazyFunction(lambda: PostGrade.objects.get(grade=8))
    count = 5


class AppointmentFactory(DjangoModelFactory):
    class Meta:
        model = Appointment

    staff = factory.SubFactory(StaffFactory)
    institution = factory.LazyAttribute(lambda o: o.staff.institution)
    post_grade = factory.LazyFunction(lambda: PostGrade.objects.get(grade=8))
    start = dt.date(2026, 1, 1)
    end = dt.date(2027, 12, 31)
    kind = AppointmentKind.NORMAL
    status = AppointmentStatus.ACTIVE


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.HOSPITAL_HR
    institution = factory.SubFactory(InstitutionFactory)
    password = factory.PostGenerationMethodCall("set_password", "pass-Word-123")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
