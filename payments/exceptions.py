"""Payment errors: each has a stable ``code`` and the HTTP status the API answers with.

The gateway turns every provider error into one of these (nothing outside
``payments/stripe_gateway.py`` sees a ``stripe`` exception).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import ApplicationError, Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from magnetiq.exceptions import Message


class PaymentError(ApplicationError):
    """The payment provider refused or failed a request. 400 unless a subclass says otherwise."""

    code = "PAYMENT_ERROR"
    status = 400
    message = _("The payment could not be processed.")


class PaymentDeclined(PaymentError):
    """The card was declined (Stripe ``card_error``). 402 with the decline code in ``details``.

    ``decline_code``: Stripe's ``decline_code`` or ``code`` (``card_declined``, ``insufficient_funds``, …).
    """

    code = "CARD_DECLINED"
    status = 402
    message = _("Your card was declined. Please use another card or contact your bank.")

    def __init__(self, message: Message | None = None, *, decline_code: str = "card_declined", **kwargs):
        self.decline_code = decline_code or "card_declined"
        kwargs.setdefault("details", [{"field": "card", "message": message or self.message, "code": self.decline_code}])
        super().__init__(message, **kwargs)


class PaymentProviderUnavailable(PaymentError):
    """The provider could not be reached or answered 5xx / rate-limited: retry later. 503."""

    code = "PAYMENT_PROVIDER_UNAVAILABLE"
    status = 503
    message = _("The payment service is not reachable right now. Please try again in a moment.")


class PaymentNotConfigured(PaymentError):
    """No API key for the provider (settings). 503."""

    code = "PAYMENT_NOT_CONFIGURED"
    status = 503
    message = _("Payments are not configured on this server.")


class PaymentInvalidAmount(InvalidInput):
    """An amount that the currency cannot carry (too many decimals, ≤ 0). 422."""

    code = "PAYMENT_INVALID_AMOUNT"
    message = _("The amount is not valid for this currency.")


class PaymentNotFound(NotFound):
    code = "PAYMENT_NOT_FOUND"
    message = _("No such payment.")


class PaymentNotRequired(Conflict):
    """The booking is free or already paid / no longer waiting for payment. 409."""

    code = "PAYMENT_NOT_REQUIRED"
    message = _("This booking does not need a payment.")


class PaymentNotCompleted(Conflict):
    """``confirm`` for a PaymentIntent that has not succeeded at the provider (RELIABILITY C-12). 409."""

    code = "PAYMENT_NOT_COMPLETED"
    message = _("The payment has not been completed yet.")


class PaymentMismatch(Conflict):
    """The PaymentIntent's amount, currency or booking differs from ours (RELIABILITY S-5). 409."""

    code = "PAYMENT_MISMATCH"
    message = _("The payment does not match the booking.")


class WebhookSignatureInvalid(ApplicationError):
    """Missing, malformed, wrong or stale signature (tolerance 300 s). 400."""

    code = "WEBHOOK_SIGNATURE_INVALID"
    status = 400
    message = _("The webhook signature could not be verified.")


class WebhookBusy(ApplicationError):
    """The database was locked while storing or applying an event: the provider should retry. 503."""

    code = "WEBHOOK_BUSY"
    status = 503
    message = _("Busy, please retry.")


class TransferFailed(PaymentError):
    """Stripe refused a transfer (``balance_insufficient``, an account without the transfers
    capability, …). ``stripe_code``: Stripe's error code; ``message``: Stripe's own text. 400."""

    code = "TRANSFER_FAILED"
    message = _("The transfer was refused.")

    def __init__(self, message: Message | None = None, *, stripe_code: str = "", **kwargs):
        self.stripe_code = stripe_code
        super().__init__(message, **kwargs)


class RefundNotAllowed(Conflict):
    """The payment has not succeeded, is refunded in full already, or the booking has no succeeded
    payment. 409."""

    code = "REFUND_NOT_ALLOWED"
    message = _("This payment cannot be refunded.")


class PaymentStatusBackwards(Conflict):
    """A staff status correction names a status not reachable from the current one. 409."""

    code = "PAYMENT_STATUS_BACKWARDS"
    message = _("A payment's status cannot move backwards.")


class PaymentStatusNotConfirmed(Conflict):
    """A staff status correction names a status Stripe does not report after the refresh. 409."""

    code = "PAYMENT_STATUS_NOT_CONFIRMED"
    message = _("Stripe does not report that status for this payment.")


class PaymentNotRefreshable(Conflict):
    """A status correction of a payment that is not Stripe's (nothing to re-fetch). 409."""

    code = "PAYMENT_NOT_REFRESHABLE"
    message = _("Only Stripe payments can be refreshed from the provider.")
