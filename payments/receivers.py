"""Receivers of ``bookings.signals``: they only enqueue payments tasks (ids, after commit)."""

from django.dispatch import receiver

from bookings.models import ConsultationBooking
from bookings.signals import booking_cancelled, booking_hold_expired

from .tasks import cancel_open_payments_task


@receiver(booking_hold_expired, sender=ConsultationBooking, dispatch_uid="payments.cancel_on_hold_expired")
def cancel_payment_on_hold_expired(sender, booking_id: int, **kwargs) -> None:
    """The hold was the payment window: cancel its PaymentIntent (a late success is refunded)."""
    cancel_open_payments_task.enqueue(booking_id)


@receiver(booking_cancelled, sender=ConsultationBooking, dispatch_uid="payments.cancel_on_booking_cancelled")
def cancel_payment_on_booking_cancelled(sender, booking_id: int, **kwargs) -> None:
    """A booking cancelled while unpaid must not be payable any more."""
    cancel_open_payments_task.enqueue(booking_id)
