"""Throttles. Their state lives in the default cache, which every worker shares (database cache by
default, Redis through ``CACHE_URL``), so a limit holds across processes (RELIABILITY A-5)."""

from rest_framework.throttling import AnonRateThrottle


class PublicThrottle(AnonRateThrottle):
    """Per-IP limit for the unauthenticated public endpoints (rate ``public``, default 300/min)."""

    scope = "public"

    def allow_request(self, request, view):
        if request.user and request.user.is_authenticated:
            return True
        return super().allow_request(request, view)
