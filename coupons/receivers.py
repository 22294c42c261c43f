"""Listeners of ``bookings.signals``: a booking's coupon use follows its hold and payment; and of
``leads.signals.lead_erased``: a GDPR erasure takes the person's e-mail off their coupon uses and
validation attempts.

Booking signals arrive after the booking's transaction committed, possibly more than once; each
service below is a conditional update, so repeating one changes nothing.
"""

from django.dispatch import receiver

from bookings.models import ConsultationBooking
from bookings.signals import booking_cancelled, booking_confirmed, booking_hold_expired, booking_refunded
from leads.signals import lead_erased

from .services import (
    coupon_usage_finalise,
    coupon_usage_free_cancelled,
    coupon_usage_refund,
    coupon_usage_release,
    coupon_usages_erase,
)


@receiver(booking_confirmed, sender=ConsultationBooking, dispatch_uid="coupons.finalise")
def finalise_on_confirmed(sender, booking_id: int, **kwargs) -> None:
    """Paid (or free and confirmed): the reserved use becomes final."""
    coupon_usage_finalise(booking_id=booking_id)


@receiver(booking_hold_expired, sender=ConsultationBooking, dispatch_uid="coupons.release_expired")
def release_on_hold_expired(sender, booking_id: int, **kwargs) -> None:
    """The hold ran out unpaid: the use goes back to the code."""
    coupon_usage_release(booking_id=booking_id)


@receiver(booking_cancelled, sender=ConsultationBooking, dispatch_uid="coupons.release_cancelled")
def release_on_cancelled(sender, booking_id: int, **kwargs) -> None:
    """Cancelled before payment: the reserved use goes back. A session the code made free gives its
    redeemed use back too (as a full refund would, ``COUPON_REFUND_RECREDITS_USE``); a paid one's
    use waits for the refund."""
    if not coupon_usage_release(booking_id=booking_id):
        coupon_usage_free_cancelled(booking_id=booking_id)


@receiver(booking_refunded, sender=ConsultationBooking, dispatch_uid="coupons.refund")
def recredit_on_refund(sender, booking_id: int, **kwargs) -> None:
    """Refunded in full: the use comes back when ``COUPON_REFUND_RECREDITS_USE`` is on."""
    coupon_usage_refund(booking_id=booking_id)


@receiver(lead_erased, dispatch_uid="coupons.erase_identity")
def erase_on_lead_erased(sender, email: str, **kwargs) -> None:
    """The lead's e-mail is erased: so are the uses and attempts made under it."""
    coupon_usages_erase(email=email)
