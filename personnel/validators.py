"""Validators for identity documents and contact data (GB 11643-1999, mainland mobiles)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"^\d{17}[\dX]$")
_PHONE_SHAPE = re.compile(r"^1[3-9]\d{9}$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘＸ　", "0123456789XxX ")


@dataclass(frozen=True)
class IdentityFacts:
    """What an 18-digit 身份证号 tells: gender and birth date."""

    number: str
    birth_date: dt.date
    is_male: bool


def normalize_id_number(value: str) -> str:
    """Full-width digits and a lowercase x become the canonical form; spaces go."""
    return str(value or "").translate(_FULLWIDTH).replace(" ", "").strip().upper()


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def parse_id_number(value: str) -> IdentityFacts:
    """Validate a 身份证号 (GB 11643) and return what it encodes; raise a Chinese error."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(f"身份证号应为18位，当前为{len(number)}位。", code="id_length")
    if not _ID_SHAPE.match(number):
        raise ValidationError("身份证号前17位应为数字，最后一位为数字或X。", code="id_shape")
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError("身份证号中的出生日期无效。", code="id_birth_date") from None
    if birth.year < 1900 or birth > timezone.localdate():
        raise ValidationError("身份证号中的出生日期无效。", code="id_birth_date")
    expected = id_check_digit(number[:17])
    if number[17] != expected:
        raise ValidationError("身份证号校验位错误（应为%(d)s），请核对。", code="id_checksum", params={"d": expected})
    return IdentityFacts(number=number, birth_date=birth, is_male=int(number[16]) % 2 == 1)


def validate_id_number(value: str) -> None:
    parse_id_number(value)


def normalize_phone(value: str) -> str:
    phone = str(value or "").translate(_FULLWIDTH).replace(" ", "").replace("-", "").strip()
    if phone.startswith("+86"):
        phone = phone[3:]
    return phone


def validate_phone(value: str) -> None:
    if not _PHONE_SHAPE.match(normalize_phone(value)):
        raise ValidationError("手机号应为以1开头的11位数字。", code="phone")


def mask_id_number(value: str) -> str:
    """652101********1234: region code and the last four stay, the birth date is hidden."""
    if not value or len(value) < 10:
        return value
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """138****5678: the first three and the last four digits stay.  Shown to everyone without the
    permission personnel.view_full_id_number, which covers the phone as well as the 身份证号."""
    if not value or len(value) < 8:
        return value
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def compose_id_number(*, area_code: str, birth_date: dt.date, sequence: int, is_male: bool) -> str:
    """Build a valid 身份证号 (demo data and tests): area, birth date, sequence with the gender
    parity, check digit."""
    seq = sequence % 500 * 2 + (1 if is_male else 0)
    first17 = f"{area_code[:6]:0<6}{birth_date:%Y%m%d}{seq:03d}"
    return first17 + id_check_digit(first17)
