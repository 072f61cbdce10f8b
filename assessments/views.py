"""Assessment pages: the periods, the score sheet (a row per person, a column per item, keyboard
entry, totals and grades as you type, draft then submit), and what assessments add to the staff
page (timeline and duty-target progress chart)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import TemplateView

from appointments.services import set_duty_target_milestones
from personnel.choices import Role
from personnel.errors import ApplicationError
from personnel.models import Staff
from personnel.scoping import can_change, can_read, role_of, visible_departments
from personnel.views import ScopedMixin, StaffSection, register_staff_section

from . import rules, services
from .choices import GRADE_RANK, Grade, PeriodKind, SchemeKind
from .forms import (
    PeriodOpenForm,
    ReasonForm,
    SchemeBandFormSet,
    SchemeCreateForm,
    SchemeItemFormSet,
    SchemeRevisionForm,
)
from .models import Scheme
from .selectors import (
    SCHEME_KIND_FOR_PERIOD,
    milestone_rounding,
    progress_changes,
    progress_sheet,
    scheme_in_force,
    scheme_rules,
    sheet_rows,
    staff_timeline,
    target_progress,
    visible_assessments,
    visible_duty_targets,
    visible_periods,
    visible_schemes,
)


class PeriodListView(ScopedMixin, TemplateView):
    """考核: the region's periods; the commission opens, closes and re-opens them."""

    template_name = "assessments/period_list.html"
    resource = "period"
    nav_active = "assessment"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        periods = list(visible_periods(user).order_by("-year", "kind", "-number"))
        context.update(
            periods=periods,
            can_manage=can_change(user, "period"),
            open_form=kwargs.get("open_form") or PeriodOpenForm(initial={"year": timezone.localdate().year}),
            my_results=visible_assessments(user).select_related("period").order_by("-period__start")[:24]
            if role_of(user) == "staff"
            else [],
        )
        return context

    def post(self, request, *args, **kwargs):
        if not can_change(request.user, "period"):
            raise PermissionDenied("只有卫健委可以开启或关闭考核期间。")
        action = request.POST.get("action")
        try:
            if action == "open":
                form = PeriodOpenForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(open_form=form), status=400)
                data = form.cleaned_data
                period = services.open_period(
                    region=request.user.institution.region,
                    kind=data["kind"],
                    year=data["year"],
                    number=data["number"] or 0,
                    actor=request.user,
                )
                messages.success(request, f"已开启{period}。")
            else:
                period = get_object_or_404(visible_periods(request.user), pk=request.POST.get("period"))
                if action == "close":
                    services.close_period(period=period, actor=request.user)
                    messages.success(request, f"已关闭{period}，成绩不可再修改。")
                elif action == "reopen":
                    form = ReasonForm(request.POST)
                    services.reopen_period(period=period, reason=form.data.get("reason", ""), actor=request.user)
                    messages.success(request, f"已重新开启{period}。")
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("assessments:periods")


def _decimal_text(value) -> str:
    if value is None:
        return ""
    return f"{Decimal(value).normalize():f}"


class SheetView(ScopedMixin, TemplateView):
    """The score sheet of one period and one department (a department head's own by default)."""

    template_name = "assessments/sheet.html"
    resource = "assessment"
    nav_active = "assessment"

    def setup_sheet(self) -> None:
        user = self.request.user
        self.period = get_object_or_404(visible_periods(user).select_related("region"), pk=self.kwargs["pk"])
        departments = visible_departments(user).select_related("institution").order_by("institution__path", "code")
        wanted = self.request.GET.get("department") or self.request.POST.get("department")
        if wanted:
            self.department = departments.filter(pk=wanted).first()
            if self.department is None:
                raise Http404("科室不存在或不在您的管理范围内。")
        else:
            self.department = departments.filter(pk=getattr(user, "department_id", None)).first() or departments.first()
        self.departments = departments
        self.editable = services.can_score(user, self.period) and not self.period.is_closed

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.permitted(request.user):
            self.setup_sheet()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = sheet_rows(user, period=self.period, department=self.department) if self.department else []
        current = scheme_in_force(
            region_id=self.period.region_id, kind=SCHEME_KIND_FOR_PERIOD[self.period.kind], on=self.period.start
        )
        scheme_ids = {r.assessment.scheme_id for r in rows if r.assessment}
        if current:
            scheme_ids.add(current.pk)
        schemes = scheme_rules(scheme_ids)
        used = next((r.assessment.scheme_id for r in rows if r.assessment), None)
        sheet_scheme = schemes.get(used) or (schemes.get(current.pk) if current else None)
        posted = kwargs.get("posted") or {}
        row_errors = kwargs.get("row_errors") or {}
        scorer_level = role_of(user) == services.SCORER_ROLE[self.period.kind]
        for row in rows:
            a = row.assessment
            row.locked = bool(a and a.is_submitted and scorer_level) or not self.editable
            row.version = a.version if a else 0
            row.cells = []
            for item in sheet_scheme.item_rows if sheet_scheme else []:
                key = f"score-{row.staff.pk}-{item.code}"
                value = posted.get(key, _decimal_text((a.scores or {}).get(item.code)) if a else "")
                row.cells.append({"item": item, "name": key, "value": value})
            row.errors = row_errors.get(row.staff.pk, [])
        if sheet_scheme:
            scheme_json = {
                "items": [
                    {"code": i.code, "weight": str(i.weight), "max": str(i.max_points)} for i in sheet_scheme.items
                ],
                "bands": [
                    {"grade": b.grade, "label": Grade(b.grade).label, "min": _decimal_text(b.min_points)}
                    for b in sorted(sheet_scheme.bands, key=lambda b: b.min_points, reverse=True)
                ],
            }
        else:
            scheme_json = {"items": [], "bands": []}
        counts = {g.value: 0 for g in Grade}
        for row in rows:
            if row.assessment and row.assessment.grade:
                counts[row.assessment.grade] += 1
        context.update(
            period=self.period,
            department=self.department,
            departments=self.departments,
            rows=rows,
            scheme=sheet_scheme,
            scheme_json=scheme_json,
            editable=self.editable and sheet_scheme is not None,
            any_open_row=any(not r.locked for r in rows),
            grade_counts=[(Grade(g).label, n, g) for g, n in sorted(counts.items(), key=lambda x: -GRADE_RANK[x[0]])],
            scorer_label=services.SCORER_ROLE[self.period.kind].label,
            errors=kwargs.get("errors") or [],
            lower_levels=self.period.kind != PeriodKind.MONTHLY,
            can_return=not self.period.is_closed
            and (
                getattr(user, "is_superuser", False)
                or services.ROLE_LEVEL.get(role_of(user), 0)
                > services.ROLE_LEVEL[services.SCORER_ROLE[self.period.kind]]
            ),
        )
        return context

    def post(self, request, *args, **kwargs) -> HttpResponse:
        if not self.editable:
            raise PermissionDenied("您不能修改本期成绩。")
        submit = request.POST.get("action") == "submit"
        staff_ids = [int(v) for v in request.POST.getlist("staff") if v.isdigit()]
        prefix_len = len("score-")
        scores: dict[int, dict[str, str]] = {pk: {} for pk in staff_ids}
        for key, value in request.POST.items():
            if key.startswith("score-"):
                pk_text, _, code = key[prefix_len:].partition("-")
                if pk_text.isdigit() and int(pk_text) in scores:
                    scores[int(pk_text)][code] = value
        rows = [
            services.ScoreRow(
                staff_id=pk, scores=scores[pk], version=int(request.POST.get(f"version-{pk}", "0") or 0), ref=pk
            )
            for pk in staff_ids
        ]
        try:
            result = services.save_scores(period=self.period, actor=request.user, rows=rows, submit=submit)
        except ApplicationError as error:
            row_errors: dict[int, list[str]] = {}
            general = []
            for e in error.extra.get("rows", []):
                if e.get("staff"):
                    text = f"{e['column']}：{e['message']}" if e.get("column") else e["message"]
                    row_errors.setdefault(e["staff"], []).append(text)
                else:
                    general.append(e["message"])
            context = self.get_context_data(
                posted={k: v for k, v in request.POST.items() if k.startswith("score-")},
                row_errors=row_errors,
                errors=[error.message, *general],
            )
            return self.render_to_response(context, status=400)
        verb = "提交" if submit else "保存草稿"
        messages.success(
            request,
            f"已{verb}：新增{result.created}人，修改{result.updated}人，未变{result.unchanged}人。",
        )
        return redirect(reverse("assessments:sheet", args=[self.period.pk]) + f"?department={self.department.pk}")


class ReturnAssessmentView(ScopedMixin, TemplateView):
    """A higher level sends a submitted result back for correction (POST only, reason required)."""

    resource = "assessment"
    action = "change"

    def post(self, request, *args, **kwargs):
        assessment = get_object_or_404(
            visible_assessments(request.user).select_related("period", "staff"), pk=kwargs["pk"]
        )
        try:
            reason = request.POST.get("reason") or request.POST.get(f"reason-{assessment.pk}", "")
            services.return_assessment(assessment=assessment, reason=reason, actor=request.user)
            messages.success(request, f"已退回{assessment.staff.name}的{assessment.period}成绩。")
        except ApplicationError as error:
            messages.error(request, error.message)
        department = assessment.department_id or assessment.staff.department_id or ""
        return redirect(reverse("assessments:sheet", args=[assessment.period_id]) + f"?department={department}")


def _parse_month(text: str | None) -> dt.date:
    today = timezone.localdate()
    if not text:
        return today.replace(day=1)
    try:
        kind, year, number = rules.parse_period_label(text)
    except ValueError:
        raise Http404("月份格式不正确，应为 2026-03。") from None
    if kind != PeriodKind.MONTHLY:
        raise Http404("月份格式不正确，应为 2026-03。")
    return dt.date(year, number, 1)


class ProgressSheetView(ScopedMixin, TemplateView):
    """必尽任务月度进度: a row per senior staff member of a department, a column per duty target;
    the department head (own department) or HR enters the month's figures beside what HIS reported."""

    template_name = "assessments/progress_sheet.html"
    resource = "duty_target"
    nav_active = "assessment"

    def setup_sheet(self) -> None:
        user = self.request.user
        self.month = _parse_month(self.request.GET.get("month") or self.request.POST.get("month"))
        departments = visible_departments(user).select_related("institution").order_by("institution__path", "code")
        wanted = self.request.GET.get("department") or self.request.POST.get("department")
        if wanted:
            self.department = departments.filter(pk=wanted).first() if str(wanted).isdigit() else None
            if self.department is None:
                raise Http404("科室不存在或不在您的管理范围内。")
        else:
            self.department = departments.filter(pk=getattr(user, "department_id", None)).first() or departments.first()
        self.departments = departments
        today = timezone.localdate()
        self.period = (
            visible_periods(user)
            .filter(kind=PeriodKind.MONTHLY, year=self.month.year, number=self.month.month)
            .filter(region_id=self.department.institution.region_id if self.department else None)
            .first()
        )
        self.editable = (
            services.can_enter_progress(user)
            and self.month <= today.replace(day=1)
            and not (self.period and self.period.is_closed)
        )

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.permitted(request.user):
            self.setup_sheet()
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        columns, rows = (
            progress_sheet(user, department=self.department, month=self.month) if self.department else ([], [])
        )
        posted = kwargs.get("posted") or {}
        row_errors = kwargs.get("row_errors") or {}
        targets = []
        for row in rows:
            row.errors = row_errors.get(row.staff.pk, [])
            for cell in row.cells:
                if cell is None:
                    continue
                targets.append(cell.target)
                stored = _decimal_text(cell.entry.quantity) if cell.entry else ""
                cell.name = f"progress-{cell.target.pk}"
                cell.stored = posted.get(f"was-{cell.target.pk}", stored)
                cell.value = posted.get(cell.name, stored)
        previous = (self.month - dt.timedelta(days=1)).replace(day=1)
        following = (self.month + dt.timedelta(days=32)).replace(day=1)
        context.update(
            month=self.month,
            month_label=f"{self.month:%Y-%m}",
            previous_month=f"{previous:%Y-%m}",
            next_month=f"{following:%Y-%m}" if following <= timezone.localdate() else "",
            department=self.department,
            departments=self.departments,
            period=self.period,
            columns=columns,
            rows=rows,
            editable=self.editable and bool(rows),
            errors=kwargs.get("errors") or [],
            changes=progress_changes(user, targets=targets, month=self.month) if targets else [],
        )
        return context

    def post(self, request, *args, **kwargs) -> HttpResponse:
        if not self.editable:
            raise PermissionDenied("您不能修改本月进度。")
        prefix = "progress-"
        rows = []
        for key, value in request.POST.items():
            if not key.startswith(prefix):
                continue
            pk_text = key[len(prefix) :]
            if not pk_text.isdigit():
                raise Http404("必尽任务不存在。")
            rows.append(
                services.ProgressRow(
                    target_id=int(pk_text), quantity=value, expected=request.POST.get(f"was-{pk_text}", ""), ref=key
                )
            )
        try:
            result = services.save_target_progress(month=self.month, actor=request.user, rows=rows)
        except services.TargetOutOfScope as error:
            raise Http404(error.message) from error
        except ApplicationError as error:
            row_errors: dict[int, list[str]] = {}
            for e in error.extra.get("rows", []):
                row_errors.setdefault(e["staff"], []).append(e["message"])
            context = self.get_context_data(
                posted={k: v for k, v in request.POST.items() if k.startswith(("progress-", "was-"))},
                row_errors=row_errors,
                errors=[error.message],
            )
            return self.render_to_response(context, status=400)
        messages.success(
            request,
            f"已保存{self.month:%Y-%m}进度：新增{result.created}项，修改{result.updated}项，未变{result.unchanged}项。",
        )
        return redirect(reverse("assessments:progress") + f"?month={self.month:%Y-%m}&department={self.department.pk}")


class MilestoneEditView(ScopedMixin, TemplateView):
    """A duty target's quarterly milestones (cumulative % of the term total per quarter): pro rata
    by default, edited per target by HR or the commission; rounded as the policy says."""

    template_name = "assessments/milestones.html"
    resource = "duty_target"
    action = "change"
    nav_active = "assessment"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.permitted(request.user):
            self.target = get_object_or_404(
                visible_duty_targets(request.user).select_related("appointment__staff", "appointment__policy"),
                pk=kwargs["pk"],
            )
            appointment = self.target.appointment
            self.quarters = rules.term_quarters(appointment.start, appointment.end)
            self.rounding = milestone_rounding(appointment.policy)
        return super().dispatch(request, *args, **kwargs)

    def _rows(self, shares) -> list[dict]:
        appointment = self.target.appointment
        amounts = rules.quarterly_milestones(self.target.target_total, self.quarters, shares or None, self.rounding)
        rows = []
        for quarter in range(1, self.quarters + 1):
            end = appointment.start + relativedelta(months=3 * quarter) - dt.timedelta(days=1)
            if shares and quarter < self.quarters:
                percent = Decimal(str(shares[min(quarter, len(shares)) - 1])) * 100
            else:
                percent = Decimal(100 * quarter) / self.quarters
            rows.append(
                {"quarter": quarter, "end": min(end, appointment.end), "percent": percent, "due": amounts[quarter - 1]}
            )
        return rows

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        shares = self.target.milestones or []
        rows = self._rows(shares)
        posted = kwargs.get("posted") or {}
        for row in rows[:-1]:
            row["name"] = f"share-{row['quarter']}"
            row["value"] = posted.get(
                row["name"], _decimal_text(row["percent"].quantize(Decimal("0.01"))) if shares else ""
            )
        context.update(
            target=self.target,
            staff=self.target.appointment.staff,
            appointment=self.target.appointment,
            rows=rows,
            pro_rata=not shares,
            rounding_label=ROUNDING_LABELS.get(self.rounding, self.rounding),
            errors=kwargs.get("errors") or [],
        )
        return context

    def post(self, request, *args, **kwargs) -> HttpResponse:
        texts = [(request.POST.get(f"share-{q}") or "").strip() for q in range(1, self.quarters)]
        shares: list[str] = []
        error = ""
        if request.POST.get("action") != "reset" and any(texts):
            if not all(texts):
                error = "请填写每个季度的累计比例，或全部留空按聘期平均分配。"
            else:
                for quarter, text in enumerate(texts, start=1):
                    try:
                        percent = Decimal(text.rstrip("%"))
                        if not percent.is_finite() or not 0 <= percent <= 100:
                            raise ValueError
                    except (InvalidOperation, ValueError):
                        error = f"第{quarter}季度的累计比例应为0到100之间的数字。"
                        break
                    shares.append(f"{(percent / 100).quantize(Decimal('0.0001')).normalize():f}")
        if not error:
            try:
                set_duty_target_milestones(target=self.target, milestones=shares, actor=request.user)
            except ApplicationError as failure:
                error = failure.message
        if error:
            context = self.get_context_data(posted=request.POST, errors=[error])
            return self.render_to_response(context, status=400)
        messages.success(request, f"已保存{self.target.appointment.staff.name}“{self.target.name}”的季度节点。")
        return redirect(reverse("assessments:milestones", args=[self.target.pk]))


# --- Scoring schemes (考核方案): the commission edits, everyone of the region reads ------------------


def _in_force(schemes: list[Scheme], on: dt.date) -> tuple[set[int], set[int]]:
    """Of the given versions: the one in force on `on` for each scheme code, and the one
    `scheme_in_force` picks for each region and kind (the same ordering, worked out in memory)."""
    by_code: dict[tuple[int, str], Scheme] = {}
    by_kind: dict[tuple[int, str], Scheme] = {}
    for s in schemes:
        if s.effective_from > on:
            continue
        key = (s.effective_from, s.version, s.pk)
        for bucket, name in ((by_code, s.code), (by_kind, s.kind)):
            best = bucket.get((s.region_id, name))
            if best is None or key > (best.effective_from, best.version, best.pk):
                bucket[(s.region_id, name)] = s
    return {s.pk for s in by_code.values()}, {s.pk for s in by_kind.values()}


def _scheme_versions(user, *, region_id=None, code=None) -> list[Scheme]:
    qs = visible_schemes(user).select_related("region", "created_by").annotate(scored=Count("assessments"))
    if code is not None:
        qs = qs.filter(region_id=region_id, code=code)
    return list(qs.order_by("region__code", "code", "-version"))


class SchemeListView(ScopedMixin, TemplateView):
    """考核方案: the region's schemes, each with its versions and which one is in force."""

    template_name = "assessments/scheme_list.html"
    resource = "scheme"
    nav_active = "assessment"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        versions = _scheme_versions(user)
        in_force, used_for_kind = _in_force(versions, today)
        groups: list[dict] = []
        for s in versions:
            s.in_force = s.pk in in_force
            s.used_for_kind = s.pk in used_for_kind
            if not groups or (groups[-1]["region"].pk, groups[-1]["code"]) != (s.region_id, s.code):
                groups.append({"region": s.region, "code": s.code, "latest": s, "versions": []})
            groups[-1]["versions"].append(s)
        for group in groups:
            group["current"] = next((v for v in group["versions"] if v.in_force), None)
        context.update(
            groups=groups,
            today=today,
            can_edit=can_change(user, "scheme"),
            show_region=getattr(user, "is_superuser", False),
        )
        return context


def _scorer_label(value: str) -> str:
    return Role(value).label if value in Role.values else value


class _SchemeFormMixin:
    """The items and bands tables of a scheme form, bound or not, and the service's errors put on
    the rows they name (“医疗质量”, “优秀”) as well as above the tables."""

    def formsets(self, data=None, *, items=None, bands=None):
        if data is not None:
            return (
                SchemeItemFormSet(data, prefix="items", form_kwargs={"empty_permitted": True}),
                SchemeBandFormSet(data, prefix="bands", form_kwargs={"empty_permitted": True}),
            )
        return SchemeItemFormSet(prefix="items", initial=items), SchemeBandFormSet(prefix="bands", initial=bands)

    @staticmethod
    def attach_problems(problems: list[str], item_formset, band_formset) -> list[str]:
        """Put each service problem on the first row whose name or grade it quotes; return them all."""
        grade_labels = dict(Grade.choices)
        for problem in problems:
            for form in item_formset.kept():
                if f"“{form.cleaned_data['name']}”" in problem:
                    form.add_error(None, problem)
                    break
            else:
                for form in band_formset.kept():
                    if f"“{grade_labels[form.cleaned_data['grade']]}”" in problem:
                        form.add_error(None, problem)
                        break
        return problems


class SchemeDetailView(_SchemeFormMixin, ScopedMixin, TemplateView):
    """One scheme version: its items and grade bands, the other versions of its code, and (for
    the commission) the 修订 form, which writes a new version through `services.revise_scheme`;
    the version shown, and every version that scored anyone, stays as it is."""

    template_name = "assessments/scheme_detail.html"
    resource = "scheme"
    nav_active = "assessment"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.permitted(request.user):
            self.scheme = get_object_or_404(
                visible_schemes(request.user).select_related("region", "created_by"), pk=kwargs["pk"]
            )
            self.versions = _scheme_versions(request.user, region_id=self.scheme.region_id, code=self.scheme.code)
        return super().dispatch(request, *args, **kwargs)

    def revision_form(self, data=None) -> SchemeRevisionForm:
        latest = self.versions[0]
        return SchemeRevisionForm(
            data,
            initial={"effective_from": max(timezone.localdate(), latest.effective_from)},
            not_before=latest.effective_from,
            not_before_label=f"第{latest.version}版",
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        current = scheme_rules([self.scheme.pk])[self.scheme.pk]
        kind_versions = list(visible_schemes(user).filter(region_id=self.scheme.region_id, kind=self.scheme.kind))
        in_force, _ = _in_force(self.versions, today)
        _, used_for_kind = _in_force(kind_versions, today)
        for v in self.versions:
            v.in_force = v.pk in in_force
            v.used_for_kind = v.pk in used_for_kind
        shown = next(v for v in self.versions if v.pk == self.scheme.pk)
        can_edit = can_change(user, "scheme")
        if can_edit and "item_formset" not in kwargs:
            items, bands = self.formsets(
                items=[
                    {
                        "code": r.code,
                        "name": r.name,
                        "max_points": _decimal_text(r.max_points),
                        "weight": _decimal_text(r.weight),
                        "scorer_role": r.scorer_role,
                        "order": (index + 1) * 10,
                    }
                    for index, r in enumerate(current.item_rows)
                ],
                bands=[
                    {"grade": b.grade, "min_points": _decimal_text(b.min_points)}
                    for b in sorted(current.bands, key=lambda b: GRADE_RANK[b.grade], reverse=True)
                ],
            )
            kwargs.update(item_formset=items, band_formset=bands, form=self.revision_form())
        context.update(
            today=today,
            scheme=shown,
            items=[
                {"row": r, "scorer": _scorer_label(r.scorer_role), "weighted": r.max_points * r.weight}
                for r in current.item_rows
            ],
            bands=sorted(current.bands, key=lambda b: GRADE_RANK[b.grade], reverse=True),
            grade_labels=dict(Grade.choices),
            max_total=current.max_total,
            versions=self.versions,
            latest=self.versions[0],
            can_edit=can_edit,
            show_region=getattr(user, "is_superuser", False),
            item_formset=kwargs.get("item_formset"),
            band_formset=kwargs.get("band_formset"),
            form=kwargs.get("form"),
            problems=kwargs.get("problems") or [],
            open_editor=bool(kwargs.get("problems")) or kwargs.get("invalid", False),
        )
        return context

    def post(self, request, *args, **kwargs) -> HttpResponse:
        if not can_change(request.user, "scheme"):
            raise PermissionDenied("只有卫健委管理员可以修订考核方案。")
        form = self.revision_form(request.POST)
        items, bands = self.formsets(request.POST)
        forms_ok = all([form.is_valid(), items.is_valid(), bands.is_valid()])  # every table checked
        if not forms_ok:
            context = self.get_context_data(item_formset=items, band_formset=bands, form=form, invalid=True)
            return self.render_to_response(context, status=400)
        try:
            new = services.revise_scheme(
                scheme=self.scheme,
                effective_from=form.cleaned_data["effective_from"],
                items=items.specs(),
                bands=bands.specs(),
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except ApplicationError as error:
            problems = self.attach_problems(error.extra.get("scheme") or [error.message], items, bands)
            context = self.get_context_data(item_formset=items, band_formset=bands, form=form, problems=problems)
            return self.render_to_response(context, status=400)
        messages.success(
            request,
            f"已生成{new.name}第{new.version}版，{new.effective_from:%Y-%m-%d}起生效；原第{self.scheme.version}版保持不变。",
        )
        return redirect("assessments:scheme", pk=new.pk)


class SchemeCreateView(_SchemeFormMixin, ScopedMixin, TemplateView):
    """新建方案 (the commission): code, name, kind, items and bands; the first version."""

    template_name = "assessments/scheme_form.html"
    resource = "scheme"
    action = "change"
    nav_active = "assessment"

    def region(self):
        institution = getattr(self.request.user, "institution", None)
        return institution.region if institution is not None else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if "form" not in kwargs:
            items, bands = self.formsets(
                items=[],
                bands=[{"grade": value} for value, _ in sorted(Grade.choices, key=lambda g: -GRADE_RANK[g[0]])],
            )
            kwargs.update(
                form=SchemeCreateForm(region=self.region(), initial={"effective_from": timezone.localdate()}),
                item_formset=items,
                band_formset=bands,
            )
        context.update(
            form=kwargs["form"],
            item_formset=kwargs["item_formset"],
            band_formset=kwargs["band_formset"],
            problems=kwargs.get("problems") or [],
            kinds=SchemeKind.choices,
        )
        return context

    def post(self, request, *args, **kwargs) -> HttpResponse:
        form = SchemeCreateForm(request.POST, region=self.region())
        items, bands = self.formsets(request.POST)
        if not all([form.is_valid(), items.is_valid(), bands.is_valid()]):
            context = self.get_context_data(form=form, item_formset=items, band_formset=bands)
            return self.render_to_response(context, status=400)
        data = form.cleaned_data
        try:
            scheme = services.create_scheme_version(
                region=data["region"],
                code=data["code"],
                name=data["name"],
                kind=data["kind"],
                effective_from=data["effective_from"],
                items=items.specs(),
                bands=bands.specs(),
                note=data["note"],
                actor=request.user,
            )
        except ApplicationError as error:
            problems = self.attach_problems(error.extra.get("scheme") or [error.message], items, bands)
            context = self.get_context_data(form=form, item_formset=items, band_formset=bands, problems=problems)
            return self.render_to_response(context, status=400)
        messages.success(request, f"已新建{scheme.name}（第1版），{scheme.effective_from:%Y-%m-%d}起生效。")
        return redirect("assessments:scheme", pk=scheme.pk)


ROUNDING_LABELS = {"floor": "不足一项的部分向下取整", "ceil": "不足一项的部分向上取整", "nearest": "四舍五入"}


# --- The staff page's section ---------------------------------------------------------------------


@register_staff_section
def assessment_section(request, staff: Staff) -> StaffSection | None:
    user = request.user
    if not can_read(user, "assessment"):
        return None
    today = timezone.localdate()
    timeline = staff_timeline(user, staff)
    progress = target_progress(user, staff, on=today) if can_read(user, "duty_target") else []
    chart = {
        "names": [p.target.name for p in progress],
        "done": [float(p.done) for p in progress],
        "milestone": [float(p.milestone) for p in progress],
        "target": [float(p.target.target_total) for p in progress],
        "percent": [p.percent for p in progress],
        "milestonePercent": [p.milestone_percent for p in progress],
    }
    return StaffSection(
        template_name="assessments/_staff_section.html",
        context={
            "timeline": timeline,
            "progress": progress,
            "chart": chart,
            "today": today,
            "can_edit_milestones": can_change(user, "duty_target"),
        },
    )
