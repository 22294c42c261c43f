"""The automatic refund policy on cancellation, with the real stripe SDK against localstripe: guest
≥ 24 h before → full refund; guest inside 24 h → none; consultant or staff → full refund whenever;
a repeated signal or task run → still one refund."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role, User
from bookings.exceptions import BookingPolicyWindowClosed
from bookings.models import BookingPaymentStatus, BookingStatus, CancelledBy, ConsultationBooking
from bookings.services import booking_can_change, booking_cancel
from bookings.signals import booking_cancelled
from bookings.tests.factories import BookingFactory
from payments.models import Payment, Refund, RefundReason, RefundStatus
from payments.policies import booking_refund_on_cancellation, cancellation_refund_due, refund_cancelled_booking_task
from payments.services import refund_create
from payments.stripe_gateway import get_gateway

from .staff_helpers import paid_booking, staff_user

pytestmark = pytest.mark.django_db


def test_guest_cancelling_a_day_ahead_gets_everything_back(localstripe, consultant, django_capture_on_commit_callbacks):
    booking, payment = paid_booking(consultant, days=3)

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, actor=None)

    refund = Refund.objects.get()
    assert (refund.payment_id, refund.amount, refund.currency) == (payment.pk, Decimal("100.00"), "USD")
    assert (refund.status, refund.reason) == (RefundStatus.SUCCEEDED, RefundReason.BOOKING_CANCELLED)
    assert refund.idempotency_key == f"refund-{payment.pk}-cancellation"
    assert refund.refund_id.startswith("re_")
    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("100.00")
    booking.refresh_from_db()
    assert booking.payment_status == BookingPaymentStatus.REFUNDED
    assert [r.amount for r in get_gateway().list_refunds(payment.payment_intent_id)] == [Decimal("100.00")]


def test_guest_inside_24_hours_gets_no_automatic_refund(localstripe, consultant):
    booking, _payment = paid_booking(consultant, days=3)
    # Only staff can let a guest cancel this late; the cancellation still counts as the client's.
    ConsultationBooking.objects.filter(pk=booking.pk).update(
        status=BookingStatus.CANCELLED,
        cancelled_by=CancelledBy.CLIENT,
        cancelled_at=booking.start - timedelta(hours=23, minutes=59),
    )
    booking.refresh_from_db()
    assert cancellation_refund_due(booking) is False

    booking_cancelled.send(sender=ConsultationBooking, booking_id=booking.pk, cancelled_by=CancelledBy.CLIENT)

    assert Refund.objects.count() == 0
    # Exactly 24 h ahead is still in time.
    ConsultationBooking.objects.filter(pk=booking.pk).update(cancelled_at=booking.start - timedelta(hours=24))
    booking.refresh_from_db()
    assert cancellation_refund_due(booking) is True


@pytest.mark.parametrize("who", ["consultant", "staff"])
def test_consultant_or_staff_cancelling_refunds_even_at_the_last_minute(
    localstripe, consultant, django_capture_on_commit_callbacks, who
):
    booking, _payment = paid_booking(consultant, days=3)
    if who == "consultant":
        actor = User.objects.create_user("anna@example.com", "pw-0123456789", role=Role.CONSULTANT)
        consultant.user = actor
        consultant.save(update_fields=["user"])
    else:
        actor = staff_user("bookings.change_consultationbooking")

    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, actor=actor, now=booking.start - timedelta(hours=1))

    booking.refresh_from_db()
    assert booking.cancelled_by == who
    refund = Refund.objects.get()
    assert (refund.amount, refund.status) == (Decimal("100.00"), RefundStatus.SUCCEEDED)
    assert refund.note == f"Automatic full refund: booking cancelled by {who}."


def test_repeated_signal_and_task_runs_make_one_refund(localstripe, consultant, django_capture_on_commit_callbacks):
    booking, payment = paid_booking(consultant, days=3)
    with django_capture_on_commit_callbacks(execute=True):
        booking_cancel(booking=booking, actor=None)

    for _ in range(2):
        booking_cancelled.send(sender=ConsultationBooking, booking_id=booking.pk, cancelled_by=CancelledBy.CLIENT)
    assert refund_cancelled_booking_task.call(booking.pk) == 1

    assert Refund.objects.count() == 1
    assert len(get_gateway().list_refunds(payment.payment_intent_id)) == 1
    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("100.00")


def test_partly_refunded_payment_gets_the_rest_back(localstripe, consultant):
    booking, payment = paid_booking(consultant, days=3)
    refund_create(payment=payment, amount=Decimal("30.00"))
    booking = booking_cancel(booking=booking, actor=None)

    refunds = booking_refund_on_cancellation(booking=booking)

    assert [r.amount for r in refunds] == [Decimal("70.00")]
    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("100.00")
    # Running again finds the same refund by its key.
    assert booking_refund_on_cancellation(booking=booking) == refunds
    assert Refund.objects.count() == 2


def test_payment_refunded_in_full_by_hand_gets_nothing_more(localstripe, consultant):
    booking, payment = paid_booking(consultant, days=3)
    refund_create(payment=payment)
    booking = booking_cancel(booking=booking, actor=None)

    assert booking_refund_on_cancellation(booking=booking) == []
    assert Refund.objects.count() == 1


def test_nothing_to_refund_for_an_unpaid_or_active_booking(localstripe, consultant, held_booking):
    assert booking_refund_on_cancellation(booking=held_booking) == []
    cancelled = booking_cancel(booking=held_booking, actor=None)
    assert booking_refund_on_cancellation(booking=cancelled) == []
    assert refund_cancelled_booking_task.call(999_999) == 0
    assert Refund.objects.count() == 0
    assert Payment.objects.count() == 0


def test_a_longer_guest_window_moves_the_cancel_rule_and_the_refund_policy_together(consultant, settings):
    settings.BOOKINGS = {"GUEST_CHANGE_CUTOFF_HOURS": 48}
    start = timezone.now() + timedelta(days=5)
    late = start - timedelta(hours=47, minutes=59)
    booking = BookingFactory(consultant=consultant, start=start)

    assert booking_can_change(booking, now=late) is False
    with pytest.raises(BookingPolicyWindowClosed):
        booking_cancel(booking=booking, actor=None, now=late)

    cancelled = booking_cancel(booking=booking, actor=None, now=start - timedelta(hours=48))
    assert (cancelled.status, cancelled.cancelled_by) == (BookingStatus.CANCELLED, CancelledBy.CLIENT)
    assert cancellation_refund_due(cancelled) is True
    # The same client cancellation one minute later (only staff can let it happen) is not refunded.
    ConsultationBooking.objects.filter(pk=booking.pk).update(cancelled_at=late)
    booking.refresh_from_db()
    assert cancellation_refund_due(booking) is False
