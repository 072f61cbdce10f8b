"""Export: the staff list as filtered on screen, the roster's headers, masked IDs, escaped formulas."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from personnel.choices import Role
from personnel.models import Staff
from personnel.roster.columns import HEADERS
from personnel.roster.export import escape_formula
from personnel.roster.services import import_roster
from personnel.validators import mask_id_number

pytestmark = pytest.mark.django_db


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    # Row 1 is the export watermark (who, institution, when); the roster's header row follows.
    assert str(rows[0][0]).startswith("导出人：")
    return rows[1], rows[2:]


def test_export_has_the_roster_headers_and_masks_id_numbers_for_hr(world, client):
    client.force_login(world.users[Role.HOSPITAL_HR])
    header, rows = _sheet(client.get(reverse("roster:export")))
    assert list(header) == list(HEADERS)
    ids = {r[2] for r in rows}
    assert mask_id_number(world.staff_in_dept.id_number) in ids
    assert world.staff_in_dept.id_number not in ids
    assert mask_id_number(world.staff_other_hospital.id_number) not in ids  # outside HR's scope


def test_export_shows_full_id_numbers_to_a_user_allowed_to_see_them(world, client):
    client.force_login(world.users[Role.COMMISSION_ADMIN])
    _, rows = _sheet(client.get(reverse("roster:export")))
    assert world.staff_other_hospital.id_number in {r[2] for r in rows}


def test_export_takes_the_staff_list_filters(world, client):
    client.force_login(world.users[Role.HOSPITAL_HR])
    _, rows = _sheet(client.get(reverse("roster:export"), {"department": world.other_dept.pk}))
    assert [r[1] for r in rows] == ["李强"]
    _, rows = _sheet(client.get(reverse("roster:export"), {"q": "王芳"}))
    assert [r[1] for r in rows] == ["王芳"]


def test_cells_starting_with_formula_characters_are_escaped(world, client):
    Staff.objects.filter(pk=world.staff_in_dept.pk).update(name='=HYPERLINK("x")', major="@SUM(A1)")
    Staff.objects.filter(pk=world.staff_other_dept.pk).update(name="+1", major="-2")
    client.force_login(world.users[Role.HOSPITAL_HR])
    response = client.get(reverse("roster:export"))
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = {c.value for row in ws.iter_rows() for c in row}
    assert {'\'=HYPERLINK("x")', "'@SUM(A1)", "'+1", "'-2"} <= values
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    assert escape_formula("普通") == "普通" and escape_formula(5) == 5


def test_an_export_edited_and_imported_back_is_unchanged(world, client):
    admin = world.users[Role.COMMISSION_ADMIN]
    client.force_login(admin)
    response = client.get(reverse("roster:export"), {"institution": world.hospital.pk})
    report = import_roster(file=response.content, actor=admin, dry_run=True)
    assert report.errors == []
    assert (
        report.new == 0
        and report.unchanged + report.updated == Staff.objects.filter(institution=world.hospital).count()
    )
