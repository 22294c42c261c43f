"""Paying a booking with the real stripe SDK against localstripe."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from bookings.models import BookingPaymentStatus, BookingStatus, ConsultationBooking
from bookings.services import bookings_release_expired_holds
from payments.exceptions import PaymentDeclined, PaymentNotCompleted, PaymentNotRequired
from payments.models import LedgerEntry, Payment, PaymentIntentStatus, Refund, RefundReason, RefundStatus
from payments.services import payment_confirm_card, payment_confirm_paid, payment_create_for_booking
from payments.stripe_gateway import StripeGateway, get_gateway

from .conftest import hold

pytestmark = pytest.mark.django_db


def test_create_is_idempotent_and_stores_one_intent(localstripe, held_booking):
    first = payment_create_for_booking(booking=held_booking)
    again = payment_create_for_booking(booking=held_booking)

    assert again.pk == first.pk
    assert Payment.objects.count() == 1
    assert first.idempotency_key == f"booking-{held_booking.reference}-pi-v1"
    assert first.amount == Decimal("100.00")
    assert first.currency == "USD"
    assert first.status == PaymentIntentStatus.REQUIRES_PAYMENT_METHOD
    assert first.client_secret.startswith(f"{first.payment_intent_id}_secret_")
    info = get_gateway().retrieve_payment_intent(first.payment_intent_id)
    assert (info.amount, info.currency, info.metadata["booking_reference"]) == (
        Decimal("100.00"),
        "USD",
        held_booking.reference,
    )
    held_booking.refresh_from_db()
    assert held_booking.payment_intent_id == first.payment_intent_id


def test_pay_confirms_the_booking_and_records_the_ledger(localstripe, held_booking):
    payment = payment_create_for_booking(booking=held_booking)

    payment = payment_confirm_card(payment=payment, payment_method_id="pm_card_visa")

    assert payment.status == PaymentIntentStatus.SUCCEEDED
    assert payment.charge_id.startswith("ch_")
    held_booking.refresh_from_db()
    assert held_booking.status == BookingStatus.CONFIRMED
    assert held_booking.payment_status == BookingPaymentStatus.COMPLETED
    assert held_booking.payment_intent_id == payment.payment_intent_id
    rows = list(LedgerEntry.objects.order_by("kind").values_list("kind", "amount", "source_id", "booking_id"))
    assert rows == [
        ("fee", Decimal("0.00"), payment.charge_id, held_booking.pk),
        ("payment", Decimal("100.00"), payment.charge_id, held_booking.pk),
    ]
    # Applying again (page confirm + webhook) changes nothing.
    payment_confirm_paid(payment=payment)
    assert LedgerEntry.objects.count() == 2


def test_fee_estimate_from_settings_when_stripe_reports_none(localstripe, held_booking, settings):
    settings.STRIPE_FEE_PERCENT = 2.9
    settings.STRIPE_FEE_FIXED = "0.30"
    payment = payment_confirm_card(
        payment=payment_create_for_booking(booking=held_booking), payment_method_id="pm_card_visa"
    )
    fee = LedgerEntry.objects.get(kind="fee")
    assert fee.amount == Decimal("-3.20")
    assert "estimated" in fee.memo
    payment.refresh_from_db()
    assert payment.fee_amount == Decimal("3.20")


def test_declined_card_gives_a_clear_error_and_keeps_the_hold(localstripe, held_booking):
    payment = payment_create_for_booking(booking=held_booking)
    token = get_gateway().client.v1.tokens.create(
        params={"card": {"number": "4000000000000002", "exp_month": "12", "exp_year": "2030", "cvc": "123"}}
    )

    with pytest.raises(PaymentDeclined) as exc:
        payment_confirm_card(payment=payment, card_token=token.id)

    assert exc.value.status == 402
    assert exc.value.decline_code == "card_declined"
    assert exc.value.message == "Your card was declined. Please use another card or contact your bank."
    held_booking.refresh_from_db()
    assert held_booking.status == BookingStatus.PENDING_PAYMENT
    assert held_booking.payment_status == BookingPaymentStatus.FAILED
    payment.refresh_from_db()
    assert (payment.status, payment.last_error_code) == (PaymentIntentStatus.REQUIRES_PAYMENT_METHOD, "card_declined")
    assert LedgerEntry.objects.count() == 0

    # Another card on the same PaymentIntent still pays.
    good = get_gateway().client.v1.tokens.create(
        params={"card": {"number": "4242424242424242", "exp_month": "12", "exp_year": "2030", "cvc": "123"}}
    )
    payment_confirm_card(payment=payment, card_token=good.id)
    held_booking.refresh_from_db()
    assert (held_booking.status, held_booking.payment_status) == (BookingStatus.CONFIRMED, "completed")


def test_confirm_before_paying_is_refused(localstripe, held_booking):
    payment = payment_create_for_booking(booking=held_booking)
    with pytest.raises(PaymentNotCompleted) as exc:
        payment_confirm_paid(payment=payment)
    assert exc.value.status == 409
    held_booking.refresh_from_db()
    assert held_booking.status == BookingStatus.PENDING_PAYMENT
    assert LedgerEntry.objects.count() == 0


def test_free_booking_needs_no_payment(localstripe, consultant):
    consultant.hourly_rate = None
    consultant.save()
    booking = hold(consultant)
    with pytest.raises(PaymentNotRequired):
        payment_create_for_booking(booking=booking)


def test_hold_expiry_cancels_the_payment_intent(localstripe, held_booking, django_capture_on_commit_callbacks):
    payment = payment_create_for_booking(booking=held_booking)

    with django_capture_on_commit_callbacks(execute=True):
        assert bookings_release_expired_holds(now=held_booking.hold_expires_at + timedelta(seconds=1)) == 1

    payment.refresh_from_db()
    assert payment.status == PaymentIntentStatus.CANCELED
    assert get_gateway().retrieve_payment_intent(payment.payment_intent_id).status == "canceled"
    with pytest.raises(PaymentNotRequired):
        payment_create_for_booking(booking=held_booking)


def test_late_payment_confirms_when_the_time_is_still_free(localstripe, held_booking):
    payment = payment_create_for_booking(booking=held_booking)
    after_expiry = held_booking.hold_expires_at + timedelta(minutes=5)

    with time_machine.travel(after_expiry, tick=False):
        payment_confirm_card(payment=payment, payment_method_id="pm_card_visa")

    held_booking.refresh_from_db()
    assert held_booking.status == BookingStatus.CONFIRMED
    assert held_booking.payment_status == BookingPaymentStatus.COMPLETED
    assert Refund.objects.count() == 0


def test_late_payment_refunds_when_the_time_was_taken(
    localstripe, consultant, held_booking, django_capture_on_commit_callbacks
):
    payment = payment_create_for_booking(booking=held_booking)
    after_expiry = held_booking.hold_expires_at + timedelta(minutes=5)
    mail.outbox.clear()

    with time_machine.travel(after_expiry, tick=False), django_capture_on_commit_callbacks(execute=True):
        # Someone else takes the time (this frees the lapsed hold) just before the late payment lands.
        other = hold(consultant, start=held_booking.start, email="other@example.com", now=timezone.now())
        # The hold-expiry task tried to cancel the PaymentIntent; the client paid through Stripe
        # at the same moment, so Stripe has it succeeded: apply that.
        gateway = get_gateway()
        gateway.client.v1.payment_intents.update(payment.payment_intent_id, params={"payment_method": "pm_card_visa"})
        gateway.client.v1.payment_intents.confirm(payment.payment_intent_id)
        payment = payment_confirm_paid(payment=Payment.objects.get(pk=payment.pk))

    held_booking.refresh_from_db()
    other.refresh_from_db()
    assert held_booking.status == BookingStatus.CANCELLED
    assert held_booking.payment_status == BookingPaymentStatus.REFUNDED
    assert other.status == BookingStatus.PENDING_PAYMENT
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.reason) == (
        Decimal("100.00"),
        RefundStatus.SUCCEEDED,
        RefundReason.SLOT_TAKEN,
    )
    assert refund.idempotency_key == f"refund-{payment.pk}-auto"
    assert refund.refund_id.startswith("re_")
    payment.refresh_from_db()
    assert payment.amount_refunded == Decimal("100.00")
    assert sorted(LedgerEntry.objects.values_list("kind", "amount")) == [
        ("fee", Decimal("0.00")),
        ("payment", Decimal("100.00")),
        ("refund", Decimal("-100.00")),
    ]
    assert [m.to for m in mail.outbox if "refunded" in m.subject] == [["clara@example.com"]]
    # Applying the success again refunds nothing more and sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        payment_confirm_paid(payment=payment)
    assert Refund.objects.count() == 1
    assert len([m for m in mail.outbox if "refunded" in m.subject]) == 1
    assert ConsultationBooking.objects.filter(status="pending_payment").count() == 1


def _pay_at_stripe_behind_our_back(payment):
    """The client's card is charged at Stripe while we have not heard of it yet (webhook pending)."""
    gateway = get_gateway()
    gateway.client.v1.payment_intents.update(payment.payment_intent_id, params={"payment_method": "pm_card_visa"})
    gateway.client.v1.payment_intents.confirm(payment.payment_intent_id)


def test_late_payment_after_the_hold_was_released_confirms_when_the_time_is_still_free(
    localstripe, held_booking, django_capture_on_commit_callbacks
):
    payment = payment_create_for_booking(booking=held_booking)
    _pay_at_stripe_behind_our_back(payment)
    mail.outbox.clear()

    # The periodic job releases the hold; its cancel task finds the PaymentIntent succeeded at
    # Stripe and applies it: the booking is revived because nobody took the time.
    with django_capture_on_commit_callbacks(execute=True):
        assert bookings_release_expired_holds(now=held_booking.hold_expires_at + timedelta(seconds=1)) == 1

    held_booking.refresh_from_db()
    payment.refresh_from_db()
    assert (held_booking.status, held_booking.payment_status, held_booking.cancelled_by) == (
        BookingStatus.CONFIRMED,
        BookingPaymentStatus.COMPLETED,
        "",
    )
    assert held_booking.payment_intent_id == payment.payment_intent_id
    assert held_booking.sequence == 2
    assert list(held_booking.changes.order_by("pk").values_list("kind", flat=True)) == [
        "created",
        "hold_expired",
        "confirmed",
    ]
    assert payment.status == PaymentIntentStatus.SUCCEEDED
    assert Refund.objects.count() == 0
    assert sorted(LedgerEntry.objects.values_list("kind", "amount")) == [
        ("fee", Decimal("0.00")),
        ("payment", Decimal("100.00")),
    ]
    assert [m.to for m in mail.outbox if "refunded" in m.subject] == []
    # The webhook arriving afterwards changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        payment_confirm_paid(payment=payment)
    held_booking.refresh_from_db()
    assert (held_booking.status, held_booking.sequence, Refund.objects.count()) == (BookingStatus.CONFIRMED, 2, 0)


def test_late_payment_after_the_hold_was_released_and_the_time_taken_is_refunded(
    localstripe, consultant, held_booking, django_capture_on_commit_callbacks
):
    payment = payment_create_for_booking(booking=held_booking)
    after_expiry = held_booking.hold_expires_at + timedelta(minutes=5)
    # The job released the hold (its cancel task has not reached Stripe yet) and someone else took the time.
    assert bookings_release_expired_holds(now=held_booking.hold_expires_at + timedelta(seconds=1)) == 1
    other = hold(consultant, start=held_booking.start, email="other@example.com", now=after_expiry)
    _pay_at_stripe_behind_our_back(payment)
    mail.outbox.clear()

    with time_machine.travel(after_expiry, tick=False), django_capture_on_commit_callbacks(execute=True):
        payment = payment_confirm_paid(payment=Payment.objects.get(pk=payment.pk))

    held_booking.refresh_from_db()
    other.refresh_from_db()
    assert (held_booking.status, held_booking.cancelled_by, held_booking.payment_status) == (
        BookingStatus.CANCELLED,
        "system",
        BookingPaymentStatus.REFUNDED,
    )
    assert other.status == BookingStatus.PENDING_PAYMENT
    refund = Refund.objects.get()
    assert (refund.amount, refund.status, refund.reason, refund.idempotency_key) == (
        Decimal("100.00"),
        RefundStatus.SUCCEEDED,
        RefundReason.SLOT_TAKEN,
        f"refund-{payment.pk}-auto",
    )
    assert [m.to for m in mail.outbox if "refunded" in m.subject] == [["clara@example.com"]]


def test_a_payment_for_a_booking_the_client_cancelled_is_refunded_not_revived(
    localstripe, held_booking, django_capture_on_commit_callbacks
):
    from bookings.services import booking_cancel

    payment = payment_create_for_booking(booking=held_booking)
    _pay_at_stripe_behind_our_back(payment)
    booking_cancel(booking=held_booking, reason="Changed my mind")

    with django_capture_on_commit_callbacks(execute=True):
        payment_confirm_paid(payment=Payment.objects.get(pk=payment.pk))

    held_booking.refresh_from_db()
    assert (held_booking.status, held_booking.cancelled_by) == (BookingStatus.CANCELLED, "client")
    assert Refund.objects.get().amount == Decimal("100.00")


@pytest.mark.django_db
def test_a_booking_cancelled_while_stripe_creates_the_intent_gets_no_payment_and_the_intent_is_canceled(
    localstripe, held_booking
):
    real_create = StripeGateway.create_payment_intent
    made = []

    def create_then_cancel_booking(self, **kwargs):
        info = real_create(self, **kwargs)
        made.append(info.id)
        # Another request cancels the booking between the Stripe call and the recording.
        ConsultationBooking.objects.filter(pk=held_booking.pk).update(status=BookingStatus.CANCELLED)
        return info

    with (
        mock.patch.object(StripeGateway, "create_payment_intent", create_then_cancel_booking),
        pytest.raises(PaymentNotRequired),
    ):
        payment_create_for_booking(booking=held_booking)
    assert Payment.objects.count() == 0
    assert get_gateway().retrieve_payment_intent(made[0]).status == "canceled"
