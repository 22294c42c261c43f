"""The cancellation, change and refund rule of a booking, written once for every page, e-mail and
the payments app's automatic refund (``payments.policies``).

- A guest (the client, or anyone with the manage link) may reschedule or cancel until
  ``BOOKINGS["GUEST_CHANGE_CUTOFF_HOURS"]`` (24) hours before the start
  (:meth:`ConsultationBooking.guest_may_change_at`, spec 004 "Cancel Session"); later only staff or
  the consultant can.
- A cancelled booking's payment is refunded in FULL when the consultant or staff cancelled it
  (whenever), or the client cancelled it within that window. A later cancellation by the client
  (only possible through staff) and an expired hold get no automatic refund.
- A refund reaches the card within 5–10 business days (Stripe: "Refunds take 5-10 business days to
  appear on a customer's statement").
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import conf
from .models import BookingPaymentStatus, BookingStatus, CancelledBy, ConsultationBooking

#: Who may cancel at any time and still get the client's money back.
ALWAYS_REFUNDED = (CancelledBy.CONSULTANT, CancelledBy.STAFF)


def cancellation_refund_due(booking: ConsultationBooking) -> bool:
    """Whether the rule refunds a cancelled ``booking`` in full (see the module docstring)."""
    if booking.status != BookingStatus.CANCELLED or booking.cancelled_at is None:
        return False
    if booking.cancelled_by in ALWAYS_REFUNDED:
        return True
    if booking.cancelled_by == CancelledBy.CLIENT:
        return booking.guest_may_change_at(booking.cancelled_at)
    return False


def cancellation_refund_amount(booking: ConsultationBooking) -> Decimal:
    """What the rule gives back for a cancelled ``booking``, in ``payment_currency`` (Decimal):
    the full ``payment_amount`` of a paid booking when :func:`cancellation_refund_due`, else 0."""
    paid = booking.payment_status in (BookingPaymentStatus.COMPLETED, BookingPaymentStatus.REFUNDED)
    if paid and booking.payment_amount > 0 and cancellation_refund_due(booking):
        return booking.payment_amount
    return Decimal("0")


def slot_inside_change_window(start: datetime, now: datetime) -> bool:
    """Whether a slot starting at ``start`` is already inside the window in which a guest can no
    longer change, cancel or get a refund (the model's one rule, asked for an unsaved booking)."""
    return not ConsultationBooking(start=start).guest_may_change_at(now)


def cutoff_hours() -> int:
    return conf.get("GUEST_CHANGE_CUTOFF_HOURS")


def policy_text() -> str:
    """The rule in a sentence for the pages before payment, in the active language."""
    hours = cutoff_hours()
    return ngettext(
        "You can reschedule or cancel online until %(hours)s hour before the start; a cancellation by then "
        "is refunded in full. Later the booking can no longer be changed, cancelled or refunded.",
        "You can reschedule or cancel online until %(hours)s hours before the start; a cancellation by then "
        "is refunded in full. Later the booking can no longer be changed, cancelled or refunded.",
        hours,
    ) % {"hours": hours}


def inside_window_note() -> str:
    """The note on a slot that already starts inside the window."""
    hours = cutoff_hours()
    return ngettext(
        "inside %(hours)s h: cannot be changed or refunded",
        "inside %(hours)s h: cannot be changed or refunded",
        hours,
    ) % {"hours": hours}


def refund_arrival_text() -> str:
    return _("within 5–10 business days")
