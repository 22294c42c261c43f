"""Helpers of the notification, meeting and reminder tests: book through the services with the
after-commit work run, and read the invite back from a sent e-mail."""

from contextlib import contextmanager
from datetime import UTC, datetime

from icalendar import Calendar

from bookings.models import BookingStatus
from bookings.services import booking_confirm, booking_create

#: Monday 2026-06-01 06:00 UTC (08:00 in Berlin); the clock of these tests.
NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)
#: Tuesday 09:00 in Berlin = 07:00 UTC, 25 h after NOW.
START = datetime(2026, 6, 2, 7, 0, tzinfo=UTC)


class Booker:
    """``book(consultant, start, **booking_create kwargs)``: create and (if priced) confirm a booking,
    running the on-commit callbacks (signals → tasks → e-mails) of each step."""

    def __init__(self, capture):
        self.capture = capture

    @contextmanager
    def committed(self):
        with self.capture(execute=True):
            yield

    def __call__(self, consultant, start=START, *, confirm=True, **kwargs):
        values = {
            "client_name": "Clara Client",
            "client_email": "clara@example.com",
            "client_company": "Client GmbH",
            "visitor_timezone": "America/New_York",
        }
        values.update(kwargs)
        with self.committed():
            booking = booking_create(consultant=consultant, start=start, **values)
        if confirm and booking.status == BookingStatus.PENDING_PAYMENT:
            with self.committed():
                booking = booking_confirm(booking=booking, payment_intent_id="pi_test")
        booking.refresh_from_db()
        return booking


def invite_of(message, filename: str = "invite.ics"):
    """``(calendar, mimetype)`` of the message's attachment ``filename``."""
    for name, content, mimetype in message.attachments:
        if name == filename:
            return Calendar.from_ical(content), mimetype
    raise AssertionError(f"no {filename} attached to {message.subject!r}")


def event_of(calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def to(outbox, address: str) -> list:
    return [m for m in outbox if m.to == [address]]
