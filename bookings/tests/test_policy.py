"""bookings.policy: the one cancellation, change and refund rule and its wording."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import translation

from bookings.models import BookingPaymentStatus, BookingStatus, CancelledBy
from bookings.policy import (
    cancellation_refund_amount,
    cancellation_refund_due,
    inside_window_note,
    slot_inside_change_window,
)
from bookings.tests.factories import BookingFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 2, 7, 0, tzinfo=UTC)


def cancelled(by: str, at: datetime, **extra):
    return BookingFactory(start=START, status=BookingStatus.CANCELLED, cancelled_by=by, cancelled_at=at, **extra)


@pytest.mark.parametrize(
    ("by", "hours_before", "refunded"),
    [
        (CancelledBy.CLIENT, 24, Decimal("100.00")),  # the deadline itself is inside the window
        (CancelledBy.CLIENT, 23, Decimal("0")),
        (CancelledBy.CONSULTANT, 1, Decimal("100.00")),
        (CancelledBy.STAFF, 1, Decimal("100.00")),
        (CancelledBy.SYSTEM, 48, Decimal("0")),
    ],
)
def test_who_cancels_when_decides_the_refund(by, hours_before, refunded):
    booking = cancelled(by, START - timedelta(hours=hours_before))

    assert cancellation_refund_due(booking) is (refunded > 0)
    assert cancellation_refund_amount(booking) == refunded


def test_an_unpaid_or_free_booking_refunds_nothing():
    assert cancellation_refund_amount(cancelled(CancelledBy.STAFF, START, payment_status="pending")) == 0
    free = cancelled(CancelledBy.STAFF, START, payment_amount=Decimal("0"), payment_status="not_required")
    assert cancellation_refund_amount(free) == 0
    refunded = cancelled(CancelledBy.STAFF, START, payment_status=BookingPaymentStatus.REFUNDED)
    assert cancellation_refund_amount(refunded) == Decimal("100.00")


def test_a_slot_is_inside_the_window_from_24_hours_before_its_start():
    assert slot_inside_change_window(START, START - timedelta(hours=24)) is False
    assert slot_inside_change_window(START, START - timedelta(hours=24) + timedelta(seconds=1)) is True


def test_the_slot_note_in_english_and_german():
    assert inside_window_note() == "inside 24 h: cannot be changed or refunded"
    with translation.override("de"):
        assert inside_window_note() == "innerhalb von 24 Std.: keine Änderung oder Erstattung"
