"""Formula injection through the roster: cells starting with = + - @ (=HYPERLINK, =cmd|…, +1+1, -2+3,
@SUM) are never evaluated.  Typed as text they are stored verbatim as text, and the staff export
writes them back escaped (a leading apostrophe, string type) so Excel does not run them; written as
real formula cells they are read by their cached value, and a formula without one is an empty,
required cell — refused with a Chinese message naming the row, nothing written."""

from __future__ import annotations

import io

import openpyxl
import pytest

from personnel.models import Staff
from personnel.roster.export import export_staff
from personnel.roster.services import import_roster
from tests.roster import conftest as roster_conftest
from tests.roster.helpers import build_xlsx, db_snapshot, roster_row

pytestmark = pytest.mark.django_db
_roster_quotas = roster_conftest._roster_quotas  # room in the quota for the rows' posts (autouse there)

PAYLOADS = ['=HYPERLINK("http://evil.example/","点击")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(1,1)"]


def _as_text(data: bytes) -> bytes:
    """The same workbook with every cell that openpyxl took for a formula typed as a string."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for row in wb.active.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_formula_text_is_stored_verbatim_and_exported_escaped(world):
    hr = world.users["hospital_hr"]
    rows = [roster_row(姓名=f"注入{i}", 所学专业=p) for i, p in enumerate(PAYLOADS)]
    report = import_roster(file=_as_text(build_xlsx(rows)), actor=hr, dry_run=False)
    assert report.errors == [], report.errors
    majors = set(Staff.objects.filter(name__startswith="注入").values_list("major", flat=True))
    stored = dict(Staff.objects.filter(name__startswith="注入").values_list("name", "major"))
    assert majors == set(PAYLOADS), stored
    exported = openpyxl.load_workbook(io.BytesIO(export_staff(Staff.objects.filter(name__startswith="注入"), user=hr)))
    cells = [c for row in exported.active.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    escaped = {c.value for c in cells if c.value.lstrip("'") in PAYLOADS}
    assert escaped == {"'" + p for p in PAYLOADS}
    assert all(c.data_type == "s" for c in cells)


def test_a_real_formula_without_a_cached_value_in_a_required_cell_is_refused_and_nothing_written(world):
    hr = world.users["hospital_hr"]
    before = db_snapshot()
    data = build_xlsx([roster_row(姓名='=HYPERLINK("http://evil.example/","点击")')])
    report = import_roster(file=data, actor=hr, dry_run=False)
    assert report.errors and "姓名" in report.errors[0]["column"] + report.errors[0]["message"]
    assert db_snapshot() == before
