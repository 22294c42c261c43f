"""The fraud app's settings, read in one place with their defaults (documented in
``magnetiq/settings/base.py`` and docs/operations.md).

* ``FRAUD_ATTEMPT_RATE_IP`` / ``FRAUD_ATTEMPT_RATE_EMAIL``: attempts per client IP / per normalised
  e-mail and scope (``"20/min"``, ``"10/min"``; :class:`magnetiq.ratelimit.Rate` syntax);
  ``FRAUD_ATTEMPT_SCOPE_RATES``: ``{"<scope>": {"ip": "…", "email": "…"}}`` overrides per scope;
* ``FRAUD_BLOCK_AFTER_FAILURES`` (10) failures from one IP within ``FRAUD_FAILURE_WINDOW_MINUTES``
  (60) block it for ``FRAUD_BLOCK_MINUTES`` (1440);
* ``FRAUD_FLAG_AFTER_FAILURES`` (20) failures of one e-mail or user within the same window flag it;
* ``FRAUD_ATTEMPT_IP_RETENTION_DAYS`` (30): days an attempt keeps the full IP;
* risk rules (:func:`fraud.services.risk_assess`): ``FRAUD_RISK_WINDOW_MINUTES`` (60),
  ``FRAUD_RISK_MANY_CODES`` (5 distinct codes in the window), ``FRAUD_RISK_MANY_IDENTITIES``
  (3 e-mail addresses from one IP in the window), ``FRAUD_RISK_NEW_ACCOUNT_DAYS`` (7),
  ``FRAUD_RISK_HIGH`` (60: from this score on an attempt counts as high-risk in the reports).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from magnetiq.ratelimit import Rate


def _setting(name: str, default):
    return getattr(settings, name, default)


def attempt_rates(scope: str) -> dict[str, Rate]:
    """``{"ip": Rate, "email": Rate}`` for ``scope``: the scope's overrides over the defaults."""
    overrides = _setting("FRAUD_ATTEMPT_SCOPE_RATES", {}).get(scope, {})
    return {
        "ip": Rate.parse(overrides.get("ip", _setting("FRAUD_ATTEMPT_RATE_IP", "20/min"))),
        "email": Rate.parse(overrides.get("email", _setting("FRAUD_ATTEMPT_RATE_EMAIL", "10/min"))),
    }


def block_after_failures() -> int:
    return int(_setting("FRAUD_BLOCK_AFTER_FAILURES", 10))


def flag_after_failures() -> int:
    return int(_setting("FRAUD_FLAG_AFTER_FAILURES", 20))


def failure_window() -> timedelta:
    return timedelta(minutes=int(_setting("FRAUD_FAILURE_WINDOW_MINUTES", 60)))


def block_duration() -> timedelta:
    return timedelta(minutes=int(_setting("FRAUD_BLOCK_MINUTES", 24 * 60)))


def ip_retention() -> timedelta:
    return timedelta(days=int(_setting("FRAUD_ATTEMPT_IP_RETENTION_DAYS", 30)))


def risk_window() -> timedelta:
    return timedelta(minutes=int(_setting("FRAUD_RISK_WINDOW_MINUTES", 60)))


def risk_many_codes() -> int:
    return int(_setting("FRAUD_RISK_MANY_CODES", 5))


def risk_many_identities() -> int:
    return int(_setting("FRAUD_RISK_MANY_IDENTITIES", 3))


def risk_new_account() -> timedelta:
    return timedelta(days=int(_setting("FRAUD_RISK_NEW_ACCOUNT_DAYS", 7)))


def risk_high() -> int:
    return int(_setting("FRAUD_RISK_HIGH", 60))
