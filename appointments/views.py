"""Appointment pages: the list, appointing a person (from the staff page), the post-quota
overview; plus what appointments add to personnel's landing page and staff page."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.db.models import F, QuerySet
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, ListView, TemplateView

from personnel.choices import StaffStatus
from personnel.errors import ApplicationError
from personnel.forms import apply_application_error, label_blank_choices
from personnel.models import PostGrade, Staff
from personnel.scoping import can_change, can_read, visible_quotas, visible_staff
from personnel.selectors import history_entries
from personnel.views import (
    DashboardCard,
    ScopedMixin,
    StaffSection,
    page_size_from,
    paginate,
    register_dashboard_cards,
    register_staff_section,
)

from .choices import AppointmentStatus
from .forms import AppointmentFilterSet, AppointmentForm
from .models import Appointment
from .selectors import quotas_with_usage, visible_appointments
from .services import create_appointment


def appointments_for_list(user) -> QuerySet[Appointment]:
    return visible_appointments(user).select_related("staff", "institution", "post_grade").order_by("-start", "-id")


def quota_usage_for(user, *, year: int) -> QuerySet:
    """The user's visible quotas of a year with `used`, in tree order: one query."""
    return quotas_with_usage(
        visible_quotas(user).filter(year=year).select_related("institution", "post_grade")
    ).order_by("institution__path", "post_grade_id")


class AppointmentListView(ScopedMixin, ListView):
    template_name = "appointments/appointment_list.html"
    resource = "appointment"
    scope = staticmethod(appointments_for_list)
    nav_active = "appointment"
    context_object_name = "appointments"

    def get_queryset(self):
        self.filterset = AppointmentFilterSet(self.request.GET, queryset=super().get_queryset(), user=self.request.user)
        label_blank_choices(self.filterset.form, "全部")
        if not self.filterset.is_valid():
            return self.filterset.queryset.none()
        return self.filterset.qs

    def paginate_queryset(self, queryset, page_size):
        page = paginate(self.request, queryset)
        return page.paginator, page, page.object_list, page.has_other_pages()

    def get_paginate_by(self, queryset):
        return page_size_from(self.request)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["filtered"] = any(v for k, v in self.request.GET.items() if k not in ("page", "page_size"))
        return context


class AppointmentCreateView(ScopedMixin, FormView):
    """Appoint a person to a post grade: the service checks the quota (岗位结构比例), the one
    active appointment, the term; its refusal is shown on the form and nothing is written."""

    template_name = "appointments/appointment_form.html"
    form_class = AppointmentForm
    resource = "appointment"
    action = "change"
    nav_active = "appointment"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and self.permitted(request.user):
            self.staff = get_object_or_404(
                visible_staff(request.user).select_related("institution", "department"), pk=kwargs["staff_pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"start": timezone.localdate()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The quota table follows the start date being entered (the quota of its year binds).
        form = context["form"]
        start = form.cleaned_data.get("start") if form.is_bound and hasattr(form, "cleaned_data") else None
        year = start.year if start else timezone.localdate().year
        context.update(
            staff=self.staff,
            current=Appointment.objects.filter(staff=self.staff, status=AppointmentStatus.ACTIVE)
            .select_related("post_grade")
            .first(),
            quota_year=year,
            quotas=quota_usage_for(self.request.user, year=year).filter(institution=self.staff.institution),
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            appointment = create_appointment(
                staff=self.staff,
                post_grade=data["post_grade"],
                start=data["start"],
                end=data["end"],
                kind=data["kind"],
                agreement_text=data["agreement_text"],
                actor=self.request.user,
            )
        except ApplicationError as error:
            apply_application_error(form, error)
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(
            self.request,
            f"已聘任{self.staff.name}为{appointment.post_grade.name}（{appointment.start:%Y-%m-%d}至{appointment.end:%Y-%m-%d}）。",
        )
        return redirect(reverse("personnel:staff_detail", args=[self.staff.pk]) + "#appointments")


@dataclass
class QuotaRow:
    institution: object
    cells: dict = field(default_factory=dict)
    used: int = 0
    allowed: int = 0

    @property
    def overflow(self) -> bool:
        return any(c.used > c.count for c in self.cells.values())


class QuotaOverviewView(ScopedMixin, TemplateView):
    """岗位结构: per institution and post grade, the posts filled against the posts allowed for a
    year; an overflow (more filled than allowed) is highlighted."""

    template_name = "appointments/quota_overview.html"
    resource = "quota"
    nav_active = "quota"

    def get_year(self) -> int:
        try:
            year = int(self.request.GET.get("year", ""))
        except ValueError:
            return timezone.localdate().year
        return year if 2000 <= year <= 2100 else timezone.localdate().year

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        year = self.get_year()
        rows: dict[int, QuotaRow] = {}
        grades: dict[int, PostGrade] = {}
        for quota in quota_usage_for(user, year=year):
            row = rows.setdefault(quota.institution_id, QuotaRow(institution=quota.institution))
            quota.percent = min(100, round(100 * quota.used / quota.count)) if quota.count else 100
            row.cells[quota.post_grade_id] = quota
            row.used += quota.used
            row.allowed += quota.count
            grades[quota.post_grade_id] = quota.post_grade
        columns = [grades[g] for g in sorted(grades)]
        for row in rows.values():
            row.cell_list = [row.cells.get(g.pk) for g in columns]
        groups: list[dict] = []
        for grade in columns:
            if groups and groups[-1]["level"] == grade.title_level:
                groups[-1]["span"] += 1
            else:
                groups.append({"level": grade.title_level, "label": grade.get_title_level_display(), "span": 1})
        years = sorted(set(visible_quotas(user).values_list("year", flat=True).distinct()) | {year}, reverse=True)
        context.update(
            year=year,
            years=years,
            columns=columns,
            groups=groups,
            rows=list(rows.values()),
            overflow_count=sum(1 for r in rows.values() for c in r.cells.values() if c.used > c.count),
        )
        return context


# --- Contributions to personnel's pages -----------------------------------------------------------


@register_dashboard_cards
def appointment_cards(user) -> list[DashboardCard]:
    cards = []
    if can_read(user, "appointment"):
        active = visible_appointments(user).filter(status=AppointmentStatus.ACTIVE).count()
        cards.append(DashboardCard("在聘人员", active, reverse("appointments:list") + "?status=active", "当前有效聘任"))
    if can_read(user, "quota"):
        year = timezone.localdate().year
        over = quota_usage_for(user, year=year).filter(used__gt=F("count")).count()
        cards.append(
            DashboardCard(
                f"{year}年超岗位结构",
                over,
                reverse("appointments:quotas") + f"?year={year}",
                "已聘人数超过核定岗位数的机构岗位等级",
                alert=over > 0,
            )
        )
    return cards


@register_staff_section
def appointment_section(request, staff: Staff) -> StaffSection | None:
    user = request.user
    if not can_read(user, "appointment"):
        return None
    appointments = list(
        visible_appointments(user).filter(staff=staff).select_related("institution", "post_grade").order_by("-start")
    )
    grade_names = dict(PostGrade.objects.values_list("grade", "name"))
    history = history_entries(
        Appointment.history.filter(id__in=[a.pk for a in appointments]),
        subject=lambda r: f"聘任：{grade_names.get(r.post_grade_id, r.post_grade_id)}",
    )
    return StaffSection(
        template_name="appointments/_staff_section.html",
        context={
            "appointments": appointments,
            "can_appoint": can_change(user, "appointment") and staff.status == StaffStatus.ON_DUTY,
        },
        history=history,
    )
