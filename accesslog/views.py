"""/access-log/: the commission reads who saw which full 身份证号, and exports it (watermarked,
and the export is itself logged)."""

from __future__ import annotations

import io
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from personnel.views import ScopedMixin, page_size_from, paginate
from personnel.watermark import Watermark, watermark_workbook

from .choices import AccessKind
from .filters import AccessLogFilterSet
from .selectors import visible_access_log
from .services import Viewer, log_log_export

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_LIMIT = 100_000


class AccessLogMixin(ScopedMixin):
    resource = "access_log"
    scope = staticmethod(visible_access_log)
    nav_active = "access_log"

    def filtered(self):
        self.filterset = AccessLogFilterSet(self.request.GET, queryset=self.get_queryset())
        if not self.filterset.is_valid():
            return self.filterset.queryset.none()
        return self.filterset.qs


class AccessLogListView(AccessLogMixin, ListView):
    template_name = "accesslog/access_log.html"
    context_object_name = "entries"

    def paginate_queryset(self, queryset, page_size):
        page = paginate(self.request, self.filtered())
        return page.paginator, page, page.object_list, page.has_other_pages()

    def get_paginate_by(self, queryset):
        return page_size_from(self.request)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filter"] = self.filterset
        context["retention_days"] = settings.ACCESS_LOG_RETENTION_DAYS
        context["filtered"] = any(v for k, v in self.request.GET.items() if k not in ("page", "page_size"))
        return context


class AccessLogExportView(AccessLogMixin, View):
    """The filtered log as .xlsx (names and staff numbers, never an ID number).  The export itself
    is one row of the log: who exported how many rows, from where."""

    def get(self, request):
        rows = list(self.filtered().select_related("staff")[:EXPORT_LIMIT])
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.title = "查看记录"
        sheet.append(["时间", "查看人账号", "被查看人", "工号", "被查看人单位", "方式", "位置", "客户端IP"])
        for entry in rows:
            sheet.append(
                [
                    timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
                    entry.username,
                    entry.staff_name,
                    entry.staff.employee_no if entry.staff else "",
                    entry.institution.name if entry.institution else "",
                    entry.get_kind_display(),
                    entry.path,
                    entry.ip or "",
                ]
            )
        for column, width in zip("ABCDEFGH", (20, 14, 10, 12, 20, 8, 48, 16), strict=True):
            sheet.column_dimensions[column].width = width
        watermark_workbook(book, Watermark.for_user(request.user))
        out = io.BytesIO()
        book.save(out)
        log_log_export(Viewer.from_request(request, AccessKind.EXPORT), rows=len(rows))
        response = HttpResponse(out.getvalue(), content_type=XLSX)
        name = f"身份证号查看记录_{timezone.localdate():%Y%m%d}.xlsx"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response
