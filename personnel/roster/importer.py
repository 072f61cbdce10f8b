"""The set-based roster import: a whole file is parsed, checked and written in a few passes.

1. Each staff column is cleaned through its `StaffResource` field and widget, once per distinct
   cell value (institutions, departments, closed lists and dates repeat a great deal).
2. Reference data (institutions, departments, post grades, policies, the actor's scope) is read
   once; existing staff, their titles and active appointments are read by 身份证号 in chunks of
   `StaffResource._meta.batch_size`, so the number of queries follows the batches, never the rows.
3. Every row is turned into a `Staff` instance (new, or the stored one with the file's values
   set) and checked: field validators and `Staff.clean()` as `full_clean` would, scope,
   duplicates within the file, the title and the current appointment it implies.
4. The post quota (岗位结构比例) is checked for the whole file at once (`_check_quotas`).
5. Rows are classified new / updated / unchanged by comparing values with what is stored; only
   when the whole file is clean are they written with `bulk_create` / `bulk_update`, batch by
   batch, with their history rows (who: the importing user, when, what: every tracked field)
   inserted in bulk into the Historical* tables through simple-history.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter

from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import connection, transaction
from django.db.models import CharField, DateField, DateTimeField, signals
from django.db.models.base import ModelState
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from ..choices import Gender, StaffStatus
from ..models import PostQuota, Staff, Title
from ..validators import (
    IdentityFacts,
    id_check_digit,
    normalize_id_number,
    normalize_phone,
    parse_id_number,
    validate_id_number,
)
from .reader import RosterSheet, clean_text, parse_date
from .resources import (
    CHUNK,
    STAFF_FIELDS,
    TITLE_LEVEL_WIDGET,
    DepartmentWidget,
    StaffResource,
    _col,
    error_column,
    infer_title_level,
    parse_post_grade,
)

_BLANK_CODES = {"required", "blank", "null"}
_ERROR = object()  # a cell whose widget refused it: the attribute is left as it was
_MISSING = object()
# Fields full_clean would not check here: foreign keys come from the caches, timestamps are ours.
_UNCHECKED = {"id", "institution", "department", "created_at", "updated_at"}
_COMPARED = tuple(Staff._meta.get_field(f).attname for f in STAFF_FIELDS)
_ATTNAMES = tuple(f.attname for f in Staff._meta.concrete_fields)
# Stored rows are read without their timestamps: parsing 100,000 timestamptz values costs more
# than the rest of the re-import's reading.  They stay deferred (Django loads a deferred field on
# access); the writes below set `updated_at` and fetch an appointment's `created_at` per batch.
_TIMESTAMPS = ("created_at", "updated_at")
_STAFF_LOADED = tuple(a for a in _ATTNAMES if a not in _TIMESTAMPS)
_TITLE_ATTNAMES = tuple(f.attname for f in Title._meta.concrete_fields)
_TITLE_STAFF, _TITLE_NAME, _TITLE_LEVEL, _TITLE_OBTAINED = (
    _TITLE_ATTNAMES.index(a) for a in ("staff_id", "name", "level", "obtained_on")
)


@dataclass
class RowPlan:
    """What a row does besides the staff record: its title and its current appointment."""

    title_new: Title | None = None
    title_changed: Title | None = None
    appointment_new: object | None = None
    appointment_changed: object | None = None
    appointment_ended: object | None = None

    @property
    def dependents_changed(self) -> bool:
        return any(
            (self.title_new, self.title_changed, self.appointment_new, self.appointment_changed, self.appointment_ended)
        )


@dataclass
class ImportPlan:
    errors: list[dict] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    staff_new: list[Staff] = field(default_factory=list)
    staff_changed: list[Staff] = field(default_factory=list)
    staff_update_fields: list[str] = field(default_factory=list)
    titles_new: list[Title] = field(default_factory=list)
    titles_changed: list[Title] = field(default_factory=list)
    appointments_changed: list = field(default_factory=list)  # ended or re-dated: written first
    appointments_new: list = field(default_factory=list)


# Titles, grades and dates repeat down a sheet: each distinct cell is cleaned once per process
# (typed, so 1, 1.0 and True stay apart).
_text = lru_cache(maxsize=65536, typed=True)(clean_text)
_date = lru_cache(maxsize=65536, typed=True)(parse_date)

_SPECS: dict = {}


def _spec(model) -> tuple[dict, dict]:
    """(every concrete attname → its default, in field order; relation name → attname)."""
    spec = _SPECS.get(model)
    if spec is None:
        fields = model._meta.concrete_fields
        spec = _SPECS[model] = (
            {f.attname: None if f.primary_key else f.get_default() for f in fields},
            {f.name: f.attname for f in fields if f.is_relation},
        )
    return spec


def _check_init_signals(*models) -> None:
    """The instances below are built without `Model.__init__`: that is only equivalent while no
    pre_init/post_init receiver listens to the model (checked once per plan)."""
    for model in models:
        if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
            raise RuntimeError(f"{model.__name__} 有 pre_init/post_init 信号接收者，不能绕过 __init__ 构建实例。")


def _new(model, values: dict):
    """A new instance from field values (related objects by field name), with exactly the state
    `Model.__init__` leaves — a fresh `ModelState`, every concrete attname set — but without its
    per-field descriptor work, which dominates when 150,000 instances are built.  Related
    objects are kept in the instance's cache, so reading them back queries nothing."""
    defaults, relations = _spec(model)
    attrs = defaults.copy()
    attrs.update(values)
    cache = {}
    for name, attname in relations.items():  # a few relations, fewer than values
        if name in values:
            value = attrs.pop(name)
            if value is not None:
                cache[name] = value
                value = value.pk
            attrs[attname] = value
    obj = model.__new__(model)
    state = ModelState()
    state.fields_cache = cache
    obj._state = state
    obj.__dict__.update(attrs)
    return obj


def _from_db(model, attnames: tuple, values: tuple):
    """What `Model.from_db` returns for a full row (attnames = every concrete attname), built as
    `_new` builds one."""
    obj = model.__new__(model)
    state = ModelState()
    state.adding = False
    state.db = "default"
    obj._state = state
    obj.__dict__.update(zip(attnames, values, strict=True))
    return obj


_PLAIN_ID = re.compile(r"[0-9]{17}[0-9X]")


def _valid_id_facts(number: str, today: dt.date) -> IdentityFacts | None:
    """`parse_id_number(number)` for a 身份证号 already in canonical form (18 ASCII characters)
    that passes every one of its rules, without its per-call `timezone.localdate()`; None for
    anything else, which `parse_id_number` itself then judges (tests/roster checks both agree)."""
    if type(number) is not str or not _PLAIN_ID.fullmatch(number):
        return None
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    if birth.year < 1900 or birth > today or number[17] != id_check_digit(number[:17]):
        return None
    return IdentityFacts(number=number, birth_date=birth, is_male=int(number[16]) % 2 == 1)


def _array_literal(values) -> str:
    """A PostgreSQL array literal of the values, every element quoted."""
    return "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def _among(queryset, name: str, values: list):
    """`queryset.filter(<name>__in=values)`; on PostgreSQL as `= ANY(<one array>)`, so a chunk
    of 2,000 values is one parameter, not 2,000 placeholders for the driver to split and quote."""
    if connection.vendor != "postgresql":
        return queryset.filter(**{f"{name}__in": values})
    model_field = queryset.model._meta.get_field(name)
    column = (
        f"{connection.ops.quote_name(queryset.model._meta.db_table)}.{connection.ops.quote_name(model_field.column)}"
    )
    db_type = (
        model_field.target_field.rel_db_type(connection) if model_field.is_relation else model_field.db_type(connection)
    )
    return queryset.extra(where=[f"{column} = ANY(%s::{db_type}[])"], params=[_array_literal(values)])  # noqa: S610


class RosterImporter:
    def __init__(
        self,
        *,
        actor,
        allow_all_institutions: bool = False,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.resource = StaffResource(actor=actor)
        self.resource.allow_all_institutions = allow_all_institutions
        self.actor = actor
        self.progress = progress
        self.batch_size = StaffResource._meta.batch_size or CHUNK
        self.Appointment = apps.get_model("appointments", "Appointment")
        self.appointment_attnames = tuple(
            f.attname for f in self.Appointment._meta.concrete_fields if f.attname not in _TIMESTAMPS
        )
        self.appointment_staff = self.appointment_attnames.index("staff_id")
        self._id_facts: dict[str, IdentityFacts | ValidationError] = {}
        self._today = timezone.localdate()  # for 身份证号 birth dates; `plan` reads it again

    # ------------------------------------------------------------ errors

    def _error(self, i: int, key: str, message: str) -> None:
        self.row_errors.setdefault(i, {}).setdefault(key, []).append(message)

    def _validation_messages(self, key: str, error: ValidationError) -> list[str]:
        column = error_column(key)
        messages = []
        for item in error.error_list:
            if getattr(item, "code", None) in _BLANK_CODES and column:
                messages.append(f"{column}不能为空。")
            else:
                messages.append(" ".join(item.messages))
        return messages

    # ------------------------------------------------------------ the plan

    def plan(self, sheet: RosterSheet) -> ImportPlan:
        """Parse, check and classify every row; nothing is written."""
        resource = self.resource
        resource.load_references()
        self.present = set(sheet.headers)
        self.sheet_rows = [number for number, _ in sheet.rows]
        records = [record for _, record in sheet.rows]
        self.row_errors: dict[int, dict[str, list[str]]] = {}
        self._id_facts: dict[str, IdentityFacts | ValidationError] = {}
        self._today = timezone.localdate()
        self._grades: dict[str, object] = {}
        self._policies: dict[tuple, object] = {}
        self._term_ends: dict[tuple, dt.date] = {}
        self._title_levels: dict[str, object] = {}
        _check_init_signals(Staff, Title, self.Appointment)
        n = len(records)

        names = [name for name in STAFF_FIELDS if resource.fields[name].column_name in self.present]
        columns = {name: self._clean_column(name, records) for name in names}
        ids = columns["id_number"]

        self.id_rows: dict[str, list[int]] = defaultdict(list)
        for i, number in enumerate(ids):
            if number and number is not _ERROR:
                self.id_rows[number].append(self.sheet_rows[i])
        existing, titles, appointments = self._load_existing(list(self.id_rows))

        # 1. rows → instances
        people: list[Staff] = []
        snapshots: list[tuple | None] = []
        originals: list[int | None] = []
        for i, row_values in enumerate(zip(*(columns[name] for name in names), strict=True)):
            values = {name: value for name, value in zip(names, row_values, strict=True) if value is not _ERROR}
            number = ids[i]
            stored = existing.get(number) if number and number is not _ERROR else None
            if stored is None:
                person = _new(Staff, values)
                snapshots.append(None)
                originals.append(None)
            else:
                person = _from_db(Staff, _STAFF_LOADED, stored)
                if person.department_id:
                    person.department = self.resource.departments_by_pk[person.department_id]
                person.institution = self.resource.institutions_by_pk[person.institution_id]
                snapshots.append(tuple(getattr(person, a) for a in _COMPARED))
                originals.append(person.institution_id)
                for name, value in values.items():
                    setattr(person, name, value)
            people.append(person)

        # 2. row checks: required institution, derived facts, scope, duplicates, title, appointment
        self._employee_numbers(people)
        plans: list[RowPlan | None] = [None] * n
        foreign = [False] * n
        for i, person in enumerate(people):
            errors = self.row_errors.get(i, {})
            if not person.institution_id and "institution" not in errors:
                self._error(i, "institution", "单位不能为空。")
            self._derive_from_id_number(i, person)
            original = originals[i]
            if original is not None and original not in resource.allowed_institutions:
                # Nothing more is said about someone HR may not see.
                foreign[i] = True
                self.row_errors[i] = {"id_number": ["该身份证号的人员属于您管理范围以外的单位，您无权修改。"]}
                continue
            self._check_scope(i, person)
            self._check_duplicates(i, person)
            plan = RowPlan()
            self._plan_title(i, person, records[i], plan, titles)
            self._plan_appointment(i, person, records[i], plan, appointments)
            plans[i] = plan

        # 3. field validation (full_clean's clean_fields, one call per distinct value) and clean(),
        # for new and changed people: a stored person the file leaves as stored writes nothing.
        changed = [
            snapshots[i] is None or tuple(getattr(person, a) for a in _COMPARED) != snapshots[i]
            for i, person in enumerate(people)
        ]
        skip = [f or not c for f, c in zip(foreign, changed, strict=True)]
        self._clean_fields(people, skip, derived={"gender", "birth_date"} - set(names))
        for i, person in enumerate(people):
            if skip[i] or i in self.row_errors:
                continue
            for key, message in self.staff_clean(person).items():
                self._error(i, key, message)

        # 4. the post quota, for the whole file at once
        self._check_quotas(plans, people)

        # 5. classify
        result = ImportPlan()
        result.staff_update_fields = list(names)
        for derived in ("gender", "birth_date"):  # filled from the 身份证号 when the column is absent
            if derived not in result.staff_update_fields:
                result.staff_update_fields.append(derived)
        now = timezone.now()
        for i, person in enumerate(people):
            if i in self.row_errors:
                continue
            plan = plans[i]
            if snapshots[i] is None:
                result.new += 1
                result.staff_new.append(person)
            else:
                if changed[i]:
                    person.updated_at = now  # bulk_update does not run auto_now
                    result.staff_changed.append(person)
                if changed[i] or plan.dependents_changed:
                    result.updated += 1
                else:
                    result.unchanged += 1
            if plan.title_new is not None:
                plan.title_new._state.fields_cache["staff"] = person
                result.titles_new.append(plan.title_new)
            if plan.title_changed is not None:
                result.titles_changed.append(plan.title_changed)
            if plan.appointment_ended is not None:
                result.appointments_changed.append(plan.appointment_ended)
            if plan.appointment_changed is not None:
                result.appointments_changed.append(plan.appointment_changed)
            if plan.appointment_new is not None:
                plan.appointment_new._state.fields_cache["staff"] = person
                result.appointments_new.append(plan.appointment_new)
        result.errors = self._report_errors()
        return result

    def _clean_column(self, name: str, records: list[dict]) -> list:
        """The column's cleaned values, each distinct cell cleaned once by the resource's field."""
        resource_field = self.resource.fields[name]
        header = resource_field.column_name
        by_row = isinstance(
            resource_field.widget, DepartmentWidget
        )  # a department is looked up in its row's institution
        institution_header = _col("institution")
        if by_row:
            keys = [(record.get(institution_header), record.get(header)) for record in records]
        else:
            keys = [record.get(header) for record in records]
        cache: dict = {}
        refused: dict = {}
        for key in dict.fromkeys(keys):
            row = {header: key[1], institution_header: key[0]} if by_row else {header: key}
            try:
                cache[key] = resource_field.clean(row)
            except ValueError as error:
                cache[key] = _ERROR
                refused[key] = str(error)
        if refused:
            for i, key in enumerate(keys):
                if key in refused:
                    self._error(i, name, refused[key])
        return [cache[key] for key in keys]

    def _load_existing(self, numbers: list[str]):
        """Stored staff (as value tuples), their titles and active appointments, chunk by chunk."""
        existing: dict[str, tuple] = {}
        titles: dict[int, dict[str, tuple]] = defaultdict(dict)
        appointments: dict[int, tuple] = {}
        id_index = _STAFF_LOADED.index("id_number")
        for start in range(0, len(numbers), self.batch_size):
            chunk = numbers[start : start + self.batch_size]
            found = list(_among(Staff.objects, "id_number", chunk).order_by().values_list(*_STAFF_LOADED))
            if not found:
                continue
            existing.update({values[id_index]: values for values in found})
            pks = [values[0] for values in found]
            for values in _among(Title.objects, "staff", pks).order_by().values_list(*_TITLE_ATTNAMES):
                titles[values[_TITLE_STAFF]][values[_TITLE_NAME]] = values
            for values in (
                _among(self.Appointment.objects.filter(status="active"), "staff", pks)
                .order_by()
                .values_list(*self.appointment_attnames)
            ):
                appointments[values[self.appointment_staff]] = values
        return existing, titles, appointments

    def _employee_numbers(self, people: list[Staff]) -> None:
        """工号 is unique within an institution: who holds each one, in the file and stored."""
        self.employee_no_rows: dict[tuple[int, str], list[int]] = defaultdict(list)
        self.employee_no_owner: dict[tuple[int, str], str] = {}
        if _col("employee_no") not in self.present:
            return
        institutions = set()
        for i, person in enumerate(people):
            if person.institution_id and person.employee_no:
                self.employee_no_rows[(person.institution_id, person.employee_no)].append(self.sheet_rows[i])
                institutions.add(person.institution_id)
        if institutions:
            for inst_id, no, number in (
                Staff.objects.filter(institution_id__in=institutions)
                .order_by()
                .values_list("institution_id", "employee_no", "id_number")
            ):
                self.employee_no_owner[(inst_id, no)] = number

    # ------------------------------------------------------------ per-row rules

    def id_facts(self, number: str) -> IdentityFacts | ValidationError:
        """`parse_id_number`'s verdict on a 身份证号, computed once per number for the whole
        plan: the derived gender and birth date, the field validator and `staff_clean` share it."""
        hit = self._id_facts.get(number)
        if hit is None:
            hit = _valid_id_facts(number, self._today)
            if hit is None:  # not plainly valid: the validator's own verdict and message
                try:
                    hit = parse_id_number(number)
                except ValidationError as error:
                    hit = error
            self._id_facts[number] = hit
        return hit

    def _validate_id_number(self, value: str) -> None:
        """`validate_id_number`, through `id_facts`."""
        hit = self.id_facts(value)
        if isinstance(hit, ValidationError):
            raise ValidationError(hit.message, code=hit.code, params=hit.params)

    def staff_clean(self, person: Staff) -> dict[str, str]:
        """`Staff.clean()`, rule for rule and message for message, with the 身份证号 parsed once
        (`id_facts`) and the department's institution taken from the reference cache.  It returns
        the errors instead of raising them; tests/roster checks it against `Staff.clean()`."""
        errors: dict[str, str] = {}
        person.id_number = normalize_id_number(person.id_number)
        if person.phone:
            person.phone = normalize_phone(person.phone)
        facts = self.id_facts(person.id_number)
        if not isinstance(facts, ValidationError):  # otherwise the field validator reports it
            gender = Gender.MALE if facts.is_male else Gender.FEMALE
            if not person.gender:
                person.gender = gender
            elif person.gender != gender:
                errors["gender"] = f"性别与身份证号不符（身份证号显示为{gender.label}）。"
            if not person.birth_date:
                person.birth_date = facts.birth_date
            elif person.birth_date != facts.birth_date:
                errors["birth_date"] = f"出生日期与身份证号不符（身份证号显示为{facts.birth_date:%Y-%m-%d}）。"
        if person.department_id and person.institution_id:
            department = self.resource.departments_by_pk.get(person.department_id) or person.department
            if department.institution_id != person.institution_id:
                errors["department"] = "科室不属于所选单位。"
        if person.first_employment_date and person.birth_date and person.first_employment_date <= person.birth_date:
            errors["first_employment_date"] = "参加工作时间不能早于出生日期。"
        return errors

    def _derive_from_id_number(self, i: int, person: Staff) -> None:
        # Filled in before the unchanged-row comparison, so a blank 性别 cell is not a change.
        if person.gender and person.birth_date:
            return
        if "id_number" in self.row_errors.get(i, {}) or not person.id_number:
            return
        facts = self.id_facts(person.id_number)
        if isinstance(facts, ValidationError):
            return
        if not person.gender:
            person.gender = Gender.MALE if facts.is_male else Gender.FEMALE
        if not person.birth_date:
            person.birth_date = facts.birth_date

    def _check_scope(self, i: int, person: Staff) -> None:
        if (
            person.institution_id
            and person.institution_id not in self.resource.allowed_institutions
            and "institution" not in self.row_errors.get(i, {})
        ):
            self._error(
                i, "institution", f"“{person.institution.name}”不在您管理的机构范围内，不能导入或调入该单位的人员。"
            )

    def _check_duplicates(self, i: int, person: Staff) -> None:
        rows = self.id_rows.get(person.id_number, ())
        if len(rows) > 1:
            self._error(
                i, "id_number", f"身份证号在文件中重复（第{'、'.join(str(r) for r in rows)}行），同一人请只保留一行。"
            )
        if person.institution_id and person.employee_no:
            key = (person.institution_id, person.employee_no)
            rows = self.employee_no_rows.get(key, ())
            if len(rows) > 1:
                self._error(
                    i, "employee_no", f"工号在本单位重复：第{'、'.join(str(r) for r in rows)}行使用了同一工号。"
                )
            owner = self.employee_no_owner.get(key)
            if owner and owner != person.id_number and owner not in self.id_rows:
                self._error(i, "employee_no", "该工号在本单位已被其他人员使用，请核对。")

    def _plan_title(self, i: int, person: Staff, row: dict, plan: RowPlan, titles) -> None:
        if _col("title_name") not in row:
            return
        name = _text(row.get(_col("title_name"))).replace(" ", "")
        level_text = _text(row.get(_col("title_level"))).replace(" ", "")
        obtained_raw = row.get(_col("title_obtained_on"))
        if not name:
            if level_text or _text(obtained_raw):
                self._error(i, "title_name", "填写了职称级别或取得时间，但没有填写职称名称。")
            return
        if level_text:
            level = self._title_levels.get(level_text)
            if level is None:  # each distinct cell cleaned once per plan
                try:
                    level = TITLE_LEVEL_WIDGET.clean(level_text)
                except ValueError as error:
                    level = error
                self._title_levels[level_text] = level
            if isinstance(level, ValueError):
                self._error(i, "title_level", str(level))
                return
        else:
            level = infer_title_level(name)
            if level is None:
                self._error(i, "title_level", f"无法从职称“{name}”判断职称级别，请填写职称级别。")
                return
        try:
            obtained_on = _date(obtained_raw)
        except ValueError as error:
            self._error(i, "title_obtained_on", str(error))
            return
        if obtained_on is None:
            self._error(i, "title_obtained_on", "填写了职称，须同时填写职称取得时间。")
            return
        if person.birth_date and obtained_on <= person.birth_date:
            self._error(i, "title_obtained_on", "职称取得时间不能早于出生日期。")
            return
        stored = titles.get(person.pk, {}).get(name) if person.pk else None
        if stored is None:
            plan.title_new = _new(
                Title, {"name": name, "level": level, "series": person.category, "obtained_on": obtained_on}
            )
        elif (stored[_TITLE_LEVEL], stored[_TITLE_OBTAINED]) != (level, obtained_on):
            existing = _from_db(Title, _TITLE_ATTNAMES, stored)
            existing.level, existing.obtained_on = level, obtained_on
            plan.title_changed = existing

    def _plan_appointment(self, i: int, person: Staff, row: dict, plan: RowPlan, appointments) -> None:
        if _col("post_grade") not in row:
            return
        grade_text = _text(row.get(_col("post_grade"))).replace(" ", "")
        start_raw, end_raw = row.get(_col("appointment_start")), row.get(_col("appointment_end"))
        if not grade_text:
            if _text(start_raw) or _text(end_raw):
                self._error(i, "post_grade", "填写了聘任时间，但没有填写聘任岗位等级。")
            return
        grade = self._grades.get(grade_text)
        if grade is None:
            try:
                grade = self.resource.post_grades[parse_post_grade(grade_text)]
            except ValueError as error:
                grade = error
            self._grades[grade_text] = grade
        if isinstance(grade, ValueError):
            self._error(i, "post_grade", str(grade))
            return
        try:
            start = _date(start_raw)
        except ValueError as error:
            self._error(i, "appointment_start", str(error))
            return
        try:
            end = _date(end_raw)
        except ValueError as error:
            self._error(i, "appointment_end", str(error))
            return
        if start is None:
            self._error(i, "appointment_start", "填写了聘任岗位等级，须同时填写聘任开始时间。")
            return
        institution = person.institution if person.institution_id else None
        policy = None
        if institution is not None:
            key = (institution.region_id, start)
            policy = self._policies.get(key, _MISSING)
            if policy is _MISSING:
                policy = self._policies[key] = self.resource.policy_for(institution.region_id, start)
        if end is None and institution is not None:
            if policy is None:
                self._error(i, "appointment_end", "未填写聘任结束时间，且没有可用的聘期政策，请填写。")
                return
            key = (start, policy.appointment_term_years)
            end = self._term_ends.get(key)
            if end is None:
                end = self._term_ends[key] = (
                    start + relativedelta(years=policy.appointment_term_years) - dt.timedelta(days=1)
                )
        if end is not None and end <= start:
            self._error(i, "appointment_end", "聘任结束时间须晚于聘任开始时间。")
            return
        if institution is None:
            return
        stored = appointments.get(person.pk) if person.pk else None
        current = None
        if stored is not None:
            current = _from_db(self.Appointment, self.appointment_attnames, stored)
            current._roster_original = (current.start, current.end, current.status)
        if current is not None and current.post_grade_id == grade.pk and current.institution_id == institution.pk:
            if (current.start, current.end) != (start, end):
                current.start, current.end = start, end
                plan.appointment_changed = current
            return
        if person.status != StaffStatus.ON_DUTY:
            self._error(i, "post_grade", f"人员状态为“{person.get_status_display()}”，不能登记新的聘任。")
            return
        if current is not None:
            if start <= current.start:
                self._error(
                    i,
                    "appointment_start",
                    f"原聘任{self.resource.post_grades[current.post_grade_id]}自{current.start:%Y-%m-%d}起，新的聘任开始时间须晚于此日期。",
                )
                return
            current.end = start - dt.timedelta(days=1)
            current.status = "ended"
            plan.appointment_ended = current
        plan.appointment_new = _new(
            self.Appointment,
            {
                "institution": institution,
                "post_grade": grade,
                "start": start,
                "end": end,
                "status": "active",
                "policy": policy,
            },
        )

    def _clean_fields(self, people: list[Staff], skip: list[bool], derived: set[str]) -> None:
        """What `Model.clean_fields` does, for the columns in the file (and the facts derived
        from the 身份证号), with each field's verdict on a value computed once."""
        names = [name for name in STAFF_FIELDS if name in self._file_names() or name in derived]
        for name in names:
            model_field = Staff._meta.get_field(name)
            if model_field.name in _UNCHECKED:
                continue
            attname = model_field.attname
            if any(v is validate_id_number for v in model_field.validators):
                # The same field, its 身份证号 validator answered from `id_facts`.
                model_field = copy.copy(model_field)
                model_field.__dict__["validators"] = [
                    self._validate_id_number if v is validate_id_number else v for v in model_field.validators
                ]
            # A text field without choices: a non-empty string within max_length passes
            # to_python and validate() as it is, and so does a date for a date field without
            # choices; only the field's other validators need to run.  Anything else (or any
            # validator's refusal) goes through `clean` for its message.
            plain = None
            if model_field.editable and not model_field.choices:
                if isinstance(model_field, CharField):
                    plain = str
                elif isinstance(model_field, DateField) and not isinstance(model_field, DateTimeField):
                    plain = dt.date
            others = [v for v in model_field.validators if not isinstance(v, MaxLengthValidator)]
            max_length = model_field.max_length
            cache: dict = {}
            for i, person in enumerate(people):
                if skip[i] or name in self.row_errors.get(i, ()):
                    continue
                raw = getattr(person, attname)
                if model_field.blank and raw in model_field.empty_values:
                    continue
                hit = cache.get(raw, _MISSING) if raw.__hash__ is not None else _MISSING
                if (
                    hit is _MISSING
                    and plain is not None
                    and type(raw) is plain
                    and (plain is not str or (raw and (max_length is None or len(raw) <= max_length)))
                ):
                    try:
                        for validator in others:
                            validator(raw)
                        hit = (raw, None)
                    except ValidationError:
                        pass
                if hit is _MISSING:
                    try:
                        hit = (model_field.clean(raw, None), None)
                    except ValidationError as error:
                        hit = (raw, self._validation_messages(name, error))
                    if raw.__hash__ is not None:
                        cache[raw] = hit
                value, messages = hit
                if messages:
                    for message in messages:
                        self._error(i, name, message)
                elif value is not raw:
                    setattr(person, attname, value)

    def _file_names(self) -> set[str]:
        return {name for name in STAFF_FIELDS if self.resource.fields[name].column_name in self.present}

    # ------------------------------------------------------------ the post quota

    def _check_quotas(self, plans: list[RowPlan | None], people: list[Staff]) -> None:
        """岗位结构比例, as `appointments.services.create_appointment` applies it, for the whole file:
        the posts filled per (institution, year, grade) are counted in one aggregated query, the
        appointments the file ends or re-dates are taken out, and the file's appointments are
        added in sheet order; a row whose appointment would go beyond the quota — or that has no
        quota at all — is refused (特设岗位 excepted)."""
        special = "special"
        added: list[tuple[int, object]] = []  # (row, appointment) that take a post
        removed: list[object] = []  # stored appointments whose post the file frees or moves
        for i, plan in enumerate(plans):
            if plan is None or i in self.row_errors:
                continue  # a row refused already takes no post
            removed.extend(
                a for a in (plan.appointment_ended, plan.appointment_changed) if a is not None and a.kind != special
            )
            added.extend(
                (i, a) for a in (plan.appointment_changed, plan.appointment_new) if a is not None and a.kind != special
            )
        if not added:
            return
        keys = {(a.institution_id, a.start.year, a.post_grade_id) for _, a in added}
        counter = getattr(apps.get_app_config("personnel"), "filled_posts_by_key", None)
        if counter is None:
            raise RuntimeError("appointments 应用未注册 filled_posts_by_key，无法校验岗位结构比例。")
        filled = counter(keys=keys)
        quotas = {
            (q.institution_id, q.year, q.post_grade_id): q.count
            for q in PostQuota.objects.filter(
                institution_id__in={k[0] for k in keys},
                year__in={k[1] for k in keys},
                post_grade_id__in={k[2] for k in keys},
            ).order_by()
        }

        # Terms (first year, last year) per (institution, grade): what the file frees and adds.
        freed: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        for stored in removed:
            start, end, status = stored._roster_original
            if status == "active":
                freed[(stored.institution_id, stored.post_grade_id)].append((start.year, end.year))
        carried: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        for _, appointment in added:
            carried[(appointment.institution_id, appointment.post_grade_id)].append(
                (appointment.start.year, appointment.end.year)
            )
        used = {}
        for key in keys:
            inst_id, year, grade_id = key
            pair = (inst_id, grade_id)
            count = filled.get(key, 0)
            count -= sum(1 for first, last in freed.get(pair, ()) if first <= year <= last)
            # The file's appointments that began in an earlier year hold a post in this one too.
            count += sum(1 for first, last in carried.get(pair, ()) if first < year <= last)
            used[key] = count
        for i, appointment in added:
            key = (appointment.institution_id, appointment.start.year, appointment.post_grade_id)
            institution, grade, year = appointment.institution, appointment.post_grade, appointment.start.year
            quota = quotas.get(key)
            if quota is None:
                self._error(
                    i, "post_grade", f"{institution.name}{year}年未核定{grade.name}岗位数，不能聘任（特设岗位除外）。"
                )
            elif used[key] >= quota:
                self._error(
                    i,
                    "post_grade",
                    f"{institution.name}{year}年{grade.name}核定{quota}个岗位，已聘{used[key]}人，"
                    "超出岗位结构比例，不能聘任（特设岗位除外）。",
                )
            else:
                used[key] += 1

    # ------------------------------------------------------------ the report

    def _report_errors(self) -> list[dict]:
        from .columns import HEADERS

        order = {h: i for i, h in enumerate(HEADERS)}
        errors = []
        for i, by_key in self.row_errors.items():
            row = self.sheet_rows[i]
            for key, messages in by_key.items():
                column = error_column(key)
                errors.extend({"row": row, "column": column, "message": message} for message in messages)
        unique = {(e["row"], e["column"], e["message"]): e for e in errors}
        return sorted(unique.values(), key=lambda e: (e["row"] or 0, order.get(e["column"], 99)))

    # ------------------------------------------------------------ the writes

    def write(self, plan: ImportPlan) -> None:
        """Write a clean plan in batches; each batch's history rows carry the importing user."""
        user = self.actor if getattr(self.actor, "pk", None) else None
        size = self.batch_size
        done = 0
        total = max(len(plan.staff_new) + len(plan.staff_changed), 1)

        def stamp(objs: list) -> list:
            # Set on each object: otherwise simple-history falls back to the request's user,
            # which for an API key is not a database user.
            for obj in objs:
                obj._history_user = user
            return objs

        def create(model, batch: list) -> None:
            if connection.vendor == "postgresql":
                copy_create_with_history(batch, model, user=user)
            else:
                bulk_create_with_history(stamp(batch), model, batch_size=size, default_user=user)

        with transaction.atomic():
            for start in range(0, len(plan.staff_new), size):
                batch = plan.staff_new[start : start + size]
                create(Staff, batch)
                done += len(batch)
                self._progress(done, total)
            for start in range(0, len(plan.staff_changed), size):
                batch = plan.staff_changed[start : start + size]
                bulk_update_with_history(
                    stamp(batch), Staff, [*plan.staff_update_fields, "updated_at"], batch_size=size, default_user=user
                )
                done += len(batch)
                self._progress(done, total)
            for title in plan.titles_new:
                title.staff_id = title.staff.pk  # the person was created above
            for start in range(0, len(plan.titles_new), size):
                create(Title, plan.titles_new[start : start + size])
            for start in range(0, len(plan.titles_changed), size):
                bulk_update_with_history(
                    stamp(plan.titles_changed[start : start + size]),
                    Title,
                    ["level", "obtained_on"],
                    batch_size=size,
                    default_user=user,
                )
            # Ended appointments first: the one-active-appointment constraint holds at every statement.
            self._load_deferred(self.Appointment, plan.appointments_changed)
            for start in range(0, len(plan.appointments_changed), size):
                bulk_update_with_history(
                    stamp(plan.appointments_changed[start : start + size]),
                    self.Appointment,
                    ["start", "end", "status"],
                    batch_size=size,
                    default_user=user,
                )
            for appointment in plan.appointments_new:
                appointment.staff_id = appointment.staff.pk
            for start in range(0, len(plan.appointments_new), size):
                create(self.Appointment, plan.appointments_new[start : start + size])

    def _load_deferred(self, model, objs: list) -> None:
        """The deferred timestamps of stored rows about to be written with their history, one
        query per batch (not one per object, as a deferred attribute would)."""
        names = [f.attname for f in model._meta.concrete_fields if f.attname in _TIMESTAMPS]
        missing = [obj for obj in objs if any(name not in obj.__dict__ for name in names)]
        for start in range(0, len(missing), self.batch_size):
            batch = {obj.pk: obj for obj in missing[start : start + self.batch_size]}
            for pk, *values in model.objects.filter(pk__in=batch).order_by().values_list("pk", *names):
                for name, value in zip(names, values, strict=True):
                    batch[pk].__dict__.setdefault(name, value)

    def _progress(self, done: int, total: int) -> None:
        if self.progress:
            self.progress(done)


def copy_create_with_history(objs: list, model, *, user=None) -> None:
    """PostgreSQL: what `bulk_create_with_history` writes, in three statements per batch.  The
    primary keys are drawn from the table's sequence first (one query), the rows go in one COPY,
    and their history rows — every tracked field, `history_type` "+", the importing user, one
    timestamp — in one INSERT … SELECT of those rows.  All pass through the connection's execute
    wrappers, so they are counted like any other query."""
    if not objs:
        return
    opts = model._meta
    history = model.history.model
    now = timezone.now()
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        # One array value, not a row per id (the fetch costs nothing in Python); the sequence is
        # looked up once (OFFSET 0 keeps the lookup from being repeated for every id: 7× faster).
        # The same query names the columns' types, for a binary COPY.
        fields = opts.concrete_fields
        cursor.execute(
            "SELECT (SELECT array_agg(nextval(s.seq)) "
            "FROM (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq OFFSET 0) s "
            "CROSS JOIN generate_series(1, %s)), "
            "(SELECT array_agg(format_type(a.atttypid, NULL) ORDER BY c.ord) "
            "FROM unnest(%s::text[]) WITH ORDINALITY c(name, ord) "
            "JOIN pg_attribute a ON a.attrelid = %s::regclass AND a.attname = c.name)",
            [opts.db_table, opts.pk.column, len(objs), [f.column for f in fields], qn(opts.db_table)],
        )
        ids, types = cursor.fetchone()
        auto = [
            f.attname
            for f in opts.concrete_fields
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ]
        alias = connection.alias  # a proxy attribute: read once, not per object
        for obj, pk in zip(objs, ids, strict=True):
            obj.pk = pk
            for attname in auto:
                setattr(obj, attname, now)
            obj._state.adding = False
            obj._state.db = alias
        values = itemgetter(*(f.attname for f in fields))  # a row's values as one tuple, in C
        # Binary when every column is of a type dumped as such (less parsing on the server).
        binary = types is not None and len(types) == len(fields) and set(types) <= _BINARY_TYPES
        _copy(
            cursor,
            f"COPY {qn(opts.db_table)} ({', '.join(qn(f.column) for f in fields)}) FROM STDIN"
            + (" (FORMAT BINARY)" if binary else ""),
            (values(obj.__dict__) for obj in objs),
            types if binary else None,
        )
        # The history rows are the rows just written, read back by the server (one statement):
        # nothing is formatted in Python or sent twice.  Every tracked field, "+", the
        # importing user, the same timestamp as the rows' own.
        tracked = history.tracked_fields
        targets = [qn(history._meta.get_field(f.attname).column) for f in tracked]
        targets += ["history_date", "history_change_reason", "history_type", "history_user_id"]
        sources = [qn(f.column) for f in tracked]
        cursor.execute(
            # Identifiers from the models' metadata, quoted; the values are parameters.
            f"INSERT INTO {qn(history._meta.db_table)} ({', '.join(targets)}) "  # noqa: S608
            f"SELECT {', '.join(sources)}, %s, NULL, '+', %s "
            f"FROM {qn(opts.db_table)} WHERE {qn(opts.pk.column)} = ANY(%s::{opts.pk.rel_db_type(connection)}[])",
            [now, getattr(user, "pk", None), _array_literal(ids)],
        )


_BINARY_TYPES = {
    "bigint",
    "integer",
    "smallint",
    "boolean",
    "text",
    "character varying",
    "date",
    "timestamp with time zone",
}


def _copy(cursor, sql: str, rows, types: list[str] | None = None) -> None:
    def copy(sql, params, many, context):
        with cursor.cursor.copy(sql) as stream:
            if types:
                stream.set_types(types)
            for row in rows:
                stream.write_row(row)

    cursor._execute_with_wrappers(sql, None, False, copy)


__all__ = ["ImportPlan", "RosterImporter", "copy_create_with_history"]
