"""Booking errors: each has a stable ``code`` and the HTTP status the API answers with."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from magnetiq.exceptions import ApplicationError, Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from magnetiq.exceptions import Message


class BookingUnavailable(Conflict):
    """The time is not (or no longer) free for this consultant: someone else took it, it is outside
    the schedule, too soon, too far ahead or the day is full. 409."""

    code = "BOOKING_UNAVAILABLE"
    message = _("This time is no longer available. Please pick another slot.")


class BookingPolicyWindowClosed(ApplicationError):
    """A guest tried to cancel or reschedule less than 24 h before the start (spec 004). 400."""

    code = "BOOKING_POLICY_WINDOW_CLOSED"
    status = 400
    message = _("Bookings can be changed or cancelled by the client until 24 hours before the start.")


class BookingStateConflict(Conflict):
    """The booking's status does not allow the action (reschedule a cancelled booking, …). 409."""

    code = "BOOKING_INVALID_STATE"
    message = _("The booking's status does not allow this action.")


class BookingPaymentRequired(ApplicationError):
    """The booking waits for payment; it cannot be confirmed without one. 400."""

    code = "BOOKING_PAYMENT_REQUIRED"
    status = 400
    message = _("This booking is confirmed once it is paid.")


class BookingInvalid(InvalidInput):
    """A field of the booking request is not valid (type, duration, time zone, message). 422."""

    code = "VALIDATION_ERROR"


class BookingNotFound(NotFound):
    code = "BOOKING_NOT_FOUND"
    message = _("No such booking.")


class BookingChangeForbidden(ApplicationError):
    """The caller may see the booking but not change it: staff holding only
    ``bookings.view_consultationbooking`` (``bookings.access``). 403."""

    code = "BOOKING_CHANGE_FORBIDDEN"
    status = 403
    message = _("Your role may view this booking but not change it.")


class BookingLinkExpired(ApplicationError):
    """A manage link of a booking that is over (``bookings.tokens``: its end + 14 days). 410."""

    code = "BOOKING_LINK_EXPIRED"
    status = 410
    message = _("This link has expired: the booking is over.")


class ZoomError(ApplicationError):
    """A call to Zoom failed (not configured, network error, timeout, error status, odd body).
    ``http_status``: Zoom's answer, ``None`` when there was none; ``zoom_code``: Zoom's error code. 502."""

    code = "ZOOM_ERROR"
    status = 502
    message = _("Zoom refused or did not answer the request.")

    def __init__(self, message: Message | None = None, *, http_status: int | None = None, zoom_code=None):
        super().__init__(message)
        self.http_status = http_status
        self.zoom_code = zoom_code
