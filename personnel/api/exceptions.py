import math

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from ..errors import ApplicationError
from .throttling import rate_limit_of

NOT_FOUND = "对象不存在，或不在当前角色的范围内。"


def not_found(request, exception):
    """handler404: a URL under /api/ that matches no route (an id that is not a number) gets the
    API's JSON answer, every other URL the site's page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": NOT_FOUND}, status=404, json_dumps_params={"ensure_ascii": False})
    return defaults.page_not_found(request, exception)


def exception_handler(exc, context):
    """ApplicationError and model ValidationError become a 400 with a Chinese message."""
    if isinstance(exc, DjangoValidationError):
        exc = ApplicationError.from_validation_error(exc)
    if isinstance(exc, ApplicationError):
        return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        # get_object_or_404's message names the model in English; a row out of scope is "not found" too.
        exc = exceptions.NotFound(NOT_FOUND)
    if isinstance(exc, exceptions.ParseError):
        # DRF's JSON parser reports in English ("JSON parse error - …").
        exc = exceptions.ParseError("请求内容无法解析：请发送 UTF-8 编码的合法 JSON。")
    if isinstance(exc, exceptions.Throttled):
        # A per-key limit (personnel.api.throttling): say which limit and when to retry, in Chinese.
        wait = math.ceil(exc.wait or 1)
        api_key = getattr(context.get("request"), "auth", None)
        per_minute = f"该接口密钥每分钟最多请求 {rate_limit_of(api_key)} 次，" if hasattr(api_key, "rate_limit") else ""
        exc = exceptions.Throttled(detail=f"请求过于频繁：{per_minute}请在 {wait} 秒后重试。")
        exc.wait = wait  # the Retry-After header
    return drf_exception_handler(exc, context)
