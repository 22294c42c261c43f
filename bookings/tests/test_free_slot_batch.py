"""``consultants_with_free_slot``: the directory's batch question agrees with the booking page's own
slots (``slots_by_day``) for every consultant, in two queries for all of them."""

import random
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.availability import FREE_SLOT_BATCH, consultants_with_free_slot, slots_by_day
from bookings.models import BookingPaymentStatus, BookingStatus, OverrideKind
from bookings.tests.factories import AvailabilityOverrideFactory, AvailabilityRuleFactory, BookingFactory
from consultants.models import Consultant
from consultants.tests.factories import ConsultantFactory

pytestmark = pytest.mark.django_db

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kolkata"]


def one_by_one(consultant, start: datetime, end: datetime, now: datetime) -> bool:
    """The booking page's answer: a free slot of ``slots_by_day`` starting in ``[start, end)``."""
    days = slots_by_day(
        consultant=consultant,
        first_day=start.date() - timedelta(days=1),
        last_day=end.date() + timedelta(days=1),
        tz=ZoneInfo("UTC"),
        now=now,
        available_only=True,
    )
    return any(start <= state.slot.start < end for states in days.values() for state in states)


def random_consultants(rng: random.Random, count: int, now: datetime) -> list[Consultant]:
    made = []
    for index in range(count):
        who = ConsultantFactory(
            first_name=f"R{index}",
            timezone=rng.choice(ZONES),
            booking_buffer_minutes=rng.choice([0, 0, 15, 60]),
            max_bookings_per_day=rng.choice([1, 2, 8]),
        )
        for weekday in rng.sample(range(7), rng.randint(0, 2)):
            start = rng.randint(0, 20)
            AvailabilityRuleFactory(
                consultant=who, weekday=weekday, start_time=time(start), end_time=time(start + rng.randint(1, 3))
            )
        for _ in range(rng.randint(0, 2)):
            day = now.date() + timedelta(days=rng.randint(-1, 8))
            if rng.random() < 0.5:
                AvailabilityOverrideFactory(consultant=who, date=day, kind=OverrideKind.UNAVAILABLE)
            else:
                hour = rng.randint(0, 22)
                AvailabilityOverrideFactory(
                    consultant=who, date=day, kind=OverrideKind.EXTRA, start_time=time(hour), end_time=time(hour + 1)
                )
        # Book a random share of the consultant's own slots of the week, so buffers, day limits and
        # holds decide between a free slot and none.
        share = rng.choice([0.0, 0.5, 0.9, 1.0])
        for states in slots_by_day(
            consultant=who,
            first_day=now.date() - timedelta(days=1),
            last_day=now.date() + timedelta(days=8),
            tz=ZoneInfo("UTC"),
            now=now,
        ).values():
            for state in states:
                if rng.random() >= share:
                    continue
                hold = rng.random() < 0.3
                BookingFactory(
                    consultant=who,
                    start=state.slot.start,
                    status=BookingStatus.PENDING_PAYMENT if hold else BookingStatus.CONFIRMED,
                    payment_status=BookingPaymentStatus.PENDING if hold else BookingPaymentStatus.COMPLETED,
                    hold_expires_at=now + timedelta(minutes=rng.choice([-5, 10])) if hold else None,
                )
        made.append(who)
    return made


def test_the_batch_agrees_with_the_booking_page_for_every_consultant():
    rng = random.Random(20261204)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    consultants = random_consultants(rng, 60, now)
    end = now + timedelta(days=7)

    with CaptureQueriesContext(connection) as queries:
        found = consultants_with_free_slot(consultants=consultants, start=now, end=end, now=now)

    expected = {c.pk for c in consultants if one_by_one(c, now, end, now)}
    assert found == expected
    assert 0 < len(found) < len(consultants)  # the sample holds both answers
    assert len(queries) == 2


def test_batches_of_consultants_cost_two_queries_each(monkeypatch):
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    consultants = random_consultants(random.Random(7), 5, now)
    monkeypatch.setattr("bookings.availability.FREE_SLOT_BATCH", 2)
    with CaptureQueriesContext(connection) as queries:
        found = consultants_with_free_slot(consultants=consultants, start=now, end=now + timedelta(days=7), now=now)
    assert len(queries) == 6  # three batches
    assert found == {c.pk for c in consultants if one_by_one(c, now, now + timedelta(days=7), now)}
    assert FREE_SLOT_BATCH == 1000


def test_an_empty_window_asks_nothing():
    now = datetime.now(UTC)
    who = ConsultantFactory()
    with CaptureQueriesContext(connection) as queries:
        # Ends before the minimum notice allows a start.
        assert consultants_with_free_slot(consultants=[who], start=now, end=now + timedelta(hours=2), now=now) == set()
    assert len(queries) == 0
