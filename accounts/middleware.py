"""Two gates every request of a logged-in user passes (after OTPMiddleware and the messages):

- SessionIdleTimeoutMiddleware ends a session idle for SESSION_IDLE_TIMEOUT seconds;
- AccountSecurityMiddleware sends a user who owes a second factor to the code step (or the
  enrolment page when their role requires one) and a user whose password has expired to 修改密码,
  before anything else.  API requests get a 403 with the Chinese reason instead of a redirect.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseRedirect, JsonResponse
from django.urls import reverse

from .security import SESSION_HAS_DEVICE, SESSION_LAST_ACTIVITY, must_use_second_factor, password_expired


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _uses_api_key(request) -> bool:
    return request.headers.get("Authorization", "").startswith("Api-Key ")


def _always_open(path: str) -> bool:
    # Static files, the health check and leaving are never gated.
    return path.startswith("/" + settings.STATIC_URL.lstrip("/")) or path in {"/healthz", reverse("logout")}


class SessionIdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated and not _uses_api_key(request):
            now = int(time.time())
            last = session.get(SESSION_LAST_ACTIVITY)
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                minutes = max(1, settings.SESSION_IDLE_TIMEOUT // 60)
                message = f"您已超过 {minutes} 分钟未操作，为保护账号安全已自动退出，请重新登录。"
                if _is_api(request):
                    return JsonResponse({"detail": message}, status=401)
                messages.warning(request, message)
                return HttpResponseRedirect(f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}")
            if last is None or now - last >= settings.SESSION_ACTIVITY_RESAVE:
                session[SESSION_LAST_ACTIVITY] = now
        return self.get_response(request)


class AccountSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or _uses_api_key(request) or _always_open(request.path_info):
            return self.get_response(request)
        verified = user.is_verified() if hasattr(user, "is_verified") else False
        if not verified and request.session.get(SESSION_HAS_DEVICE):
            return self._gate(request, "accounts:otp_verify", "请输入手机验证器上的 6 位动态验证码，完成登录。")
        if not verified and must_use_second_factor(user):
            return self._gate(request, "accounts:otp_setup", "您的角色须启用两步验证，请先完成绑定。")
        if password_expired(user):
            days = settings.PASSWORD_EXPIRY_DAYS
            return self._gate(request, "accounts:password_change", f"您的密码已超过 {days} 天未修改，请先修改密码。")
        return self.get_response(request)

    def _gate(self, request, url_name: str, message: str):
        # The target page says why the user is there; an API request gets the reason itself.
        target = reverse(url_name)
        if request.path_info == target:
            return self.get_response(request)
        if _is_api(request):
            return JsonResponse({"detail": message}, status=403)
        if request.method == "GET":
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return HttpResponseRedirect(target)
