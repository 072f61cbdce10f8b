"""县聘乡用 pages: the list (scoped: a township its incoming, a hospital its outgoing staff, the
commission its region), a stint with its leave and attendance, the compliance page and the
commission's planning page.  Writes go through secondments.services."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, ListView, TemplateView

from personnel.errors import ApplicationError
from personnel.forms import apply_application_error
from personnel.models import Institution, Staff
from personnel.scoping import can_change, can_read, role_of, visible_staff
from personnel.selectors import history_entries
from personnel.services import policy_for
from personnel.views import (
    DashboardCard,
    ScopedMixin,
    StaffSection,
    page_size_from,
    paginate,
    register_dashboard_cards,
    register_staff_section,
)
from personnel.watermark import Watermark

from . import exports, rules, services
from .choices import AnnualGrade, AssessmentParty, SecondmentStatus
from .forms import AttendanceForm, ConfirmForm, DemandForm, EvaluationForm, LeaveForm, OfferForm, ScoreForm
from .models import Evaluation, Secondment
from .selectors import (
    hire_shares,
    obligations,
    party_of,
    receivable_secondments,
    subsidy_ledger,
    visible_assessments,
    visible_demands,
    visible_matches,
    visible_offers,
    visible_secondments,
)
from .workload import workload_for


def secondments_for_list(user) -> QuerySet[Secondment]:
    return (
        visible_secondments(user).select_related("staff", "dispatching_unit", "receiving_unit").order_by("-start", "id")
    )


class SecondmentListView(ScopedMixin, ListView):
    template_name = "secondments/secondment_list.html"
    resource = "secondment"
    scope = staticmethod(secondments_for_list)
    nav_active = "secondment"
    context_object_name = "secondments"

    def paginate_queryset(self, queryset, page_size):
        page = paginate(self.request, queryset)
        return page.paginator, page, page.object_list, page.has_other_pages()

    def get_paginate_by(self, queryset):
        return page_size_from(self.request)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_plan"] = can_change(self.request.user, "secondment_plan") and role_of(self.request.user) in (
            "commission_admin",
        )
        return context


class SecondmentDetailView(ScopedMixin, DetailView):
    """A stint; the receiving unit (and the commission) record leave and attendance here."""

    template_name = "secondments/secondment_detail.html"
    resource = "secondment"
    scope = staticmethod(secondments_for_list)
    nav_active = "secondment"
    context_object_name = "secondment"

    def can_record(self) -> bool:
        return receivable_secondments(self.request.user).filter(pk=self.object.pk).exists()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("leave_form", LeaveForm())
        context.setdefault("attendance_form", AttendanceForm())
        context["can_record"] = self.can_record()
        context["leaves"] = self.object.leaves.all()
        context["attendance"] = self.object.attendance.order_by("-date")[:60]
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        if not self.can_record():
            raise PermissionDenied("只有接收单位或卫健委可以登记请假和出勤。")
        which = request.POST.get("form")
        form = LeaveForm(request.POST) if which == "leave" else AttendanceForm(request.POST)
        if form.is_valid():
            try:
                if which == "leave":
                    services.record_leave(secondment=self.object, **form.cleaned_data, actor=request.user)
                    messages.success(request, "请假已登记。")
                else:
                    services.record_attendance(secondment=self.object, **form.cleaned_data, actor=request.user)
                    messages.success(request, "出勤已登记。")
                return redirect("secondments:detail", pk=self.object.pk)
            except ApplicationError as error:
                apply_application_error(form, error)
        key = "leave_form" if which == "leave" else "attendance_form"
        return self.render_to_response(self.get_context_data(**{key: form}), status=400)


class ComplianceView(ScopedMixin, TemplateView):
    """Who must serve (新入职五年内一年 / 中级申报副高前一年), their deadline, served days, status,
    and this and last year's share of physician hires seconded against the 80% target."""

    template_name = "secondments/compliance.html"
    resource = "secondment"
    nav_active = "secondment"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        context["rows"] = obligations(user, today=today)
        institution = getattr(user, "institution", None)
        context["shares"] = []
        if institution is not None:
            try:
                share = policy_for(institution.region, today).secondment_share_of_hires
                context["shares"] = hire_shares(user, year=today.year, share=share)
                context["share"] = share
            except (ApplicationError, KeyError):
                pass
        return context


class PlanningView(ScopedMixin, TemplateView):
    """The commission matches the year's demand (township facilities) with the dispatch lists
    (hospitals): side by side, unmatched demand highlighted; suggest, edit, confirm."""

    template_name = "secondments/planning.html"
    resource = "secondment_plan"
    nav_active = "secondment"

    def year(self) -> int:
        try:
            return int(self.request.GET.get("year") or self.request.POST.get("year"))
        except (TypeError, ValueError):
            return timezone.localdate().year + 1

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, year = self.request.user, self.year()
        demands = list(visible_demands(user).filter(year=year).select_related("institution"))
        matches = list(
            visible_matches(user)
            .filter(demand__year=year)
            .select_related("offer__staff", "offer__institution", "demand__institution")
        )
        by_demand: dict[int, list] = {}
        for m in matches:
            by_demand.setdefault(m.demand_id, []).append(m)
        for d in demands:
            d.assigned = by_demand.get(d.pk, [])
            d.open_places = d.count - len(d.assigned)
        offers = list(visible_offers(user).filter(year=year).select_related("staff", "institution"))
        matched_offers = {m.offer_id: m for m in matches}
        for o in offers:
            o.assigned = matched_offers.get(o.pk)
        context.update(
            year=year,
            demands=demands,
            offers=offers,
            can_match=can_change(user, "secondment_plan") and role_of(user) == "commission_admin",
            confirm_form=kwargs.get("confirm_form") or ConfirmForm(initial={"start": dt.date(year, 1, 1)}),
        )
        institution = getattr(user, "institution", None)
        if can_change(user, "secondment_plan") and role_of(user) == "hospital_hr" and institution is not None:
            if institution.kind in services.GRASSROOTS_KINDS:
                context["demand_form"] = kwargs.get("demand_form") or DemandForm()
            else:
                context["offer_form"] = kwargs.get("offer_form") or OfferForm(staff_qs=self.offer_staff())
        return context

    def offer_staff(self):
        return visible_staff(self.request.user).exclude(institution__kind__in=services.GRASSROOTS_KINDS)

    def file(self, request, year: int):
        """A township files its demand, a hospital a person on its dispatch list."""
        user = request.user
        if not (can_change(user, "secondment_plan") and role_of(user) == "hospital_hr"):
            raise PermissionDenied("只有基层单位和派出单位的人事可以上报。")
        if request.POST.get("action") == "demand":
            form = DemandForm(request.POST)
            if form.is_valid():
                try:
                    services.file_demand(institution=user.institution, year=year, **form.cleaned_data, actor=user)
                    messages.success(request, "需求已上报。")
                    return redirect(f"{request.path}?year={year}")
                except ApplicationError as error:
                    apply_application_error(form, error)
            return self.render_to_response(self.get_context_data(demand_form=form), status=400)
        form = OfferForm(request.POST, staff_qs=self.offer_staff())
        if form.is_valid():
            try:
                services.file_offer(year=year, **form.cleaned_data, actor=user)
                messages.success(request, "派遣人员已上报。")
                return redirect(f"{request.path}?year={year}")
            except ApplicationError as error:
                apply_application_error(form, error)
        return self.render_to_response(self.get_context_data(offer_form=form), status=400)

    def post(self, request, *args, **kwargs):
        user = request.user
        action = request.POST.get("action")
        if action in ("demand", "offer"):
            return self.file(request, self.year())
        if not (can_change(user, "secondment_plan") and role_of(user) == "commission_admin"):
            raise PermissionDenied("只有卫健委可以统筹匹配。")
        year, region_id = self.year(), user.institution.region_id
        try:
            if action == "suggest":
                made = services.suggest_matches(region_id=region_id, year=year, actor=user)
                messages.success(request, f"已生成{len(made)}条建议匹配，可调整后确认。")
            elif action == "assign":
                demand = get_object_or_404(visible_demands(user), pk=request.POST.get("demand"))
                offer = get_object_or_404(visible_offers(user), pk=request.POST.get("offer"))
                services.set_match(demand=demand, offer=offer, actor=user)
                messages.success(request, f"已将{offer.staff.name}调整到{demand.institution.name}。")
            elif action == "confirm":
                form = ConfirmForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(confirm_form=form), status=400)
                made = services.confirm_matches(
                    region_id=region_id, year=year, start=form.cleaned_data["start"], actor=user
                )
                messages.success(request, f"已确认{len(made)}人派驻，下沉记录已生成。")
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect(f"{request.path}?year={year}")


class EvaluationView(ScopedMixin, DetailView):
    """服务期满评价表: everyone who sees the stint reads and downloads it; each of the three units
    fills in its own part (the receiving unit the workload, summary and its opinion; the
    dispatching unit its opinion; the commission its opinion and the result)."""

    template_name = "secondments/evaluation.html"
    resource = "secondment"
    scope = staticmethod(secondments_for_list)
    nav_active = "secondment"
    context_object_name = "secondment"

    def party(self) -> str | None:
        return party_of(self.request.user, self.object, resource="secondment_assessment")

    def form_for(self, evaluation, data=None) -> EvaluationForm:
        form = EvaluationForm(data, instance=evaluation)
        allowed = services.EVALUATION_PARTS.get(self.party(), frozenset())
        for name, field in form.fields.items():
            if name not in allowed:
                field.disabled = True
                field.required = False
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        evaluation = getattr(self.object, "evaluation", None)
        prefilled: dict[str, int] = {}
        if evaluation is None:
            # A new form starts from the HIS workload of the stint, where there is some.
            prefilled = workload_for(self.object)
            evaluation = Evaluation(secondment=self.object, **prefilled)
        party = self.party()
        context.setdefault("form", self.form_for(evaluation))
        context["prefilled"] = [EvaluationForm.base_fields[name].label for name in prefilled]
        context["can_edit"] = party is not None
        context["party_label"] = AssessmentParty(party).label if party else ""
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        party = self.party()
        if party is None:
            raise PermissionDenied("只有派出单位、接收单位和卫健委可以填写评价表。")
        evaluation = getattr(self.object, "evaluation", None) or Evaluation(secondment=self.object)
        form = self.form_for(evaluation, request.POST)
        if form.is_valid():
            allowed = services.EVALUATION_PARTS[party]
            data = {k: v for k, v in form.cleaned_data.items() if k in allowed}
            try:
                services.save_evaluation(secondment=self.object, data=data, party=party, actor=request.user)
                messages.success(request, "评价表已保存。")
                return redirect("secondments:evaluation", pk=self.object.pk)
            except ApplicationError as error:
                apply_application_error(form, error)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class EvaluationDownloadView(ScopedMixin, DetailView):
    """The evaluation form as print-ready .xlsx or PDF, laid out like the paper form."""

    resource = "secondment"
    scope = staticmethod(secondments_for_list)

    def get(self, request, *args, **kwargs):
        secondment = self.get_object()
        evaluation = getattr(secondment, "evaluation", None) or Evaluation(secondment=secondment)
        fmt = kwargs["fmt"]
        name = f"下沉基层服务经历评价表-{secondment.staff.name}.{fmt}"
        if fmt == "pdf":
            response = HttpResponse(
                exports.evaluation_pdf(evaluation, mark=Watermark.for_user(self.request.user)),
                content_type="application/pdf",
            )
        else:
            response = HttpResponse(
                exports.evaluation_xlsx(evaluation, mark=Watermark.for_user(self.request.user)),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response


class AssessmentListView(ScopedMixin, TemplateView):
    """The separate annual ranking (单列考核): stints that served half a year, the three parties'
    scores, the 60:30:10 total, and how many 优秀 places are left (按15%的比例)."""

    template_name = "secondments/assessment_list.html"
    resource = "secondment_assessment"
    nav_active = "secondment"

    def year(self) -> int:
        try:
            return int(self.request.GET.get("year") or self.request.POST.get("year"))
        except (TypeError, ValueError):
            return timezone.localdate().year

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, year = self.request.user, self.year()
        assessments = list(
            visible_assessments(user)
            .filter(year=year)
            .select_related("secondment__staff", "secondment__receiving_unit", "secondment__dispatching_unit")
            .prefetch_related("scores")
            .order_by(F("total").desc(nulls_last=True), "id")
        )
        for a in assessments:
            a.by_party = {s.party: s.total for s in a.scores.all()}
        stints = list(
            visible_secondments(user)
            .filter(start__lte=dt.date(year, 12, 31), end__gte=dt.date(year, 1, 1))
            .exclude(status="cancelled")
            .select_related("staff", "receiving_unit", "dispatching_unit")
        )
        institution = getattr(user, "institution", None)
        quota = None
        if institution is not None:
            try:
                quota = services.excellent_quota(region_id=institution.region_id, year=year)
            except (ApplicationError, KeyError):
                quota = None
        context.update(
            year=year,
            assessments=assessments,
            stints=stints,
            quota=quota,
            can_grade=role_of(user) == "commission_admin" and can_change(user, "secondment_assessment"),
            grades=AnnualGrade.choices,
        )
        return context

    def post(self, request, *args, **kwargs):
        user, year = request.user, self.year()
        if not (role_of(user) == "commission_admin" and can_change(user, "secondment_assessment")):
            raise PermissionDenied("只有卫健委可以评定等次。")
        assessment = get_object_or_404(visible_assessments(user), pk=request.POST.get("assessment"))
        try:
            assessment = services.grade_assessment(
                assessment=assessment, grade=request.POST.get("grade", ""), actor=user
            )
            messages.success(request, f"{assessment.secondment.staff.name}：已评定为{assessment.get_grade_display()}。")
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect(f"{request.path}?year={year}")


class ScoreView(ScopedMixin, DetailView):
    """One party scores a stint's year over the five aspects (100 points in all)."""

    template_name = "secondments/score_form.html"
    resource = "secondment_assessment"
    scope = staticmethod(secondments_for_list)
    nav_active = "secondment"
    context_object_name = "secondment"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        party = party_of(self.request.user, self.object)
        context.update(
            year=self.kwargs["year"],
            party=party,
            party_label=AssessmentParty(party).label if party else "",
            form=kwargs.get("form") or ScoreForm(),
        )
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        party = party_of(request.user, self.object)
        if party is None:
            raise PermissionDenied("您不是该人员的评分方。")
        form = ScoreForm(request.POST)
        if form.is_valid():
            try:
                services.score_assessment(
                    secondment=self.object,
                    year=self.kwargs["year"],
                    party=party,
                    scores=form.cleaned_data,
                    actor=request.user,
                )
                messages.success(request, "评分已保存。")
                return redirect(f"{reverse('secondments:assessments')}?year={self.kwargs['year']}")
            except ApplicationError as error:
                apply_application_error(form, error)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class LedgerView(ScopedMixin, TemplateView):
    """The subsidy ledger per receiving unit and month, for a year; `?format=xlsx` exports it."""

    template_name = "secondments/ledger.html"
    resource = "secondment"
    nav_active = "secondment"

    def year(self) -> int:
        try:
            return int(self.request.GET.get("year"))
        except (TypeError, ValueError):
            return timezone.localdate().year

    def rows(self):
        return subsidy_ledger(visible_secondments(self.request.user), year=self.year())

    def unit_names(self, rows) -> dict[int, str]:
        ids = {r.receiving_unit_id for r in rows}
        return dict(Institution.objects.filter(pk__in=ids).values_list("pk", "name"))

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx":
            rows = self.rows()
            response = HttpResponse(
                exports.ledger_xlsx(rows, self.unit_names(rows), mark=Watermark.for_user(self.request.user)),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            name = f"县聘乡用补助台账-{self.year()}.xlsx"
            response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
            return response
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = self.rows()
        names = self.unit_names(rows)
        for r in rows:
            r.unit_name = names.get(r.receiving_unit_id, "")
        context.update(
            year=self.year(),
            rows=rows,
            total_subsidy=sum((r.subsidy for r in rows), Decimal(0)),
            total_award=sum((r.award for r in rows), Decimal(0)),
        )
        return context


@register_staff_section
def secondment_section(request, staff: Staff) -> StaffSection | None:
    """On the staff page: the person's stints, grassroots service counted (考核合格的基层工作经历),
    and the promotion priority of 3 continuous years in remote areas."""
    user = request.user
    if not can_read(user, "secondment"):
        return None
    stints = list(
        visible_secondments(user)
        .filter(staff=staff)
        .select_related("receiving_unit", "dispatching_unit", "policy")
        .order_by("-start")
    )
    if not stints:
        return None
    today = timezone.localdate()
    counted = [s for s in stints if s.counts_as_service and s.status == "completed"]
    years = 3
    with contextlib.suppress(ApplicationError, KeyError):
        years = policy_for(staff.institution.region, today).remote_years_for_priority
    remote = [(s.start, s.end) for s in counted if s.receiving_unit.is_remote]
    history = history_entries(
        Secondment.history.filter(id__in=[s.pk for s in stints]),
        subject=lambda r: "县聘乡用",
    )
    return StaffSection(
        template_name="secondments/_staff_section.html",
        context={
            "stints": stints,
            "counted_days": sum(s.served_days for s in counted),
            "remote_priority": rules.remote_priority(remote, years=years, as_of=today),
            "remote_years": years,
        },
        history=history,
    )


@register_dashboard_cards
def secondment_cards(user) -> list[DashboardCard]:
    """On the landing page: stints in service, and those that will miss their deadline (one query)."""
    if not can_read(user, "secondment"):
        return []
    counts = visible_secondments(user).aggregate(
        active=Count("pk", filter=Q(status=SecondmentStatus.ACTIVE)),
        late=Count("pk", filter=Q(status__in=services.OPEN_STATUSES, misses_deadline=True)),
    )
    url = reverse("secondments:list")
    return [
        DashboardCard("县聘乡用服务中", counts["active"], url, "正在基层服务的人员"),
        DashboardCard("下沉将超期", counts["late"], url, "服务期结束晚于须完成下沉的期限", alert=counts["late"] > 0),
    ]
