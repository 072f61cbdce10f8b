"""The roster as a django-import-export resource, on its bulk path.

What keeps 50,000 rows fast (the library's own tuning notes):
- `skip_diff` is on, so no per-row deepcopy or export; `skip_row` compares a snapshot of the
  stored values instead (the library ignores `skip_unchanged` when `skip_diff` is on);
- institutions, departments, post grades and policies are read once; existing staff, their
  titles and active appointments are read in chunks of `batch_size` before the rows are walked,
  so every foreign-key widget is a dictionary lookup and the query count follows the batches;
- `clean_model_instances` is off: field validators and `Staff.clean()` run per row, but the
  uniqueness checks that would query per row are done set-wise in `before_import`;
- writes go through `bulk_create_with_history` / `bulk_update_with_history`, so the audit trail
  is kept with the importing user, and an unchanged row issues no UPDATE at all.

Titles and the current appointment ride along on the staff row: the resource plans them per row
and writes them in the same batch, right after the staff rows they belong to.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..choices import Category, Degree, Education, EmploymentType, Gender, StaffStatus, TitleLevel
from ..models import Department, Institution, PolicyVersion, PostGrade, Staff, Title
from ..validators import normalize_id_number, normalize_phone, parse_id_number
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


# ---------------------------------------------------------------- row plans


@dataclass
class RowPlan:
    """What a row does besides the staff record: its title and its current appointment."""

    title_new: object | None = None
    title_changed: object | None = None
    appointment_new: object | None = None
    appointment_changed: object | None = None
    appointment_ended: object | None = None
    staff_changed: bool = False

    @property
    def dependents_changed(self) -> bool:
        return any(
            (self.title_new, self.title_changed, self.appointment_new, self.appointment_changed, self.appointment_ended)
        )


class PreloadedStaffLoader(BaseInstanceLoader):
    """Existing staff by 身份证号, read in chunks by `before_import`: no query per row."""

    def get_instance(self, row):
        try:
            number = normalize_id_number(clean_id_number(row.get("身份证号")))
        except ValueError:
            return None
        return self.resource.existing_staff.get(number)


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
        instance_loader_class = PreloadedStaffLoader
        use_bulk = True
        batch_size = CHUNK
        skip_unchanged = True
        skip_diff = True  # skip_row below compares a snapshot instead of the library's diff
        report_skipped = False
        clean_model_instances = False  # see validate_instance: no per-row uniqueness queries
        use_transactions = True

    def __init__(self, *, actor=None, progress: Callable[[int], None] | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.actor = actor
        self.allow_all_institutions = False  # a system import (the command without --user)
        self.progress = progress
        self.dry_run = False
        self.has_errors = False
        self.rows_seen = 0
        self.sheet_rows: list[int] = []
        self.present_columns: set[str] = set()
        for field in self.fields.values():
            if isinstance(field.widget, ResourceBoundWidget):
                field.widget.resource = self

    def get_import_fields(self):
        # Asked once per row by the library; the answer never changes within an import.
        if not hasattr(self, "_import_fields"):
            self._import_fields = super().get_import_fields()
        return self._import_fields

    # ------------------------------------------------------------ preloading

    def before_import(self, dataset, **kwargs):
        from ..scoping import can_change, visible_institutions

        self.dry_run = bool(kwargs.get("dry_run"))
        self.present_columns = set(dataset.headers)
        self.Appointment = apps.get_model("appointments", "Appointment")

        institutions = list(Institution.objects.all())
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
        self.departments_by_key: dict[tuple[int, str], Department] = {}
        for dept in Department.objects.all():
            self.departments_by_key[(dept.institution_id, clean_text(dept.name))] = dept
            self.departments_by_key.setdefault((dept.institution_id, dept.code.upper()), dept)
        self.post_grades = {g.grade: g for g in PostGrade.objects.all()}
        self.policies: dict[int, list[PolicyVersion]] = defaultdict(list)
        for policy in PolicyVersion.objects.order_by("region_id", "-effective_from", "-id"):
            self.policies[policy.region_id].append(policy)

        # Within-file duplicates: the report names every row that shares the value.
        id_column = _col("id_number")
        self.id_rows: dict[str, list[int]] = defaultdict(list)
        numbers: list[str] = []
        for sheet_row, value in zip(self.sheet_rows, dataset[id_column], strict=False):
            try:
                number = normalize_id_number(clean_id_number(value))
            except ValueError:
                continue
            if number:
                self.id_rows[number].append(sheet_row)
                numbers.append(number)

        self.existing_staff: dict[str, Staff] = {}
        self.existing_titles: dict[int, dict[str, Title]] = defaultdict(dict)
        self.active_appointments: dict[int, object] = {}
        unique_numbers = list(dict.fromkeys(numbers))
        for start in range(0, len(unique_numbers), CHUNK):
            chunk = unique_numbers[start : start + CHUNK]
            found = list(Staff.objects.filter(id_number__in=chunk).select_related("department"))
            self.existing_staff.update({s.id_number: s for s in found})
            pks = [s.pk for s in found]
            if not pks:
                continue
            for title in Title.objects.filter(staff_id__in=pks):
                self.existing_titles[title.staff_id][title.name] = title
            for appointment in self.Appointment.objects.filter(staff_id__in=pks, status="active"):
                self.active_appointments[appointment.staff_id] = appointment

        # 工号 is unique within an institution: who holds each one now, in the file and in the database.
        self.employee_no_rows: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.employee_no_owner: dict[tuple[int, str], str] = {}
        if _col("employee_no") in self.present_columns:
            inst_ids = set()
            for sheet_row, (inst_value, no_value) in zip(
                self.sheet_rows,
                zip(dataset[_col("institution")], dataset[_col("employee_no")], strict=True),
                strict=False,
            ):
                try:
                    inst = self.lookup_institution(clean_text(inst_value))
                except ValueError:
                    continue
                no = clean_code(no_value)
                if inst and no:
                    self.employee_no_rows[(inst.pk, no)].append(sheet_row)
                    inst_ids.add(inst.pk)
            for inst_id, no, number in Staff.objects.filter(institution_id__in=inst_ids).values_list(
                "institution_id", "employee_no", "id_number"
            ):
                self.employee_no_owner[(inst_id, no)] = number

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

    # ------------------------------------------------------------ per row

    def after_init_instance(self, instance, new, row, **kwargs):
        instance._roster_snapshot = (
            None if new else {f: getattr(instance, Staff._meta.get_field(f).attname) for f in STAFF_FIELDS}
        )
        instance._roster_original_institution_id = None if new else instance.institution_id

    def import_instance(self, instance, row, **kwargs):
        errors: dict[str, list[str]] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = {k: [m for e in v for m in e.messages] for k, v in error.error_dict.items()}

        sheet_row = self.sheet_rows[kwargs["row_number"] - 1]
        if not instance.institution_id and "institution" not in errors:
            errors["institution"] = ["单位不能为空。"]
        self._derive_from_id_number(instance, errors)
        self._check_scope(instance, errors)
        self._check_duplicates(instance, sheet_row, errors)
        plan = RowPlan()
        if not self._foreign(instance):  # nothing more is said about someone HR may not see
            self._plan_title(instance, row, plan, errors)
            self._plan_appointment(instance, row, plan, errors)
        instance._roster_plan = plan
        if errors:
            raise ValidationError(errors)

    def _derive_from_id_number(self, instance, errors) -> None:
        # Filled in before the unchanged-row comparison, so a blank 性别 cell is not a change.
        if "id_number" in errors or not instance.id_number or (instance.gender and instance.birth_date):
            return
        try:
            facts = parse_id_number(instance.id_number)
        except ValidationError:
            return
        if not instance.gender:
            instance.gender = Gender.MALE if facts.is_male else Gender.FEMALE
        if not instance.birth_date:
            instance.birth_date = facts.birth_date

    def _foreign(self, instance) -> bool:
        original = instance._roster_original_institution_id
        return original is not None and original not in self.allowed_institutions

    def _check_scope(self, instance, errors) -> None:
        if self._foreign(instance):
            errors.setdefault("id_number", []).append("该身份证号的人员属于您管理范围以外的单位，您无权修改。")
            return
        if (
            "institution" not in errors
            and instance.institution_id
            and instance.institution_id not in self.allowed_institutions
        ):
            errors.setdefault("institution", []).append(
                f"“{instance.institution.name}”不在您管理的机构范围内，不能导入或调入该单位的人员。"
            )

    def _check_duplicates(self, instance, sheet_row: int, errors) -> None:
        rows = self.id_rows.get(instance.id_number, [])
        if len(rows) > 1:
            errors.setdefault("id_number", []).append(
                f"身份证号在文件中重复（第{'、'.join(str(r) for r in rows)}行），同一人请只保留一行。"
            )
        key = (instance.institution_id, instance.employee_no)
        if instance.institution_id and instance.employee_no:
            rows = self.employee_no_rows.get(key, [])
            if len(rows) > 1:
                errors.setdefault("employee_no", []).append(
                    f"工号在本单位重复：第{'、'.join(str(r) for r in rows)}行使用了同一工号。"
                )
            owner = self.employee_no_owner.get(key)
            if owner and owner != instance.id_number and owner not in self.id_rows:
                errors.setdefault("employee_no", []).append("该工号在本单位已被其他人员使用，请核对。")

    def _plan_title(self, instance, row, plan: RowPlan, errors) -> None:
        if _col("title_name") not in row:
            return
        name = clean_text(row.get(_col("title_name"))).replace(" ", "")
        level_text = clean_text(row.get(_col("title_level"))).replace(" ", "")
        obtained_raw = row.get(_col("title_obtained_on"))
        if not name:
            if level_text or clean_text(obtained_raw):
                errors.setdefault("title_name", []).append("填写了职称级别或取得时间，但没有填写职称名称。")
            return
        level = None
        if level_text:
            try:
                level = TITLE_LEVEL_WIDGET.clean(level_text)
            except ValueError as error:
                errors.setdefault("title_level", []).append(str(error))
                return
        else:
            level = infer_title_level(name)
            if level is None:
                errors.setdefault("title_level", []).append(f"无法从职称“{name}”判断职称级别，请填写职称级别。")
                return
        try:
            obtained_on = parse_date(obtained_raw)
        except ValueError as error:
            errors.setdefault("title_obtained_on", []).append(str(error))
            return
        if obtained_on is None:
            errors.setdefault("title_obtained_on", []).append("填写了职称，须同时填写职称取得时间。")
            return
        if instance.birth_date and obtained_on <= instance.birth_date:
            errors.setdefault("title_obtained_on", []).append("职称取得时间不能早于出生日期。")
            return
        existing = self.existing_titles.get(instance.pk, {}).get(name) if instance.pk else None
        if existing is None:
            plan.title_new = Title(name=name, level=level, series=instance.category, obtained_on=obtained_on)
        elif (existing.level, existing.obtained_on) != (level, obtained_on):
            existing.level, existing.obtained_on = level, obtained_on
            plan.title_changed = existing

    def _plan_appointment(self, instance, row, plan: RowPlan, errors) -> None:
        if _col("post_grade") not in row:
            return
        grade_text = clean_text(row.get(_col("post_grade"))).replace(" ", "")
        start_raw, end_raw = row.get(_col("appointment_start")), row.get(_col("appointment_end"))
        if not grade_text:
            if clean_text(start_raw) or clean_text(end_raw):
                errors.setdefault("post_grade", []).append("填写了聘任时间，但没有填写聘任岗位等级。")
            return
        try:
            grade = self.post_grades[parse_post_grade(grade_text)]
        except ValueError as error:
            errors.setdefault("post_grade", []).append(str(error))
            return
        try:
            start = parse_date(start_raw)
        except ValueError as error:
            errors.setdefault("appointment_start", []).append(str(error))
            return
        try:
            end = parse_date(end_raw)
        except ValueError as error:
            errors.setdefault("appointment_end", []).append(str(error))
            return
        if start is None:
            errors.setdefault("appointment_start", []).append("填写了聘任岗位等级，须同时填写聘任开始时间。")
            return
        institution = instance.institution if instance.institution_id else None
        policy = self.policy_for(institution.region_id, start) if institution else None
        if end is None and institution is not None:
            if policy is None:
                errors.setdefault("appointment_end", []).append("未填写聘任结束时间，且没有可用的聘期政策，请填写。")
                return
            end = start + relativedelta(years=policy.appointment_term_years) - dt.timedelta(days=1)
        if end is not None and end <= start:
            errors.setdefault("appointment_end", []).append("聘任结束时间须晚于聘任开始时间。")
            return
        if institution is None:
            return
        current = self.active_appointments.get(instance.pk) if instance.pk else None
        if current is not None and current.post_grade_id == grade.pk and current.institution_id == institution.pk:
            if (current.start, current.end) != (start, end):
                current.start, current.end = start, end
                plan.appointment_changed = current
            return
        if instance.status != StaffStatus.ON_DUTY:
            errors.setdefault("post_grade", []).append(
                f"人员状态为“{instance.get_status_display()}”，不能登记新的聘任。"
            )
            return
        if current is not None:
            if start <= current.start:
                errors.setdefault("appointment_start", []).append(
                    f"原聘任{current.post_grade}自{current.start:%Y-%m-%d}起，新的聘任开始时间须晚于此日期。"
                )
                return
            current.end = start - dt.timedelta(days=1)
            current.status = "ended"
            plan.appointment_ended = current
        plan.appointment_new = self.Appointment(
            institution=institution, post_grade=grade, start=start, end=end, status="active", policy=policy
        )

    def skip_row(self, instance, original, row, import_validation_errors=None):
        plan = getattr(instance, "_roster_plan", None)
        if import_validation_errors:
            return False
        snapshot = instance._roster_snapshot
        if snapshot is None:
            return False
        changed = any(getattr(instance, Staff._meta.get_field(f).attname) != v for f, v in snapshot.items())
        if changed:
            # The id number and phone are compared as stored (canonical), not as typed.
            instance.id_number = normalize_id_number(instance.id_number)
            changed = any(getattr(instance, Staff._meta.get_field(f).attname) != v for f, v in snapshot.items())
        if plan is not None:
            plan.staff_changed = changed
        return not changed and not (plan and plan.dependents_changed)

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        # Foreign keys are resolved from the caches; Field.validate on them would query per row.
        exclude = set(errors) | {"institution", "department", "created_at", "updated_at"}
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if not errors:
            try:
                instance.clean()
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def after_import_row(self, row, row_result, **kwargs):
        self.rows_seen += 1
        if row_result.validation_error is not None or row_result.errors:
            self.has_errors = True
        if self.progress and self.rows_seen % 500 == 0:
            self.progress(self.rows_seen)

    # ------------------------------------------------------------ bulk writes

    def _writes_enabled(self) -> bool:
        # A dry run, or a file that already has an error, writes nothing: the whole import
        # is rolled back anyway, so the remaining rows are only validated.
        return not self.dry_run and not self.has_errors

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        instances, self.create_instances = self.create_instances, []
        if not instances or not self._writes_enabled():
            return
        bulk_create_with_history(
            self._stamp(instances), Staff, batch_size=batch_size or CHUNK, default_user=self._history_user()
        )
        self._write_dependents(instances)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        instances, self.update_instances = self.update_instances, []
        if not instances or not self._writes_enabled():
            return
        changed = [s for s in instances if getattr(s, "_roster_plan", None) is None or s._roster_plan.staff_changed]
        if changed:
            columns = [f for f in STAFF_FIELDS if self.fields[f].column_name in self.present_columns]
            for derived in ("gender", "birth_date"):  # filled from the 身份证号 when the column is absent
                if derived not in columns:
                    columns.append(derived)
            now = timezone.now()
            for person in changed:
                person.updated_at = now  # bulk_update does not run auto_now
            bulk_update_with_history(
                self._stamp(changed),
                Staff,
                columns + ["updated_at"],
                batch_size=batch_size or CHUNK,
                default_user=self._history_user(),
            )
        self._write_dependents(instances)

    def bulk_delete(self, using_transactions, dry_run, raise_errors, result=None):
        self.delete_instances.clear()  # a roster never deletes

    def _history_user(self):
        return self.actor if getattr(self.actor, "pk", None) else None

    def _stamp(self, objs: list) -> list:
        # Set on each object: otherwise simple-history falls back to the request's user, which
        # for an API key is not a database user.
        user = self._history_user()
        for obj in objs:
            obj._history_user = user
        return objs

    def _write_dependents(self, staff: list[Staff]) -> None:
        now_user = self._history_user()
        titles_new, titles_changed, appts_new, appts_changed = [], [], [], []
        for person in staff:
            plan = getattr(person, "_roster_plan", None)
            if plan is None:
                continue
            if plan.title_new is not None:
                plan.title_new.staff = person
                titles_new.append(plan.title_new)
            if plan.title_changed is not None:
                titles_changed.append(plan.title_changed)
            if plan.appointment_ended is not None:
                appts_changed.append(plan.appointment_ended)
            if plan.appointment_changed is not None:
                appts_changed.append(plan.appointment_changed)
            if plan.appointment_new is not None:
                plan.appointment_new.staff = person
                appts_new.append(plan.appointment_new)
        if titles_new:
            bulk_create_with_history(self._stamp(titles_new), Title, batch_size=CHUNK, default_user=now_user)
        if titles_changed:
            bulk_update_with_history(
                self._stamp(titles_changed), Title, ["level", "obtained_on"], batch_size=CHUNK, default_user=now_user
            )
        # Ended appointments first: the one-active-appointment constraint holds at every statement.
        if appts_changed:
            bulk_update_with_history(
                self._stamp(appts_changed),
                self.Appointment,
                ["start", "end", "status"],
                batch_size=CHUNK,
                default_user=now_user,
            )
        if appts_new:
            bulk_create_with_history(self._stamp(appts_new), self.Appointment, batch_size=CHUNK, default_user=now_user)


def error_column(key: str) -> str:
    """The sheet column an error key belongs to ('' for a row-wide error)."""
    if key == NON_FIELD_ERRORS:
        return ""
    column = COLUMN_BY_KEY.get(key)
    return column.header if column else ""


__all__ = ["COLUMNS", "StaffResource", "error_column", "parse_post_grade"]
