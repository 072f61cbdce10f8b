"""The export watermark: every .xlsx and PDF the system hands out names who exported it (name and
account), their institution and when.  One helper for every export:

- `Watermark.for_user(user)` — the mark, with the time of the export;
- `watermark_workbook(book, mark)` — an openpyxl workbook: header and footer of every sheet, the
  workbook properties (creator, last modified by, description) and a visible line below each
  sheet's data;
- `watermark_write_only(book, sheet, mark)` — the same for a write-only workbook, called before
  its first row (the visible line becomes row 1; the roster reader finds the header row below it);
- `pdf_canvasmaker(mark)` — for reportlab's `doc.build(story, canvasmaker=...)`: a light diagonal
  mark across every page and a footer line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

FONT = "STSong-Light"


@dataclass(frozen=True)
class Watermark:
    name: str
    username: str
    institution: str
    at: dt.datetime

    @classmethod
    def for_user(cls, user, *, at: dt.datetime | None = None) -> Watermark:
        username = user.get_username() if hasattr(user, "get_username") else str(user)
        full_name = f"{getattr(user, 'last_name', '')}{getattr(user, 'first_name', '')}".strip()
        institution = getattr(user, "institution", None)
        return cls(
            name=full_name or username,
            username=username,
            institution=getattr(institution, "name", "") or "",
            at=timezone.localtime(at or timezone.now()),
        )

    @property
    def who(self) -> str:
        return f"{self.name}（{self.username}）"

    @property
    def text(self) -> str:
        parts = [f"导出人：{self.who}"]
        if self.institution:
            parts.append(self.institution)
        parts.append(f"{self.at:%Y-%m-%d %H:%M}")
        return " · ".join(parts)

    @property
    def notice(self) -> str:
        return f"{self.text} · 仅限工作使用，不得外传"


# --- .xlsx --------------------------------------------------------------------------------------


def _header_footer(sheet, mark: Watermark) -> None:
    # Excel's header/footer codes treat "&" as a control character.
    text = mark.text.replace("&", "&&")
    for header, footer in ((sheet.oddHeader, sheet.oddFooter), (sheet.evenHeader, sheet.evenFooter)):
        header.right.text = text
        footer.center.text = mark.notice.replace("&", "&&")
        footer.right.text = "第 &P 页 / 共 &N 页"


def _properties(book, mark: Watermark) -> None:
    book.properties.creator = mark.who
    book.properties.lastModifiedBy = mark.who
    book.properties.description = mark.notice
    book.properties.keywords = "聘任通 导出水印"


def watermark_workbook(book, mark: Watermark) -> None:
    """An ordinary (not write-only) workbook, after its content is written."""
    from openpyxl.styles import Font

    _properties(book, mark)
    for sheet in book.worksheets:
        _header_footer(sheet, mark)
        row = sheet.max_row + 2 if sheet.max_row > 1 or sheet["A1"].value is not None else 1
        cell = sheet.cell(row=row, column=1, value=mark.notice)
        cell.font = Font(italic=True, color="808080", size=9)


def watermark_write_only(book, sheet, mark: Watermark) -> None:
    """A write-only workbook: call before the sheet's first row; the visible line is row 1."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    _properties(book, mark)
    _header_footer(sheet, mark)
    cell = WriteOnlyCell(sheet, value=mark.notice)
    cell.font = Font(italic=True, color="808080", size=9)
    sheet.append([cell])


# --- PDF ----------------------------------------------------------------------------------------


def _draw(canvas, mark: Watermark) -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    width, height = canvas._pagesize
    canvas.saveState()
    canvas.setFillColorRGB(0.5, 0.5, 0.5, alpha=0.14)
    canvas.setFont(FONT, 18)
    canvas.translate(width / 2, height / 2)
    canvas.rotate(35)
    for offset in (-height / 3, 0, height / 3):
        canvas.drawCentredString(0, offset, mark.text)
    canvas.restoreState()
    canvas.saveState()
    canvas.setFillColorRGB(0.45, 0.45, 0.45)
    canvas.setFont(FONT, 7)
    canvas.drawCentredString(width / 2, 12, mark.notice)
    canvas.restoreState()


def pdf_canvasmaker(mark: Watermark | None):
    """A reportlab Canvas class that marks each page as it is finished (None: the plain Canvas)."""
    from reportlab.pdfgen.canvas import Canvas

    if mark is None:
        return Canvas

    class WatermarkedCanvas(Canvas):
        def showPage(self):
            # The document information is written at save(): set here, after SimpleDocTemplate's own.
            self.setAuthor(mark.who)
            self.setSubject(mark.notice)
            _draw(self, mark)
            super().showPage()

    return WatermarkedCanvas
