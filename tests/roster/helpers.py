"""Building real .xlsx rosters for the tests (openpyxl), and a snapshot of the database."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from appointments.models import Appointment
from personnel.models import Staff, Title
from personnel.roster.columns import HEADERS
from personnel.validators import compose_id_number

_seq = iter(range(100, 10**6))


def new_id_number(*, birth: dt.date = dt.date(1988, 5, 6), male: bool = True) -> str:
    return compose_id_number(area_code="653225", birth_date=birth, sequence=next(_seq), is_male=male)


def roster_row(**overrides) -> dict:
    """One valid row for the `world` fixture's hospital (策勒县人民医院 / 内科)."""
    male = overrides.pop("male", True)
    number = overrides.pop("身份证号", None) or new_id_number(male=male)
    row = {
        "工号": f"R{next(_seq)}",
        "姓名": "测试人员",
        "身份证号": number,
        "性别": "男" if male else "女",
        "民族": "汉族",
        "出生日期": dt.date(1988, 5, 6),
        "手机号": "13912345678",
        "单位": "策勒县人民医院",
        "科室": "内科",
        "专业类别": "临床",
        "人员类型": "在编",
        "学历": "大学本科",
        "学位": "学士",
        "所学专业": "临床医学",
        "参加工作时间": dt.date(2011, 7, 1),
        "职称": "主治医师",
        "职称级别": "中级",
        "职称取得时间": dt.date(2018, 9, 1),
        "聘任岗位等级": "专业技术10级",
        "聘任开始": dt.date(2025, 1, 1),
        "聘任结束": dt.date(2026, 12, 31),
        "人员状态": "在岗",
    }
    row.update(overrides)
    return row


def build_xlsx(
    rows: list[dict],
    *,
    headers: list[str] | tuple[str, ...] = HEADERS,
    title_rows: list[list] | None = None,
    trailing_blank_rows: int = 0,
    text_id_numbers: bool = True,
) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    for title in title_rows or []:
        ws.append(title)
    ws.append(list(headers))
    for row in rows:
        ws.append([row.get(h) for h in headers])
    for _ in range(trailing_blank_rows):
        ws.append([None] * len(headers))
        ws.append([" "] * 2)
    if text_id_numbers and "身份证号" in headers:
        col = list(headers).index("身份证号") + 1
        for cells in ws.iter_cols(min_col=col, max_col=col):
            for cell in cells:
                cell.number_format = "@"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def db_snapshot() -> dict:
    """Everything an import may write, to compare before and after a refused import."""
    return {
        "staff": sorted(
            Staff.objects.values_list("id", "id_number", "name", "institution_id", "department_id", "phone", "status")
        ),
        "titles": sorted(Title.objects.values_list("id", "staff_id", "name", "level", "obtained_on")),
        "appointments": sorted(
            Appointment.objects.values_list("id", "staff_id", "post_grade_id", "start", "end", "status")
        ),
        "staff_history": Staff.history.count(),
        "title_history": Title.history.count(),
        "appointment_history": Appointment.history.count(),
    }
