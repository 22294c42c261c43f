"""``booking_create`` under a race: a covered time is refused by one read before the write
transaction; every other answer still comes from the check under the consultant lock."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.exceptions import BookingUnavailable
from bookings.models import BookingStatus, ConsultationBooking
from bookings.services import booking_create
from bookings.tests.conftest import NOW
from bookings.tests.factories import BookingFactory

pytestmark = pytest.mark.django_db
SLOT = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)  # Wednesday 10:00 Berlin


def book(consultant, start=SLOT, **extra):
    fields = {"client_name": "Rita Racer", "client_email": "rita@example.com", "visitor_timezone": "Europe/Berlin"}
    return booking_create(consultant=consultant, start=start, now=NOW, **{**fields, **extra})


def _opens_a_transaction(queries) -> bool:
    return any(
        word in query["sql"].upper()
        for query in queries.captured_queries
        for word in ("SAVEPOINT", "BEGIN", "FOR UPDATE")
    )


def test_a_covered_time_is_refused_by_one_read_outside_the_write_transaction(consultant):
    BookingFactory(consultant=consultant, start=SLOT - timedelta(minutes=15), duration_minutes=30)

    with CaptureQueriesContext(connection) as queries, pytest.raises(BookingUnavailable):
        book(consultant)

    assert len(queries) == 1
    assert not _opens_a_transaction(queries)
    assert ConsultationBooking.objects.filter(consultant=consultant).count() == 1


def test_a_time_blocked_only_by_the_buffer_is_refused_under_the_lock(consultant):
    consultant.booking_buffer_minutes = 15
    consultant.save()
    BookingFactory(consultant=consultant, start=SLOT - timedelta(minutes=30), duration_minutes=30)

    with CaptureQueriesContext(connection) as queries, pytest.raises(BookingUnavailable):
        book(consultant)

    assert _opens_a_transaction(queries)
    assert ConsultationBooking.objects.filter(consultant=consultant).count() == 1


def test_an_expired_hold_does_not_stop_the_read_and_is_released_under_the_lock(consultant):
    hold = BookingFactory(
        consultant=consultant,
        start=SLOT,
        status=BookingStatus.PENDING_PAYMENT,
        hold_expires_at=NOW - timedelta(minutes=1),
    )

    booking = book(consultant)

    hold.refresh_from_db()
    assert (hold.status, hold.cancelled_by) == (BookingStatus.CANCELLED, "system")
    assert (booking.start, booking.status, booking.consultant_id) == (
        SLOT,
        BookingStatus.PENDING_PAYMENT,
        consultant.pk,
    )
    assert booking.payment_currency == consultant.currency
