"""The account rules read in one place: when a password has expired, who may or must use a second
factor, and the session keys the login flow leaves for the middleware."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from personnel.choices import Role

# Session keys.  HAS_DEVICE is written at login (and at enrolment), so the middleware knows whether
# the session still owes a second factor without a query per request.
SESSION_HAS_DEVICE = "accounts_otp_device"
SESSION_LAST_ACTIVITY = "accounts_last_activity"


def password_expires_at(user) -> dt.datetime | None:
    days = settings.PASSWORD_EXPIRY_DAYS
    changed = getattr(user, "password_changed_at", None) or getattr(user, "date_joined", None)
    if not days or changed is None:
        return None
    return changed + dt.timedelta(days=days)


def password_expired(user, now: dt.datetime | None = None) -> bool:
    expires = password_expires_at(user)
    return expires is not None and (now or timezone.now()) >= expires


def may_enrol_second_factor(user) -> bool:
    return bool(
        user.is_authenticated
        and (
            user.is_superuser or getattr(user, "role", "") in settings.OTP_ALLOWED_ROLES or must_use_second_factor(user)
        )
    )


def must_use_second_factor(user) -> bool:
    return bool(user.is_authenticated and getattr(user, "role", "") in settings.OTP_REQUIRED_ROLES)


def may_manage_api_keys(user) -> bool:
    return bool(
        user.is_authenticated
        and (user.is_superuser or getattr(user, "role", "") in (Role.COMMISSION_ADMIN, Role.HOSPITAL_HR))
    )
