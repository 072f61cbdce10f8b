"""What every API viewset and serializer shares: the scoped queryset, scoped foreign keys,
ETag / If-Match on updates, and saving through `full_clean` for models without a service."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins as drf_mixins
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from ..errors import ApplicationError

IF_MATCH_PARAMETER = OpenApiParameter(
    name="If-Match",
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="上次读取时返回的 ETag；数据已被他人修改时返回 412，不写入。",
)


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "数据已被他人修改，请重新读取后再提交。"
    default_code = "precondition_failed"


class ScopedQuerysetMixin:
    """The one place an API viewset gets its rows: `scoped_queryset(user)`, which each viewset
    builds from a scoping function (personnel.scoping / appointments.selectors).  A row outside
    it is a 404, whatever the method."""

    resource: str  # read by personnel.api.permissions.RoleScopedPermission

    def scoped_queryset(self, user) -> QuerySet:
        raise ImproperlyConfigured(f"{type(self).__name__} must define scoped_queryset(user)")

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            # Schema generation: no user; the model is all it needs.
            return self.scoped_queryset(None)
        return self.scoped_queryset(self.request.user)


def compute_etag(data) -> str:
    """A strong ETag over the representation the caller reads."""
    payload = json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, ensure_ascii=False)
    return '"' + hashlib.sha256(payload.encode()).hexdigest()[:32] + '"'


def _if_match_tags(header: str) -> list[str]:
    tags = []
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        if tag:
            tags.append(tag)
    return tags


class ETagMixin:
    """NetBox-style optimistic locking: GET of one object returns an ETag; a PUT/PATCH whose
    If-Match no longer matches the current representation is refused with 412 and writes nothing.
    Without If-Match the update goes through (browsers and simple clients)."""

    def current_etag(self, instance) -> str:
        return compute_etag(self.get_serializer(instance).data)

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        data = self.get_serializer(instance).data
        return Response(data, headers={"ETag": compute_etag(data)})

    def check_if_match(self, request, instance) -> None:
        header = request.headers.get("If-Match")
        if not header:
            return
        tags = _if_match_tags(header)
        if "*" in tags:
            return
        if self.current_etag(instance) not in tags:
            raise PreconditionFailed()

    def get_object(self):
        instance = super().get_object()
        if self.request.method in ("PUT", "PATCH"):
            # Before the input is even validated: a stale write is refused as such.
            self.check_if_match(self.request, instance)
        return instance


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A writable foreign key limited to what the caller may see: an id outside the caller's
    scope is refused exactly like an id that does not exist (400, no hint it exists)."""

    default_error_messages = {
        "does_not_exist": "所选{label}（{pk_value}）不存在或不在您的管理范围内。",
        "incorrect_type": "{label}应为编号（整数），收到的是{data_type}。",
    }

    def __init__(self, *, scope: Callable[[object], QuerySet], model: type[models.Model], **kwargs):
        self.scope = scope
        kwargs.setdefault("queryset", model.objects.none())
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is None:
            return self.queryset.none()
        return self.scope(user)

    def fail(self, key, **kwargs):
        kwargs.setdefault("label", self.label or self.field_name)
        return super().fail(key, **kwargs)


def mark_actor(obj: models.Model, actor) -> None:
    """Who made the change, for the change history.  An API-key client is not a user row, so
    the history records no user (and the key's name as the reason) rather than failing."""
    if getattr(actor, "pk", None) is None:
        obj._history_user = None
        key_name = getattr(actor, "key_name", "")
        if key_name:
            obj._change_reason = f"接口客户端：{key_name}"


@transaction.atomic
def save_with_full_clean(obj: models.Model, *, actor=None, exclude: list[str] | None = None) -> models.Model:
    """For models whose only rules are their own `clean()` and constraints (institution,
    department): validate fully, then save; a failure is an ApplicationError and nothing is written."""
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        raise ApplicationError.from_validation_error(error) from error
    if getattr(actor, "pk", None):
        obj._history_user = actor
    obj.save()
    return obj


class ScopedReadOnlyViewSet(ScopedQuerysetMixin, ETagMixin, viewsets.ReadOnlyModelViewSet):
    """List and retrieve the caller's scope; retrieve carries an ETag."""


class ScopedWritableViewSet(
    ScopedQuerysetMixin,
    ETagMixin,
    drf_mixins.CreateModelMixin,
    drf_mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """List, retrieve, create, update (PUT and PATCH, If-Match honoured); no delete."""

    @extend_schema(parameters=[IF_MATCH_PARAMETER])
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        self.perform_update(serializer)
        instance = serializer.instance
        instance._prefetched_objects_cache = {}
        # The full representation (a partial serializer leaves out defaulted fields), and its ETag.
        data = self.get_serializer(instance).data
        return Response(data, headers={"ETag": compute_etag(data)})

    @extend_schema(parameters=[IF_MATCH_PARAMETER])
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)
