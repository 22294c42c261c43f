"""Fixtures of the coupon tests: a Berlin consultant at 200 USD/h with free weekdays, the bookings
clock ``NOW`` (a Monday), and the fraud controls' counters cleared between tests."""

from datetime import UTC, datetime, time, timedelta

import pytest

from bookings.services import booking_create
from bookings.tests.factories import weekday_rules
from consultants.tests.factories import ConsultantFactory

NOW = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)  # Monday 08:00 in Berlin
#: Wednesday 10:00 Berlin and the half hours after it.
SLOT = datetime(2026, 6, 3, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _open_limits(settings):
    """Generous fraud throttles: the rules are under test here, not the throttles."""
    settings.FRAUD_ATTEMPT_RATE_IP = "10000/min"
    settings.FRAUD_ATTEMPT_RATE_EMAIL = "10000/min"
    settings.FRAUD_BLOCK_AFTER_FAILURES = 10000
    settings.FRAUD_FLAG_AFTER_FAILURES = 10000


@pytest.fixture
def consultant(db):
    """Berlin, 09:00–17:00 every day, 200 USD/h (a 30-for-30 lists at 100.00 USD)."""
    c = ConsultantFactory(
        timezone="Europe/Berlin", booking_buffer_minutes=0, max_bookings_per_day=40, hourly_rate=200, currency="USD"
    )
    weekday_rules(c, start=time(9), end=time(17), weekdays=range(7))
    return c


def slot(n: int) -> datetime:
    """The ``n``-th half hour from :data:`SLOT` (wraps to the next days after 16 slots)."""
    return SLOT + timedelta(days=n // 16, minutes=30 * (n % 16))


def book(consultant, n: int = 0, *, email: str = "ann@example.com", code: str = "", now=NOW, **extra):
    """``booking_create`` of slot ``n`` at ``now`` with ``code``."""
    return booking_create(
        consultant=consultant,
        start=slot(n),
        client_name="Ann Example",
        client_email=email,
        visitor_timezone="Europe/Berlin",
        coupon_code=code,
        now=now,
        **extra,
    )
