"""The importer's fast paths give the same answers as the slow ones they replace: its
`staff_clean` is `Staff.clean()` rule for rule, and stored rows read without their timestamps are
written back with them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from appointments.models import Appointment
from personnel.choices import Role
from personnel.models import Staff
from personnel.roster.importer import RosterImporter, _new
from personnel.roster.services import import_roster
from tests.roster.helpers import build_xlsx, new_id_number, roster_row

pytestmark = pytest.mark.django_db


def _clean_errors(person: Staff) -> dict[str, list[str]]:
    try:
        person.clean()
    except ValidationError as error:
        return error.message_dict
    return {}


def test_staff_clean_matches_the_models_clean_rule_for_rule(world):
    importer = RosterImporter(actor=None, allow_all_institutions=True)
    importer.resource.load_references()
    importer._id_facts = {}
    number = new_id_number(birth=dt.date(1988, 5, 6), male=True)
    base = {
        "employee_no": "X1",
        "name": "甲",
        "id_number": number,
        "gender": "male",
        "birth_date": dt.date(1988, 5, 6),
        "phone": "139 1234 5678",
        "institution": world.hospital,
        "department": world.dept,
        "category": "clinical",
        "employment_type": "established",
        "first_employment_date": dt.date(2011, 7, 1),
    }
    cases = [
        {},
        {"gender": "female"},
        {"gender": ""},
        {"birth_date": dt.date(1988, 5, 7)},
        {"birth_date": None},
        {"department": world.other_dept},
        {"institution": world.branch, "department": world.dept},
        {"first_employment_date": dt.date(1980, 1, 1)},
        {"first_employment_date": None},
        {"id_number": number[:-1] + ("0" if number[-1] != "0" else "1")},  # a wrong check digit
        {"id_number": "12345"},
        {"id_number": number.lower()},
        {"phone": ""},
        {"gender": "female", "birth_date": dt.date(1990, 1, 1), "first_employment_date": dt.date(1970, 1, 1)},
    ]
    for case in cases:
        expected, ours = _new(Staff, {**base, **case}), _new(Staff, {**base, **case})
        assert {k: [m] for k, m in importer.staff_clean(ours).items()} == _clean_errors(expected), case
        fields = ("id_number", "phone", "gender", "birth_date")
        assert [getattr(ours, f) for f in fields] == [getattr(expected, f) for f in fields], case


def test_a_redated_appointment_keeps_its_created_at_in_history_with_queries_per_batch(world):
    hr = world.users[Role.HOSPITAL_HR]
    rows = [roster_row() for _ in range(3)]
    assert import_roster(file=build_xlsx(rows), actor=hr).new == 3
    numbers = [row["身份证号"] for row in rows]
    created = dict(
        Appointment.objects.filter(staff__id_number__in=numbers).values_list("staff__id_number", "created_at")
    )
    assert len(created) == 3

    def reimport(end: dt.date) -> int:
        for row in rows:
            row["聘任结束"] = end
        with CaptureQueriesContext(connection) as queries:
            report = import_roster(file=build_xlsx(rows), actor=hr)
        assert report.errors == [] and report.updated == 3
        return len(queries)

    queries = reimport(dt.date(2026, 11, 30))
    assert reimport(dt.date(2026, 10, 31)) == queries
    for appointment in Appointment.objects.filter(staff__id_number__in=created):
        assert appointment.end == dt.date(2026, 10, 31)
        assert appointment.created_at == created[appointment.staff.id_number]
        latest = appointment.history.order_by("-history_id").first()
        assert (latest.end, latest.created_at) == (dt.date(2026, 10, 31), appointment.created_at)
