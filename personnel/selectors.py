"""Reusable reads on the personnel registry for pages: scoped, set-based, a fixed number of
queries whatever the number of rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count, Q, QuerySet

from .models import Institution, Staff, Title
from .scoping import visible_institutions, visible_staff
from .validators import mask_id_number, mask_phone


def staff_for_list(user) -> QuerySet[Staff]:
    """The people a user may see, with what a list row shows (institution, department, titles for
    the current title) fetched up front: three queries per page, whatever its size."""
    return (
        visible_staff(user)
        .select_related("institution", "department")
        .prefetch_related("titles")
        .order_by("institution__path", "employee_no", "pk")
    )


def staff_for_detail(user) -> QuerySet[Staff]:
    return visible_staff(user).select_related("institution", "department").prefetch_related("titles")


def institution_tree(user) -> list[Institution]:
    """Visible institutions in tree order (the materialised path sorts a subtree after its root),
    each with `staff_count` and `department_count` for the user's scope and `indent` relative to
    the user's topmost institution.  One query."""
    staff_scope = visible_staff(user).values("pk")
    institutions = list(
        visible_institutions(user)
        .annotate(
            staff_count=Count("staff", filter=Q(staff__in=staff_scope), distinct=True),
            department_count=Count("departments", distinct=True),
        )
        .order_by("path")
    )
    top = min((i.depth for i in institutions), default=0)
    for institution in institutions:
        institution.indent = institution.depth - top
    return institutions


def scope_counts(user) -> dict[str, int]:
    """The personnel figures of the landing page, for the user's scope."""
    staff = visible_staff(user)
    return {
        "staff": staff.count(),
        "institutions": visible_institutions(user).count(),
    }


def display_id_number(value: str, *, full: bool) -> str:
    return value if full else mask_id_number(value)


def display_phone(value: str, *, full: bool) -> str:
    return value if full else mask_phone(value)


# --- Audit history (django-simple-history) -------------------------------------------------------

ACTIONS = {"+": "新建", "~": "修改", "-": "删除"}
EMPTY = "（空）"


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: dt.datetime
    who: str
    action: str  # "+", "~" or "-"
    subject: str
    changes: list[FieldChange] = field(default_factory=list)
    reason: str = ""

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)


def _who(record) -> str:
    user = record.history_user
    if user is None:
        return "系统"
    full_name = f"{user.last_name}{user.first_name}".strip()
    return full_name or user.get_username()


def history_entries(
    records: QuerySet, *, subject: Callable[[object], str], show_full_id: bool = False
) -> list[HistoryEntry]:
    """What changed, by whom and when, for a queryset of historical records: each record is
    compared with the previous record of the same object (`diff_against`), field names are the
    Chinese verbose names, choices show their labels, foreign keys the related object's name, and
    a 身份证号 is masked unless the reader may see it.  A fixed number of queries: the records,
    then one per related model named in the changes."""
    rows = list(records.select_related("history_user").order_by("history_date", "history_id"))
    previous: dict[object, object] = {}
    raw: list[tuple[object, list]] = []
    for record in rows:
        before = previous.get(record.id)
        changes = []
        if record.history_type == "~" and before is not None:
            changes = record.diff_against(before).changes
        raw.append((record, changes))
        previous[record.id] = record

    # Resolve foreign keys named in the changes with one query per related model.
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for record, changes in raw:
        for change in changes:
            model_field = record._meta.get_field(change.field)
            if model_field.is_relation and model_field.related_model is not None:
                wanted[model_field.related_model].update(v for v in (change.old, change.new) if v is not None)
    related = {model: model._default_manager.in_bulk(ids) for model, ids in wanted.items() if ids}

    def fmt(model_field, value) -> str:
        if value is None or value == "":
            return EMPTY
        if model_field.is_relation and model_field.related_model is not None:
            obj = related.get(model_field.related_model, {}).get(value)
            return (getattr(obj, "name", None) or str(obj)) if obj is not None else f"#{value}（已删除）"
        if model_field.choices:
            return str(dict(model_field.flatchoices).get(value, value))
        if isinstance(value, bool):
            return "是" if value else "否"
        if isinstance(value, dt.datetime):
            return f"{value:%Y-%m-%d %H:%M}"
        if isinstance(value, dt.date):
            return f"{value:%Y-%m-%d}"
        if model_field.name == "id_number" and not show_full_id:
            return mask_id_number(str(value))
        if model_field.name == "phone" and not show_full_id:
            return mask_phone(str(value))
        return str(value)

    entries = []
    for record, changes in raw:
        field_changes = []
        for change in changes:
            model_field = record._meta.get_field(change.field)
            field_changes.append(
                FieldChange(
                    label=str(model_field.verbose_name),
                    old=fmt(model_field, change.old),
                    new=fmt(model_field, change.new),
                )
            )
        entries.append(
            HistoryEntry(
                when=record.history_date,
                who=_who(record),
                action=record.history_type,
                subject=subject(record),
                changes=field_changes,
                reason=record.history_change_reason or "",
            )
        )
    return entries


def newest_first(*groups: Iterable[HistoryEntry]) -> list[HistoryEntry]:
    merged = [entry for group in groups for entry in group]
    merged.sort(key=lambda e: e.when, reverse=True)
    return merged


def staff_history(staff: Staff, *, show_full_id: bool) -> list[HistoryEntry]:
    """The person's own record and their titles (including titles since deleted)."""
    own = history_entries(staff.history.all(), subject=lambda r: "人员档案", show_full_id=show_full_id)
    titles = history_entries(
        Title.history.filter(staff_id=staff.pk),
        subject=lambda r: f"职称：{r.name}",
        show_full_id=show_full_id,
    )
    return own + titles
