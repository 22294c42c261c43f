"""Slots of a range of days: a constant number of queries, and the same answer as a plain reference.

The reference below applies the rules of ``bookings.availability`` the slow, obvious way (every slot
against every booking, a visitor's day by converting each start), one day at a time; random
schedules, overrides, bookings, zones, durations and buffers (seeded, so a failure repeats) must
give exactly its slots, states and booking ids.
"""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings import conf
from bookings.availability import _Busy, available_slots, day_slots, slots_by_day
from bookings.models import (
    AvailabilityOverride,
    AvailabilityRule,
    BookingStatus,
    ConsultationBooking,
    OverrideKind,
)
from bookings.tests.factories import BookingFactory
from consultants.tests.factories import ConsultantFactory

BERLIN = ZoneInfo("Europe/Berlin")
pytestmark = pytest.mark.django_db

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
#: Ranges around the daylight-saving switches of 2026 (Europe 29 March and 25 October, the US 8 March
#: and 1 November, Lord Howe's half hour on 5 April and 4 October) and one quiet stretch.
FIRST_DAYS = [
    date(2026, 3, 6),
    date(2026, 3, 27),
    date(2026, 4, 3),
    date(2026, 6, 10),
    date(2026, 10, 2),
    date(2026, 10, 23),
]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _wall(day: date, wall: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def reference_day(*, consultant, day, tz, minutes, now, exclude_booking_id=None, check_notice=True):
    """``(start, end, available, booking_id)`` of every slot starting on ``day`` in ``tz``, computed
    slot by slot from all the consultant's rows."""
    ctz = ZoneInfo(consultant.timezone)
    length = timedelta(minutes=minutes)
    step = timedelta(minutes=conf.get("SLOT_STEP_MINUTES"))
    buffer = timedelta(minutes=consultant.booking_buffer_minutes)
    earliest = now + timedelta(hours=conf.get("MIN_NOTICE_HOURS"))
    latest = now + timedelta(days=conf.get("WINDOW_DAYS"))
    rules = list(AvailabilityRule.objects.filter(consultant=consultant))
    overrides = list(AvailabilityOverride.objects.filter(consultant=consultant))
    bookings = [
        b
        for b in ConsultationBooking.objects.filter(consultant=consultant)
        if b.pk != exclude_booking_id
        and (
            b.status == BookingStatus.CONFIRMED
            or (b.status == BookingStatus.PENDING_PAYMENT and b.hold_expires_at > now)
        )
    ]
    states = {}
    for local_day in (day + timedelta(days=offset) for offset in (-1, 0, 1)):
        day_overrides = [o for o in overrides if o.date == local_day]
        if any(o.kind == OverrideKind.UNAVAILABLE and o.start_time is None for o in day_overrides):
            continue
        intervals = [(r.start_time, r.end_time) for r in rules if r.weekday == local_day.weekday()]
        intervals += [(o.start_time, o.end_time) for o in day_overrides if o.kind == OverrideKind.EXTRA]
        blocks = [
            (_wall(local_day, o.start_time, ctz), _wall(local_day, o.end_time, ctz))
            for o in day_overrides
            if o.kind == OverrideKind.UNAVAILABLE
        ]
        pieces = []
        for start_time, end_time in intervals:
            parts = [(_wall(local_day, start_time, ctz), _wall(local_day, end_time, ctz))]
            for block_start, block_end in blocks:
                parts = (
                    [
                        piece
                        for start, end in parts
                        for piece in ((start, min(end, block_start)), (max(start, block_end), end))
                        if piece[0] < piece[1]
                    ]
                    if any(block_start < end and block_end > start for start, end in parts)
                    else parts
                )
            pieces += parts
        full = (
            sum(1 for b in bookings if b.start.astimezone(ctz).date() == local_day) >= consultant.max_bookings_per_day
        )
        for piece_start, piece_end in pieces:
            start = piece_start
            while start + length <= piece_end:
                end = start + length
                on_day = start.astimezone(tz).date() == day
                in_window = not check_notice or earliest <= start < latest
                if on_day and in_window:
                    blocked = any(b.start < end + buffer and b.end + buffer > start for b in bookings)
                    overlapping = [(b.start, b.pk) for b in bookings if b.start < end and b.end > start]
                    booking_id = max(overlapping)[1] if overlapping else None
                    states[start] = (start, end, not (blocked or full), booking_id)
                start += step
    return [states[key] for key in sorted(states)]


def _random_consultant(rng: random.Random, first_day: date, now: datetime):
    consultant = ConsultantFactory(
        timezone=rng.choice(ZONES),
        booking_buffer_minutes=rng.choice([0, 0, 5, 15, 30]),
        max_bookings_per_day=rng.choice([1, 2, 3, 6, 20]),
    )
    for weekday in range(7):
        starts = rng.sample(range(23 * 4), rng.choice([0, 1, 1, 2, 3]))
        for quarter in starts:  # overlapping intervals on purpose; one start per weekday (constraint)
            end_quarter = min(24 * 4 - 1, quarter + rng.randrange(2, 40))
            AvailabilityRule.objects.create(
                consultant=consultant,
                weekday=weekday,
                start_time=time(quarter // 4, quarter % 4 * 15),
                end_time=time(end_quarter // 4, end_quarter % 4 * 15),
            )
    for _ in range(rng.randrange(0, 5)):
        day = first_day + timedelta(days=rng.randrange(-1, 10))
        kind = rng.choice([OverrideKind.UNAVAILABLE, OverrideKind.UNAVAILABLE, OverrideKind.EXTRA])
        whole_day = kind == OverrideKind.UNAVAILABLE and rng.random() < 0.3
        quarter = rng.randrange(0, 22 * 4)
        end_quarter = min(24 * 4 - 1, quarter + rng.randrange(1, 24))
        AvailabilityOverride.objects.create(
            consultant=consultant,
            date=day,
            kind=kind,
            start_time=None if whole_day else time(quarter // 4, quarter % 4 * 15),
            end_time=None if whole_day else time(end_quarter // 4, end_quarter % 4 * 15),
        )
    # Active bookings never overlap (PostgreSQL's exclusion constraint); cancelled ones may.
    taken: list[tuple[datetime, datetime]] = []
    origin = datetime.combine(first_day - timedelta(days=1), time(0), tzinfo=UTC)
    for _ in range(rng.randrange(0, 30)):
        start = origin + timedelta(minutes=5 * rng.randrange(0, 12 * 24 * 12))
        minutes = rng.choice([15, 30, 30, 45, 60, 90])
        end = start + timedelta(minutes=minutes)
        status = rng.choice(
            [BookingStatus.CONFIRMED, BookingStatus.CONFIRMED, BookingStatus.PENDING_PAYMENT, BookingStatus.CANCELLED]
        )
        if status != BookingStatus.CANCELLED:
            if any(start < other_end and end > other_start for other_start, other_end in taken):
                continue
            taken.append((start, end))
        BookingFactory(
            consultant=consultant,
            start=start,
            duration_minutes=minutes,
            status=status,
            hold_expires_at=now + timedelta(minutes=rng.choice([-5, 5]))
            if status == BookingStatus.PENDING_PAYMENT
            else None,
        )
    return consultant


def _as_tuples(states) -> list[tuple]:
    return [(s.slot.start, s.slot.end, s.available, s.booking_id) for s in states]


@pytest.mark.parametrize("seed", range(40))
def test_slots_by_day_match_the_reference(seed, settings):
    rng = random.Random(seed)
    settings.BOOKINGS = {
        "SLOT_STEP_MINUTES": rng.choice([15, 30, 30]),
        "MIN_NOTICE_HOURS": rng.choice([0, 12]),
        "WINDOW_DAYS": rng.choice([5, 60]),
    }
    first_day = rng.choice(FIRST_DAYS)
    now = datetime.combine(first_day, time(rng.randrange(24)), tzinfo=UTC) - timedelta(days=rng.choice([0, 1, 3]))
    consultant = _random_consultant(rng, first_day, now)
    last_day = first_day + timedelta(days=rng.randrange(0, 9))
    tz = ZoneInfo(rng.choice(ZONES))
    minutes = rng.choice([15, 30, 45, 60, 120])
    bookings = list(ConsultationBooking.objects.filter(consultant=consultant).values_list("pk", flat=True))
    exclude = rng.choice([None, *bookings])
    check_notice = rng.random() < 0.8
    arguments = {
        "consultant": consultant,
        "tz": tz,
        "booking_type": "custom",
        "duration_minutes": minutes,
        "now": now,
        "exclude_booking_id": exclude,
        "check_notice": check_notice,
    }

    computed = slots_by_day(first_day=first_day, last_day=last_day, **arguments)
    free = slots_by_day(first_day=first_day, last_day=last_day, available_only=True, **arguments)

    days = [first_day + timedelta(days=offset) for offset in range((last_day - first_day).days + 1)]
    assert list(computed) == days
    for day in days:
        expected = reference_day(
            consultant=consultant,
            day=day,
            tz=tz,
            minutes=minutes,
            now=now,
            exclude_booking_id=exclude,
            check_notice=check_notice,
        )
        assert _as_tuples(computed[day]) == expected, day
        assert _as_tuples(free[day]) == [state for state in expected if state[2]], day
    one_day = rng.choice(days)
    assert day_slots(day=one_day, **arguments) == computed[one_day]
    assert available_slots(day=one_day, **arguments) == [s.slot for s in computed[one_day] if s.available]


def test_sixty_days_cost_the_queries_of_one(consultant):
    now = utc(2026, 5, 31, 12)  # the 60-day window ends at 14:00 Berlin on 30 July
    for day in range(1, 30):
        BookingFactory(consultant=consultant, start=utc(2026, 6, day, 9))
    AvailabilityOverride.objects.create(consultant=consultant, date=date(2026, 6, 3), kind=OverrideKind.UNAVAILABLE)

    with CaptureQueriesContext(connection) as one:
        one_day = slots_by_day(
            consultant=consultant, first_day=date(2026, 6, 1), last_day=date(2026, 6, 1), tz=BERLIN, now=now
        )
    with CaptureQueriesContext(connection) as sixty:
        sixty_days = slots_by_day(
            consultant=consultant, first_day=date(2026, 6, 1), last_day=date(2026, 7, 30), tz=BERLIN, now=now
        )

    assert len(sixty) == len(one) == 2
    assert len(sixty_days) == 60
    assert sixty_days[date(2026, 6, 1)] == one_day[date(2026, 6, 1)]
    assert sixty_days[date(2026, 6, 3)] == []
    assert all(
        len(states) == 16 for day, states in sixty_days.items() if day not in (date(2026, 6, 3), date(2026, 7, 30))
    )
    assert len(sixty_days[date(2026, 7, 30)]) == 10


def test_a_range_outside_notice_and_window_needs_no_query(consultant):
    now = utc(2026, 6, 1, 12)
    with CaptureQueriesContext(connection) as queries:
        days = slots_by_day(
            consultant=consultant, first_day=date(2026, 5, 20), last_day=date(2026, 5, 31), tz=BERLIN, now=now
        )
    assert len(queries) == 0
    assert list(days.values()) == [[]] * 12
    assert slots_by_day(consultant=consultant, first_day=date(2026, 6, 2), last_day=date(2026, 6, 1), tz=BERLIN) == {}


def test_busy_intervals_find_overlapping_and_nested_bookings():
    # Overlapping bookings cannot be stored on PostgreSQL; the bisect must still be exact with them.
    rng = random.Random(7)
    origin = utc(2026, 6, 1)
    for _ in range(200):
        rows = []
        for pk in range(1, rng.randrange(1, 12)):
            start = origin + timedelta(minutes=15 * rng.randrange(0, 40))
            rows.append((start, start + timedelta(minutes=15 * rng.randrange(1, 16)), pk))
        buffer = timedelta(minutes=rng.choice([0, 10, 30]))
        busy = _Busy(list(rows), buffer)
        start = origin + timedelta(minutes=5 * rng.randrange(0, 130))
        end = start + timedelta(minutes=rng.choice([15, 30, 60]))

        overlapping = [(s, pk) for s, e, pk in rows if s < end and e > start]
        blocked = any(s < end + buffer and e + buffer > start for s, e, _ in rows)
        before = sum(1 for s, _, _ in rows if s - buffer < end)
        assert busy.overlapping_id(start, end, before) == (max(overlapping)[1] if overlapping else None)
        states = busy.states(
            start, start, step=timedelta(minutes=30), length=end - start, day_full=False, available_only=False
        )
        assert [state.available for state in states] == [not blocked]
