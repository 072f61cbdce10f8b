"""Roster pages: upload → preview (a dry run) → confirm; live progress for large files; import
history; the template, the errors workbook and the staff export as downloads.

Every page goes through `ScopedMixin`: uploading needs the right to change staff, and an import
record outside the user's scope is a 404."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from .filters import StaffFilterSet
from .models import RosterImport
from .roster.errors_workbook import build_errors_workbook
from .roster.export import export_staff
from .roster.reader import RosterFileError, max_upload_bytes
from .roster.selectors import visible_roster_imports
from .roster.services import (
    create_import_record,
    failed_upload_record,
    read_progress,
    receive_upload,
    submit_import,
)
from .roster.template import build_template
from .scoping import visible_staff
from .views import ScopedMixin, paginate
from .watermark import Watermark

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
IN_PROGRESS = {RosterImport.Status.PENDING, RosterImport.Status.CHECKING, RosterImport.Status.RUNNING}


def xlsx_response(data: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(file_name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="花名册文件",
        help_text="Excel工作簿（.xlsx），不超过20MB",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )


class RosterMixin(ScopedMixin):
    resource = "staff"
    action = "change"
    nav_active = "roster"
    scope = staticmethod(visible_roster_imports)

    def get_queryset(self):
        return visible_roster_imports(self.request.user)


class RosterUploadView(RosterMixin, FormView):
    template_name = "roster/upload.html"
    form_class = RosterUploadForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["max_mb"] = max_upload_bytes() // 1024 // 1024
        context["recent"] = self.get_queryset()[:5]
        return context

    def form_valid(self, form):
        upload = form.cleaned_data["file"]
        user = self.request.user
        try:
            data = receive_upload(upload)
        except RosterFileError as error:
            record = failed_upload_record(file_name=upload.name, actor=user, source="web", message=error.message)
            return redirect("roster:detail", pk=record.pk)
        record = create_import_record(file_name=upload.name, data=data, actor=user, source="web", dry_run=True)
        submit_import(record=record, dry_run=True)
        return redirect("roster:detail", pk=record.pk)


class RosterDetailView(RosterMixin, DetailView):
    """The preview before confirming, the live progress of a large file, and the final report."""

    template_name = "roster/detail.html"
    context_object_name = "record"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.object
        context["in_progress"] = record.status in IN_PROGRESS
        context["progress"] = read_progress(record)
        context["percent"] = int(100 * context["progress"] / record.total_rows) if record.total_rows else 0
        context["can_confirm"] = record.status == RosterImport.Status.CHECKED and record.content is not None
        context["has_workbook"] = bool(record.errors) and bool(record.content) and not record.message
        return context


class RosterConfirmView(RosterMixin, View):
    def post(self, request, pk: int):
        record = get_object_or_404(self.get_queryset().defer(None), pk=pk)
        if record.status != RosterImport.Status.CHECKED or record.content is None:
            messages.error(request, "该文件尚未通过校验或已导入，不能确认导入。")
            return redirect("roster:detail", pk=pk)
        queued = submit_import(record=record, dry_run=False, rows=record.total_rows)
        record.refresh_from_db()
        if not queued:
            if record.status == RosterImport.Status.DONE:
                messages.success(
                    request,
                    f"导入完成：新增{record.new_count}人，更新{record.updated_count}人，未变{record.unchanged_count}人。",
                )
            else:
                messages.error(request, "导入未完成，未写入任何数据，请查看错误明细。")
        return redirect("roster:detail", pk=pk)


class RosterProgressView(RosterMixin, View):
    """Polled by the progress bar: status, rows processed, and whether the page should reload."""

    def get(self, request, pk: int):
        record = get_object_or_404(self.get_queryset(), pk=pk)
        progress = read_progress(record)
        return JsonResponse(
            {
                "status": record.status,
                "status_display": record.get_status_display(),
                "progress": progress,
                "total": record.total_rows,
                "percent": int(100 * progress / record.total_rows) if record.total_rows else 0,
                "finished": record.status not in IN_PROGRESS,
            }
        )


class RosterHistoryView(RosterMixin, ListView):
    template_name = "roster/history.html"
    context_object_name = "records"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        page = paginate(self.request, self.get_queryset())
        context["page_obj"] = page
        context["records"] = page.object_list
        return context


class RosterTemplateView(RosterMixin, View):
    def get(self, request):
        return xlsx_response(build_template(user=request.user), "花名册导入模板.xlsx")


class RosterErrorsWorkbookView(RosterMixin, View):
    def get(self, request, pk: int):
        record = get_object_or_404(self.get_queryset().defer(None), pk=pk)
        if not record.errors or not record.content:
            raise Http404("该导入没有可下载的错误清单。")
        data = build_errors_workbook(bytes(record.content), record.errors, mark=Watermark.for_user(request.user))
        stem = record.file_name.rsplit(".", 1)[0]
        return xlsx_response(data, f"{stem}_错误说明.xlsx")


class StaffExportView(ScopedMixin, View):
    """The staff list as filtered on screen (the same GET filters), as .xlsx with the roster's headers."""

    resource = "staff"

    def get(self, request):
        user = request.user
        filterset = StaffFilterSet(request.GET, queryset=visible_staff(user), user=user)
        queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
        data = export_staff(queryset, user=user, request=request)
        return xlsx_response(data, f"人员名单_{timezone.localdate():%Y%m%d}.xlsx")
