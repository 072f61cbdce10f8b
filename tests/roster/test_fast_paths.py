"""The importer's fast paths give the same answers as the slow ones they replace: its
`staff_clean` is `Staff.clean()` rule for rule, and stored rows read without their timestamps are
written back with them."""

from __future__ import annotations

import datetime as dt
import gc

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from appointments.models import Appointment
from personnel.choices import Role
from personnel.models import Staff, Title
from personnel.roster.importer import RosterImporter, _among, _new, _valid_id_facts
from personnel.roster.services import import_roster
from personnel.validators import compose_id_number, parse_id_number
from tests.factories import StaffFactory
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


def test_the_id_number_fast_path_agrees_with_parse_id_number():
    today = timezone.localdate()
    valid = new_id_number(birth=dt.date(1988, 5, 6), male=False)
    wrong_digit = valid[:-1] + ("0" if valid[-1] != "0" else "1")
    future = compose_id_number(area_code="650101", birth_date=today + dt.timedelta(days=1), sequence=1, is_male=True)
    born_today = compose_id_number(area_code="650101", birth_date=today, sequence=1, is_male=True)
    ending_x = next(
        n
        for n in (
            compose_id_number(area_code="650101", birth_date=dt.date(1990, 1, 1), sequence=s, is_male=True)
            for s in range(200)
        )
        if n.endswith("X")
    )
    cases = [
        valid,
        wrong_digit,
        future,
        born_today,
        ending_x,
        ending_x.lower(),  # canonical form only: the lowercase x goes to parse_id_number
        "６" + valid[1:],  # a full-width digit likewise
        valid[:6] + "19000230" + valid[14:],  # no such day
        valid[:6] + "18991231" + valid[14:],
        valid[:-1],
        valid + "1",
        " " + valid,
        "",
        valid[:10] + "AB" + valid[12:],
    ]
    for number in cases:
        fast = _valid_id_facts(number, today)
        try:
            slow = parse_id_number(number)
        except ValidationError:
            slow = None
        if fast is not None:
            assert fast == slow, number
        elif slow is not None:
            # Not in canonical form: the importer hands it to parse_id_number itself.
            assert slow.number != number, number
    assert _valid_id_facts(valid, today) == parse_id_number(valid)
    assert _valid_id_facts(born_today, today) is not None and _valid_id_facts(future, today) is None


def test_the_history_rows_of_a_first_import_hold_every_tracked_field_as_written(world):
    hr = world.users[Role.HOSPITAL_HR]
    rows = [roster_row() for _ in range(3)]
    assert import_roster(file=build_xlsx(rows), actor=hr).new == 3
    numbers = [row["身份证号"] for row in rows]
    for model, rows_written in (
        (Staff, Staff.objects.filter(id_number__in=numbers)),
        (Title, Title.objects.filter(staff__id_number__in=numbers)),
        (Appointment, Appointment.objects.filter(staff__id_number__in=numbers)),
    ):
        tracked = [f.attname for f in model.history.model.tracked_fields]
        assert rows_written.count() == 3, model
        for obj in rows_written:
            history = model.history.filter(id=obj.pk).get()
            assert (history.history_type, history.history_user, history.history_change_reason) == ("+", hr, None)
            assert {a: getattr(history, a) for a in tracked} == {a: getattr(obj, a) for a in tracked}, model
            if hasattr(obj, "created_at"):  # recorded as the row was written
                assert abs(history.history_date - obj.created_at) < dt.timedelta(seconds=5)


def test_a_chunk_lookup_finds_exactly_the_values_given_whatever_they_hold(world):
    odd = ['a"b', "c\\d", "e,f", "{g}", "h'i", "NULL", " j ", "k"]
    people = {name: StaffFactory(name=name, institution=world.hospital) for name in odd}
    StaffFactory(name="other", institution=world.hospital)
    found = _among(Staff.objects.all(), "name", odd).values_list("name", flat=True)
    assert sorted(found) == sorted(odd)
    pks = [people["k"].pk, people['a"b'].pk]
    assert sorted(_among(Staff.objects.all(), "id", pks).values_list("pk", flat=True)) == sorted(pks)
    assert list(_among(Staff.objects.all(), "name", [])) == []


def test_every_row_with_an_unknown_title_level_is_refused_and_a_known_one_is_not(world):
    hr = world.users[Role.HOSPITAL_HR]
    rows = [roster_row(职称级别="特级"), roster_row(职称级别="中级"), roster_row(职称级别="特级")]
    before = Staff.objects.count()
    report = import_roster(file=build_xlsx(rows), actor=hr)
    refused = [e for e in report.errors if e["column"] == "职称级别"]
    assert [e["row"] for e in refused] == [2, 4]
    assert all("“特级”不是可选的职称级别" in e["message"] for e in refused)
    assert Staff.objects.count() == before


def test_the_cyclic_collector_is_paused_only_for_the_import(world, monkeypatch):
    hr = world.users[Role.HOSPITAL_HR]
    seen = []
    real_plan = RosterImporter.plan

    def plan(self, sheet):
        seen.append(gc.isenabled())
        return real_plan(self, sheet)

    monkeypatch.setattr(RosterImporter, "plan", plan)
    assert gc.isenabled()
    assert import_roster(file=build_xlsx([roster_row()]), actor=hr).new == 1
    assert seen == [False] and gc.isenabled()
    # A bad file: resumed all the same.
    assert import_roster(file=b"not a workbook", actor=hr).file_error and gc.isenabled()
    # A caller that had it off keeps it off.
    gc.disable()
    try:
        assert import_roster(file=build_xlsx([roster_row()]), actor=hr).new == 1
        assert not gc.isenabled()
    finally:
        gc.enable()
