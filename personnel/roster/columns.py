"""The roster's columns: Chinese headers in template order, the aliases real files use, and the
closed lists offered as drop-downs."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..choices import Category, Degree, Education, EmploymentType, Gender, StaffStatus, TitleLevel


@dataclass(frozen=True)
class Column:
    key: str  # the resource field / internal name
    header: str  # the template's header
    aliases: tuple[str, ...] = ()
    required: bool = False  # a header row without it is not a roster
    choices: tuple[str, ...] = ()  # closed list (Chinese labels) for the template's drop-down


def _labels(choices) -> tuple[str, ...]:
    return tuple(str(label) for label in choices.labels)


POST_GRADE_LABELS = tuple(f"专业技术{n}级" for n in range(1, 14))

COLUMNS: tuple[Column, ...] = (
    Column("employee_no", "工号", ("职工号", "人员编号", "员工号", "编号"), required=True),
    Column("name", "姓名", ("名字", "人员姓名", "职工姓名"), required=True),
    Column("id_number", "身份证号", ("身份证号码", "公民身份号码", "身份证", "证件号码", "身份号码"), required=True),
    Column("gender", "性别", (), choices=_labels(Gender)),
    Column("ethnicity", "民族", ()),
    Column("birth_date", "出生日期", ("出生年月", "出生年月日", "生日")),
    Column("phone", "手机号", ("手机号码", "联系电话", "手机", "电话")),
    Column("institution", "单位", ("单位名称", "机构", "所在单位", "工作单位", "单位编码", "机构名称"), required=True),
    Column("department", "科室", ("所在科室", "科室名称", "部门", "科室编码")),
    Column("category", "专业类别", ("专业技术类别", "类别"), required=True, choices=_labels(Category)),
    Column(
        "employment_type",
        "人员类型",
        ("用工类型", "人员性质", "编制类型"),
        required=True,
        choices=_labels(EmploymentType),
    ),
    Column("education", "学历", ("最高学历",), choices=_labels(Education)),
    Column("degree", "学位", ("最高学位",), choices=_labels(Degree)),
    Column("major", "所学专业", ("专业", "毕业专业")),
    Column("first_employment_date", "参加工作时间", ("参加工作日期", "工作时间")),
    Column("title_name", "职称", ("职称名称", "专业技术职务", "现职称")),
    Column("title_level", "职称级别", ("职称等级",), choices=_labels(TitleLevel)),
    Column("title_obtained_on", "职称取得时间", ("取得时间", "职称取得日期", "取得职称时间")),
    Column("post_grade", "聘任岗位等级", ("岗位等级", "聘任岗位", "聘任等级"), choices=POST_GRADE_LABELS),
    Column("appointment_start", "聘任开始", ("聘任开始时间", "聘任起始时间", "聘期开始")),
    Column("appointment_end", "聘任结束", ("聘任结束时间", "聘任终止时间", "聘期结束")),
    Column("status", "人员状态", ("状态", "在岗状态"), choices=_labels(StaffStatus)),
)

HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS)
COLUMN_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
REQUIRED_HEADERS: tuple[str, ...] = tuple(c.header for c in COLUMNS if c.required)


def normalize_header(value) -> str:
    """Full-width forms, spaces, line breaks and required-field stars do not matter in a header."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else ""))
    for ch in (" ", "\u3000", "\n", "\r", "\t", "*", "＊"):
        text = text.replace(ch, "")
    if text.endswith(")") and "(" in text:  # "出生日期(yyyy-mm-dd)" → "出生日期"
        text = text[: text.index("(")]
    return text


_ALIASES: dict[str, str] = {}
for _column in COLUMNS:
    _ALIASES[normalize_header(_column.header)] = _column.header
    for _alias in _column.aliases:
        _ALIASES.setdefault(normalize_header(_alias), _column.header)


def canonical_header(value) -> str | None:
    """The template header a file's header cell stands for, or None for an unknown column."""
    return _ALIASES.get(normalize_header(value))
