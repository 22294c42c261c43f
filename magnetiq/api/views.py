"""Base classes for API views: public endpoints opt out of authentication explicitly."""

from rest_framework.permissions import AllowAny

from .throttling import PublicThrottle


class PublicAPIMixin:
    """No token needed, so throttled per IP instead: the only limit an anonymous caller meets."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]
