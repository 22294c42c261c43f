"""Settings of the payouts app: ``settings.PAYOUTS`` (a dict) over these defaults.

- ``PLATFORM_FEE_PERCENT`` (``Decimal``, 0–100, default 20): the platform's share of what a session
  brought in (gross − refunds − lost disputes). It also covers Stripe's processing fee, which the
  platform bears.
- ``TAX_WITHHOLDING_PERCENT`` (``Decimal``, 0–100, default 0): withheld from what is left after the fee.
- ``CONNECT_COUNTRY`` (default ``"US"``): country of new Stripe Express accounts unless the request names one.
- ``CONNECT_RETURN_PATH`` / ``CONNECT_REFRESH_PATH``: where Stripe sends the consultant after (or on an
  expired) onboarding, joined to ``SITE_URL``.
"""

from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULTS = {
    "PLATFORM_FEE_PERCENT": Decimal("20"),
    "TAX_WITHHOLDING_PERCENT": Decimal("0"),
    "CONNECT_COUNTRY": "US",
    "CONNECT_RETURN_PATH": "/?payment-setup=return",
    "CONNECT_REFRESH_PATH": "/?payment-setup=refresh",
}


def payouts_setting(name: str):
    """The value of ``settings.PAYOUTS[name]`` or its default (read on every call, so tests can
    override it). Percentages come back as ``Decimal``; a value outside 0–100 raises ImproperlyConfigured."""
    value = {**DEFAULTS, **getattr(settings, "PAYOUTS", {})}[name]
    if name.endswith("_PERCENT"):
        try:
            value = Decimal(str(value))
        except InvalidOperation as exc:
            raise ImproperlyConfigured(f"PAYOUTS[{name!r}] must be a number, not {value!r}.") from exc
        if not Decimal("0") <= value <= Decimal("100"):
            raise ImproperlyConfigured(f"PAYOUTS[{name!r}] must be between 0 and 100, not {value}.")
    return value
