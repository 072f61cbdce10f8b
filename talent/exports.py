"""The filled-in annual scoring table (seed 002 附件 柔性引进人才使用考核标准（年度）) as rows, .xlsx and PDF.
PDF text uses reportlab's built-in CID font STSong-Light, so no font file ships with the app."""

from __future__ import annotations

import io
from dataclasses import dataclass

from personnel.watermark import Watermark, pdf_canvasmaker, watermark_workbook

from .models import AnnualReview


@dataclass
class Row:
    number: str
    label: str
    standard: str
    method: str
    max: str
    points: str
    basis: str


def review_rows(review: AnnualReview) -> list[Row]:
    """One row per scheme item, then the veto row and the total, as the seed's table lays them out."""
    scored = {s["code"]: s for s in review.item_scores}
    rows = []
    for number, item in enumerate(review.scheme.items, start=1):
        score = scored.get(item["code"], {})
        rows.append(
            Row(
                number=str(number),
                label=item["label"],
                standard=item.get("standard", ""),
                method=item.get("method", ""),
                max=str(item["max"]),
                points=str(score.get("points", "")),
                basis=score.get("basis", ""),
            )
        )
    veto = "；".join(review.vetoes) if review.vetoes else "无"
    rows.append(
        Row(
            str(len(rows) + 1),
            "一票否决",
            "医务人员满意度<60%、患者满意度<70%、重大违纪行为、重大安全事故",
            "",
            "--",
            "否决" if review.vetoes else "—",
            veto,
        )
    )
    rows.append(Row("", "合计", "", "", "100", str(review.total), f"分项合计{review.subtotal}分"))
    return rows


def _title(review: AnnualReview) -> str:
    return f"柔性引进人才使用考核表（{review.year}年度）"


def _facts(review: AnnualReview) -> list[tuple[str, str]]:
    contract = review.contract
    return [
        ("合同编号", contract.code),
        ("用人单位", contract.institution.name),
        ("引进专家/团队", contract.party_name),
        ("考核结论", f"{review.get_result_display()}（{review.total}分）"),
        ("应发津贴", f"{review.stipend}元"),
        ("下一年度", "可继续执行" if review.may_renew else "不再执行"),
    ]


HEADER = ["序号", "考核项目", "考核标准", "考核方法", "分值", "得分", "计分依据"]


def review_xlsx(review: AnnualReview, *, mark: Watermark | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    book = Workbook()
    sheet = book.active
    sheet.title = f"{review.year}年度考核"
    sheet.append([_title(review)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    for label, value in _facts(review):
        sheet.append([label, value])
    sheet.append([])
    sheet.append(HEADER)
    header_row = sheet.max_row
    thin = Side(style="thin")
    for row in review_rows(review):
        sheet.append([row.number, row.label, row.standard, row.method, row.max, row.points, row.basis])
    for cells in sheet.iter_rows(min_row=header_row, max_row=sheet.max_row):
        for cell in cells:
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            if cell.row == header_row:
                cell.font = Font(bold=True)
    for column, width in zip("ABCDEFG", (6, 18, 48, 28, 8, 8, 36), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    if mark is not None:
        watermark_workbook(book, mark)
    book.save(buffer)
    return buffer.getvalue()


def review_pdf(review: AnnualReview, *, mark: Watermark | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    body = ParagraphStyle("body", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20, alignment=1)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_title(review),
    )
    facts = "　".join(f"{label}：{value}" for label, value in _facts(review))
    data = [[Paragraph(h, body) for h in HEADER]]
    data += [
        [Paragraph(text, body) for text in (r.number, r.label, r.standard, r.method, r.max, r.points, r.basis)]
        for r in review_rows(review)
    ]
    widths = [w * mm for w in (12, 32, 80, 45, 14, 14, 76)]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    doc.build(
        [Paragraph(_title(review), title), Spacer(1, 4 * mm), Paragraph(facts, body), Spacer(1, 4 * mm), table],
        canvasmaker=pdf_canvasmaker(mark),
    )
    return buffer.getvalue()
