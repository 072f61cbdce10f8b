"""The staff export: the roster's headers, so an exported file can be edited and imported back.
ID numbers are masked unless the user may see them in full; any text that a spreadsheet would
run as a formula (starting with = + - @) is escaped with a leading apostrophe."""

from __future__ import annotations

import io

from django.apps import apps
from django.db.models import Prefetch, QuerySet
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from ..disclosure import record_full_views
from ..models import Staff
from ..scoping import can_view_full_id
from ..validators import mask_id_number, mask_phone
from ..watermark import Watermark, watermark_write_only
from .columns import HEADERS
from .reader import FORMULA_STARTS

CHUNK = 2000


def escape_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def export_rows(queryset: QuerySet[Staff], *, user, request=None):
    """The rows, ID number and phone masked unless `user` may see them; when they are shown in
    full, each chunk of exported people is recorded as one INSERT into the access log."""
    Appointment = apps.get_model("appointments", "Appointment")
    full = can_view_full_id(user)
    shown: list[Staff] = []
    qs = (
        queryset.select_related("institution", "department")
        .prefetch_related(
            "titles",
            Prefetch(
                "appointments",
                queryset=Appointment.objects.filter(status="active").select_related("post_grade"),
                to_attr="active_appointments",
            ),
        )
        .order_by("institution_id", "employee_no")
    )
    for person in qs.iterator(chunk_size=CHUNK):
        if full and request is not None:
            shown.append(person)
            if len(shown) >= CHUNK:
                record_full_views(request, shown, kind="export")
                shown = []
        title = person.current_title
        appointment = person.active_appointments[0] if person.active_appointments else None
        yield [
            person.employee_no,
            person.name,
            person.id_number if full else mask_id_number(person.id_number),
            person.get_gender_display(),
            person.ethnicity,
            person.birth_date,
            person.phone if full else mask_phone(person.phone),
            person.institution.name,
            person.department.name if person.department_id else "",
            person.get_category_display(),
            person.get_employment_type_display(),
            person.get_education_display(),
            person.get_degree_display(),
            person.major,
            person.first_employment_date,
            title.name if title else "",
            title.get_level_display() if title else "",
            title.obtained_on if title else None,
            f"专业技术{appointment.post_grade_id}级" if appointment else "",
            appointment.start if appointment else None,
            appointment.end if appointment else None,
            person.get_status_display(),
        ]
    if shown:
        record_full_views(request, shown, kind="export")


def export_staff(queryset: QuerySet[Staff], *, user, request=None) -> bytes:
    """The workbook, watermarked with the exporting user (row 1 and header/footer; the header row
    follows, which the roster reader finds), so an exported file can be imported back."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("人员名单")
    widths = {0: 12, 1: 10, 2: 22, 7: 20, 8: 12}
    for index in range(len(HEADERS)):
        ws.column_dimensions[chr(65 + index) if index < 26 else "A"].width = widths.get(index, 12)
    header_cells = []
    for header in HEADERS:
        cell = WriteOnlyCell(ws, value=header)
        cell.font = Font(bold=True)
        header_cells.append(cell)
    watermark_write_only(wb, ws, Watermark.for_user(user))
    ws.append(header_cells)
    for row in export_rows(queryset, user=user, request=request):
        cells = []
        for value in row:
            cell = WriteOnlyCell(ws, value=escape_formula(value))
            if hasattr(value, "isoformat"):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            cells.append(cell)
        ws.append(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
