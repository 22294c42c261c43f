"""Domain errors of the coupons app (each with a stable ``code``; mapped once by the API handler).

Every refusal of a code is a :class:`CouponRefused` subclass with a short, stable ``reason``
(``expired``, ``not_started``, ``exhausted``, ``already_used_by_you``, ``first_time_only``,
``not_for_this_consultant``, ``not_for_this_service``, ``minimum_not_met``, ``currency_mismatch``,
``inactive``, ``unknown``) that the validation answer, the attempt records and the pages use; the API
error ``code`` is ``COUPON_`` + the reason in upper case.
"""

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import ApplicationError, Conflict, InvalidInput, NotFound


class CouponRefused(ApplicationError):
    """A code that cannot be used for this booking (400 unless the subclass says otherwise)."""

    reason = "refused"
    code = "COUPON_REFUSED"
    message = _("This code cannot be used.")

    def __init__(self, message=None, **kwargs):
        super().__init__(message, **kwargs)
        # Names the field, so forms (the booking page) show the refusal beside the code.
        if not self.details:
            self.details = [{"field": "coupon_code", "message": self.message, "code": self.reason}]


class CouponUnknown(CouponRefused):
    reason = "unknown"
    code = "COUPON_UNKNOWN"
    status = 404
    message = _("This code does not exist.")


class CouponInactive(CouponRefused):
    reason = "inactive"
    code = "COUPON_INACTIVE"
    message = _("This code is not active.")


class CouponNotStarted(CouponRefused):
    reason = "not_started"
    code = "COUPON_NOT_STARTED"
    message = _("This code is not valid yet.")


class CouponExpired(CouponRefused):
    reason = "expired"
    code = "COUPON_EXPIRED"
    message = _("This code has expired.")


class CouponExhausted(CouponRefused):
    reason = "exhausted"
    code = "COUPON_EXHAUSTED"
    status = 409
    message = _("This code has been used up.")


class CouponAlreadyUsed(CouponRefused):
    reason = "already_used_by_you"
    code = "COUPON_ALREADY_USED_BY_YOU"
    status = 409
    message = _("You have already used this code as often as allowed.")


class CouponFirstTimeOnly(CouponRefused):
    reason = "first_time_only"
    code = "COUPON_FIRST_TIME_ONLY"
    message = _("This code is for first-time clients only.")


class CouponNotForConsultant(CouponRefused):
    reason = "not_for_this_consultant"
    code = "COUPON_NOT_FOR_THIS_CONSULTANT"
    message = _("This code cannot be used with this consultant.")


class CouponNotForService(CouponRefused):
    reason = "not_for_this_service"
    code = "COUPON_NOT_FOR_THIS_SERVICE"
    message = _("This code cannot be used for this kind of session.")


class CouponMinimumNotMet(CouponRefused):
    reason = "minimum_not_met"
    code = "COUPON_MINIMUM_NOT_MET"
    message = _("This code needs an order of at least %(minimum)s.")


class CouponCurrencyMismatch(CouponRefused):
    reason = "currency_mismatch"
    code = "COUPON_CURRENCY_MISMATCH"
    message = _("This code is in %(coupon_currency)s and cannot be used for a price in %(currency)s.")


#: Every refusal class, by its stable reason.
REFUSALS: dict[str, type[CouponRefused]] = {
    cls.reason: cls
    for cls in (
        CouponUnknown,
        CouponInactive,
        CouponNotStarted,
        CouponExpired,
        CouponExhausted,
        CouponAlreadyUsed,
        CouponFirstTimeOnly,
        CouponNotForConsultant,
        CouponNotForService,
        CouponMinimumNotMet,
        CouponCurrencyMismatch,
    )
}


class CouponNotFound(NotFound):
    """Staff asked for a coupon id that does not exist or is deleted."""

    code = "COUPON_NOT_FOUND"
    message = _("Coupon not found.")


class CampaignNotFound(NotFound):
    code = "CAMPAIGN_NOT_FOUND"
    message = _("Campaign not found.")


class CouponCodeTaken(Conflict):
    code = "COUPON_CODE_TAKEN"
    message = _("A coupon with this code already exists.")


class CouponInvalid(InvalidInput):
    """A coupon's fields break a rule (422 with ``details`` per field)."""

    code = "COUPON_INVALID"
    message = _("The coupon is not valid.")
