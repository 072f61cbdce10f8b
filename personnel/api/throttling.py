"""Per-key rate limit: each InstitutionAPIKey may make `rate_limit` requests a minute (or the
default API_KEY_RATE_LIMIT), counted in the cache (Redis in production) under the key's id.
Session users are not throttled here (the login lockout protects them)."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from ..models import InstitutionAPIKey


def rate_limit_of(api_key: InstitutionAPIKey) -> int:
    return api_key.rate_limit or settings.API_KEY_RATE_LIMIT


class APIKeyRateThrottle(SimpleRateThrottle):
    scope = "api_key"
    cache_format = "throttle_api_key_%(ident)s"

    def get_rate(self) -> None:
        return None  # set per request from the key

    def allow_request(self, request, view) -> bool:
        api_key = getattr(request, "auth", None)
        if not isinstance(api_key, InstitutionAPIKey):
            return True
        self.rate = f"{rate_limit_of(api_key)}/m"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"ident": request.auth.pk}
