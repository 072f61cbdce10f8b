"""Writes of the assessments app.  The pages, the API, the admin and the import command all call
these; none re-implements a rule.

Seed 000 §五 (考核): monthly by the department (科室月度), quarterly by the institution (单位季度),
annual by the health commission (卫健委年度).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from appointments.models import DutyTarget
from personnel.choices import Role
from personnel.errors import ApplicationError
from personnel.models import Institution, Region
from personnel.scoping import can_change, role_of, visible_staff
from personnel.services import policy_for

from . import rules
from .choices import AssessmentStatus, Grade, PeriodKind, PeriodStatus, SchemeKind
from .models import (
    Assessment,
    AssessmentPeriod,
    GradeBand,
    Scheme,
    SchemeItem,
    TargetProgressEntry,
    WorkloadMetric,
    WorkloadRecord,
)
from .selectors import SCHEME_KIND_FOR_PERIOD, scheme_in_force, scheme_rules, visible_duty_targets

# Who enters each level's results (seed 000 §五).
SCORER_ROLE = {
    PeriodKind.MONTHLY: Role.DEPARTMENT_HEAD,
    PeriodKind.QUARTERLY: Role.HOSPITAL_HR,
    PeriodKind.ANNUAL: Role.COMMISSION_ADMIN,
}
ROLE_LEVEL = {Role.DEPARTMENT_HEAD: 1, Role.HOSPITAL_HR: 2, Role.COMMISSION_ADMIN: 3}

WORKLOAD_BATCH_LIMIT = 10_000


def _who(actor):
    return actor if getattr(actor, "pk", None) else None


# --- Periods ------------------------------------------------------------------------------------


@transaction.atomic
def open_period(*, region: Region, kind: str, year: int, number: int = 0, actor=None) -> AssessmentPeriod:
    """Open a month (1–12), quarter (1–4) or year (0) for a region; opening it again is refused."""
    if kind == PeriodKind.MONTHLY and not 1 <= number <= 12:
        raise ApplicationError("月度考核的月份应为1–12。", {"number": ["应为1–12。"]})
    if kind == PeriodKind.QUARTERLY and not 1 <= number <= 4:
        raise ApplicationError("季度考核的季度应为1–4。", {"number": ["应为1–4。"]})
    if kind == PeriodKind.ANNUAL:
        number = 0
    start, end = rules.period_bounds(kind, year, number)
    period = AssessmentPeriod(region=region, kind=kind, year=year, number=number, start=start, end=end)
    period._history_user = _who(actor)
    try:
        with transaction.atomic():
            period.save()
    except IntegrityError as error:
        raise ApplicationError(f"{region.name}的{period}已开启，不能重复开启。") from error
    return period


@transaction.atomic
def close_period(*, period: AssessmentPeriod, actor=None) -> AssessmentPeriod:
    """Close a period: its results become read-only for everyone."""
    period = AssessmentPeriod.objects.select_for_update().get(pk=period.pk)
    if period.is_closed:
        raise ApplicationError(f"{period}已关闭。")
    period.status = PeriodStatus.CLOSED
    period._history_user = _who(actor)
    period._change_reason = "关闭考核期间"
    period.save(update_fields=["status"])
    return period


@transaction.atomic
def reopen_period(*, period: AssessmentPeriod, reason: str, actor=None) -> AssessmentPeriod:
    """Re-open a closed period for a correction; the reason is required and kept in its history."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("重新开启已关闭的考核期间须说明理由。", {"reason": ["请填写理由。"]})
    period = AssessmentPeriod.objects.select_for_update().get(pk=period.pk)
    if not period.is_closed:
        raise ApplicationError(f"{period}未关闭，无需重新开启。")
    period.status = PeriodStatus.OPEN
    period._history_user = _who(actor)
    period._change_reason = f"重新开启：{reason}"
    period.save(update_fields=["status"])
    return period


# --- Schemes ------------------------------------------------------------------------------------


def _decimal(value, label: str) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ApplicationError(f"{label}应为数字。") from None


@transaction.atomic
def create_scheme_version(
    *,
    region: Region,
    code: str,
    name: str,
    kind: str,
    effective_from: dt.date,
    items: Sequence[dict],
    bands: Sequence[dict],
    note: str = "",
    actor=None,
) -> Scheme:
    """A scheme, or a new version of one (same code, version + 1).  Versions are never edited:
    an assessment keeps the version it was scored under.  For seed 000's comprehensive
    assessment the quantified item (code `quantified`) must weigh at least the policy's
    `quantified_score_min_weight` (≥70%)."""
    item_specs = [
        rules.ItemSpec(
            code=str(i["code"]),
            name=str(i["name"]),
            max_points=_decimal(i["max_points"], f"“{i['name']}”的满分"),
            weight=_decimal(i.get("weight", 1), f"“{i['name']}”的权重"),
        )
        for i in items
    ]
    band_specs = []
    for b in bands:
        grade = b["grade"]
        if grade not in Grade.values:
            grade = {label: value for value, label in Grade.choices}.get(grade, grade)
        if grade not in Grade.values:
            raise ApplicationError(f"未知的等次“{b['grade']}”。")
        band_specs.append(rules.BandSpec(grade=grade, min_points=_decimal(b["min_points"], "分数线")))
    min_weights = {}
    if kind == SchemeKind.COMPREHENSIVE:
        policy = policy_for(region, effective_from)
        if "quantified_score_min_weight" in policy.data:
            min_weights["quantified"] = policy.quantified_score_min_weight
    problems = rules.check_items(item_specs, min_weights=min_weights) + rules.check_bands(band_specs)
    top = max((b.min_points for b in band_specs), default=Decimal(0))
    if item_specs and top > rules.max_total(item_specs):
        problems.append(f"最高等次的分数线（{top}）超过了满分（{rules.max_total(item_specs)}）。")
    if problems:
        raise ApplicationError(problems[0], {"scheme": problems})
    roles = {str(i["code"]): i.get("scorer_role") or SCORER_ROLE.get(kind, Role.COMMISSION_ADMIN) for i in items}
    last = Scheme.objects.select_for_update().filter(region=region, code=code).aggregate(v=Max("version"))["v"]
    scheme = Scheme.objects.create(
        region=region,
        code=code,
        version=(last or 0) + 1,
        name=name,
        kind=kind,
        effective_from=effective_from,
        note=note,
        created_by=_who(actor),
    )
    SchemeItem.objects.bulk_create(
        SchemeItem(
            scheme=scheme,
            code=spec.code,
            name=spec.name,
            max_points=spec.max_points,
            weight=spec.weight,
            scorer_role=roles[spec.code],
            order=index,
        )
        for index, spec in enumerate(item_specs)
    )
    GradeBand.objects.bulk_create(GradeBand(scheme=scheme, grade=b.grade, min_points=b.min_points) for b in band_specs)
    return scheme


def revise_scheme(*, scheme: Scheme, effective_from: dt.date, items=None, bands=None, note: str = "", actor=None):
    """A new version of a scheme with some of its items or bands changed; the old one stays."""
    current = scheme_rules([scheme.pk])[scheme.pk]
    if items is None:
        items = [
            {
                "code": r.code,
                "name": r.name,
                "max_points": r.max_points,
                "weight": r.weight,
                "scorer_role": r.scorer_role,
            }
            for r in current.item_rows
        ]
    if bands is None:
        bands = [{"grade": b.grade, "min_points": b.min_points} for b in current.bands]
    return create_scheme_version(
        region=scheme.region,
        code=scheme.code,
        name=scheme.name,
        kind=scheme.kind,
        effective_from=effective_from,
        items=items,
        bands=bands,
        note=note,
        actor=actor,
    )


# --- Scores -------------------------------------------------------------------------------------


@dataclass
class ScoreRow:
    """One person's input on a sheet (page, API or file row).  `version` is what the client read:
    0 for a person without a result yet."""

    staff_id: int
    scores: dict = field(default_factory=dict)  # item code → raw value
    version: int = 0
    total: object = None  # a total given directly (file column 得分) instead of item scores
    grade: str = ""  # a grade given directly (file column 等次)
    ref: object = None  # where the row came from (file row number), echoed in errors


@dataclass
class SaveResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    assessments: list[Assessment] = field(default_factory=list)


@dataclass
class _Plan:
    period: AssessmentPeriod
    new: list[Assessment] = field(default_factory=list)
    changed: list[Assessment] = field(default_factory=list)
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)


def can_score(user, period: AssessmentPeriod) -> bool:
    """Whether the user enters this level's results (superusers may correct any level)."""
    if getattr(user, "is_superuser", False):
        return True
    return role_of(user) == SCORER_ROLE[period.kind]


def _error(row: ScoreRow, message: str, *, column: str = "", names: dict | None = None) -> dict:
    return {
        "staff": row.staff_id,
        "name": (names or {}).get(row.staff_id, ""),
        "row": row.ref,
        "column": column,
        "message": message,
    }


def _grade_value(text: str) -> str:
    text = (text or "").strip()
    if not text:
        return ""
    if text in Grade.values:
        return text
    labels = {label: value for value, label in Grade.choices}
    if text not in labels:
        raise ValueError(f"等次“{text}”不正确，应为{'、'.join(Grade.labels)}。")
    return labels[text]


def _plan_scores(*, period: AssessmentPeriod, actor, rows: Sequence[ScoreRow], submit: bool) -> _Plan:
    """Check every row and work out what to write; nothing is written here.  A fixed number of
    queries whatever the number of rows."""
    plan = _Plan(period=period)
    if period.is_closed:
        plan.errors.append({"staff": None, "row": None, "column": "", "message": f"{period}已关闭，不能修改成绩。"})
        return plan
    if not can_score(actor, period):
        scorer = Role(SCORER_ROLE[period.kind]).label
        plan.errors.append(
            {"staff": None, "row": None, "column": "", "message": f"{period.get_kind_display()}考核由{scorer}录入。"}
        )
        return plan
    ids = [r.staff_id for r in rows]
    people = {p.pk: p for p in visible_staff(actor).filter(pk__in=ids).only("pk", "name", "department_id")}
    names = {pk: p.name for pk, p in people.items()}
    existing = {
        a.staff_id: a for a in Assessment.objects.select_for_update().filter(period=period, staff_id__in=people)
    }
    current = scheme_in_force(region_id=period.region_id, kind=SCHEME_KIND_FOR_PERIOD[period.kind], on=period.start)
    schemes = scheme_rules({a.scheme_id for a in existing.values()} | ({current.pk} if current else set()))
    is_scorer_level = role_of(actor) == SCORER_ROLE[period.kind]
    now = timezone.now()
    seen: set[int] = set()
    conflicts = []
    for row in rows:
        person = people.get(row.staff_id)
        if person is None:
            plan.errors.append(_error(row, "该人员不存在或不在您的管理范围内。", column="身份证号"))
            continue
        if row.staff_id in seen:
            plan.errors.append(_error(row, "同一人员在本期出现多次。", names=names))
            continue
        seen.add(row.staff_id)
        assessment = existing.get(row.staff_id)
        if assessment is None and current is None:
            plan.errors.append(
                _error(row, f"{period.region}尚未设置{period.get_kind_display()}考核方案。", names=names)
            )
            continue
        scheme = schemes[assessment.scheme_id if assessment else current.pk]
        if (assessment.version if assessment else 0) != int(row.version or 0):
            conflicts.append(row)
            plan.errors.append(_error(row, f"{person.name}的成绩已被他人修改，请刷新页面后再保存。", names=names))
            continue
        if assessment is not None and assessment.is_submitted and is_scorer_level:
            plan.errors.append(_error(row, f"{person.name}的成绩已提交，不能再修改；如需更正请上级退回。", names=names))
            continue
        scores: dict[str, Decimal | None] = {}
        bad = False
        for item in scheme.items:
            try:
                scores[item.code] = rules.parse_score(row.scores.get(item.code), item=item)
            except ValueError as error:
                plan.errors.append(_error(row, str(error), column=item.name, names=names))
                bad = True
        unknown = set(row.scores) - {i.code for i in scheme.items}
        if unknown:
            plan.errors.append(_error(row, f"方案中没有考核项目：{'、'.join(sorted(unknown))}。", names=names))
            bad = True
        try:
            given_grade = _grade_value(row.grade)
        except ValueError as error:
            plan.errors.append(_error(row, str(error), column="等次", names=names))
            bad = True
            given_grade = ""
        given_total = None
        if row.total not in (None, ""):
            try:
                given_total = Decimal(str(row.total).strip()).quantize(rules.TWO_PLACES)
                if not Decimal(0) <= given_total <= scheme.max_total:
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                plan.errors.append(
                    _error(row, f"得分应为0到{scheme.max_total.normalize():f}之间的数字。", column="得分", names=names)
                )
                bad = True
        if bad:
            continue
        total = rules.compute_total(scores, scheme.items)
        if total is None:
            total = given_total
        elif given_total is not None and given_total != total:
            plan.errors.append(_error(row, f"得分{given_total}与分项合计{total}不符。", column="得分", names=names))
            continue
        grade = rules.grade_for(total, scheme.bands)
        if given_grade and grade and given_grade != grade:
            plan.errors.append(
                _error(
                    row,
                    f"等次“{Grade(given_grade).label}”与得分{total}对应的“{Grade(grade).label}”不符。",
                    column="等次",
                    names=names,
                )
            )
            continue
        grade = grade or given_grade
        stored = {code: f"{value:.2f}" for code, value in scores.items() if value is not None}
        if submit and total is None and not grade:
            plan.errors.append(_error(row, f"{person.name}尚未评分，不能提交。", names=names))
            continue
        if submit and stored and len(stored) < len(scheme.items):
            missing = [i.name for i in scheme.items if i.code not in stored]
            plan.errors.append(_error(row, f"{person.name}还有未评分的项目：{'、'.join(missing)}。", names=names))
            continue
        status = AssessmentStatus.SUBMITTED if submit else (assessment.status if assessment else AssessmentStatus.DRAFT)
        if assessment is None:
            if total is None and not grade:
                plan.unchanged += 1  # an empty row: nothing to keep
                continue
            new = Assessment(
                period=period,
                staff_id=row.staff_id,
                scheme_id=scheme.scheme.pk,
                department_id=person.department_id,
                scores=stored,
                total=total,
                grade=grade,
                status=status,
                version=1,
                entered_by=_who(actor),
                submitted_at=now if submit else None,
            )
            plan.new.append(new)
            continue
        if (
            assessment.scores == stored
            and assessment.total == total
            and assessment.grade == grade
            and assessment.status == status
        ):
            plan.unchanged += 1
            continue
        assessment.scores = stored
        assessment.total = total
        assessment.grade = grade
        assessment.status = status
        assessment.version += 1
        assessment.entered_by = _who(actor)
        if submit:
            assessment.submitted_at = now
        plan.changed.append(assessment)
    return plan


def _apply(plan: _Plan, *, actor, reason: str = "") -> SaveResult:
    user = _who(actor)
    if plan.new:
        try:
            with transaction.atomic():
                bulk_create_with_history(plan.new, Assessment, default_user=user, default_change_reason=reason or None)
        except IntegrityError as error:
            # Someone created the same person's result between our read and our write.
            raise ApplicationError("成绩已被他人同时录入，请刷新页面后再保存。") from error
    if plan.changed:
        for a in plan.changed:
            a.updated_at = timezone.now()
        bulk_update_with_history(
            plan.changed,
            Assessment,
            ["scores", "total", "grade", "status", "version", "entered_by", "submitted_at", "updated_at"],
            default_user=user,
            default_change_reason=reason or None,
        )
    return SaveResult(
        created=len(plan.new), updated=len(plan.changed), unchanged=plan.unchanged, assessments=plan.new + plan.changed
    )


def _raise(errors: list[dict]) -> None:
    first = errors[0]["message"]
    message = first if len(errors) == 1 else f"{first}（共{len(errors)}处错误，未保存任何成绩）"
    raise ApplicationError(message, {"rows": errors})


@transaction.atomic
def save_scores(
    *, period: AssessmentPeriod, actor, rows: Sequence[ScoreRow], submit: bool = False, reason: str = ""
) -> SaveResult:
    """Save a sheet of results (draft, or submitted: then locked for the scoring level).

    All or nothing: any bad row, a closed period, or a row another user changed since it was read
    (optimistic `version`) refuses the whole save with a Chinese message per row.  Totals and
    grades come from the scheme version the result was first made under."""
    # The period row as it is now (it may have been closed since the caller read it); locking it
    # also queues concurrent saves of the same period behind each other.
    period = AssessmentPeriod.objects.select_for_update().select_related("region").get(pk=period.pk)
    plan = _plan_scores(period=period, actor=actor, rows=rows, submit=submit)
    if plan.errors:
        _raise(plan.errors)
    return _apply(plan, actor=actor, reason=reason)


@transaction.atomic
def return_assessment(*, assessment: Assessment, reason: str, actor) -> Assessment:
    """A higher level sends a submitted result back to draft for correction (reason audited)."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("退回已提交的成绩须说明理由。", {"reason": ["请填写理由。"]})
    assessment = Assessment.objects.select_for_update().select_related("period").get(pk=assessment.pk)
    if assessment.period.is_closed:
        raise ApplicationError(f"{assessment.period}已关闭，须先由卫健委重新开启。")
    if not assessment.is_submitted:
        raise ApplicationError("该成绩尚未提交，无需退回。")
    scorer_level = ROLE_LEVEL[SCORER_ROLE[assessment.period.kind]]
    if not getattr(actor, "is_superuser", False) and ROLE_LEVEL.get(role_of(actor), 0) <= scorer_level:
        raise ApplicationError("只有上级可以退回已提交的成绩。")
    assessment.status = AssessmentStatus.DRAFT
    assessment.version += 1
    assessment._history_user = _who(actor)
    assessment._change_reason = f"退回修改：{reason}"
    assessment.save(update_fields=["status", "version", "updated_at"])
    return assessment


# --- HIS workload -------------------------------------------------------------------------------


@dataclass
class WorkloadResult:
    received: int = 0
    created: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"received": self.received, "created": self.created, "unchanged": self.unchanged, "errors": self.errors}


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _many(values: list[str]):
    """An IN list of up to 10,000 texts: on PostgreSQL one array parameter (`IN (SELECT
    unnest(%s))`) rather than 10,000 placeholders for Django and the driver to build and scan."""
    if connection.vendor != "postgresql" or not values:
        return values
    return RawSQL("SELECT unnest(%s::text[])", (list(values),))  # noqa: S611  (a bound parameter)


_WORKLOAD_COLUMNS = ("institution", "staff", "metric", "date", "quantity", "source_record_id")


def _insert_workload(rows: list[tuple]) -> None:
    """Insert a validated batch of (institution, staff, metric, date, quantity, source id) rows.
    On PostgreSQL as one INSERT … SELECT FROM unnest(column arrays): seven parameters instead of
    70,000 and no model instance per record — Django compiling a value per cell is most of a bare
    bulk_create's time for 10,000 records.  Elsewhere a plain bulk_create."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        WorkloadRecord.objects.bulk_create(
            WorkloadRecord(
                institution_id=institution_id,
                staff_id=staff_id,
                metric_id=metric_id,
                date=day,
                quantity=quantity,
                source_record_id=source,
            )
            for institution_id, staff_id, metric_id, day, quantity, source in rows
        )
        return
    meta = WorkloadRecord._meta
    fields = [meta.get_field(name) for name in _WORKLOAD_COLUMNS]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    created_at = connection.ops.quote_name(meta.get_field("created_at").column)
    # Identifiers come from the model's own metadata (quoted); values are parameters.
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({created_at}, {columns}) "  # noqa: S608
        f"SELECT %s, * FROM unnest({arrays})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [timezone.now(), *(list(column) for column in zip(*rows, strict=True))])


@transaction.atomic
def ingest_workload(*, institution: Institution, records: Sequence[dict], actor) -> WorkloadResult:
    """Store a HIS batch (up to 10,000 records) of {id_number or employee_no, date, metric,
    quantity, source_id}.

    Validated set-based: one query resolves every person by 身份证号/工号 within the caller's
    scope, one reads the metric codes, one finds the source ids already stored.  Idempotent on
    (institution, source id): a resent record changes nothing.  Atomic: any bad record and
    nothing is stored; the result lists each bad record by its index."""
    result = WorkloadResult(received=len(records))
    if not records:
        raise ApplicationError("批次中没有记录。")
    if len(records) > WORKLOAD_BATCH_LIMIT:
        raise ApplicationError(f"每批最多{WORKLOAD_BATCH_LIMIT}条记录，本批{len(records)}条，请拆分后报送。")
    today = timezone.localdate()
    parsed = []
    id_numbers, employee_nos, source_ids = set(), set(), []
    errors = result.errors

    def bad(index: int, source: str, column: str, message: str) -> None:
        errors.append({"index": index, "source_id": source, "field": column, "message": message})

    for index, record in enumerate(records):
        if not isinstance(record, dict):
            bad(index, "", "", "每条记录应为对象。")
            continue
        source = _text(record.get("source_id"))
        id_number = _text(record.get("id_number")).upper()
        employee_no = _text(record.get("employee_no"))
        metric = _text(record.get("metric"))
        ok = True
        if not source:
            bad(index, source, "source_id", "缺少来源记录号。")
            ok = False
        elif len(source) > 64:
            bad(index, source, "source_id", "来源记录号不能超过64个字符。")
            ok = False
        if not id_number and not employee_no:
            bad(index, source, "id_number", "须提供身份证号或工号。")
            ok = False
        if not metric:
            bad(index, source, "metric", "缺少指标代码。")
            ok = False
        try:
            day = dt.date.fromisoformat(_text(record.get("date")))
            if day > today:
                bad(index, source, "date", "日期不能晚于今天。")
                ok = False
        except ValueError:
            bad(index, source, "date", "日期格式应为 YYYY-MM-DD。")
            ok = False
            day = None
        try:
            quantity = Decimal(_text(record.get("quantity")))
            if not quantity.is_finite() or quantity < 0 or quantity >= Decimal("1e8"):
                raise InvalidOperation
            quantity = quantity.quantize(rules.TWO_PLACES)
        except (InvalidOperation, ValueError):
            bad(index, source, "quantity", "数量应为不小于0的数字。")
            ok = False
            quantity = None
        if ok:
            parsed.append((index, source, id_number, employee_no, metric, day, quantity))
            source_ids.append(source)
            if id_number:
                id_numbers.add(id_number)
            else:
                employee_nos.add(employee_no)

    metrics = dict(WorkloadMetric.objects.values_list("code", "pk"))
    by_id: dict[str, int] = {}
    by_no: dict[str, list[int]] = {}
    if id_numbers or employee_nos:
        for pk, id_number, employee_no in (
            visible_staff(actor)
            .filter(Q(id_number__in=id_numbers) | Q(employee_no__in=employee_nos))
            .values_list("pk", "id_number", "employee_no")
        ):
            by_id[id_number] = pk
            by_no.setdefault(employee_no, []).append(pk)
    stored = set(
        WorkloadRecord.objects.filter(institution=institution, source_record_id__in=_many(source_ids)).values_list(
            "source_record_id", flat=True
        )
    )
    seen: set[str] = set()
    new = []
    for index, source, id_number, employee_no, metric, day, quantity in parsed:
        if source in seen:
            bad(index, source, "source_id", "来源记录号在本批中重复。")
            continue
        seen.add(source)
        if id_number:
            staff_id = by_id.get(id_number)
            if staff_id is None:
                bad(index, source, "id_number", "身份证号对应的人员不存在或不在本机构范围内。")
                continue
        else:
            matches = by_no.get(employee_no, [])
            if len(matches) != 1:
                bad(
                    index,
                    source,
                    "employee_no",
                    "工号对应的人员不存在或不在本机构范围内。"
                    if not matches
                    else "工号在多个机构中重复，请改用身份证号。",
                )
                continue
            staff_id = matches[0]
        metric_id = metrics.get(metric)
        if metric_id is None:
            bad(index, source, "metric", f"未知的指标代码“{metric}”。")
            continue
        if source in stored:
            result.unchanged += 1
            continue
        new.append((institution.pk, staff_id, metric_id, day, quantity, source))
    if errors:
        errors.sort(key=lambda e: e["index"])
        return result
    try:
        with transaction.atomic():
            _insert_workload(new)
    except IntegrityError as error:
        raise ApplicationError("部分来源记录号已由另一请求同时写入，请重新报送本批（重复记录会被忽略）。") from error
    result.created = len(new)
    return result


# --- Duty-target progress -----------------------------------------------------------------------


@transaction.atomic
def record_target_progress(*, target: DutyTarget, month: dt.date, quantity, actor=None) -> TargetProgressEntry:
    """The department's monthly figure for a duty target (replaces that month's earlier figure)."""
    month = month.replace(day=1)
    if not target.appointment.start.replace(day=1) <= month <= target.appointment.end:
        raise ApplicationError("月份不在该聘期内。", {"month": ["不在聘期内。"]})
    amount = _decimal(quantity, "完成数量")
    if amount < 0:
        raise ApplicationError("完成数量不能为负数。", {"quantity": ["不能为负数。"]})
    entry = TargetProgressEntry.objects.filter(target=target, month=month).first() or TargetProgressEntry(
        target=target, month=month, quantity=amount
    )
    entry.quantity = amount
    entry.entered_by = _who(actor)
    entry._history_user = _who(actor)
    entry.save()
    return entry


# Who enters the month's duty-target progress: the department head (own department), the
# institution's HR and the commission (each within what they see).
PROGRESS_ROLES = (Role.DEPARTMENT_HEAD, Role.HOSPITAL_HR, Role.COMMISSION_ADMIN)


class TargetOutOfScope(ApplicationError):
    """A duty target that does not exist or lies outside the caller's scope (pages and API: 404)."""


@dataclass(frozen=True)
class ProgressRow:
    """One cell of the progress sheet: a target's figure for the month.  `expected` is the figure
    the caller read ("" for none); a stored figure that differs means someone else changed it.
    None skips the check (an import that means to overwrite)."""

    target_id: int
    quantity: object
    expected: object = None
    ref: object = None


@dataclass
class ProgressResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    entries: list[TargetProgressEntry] = field(default_factory=list)


def can_enter_progress(user) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return role_of(user) in PROGRESS_ROLES and can_change(user, "assessment")


def _amount_or_none(value) -> Decimal | None:
    """A typed figure: blank is None; otherwise a number within 0..1e8 (ValueError otherwise)."""
    text = _text(value)
    if not text:
        return None
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        raise ValueError from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e8"):
        raise ValueError
    return amount.quantize(rules.TWO_PLACES)


def _same(stored: Decimal | None, expected) -> bool:
    try:
        return stored == _amount_or_none(expected)
    except ValueError:
        return False


@transaction.atomic
def save_target_progress(*, month: dt.date, actor, rows: Sequence[ProgressRow]) -> ProgressResult:
    """The department's monthly figures for duty targets (seed 000 §三: progress comes from the
    monthly entries and from HIS); each replaces that month's earlier figure, audited.

    All or nothing, set-based (a fixed number of queries whatever the number of rows): a target
    outside the caller's scope refuses the whole save (TargetOutOfScope); a figure that is not a
    number ≥ 0, a month outside the term or in the future, a closed monthly period, an emptied
    figure, or a figure someone else changed since it was read refuses it with a message per row."""
    if not can_enter_progress(actor):
        raise ApplicationError("当前角色无权录入必尽任务进度。")
    month = month.replace(day=1)
    if month > timezone.localdate().replace(day=1):
        raise ApplicationError(f"不能录入未来月份（{month:%Y-%m}）的进度。", {"month": ["不能晚于本月。"]})
    ids = [row.target_id for row in rows]
    targets = {
        t.pk: t
        for t in visible_duty_targets(actor)
        .filter(pk__in=set(ids))
        .select_related("appointment__staff", "appointment__institution")
    }
    if set(ids) - set(targets):
        raise TargetOutOfScope("必尽任务不存在或不在您的管理范围内。")
    regions = {t.appointment.institution.region_id for t in targets.values()}
    closed = AssessmentPeriod.objects.filter(
        region_id__in=regions, kind=PeriodKind.MONTHLY, year=month.year, number=month.month, status=PeriodStatus.CLOSED
    ).exists()
    if closed:
        raise ApplicationError(f"{month:%Y-%m}月度考核已关闭，进度不能再修改；如需更正请卫健委重新开启。")
    existing = {
        e.target_id: e
        for e in TargetProgressEntry.objects.select_for_update().filter(target_id__in=set(ids), month=month)
    }
    user = _who(actor)
    errors: list[dict] = []
    new: list[TargetProgressEntry] = []
    changed: list[TargetProgressEntry] = []
    result = ProgressResult()
    seen: set[int] = set()
    for row in rows:
        target = targets[row.target_id]
        person = target.appointment.staff

        def bad(message: str, row=row, target=target, person=person) -> None:
            errors.append(
                {"ref": row.ref, "target": target.pk, "staff": person.pk, "column": target.name, "message": message}
            )

        if target.pk in seen:
            bad(f"{person.name}的“{target.name}”在本次录入中重复。")
            continue
        seen.add(target.pk)
        entry = existing.get(target.pk)
        try:
            amount = _amount_or_none(row.quantity)
        except ValueError:
            bad(f"{person.name}的“{target.name}”应为不小于0的数字。")
            continue
        if row.expected is not None and not _same(entry.quantity if entry else None, row.expected):
            now = f"{entry.quantity.normalize():f}" if entry else "空"
            bad(f"{person.name}的“{target.name}”已被他人修改为{now}，请刷新页面后再保存。")
            continue
        if amount is None:
            if entry is not None:
                bad(f"{person.name}的“{target.name}”已录入，不能清空；本月未完成请填0。")
            continue  # a cell left blank: nothing to keep
        appointment = target.appointment
        if not appointment.start.replace(day=1) <= month <= appointment.end:
            bad(f"{month:%Y-%m}不在{person.name}的聘期内（{appointment.start:%Y-%m-%d}至{appointment.end:%Y-%m-%d}）。")
            continue
        if entry is None:
            new.append(TargetProgressEntry(target=target, month=month, quantity=amount, entered_by=user))
        elif entry.quantity != amount:
            entry.quantity = amount
            entry.entered_by = user
            changed.append(entry)
        else:
            result.unchanged += 1
    if errors:
        first = errors[0]["message"]
        message = first if len(errors) == 1 else f"{first}（共{len(errors)}处错误，未保存任何进度）"
        raise ApplicationError(message, {"rows": errors})
    if new:
        try:
            with transaction.atomic():
                bulk_create_with_history(new, TargetProgressEntry, default_user=user)
        except IntegrityError as error:
            raise ApplicationError("进度已被他人同时录入，请刷新页面后再保存。") from error
    if changed:
        bulk_update_with_history(changed, TargetProgressEntry, ["quantity", "entered_by"], default_user=user)
    result.created, result.updated, result.entries = len(new), len(changed), new + changed
    return result


def periods_of(*, region_id: int, labels: Iterable[str]) -> dict[str, AssessmentPeriod]:
    """Periods of a region by their labels (2026-03, 2026Q1, 2026): one query."""
    keys = {}
    for label in labels:
        try:
            keys[label] = rules.parse_period_label(label)
        except ValueError:
            continue
    if not keys:
        return {}
    q = Q(pk__in=[])
    for kind, year, number in set(keys.values()):
        q |= Q(kind=kind, year=year, number=number)
    found = {(p.kind, p.year, p.number): p for p in AssessmentPeriod.objects.filter(q, region_id=region_id)}
    return {label: found[key] for label, key in keys.items() if key in found}
