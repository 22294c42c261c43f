"""factory_boy factories for bookings (rows saved directly; service tests go through the services)."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import factory

from bookings.models import (
    AvailabilityOverride,
    AvailabilityRule,
    BookingPaymentStatus,
    BookingStatus,
    ConsultationBooking,
    OverrideKind,
)
from consultants.tests.factories import ConsultantFactory


def weekday_rules(consultant, start: time = time(9), end: time = time(17), weekdays=range(5)) -> list[AvailabilityRule]:
    """The same interval on each of ``weekdays`` (Monday = 0)."""
    return [
        AvailabilityRule.objects.create(consultant=consultant, weekday=day, start_time=start, end_time=end)
        for day in weekdays
    ]


class AvailabilityRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityRule

    consultant = factory.SubFactory(ConsultantFactory)
    weekday = 0
    start_time = time(9)
    end_time = time(17)


class AvailabilityOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AvailabilityOverride

    consultant = factory.SubFactory(ConsultantFactory)
    date = factory.LazyFunction(lambda: datetime.now(UTC).date())
    kind = OverrideKind.UNAVAILABLE


class BookingFactory(factory.django.DjangoModelFactory):
    """A confirmed, paid 30-minute booking."""

    class Meta:
        model = ConsultationBooking

    consultant = factory.SubFactory(ConsultantFactory)
    booking_type = "30for30"
    start = factory.LazyFunction(lambda: datetime(2026, 6, 1, 9, tzinfo=UTC))
    duration_minutes = 30
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=o.duration_minutes))
    timezone = "Europe/Berlin"
    client_name = "Clara Client"
    client_email = factory.Sequence(lambda n: f"client{n}@example.com")
    payment_amount = Decimal("100.00")
    payment_currency = "USD"
    payment_status = BookingPaymentStatus.COMPLETED
    status = BookingStatus.CONFIRMED
