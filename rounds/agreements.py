"""聘任协议 (seed 000 §四(三)2: 明确聘期、职责、待遇及高职称必尽任务): the default template a policy
version starts with, the values its placeholders take, and the PDF (reportlab's built-in CID font
STSong-Light, so no font file ships with the app)."""

from __future__ import annotations

import io
import re

from django.utils import timezone

from personnel.watermark import Watermark, pdf_canvasmaker

from .models import Agreement

DEFAULT_TITLE = "事业单位专业技术岗位聘任协议"

DEFAULT_BODY = """协议编号：{number}

甲方（聘任单位）：{institution}
乙方（受聘人）：{staff_name}（身份证号：{id_number}）
乙方现有职称：{title}

依据《{policy}》，经个人申报、资格审查、综合考核、会议研究、公示和卫生健康委员会审批，甲乙双方在平等自愿的基础上订立本协议。

一、聘期
聘期{term_years}年，自{term_start}起至{term_end}止。聘期届满后重新考核确定聘任等级。

二、聘任岗位
甲方聘任乙方担任{post_grade}专业技术岗位。

三、岗位职责
{duties}

四、待遇
乙方按所聘岗位享受{pay_grade}岗位工资及相应待遇；按岗定薪，岗变薪变。

五、高职称必尽任务
{targets}

六、考核与调整
甲方按月度、季度、年度对乙方进行考核，考核结果与聘任调整直接挂钩。乙方未完成阶段性任务的，给予整改期；整改期满仍未达标，或出现高职低聘情形的，甲方按规定予以低聘或解聘。

七、其他
本协议一式三份，甲乙双方各执一份，报卫生健康委员会备案一份，自双方签字（盖章）之日起生效。

甲方（盖章）：                              乙方（签字）：

法定代表人（签字）：

签订日期：    年    月    日                签订日期：    年    月    日
"""

DEFAULT_DUTIES = (
    "1. 履行本岗位专业技术职责，完成科室安排的医疗、教学、科研任务；\n"
    "2. 参与学科建设、团队建设和基层服务，指导下级专业技术人员；\n"
    "3. 遵守医疗核心制度和医德医风、廉洁从业规定。"
)


def targets_text(targets: list[dict]) -> str:
    if not targets:
        return "所聘岗位不属于副高、正高级，本聘期无高职称必尽任务。"
    lines = []
    for i, t in enumerate(targets, start=1):
        alt = "（与同组任务任选其一完成）" if t.get("alternative_group") else ""
        lines.append(f"{i}. {t['name']}：聘期内不少于{t['target_total']}（{t['per_label']}{t['quantity']}）{alt}")
    return "\n".join(lines)


# STSong-Light's Unicode map (UniGB-UCS2-H) has no U+00B7 MIDDLE DOT, which Uyghur and other
# transliterated names are written with (阿尔孜古丽·阿不力孜): the PDF would show a missing glyph.
# GB 2312 writes the dot as U+30FB, which the font has.
PDF_GLYPHS = str.maketrans({"\u00b7": "\u30fb"})


def _paragraph_text(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text.translate(PDF_GLYPHS))


# A template line whose parts are set apart by a run of spaces ("甲方（盖章）：      乙方（签字）：")
# is laid out as columns: the CID font has no no-break space to pad with.
COLUMN_GAP = re.compile(r"\s{4,}")


def agreement_pdf(agreement: Agreement, *, mark: Watermark | None = None) -> bytes:
    """The agreement as an A4 PDF: the title, then the generated text line by line."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    title_style = ParagraphStyle("title", fontName=font, fontSize=17, leading=24, alignment=1, spaceAfter=6)
    body_style = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=17, wordWrap="CJK")
    heading_style = ParagraphStyle("heading", parent=body_style, fontSize=11.5, leading=20, spaceBefore=4)
    note_style = ParagraphStyle("note", fontName=font, fontSize=8, leading=11, textColor="#666666")

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=18 * mm,
        title=f"{agreement.title} {agreement.number}",
        author="聘任通",
    )
    story = [Paragraph(_paragraph_text(agreement.title), title_style), Spacer(1, 4 * mm)]
    headings = ("一、", "二、", "三、", "四、", "五、", "六、", "七、")
    for line in agreement.text.splitlines():
        if not line.strip():
            story.append(Spacer(1, 2.5 * mm))
            continue
        parts = [p for p in COLUMN_GAP.split(line.strip()) if p]
        if len(parts) > 1:
            row = [Paragraph(_paragraph_text(p), body_style) for p in parts]
            table = Table([row], colWidths=[doc.width / len(parts)] * len(parts), hAlign="LEFT")
            table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(table)
            continue
        style = heading_style if line.startswith(headings) else body_style
        story.append(Paragraph(_paragraph_text(line), style))
    story.append(Spacer(1, 6 * mm))
    signed = f"；已于{agreement.signed_on:%Y年%m月%d日}签订" if agreement.signed_on else ""
    generated = timezone.localtime(agreement.generated_at) if agreement.generated_at else timezone.now()
    story.append(Paragraph(f"本协议由聘任通生成（{generated:%Y-%m-%d}）{signed}。", note_style))
    doc.build(story, canvasmaker=pdf_canvasmaker(mark))
    return buffer.getvalue()


def file_response(field_file, download_name: str):
    """A stored file as a download (only through the scoped views; never a public media URL)."""
    import mimetypes
    from pathlib import PurePath
    from urllib.parse import quote

    from django.http import FileResponse, Http404

    if not field_file:
        raise Http404("文件不存在。")
    suffix = PurePath(field_file.name).suffix.lower()
    content_type = mimetypes.types_map.get(suffix, "application/octet-stream")
    response = FileResponse(field_file.open("rb"), content_type=content_type)
    if not download_name.lower().endswith(suffix):
        download_name += suffix
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(download_name)}"
    return response


def scan_response(agreement: Agreement):
    if not agreement.signed_file:
        from django.http import Http404

        raise Http404("该协议尚未上传签字扫描件。")
    return file_response(agreement.signed_file, f"聘任协议签字件-{agreement.number}")
