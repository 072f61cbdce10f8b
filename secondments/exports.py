"""The end-of-service evaluation form (seed 001 annex: 重庆市万州区“县聘乡用”人员下沉基层服务经历评价表)
as a print-ready xlsx and PDF laid out like the paper form, and the subsidy ledger as xlsx."""

from __future__ import annotations

import io
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from personnel.watermark import Watermark, pdf_canvasmaker, watermark_workbook

from . import rules
from .models import Evaluation

FORM_TITLE = "重庆市万州区“县聘乡用”人员下沉基层服务经历评价表"
FOOTNOTE = "备注：评价结果分为合格和不合格。"


def _d(value, fmt: str = "%Y年%m月") -> str:
    return value.strftime(fmt) if value else ""


def form_rows(evaluation: Evaluation) -> list[list[tuple[str, int]]]:
    """The form as rows of (text, column span) over six columns, the same for xlsx and PDF."""
    s = evaluation.secondment
    staff = s.staff
    title = staff.current_title
    return [
        [("姓名", 1), (staff.name, 1), ("性别", 1), (staff.get_gender_display(), 1), ("民族", 1), (staff.ethnicity, 1)],
        [
            ("出生年月", 1),
            (_d(staff.birth_date), 1),
            ("学历学位", 1),
            (f"{staff.get_education_display()} {staff.get_degree_display()}".strip(), 1),
            ("所学专业", 1),
            (staff.major, 1),
        ],
        [("工作单位", 1), (s.dispatching_unit.name, 3), ("从事专业", 1), (staff.get_category_display(), 1)],
        [
            ("现任专业技术职务", 1),
            (title.name if title else "", 3),
            ("聘用时间", 1),
            (_d(staff.first_employment_date), 1),
        ],
        [("接收单位", 1), (s.receiving_unit.name, 5)],
        [("支援起止时间", 1), (f"{s.start:%Y年%m月%d日} 至 {s.end:%Y年%m月%d日}", 5)],
        [("支援期间主要任务", 1), (s.tasks, 5)],
        [
            ("本人工作总结", 1),
            ("诊疗病人（人次）", 1),
            (str(evaluation.patients_seen), 1),
            ("开展手术（台次）", 1),
            (str(evaluation.surgeries), 2),
        ],
        [
            ("", 1),
            ("主持病例讨论（次）", 1),
            (str(evaluation.case_discussions), 1),
            ("带教下级医生（人）", 1),
            (str(evaluation.juniors_mentored), 2),
        ],
        [
            ("", 1),
            ("开展专题讲座（次）", 1),
            (str(evaluation.lectures), 1),
            ("开展新技术新项目（项）", 1),
            (str(evaluation.new_techniques), 2),
        ],
        [("", 1), ("其他工作量", 1), (evaluation.other_workload, 4)],
        [("", 1), (f"工作小结：{evaluation.summary}", 5)],
        [("派出单位意见", 1), (f"{evaluation.dispatching_opinion}\n\n盖章\n年   月   日", 5)],
        [("接收单位意见", 1), (f"{evaluation.receiving_opinion}\n\n盖章\n年   月   日", 5)],
        [
            ("接收单位主管部门意见", 1),
            (
                f"{evaluation.commission_opinion}\n评价结果：{evaluation.get_result_display()}\n\n盖章\n年   月   日",
                5,
            ),
        ],
    ]


# Row heights in points (xlsx and PDF alike); the rest are ROW_HEIGHT.
ROW_HEIGHT = 24
TALL_ROWS = {3: 30, 6: 40, 7: 30, 8: 30, 9: 30, 11: 90, 12: 72, 13: 72, 14: 90}


def evaluation_xlsx(evaluation: Evaluation, *, mark: Watermark | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "评价表"
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    ws["A1"] = FORM_TITLE
    ws["A1"].font = Font(name="宋体", size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 32
    for i, width in enumerate([16, 16, 14, 18, 12, 16], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    for r, row in enumerate(form_rows(evaluation)):
        excel_row = r + 2
        col = 1
        for text, span in row:
            cell = ws.cell(row=excel_row, column=col, value=text)
            if span > 1:
                ws.merge_cells(start_row=excel_row, start_column=col, end_row=excel_row, end_column=col + span - 1)
            for c in range(col, col + span):
                ws.cell(row=excel_row, column=c).border = border
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="left" if span > 1 else "center")
            cell.font = Font(name="宋体", size=10)
            col += span
        ws.row_dimensions[excel_row].height = TALL_ROWS.get(r, ROW_HEIGHT)
    ws.cell(row=len(form_rows(evaluation)) + 2, column=1, value=FOOTNOTE).font = Font(name="宋体", size=9)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    buffer = io.BytesIO()
    if mark is not None:
        watermark_workbook(wb, mark)
    wb.save(buffer)
    return buffer.getvalue()


def evaluation_pdf(evaluation: Evaluation, *, mark: Watermark | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    cell_style = ParagraphStyle("cell", fontName="STSong-Light", fontSize=9.5, leading=13)
    title_style = ParagraphStyle("title", fontName="STSong-Light", fontSize=15, leading=20, alignment=1)
    note_style = ParagraphStyle("note", fontName="STSong-Light", fontSize=8.5, leading=12)

    data, spans = [], []
    for r, row in enumerate(form_rows(evaluation)):
        line, col = [], 0
        for text, span in row:
            line.append(Paragraph((text or "").replace("\n", "<br/>"), cell_style))
            line.extend([""] * (span - 1))
            if span > 1:
                spans.append(("SPAN", (col, r), (col + span - 1, r)))
            col += span
        data.append(line)
    # 本人工作总结 spans its five rows, as on the paper form.
    spans.append(("SPAN", (0, 7), (0, 11)))
    heights = [TALL_ROWS.get(r, ROW_HEIGHT) for r in range(len(data))]
    widths = [w * mm for w in (32, 30, 24, 36, 22, 30)]
    table = Table(data, colWidths=widths, rowHeights=heights)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                *spans,
            ]
        )
    )
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm, bottomMargin=15 * mm
    )
    doc.title = FORM_TITLE
    doc.build(
        [
            Paragraph(FORM_TITLE, title_style),
            Spacer(1, 6 * mm),
            table,
            Spacer(1, 3 * mm),
            Paragraph(FOOTNOTE, note_style),
        ],
        canvasmaker=pdf_canvasmaker(mark),
    )
    return buffer.getvalue()


def ledger_xlsx(rows: Iterable[rules.LedgerRow], unit_names: dict[int, str], *, mark: Watermark | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "补助台账"
    ws.append(
        [
            "接收单位",
            "月份",
            "在岗人数",
            "接收单位补助（元）",
            "优秀奖励（元）",
            "合计（元）",
            "满6个月可享乡镇补贴人数",
        ]
    )
    for r in rows:
        ws.append(
            [
                unit_names.get(r.receiving_unit_id, str(r.receiving_unit_id)),
                r.month.strftime("%Y-%m"),
                r.people,
                float(r.subsidy),
                float(r.award),
                float(r.total),
                r.allowance_people,
            ]
        )
    buffer = io.BytesIO()
    if mark is not None:
        watermark_workbook(wb, mark)
    wb.save(buffer)
    return buffer.getvalue()
