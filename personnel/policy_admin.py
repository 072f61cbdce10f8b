"""政策参数管理: the commission reviews and edits its region's policy data grouped by capability
(`personnel.policy.POLICY_FIELDS`), every edit a NEW version through
`personnel.services.create_policy_version` (never overwriting one), sees which version the open
demotion cases, rectifications, talent contracts and appointments were decided under, and
compares two versions side by side.

Who: the commission admin of the region edits, sees usage and compares; HR and department heads
read the version in force in their region (they apply its numbers); staff and API clients get 403.

The usage counts read other apps' rows by app label (the app registry), so personnel imports no
higher app; each usage is declared once in USAGES."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from .choices import Role
from .errors import ApplicationError
from .models import PolicyVersion, Region
from .policy import POLICY_FIELDS, PolicyField
from .scoping import role_of
from .services import create_policy_version

EDITORS = frozenset({Role.COMMISSION_ADMIN})
READERS = frozenset({Role.COMMISSION_ADMIN, Role.HOSPITAL_HR, Role.DEPARTMENT_HEAD})


def may_edit(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or role_of(user) in EDITORS


def may_read(user) -> bool:
    return bool(getattr(user, "is_superuser", False)) or role_of(user) in READERS


def region_of(user, wanted: str | None = None) -> Region | None:
    """The region whose policy the user administers or reads (a superuser chooses with ?region=)."""
    if getattr(user, "is_superuser", False):
        qs = Region.objects.order_by("code")
        return (qs.filter(pk=wanted).first() if wanted and wanted.isdigit() else None) or qs.first()
    institution = getattr(user, "institution", None)
    return institution.region if institution is not None else None


def versions(region: Region) -> list[PolicyVersion]:
    return list(
        PolicyVersion.objects.filter(region=region).select_related("created_by").order_by("-effective_from", "-id")
    )


def in_force(all_versions: list[PolicyVersion], on: dt.date) -> PolicyVersion | None:
    """The version `policy_for` would return on `on`, from an already read list (newest first)."""
    return next((v for v in all_versions if v.effective_from <= on), None)


# --- Grouped values -------------------------------------------------------------------------------


@dataclass
class FieldValue:
    field: PolicyField
    value: object = None
    other: object = None  # the compared version's value
    posted: str | None = None
    error: str = ""

    @property
    def key(self) -> str:
        return self.field.name

    @property
    def changed(self) -> bool:
        return _text(self.value) != _text(self.other)

    @property
    def shown(self) -> str:
        return self.posted if self.posted is not None else _text(self.value)


@dataclass
class FieldGroup:
    name: str
    fields: list[FieldValue] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(1 for f in self.fields if f.changed)

    @property
    def set_count(self) -> int:
        return sum(1 for f in self.fields if f.value is not None)


def _text(value) -> str:
    return "" if value is None else str(value)


def grouped(data: dict, *, other: dict | None = None, posted=None, errors: dict | None = None) -> list[FieldGroup]:
    """Every declared field in declaration order, grouped by capability (the order groups first appear)."""
    groups: dict[str, FieldGroup] = {}
    for name, f in POLICY_FIELDS.items():
        groups.setdefault(f.group, FieldGroup(f.group)).fields.append(
            FieldValue(
                field=f,
                value=data.get(name),
                other=(other or {}).get(name) if other is not None else data.get(name),
                posted=posted.get(name, "") if posted is not None else None,
                error=" ".join((errors or {}).get(name, [])),
            )
        )
    return list(groups.values())


# --- Editing: a new version -----------------------------------------------------------------------


def save_policy_edit(*, region: Region, posted, actor) -> PolicyVersion:
    """A new version from the edit form: every declared key that was filled in (a key left empty is
    left out — a region may not run a programme), plus name, effective date and note.  Errors in
    Chinese per field (ApplicationError.extra); nothing is written on error."""
    errors: dict[str, list[str]] = {}
    name = (posted.get("name") or "").strip()
    if not name:
        errors["name"] = ["请填写版本名称，例如“2027年政策调整”。"]
    effective_from = None
    raw_date = (posted.get("effective_from") or "").strip()
    try:
        effective_from = dt.date.fromisoformat(raw_date)
    except ValueError:
        errors["effective_from"] = ["请按“年-月-日”填写生效日期，例如2027-01-01。"]
    latest = PolicyVersion.objects.filter(region=region).order_by("-effective_from", "-id").first()
    if effective_from and latest and effective_from < latest.effective_from:
        errors["effective_from"] = [
            f"生效日期不能早于现行最新版本的生效日期（{latest.effective_from:%Y-%m-%d}），否则新版本不会生效。"
        ]
    data = {key: (posted.get(key) or "").strip() for key in POLICY_FIELDS}
    data = {key: value for key, value in data.items() if value != ""}
    if not data:
        errors["data"] = ["政策参数不能全部为空。"]
    if errors:
        # Report the data's own errors together with these (the service would stop at the first).
        from django.core.exceptions import ValidationError

        from .policy import clean_policy_data

        try:
            clean_policy_data(data)
        except ValidationError as error:
            errors.update({k: [str(m) for m in v] for k, v in error.message_dict.items()})
        raise ApplicationError(next(iter(errors.values()))[0] if len(errors) == 1 else "请按提示修改后再保存。", errors)
    changed = [key for key in POLICY_FIELDS if _text(data.get(key)) != _text((latest.data if latest else {}).get(key))]
    note = (posted.get("note") or "").strip()
    if not note and changed:
        note = "修改：" + "、".join(POLICY_FIELDS[k].label for k in changed[:10]) + ("等" if len(changed) > 10 else "")
    return create_policy_version(
        region=region, name=name, effective_from=effective_from, data=data, note=note, actor=actor
    )


# --- Which version each open item uses ------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    key: str
    label: str
    app_label: str
    model: str
    policy_field: str

    def open_q(self) -> Q:
        return OPEN_FILTERS[self.key]()

    def queryset(self) -> QuerySet:
        return apps.get_model(self.app_label, self.model).objects.filter(self.open_q())

    def link(self, row) -> str:
        return LINKS[self.key](row)


def _open_cases() -> Q:
    from demotions.choices import OPEN_STATES

    return Q(state__in=OPEN_STATES)


def _open_rectifications() -> Q:
    from demotions.choices import RectificationStatus

    return Q(status=RectificationStatus.OPEN)


def _running_contracts() -> Q:
    from talent.choices import ContractStatus

    return Q(status__in=[ContractStatus.ACTIVE, ContractStatus.SUSPENDED])


def _active_appointments() -> Q:
    from appointments.choices import AppointmentStatus

    return Q(status=AppointmentStatus.ACTIVE)


OPEN_FILTERS = {
    "cases": _open_cases,
    "rectifications": _open_rectifications,
    "contracts": _running_contracts,
    "appointments": _active_appointments,
}
LINKS = {
    "cases": lambda row: reverse("demotions:case", args=[row.pk]),
    "rectifications": lambda row: reverse("personnel:staff_detail", args=[row.staff_id]),
    "contracts": lambda row: reverse("talent:contract_detail", args=[row.pk]),
    "appointments": lambda row: reverse("personnel:staff_detail", args=[row.staff_id]),
}
USAGES: dict[str, Usage] = {
    u.key: u
    for u in [
        Usage("cases", "未结案的能上能下案件", "demotions", "DemotionCase", "policy"),
        Usage("rectifications", "整改中的整改", "demotions", "Rectification", "policy"),
        Usage("contracts", "履行中的引才合同", "talent", "Contract", "policy_version"),
        Usage("appointments", "在聘的聘任", "appointments", "Appointment", "policy"),
    ]
}


def usage_counts(region: Region) -> dict[int, dict[str, int]]:
    """{version id: {usage key: count}} for the region's versions — one query per kind of item."""
    counts: dict[int, dict[str, int]] = {}
    for usage in USAGES.values():
        rows = (
            usage.queryset()
            .filter(**{f"{usage.policy_field}__region": region})
            .values(usage.policy_field)
            .annotate(n=Count("pk"))
            .order_by()
        )
        for row in rows:
            counts.setdefault(row[usage.policy_field], {})[usage.key] = row["n"]
    return counts


USAGE_ROWS_SHOWN = 200


def usage_rows(usage: Usage, version: PolicyVersion) -> tuple[list[tuple[str, str, str]], int]:
    """(text, detail, link) of the open items decided under `version` (at most 200), and the total."""
    qs = usage.queryset().filter(**{usage.policy_field: version}).order_by("pk")
    if usage.key == "contracts":
        qs = qs.select_related("institution")
        rows = [(str(c), c.institution.name, usage.link(c)) for c in qs[:USAGE_ROWS_SHOWN]]
    else:
        qs = qs.select_related("staff__institution")
        rows = []
        for row in qs[:USAGE_ROWS_SHOWN]:
            state = row.get_state_display() if usage.key == "cases" else ""
            if usage.key == "rectifications":
                state = f"整改期限{row.deadline:%Y-%m-%d}"
            if usage.key == "appointments":
                state = f"{row.start:%Y-%m-%d}至{row.end:%Y-%m-%d}"
            rows.append((row.staff.name, f"{row.staff.institution.name} · {state}", usage.link(row)))
    total = qs.count() if len(rows) == USAGE_ROWS_SHOWN else len(rows)
    return rows, total


# --- Pages ----------------------------------------------------------------------------------------


class _PolicyPage(LoginRequiredMixin, TemplateView):
    edit_only = True

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        allowed = may_edit(request.user) if self.edit_only else may_read(request.user)
        if not allowed:
            raise PermissionDenied("您的角色无权查看政策参数。")
        self.region = region_of(request.user, request.GET.get("region") or request.POST.get("region"))
        if self.region is None:
            raise Http404("没有可管理的地区。")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(region=self.region, may_edit=may_edit(self.request.user), nav_active="policy")
        return context


class PolicyView(_PolicyPage):
    """The region's policy: the commission edits it (a new version), others read the version in force."""

    edit_only = False

    def get_template_names(self):
        return ["personnel/policy_edit.html" if may_edit(self.request.user) else "personnel/policy_view.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        all_versions = versions(self.region)
        current = in_force(all_versions, today)
        context.update(today=today, current=current)
        if not may_edit(self.request.user):
            context["groups"] = grouped(current.data if current else {})
            return context
        wanted = self.request.GET.get("base")
        base = next((v for v in all_versions if str(v.pk) == wanted), None) or (
            all_versions[0] if all_versions else None
        )
        counts = usage_counts(self.region)
        rows = [
            {
                "version": v,
                "in_force": current is not None and v.pk == current.pk,
                "future": v.effective_from > today,
                "usage": [(u, counts.get(v.pk, {}).get(u.key, 0)) for u in USAGES.values()],
            }
            for v in all_versions
        ]
        context.update(
            base=base,
            groups=kwargs.get("groups") or grouped(base.data if base else {}),
            versions=rows,
            usages=list(USAGES.values()),
            form_errors=kwargs.get("form_errors") or {},
            posted=kwargs.get("posted") or {},
            effective_from_value=(kwargs.get("posted") or {}).get("effective_from")
            or (today + dt.timedelta(days=1)).isoformat(),
        )
        return context

    def post(self, request, *args, **kwargs):
        if not may_edit(request.user):
            raise PermissionDenied("只有卫健委管理员可以修改政策参数。")
        previous = PolicyVersion.objects.filter(region=self.region).order_by("-effective_from", "-id").first()
        try:
            version = save_policy_edit(region=self.region, posted=request.POST, actor=request.user)
        except ApplicationError as error:
            messages.error(request, f"政策参数未保存：{error.message}")
            errors = {k: v if isinstance(v, list) else [v] for k, v in (error.extra or {}).items()}
            context = self.get_context_data(
                groups=grouped({}, posted=request.POST, errors=errors), form_errors=errors, posted=request.POST
            )
            return self.render_to_response(context, status=400)
        messages.success(
            request, f"已保存为新版本“{version.name}”，{version.effective_from:%Y-%m-%d}起生效；原版本保持不变。"
        )
        url = reverse("policies:compare")
        query = f"?a={previous.pk}&b={version.pk}" if previous else f"?a={version.pk}&b={version.pk}"
        return redirect(url + query + (f"&region={self.region.pk}" if request.user.is_superuser else ""))


class PolicyCompareView(_PolicyPage):
    template_name = "personnel/policy_compare.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        all_versions = versions(self.region)
        by_id = {str(v.pk): v for v in all_versions}
        a = by_id.get(self.request.GET.get("a", ""))
        b = by_id.get(self.request.GET.get("b", ""))
        if (self.request.GET.get("a") and a is None) or (self.request.GET.get("b") and b is None):
            raise Http404("政策版本不存在或不属于本地区。")
        b = b or (all_versions[0] if all_versions else None)
        a = a or (all_versions[1] if len(all_versions) > 1 else b)
        groups = grouped(b.data if b else {}, other=a.data if a else {}) if a and b else []
        # Read as "a → b": the value shown first is a's.
        for group in groups:
            for f in group.fields:
                f.value, f.other = f.other, f.value
        context.update(
            a=a,
            b=b,
            all_versions=all_versions,
            groups=groups,
            changed=sum(g.changed for g in groups),
            only_changed=self.request.GET.get("changed") == "1",
        )
        return context


class PolicyUsageView(_PolicyPage):
    template_name = "personnel/policy_usage.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        usage = USAGES.get(self.kwargs["kind"])
        version = PolicyVersion.objects.filter(region=self.region, pk=self.kwargs["pk"]).first()
        if usage is None or version is None:
            raise Http404("政策版本不存在或不属于本地区。")
        rows, total = usage_rows(usage, version)
        context.update(usage=usage, version=version, rows=rows, total=total)
        return context
