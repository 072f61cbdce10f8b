"""Monthly and annual reports (issue 8), per region (the reader's whole scope) or per institution
(its subtree, read as that institution's HR would read it — scoping stays in personnel.scoping).
The same figures as the dashboard, as JSON (the API), .xlsx and a PDF whose charts reportlab draws."""

from __future__ import annotations

import calendar
import datetime as dt
import io
import math
from dataclasses import dataclass

from assessments.choices import PeriodKind
from assessments.selectors import visible_periods
from personnel.choices import Role
from personnel.errors import ApplicationError
from personnel.scoping import visible_institutions
from personnel.watermark import Watermark, pdf_canvasmaker, watermark_workbook

from . import figures
from .figures import Figure


@dataclass
class InstitutionScope:
    """The reader narrowed to one institution's subtree: `visible_*` see it as its HR does."""

    institution: object
    role: str = Role.HOSPITAL_HR
    is_authenticated: bool = True
    is_superuser: bool = False
    department_id: None = None
    staff_id: None = None


@dataclass
class Report:
    kind: str  # "monthly" or "annual"
    label: str  # 2026-03 or 2026
    scope_name: str
    as_of: dt.date
    figures: list[Figure]

    @property
    def title(self) -> str:
        return f"{self.scope_name}{self.label}{'月度' if self.kind == 'monthly' else '年度'}人事统计报告"

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "label": self.label,
            "scope": self.scope_name,
            "as_of": self.as_of.isoformat(),
            "title": self.title,
            "figures": [f.as_dict() for f in self.figures],
        }


def parse_month(value: str | None, today: dt.date) -> tuple[int, int]:
    if not value:
        return today.year, today.month
    try:
        year, month = (int(p) for p in value.split("-"))
        dt.date(year, month, 1)
    except (TypeError, ValueError) as error:
        raise ApplicationError(f"月份“{value}”格式不正确，应为如 2026-03 的年-月。") from error
    return year, month


def parse_year(value: str | None, today: dt.date) -> int:
    if not value:
        return today.year
    try:
        year = int(value)
    except (TypeError, ValueError) as error:
        raise ApplicationError(f"年度“{value}”格式不正确，应为如 2026 的四位年份。") from error
    if not 2000 <= year <= 2100:
        raise ApplicationError(f"年度“{value}”超出范围。")
    return year


def build_report(
    user,
    *,
    kind: str,
    today: dt.date,
    month: str | None = None,
    year: str | None = None,
    institution_id: int | None = None,
) -> Report:
    """The figures as of the period's last day (today for the running period), the assessment
    figure on the period of the same kind and label."""
    if kind == "monthly":
        y, m = parse_month(month, today)
        start = dt.date(y, m, 1)
        as_of = min(dt.date(y, m, calendar.monthrange(y, m)[1]), today)
        label = f"{y}-{m:02d}"
        period_filter = {"kind": PeriodKind.MONTHLY, "year": y, "number": m}
    elif kind == "annual":
        y = parse_year(year, today)
        start = dt.date(y, 1, 1)
        as_of = min(dt.date(y, 12, 31), today)
        label = str(y)
        period_filter = {"kind": PeriodKind.ANNUAL, "year": y}
    else:
        raise ApplicationError("报告类型应为 monthly（月度）或 annual（年度）。")
    if start > today:
        raise ApplicationError(f"报告期间{label}尚未开始，请选择本月（本年）或以前的期间。")
    reader = user
    scope_name = getattr(getattr(user, "institution", None), "region", None)
    scope_name = scope_name.name if scope_name else "全部地区"
    if institution_id is not None:
        institution = visible_institutions(user).select_related("region").filter(pk=institution_id).first()
        if institution is None:
            raise ApplicationError("机构不存在或不在您的管理范围内。")
        if figures.figures_for(user) != figures.figures_for(InstitutionScope(institution)):
            # A narrower reader (a department head) may not widen its view through a report.
            raise ApplicationError("您的角色只能查看本人范围的报告，请不要指定机构。")
        reader = InstitutionScope(institution)
        scope_name = institution.name
    period = visible_periods(reader).filter(**period_filter).first()
    shown = figures.dashboard(reader, today=as_of, period_id=period.pk if period else -1)
    return Report(kind=kind, label=label, scope_name=scope_name, as_of=as_of, figures=shown)


# --- .xlsx --------------------------------------------------------------------------------------


def report_xlsx(report: Report, *, mark: Watermark | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    cover = book.active
    cover.title = "说明"
    cover["A1"] = report.title
    cover["A1"].font = Font(bold=True, size=14)
    cover["A2"] = f"统计截至 {report.as_of:%Y-%m-%d}"
    for i, f in enumerate(report.figures, start=4):
        cover.cell(row=i, column=1, value=f.title)
        cover.cell(row=i, column=2, value=f.note)
    red = PatternFill("solid", fgColor="F4CCCC")
    for n, f in enumerate(report.figures, start=1):
        sheet = book.create_sheet(f"{n}.{f.title[:26]}".replace("/", "／").replace("：", " "))
        sheet.append(["项目", *[s["name"] for s in f.series]])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for j, category in enumerate(f.categories):
            sheet.append([category, *[figures._plain(s["data"][j]) for s in f.series]])
            for i in range(len(f.series)):
                if f.highlight and f.highlight[i][j]:
                    sheet.cell(row=j + 2, column=i + 2).fill = red
        if f.categories:
            sheet.append(["合计", *[figures._plain(sum(s["data"])) for s in f.series]])
            chart = BarChart()
            chart.title = f.title
            chart.height, chart.width = 8, 18
            data = Reference(sheet, min_col=2, max_col=len(f.series) + 1, min_row=1, max_row=len(f.categories) + 1)
            chart.add_data(data, titles_from_data=True)
            chart.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=len(f.categories) + 1))
            if f.kind == "stacked":
                chart.grouping, chart.overlap = "stacked", 100
            sheet.add_chart(chart, f"{chr(ord('A') + len(f.series) + 2)}2")
        sheet.column_dimensions["A"].width = 36
    out = io.BytesIO()
    if mark is not None:
        watermark_workbook(book, mark)
    book.save(out)
    return out.getvalue()


# --- PDF ----------------------------------------------------------------------------------------

PALETTE = ["#2f6fde", "#2e8b57", "#d9822b", "#8e44ad", "#7f8c8d"]
RED = "#c0392b"
MAX_BARS = 24  # categories drawn per chart; the table lists them all


def _color(figure: Figure, i: int) -> str:
    return figure.series[i].get("color") or PALETTE[i % len(PALETTE)]


def _pdf_text(text: str) -> str:
    """STSong-Light has no U+00B7 (the category separator); the CJK middle dot reads the same."""
    return text.replace("·", "・")


def _chart(figure: Figure, font: str, width: float, height: float):
    """A reportlab bar chart (stacked when the figure is) with the legend under it; over-target
    bars in red, as on the page."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.charts.legends import Legend
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 40, 70
    chart.width, chart.height = width - 60, height - 90
    n = min(len(figure.categories), MAX_BARS)
    chart.data = [[figures._plain(v) for v in s["data"][:n]] for s in figure.series] or [[0]]
    chart.categoryAxis.categoryNames = [_pdf_text(c)[:10] for c in figure.categories[:n]]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 6
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    values = [v for row in chart.data for v in row]
    if all(isinstance(v, int) for v in values):
        # Counts: whole-number steps (no 0.5 person).
        chart.valueAxis.valueStep = max(1, math.ceil(max(values, default=0) / 5))
    if figure.kind == "stacked":
        chart.categoryAxis.style = "stacked"
    for i in range(len(figure.series)):
        chart.bars[i].fillColor = colors.HexColor(_color(figure, i))
        chart.bars[i].strokeColor = None
        for j in range(n):
            if figure.highlight and figure.highlight[i][j]:
                chart.bars[(i, j)].fillColor = colors.HexColor(RED)
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 40, 12
    legend.fontName = font
    legend.fontSize = 7
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dxTextSpace = 4
    legend.colorNamePairs = [(colors.HexColor(_color(figure, i)), s["name"]) for i, s in enumerate(figure.series)]
    drawing.add(legend)
    return drawing


def report_pdf(report: Report, *, mark: Watermark | None = None) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    pdfmetrics.registerFont(UnicodeCIDFont(font))
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, alignment=1)
    head = ParagraphStyle("head", fontName=font, fontSize=12, leading=17, spaceBefore=8)
    small = ParagraphStyle("small", fontName=font, fontSize=8, leading=11, wordWrap="CJK")
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=report.title,
    )
    width = A4[0] - 30 * mm
    story = [Paragraph(report.title, title), Paragraph(f"统计截至 {report.as_of:%Y-%m-%d}", small), Spacer(1, 6)]
    for f in report.figures:
        block = [Paragraph(f.title, head)]
        if not f.categories:
            block.append(Paragraph("无数据。", small))
            story.append(KeepTogether(block))
            continue
        block.append(_chart(f, font, width, 210))
        rows = [["项目", *[s["name"] for s in f.series]]]
        rows += [
            [Paragraph(_pdf_text(c), small), *[f"{figures._plain(s['data'][j]):,}" for s in f.series]]
            for j, c in enumerate(f.categories)
        ]
        rows.append(["合计", *[f"{figures._plain(sum(s['data'])):,}" for s in f.series]])
        table = Table(rows, colWidths=[width * 0.4] + [width * 0.6 / len(f.series)] * len(f.series), repeatRows=1)
        style = [
            ("FONTNAME", (0, 0), (-1, -1), font),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f8")),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ]
        style += [
            ("TEXTCOLOR", (i + 1, j + 1), (i + 1, j + 1), colors.HexColor(RED))
            for i in range(len(f.series))
            for j in range(len(f.categories))
            if f.highlight and f.highlight[i][j]
        ]
        table.setStyle(TableStyle(style))
        if f.note:
            block.append(Paragraph(f.note, small))
        story.append(KeepTogether(block))
        story.append(table)
    doc.build(story, canvasmaker=pdf_canvasmaker(mark))
    return out.getvalue()
