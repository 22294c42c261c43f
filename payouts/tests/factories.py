"""Paid sessions with their ledger rows, written directly (the payments core has its own tests)."""

import itertools
from datetime import UTC, datetime
from decimal import Decimal

from bookings.models import BookingStatus
from bookings.tests.factories import BookingFactory
from payments.models import Dispute, LedgerKind, Payment, PaymentIntentStatus, Refund, RefundStatus
from payments.services.ledger import ledger_record

_seq = itertools.count(1)


def paid_session(consultant, *, start=None, amount="100.00", currency="USD", stripe_fee="3.20", status=None):
    """A completed booking with a succeeded payment and its ``payment`` and ``fee`` ledger rows."""
    n = next(_seq)
    booking = BookingFactory(
        consultant=consultant,
        start=start or datetime(2026, 11, 10, 9, tzinfo=UTC),
        status=status or BookingStatus.COMPLETED,
        payment_amount=Decimal(amount),
        payment_currency=currency,
    )
    payment = Payment.objects.create(
        booking=booking,
        payment_intent_id=f"pi_test{n}",
        charge_id=f"ch_test{n}",
        amount=Decimal(amount),
        currency=currency,
        status=PaymentIntentStatus.SUCCEEDED,
        idempotency_key=f"booking-{booking.reference}-pi-v1",
        succeeded_at=booking.start,
    )
    ledger_record(
        kind=LedgerKind.PAYMENT,
        amount=Decimal(amount),
        currency=currency,
        source_id=payment.charge_id,
        occurred_at=booking.start,
        booking=booking,
        payment=payment,
    )
    ledger_record(
        kind=LedgerKind.FEE,
        amount=-Decimal(stripe_fee),
        currency=currency,
        source_id=payment.charge_id,
        occurred_at=booking.start,
        booking=booking,
        payment=payment,
    )
    return booking


def refund(booking, amount: str, *, status=RefundStatus.SUCCEEDED):
    payment = booking.payments.get()
    n = next(_seq)
    row = Refund.objects.create(
        payment=payment,
        refund_id=f"re_test{n}",
        amount=Decimal(amount),
        currency=payment.currency,
        status=status,
    )
    if status == RefundStatus.SUCCEEDED:
        ledger_record(
            kind=LedgerKind.REFUND,
            amount=-Decimal(amount),
            currency=payment.currency,
            source_id=row.refund_id,
            occurred_at=booking.start,
            booking=booking,
            payment=payment,
        )
        Payment.objects.filter(pk=payment.pk).update(amount_refunded=payment.amount_refunded + Decimal(amount))
    return row


def dispute(booking, *, status, amount=None):
    """A dispute; its ``dispute`` ledger row as the core writes it (and the reversal when won)."""
    payment = booking.payments.get()
    n = next(_seq)
    amount = Decimal(amount or payment.amount)
    row = Dispute.objects.create(
        payment=payment, dispute_id=f"dp_test{n}", amount=amount, currency=payment.currency, status=status
    )
    ledger_record(
        kind=LedgerKind.DISPUTE,
        amount=-amount,
        currency=payment.currency,
        source_id=row.dispute_id,
        occurred_at=booking.start,
        booking=booking,
        payment=payment,
    )
    if status == "won":
        ledger_record(
            kind=LedgerKind.DISPUTE_REVERSAL,
            amount=amount,
            currency=payment.currency,
            source_id=row.dispute_id,
            occurred_at=booking.start,
            booking=booking,
            payment=payment,
        )
    return row
