"""Assessment results from an .xlsx file: the same checks as the score sheet (assessments.services),
the roster import's file checks, error report shape ({row, column, message}) and atomicity (any bad
row and nothing is written).

Columns: 身份证号, 姓名, 考核类型 (月度/季度/年度), 考核期间 (2026-03, 2026Q1, 2026), then the
scheme's item names as columns, or 得分; 等次 optional (checked against the bands when a score is
given, taken as the result when none is).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import transaction

from personnel.models import Staff
from personnel.roster.reader import RosterFileError, _check_container, _read_values
from personnel.scoping import visible_staff
from personnel.validators import normalize_id_number

from . import rules, services
from .choices import PeriodKind
from .selectors import SCHEME_KIND_FOR_PERIOD, scheme_in_force, scheme_rules

FIXED = ("身份证号", "姓名", "考核类型", "考核期间", "得分", "等次")
REQUIRED = ("身份证号", "考核期间")
KIND_LABELS = {label: value for value, label in PeriodKind.choices}

# Imports run without a logged-in user (the command without --user) act as the system.
SYSTEM = SimpleNamespace(is_superuser=True, is_authenticated=True, pk=None, role="", institution=None)


@dataclass
class AssessmentImportReport:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = field(default_factory=list)
    total_rows: int = 0
    file_error: str = ""
    dry_run: bool = False

    def as_dict(self) -> dict:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": self.errors,
            "total_rows": self.total_rows,
            "file_error": self.file_error,
            "dry_run": self.dry_run,
        }


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read(data: bytes) -> tuple[list[str], list[tuple[int, dict]]]:
    _check_container(data)
    _, values = _read_values(data)
    for index, row in enumerate(values[:10]):
        headers = [_text(c) for c in row]
        if all(h in headers for h in REQUIRED):
            records = []
            for number, cells in enumerate(values[index + 1 :], start=index + 2):
                record = {h: cells[i] if i < len(cells) else None for i, h in enumerate(headers) if h}
                if any(_text(v) for v in record.values()):
                    records.append((number, record))
            return [h for h in headers if h], records
    raise RosterFileError(f"在前10行中没有找到表头行（须含{'、'.join(REQUIRED)}）。", "no_header")


def _period_label(value) -> str:
    # Excel turns 2026 into a number and 2026-03 into a date.
    if hasattr(value, "year") and hasattr(value, "month"):
        return f"{value.year}-{value.month:02d}"
    return _text(value)


def import_assessments(
    *, data: bytes, actor=None, dry_run: bool = False, submit: bool = True
) -> AssessmentImportReport:
    report = AssessmentImportReport(dry_run=dry_run)
    actor = actor or SYSTEM
    try:
        headers, records = _read(data)
    except RosterFileError as error:
        report.file_error = error.message
        return report
    report.total_rows = len(records)
    item_headers = [h for h in headers if h not in FIXED]

    def bad(row: int, column: str, message: str) -> None:
        report.errors.append({"row": row, "column": column, "message": message})

    ids = {normalize_id_number(_text(r.get("身份证号"))) for _, r in records}
    people = {
        s.id_number: s
        for s in visible_staff(actor)
        .filter(id_number__in=ids)
        .select_related("institution")
        .only("pk", "name", "id_number", "institution__region_id")
    }
    groups: dict[tuple[int, str], list] = defaultdict(list)
    for number, record in records:
        id_number = normalize_id_number(_text(record.get("身份证号")))
        person: Staff | None = people.get(id_number)
        if person is None:
            bad(number, "身份证号", "该身份证号的人员不存在或不在您的管理范围内。")
            continue
        name = _text(record.get("姓名"))
        if name and name != person.name:
            bad(number, "姓名", f"姓名与身份证号不符（系统中为{person.name}）。")
            continue
        label = _period_label(record.get("考核期间"))
        try:
            kind, year, num = rules.parse_period_label(label)
        except ValueError as error:
            bad(number, "考核期间", str(error))
            continue
        kind_text = _text(record.get("考核类型"))
        if kind_text and KIND_LABELS.get(kind_text, kind_text) != kind:
            bad(number, "考核类型", f"考核类型“{kind_text}”与考核期间“{label}”不符。")
            continue
        groups[(person.institution.region_id, label)].append((number, person, record))

    plans = []
    for (region_id, label), rows in groups.items():
        period = services.periods_of(region_id=region_id, labels=[label]).get(label)
        if period is None:
            for number, _, _ in rows:
                bad(number, "考核期间", f"考核期间{label}尚未开启。")
            continue
        scheme = scheme_in_force(region_id=region_id, kind=SCHEME_KIND_FOR_PERIOD[period.kind], on=period.start)
        codes = {}
        if scheme:
            codes = {item.name: item.code for item in scheme_rules([scheme.pk])[scheme.pk].items}
        unknown = [h for h in item_headers if h not in codes]
        if unknown:
            for number, _, _ in rows:
                bad(number, unknown[0], f"{period}的考核方案中没有“{unknown[0]}”这一项目。")
            continue
        score_rows = []
        for number, person, record in rows:
            scores = {codes[h]: _text(record.get(h)) for h in item_headers if _text(record.get(h))}
            score_rows.append(
                services.ScoreRow(
                    staff_id=person.pk,
                    scores=scores,
                    total=_text(record.get("得分")) or None,
                    grade=_text(record.get("等次")),
                    ref=number,
                    version=-1,  # a file does not know versions: see below
                )
            )
        plans.append((period, score_rows))

    with transaction.atomic():
        planned = []
        for period, score_rows in plans:
            # A file overwrites what it names: read the current versions so the optimistic check
            # passes for rows nobody is editing at this moment.
            versions = dict(
                period.assessments.filter(staff_id__in=[r.staff_id for r in score_rows]).values_list(
                    "staff_id", "version"
                )
            )
            for r in score_rows:
                r.version = versions.get(r.staff_id, 0)
            plan = services._plan_scores(period=period, actor=actor, rows=score_rows, submit=submit)
            for e in plan.errors:
                bad(e.get("row") or 0, e.get("column") or "", e["message"])
            planned.append(plan)
        report.errors.sort(key=lambda e: (e["row"], e["column"]))
        for plan in planned:
            report.new += len(plan.new)
            report.updated += len(plan.changed)
            report.unchanged += plan.unchanged
        if report.errors or dry_run:
            transaction.set_rollback(True)
            if report.errors:
                report.new = report.updated = report.unchanged = 0
            return report
        for plan in planned:
            services._apply(plan, actor=actor, reason="导入考核结果")
    return report
