"""站内通知 page: the user's own notifications, unread first; mark one or all read."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from personnel.errors import ApplicationError
from personnel.views import navigation_for, paginate

from .context_processors import forget_unread, refresh_unread
from .models import EmailMode, Notification
from .services import email_mode_of, mark_read, set_email_mode


class NotificationListView(LoginRequiredMixin, TemplateView):
    template_name = "notifications/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        qs = Notification.objects.filter(recipient=self.request.user).order_by(
            F("read_at").asc(nulls_first=True), "-created_at", "-id"
        )
        if self.request.GET.get("unread"):
            qs = qs.filter(read_at__isnull=True)
        page = paginate(self.request, qs)
        context["page_obj"] = page
        context["notifications"] = page.object_list
        context["unread_only"] = bool(self.request.GET.get("unread"))
        context["unread_notifications"] = refresh_unread(self.request.user)
        context["nav"] = navigation_for(self.request.user)
        context["nav_active"] = "notifications"
        context["email_enabled"] = bool(getattr(settings, "NOTIFICATIONS_EMAIL", False))
        context["email_mode"] = email_mode_of(self.request.user)
        context["email_modes"] = EmailMode.choices
        return context


class PreferenceView(LoginRequiredMixin, View):
    """POST: the user's own e-mail mode (immediate, daily digest or none)."""

    http_method_names = ["post"]

    def post(self, request):
        try:
            preference = set_email_mode(user=request.user, mode=request.POST.get("email_mode", ""))
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已保存：{preference.get_email_mode_display()}。")
        return redirect("notifications:list")


class MarkReadView(LoginRequiredMixin, View):
    """POST: `ids` (one or several of the user's own; others' ids are ignored) or none for all."""

    http_method_names = ["post"]

    def post(self, request):
        raw = request.POST.getlist("ids")
        ids = [int(i) for i in raw if i.isdigit()]
        if raw and not ids:
            messages.error(request, "没有选中要标记的通知。")
            return redirect("notifications:list")
        count = mark_read(request.user, ids=ids or None)
        forget_unread(request.user)
        if not raw:
            messages.success(request, f"已将{count}条通知标记为已读。" if count else "没有未读通知。")
        return redirect("notifications:list")


class OpenView(LoginRequiredMixin, View):
    """POST: mark one of the user's notifications read and go to its link."""

    http_method_names = ["post"]

    def post(self, request, pk: int):
        notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
        mark_read(request.user, ids=[notification.pk])
        forget_unread(request.user)
        url = notification.url
        if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
            return redirect(url)
        return redirect("notifications:list")


class UnreadCountView(LoginRequiredMixin, View):
    """GET: the user's unread count for the top-bar badge (one query; cached for the pages)."""

    def get(self, request):
        response = JsonResponse({"unread": refresh_unread(request.user)})
        response["Cache-Control"] = "private, no-store"
        return response
