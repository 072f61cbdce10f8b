"""API keys per client: issue (the key is shown once), change expiry and rate, rotate, revoke."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from personnel.errors import ApplicationError
from personnel.models import Institution, InstitutionAPIKey

from .selectors import key_institutions

MAX_RATE_LIMIT = 100_000


def default_expiry_date() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=settings.API_KEY_DEFAULT_DAYS)


def end_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59, 59)))


def _check(*, expiry_date: dt.date, rate_limit: int | None) -> None:
    errors = {}
    if expiry_date <= timezone.localdate():
        errors["expiry_date"] = "有效期须晚于今天。"
    if rate_limit is not None and not 1 <= rate_limit <= MAX_RATE_LIMIT:
        errors["rate_limit"] = f"每分钟请求上限须在 1 到 {MAX_RATE_LIMIT} 之间。"
    if errors:
        raise ApplicationError(next(iter(errors.values())), errors)


@transaction.atomic
def issue_api_key(
    *, by, institution: Institution, name: str, expiry_date: dt.date, rate_limit: int | None = None
) -> tuple[InstitutionAPIKey, str]:
    if not key_institutions(by).filter(pk=institution.pk).exists():
        raise ApplicationError("无权为该机构签发接口密钥。", {"institution": "无权为该机构签发接口密钥。"})
    name = (name or "").strip()
    if not name:
        raise ApplicationError("请填写密钥名称（如“XX医院 HIS”）。", {"name": "请填写密钥名称。"})
    _check(expiry_date=expiry_date, rate_limit=rate_limit)
    return InstitutionAPIKey.objects.create_key(
        name=name,
        institution=institution,
        expiry_date=end_of_day(expiry_date),
        rate_limit=rate_limit,
        created_by=by,
    )


@transaction.atomic
def update_api_key(*, by, api_key: InstitutionAPIKey, expiry_date: dt.date, rate_limit: int | None) -> None:
    api_key = InstitutionAPIKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked:
        raise ApplicationError("已吊销的密钥不能修改。")
    _check(expiry_date=expiry_date, rate_limit=rate_limit)
    api_key.expiry_date = end_of_day(expiry_date)
    api_key.rate_limit = rate_limit
    api_key.save(update_fields=["expiry_date", "rate_limit"])


@transaction.atomic
def rotate_api_key(*, by, api_key: InstitutionAPIKey, now: dt.datetime | None = None) -> tuple[InstitutionAPIKey, str]:
    """A new key with the same name, institution and rate; the old one keeps working for
    API_KEY_ROTATION_GRACE_HOURS (or until its own expiry, if sooner), then expires."""
    now = now or timezone.now()
    api_key = InstitutionAPIKey.objects.select_for_update().get(pk=api_key.pk)
    if api_key.revoked or api_key.has_expired:
        raise ApplicationError("该密钥已吊销或过期，请签发新密钥。")
    if api_key.replaced_by_id:
        raise ApplicationError("该密钥已轮换过，请轮换新密钥。")
    new_key, key = InstitutionAPIKey.objects.create_key(
        name=api_key.name,
        institution=api_key.institution,
        expiry_date=end_of_day(default_expiry_date()),
        rate_limit=api_key.rate_limit,
        created_by=by,
    )
    grace_end = now + dt.timedelta(hours=settings.API_KEY_ROTATION_GRACE_HOURS)
    api_key.expiry_date = min(api_key.expiry_date, grace_end) if api_key.expiry_date else grace_end
    api_key.replaced_by = new_key
    api_key.save(update_fields=["expiry_date", "replaced_by"])
    return new_key, key


@transaction.atomic
def revoke_api_key(*, by, api_key: InstitutionAPIKey) -> None:
    InstitutionAPIKey.objects.filter(pk=api_key.pk).update(revoked=True)
