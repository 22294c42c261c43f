"""Base classes for API views: public endpoints opt out of authentication explicitly."""

from rest_framework.permissions import AllowAny

from .throttling import PublicThrottle


class PublicAPIMixin:
    """No token needed, throttled per IP (DESIGN.md: public endpoints need none and are throttled)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]
