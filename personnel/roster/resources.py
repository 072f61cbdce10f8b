"""The roster's columns as a django-import-export resource: the single definition of which
cell becomes which staff attribute and how it is parsed (the widgets).

The import itself does not walk the library's per-row `import_row`: the set-based importer in
`personnel.roster.importer` cleans each column once per distinct value through these fields and
widgets, then compares, validates and writes in bulk (see that module).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from django.core.exceptions import NON_FIELD_ERRORS
from import_export import fields, resources, widgets

from ..choices import Category, Degree, Education, EmploymentType, Gender, StaffStatus, TitleLevel
from ..models import Department, Institution, PolicyVersion, PostGrade, Staff
from ..validators import normalize_id_number, normalize_phone
from .columns import COLUMN_BY_KEY, COLUMNS
from .reader import clean_code, clean_id_number, clean_text, parse_date

CHUNK = 2000

# Words HR write for the closed lists, beyond the labels themselves.
CHOICE_ALIASES: dict[str, dict[str, str]] = {
    "gender": {"男性": Gender.MALE, "女性": Gender.FEMALE},
    "category": {
        "中医(蒙医)": Category.TCM,
        "蒙医": Category.TCM,
        "中西医结合": Category.TCM,
        "公卫": Category.PUBLIC_HEALTH,
    },
    "employment_type": {
        "编制": EmploymentType.ESTABLISHED,
        "编制内": EmploymentType.ESTABLISHED,
        "合同制": EmploymentType.CONTRACT,
        "聘用": EmploymentType.CONTRACT,
        "退休返聘": EmploymentType.REHIRED,
        "备案": EmploymentType.FILED,
    },
    "education": {
        "博士": Education.DOCTORATE,
        "硕士": Education.MASTER,
        "研究生": Education.MASTER,
        "本科": Education.BACHELOR,
        "专科": Education.COLLEGE,
        "大专": Education.COLLEGE,
        "中专及以下": Education.SECONDARY,
    },
    "degree": {
        "博士学位": Degree.DOCTOR,
        "硕士学位": Degree.MASTER,
        "学士学位": Degree.BACHELOR,
        "无学位": Degree.NONE,
    },
    "title_level": {
        "初级(师)": TitleLevel.JUNIOR,
        "初级(士)": TitleLevel.JUNIOR,
        "师级": TitleLevel.JUNIOR,
        "士级": TitleLevel.JUNIOR,
    },
    "status": {"在职": StaffStatus.ON_DUTY, "离职": StaffStatus.OFF_DUTY, "已退休": StaffStatus.RETIRED},
}

# A title's level when the file names the title but not its level (domain glossary).
TITLE_LEVEL_BY_PREFIX = (
    ("副主任", TitleLevel.ASSOCIATE_SENIOR),
    ("主任", TitleLevel.SENIOR),
    ("主治", TitleLevel.INTERMEDIATE),
    ("主管", TitleLevel.INTERMEDIATE),
)
TITLE_LEVEL_BY_SUFFIX = (("师", TitleLevel.JUNIOR), ("士", TitleLevel.JUNIOR))

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}


def parse_post_grade(text: str) -> int:
    """专业技术8级, 专技八级, 8级, 8, 十二级 → the grade number."""
    match = re.search(r"(\d{1,2})", text)
    if match:
        number = int(match.group(1))
    else:
        cn = re.search(r"([一二三四五六七八九十]{1,3})级", text)
        if not cn:
            raise ValueError(f"聘任岗位等级“{text}”无法识别，请写成“专业技术8级”。")
        digits = cn.group(1)
        number = (
            10 + _CN_DIGITS.get(digits[1:], 0)
            if digits.startswith("十")
            else sum(_CN_DIGITS[d] for d in digits if d != "十") * (10 if "十" in digits else 1)
        )
    if not 1 <= number <= 13:
        raise ValueError(f"聘任岗位等级“{text}”不存在，专业技术岗位为1至13级。")
    return number


def infer_title_level(name: str) -> str | None:
    for prefix, level in TITLE_LEVEL_BY_PREFIX:
        if name.startswith(prefix):
            return level
    for suffix, level in TITLE_LEVEL_BY_SUFFIX:
        if name.endswith(suffix):
            return level
    return None


# ---------------------------------------------------------------- widgets


class TextWidget(widgets.Widget):
    def __init__(self, *, code: bool = False, default: str = "") -> None:
        super().__init__(coerce_to_string=True)
        self.code = code
        self.default = default

    def clean(self, value, row=None, **kwargs):
        text = clean_code(value) if self.code else clean_text(value)
        return text or self.default


class PhoneWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return normalize_phone(clean_code(value))


class IdNumberWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return normalize_id_number(clean_id_number(value))


class DateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        return parse_date(value)

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class ChoiceLabelWidget(widgets.Widget):
    """Chinese label (or the stored value, or a common alias) → the stored value."""

    def __init__(self, key: str, choices, default: str = "") -> None:
        super().__init__(coerce_to_string=True)
        self.key = key
        self.default = default
        self.labels = [str(label) for label in choices.labels]
        self.lookup: dict[str, str] = {}
        for value, label in choices.choices:
            self.lookup[clean_text(label)] = value
            self.lookup[value] = value
        for alias, value in CHOICE_ALIASES.get(key, {}).items():
            self.lookup[clean_text(alias)] = value

    def clean(self, value, row=None, **kwargs):
        text = clean_text(value).replace(" ", "")
        if not text:
            return self.default
        found = self.lookup.get(text)
        if found is None:
            raise ValueError(
                f"“{text}”不是可选的{COLUMN_BY_KEY[self.key].header}，请从下拉列表中选择（{'、'.join(self.labels)}）。"
            )
        return found


TITLE_LEVEL_WIDGET = ChoiceLabelWidget("title_level", TitleLevel)


class ResourceBoundWidget(widgets.Widget):
    """A widget that looks values up in the caches the resource fills in `before_import`."""

    resource: StaffResource | None = None


class InstitutionWidget(ResourceBoundWidget):
    def clean(self, value, row=None, **kwargs):
        return self.resource.lookup_institution(clean_text(value))

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class DepartmentWidget(ResourceBoundWidget):
    def clean(self, value, row=None, **kwargs):
        return self.resource.lookup_department(clean_text(value), row)

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


STAFF_FIELDS = (
    "employee_no",
    "name",
    "id_number",
    "gender",
    "ethnicity",
    "birth_date",
    "phone",
    "institution",
    "department",
    "category",
    "employment_type",
    "education",
    "degree",
    "major",
    "first_employment_date",
    "status",
)


def _col(key: str) -> str:
    return COLUMN_BY_KEY[key].header


class StaffResource(resources.ModelResource):
    """The one definition of the roster's staff columns and how each cell is parsed.

    `personnel.roster.importer.RosterImporter` drives it column by column (each distinct cell
    value is cleaned once by the field's widget); the library's per-row `import_row` is not used.
    """

    employee_no = fields.Field(attribute="employee_no", column_name=_col("employee_no"), widget=TextWidget(code=True))
    name = fields.Field(attribute="name", column_name=_col("name"), widget=TextWidget())
    id_number = fields.Field(attribute="id_number", column_name=_col("id_number"), widget=IdNumberWidget())
    gender = fields.Field(attribute="gender", column_name=_col("gender"), widget=ChoiceLabelWidget("gender", Gender))
    ethnicity = fields.Field(attribute="ethnicity", column_name=_col("ethnicity"), widget=TextWidget(default="汉族"))
    birth_date = fields.Field(attribute="birth_date", column_name=_col("birth_date"), widget=DateWidget())
    phone = fields.Field(attribute="phone", column_name=_col("phone"), widget=PhoneWidget())
    institution = fields.Field(attribute="institution", column_name=_col("institution"), widget=InstitutionWidget())
    department = fields.Field(attribute="department", column_name=_col("department"), widget=DepartmentWidget())
    category = fields.Field(
        attribute="category", column_name=_col("category"), widget=ChoiceLabelWidget("category", Category)
    )
    employment_type = fields.Field(
        attribute="employment_type",
        column_name=_col("employment_type"),
        widget=ChoiceLabelWidget("employment_type", EmploymentType),
    )
    education = fields.Field(
        attribute="education", column_name=_col("education"), widget=ChoiceLabelWidget("education", Education)
    )
    degree = fields.Field(attribute="degree", column_name=_col("degree"), widget=ChoiceLabelWidget("degree", Degree))
    major = fields.Field(attribute="major", column_name=_col("major"), widget=TextWidget())
    first_employment_date = fields.Field(
        attribute="first_employment_date", column_name=_col("first_employment_date"), widget=DateWidget()
    )
    status = fields.Field(
        attribute="status",
        column_name=_col("status"),
        widget=ChoiceLabelWidget("status", StaffStatus, default=StaffStatus.ON_DUTY),
    )

    class Meta:
        model = Staff
        fields = STAFF_FIELDS
        import_id_fields = ("id_number",)
        batch_size = CHUNK  # rows per INSERT/UPDATE statement, and per existing-staff lookup

    def __init__(self, *, actor=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.actor = actor
        self.allow_all_institutions = False  # a system import (the command without --user)
        for field in self.fields.values():
            if isinstance(field.widget, ResourceBoundWidget):
                field.widget.resource = self

    def import_data(self, *args, **kwargs):
        # The library's per-row path is replaced by the set-based RosterImporter; refuse a caller
        # that would bypass its checks (scope, quota, duplicates, atomicity).
        raise RuntimeError("花名册导入请调用 personnel.roster.services.import_roster。")

    # ------------------------------------------------------------ reference data, read once

    def load_references(self) -> None:
        """Institutions, departments, post grades, policies and the actor's scope: five queries."""
        from ..scoping import can_change, visible_institutions

        institutions = list(Institution.objects.all())
        self.institutions_by_pk = {i.pk: i for i in institutions}
        self.institutions_by_code = {i.code.upper(): i for i in institutions}
        self.institutions_by_name: dict[str, list[Institution]] = defaultdict(list)
        for inst in institutions:
            self.institutions_by_name[clean_text(inst.name)].append(inst)
        if self.allow_all_institutions:
            self.allowed_institutions: set[int] = {i.pk for i in institutions}
        elif self.actor is not None and can_change(self.actor, "staff"):
            self.allowed_institutions = set(visible_institutions(self.actor).values_list("pk", flat=True))
        else:
            self.allowed_institutions = set()
        self.departments_by_pk: dict[int, Department] = {}
        self.departments_by_key: dict[tuple[int, str], Department] = {}
        for dept in Department.objects.all():
            dept.institution = self.institutions_by_pk[dept.institution_id]
            self.departments_by_pk[dept.pk] = dept
            self.departments_by_key[(dept.institution_id, clean_text(dept.name))] = dept
            self.departments_by_key.setdefault((dept.institution_id, dept.code.upper()), dept)
        self.post_grades = {g.grade: g for g in PostGrade.objects.all()}
        self.policies: dict[int, list[PolicyVersion]] = defaultdict(list)
        for policy in PolicyVersion.objects.order_by("region_id", "-effective_from", "-id"):
            self.policies[policy.region_id].append(policy)

    # ------------------------------------------------------------ lookups used by the widgets

    def lookup_institution(self, text: str) -> Institution | None:
        if not text:
            return None
        inst = self.institutions_by_code.get(text.upper().replace(" ", ""))
        if inst is not None:
            return inst
        candidates = self.institutions_by_name.get(text, [])
        if len(candidates) > 1:
            candidates = [c for c in candidates if c.pk in self.allowed_institutions] or candidates
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise ValueError(f"单位“{text}”有重名的机构，请改填机构代码。")
        raise ValueError(f"没有名称或代码为“{text}”的单位，请核对单位名称（可填写机构代码）。")

    def lookup_department(self, text: str, row) -> Department | None:
        if not text:
            return None
        try:
            inst = self.lookup_institution(clean_text(row.get(_col("institution"))))
        except ValueError:
            return None  # the institution column reports its own error
        if inst is None:
            return None
        dept = self.departments_by_key.get((inst.pk, text)) or self.departments_by_key.get((inst.pk, text.upper()))
        if dept is None:
            raise ValueError(f"{inst.name}没有名称或代码为“{text}”的科室，请核对或先在系统中建立该科室。")
        return dept

    def policy_for(self, region_id: int, on: dt.date) -> PolicyVersion | None:
        return next((p for p in self.policies.get(region_id, []) if p.effective_from <= on), None)


def error_column(key: str) -> str:
    """The sheet column an error key belongs to ('' for a row-wide error)."""
    if key == NON_FIELD_ERRORS:
        return ""
    column = COLUMN_BY_KEY.get(key)
    return column.header if column else ""


__all__ = ["COLUMNS", "StaffResource", "error_column", "parse_post_grade"]
