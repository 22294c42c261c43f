"""The automatic refund policy on cancellation.

The rule is the bookings app's (``bookings.policy``, also shown to the visitor before payment): a
cancelled booking's succeeded payments are refunded in FULL automatically when

- the consultant or staff cancelled it (``cancelled_by`` ``consultant``/``staff``), whenever; or
- the client (guest) cancelled it at least ``BOOKINGS["GUEST_CHANGE_CUTOFF_HOURS"]`` (24) hours
  before the start — the same window in which the bookings core lets a guest cancel at all.

A guest cancelling later (only possible through staff overriding the window) and an expired hold
(``system``) get no automatic refund; staff can still refund by hand (admin action or
``POST /api/v1/admin/payments/refunds``).

Flow: the bookings core sends ``booking_cancelled(booking_id, cancelled_by)`` after commit →
:func:`refund_on_cancellation` enqueues :func:`refund_cancelled_booking_task` with the id → the task
calls :func:`booking_refund_on_cancellation`. Idempotent: each payment's automatic refund carries the
key ``refund-<payment id>-cancellation``, so a repeated signal or task run finds the same refund
(and resubmits it if Stripe was unreachable the first time) instead of creating a second one.
"""

from __future__ import annotations

import logging

from django.dispatch import receiver
from django_tasks import task

from bookings.models import CancelledBy, ConsultationBooking
from bookings.policy import ALWAYS_REFUNDED, cancellation_refund_due
from bookings.signals import booking_cancelled
from payments.exceptions import RefundNotAllowed
from payments.models import Payment, Refund, RefundReason, RefundStatus
from payments.services import payment_refundable, refund_create, refund_submit

logger = logging.getLogger(__name__)


def cancellation_refund_key(payment: Payment) -> str:
    return f"refund-{payment.pk}-cancellation"


def booking_refund_on_cancellation(*, booking: ConsultationBooking) -> list[Refund]:
    """Refund every succeeded payment of a cancelled ``booking`` in full when the policy says so.

    Returns the refunds (new or found again by their key); ``[]`` when no refund is due. A payment
    already refunded in full (by hand, or the late-payment refund of the core) is skipped. Raises
    the core's :class:`payments.exceptions.PaymentProviderUnavailable` when Stripe cannot be reached
    (the refund stays ``pending`` with its key; running again submits it).
    """
    if not cancellation_refund_due(booking):
        return []
    refunds = []
    for payment in Payment.objects.filter(booking=booking).succeeded().order_by("pk"):
        key = cancellation_refund_key(payment)
        existing = Refund.objects.filter(idempotency_key=key).first()
        if existing is not None:
            if existing.status == RefundStatus.PENDING and not existing.refund_id:
                existing = refund_submit(refund=existing)
            refunds.append(existing)
            continue
        if payment_refundable(payment) <= 0:
            continue
        try:
            refund = refund_create(
                payment=payment,
                reason=RefundReason.BOOKING_CANCELLED,
                idempotency_key=key,
                note=f"Automatic full refund: booking cancelled by {booking.cancelled_by}.",
            )
        except RefundNotAllowed:
            # Refunded in full meanwhile by someone else (staff, the core's late-payment refund).
            continue
        refunds.append(refund)
    return refunds


@task()
def refund_cancelled_booking_task(booking_id: int) -> int:
    """Apply the refund policy to a cancelled booking; returns how many refunds it has (idempotent)."""
    booking = ConsultationBooking.objects.filter(pk=booking_id).first()
    if booking is None:
        return 0
    return len(booking_refund_on_cancellation(booking=booking))


@receiver(booking_cancelled, sender=ConsultationBooking, dispatch_uid="payments.policies.refund_on_cancellation")
def refund_on_cancellation(sender, booking_id: int, cancelled_by: str = "", **kwargs) -> None:
    """Enqueue the policy for a cancellation that may be refunded (the task decides for certain)."""
    if cancelled_by in (*ALWAYS_REFUNDED, CancelledBy.CLIENT):
        refund_cancelled_booking_task.enqueue(booking_id)
