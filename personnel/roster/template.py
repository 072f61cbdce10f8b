"""The downloadable roster template: the headers in order, text-formatted code columns, and
drop-down data validation for every closed list (and for the user's own institutions)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .columns import COLUMNS

TEXT_COLUMNS = {"employee_no", "id_number", "phone"}
TEMPLATE_ROWS = 5000  # how far down the drop-downs and formats reach
HEADER_FILL = PatternFill("solid", fgColor="DCE8F3")
REQUIRED_FONT = Font(bold=True, color="9C0006")

NOTES = (
    "1. 请勿修改第一行表头；列的顺序可以调整，多余的列会被忽略。",
    "2. 身份证号、工号、手机号请保持“文本”格式，否则Excel会把身份证号后几位变成0。",
    "3. 日期可写为2019-07-01、2019/7/1、2019.07或2019年7月。",
    "4. 带下拉箭头的列请从列表中选择；单位可填写名称或机构代码，科室可填写名称或科室代码。",
    "5. 按身份证号导入：系统中没有的人员新增，已有的人员更新；内容未变的行不会写入。",
    "6. 任何一行有错误，整个文件都不会导入；可下载带“错误说明”列的文件，改正后重新上传。",
    "7. 红色表头为必填列。性别、出生日期未填写时按身份证号自动填写。",
)


def build_template(*, user=None) -> bytes:
    from ..scoping import visible_departments, visible_institutions

    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    lists = wb.create_sheet("选项")
    lists.sheet_state = "hidden"
    notes = wb.create_sheet("填写说明")
    for line in NOTES:
        notes.append([line])
    notes.column_dimensions["A"].width = 100

    institutions = list(visible_institutions(user).values_list("name", flat=True)) if user is not None else []
    departments = sorted(set(visible_departments(user).values_list("name", flat=True))) if user is not None else []
    option_lists = {c.key: list(c.choices) for c in COLUMNS if c.choices}
    option_lists["institution"] = institutions
    option_lists["department"] = departments

    list_col = 0
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center")
        cell.font = REQUIRED_FONT if column.required else Font(bold=True)
        ws.column_dimensions[letter].width = 22 if column.key == "id_number" else max(10, len(column.header) * 2 + 4)
        if column.key in TEXT_COLUMNS:
            # Text format before anything is typed: Excel then keeps all 18 digits of an ID number.
            for row in range(2, TEMPLATE_ROWS + 2):
                ws.cell(row=row, column=index).number_format = "@"
        if column.key == "id_number":
            cell.comment = Comment("18位身份证号，请保持文本格式；末位x大小写均可。", "聘任通")
        options = option_lists.get(column.key)
        if options:
            list_col += 1
            list_letter = get_column_letter(list_col)
            lists.cell(row=1, column=list_col, value=column.header)
            for r, option in enumerate(options, start=2):
                lists.cell(row=r, column=list_col, value=option)
            validation = DataValidation(
                type="list",
                formula1=f"=选项!${list_letter}$2:${list_letter}${len(options) + 1}",
                allow_blank=True,
                showErrorMessage=column.key not in {"institution", "department"},
                errorTitle="请从列表中选择",
                error=f"{column.header}请从下拉列表中选择。",
            )
            validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
            ws.add_data_validation(validation)
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
