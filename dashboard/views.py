"""The dashboard pages: the figures (drawn by ECharts from JSON), the list behind each bar, the
grassroots indicators and the report downloads."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from personnel.errors import ApplicationError
from personnel.scoping import can_read, visible_institutions

from . import drill, figures, indicators, reports

NAV = "dashboard"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
        shown = figures.dashboard(user, today=today, period_id=period_id)
        context.update(
            nav_active=NAV,
            today=today,
            figures=shown,
            chart_data=[f.as_dict() for f in shown],
            drill_url=reverse("dashboard:drill"),
            may_report=bool(shown) and can_read(user, "quota"),
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
            "density": [float(p.density) if p.density is not None else None for p in data.trend],
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
            response = HttpResponse(reports.report_xlsx(report), content_type=XLSX)
        else:
            response = HttpResponse(reports.report_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(report.title + '.' + fmt)}"
        return response
