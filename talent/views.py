"""柔性引才 pages: contracts (list, new, detail with visits, attendance, reviews and termination
items), experts and teams, the annual review form and table (xlsx/PDF), and the budget page.
Every page goes through personnel.views.ScopedMixin and talent.selectors; every write through
talent.services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, ListView, TemplateView

from personnel.choices import InstitutionKind
from personnel.errors import ApplicationError
from personnel.forms import apply_application_error
from personnel.scoping import can_change, can_read, changeable, visible_institutions
from personnel.services import policy_for
from personnel.views import DashboardCard, ScopedMixin, paginate, register_dashboard_cards
from personnel.watermark import Watermark

from . import exports, rules, services
from .choices import ContractStatus, TerminationStatus
from .forms import (
    ContractForm,
    DateForm,
    ExpertForm,
    PaymentForm,
    ReallocationForm,
    RenewalForm,
    ReviewForm,
    TeamForm,
    VisitForm,
)
from .models import AnnualReview, Contract
from .selectors import (
    budgets_with_figures,
    contracts_with_worked_days,
    visible_budgets,
    visible_contracts,
    visible_experts,
    visible_reviews,
    visible_teams,
    visible_termination_items,
)

NAV = "talent"


def _contracts_for_list(user) -> QuerySet[Contract]:
    return contracts_with_worked_days(
        visible_contracts(user).select_related("institution", "department", "expert", "team")
    ).order_by("-start", "-id")


def _with_attendance(contract: Contract, on: dt.date, minimums: dict[int, Decimal | None]) -> Contract:
    """The attendance figures shown beside a contract (worked against contracted days to date),
    flagged when below the policy's minimum work-time ratio (seed 002: 70%)."""
    contracted = rules.contracted_days(
        start=contract.start, end=contract.end, days_per_month=contract.days_per_month, on=on
    )
    contract.contracted_days = contracted
    contract.attendance_rate = rules.attendance_rate(getattr(contract, "worked_days", Decimal(0)), contracted)
    region_id = contract.institution.region_id
    if region_id not in minimums:
        try:
            minimums[region_id] = policy_for(contract.institution.region, on).min_work_time_ratio
        except (ApplicationError, KeyError):
            minimums[region_id] = None
    minimum = minimums[region_id]
    contract.minimum_ratio = minimum
    contract.below_minimum = minimum is not None and rules.attendance_below_minimum(
        contract.attendance_rate, minimum=minimum
    )
    return contract


class ContractListView(ScopedMixin, ListView):
    template_name = "talent/contract_list.html"
    resource = "talent_contract"
    scope = staticmethod(_contracts_for_list)
    nav_active = NAV
    context_object_name = "contracts"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = paginate(self.request, self.object_list)
        today = timezone.localdate()
        context["page_obj"] = page
        minimums: dict[int, Decimal | None] = {}
        context["contracts"] = [_with_attendance(c, today, minimums) for c in page.object_list]
        context["can_create"] = can_change(self.request.user, "talent_contract")
        context["can_read_budget"] = can_read(self.request.user, "talent_budget")
        context["today"] = today
        return context


class ContractCreateView(ScopedMixin, FormView):
    template_name = "talent/contract_form.html"
    form_class = ContractForm
    resource = "talent_contract"
    action = "change"
    nav_active = NAV

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            contract = services.create_contract(**data, actor=self.request.user)
        except ApplicationError as error:
            apply_application_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"合同{contract.code}已草拟，签订后占用经费。")
        return redirect("talent:contract_detail", pk=contract.pk)


class ContractDetailView(ScopedMixin, DetailView):
    template_name = "talent/contract_detail.html"
    resource = "talent_contract"
    scope = staticmethod(_contracts_for_list)
    nav_active = NAV
    context_object_name = "contract"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        contract = _with_attendance(self.object, timezone.localdate(), {})
        context["visits"] = contract.visits.all()[:200]
        context["reviews"] = visible_reviews(user).filter(contract=contract)
        context["items"] = contract.termination_items.all()
        context["can_change"] = can_change(user, "talent_contract")
        context["can_visit"] = can_change(user, "talent_visit") and contract.status in (
            ContractStatus.ACTIVE,
            ContractStatus.SUSPENDED,
        )
        context["can_review"] = can_change(user, "talent_review") and contract.status != ContractStatus.DRAFT
        context["visit_form"] = VisitForm(initial={"visit_date": timezone.localdate()})
        context["today"] = timezone.localdate()
        return context


class ContractActionView(ScopedMixin, View):
    """A POST on one contract (sign, terminate, record a visit, file a termination request):
    the object comes from the changeable scope (a foreign one is a 404), the service decides."""

    resource = "talent_contract"
    action = "change"
    http_method_names = ["post"]

    def get_queryset(self):
        return changeable(self.request.user, self.resource, visible_contracts(self.request.user))

    def post(self, request, pk: int):
        contract = get_object_or_404(self.get_queryset(), pk=pk)
        self.target = contract
        try:
            message = self.perform(contract)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, message)
        return redirect("talent:contract_detail", pk=self.target.pk)

    def date_from_post(self) -> dt.date:
        form = DateForm(self.request.POST)
        if not form.is_valid():
            raise ApplicationError("请填写有效的日期。")
        return form.cleaned_data["on"]


class ContractRenewView(ContractActionView):
    """续签: a new draft after a 合格 review (the service refuses otherwise)."""

    def perform(self, contract: Contract) -> str:
        form = RenewalForm(self.request.POST)
        if not form.is_valid():
            raise ApplicationError("续签信息填写有误：" + "；".join(e for errs in form.errors.values() for e in errs))
        renewal = services.renew_contract(contract=contract, **form.cleaned_data, actor=self.request.user)
        self.target = renewal
        return f"已草拟续签合同{renewal.code}。"


class PaymentView(ContractActionView):
    def perform(self, contract: Contract) -> str:
        form = PaymentForm(self.request.POST)
        if not form.is_valid():
            raise ApplicationError("请填写有效的拨付金额。")
        contract = services.record_payment(
            contract=contract, amount=form.cleaned_data["amount"], actor=self.request.user
        )
        return f"已拨付，累计{contract.paid}元。"


class ContractSignView(ContractActionView):
    def perform(self, contract: Contract) -> str:
        services.sign_contract(contract=contract, signed_on=self.date_from_post(), actor=self.request.user)
        return "合同已签订，支持资金已计入本单位经费占用。"


class ContractTerminateView(ContractActionView):
    def perform(self, contract: Contract) -> str:
        contract = services.terminate_contract(
            contract=contract, ended_on=self.date_from_post(), actor=self.request.user
        )
        return f"合同已解除，释放经费{contract.released}元。"


class TerminationFileView(ContractActionView):
    def perform(self, contract: Contract) -> str:
        item = get_object_or_404(
            contract.termination_items.filter(status=TerminationStatus.OPEN), pk=self.request.POST.get("item")
        )
        item = services.file_termination_request(item=item, filed_on=self.date_from_post(), actor=self.request.user)
        return "已记录书面终止申请。" + ("（已超过3个月期限）" if item.overdue else "")


class VisitCreateView(ContractActionView):
    resource = "talent_visit"

    def perform(self, contract: Contract) -> str:
        form = VisitForm(self.request.POST)
        if not form.is_valid():
            raise ApplicationError("到岗记录填写有误：" + "；".join(e for errs in form.errors.values() for e in errs))
        visit = services.record_visit(contract=contract, **form.cleaned_data, actor=self.request.user)
        return f"已记录{visit.visit_date:%Y-%m-%d}到岗{visit.days}天。"


class ReviewCreateView(ScopedMixin, FormView):
    """The annual review: the scheme's bands (with the ranges the seed leaves open, as the policy
    decides them) beside the inputs; the service computes, vetoes and decides."""

    template_name = "talent/review_form.html"
    form_class = ReviewForm
    resource = "talent_review"
    action = "change"
    nav_active = NAV

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.permitted(request.user):
            self.contract = get_object_or_404(
                visible_contracts(request.user).exclude(status=ContractStatus.DRAFT).select_related("institution"),
                pk=kwargs["pk"],
            )
            year = min(timezone.localdate().year, self.contract.end.year)
            try:
                self.scheme = services.review_scheme_for(
                    region=self.contract.institution.region, on=dt.date(year, 12, 31)
                )
            except ApplicationError as error:
                raise PermissionDenied(error.message) from error
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"scheme_items": self.scheme.items}

    def get_initial(self):
        return {"year": min(timezone.localdate().year, self.contract.end.year)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["contract"] = self.contract
        context["scheme"] = self.scheme
        context["total"] = rules.scheme_total(self.scheme.items)
        return context

    def form_valid(self, form):
        try:
            review = services.run_annual_review(
                contract=self.contract, **form.service_arguments(), actor=self.request.user
            )
        except ApplicationError as error:
            extra = dict(error.extra)
            if "manual_scores" in extra:
                extra = {"__all__": extra.pop("manual_scores")} | extra
            apply_application_error(form, ApplicationError(error.message, extra))
            return self.form_invalid(form)
        messages.success(self.request, f"{review.year}年度考核：{review.total}分，{review.get_result_display()}。")
        return redirect("talent:review_detail", pk=review.pk)


class ReviewDetailView(ScopedMixin, DetailView):
    template_name = "talent/review_detail.html"
    resource = "talent_review"
    nav_active = NAV
    context_object_name = "review"

    @staticmethod
    def scope(user) -> QuerySet[AnnualReview]:
        return visible_reviews(user).select_related("contract__institution", "scheme", "reviewed_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["rows"] = exports.review_rows(self.object)
        return context


class ReviewExportView(ScopedMixin, DetailView):
    resource = "talent_review"

    @staticmethod
    def scope(user) -> QuerySet[AnnualReview]:
        return visible_reviews(user).select_related("contract__institution", "scheme")

    def render_to_response(self, context, **kwargs):
        review = self.object
        fmt = self.kwargs["fmt"]
        name = f"柔性引才年度考核-{review.contract.code}-{review.year}"
        if fmt == "xlsx":
            content = exports.review_xlsx(review, mark=Watermark.for_user(self.request.user))
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            content = exports.review_pdf(review, mark=Watermark.for_user(self.request.user))
            content_type = "application/pdf"
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}.{fmt}"
        return response


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text)


class ExpertListView(ScopedMixin, TemplateView):
    template_name = "talent/expert_list.html"
    resource = "talent_contract"
    nav_active = NAV

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["experts"] = visible_experts(user).select_related("institution").order_by("name")
        context["teams"] = visible_teams(user).select_related("leader").prefetch_related("core_members")
        context["can_create"] = can_change(user, "talent_contract")
        return context


class ExpertCreateView(ScopedMixin, FormView):
    template_name = "talent/expert_form.html"
    form_class = ExpertForm
    resource = "talent_contract"
    action = "change"
    nav_active = NAV

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"user": self.request.user}

    def form_valid(self, form):
        try:
            expert = services.save_expert(expert=form.save(commit=False), actor=self.request.user)
        except ApplicationError as error:
            apply_application_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"已登记专家{expert.name}。")
        return redirect("talent:experts")


class TeamCreateView(ScopedMixin, FormView):
    template_name = "talent/team_form.html"
    form_class = TeamForm
    resource = "talent_contract"
    action = "change"
    nav_active = NAV

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            team = services.create_team(
                institution=data["institution"],
                name=data["name"],
                leader=data["leader"],
                core_members=list(data["core_members"]),
                on=timezone.localdate(),
                actor=self.request.user,
            )
        except ApplicationError as error:
            apply_application_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"已组建团队{team.name}。")
        return redirect("talent:experts")


class BudgetView(ScopedMixin, TemplateView):
    """Per hospital and year: allocated (base ± re-allocation), committed by signed contracts,
    paid and left; the commission admin re-allocates within the policy's ±20%."""

    template_name = "talent/budget.html"
    resource = "talent_budget"
    nav_active = NAV

    def year(self) -> int:
        try:
            return int(self.request.GET.get("year") or self.request.POST.get("year") or "")
        except ValueError:
            return timezone.localdate().year

    def hospitals(self) -> QuerySet:
        return visible_institutions(self.request.user).filter(
            kind__in=[InstitutionKind.HEAD_HOSPITAL, InstitutionKind.BRANCH]
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        year = self.year()
        budgets = list(
            budgets_with_figures(visible_budgets(self.request.user).filter(year=year).select_related("institution"))
        )
        context["year"] = year
        context["years"] = range(timezone.localdate().year + 1, timezone.localdate().year - 4, -1)
        context["budgets"] = budgets
        context["totals"] = {
            key: sum((getattr(b, key) for b in budgets), Decimal(0))
            for key in ("base", "adjustment", "allocated_amount", "committed_amount", "paid_amount", "left_amount")
        }
        context["can_reallocate"] = can_change(self.request.user, "talent_budget")
        context.setdefault("form", ReallocationForm(institutions=self.hospitals()))
        return context

    def post(self, request, *args, **kwargs):
        if not can_change(request.user, "talent_budget"):
            raise PermissionDenied("您的角色无权调整经费。")
        form = ReallocationForm(request.POST, institutions=self.hospitals())
        year = self.year()
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.reallocate_budget(
                    source=data["source"],
                    target=data["target"],
                    year=year,
                    amount=data["amount"],
                    on=timezone.localdate(),
                    actor=request.user,
                )
            except ApplicationError as error:
                apply_application_error(form, error)
            else:
                messages.success(request, f"已从{data['source'].name}调剂{data['amount']}元至{data['target'].name}。")
                return redirect(f"{reverse('talent:budget')}?year={year}")
        return self.render_to_response(self.get_context_data(form=form))


@register_dashboard_cards
def talent_cards(user) -> list[DashboardCard]:
    """Termination items waiting for the written request (seed 002 §六(三): within 3 months)."""
    if not can_read(user, "talent_contract"):
        return []
    counts = visible_termination_items(user).aggregate(
        open=Count("pk", filter=Q(status=TerminationStatus.OPEN)),
        overdue=Count("pk", filter=Q(status=TerminationStatus.OPEN, overdue=True)),
    )
    note = "须在得知后3个月内提出书面终止申请" + (f"，{counts['overdue']}项已逾期" if counts["overdue"] else "")
    return [
        DashboardCard("柔性引才待终止事项", counts["open"], reverse("talent:contracts"), note, alert=counts["open"] > 0)
    ]
