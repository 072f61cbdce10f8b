"""Writes on the personnel registry that involve a rule.  Views, API, admin and commands call these."""

from __future__ import annotations

import contextlib
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from .errors import ApplicationError
from .models import PolicyVersion, PostGrade, PostQuota, Region, Staff, Title
from .policy import clean_policy_data


def _full_clean(obj, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error


@transaction.atomic
def save_staff(*, staff: Staff, actor=None) -> Staff:
    """Create or update a person: ID number checked (GB 11643), gender and birth date derived
    from it and cross-checked, phone checked, department within the institution."""
    if not staff.gender or not staff.birth_date:
        # Staff.clean() derives them, but full_clean() checks the fields before it runs clean();
        # an error here is reported by full_clean() below with everything else.
        with contextlib.suppress(ValidationError):
            staff.clean()
    _full_clean(staff)
    if actor is not None and getattr(actor, "pk", None):
        staff._history_user = actor
    staff.save()
    return staff


@transaction.atomic
def save_title(*, title: Title, actor=None) -> Title:
    _full_clean(title)
    if actor is not None and getattr(actor, "pk", None):
        title._history_user = actor
    title.save()
    return title


@transaction.atomic
def set_quota(*, institution, year: int, post_grade: PostGrade, count: int, actor=None) -> PostQuota:
    """Set the number of posts of a grade for an institution and year (岗位结构比例).  A quota
    below the posts already filled is refused: it would leave appointments beyond the quota."""
    from django.apps import apps

    quota, _ = PostQuota.objects.select_for_update().get_or_create(
        institution=institution, year=year, post_grade=post_grade, defaults={"count": count}
    )
    counter = getattr(apps.get_app_config("personnel"), "filled_posts_counter", None)
    if counter is not None:
        used = counter(institution=institution, year=year, post_grade=post_grade)
        if count < used:
            raise ApplicationError(
                f"{institution.name}{year}年{post_grade.name}已聘{used}人，核定岗位数不能少于{used}。",
                {"count": [f"不能少于已聘人数{used}。"]},
            )
    quota.count = count
    if actor is not None and getattr(actor, "pk", None):
        quota._history_user = actor
    _full_clean(quota)
    quota.save()
    return quota


def policy_for(region: Region, on: dt.date) -> PolicyVersion:
    """The region's policy version in force on a date."""
    policy = (
        PolicyVersion.objects.filter(region=region, effective_from__lte=on).order_by("-effective_from", "-id").first()
    )
    if policy is None:
        raise ApplicationError(f"{region.name}在{on:%Y-%m-%d}没有生效的政策版本，请卫健委先录入政策参数。")
    return policy


@transaction.atomic
def create_policy_version(
    *, region: Region, name: str, effective_from: dt.date, data: dict, note: str = "", actor=None
) -> PolicyVersion:
    """A new policy version; earlier versions stay as they were, so past decisions keep their numbers."""
    try:
        cleaned = clean_policy_data(data)
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error, "政策参数有误。") from error
    policy = PolicyVersion(
        region=region,
        name=name,
        effective_from=effective_from,
        data=cleaned,
        note=note,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    _full_clean(policy, exclude=["created_by"])
    policy.save()
    return policy
