"""After a user's own write (any successful POST, PUT, PATCH or DELETE), their cached to-do count
is dropped, so the next page fetches it afresh: what they just did no longer shows as waiting.
Other users' counts follow within NOTIFICATIONS_BADGE_SECONDS."""

from __future__ import annotations

from .context_processors import forget_task_count

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class ForgetTaskCountAfterWrites:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.method in WRITES and response.status_code < 400 and getattr(user, "is_authenticated", False):
            forget_task_count(user)
        return response
