"""The 公示 (publicity notice) of demotion cases, as seed 000 requires it: the names and the
duty-target completion of each person, the period (start – last working day) and where to lodge
an objection.  PDF text uses reportlab's built-in CID font STSong-Light (no font file ships)."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from personnel.choices import InstitutionKind
from personnel.models import Institution
from personnel.watermark import Watermark, pdf_canvasmaker, watermark_workbook

from .choices import CaseKind
from .models import DemotionCase

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = ["序号", "姓名", "单位及科室", "职称", "现聘岗位", "拟聘岗位", "事由", "必尽任务完成情况"]


@dataclass
class TargetLine:
    name: str
    done: str
    milestone: str
    total: str
    met: bool


@dataclass
class NoticeEntry:
    case: DemotionCase
    name: str
    unit: str
    title: str
    current_grade: str
    proposed_grade: str
    reason: str
    targets: list[TargetLine] = field(default_factory=list)
    on: dt.date | None = None

    @property
    def completion(self) -> str:
        if not self.targets:
            return "本聘期无必尽任务记录"
        lines = [
            f"{t.name}：已完成{t.done}/应完成{t.milestone}（聘期{t.total}）{'' if t.met else '，未达标'}"
            for t in self.targets
        ]
        return "\n".join(lines)


def _number(value) -> str:
    return f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)


def notice_entry(user, case: DemotionCase, *, on: dt.date | None) -> NoticeEntry:
    """One line of the notice; target completion as of `on` (the publicity's first day), read
    through the user's scope (assessments.selectors.target_progress)."""
    from assessments.selectors import target_progress

    staff = case.staff
    title = staff.current_title
    progress = target_progress(user, staff, on=on) if on is not None else []
    targets = [
        TargetLine(
            name=p.target.name,
            done=_number(p.done),
            milestone=_number(p.milestone),
            total=_number(p.target.target_total),
            met=p.done >= p.milestone or p.group_met,
        )
        for p in progress
    ]
    if case.kind == CaseKind.RESTORATION and case.restores_id:
        proposed = case.restores.appointment.post_grade
    else:
        proposed = case.decided_grade
    unit = case.institution.name + (f"\n{staff.department.name}" if staff.department_id else "")
    reason = case.get_trigger_display()
    if case.kind == CaseKind.RESTORATION:
        reason = "低聘后考核合格、完成低聘岗位任务，拟恢复原岗位聘任"
    return NoticeEntry(
        case=case,
        name=staff.name,
        unit=unit,
        title=title.name if title else "—",
        current_grade=str(case.appointment.post_grade),
        proposed_grade=str(proposed) if proposed else "—",
        reason=reason,
        targets=targets,
        on=on,
    )


def _commission(case: DemotionCase) -> Institution | None:
    return (
        Institution.objects.filter(region_id=case.institution.region_id, kind=InstitutionKind.COMMISSION)
        .order_by("path")
        .first()
    )


def _texts(entries: list[NoticeEntry], publicity, publicities) -> dict[str, str]:
    first = entries[0].case
    kinds = {e.case.kind for e in entries}
    what = "恢复聘任" if kinds == {CaseKind.RESTORATION} else "高职低聘"
    names = "、".join(e.name for e in entries[:3]) + ("等" if len(entries) > 1 else "")
    title = f"关于{names}同志{what}的公示"
    commission = _commission(first)
    issuer = commission.name if commission else first.institution.name
    if publicity is not None:
        period = (
            f"{publicity.starts_on:%Y年%m月%d日}至{publicity.ends_on:%Y年%m月%d日}（{publicity.working_days}个工作日）"
        )
        issued = publicity.starts_on
    else:
        spans = sorted({(p.starts_on, p.ends_on, p.working_days) for p in (publicities or {}).values()})
        period = "；".join(f"{s:%Y年%m月%d日}至{e:%Y年%m月%d日}（{n}个工作日）" for s, e, n in spans) or "—"
        issued = spans[0][0] if spans else None
    intro = (
        f"根据《{first.policy.name}》的规定，经党支部提议、资格审查、综合考核和党委会议研究，"
        f"拟对以下人员{what}，现将名单及高职称必尽任务完成情况予以公示。"
    )
    channel = (
        f"公示期间，对公示对象有异议的，可以书面、电话或来访方式向{first.institution.name}人事部门"
        f"或{issuer}反映。反映问题应实事求是，署真实姓名并提供联系方式，以便核实答复；"
        "异议经核查答复后方可办理后续审批。"
    )
    return {
        "title": title,
        "intro": intro,
        "period": f"公示期：{period}。",
        "channel": channel,
        "issuer": issuer,
        "issued": f"{issued:%Y年%m月%d日}" if issued else "",
    }


def notice(
    entries: list[NoticeEntry], *, publicity=None, publicities=None, fmt: str = "pdf", mark: Watermark | None = None
) -> bytes:
    texts = _texts(entries, publicity, publicities)
    return notice_xlsx(entries, texts, mark=mark) if fmt == "xlsx" else notice_pdf(entries, texts, mark=mark)


def _row(number: int, e: NoticeEntry) -> list[str]:
    return [str(number), e.name, e.unit, e.title, e.current_grade, e.proposed_grade, e.reason, e.completion]


def notice_pdf(entries: list[NoticeEntry], texts: dict[str, str], *, mark: Watermark | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK", firstLineIndent=21)
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=12.5, wordWrap="CJK")
    head = ParagraphStyle("head", parent=cell, alignment=1)
    title = ParagraphStyle("title", fontName=font, fontSize=17, leading=24, alignment=1, spaceAfter=4)
    sign = ParagraphStyle("sign", fontName=font, fontSize=10.5, leading=17, alignment=2)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=texts["title"],
    )

    def para(text: str, style=cell) -> Paragraph:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return Paragraph(escaped.replace("\n", "<br/>"), style)

    data = [[para(h, head) for h in HEADER]]
    data += [[para(text) for text in _row(n, e)] for n, e in enumerate(entries, start=1)]
    widths = [w * mm for w in (11, 18, 40, 24, 24, 24, 40, 84)]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    story = [
        para(texts["title"], title),
        Spacer(1, 3 * mm),
        para(texts["intro"], body),
        Spacer(1, 3 * mm),
        table,
        Spacer(1, 4 * mm),
        para(texts["period"], body),
        para(texts["channel"], body),
        Spacer(1, 8 * mm),
        para(texts["issuer"], sign),
        para(texts["issued"], sign),
    ]
    doc.build(story, canvasmaker=pdf_canvasmaker(mark))
    return buffer.getvalue()


def notice_xlsx(entries: list[NoticeEntry], texts: dict[str, str], *, mark: Watermark | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side

    book = Workbook()
    sheet = book.active
    sheet.title = "公示"
    columns = len(HEADER)
    sheet.append([texts["title"]])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=columns)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append([texts["intro"]])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=columns)
    sheet["A2"].alignment = Alignment(wrap_text=True)
    sheet.row_dimensions[2].height = 36
    sheet.append(HEADER)
    header_row = sheet.max_row
    for number, entry in enumerate(entries, start=1):
        sheet.append(_row(number, entry))
    thin = Side(style="thin")
    for cells in sheet.iter_rows(min_row=header_row, max_row=sheet.max_row):
        for cell in cells:
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            cell.alignment = Alignment(wrap_text=True, vertical="center")
            if cell.row == header_row:
                cell.font = Font(bold=True)
    for text in (texts["period"], texts["channel"], "", texts["issuer"], texts["issued"]):
        sheet.append([text])
        sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=columns)
        sheet.cell(sheet.max_row, 1).alignment = Alignment(wrap_text=True)
    for column, width in zip("ABCDEFGH", (6, 10, 26, 14, 14, 14, 28, 60), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    if mark is not None:
        watermark_workbook(book, mark)
    book.save(buffer)
    return buffer.getvalue()
