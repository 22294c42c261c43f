"""Errors of the payouts app, each with a stable ``code`` (spec 000 error codes where it has one)."""

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import ApplicationError, Conflict, InvalidInput, NotFound


class ConsultantNotFound(NotFound):
    code = "CONSULTANT_NOT_FOUND"
    message = _("Consultant profile not found.")


class PaymentSetupIncomplete(ApplicationError):
    """Spec 000 ``PAYMENT_SETUP_INCOMPLETE`` (400): no connected account that can receive transfers."""

    code = "PAYMENT_SETUP_INCOMPLETE"
    status = 400
    message = _("Payment account setup required.")


class KYCTransitionNotAllowed(Conflict):
    code = "KYC_TRANSITION_NOT_ALLOWED"
    message = _("This KYC status cannot follow the current one.")


class PayoutExceedsOwed(InvalidInput):
    code = "PAYOUT_EXCEEDS_OWED"
    message = _("The amount is more than the consultant is owed.")


class PayoutNotPending(Conflict):
    code = "PAYOUT_NOT_PENDING"
    message = _("This payout is no longer pending.")


class InvalidPeriod(InvalidInput):
    code = "INVALID_PERIOD"
    message = _("Give the period as YYYY-MM (e.g. 2026-11).")
