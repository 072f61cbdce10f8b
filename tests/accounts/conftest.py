from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.api_testing import list_url

STAFF_API = "staff"


@pytest.fixture
def staff_api_url():
    return list_url(STAFF_API)


def enrol(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="手机验证器", confirmed=True)


def code_for(device: TOTPDevice, offset_steps: int = 0) -> str:
    token = totp(device.bin_key, device.step, device.t0, device.digits, device.drift + offset_steps)
    return f"{token:0{device.digits}d}"


@pytest.fixture(autouse=True)
def _account_clocks_on(settings, _account_clocks_off):
    """The values of config/settings.py again (tests/conftest.py turns them off elsewhere)."""
    from config import settings as configured

    for name in ("PASSWORD_EXPIRY_DAYS", "SESSION_IDLE_TIMEOUT", "SESSION_ACTIVITY_RESAVE", "SESSION_COOKIE_AGE"):
        setattr(settings, name, getattr(configured, name))
