"""Extension points of the bookings app, so it never imports its listeners: sent after the transaction commits.

Every signal is sent with ``sender=ConsultationBooking`` through ``transaction.on_commit`` (so a
receiver never sees a change that was rolled back) and ``send_robust`` (a failing receiver is logged
and cannot undo the booking). Receivers get ids, load what they need, and should enqueue a task
(e-mail, calendar, meeting) rather than do slow work inline. The core flow never depends on them.
"""

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)

booking_confirmed = Signal()
"""A booking is confirmed (free booking at creation, or a paid hold confirmed).

Arguments: ``booking_id`` (int). Receivers may send the confirmation e-mail with the ICS invite and
create the meeting.
"""

booking_rescheduled = Signal()
"""A booking moved to a new time (same reference, ``sequence`` + 1).

Arguments: ``booking_id`` (int), ``previous_start`` (aware UTC datetime), ``previous_end`` (aware
UTC datetime). Receivers may send the updated invite; the manage link of the old time no longer works.
"""

booking_cancelled = Signal()
"""A booking was cancelled by the client, the consultant or staff.

Arguments: ``booking_id`` (int), ``cancelled_by`` (``"client"``, ``"consultant"``, ``"staff"``).
Receivers may send the cancellation with an ICS ``METHOD:CANCEL``. Expired holds do not send this
(see :data:`booking_hold_expired`).
"""

booking_hold_expired = Signal()
"""An unpaid hold ran out and freed its slot (status ``cancelled``, ``cancelled_by="system"``).

Arguments: ``booking_id`` (int).
"""

booking_refunded = Signal()
"""The booking's payment was refunded in full (``payment_status`` became ``refunded``).

Arguments: ``booking_id`` (int). Receivers may give back what the booking used (a discount code's use).
"""

booking_payment_requested = Signal()
"""Staff booked a priced session for a client (a phone booking): the slot is held and the client
must pay online through the link the receivers e-mail (the payment page).

Arguments: ``booking_id`` (int).
"""

booking_completed = Signal()
"""A booking was marked completed (the meeting took place).

Arguments: ``booking_id`` (int). Receivers may schedule the follow-up e-mail.
"""


def send_after_commit(signal: Signal, sender, **kwargs) -> None:
    """Send ``signal`` once the current transaction commits (at once outside one)."""

    def _send():
        for receiver, result in signal.send_robust(sender=sender, **kwargs):
            if isinstance(result, Exception):
                logger.error("Booking signal receiver %r failed", receiver, exc_info=result)

    transaction.on_commit(_send)
