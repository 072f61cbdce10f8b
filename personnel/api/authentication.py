from rest_framework import authentication, exceptions
from rest_framework_api_key.permissions import KeyParser

from ..models import InstitutionAPIKey
from ..scoping import ApiClient


class InstitutionAPIKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`: the key is checked against its hash; a revoked or expired
    key is refused.  The request then acts as an ApiClient bound to the key's institution."""

    keyword = "Api-Key"

    def authenticate(self, request):
        key = KeyParser().get(request)
        if not key:
            return None
        try:
            api_key = InstitutionAPIKey.objects.get_from_key(key)
        except InstitutionAPIKey.DoesNotExist:
            raise exceptions.AuthenticationFailed("接口密钥无效。") from None
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("接口密钥已过期。")
        return ApiClient(institution=api_key.institution, key_name=api_key.name), api_key

    def authenticate_header(self, request) -> str:
        return self.keyword
