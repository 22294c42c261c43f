"""PayPal's webhook verification (``POST /v1/notifications/verify-webhook-signature``).

The only module that talks to PayPal, through :func:`magnetiq.http.vendor_request` (connect and
``PAYPAL_TIMEOUT_SECONDS`` read timeouts; both POSTs only read, so a timeout, 5xx or 429 is retried).
Settings: ``PAYPAL_API_BASE``, ``PAYPAL_CLIENT_ID``, ``PAYPAL_CLIENT_SECRET``, ``PAYPAL_WEBHOOK_ID``.
It may: fetch an OAuth token and ask PayPal whether a notification is genuine. It may not: touch
the database or apply the notification, or be called inside a database transaction.
"""

from __future__ import annotations

import base64
import json

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from magnetiq.http import VendorUnreachable, vendor_request

from .exceptions import PaymentNotConfigured, PaymentProviderUnavailable, WebhookSignatureInvalid

#: The transmission headers PayPal signs, as PayPal's API wants them named.
HEADER_FIELDS = {
    "auth_algo": "PAYPAL-AUTH-ALGO",
    "cert_url": "PAYPAL-CERT-URL",
    "transmission_id": "PAYPAL-TRANSMISSION-ID",
    "transmission_sig": "PAYPAL-TRANSMISSION-SIG",
    "transmission_time": "PAYPAL-TRANSMISSION-TIME",
}


def is_configured() -> bool:
    return bool(settings.PAYPAL_CLIENT_ID and settings.PAYPAL_CLIENT_SECRET and settings.PAYPAL_WEBHOOK_ID)


def _post(path: str, body: bytes, headers: dict, *, credentials: bool = False) -> dict:
    """POST to PayPal; ``credentials``: a 401/403 means OUR credentials are wrong (not the event):
    :class:`PaymentNotConfigured` (503, so PayPal keeps the event and retries once they are fixed)."""
    try:
        response = vendor_request(
            "POST",
            settings.PAYPAL_API_BASE.rstrip("/") + path,
            vendor="PayPal",
            read_timeout=settings.PAYPAL_TIMEOUT_SECONDS,
            headers=headers,
            content=body,
            idempotent=True,
        )
    except VendorUnreachable as exc:
        raise PaymentProviderUnavailable() from exc
    status = response.status_code
    if status >= 500 or status == 429:
        raise PaymentProviderUnavailable()
    if credentials and status in (401, 403):
        raise PaymentNotConfigured(_("PayPal refused our API credentials."))
    if status >= 400:
        raise WebhookSignatureInvalid(_("PayPal refused the verification (%(status)s).") % {"status": status})
    try:
        return json.loads(response.content or b"{}")
    except ValueError as exc:
        raise PaymentProviderUnavailable() from exc


def _token() -> str:
    credentials = f"{settings.PAYPAL_CLIENT_ID}:{settings.PAYPAL_CLIENT_SECRET}".encode()
    data = _post(
        "/v1/oauth2/token",
        b"grant_type=client_credentials",
        {
            "Authorization": "Basic " + base64.b64encode(credentials).decode(),
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
        credentials=True,
    )
    token = data.get("access_token")
    if not token:
        raise PaymentProviderUnavailable(_("PayPal gave no access token."))
    return token


def verify_webhook(*, headers: dict, event: dict) -> None:
    """Ask PayPal whether ``event`` with these transmission ``headers`` is genuine.

    ``headers``: the request's headers (any case). Raises :class:`WebhookSignatureInvalid` (400) for a
    missing header or a verdict other than ``SUCCESS``, :class:`PaymentProviderUnavailable` (503) when
    PayPal cannot be reached, :class:`PaymentNotConfigured` without credentials.
    """
    if not is_configured():
        raise PaymentNotConfigured(_("PayPal webhooks are not configured."))
    lowered = {k.lower(): v for k, v in headers.items()}
    values = {field: lowered.get(name.lower(), "") for field, name in HEADER_FIELDS.items()}
    if not all(values.values()):
        raise WebhookSignatureInvalid(_("PayPal transmission headers are missing."))
    body = json.dumps({**values, "webhook_id": settings.PAYPAL_WEBHOOK_ID, "webhook_event": event}).encode()
    verdict = _post(
        "/v1/notifications/verify-webhook-signature",
        body,
        {"Authorization": f"Bearer {_token()}", "Content-Type": "application/json", "Accept": "application/json"},
    )
    if verdict.get("verification_status") != "SUCCESS":
        raise WebhookSignatureInvalid(_("PayPal could not verify the notification."))
