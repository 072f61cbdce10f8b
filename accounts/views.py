"""Login (with the second-factor step), password change, second-factor enrolment, API keys."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.password_validation import password_validators_help_texts
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import FormView, TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from personnel.errors import ApplicationError

from . import services
from .forms import ApiKeyIssueForm, ApiKeySettingsForm, TokenForm
from .security import (
    SESSION_HAS_DEVICE,
    may_enrol_second_factor,
    may_manage_api_keys,
    must_use_second_factor,
    password_expired,
    password_expires_at,
)
from .selectors import manageable_api_keys


def _next_url(request, default: str = "") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default or reverse(settings.LOGIN_REDIRECT_URL)


class NoStoreMixin:
    """Pages that show a secret (a new API key, a TOTP seed) are never cached."""

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response


class LoginView(auth_views.LoginView):
    """Step one: user name and password (django-axes counts failures).  A user with a confirmed
    authenticator then gets the code step; until then the middleware lets them nowhere else."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        context["cooloff_minutes"] = settings.AXES_COOLOFF_MINUTES
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.request.session.get(SESSION_HAS_DEVICE):
            query = urlencode({"next": self.get_success_url()})
            return HttpResponseRedirect(f"{reverse('accounts:otp_verify')}?{query}")
        return response


class OTPVerifyView(NoStoreMixin, LoginRequiredMixin, FormView):
    """Step two: the 6-digit code of the user's authenticator (TOTP).  A wrong or already used
    code is refused; django-otp's throttling doubles the wait after each failure."""

    template_name = "registration/otp_verify.html"
    form_class = TokenForm

    def _device(self):
        return TOTPDevice.objects.filter(user=self.request.user, confirmed=True).first()

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and (
            request.user.is_verified() or not request.session.get(SESSION_HAS_DEVICE)
        ):
            return HttpResponseRedirect(_next_url(request))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=_next_url(self.request), **kwargs)

    def form_valid(self, form):
        device = self._device()
        if device is None:  # reset by a superuser meanwhile
            self.request.session[SESSION_HAS_DEVICE] = False
            return HttpResponseRedirect(_next_url(self.request))
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            form.add_error("token", "验证码错误次数过多，请稍候片刻再试。")
            return self.form_invalid(form)
        if not device.verify_token(form.cleaned_data["token"]):
            form.add_error("token", "动态验证码错误或已使用过，请输入验证器上当前显示的 6 位数字。")
            return self.form_invalid(form)
        otp_login(self.request, device)
        return HttpResponseRedirect(_next_url(self.request))


class OTPSetupView(NoStoreMixin, LoginRequiredMixin, FormView):
    """Enrolment: scan the QR code (an SVG data URI drawn by segno, no script) with an
    authenticator app, then confirm with a code.  Disabling is the superuser's (admin: TOTP devices)."""

    template_name = "accounts/otp_setup.html"
    form_class = TokenForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_enrol_second_factor(request.user):
            raise PermissionDenied("当前角色无需启用两步验证。")
        return super().dispatch(request, *args, **kwargs)

    def _pending_device(self) -> TOTPDevice:
        device = TOTPDevice.objects.filter(user=self.request.user, confirmed=False).first()
        return device or TOTPDevice.objects.create(user=self.request.user, name="手机验证器", confirmed=False)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        confirmed = TOTPDevice.objects.filter(user=self.request.user, confirmed=True).first()
        context.update(confirmed=confirmed, required=must_use_second_factor(self.request.user))
        context["next"] = _next_url(self.request, reverse("accounts:otp_setup"))
        if confirmed is None:
            device = self._pending_device()
            context["qr_data_uri"] = segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
            context["secret"] = base64.b32encode(device.bin_key).decode().rstrip("=")
        return context

    def form_valid(self, form):
        if TOTPDevice.objects.filter(user=self.request.user, confirmed=True).exists():
            return HttpResponseRedirect(reverse("accounts:otp_setup"))
        device = self._pending_device()
        if not device.verify_token(form.cleaned_data["token"]):
            form.add_error("token", "动态验证码不正确，请确认手机时间准确后输入当前显示的 6 位数字。")
            return self.form_invalid(form)
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(self.request, device)
        self.request.session[SESSION_HAS_DEVICE] = True
        messages.success(self.request, "两步验证已启用：今后每次登录都需要输入手机验证器上的动态验证码。")
        return HttpResponseRedirect(_next_url(self.request, reverse("accounts:otp_setup")))


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            expired=password_expired(user),
            expires_at=password_expires_at(user),
            expiry_days=settings.PASSWORD_EXPIRY_DAYS,
            rules=password_validators_help_texts(),
            next=_next_url(self.request),
        )
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "密码已修改。")
        return HttpResponseRedirect(_next_url(self.request)) if self.request.POST.get("next") else response


# --- API keys -------------------------------------------------------------------------------------


class ApiKeyAccessMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_manage_api_keys(request.user):
            raise PermissionDenied("只有卫健委管理员和医院人事可以管理接口密钥。")
        return super().dispatch(request, *args, **kwargs)

    def get_key(self):
        return get_object_or_404(manageable_api_keys(self.request.user), prefix=self.kwargs["prefix"])


class ApiKeyListView(ApiKeyAccessMixin, TemplateView):
    template_name = "accounts/api_keys.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        keys = manageable_api_keys(self.request.user).annotate(
            active=Case(When(revoked=True, then=Value(1)), default=Value(0), output_field=IntegerField())
        )
        keys = list(keys.order_by("active", "institution__code", "-created"))
        for key in keys:
            if key.revoked:
                key.status, key.status_class = "已吊销", "badge-muted"
            elif key.expiry_date and key.expiry_date <= now:
                key.status, key.status_class = "已过期", "badge-muted"
            elif key.replaced_by_id:
                key.status, key.status_class = (
                    f"已轮换，旧密钥有效至 {timezone.localtime(key.expiry_date):%m-%d %H:%M}",
                    "badge-warn",
                )
            else:
                key.status, key.status_class = "有效", "badge-ok"
            key.usable = not key.revoked and not (key.expiry_date and key.expiry_date <= now)
        return super().get_context_data(
            keys=keys,
            default_rate=settings.API_KEY_RATE_LIMIT,
            grace_hours=settings.API_KEY_ROTATION_GRACE_HOURS,
            nav_active="api_keys",
            **kwargs,
        )


def _issued(request, api_key, key: str, rotated_from=None):
    response = render(
        request, "accounts/api_key_issued.html", {"api_key": api_key, "key": key, "rotated_from": rotated_from}
    )
    response["Cache-Control"] = "no-store"
    return response


class ApiKeyIssueView(ApiKeyAccessMixin, FormView):
    template_name = "accounts/api_key_form.html"
    form_class = ApiKeyIssueForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "default_rate": settings.API_KEY_RATE_LIMIT}

    def form_valid(self, form):
        try:
            api_key, key = services.issue_api_key(by=self.request.user, **form.cleaned_data)
        except ApplicationError as error:
            for field, message in (error.extra or {None: error.message}).items():
                form.add_error(field if field in form.fields else None, message)
            return self.form_invalid(form)
        return _issued(self.request, api_key, key)


class ApiKeyEditView(ApiKeyAccessMixin, FormView):
    template_name = "accounts/api_key_form.html"
    form_class = ApiKeySettingsForm

    def get(self, request, *args, **kwargs):
        self.api_key = self.get_key()
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        self.api_key = self.get_key()
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        kwargs = {**super().get_form_kwargs(), "default_rate": settings.API_KEY_RATE_LIMIT}
        if self.api_key.expiry_date:
            kwargs["initial"] = {
                "expiry_date": timezone.localtime(self.api_key.expiry_date).date(),
                "rate_limit": self.api_key.rate_limit,
            }
        else:
            kwargs["initial"] = {"rate_limit": self.api_key.rate_limit}
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(api_key=self.api_key, **kwargs)

    def form_valid(self, form):
        try:
            services.update_api_key(by=self.request.user, api_key=self.api_key, **form.cleaned_data)
        except ApplicationError as error:
            for field, message in (error.extra or {None: error.message}).items():
                form.add_error(field if field in form.fields else None, message)
            return self.form_invalid(form)
        messages.success(self.request, f"已更新密钥“{self.api_key.name}”。")
        return redirect("accounts:api_keys")


class ApiKeyRotateView(ApiKeyAccessMixin, View):
    def post(self, request, prefix):
        old = self.get_key()
        try:
            new_key, key = services.rotate_api_key(by=request.user, api_key=old)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("accounts:api_keys")
        old.refresh_from_db()
        return _issued(request, new_key, key, rotated_from=old)


class ApiKeyRevokeView(ApiKeyAccessMixin, View):
    def post(self, request, prefix):
        api_key = self.get_key()
        services.revoke_api_key(by=request.user, api_key=api_key)
        messages.success(request, f"已吊销密钥“{api_key.name}”（{api_key.prefix}），使用它的请求将被拒绝。")
        return redirect("accounts:api_keys")
