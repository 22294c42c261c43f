"""Throttles. Every throttle of the project is a :class:`CounterRateThrottle`: one atomic counter
per client IP and window in shared storage (:mod:`magnetiq.ratelimit`), so a limit holds for
parallel requests and across processes (RELIABILITY A-5). DRF turns a refusal into 429
``RATE_LIMITED`` with ``Retry-After`` (the seconds :meth:`CounterRateThrottle.wait` gives).
"""

from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from magnetiq import ratelimit


class CounterRateThrottle(SimpleRateThrottle):
    """Per client IP (DRF's ``get_ident``, which honours ``NUM_PROXIES``), ``scope``'s rate from
    ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``, read on every request so settings overrides apply.

    Subclasses set ``scope`` and may override :meth:`get_rate` (a rate string such as
    ``"10/min"``) or :meth:`get_cache_key` (the subject; ``None`` means not throttled).
    """

    def get_rate(self) -> str:
        return api_settings.DEFAULT_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request, view) -> str | None:
        return self.get_ident(request)

    def allow_request(self, request, view) -> bool:
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        self.outcome = ratelimit.hit(self.scope, ident, ratelimit.Rate(self.num_requests, self.duration))
        return self.outcome.allowed

    def wait(self) -> float:
        """Seconds until this client's next request would pass."""
        return self.outcome.wait


class PublicThrottle(CounterRateThrottle):
    """Per-IP limit for the unauthenticated public endpoints (rate ``public``, default 300/min).
    A request with a valid token (the JWT-aware public endpoints) is not counted.

    Reads (``GET``, ``HEAD``, ``OPTIONS``) write no database row: with the database cache they are
    counted in each web process's memory (:func:`magnetiq.ratelimit.read_counter_store`), each
    process allowing its share of the rate; writes count in the shared store as before.
    """

    scope = "public"

    def get_cache_key(self, request, view) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.get_ident(request)

    def allow_request(self, request, view) -> bool:
        if request.method not in SAFE_METHODS:
            return super().allow_request(request, view)
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        store, rate = ratelimit.read_counter_store(ratelimit.Rate(self.num_requests, self.duration))
        self.outcome = ratelimit.hit(self.scope, ident, rate, store=store)
        return self.outcome.allowed
