"""Writes on publicity periods (公示): open, lodge and answer objections, end.  One mechanism for
every list that must be publicised (demotion cases, appointment rounds); who may do what is the
caller's rule (the case services check their step roles before calling these)."""

from __future__ import annotations

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from personnel.errors import ApplicationError
from personnel.models import PolicyVersion, Region

from .models import Objection, Publicity, PublicityStatus
from .workdays import nth_working_day


def _by(obj: models.Model, actor) -> None:
    if getattr(actor, "pk", None):
        obj._history_user = actor


def _text(value) -> str:
    return (value or "").strip() if isinstance(value, str) or value is None else str(value).strip()


@transaction.atomic
def open_publicity(
    *,
    subject: models.Model,
    region: Region,
    title: str,
    body: str = "",
    starts_on: dt.date,
    working_days: int,
    policy: PolicyVersion | None = None,
    actor,
) -> Publicity:
    """A publicity period of `working_days` official working days from `starts_on` (counted if it
    is a working day).  A subject has at most one running publicity (a constraint backs it)."""
    title = _text(title)
    if not title:
        raise ApplicationError("请填写公示标题。", {"title": ["必填。"]})
    if starts_on is None:
        raise ApplicationError("请填写公示开始日期。", {"starts_on": ["必填。"]})
    try:
        working_days = int(working_days)
    except (TypeError, ValueError):
        working_days = 0
    if working_days < 1:
        raise ApplicationError(
            "公示期应至少为1个工作日，请检查政策参数“公示期（工作日）”。", {"working_days": ["应≥1。"]}
        )
    content_type = ContentType.objects.get_for_model(subject)
    running = (
        Publicity.objects.select_for_update()
        .filter(content_type=content_type, object_id=subject.pk, status=PublicityStatus.RUNNING)
        .first()
    )
    if running is not None:
        raise ApplicationError(
            f"该对象已有正在进行的公示（{running.starts_on:%Y-%m-%d}至{running.ends_on:%Y-%m-%d}），不能重复发起。",
            {"subject": ["已在公示中。"]},
        )
    ends = nth_working_day(starts_on, working_days)
    publicity = Publicity(
        region=region,
        content_type=content_type,
        object_id=subject.pk,
        title=title,
        body=_text(body),
        starts_on=starts_on,
        working_days=working_days,
        ends_on=ends.value,
        status=PublicityStatus.RUNNING,
        policy=policy,
        started_by=actor if getattr(actor, "pk", None) else None,
    )
    _by(publicity, actor)
    try:
        with transaction.atomic():
            publicity.save()
    except IntegrityError as error:  # a concurrent request opened one first
        raise ApplicationError("该对象已有正在进行的公示，不能重复发起。", {"subject": ["已在公示中。"]}) from error
    return publicity


def _closed(publicity: Publicity) -> str:
    """ "公示已结束" / "公示已撤销"."""
    return "公示已撤销" if publicity.status == PublicityStatus.CANCELLED else "公示已结束"


def _locked(publicity: Publicity) -> Publicity:
    return Publicity.objects.select_for_update().get(pk=publicity.pk)


@transaction.atomic
def lodge_objection(
    *,
    publicity: Publicity,
    lodged_on: dt.date,
    lodged_by_name: str,
    content: str,
    contact: str = "",
    actor,
) -> Objection:
    """异议: recorded by the office that received it, only while the publicity runs and dated
    within the publicity period."""
    publicity = _locked(publicity)
    if publicity.status != PublicityStatus.RUNNING:
        raise ApplicationError(f"{_closed(publicity)}，不能再登记异议。")
    errors: dict[str, list[str]] = {}
    name = _text(lodged_by_name)
    content = _text(content)
    if not name:
        errors["lodged_by_name"] = ["请填写异议人姓名（可填“匿名”）。"]
    if not content:
        errors["content"] = ["请填写异议内容。"]
    if lodged_on is None:
        errors["lodged_on"] = ["请填写提出日期。"]
    elif not (publicity.starts_on <= lodged_on <= publicity.ends_on):
        errors["lodged_on"] = [
            f"提出日期应在公示期内（{publicity.starts_on:%Y-%m-%d}至{publicity.ends_on:%Y-%m-%d}）。"
        ]
    if errors:
        first = next(iter(errors.values()))[0]
        raise ApplicationError(first, errors)
    objection = Objection(
        publicity=publicity,
        lodged_on=lodged_on,
        lodged_by_name=name[:64],
        contact=_text(contact)[:64],
        content=content,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    _by(objection, actor)
    objection.save()
    return objection


@transaction.atomic
def answer_objection(*, objection: Objection, answer: str, actor) -> Objection:
    """核查答复: every objection must be answered in writing before the publicity may end; an
    answer may be corrected while the publicity still runs."""
    objection = Objection.objects.select_for_update().select_related("publicity").get(pk=objection.pk)
    if objection.publicity.status != PublicityStatus.RUNNING:
        raise ApplicationError(f"{_closed(objection.publicity)}，不能再修改异议答复。")
    answer = _text(answer)
    if not answer:
        raise ApplicationError("请填写核查答复内容。", {"answer": ["必填。"]})
    objection.answer = answer
    objection.answered_at = timezone.now()
    objection.answered_by = actor if getattr(actor, "pk", None) else None
    _by(objection, actor)
    objection.save(update_fields=["answer", "answered_at", "answered_by"])
    return objection


def end_blockers(publicity: Publicity, *, on: dt.date) -> list[str]:
    """Why the publicity cannot end on `on` (empty when it can): it must have run through its
    last working day (so it ends on the next day at the earliest), and every objection must be
    answered."""
    if publicity.status != PublicityStatus.RUNNING:
        return [f"{_closed(publicity)}。"]
    blockers = []
    if on <= publicity.ends_on:
        first_day = publicity.ends_on + dt.timedelta(days=1)
        blockers.append(
            f"公示期为{publicity.working_days}个工作日，至{publicity.ends_on:%Y-%m-%d}止，"
            f"{first_day:%Y-%m-%d}起方可结束公示。"
        )
    unanswered = publicity.objections.filter(answered_at__isnull=True).order_by("lodged_on", "id")
    blockers.extend(f"{o.lodged_by_name}于{o.lodged_on:%Y-%m-%d}提出的异议尚未答复。" for o in unanswered)
    return blockers


@transaction.atomic
def end_publicity(*, publicity: Publicity, on: dt.date, actor) -> Publicity:
    publicity = _locked(publicity)
    blockers = end_blockers(publicity, on=on)
    if blockers:
        raise ApplicationError("不能结束公示：" + "；".join(blockers), {"publicity": blockers})
    publicity.status = PublicityStatus.ENDED
    publicity.ended_at = timezone.now()
    publicity.ended_by = actor if getattr(actor, "pk", None) else None
    _by(publicity, actor)
    publicity.save(update_fields=["status", "ended_at", "ended_by"])
    return publicity


@transaction.atomic
def cancel_publicity(*, publicity: Publicity, actor) -> Publicity:
    """Withdraw a running publicity (its subject was dismissed); objections stay on record."""
    publicity = _locked(publicity)
    if publicity.status != PublicityStatus.RUNNING:
        raise ApplicationError(f"{_closed(publicity)}，不能撤销。")
    publicity.status = PublicityStatus.CANCELLED
    publicity.ended_at = timezone.now()
    publicity.ended_by = actor if getattr(actor, "pk", None) else None
    _by(publicity, actor)
    publicity.save(update_fields=["status", "ended_at", "ended_by"])
    return publicity
