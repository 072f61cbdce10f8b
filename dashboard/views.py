"""The dashboard pages: the figures (drawn by ECharts from JSON), the list behind each bar, the
grassroots indicators and the report downloads."""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from personnel.errors import ApplicationError
from personnel.scoping import can_read, role_of, visible_institutions
from personnel.watermark import Watermark

from . import drill, figures, indicators, reports

NAV = "dashboard"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cached_figures(user, *, today, period_id: int | None, fresh: bool = False) -> tuple[list[dict], object]:
    """The figures of the user's scope, kept DASHBOARD_CACHE_SECONDS (default 300) per scope and
    day: the morning look of many readers of one region computes them once.  `fresh` recomputes
    (the page's 刷新 link); the reports and the API always compute."""
    key = "dashboard:{}:{}:{}:{}:{}:{}:{}".format(
        role_of(user),
        getattr(user, "institution_id", None),
        getattr(user, "department_id", None),
        getattr(user, "staff_id", None),
        int(bool(getattr(user, "is_superuser", False))),
        today.isoformat(),
        period_id or 0,
    )
    seconds = int(getattr(settings, "DASHBOARD_CACHE_SECONDS", 300))
    hit = None if fresh or not seconds else cache.get(key)
    if hit is not None:
        return hit
    value = ([f.as_dict() for f in figures.dashboard(user, today=today, period_id=period_id)], timezone.now())
    if seconds:
        cache.set(key, value, seconds)
    return value


class DashboardView(LoginRequiredMixin, TemplateView):
    template_name = "dashboard/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        try:
            period_id = int(self.request.GET.get("period") or 0) or None
        except ValueError:
            period_id = None
        fresh = self.request.GET.get("fresh") == "1"
        chart_data, computed_at = cached_figures(user, today=today, period_id=period_id, fresh=fresh)
        context.update(
            nav_active=NAV,
            today=today,
            figures=chart_data,
            chart_data=chart_data,
            computed_at=computed_at,
            cache_minutes=int(getattr(settings, "DASHBOARD_CACHE_SECONDS", 300)) // 60,
            drill_url=reverse("dashboard:drill"),
            may_report=bool(chart_data) and can_read(user, "quota"),
            may_indicators=can_read(user, "quota"),
            institutions=list(visible_institutions(user).values("pk", "name")) if can_read(user, "quota") else [],
        )
        return context


class DrillView(LoginRequiredMixin, View):
    page_size = 50

    def get(self, request):
        try:
            found = drill.drill(request.user, request.GET, today=timezone.localdate())
        except ApplicationError as error:
            return render(request, "dashboard/drill.html", {"error": str(error), "nav_active": NAV}, status=400)
        page = Paginator(found.queryset, self.page_size).get_page(request.GET.get("page"))
        rows = [found.row(obj) for obj in page.object_list]
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            "dashboard/drill.html",
            {
                "drill": found,
                "rows": rows,
                "page_obj": page,
                "query": query.urlencode(),
                "nav_active": NAV,
            },
        )


class IndicatorsView(LoginRequiredMixin, TemplateView):
    template_name = "dashboard/indicators.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can_read(request.user, "quota"):
            raise PermissionDenied("强基指标仅供卫健委和医院人事查看。")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = indicators.grassroots_indicators(self.request.user, today=timezone.localdate())
        trend = {
            "years": [p.year for p in data.trend],
            # A year without anyone in the history is no data (the history began later), not zero.
            "density": [float(p.density) if p.density is not None and p.workers else None for p in data.trend],
            "senior": [float(p.senior_ratio * 100) if p.senior_ratio is not None else None for p in data.trend],
            "backbone": [float(p.backbone_ratio * 100) if p.backbone_ratio is not None else None for p in data.trend],
            "workers": [p.workers for p in data.trend],
        }
        t = data.targets
        if t:
            trend["targets"] = {
                "density": float(t.workers_per_10k) if t.workers_per_10k is not None else None,
                "senior": float(t.senior_ratio * 100) if t.senior_ratio is not None else None,
                "backbone": float(t.backbone_ratio * 100) if t.backbone_ratio is not None else None,
            }
        context.update(nav_active=NAV, data=data, trend=trend, drill_url=reverse("dashboard:drill"))
        return context


class ReportView(LoginRequiredMixin, View):
    """`/dashboard/reports/<monthly|annual>.<xlsx|pdf>?month=2026-03|year=2026&institution=<id>`."""

    def get(self, request, kind: str, fmt: str):
        if not can_read(request.user, "quota"):
            raise PermissionDenied("报告仅供卫健委和医院人事下载。")
        try:
            institution = int(request.GET["institution"]) if request.GET.get("institution") else None
        except ValueError:
            institution = None
        try:
            report = reports.build_report(
                request.user,
                kind=kind,
                today=timezone.localdate(),
                month=request.GET.get("month"),
                year=request.GET.get("year"),
                institution_id=institution,
            )
        except ApplicationError as error:
            return render(request, "dashboard/drill.html", {"error": str(error), "nav_active": NAV}, status=400)
        if fmt == "xlsx":
            response = HttpResponse(
                reports.report_xlsx(report, mark=Watermark.for_user(request.user)), content_type=XLSX
            )
        else:
            response = HttpResponse(
                reports.report_pdf(report, mark=Watermark.for_user(request.user)), content_type="application/pdf"
            )
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(report.title + '.' + fmt)}"
        return response
