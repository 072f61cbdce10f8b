"""At login the session learns whether its user owes a second factor, and starts its idle clock."""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django_otp import user_has_device

from .security import SESSION_HAS_DEVICE, SESSION_LAST_ACTIVITY


@receiver(user_logged_in, dispatch_uid="accounts_session_start")
def start_session(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    request.session[SESSION_LAST_ACTIVITY] = int(time.time())
    request.session[SESSION_HAS_DEVICE] = user_has_device(user, confirmed=True)
