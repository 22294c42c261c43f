from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FraudConfig(AppConfig):
    """Fraud controls: validation attempts and their throttles, blocked IPs, flagged and whitelisted
    users, risk scores. A low layer of its own (it imports only accounts and magnetiq), so the
    coupons app, and any later form that guards guessable codes, asks it before checking a code."""

    name = "fraud"
    verbose_name = _("Fraud controls")
