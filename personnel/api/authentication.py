from rest_framework import authentication, exceptions
from rest_framework_api_key.permissions import KeyParser

from ..models import InstitutionAPIKey
from ..scoping import ApiClient


class InstitutionAPIKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`: the key is checked against its hash; a revoked or expired
    key is refused (401, with the reason in Chinese).  The request then acts as an ApiClient bound
    to the key's institution; `request.auth` is the key (the rate limit is per key)."""

    keyword = "Api-Key"

    def authenticate(self, request):
        key = KeyParser().get(request)
        if not key:
            return None
        prefix, _, _ = key.partition(".")
        api_key = InstitutionAPIKey.objects.select_related("institution").filter(prefix=prefix).first()
        if api_key is None or not api_key.is_valid(key):
            raise exceptions.AuthenticationFailed("接口密钥无效。")
        if api_key.revoked:
            raise exceptions.AuthenticationFailed("接口密钥已被吊销，请联系管理员签发新密钥。")
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed(
                f"接口密钥已于 {api_key.expiry_date:%Y-%m-%d %H:%M} 过期，请联系管理员续期或轮换。"
            )
        return ApiClient(institution=api_key.institution, key_name=api_key.name), api_key

    def authenticate_header(self, request) -> str:
        return self.keyword
