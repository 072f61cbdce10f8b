"""HR's own workbook back, with a 错误说明 column and the bad cells highlighted, so they fix the
file they know and upload it again."""

from __future__ import annotations

import io
from collections import defaultdict

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from ..watermark import Watermark, watermark_workbook
from .reader import read_roster

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
NOTE_FILL = PatternFill("solid", fgColor="FFEB9C")
NOTE_HEADER = "错误说明"


def build_errors_workbook(original: bytes, errors: list[dict], *, mark: Watermark | None = None) -> bytes:
    sheet = read_roster(original)  # the same header detection as the import
    wb = openpyxl.load_workbook(io.BytesIO(original))
    ws = wb.worksheets[0]
    by_row: dict[int, list[dict]] = defaultdict(list)
    for error in errors:
        if error.get("row"):
            by_row[int(error["row"])].append(error)

    note_col = ws.max_column + 1
    header = ws.cell(row=sheet.header_row, column=note_col, value=NOTE_HEADER)
    header.font = Font(bold=True, color="9C0006")
    header.fill = NOTE_FILL
    ws.column_dimensions[openpyxl.utils.get_column_letter(note_col)].width = 60

    for row, row_errors in by_row.items():
        lines = []
        for error in row_errors:
            column = error.get("column") or ""
            lines.append(f"{column}：{error['message']}" if column else error["message"])
            if column in sheet.column_index:
                cell = ws.cell(row=row, column=sheet.column_index[column] + 1)
                cell.fill = BAD_FILL
                if cell.comment is None:
                    cell.comment = Comment(error["message"], "聘任通")
        note = ws.cell(row=row, column=note_col, value="；".join(lines))
        note.fill = NOTE_FILL
    if mark is not None:
        watermark_workbook(wb, mark)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
