"""Writes of the access log: record who was shown which people's full 身份证号 (set-based, one
INSERT per request or per export chunk), and purge rows past their retention."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .choices import AccessKind
from .models import AccessLog

CHUNK_SIZE = 2000


def client_ip(request) -> str | None:
    """The address the request came from (REMOTE_ADDR; gunicorn behind the proxy is given the
    client's address with --forwarded-allow-ips, so the header is never trusted here)."""
    return (getattr(request, "META", {}) or {}).get("REMOTE_ADDR") or None


@dataclass(frozen=True)
class Viewer:
    """Who looks, through what and from where: written on every row of one request."""

    user: object
    kind: str
    path: str
    ip: str | None = None

    @classmethod
    def from_request(cls, request, kind: str = AccessKind.PAGE) -> Viewer:
        return cls(user=request.user, kind=kind, path=request.get_full_path()[:500], ip=client_ip(request))


def _username(user) -> str:
    return (user.get_username() if hasattr(user, "get_username") else str(user))[:150]


def _row(viewer: Viewer, person, at: dt.datetime) -> AccessLog:
    user = viewer.user
    return AccessLog(
        at=at,
        user_id=user.pk if getattr(user, "pk", None) else None,
        username=_username(user),
        staff_id=person.pk,
        staff_name=(person.name or "")[:50],
        institution_id=person.institution_id,
        kind=viewer.kind,
        path=viewer.path,
        ip=viewer.ip,
    )


def log_full_views(viewer: Viewer, people: Iterable) -> int:
    """One row per person (objects with pk, name and institution_id, e.g. Staff), written with one
    bulk INSERT per chunk of CHUNK_SIZE; no query per row.  Returns the rows written."""
    at = timezone.now()
    written = 0
    batch: list[AccessLog] = []
    seen: set[int] = set()
    for person in people:
        if person is None or person.pk in seen:
            continue
        seen.add(person.pk)
        batch.append(_row(viewer, person, at))
        if len(batch) >= CHUNK_SIZE:
            AccessLog.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        AccessLog.objects.bulk_create(batch)
        written += len(batch)
    return written


def log_log_export(viewer: Viewer, *, rows: int) -> AccessLog:
    """The access log's own export: one row naming no person, in the exporter's institution (so
    their commission sees it)."""
    user = viewer.user
    return AccessLog.objects.create(
        username=_username(user),
        user_id=user.pk if getattr(user, "pk", None) else None,
        staff_name=f"（导出查看记录{rows}条）"[:50],
        institution_id=getattr(user, "institution_id", None),
        kind=viewer.kind,
        path=viewer.path,
        ip=viewer.ip,
    )


def record_request(request, people, *, kind: str, path: str | None = None) -> int:
    """The recorder personnel.disclosure calls (registered in AccesslogConfig.ready)."""
    viewer = Viewer.from_request(request, kind)
    if path is not None:
        viewer = Viewer(user=viewer.user, kind=kind, path=path[:500], ip=viewer.ip)
    return log_full_views(viewer, people)


# --- Retention -----------------------------------------------------------------------------------


def access_log_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)


def audit_log_cutoff(now: dt.datetime | None = None) -> dt.datetime | None:
    days = settings.AUDIT_LOG_RETENTION_DAYS
    return None if days is None else (now or timezone.now()) - dt.timedelta(days=days)


def audit_log_models() -> list[tuple[type, str]]:
    """The audit tables (simple-history's historical models, django-fsm-log's transitions) and
    the date field each is purged by."""
    from django.apps import apps

    models = [
        (model, "history_date")
        for model in apps.get_models()
        if model.__name__.startswith("Historical") and hasattr(model, "history_date")
    ]
    if apps.is_installed("django_fsm_log"):
        models.append((apps.get_model("django_fsm_log", "StateLog"), "timestamp"))
    return models


@transaction.atomic
def purge_expired_logs(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete access-log rows older than ACCESS_LOG_RETENTION_DAYS and, only if
    AUDIT_LOG_RETENTION_DAYS is set, audit rows older than that — each one set-based DELETE."""
    now = now or timezone.now()
    # Nothing refers to these rows and no signal listens, so Django's delete() is one
    # DELETE … WHERE at < cutoff (its "fast delete"), no rows fetched.
    purged = {"accesslog": AccessLog.objects.filter(at__lt=access_log_cutoff(now)).delete()[0]}
    cutoff = audit_log_cutoff(now)
    if cutoff is not None:
        for model, field in audit_log_models():
            purged[model._meta.label_lower] = model._default_manager.filter(**{f"{field}__lt": cutoff}).delete()[0]
    return purged
