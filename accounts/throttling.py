"""Login guessing protection for the JWT login endpoint (RELIABILITY A-2, A-3, A-4).

Every login attempt is counted BEFORE its password is looked at, against three limits, in this
order, each an atomic counter of :mod:`magnetiq.ratelimit` (rates in
``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``). Counting first means that N parallel guesses get N
distinct counts: at most the limit of them reach the password check, the rest are answered 429
``RATE_LIMITED`` with ``Retry-After`` (even with the right password, until the window has moved on).

1. ``login_pair`` (default 5/min), per (client IP, account): the lock a guesser meets. It is
   keyed by the pair, so failures lock only that IP out of that one account: other accounts
   behind the same IP (an office or a carrier NAT) and the account's owner on their own IP are
   not affected.
2. ``login_ip`` (default 50/min), per client IP across all accounts: stops one IP trying a few
   passwords on many accounts (password spraying), which the pair limit cannot see. Ten times the
   pair limit, so the people behind a shared IP only notice when together they send more than 50
   logins a minute. Attempts the pair limit refused are not counted here, so hammering one account
   cannot lock the IP for everybody.
3. ``login_account`` (default 10/min), per account across all IPs, but only for attempts from an
   IP that has not logged in to this account successfully within ``LOGIN_TRUSTED_IP_DAYS``
   (default 30): slows a distributed attack (a botnet, an IPv6 range), which the two limits above
   cannot see, to 10 guesses a minute. Why the exemption: a per-account lock that counts everyone's
   failures lets anybody who knows an e-mail address lock its owner out of the API. Remembering
   the IPs an account really logged in from (OWASP's "device cookie" defence against online
   guessing, with the IP because API clients keep no cookies) keeps the owner's usual network out
   of the attacker's reach. Only attempts the pair and IP limits let through count here, so one
   attacking IP adds at most 5 a minute and cannot trip it alone. What remains, on purpose: during
   a distributed attack the owner cannot log in from a network they never used before, and an
   attacker behind the owner's own IP shares the pair lock with the owner (an IP cannot tell them
   apart).

A refused attempt counts only against the limit that refused it (the counts it added to earlier
limits are given back). A successful login gives back its own counts, clears the pair's failures
(whoever is on this IP knows the password) and remembers the IP as trusted for the account.

Why our own counters and not django-axes here: axes guards the Django admin login (configured in
settings, database handler). For the API we want a one-minute window and a 429 in the API error
envelope, where axes answers with its own lockout response after a fixed cool-off and keeps its
state in the database; and axes only sees the JWT endpoint if the login goes through
``authenticate()``, which would also mix API failures into the admin's lockout records. The client
IP comes from DRF's ``get_ident``, which honours ``NUM_PROXIES`` so a forged ``X-Forwarded-For``
does not reset the count; counters and trusted IPs live in shared storage (the database or Redis
through ``CACHE_URL``), so every worker sees the same state.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

from magnetiq import ratelimit

from .exceptions import LoginRateLimited


def _rate(scope: str) -> ratelimit.Rate:
    return ratelimit.Rate.parse(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][scope])


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class LoginGuard:
    """The limits of one login attempt (``request`` + the e-mail it names); see the module docstring.

    Use: ``guard.attempt()`` before looking at the password (raises :class:`LoginRateLimited`),
    then ``guard.succeeded()`` if the password was right.
    """

    def __init__(self, request, email: str):
        self.ip = BaseThrottle().get_ident(request) or "unknown"
        self.account = _digest(email.strip().lower())
        self.counted: list[tuple[str, str, ratelimit.Rate, ratelimit.Hit]] = []

    @property
    def _trust_key(self) -> str:
        return f"login-trusted:{_digest(f'{self.ip}|{self.account}')}"

    def _subjects(self) -> list[tuple[str, str]]:
        subjects = [("login_pair", _digest(f"{self.ip}|{self.account}")), ("login_ip", self.ip)]
        if not cache.get(self._trust_key):
            subjects.append(("login_account", self.account))
        return subjects

    def attempt(self) -> None:
        """Count this attempt against each limit in turn; raise :class:`LoginRateLimited` (with
        ``wait`` in seconds) at the first one it exceeds, after giving back what it counted before."""
        for scope, ident in self._subjects():
            rate = _rate(scope)
            outcome = ratelimit.hit(scope, ident, rate)
            if not outcome.allowed:
                for *_subject, earlier in self.counted:
                    ratelimit.refund(earlier)
                self.counted = []
                raise LoginRateLimited(wait=ratelimit.retry_after([outcome]))
            self.counted.append((scope, ident, rate, outcome))

    def succeeded(self) -> None:
        """The password was right: give back this attempt's counts, clear the pair's failures and
        trust this IP for the account for ``LOGIN_TRUSTED_IP_DAYS``."""
        for scope, ident, rate, outcome in self.counted:
            if scope == "login_pair":
                ratelimit.reset(scope, ident, rate)
            else:
                ratelimit.refund(outcome)
        self.counted = []
        cache.set(self._trust_key, True, timeout=settings.LOGIN_TRUSTED_IP_DAYS * 86400)
