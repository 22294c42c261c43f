"""Fixtures of the payments tests: a priced consultant, a held booking, signed Stripe events."""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime

import pytest

from bookings.services import booking_create
from bookings.tests.factories import weekday_rules
from consultants.tests.factories import ConsultantFactory

WEBHOOK_SECRET = "whsec_test_secret"


def next_slot(days: int = 3, hour: int = 10) -> datetime:
    """A time ``days`` ahead at ``hour``:00 UTC (inside every test consultant's 09–17 UTC schedule)."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def consultant(db):
    """UTC, 09:00–17:00 every day, 200 USD an hour (a 30-minute booking costs 100.00)."""
    c = ConsultantFactory(timezone="UTC", booking_buffer_minutes=0, max_bookings_per_day=10, hourly_rate=200)
    weekday_rules(c, start=dtime(9), end=dtime(17), weekdays=range(7))
    return c


def hold(consultant, *, start=None, email="clara@example.com", now=None):
    """A priced booking held for payment (``pending_payment``) through the bookings core."""
    return booking_create(
        consultant=consultant,
        start=start or next_slot(),
        client_name="Clara Client",
        client_email=email,
        now=now,
    )


@pytest.fixture
def held_booking(consultant):
    return hold(consultant)


def sign(body: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header computed like Stripe: ``t=…,v1=HMAC-SHA256(secret, f"{t}.{body}")``."""
    t = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={signature}"


def event_body(event_id: str, type_: str, obj: dict, *, created: int | None = None) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": type_,
            "created": created or int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()
