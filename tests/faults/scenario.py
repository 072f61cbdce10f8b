"""Data the fault tests put into a throwaway database, run there in a subprocess
(`manage.py shell -c "from tests.faults.scenario import roster_site; roster_site()"`): the county,
its hospital with 内科, room in the post quota, and an HR account with a real password hash."""

from __future__ import annotations

PASSWORD = "pass-Word-123"


def roster_site() -> None:
    from personnel.choices import InstitutionKind, Role
    from personnel.models import PostGrade
    from tests.factories import (
        DepartmentFactory,
        InstitutionFactory,
        PolicyVersionFactory,
        PostQuotaFactory,
        RegionFactory,
        UserFactory,
    )

    region = RegionFactory(name="策勒县", code="653225")
    PolicyVersionFactory(region=region)
    commission = InstitutionFactory(name="策勒县卫健委", code="WJW", kind=InstitutionKind.COMMISSION, region=region)
    hospital = InstitutionFactory(name="策勒县人民医院", code="RMYY", parent=commission)
    DepartmentFactory(institution=hospital, name="内科", code="NK")
    PostQuotaFactory(institution=hospital, year=2025, post_grade=PostGrade.objects.get(grade=10), count=100_000)
    hr = UserFactory(username="hr", role=Role.HOSPITAL_HR, institution=hospital)
    hr.set_password(PASSWORD)
    hr.save()


def roster_file(rows: int) -> bytes:
    """A valid roster of `rows` new people for 策勒县人民医院 / 内科."""
    import datetime as dt

    from personnel.validators import compose_id_number
    from tests.roster.helpers import build_xlsx, roster_row

    def person(i: int) -> dict:
        birth = dt.date(1965, 1, 1) + dt.timedelta(days=i // 400)  # 400 distinct sequences a day
        number = compose_id_number(area_code="653225", birth_date=birth, sequence=100 + i % 400, is_male=True)
        return roster_row(姓名=f"测试{i}", 身份证号=number, 出生日期=birth)

    return build_xlsx([person(i) for i in range(rows)])
