"""Audit history (django-simple-history): who, when and what changed, bulk writes included."""

import datetime as dt

from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from appointments.services import create_appointment
from personnel.models import PostGrade, Staff
from personnel.services import save_staff, save_title, set_quota
from tests.factories import StaffFactory, TitleFactory


def test_staff_update_records_who_and_what_changed(world):
    hr = world.users["hospital_hr"]
    staff = world.staff_in_dept
    staff.phone = "13912345678"
    save_staff(staff=staff, actor=hr)
    latest = staff.history.first()
    assert latest.history_type == "~"
    assert latest.history_user == hr
    delta = latest.diff_against(latest.prev_record)
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("phone", "13800138000", "13912345678")]


def test_title_quota_and_appointment_writes_are_audited(world):
    admin = world.users["commission_admin"]
    title = TitleFactory.build(staff=world.staff_other_dept, name="副主任医师", level="associate_senior")
    save_title(title=title, actor=admin)
    assert title.history.first().history_user == admin
    grade8 = PostGrade.objects.get(grade=8)
    quota = set_quota(institution=world.hospital, year=2026, post_grade=grade8, count=12, actor=admin)
    assert quota.history.first().history_user == admin
    assert quota.history.first().count == 12
    appointment = create_appointment(
        staff=world.staff_other_dept, post_grade=grade8, start=dt.date(2026, 5, 1), actor=admin
    )
    assert appointment.history.first().history_type == "+"
    assert appointment.history.first().history_user == admin


def test_deleting_staff_leaves_a_history_row(world):
    staff = StaffFactory(institution=world.hospital)
    pk = staff.pk
    staff.delete()
    assert Staff.history.filter(id=pk, history_type="-").exists()


def test_bulk_writes_keep_history_too(world):
    people = [StaffFactory.build(institution=world.hospital) for _ in range(3)]
    bulk_create_with_history(people, Staff, default_user=world.users["hospital_hr"])
    created = Staff.objects.filter(id_number__in=[p.id_number for p in people])
    assert Staff.history.filter(id__in=created.values("pk"), history_type="+").count() == 3
    rows = list(created)
    for row in rows:
        row.ethnicity = "维吾尔族"
    bulk_update_with_history(rows, Staff, ["ethnicity"], default_user=world.users["hospital_hr"])
    assert Staff.history.filter(id__in=created.values("pk"), history_type="~").count() == 3
