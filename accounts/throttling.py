"""Login guessing protection for the JWT login endpoint (RELIABILITY A-2, A-3, A-4).

Failed logins are counted per client IP and per e-mail address, each against its own rate from
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (``login_ip``, ``login_email``; default ``5/min``).
When a counter reaches its limit the IP or the e-mail is locked for one period: every login for
it, even with the right password, is answered 429 ``RATE_LIMITED`` with ``Retry-After`` until the
lock expires. A successful login clears the e-mail's counter (not the IP's, so one known account
cannot be used to keep an IP clean).

Why our own counters and not django-axes here: axes guards the Django admin login (configured in
settings, database handler). For the API we want a one-minute window and a 429 in the API error
envelope, where axes answers with its own lockout response after a fixed cool-off and keeps its
state in the database; and axes only sees the JWT endpoint if the login goes through
``authenticate()``, which would also mix API failures into the admin's lockout records. The
counters live in the default cache (the shared database cache by default, Redis through
``CACHE_URL``), so every worker sees the same state. Windows are fixed, keyed by their number, and
the previous window is weighted in (the sliding-window-counter approximation), so a burst that
straddles a window boundary is still caught. The client IP comes from DRF's ``get_ident``, which
honours ``NUM_PROXIES`` so a forged ``X-Forwarded-For`` does not reset the count.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.exceptions import Throttled
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle


class LoginRateLimited(Throttled):
    default_detail = "Too many failed logins. Try again later."
    default_code = "rate_limited"


def _rate(scope: str) -> tuple[int, int]:
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope]
    num, duration = SimpleRateThrottle.parse_rate(None, rate)
    return num, duration


class LoginGuard:
    """Failure counters and locks for one login attempt (``request`` + the e-mail it names).

    Use: ``guard.check()`` before looking at the password (raises :class:`LoginRateLimited`),
    then ``guard.failed()`` or ``guard.succeeded()``.
    """

    def __init__(self, request, email: str):
        ip = BaseThrottle().get_ident(request) or "unknown"
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        self.subjects = [("ip", ip, *_rate("login_ip")), ("email", digest, *_rate("login_email"))]

    @staticmethod
    def _lock_key(kind: str, ident: str) -> str:
        return f"login-lock:{kind}:{ident}"

    @staticmethod
    def _count_key(kind: str, ident: str, window: int) -> str:
        return f"login-fail:{kind}:{ident}:{window}"

    def check(self) -> None:
        """Raise :class:`LoginRateLimited` (429, ``wait`` in seconds) if the IP or e-mail is locked."""
        now = time.time()
        waits = []
        for kind, ident, _limit, _period in self.subjects:
            locked_until = cache.get(self._lock_key(kind, ident))
            if locked_until is not None and locked_until > now:
                waits.append(locked_until - now)
        if waits:
            raise LoginRateLimited(wait=math.ceil(max(waits)))

    def failed(self) -> None:
        """Count one failure for the IP and the e-mail; lock whichever reached its limit."""
        now = time.time()
        for kind, ident, limit, period in self.subjects:
            window = int(now // period)
            key = self._count_key(kind, ident, window)
            cache.add(key, 0, timeout=period * 2)
            try:
                current = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=period * 2)
                current = 1
            previous = cache.get(self._count_key(kind, ident, window - 1), 0)
            overlap = 1 - (now - window * period) / period
            if current + previous * overlap >= limit:
                cache.set(self._lock_key(kind, ident), now + period, timeout=period)

    def succeeded(self) -> None:
        """Forget the e-mail's failures (the IP's count stays)."""
        now = time.time()
        for kind, ident, _limit, period in self.subjects:
            if kind != "email":
                continue
            window = int(now // period)
            cache.delete_many([self._count_key(kind, ident, window), self._count_key(kind, ident, window - 1)])
