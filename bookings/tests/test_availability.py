"""Slot computation: schedules, overrides, buffers, notice, window, per-day limit, DST days."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookings.availability import available_slots, consultant_has_free_slot, day_slots, duration_for
from bookings.exceptions import BookingInvalid
from bookings.models import AvailabilityOverride, BookingStatus, OverrideKind
from bookings.tests.factories import BookingFactory, weekday_rules
from consultants.tests.factories import ConsultantFactory

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
pytestmark = pytest.mark.django_db


def _starts(slots) -> list[str]:
    return [s.start.strftime("%H:%M") for s in slots]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "first_utc", "last_utc"),
    [
        (date(2026, 3, 29), utc(2026, 3, 29, 7), utc(2026, 3, 29, 14, 30)),  # CET → CEST
        (date(2026, 10, 25), utc(2026, 10, 25, 8), utc(2026, 10, 25, 15, 30)),  # CEST → CET
        (date(2026, 3, 28), utc(2026, 3, 28, 8), utc(2026, 3, 28, 15, 30)),
    ],
)
def test_berlin_schedule_keeps_local_times_on_switch_days(day, first_utc, last_utc):
    consultant = ConsultantFactory(timezone="Europe/Berlin", booking_buffer_minutes=0)
    weekday_rules(consultant, weekdays=range(7))

    slots = available_slots(consultant=consultant, day=day, tz=BERLIN, now=utc(day.year, day.month, 1))

    assert len(slots) == 16
    assert (slots[0].start, slots[-1].start) == (first_utc, last_utc)
    assert slots[0].start.astimezone(BERLIN).time() == time(9)
    assert slots[-1].end.astimezone(BERLIN).time() == time(17)


@pytest.mark.parametrize(
    ("day", "first_utc"),
    [(date(2026, 3, 8), utc(2026, 3, 8, 13)), (date(2026, 11, 1), utc(2026, 11, 1, 14))],
)
def test_new_york_schedule_on_switch_days(day, first_utc):
    consultant = ConsultantFactory(timezone="America/New_York", booking_buffer_minutes=0)
    weekday_rules(consultant, weekdays=range(7))

    slots = available_slots(consultant=consultant, day=day, tz=NEW_YORK, now=utc(day.year, day.month - 1, 20))

    assert slots[0].start == first_utc
    assert len(slots) == 16


def test_visitor_day_in_another_zone_spans_two_consultant_days():
    consultant = ConsultantFactory(timezone="Europe/Berlin", booking_buffer_minutes=0)
    weekday_rules(consultant, start=time(0), end=time(2), weekdays=range(7))
    # 2026-06-01 in New York = 04:00Z on the 1st to 04:00Z on the 2nd: Berlin's 00:00–02:00 of
    # the 2nd (22:00Z–24:00Z on the 1st) is inside, Berlin's early hours of the 1st are not.
    slots = available_slots(consultant=consultant, day=date(2026, 6, 1), tz=NEW_YORK, now=utc(2026, 5, 1))

    assert [s.start for s in slots] == [
        utc(2026, 6, 1, 22),
        utc(2026, 6, 1, 22, 30),
        utc(2026, 6, 1, 23),
        utc(2026, 6, 1, 23, 30),
    ]


def test_several_intervals_and_longer_durations(consultant):
    consultant.availability_rules.filter(weekday=0).delete()
    weekday_rules(consultant, start=time(9), end=time(10), weekdays=[0])
    weekday_rules(consultant, start=time(14), end=time(15, 30), weekdays=[0])

    slots = available_slots(
        consultant=consultant,
        day=date(2026, 6, 1),
        tz=BERLIN,
        booking_type="strategy",
        duration_minutes=60,
        now=utc(2026, 5, 1),
    )

    assert [s.start.astimezone(BERLIN).strftime("%H:%M") for s in slots] == ["09:00", "14:00", "14:30"]
    assert all(s.duration_minutes == 60 for s in slots)


def test_overrides_day_off_window_and_extra_hours(consultant):
    now = utc(2026, 5, 1)
    AvailabilityOverride.objects.create(consultant=consultant, date=date(2026, 6, 1), kind=OverrideKind.UNAVAILABLE)
    AvailabilityOverride.objects.create(
        consultant=consultant,
        date=date(2026, 6, 2),
        kind=OverrideKind.UNAVAILABLE,
        start_time=time(10),
        end_time=time(16, 30),
    )
    AvailabilityOverride.objects.create(
        consultant=consultant, date=date(2026, 6, 3), kind=OverrideKind.EXTRA, start_time=time(18), end_time=time(19)
    )

    assert available_slots(consultant=consultant, day=date(2026, 6, 1), tz=BERLIN, now=now) == []
    june2 = available_slots(consultant=consultant, day=date(2026, 6, 2), tz=BERLIN, now=now)
    assert [s.start.astimezone(BERLIN).strftime("%H:%M") for s in june2] == ["09:00", "09:30", "16:30"]
    june3 = available_slots(consultant=consultant, day=date(2026, 6, 3), tz=BERLIN, now=now)
    assert len(june3) == 18
    assert june3[-1].start.astimezone(BERLIN).time() == time(18, 30)


def test_buffer_blocks_neighbouring_slots_and_marks_the_booked_one(consultant):
    consultant.booking_buffer_minutes = 15
    consultant.save()
    booking = BookingFactory(consultant=consultant, start=utc(2026, 6, 1, 9), duration_minutes=30)  # 11:00 Berlin

    states = day_slots(consultant=consultant, day=date(2026, 6, 1), tz=BERLIN, now=utc(2026, 5, 1))
    by_time = {s.slot.start.astimezone(BERLIN).strftime("%H:%M"): s for s in states}

    assert (by_time["10:30"].available, by_time["10:30"].booking_id) == (False, None)
    assert (by_time["11:00"].available, by_time["11:00"].booking_id) == (False, booking.pk)
    assert (by_time["11:30"].available, by_time["11:30"].booking_id) == (False, None)
    assert by_time["10:00"].available and by_time["12:00"].available


def test_cancelled_bookings_and_expired_holds_do_not_block(consultant):
    now = utc(2026, 5, 1)
    BookingFactory(consultant=consultant, start=utc(2026, 6, 1, 9), status=BookingStatus.CANCELLED)
    BookingFactory(
        consultant=consultant,
        start=utc(2026, 6, 1, 10),
        status=BookingStatus.PENDING_PAYMENT,
        hold_expires_at=now - timedelta(seconds=1),
    )
    BookingFactory(
        consultant=consultant,
        start=utc(2026, 6, 1, 11),
        status=BookingStatus.PENDING_PAYMENT,
        hold_expires_at=now + timedelta(minutes=5),
    )

    free = {s.start for s in available_slots(consultant=consultant, day=date(2026, 6, 1), tz=BERLIN, now=now)}

    assert utc(2026, 6, 1, 9) in free
    assert utc(2026, 6, 1, 10) in free
    assert utc(2026, 6, 1, 11) not in free


def test_minimum_notice_and_booking_window(consultant):
    now = utc(2026, 6, 1, 0)  # 02:00 Berlin; 12 h notice → first slot 14:00 Berlin = 12:00Z
    today = available_slots(consultant=consultant, day=date(2026, 6, 1), tz=BERLIN, now=now)
    assert today[0].start == utc(2026, 6, 1, 12)

    # Window 60 days: the 60th day after now is the last that still has (some) slots.
    assert available_slots(consultant=consultant, day=date(2026, 7, 30), tz=BERLIN, now=now)
    assert available_slots(consultant=consultant, day=date(2026, 7, 31), tz=BERLIN, now=now) == []


def test_notice_and_window_come_from_settings(consultant, settings):
    settings.BOOKINGS = {"MIN_NOTICE_HOURS": 1, "WINDOW_DAYS": 2}
    now = utc(2026, 6, 1, 7)  # 09:00 Berlin
    assert available_slots(consultant=consultant, day=date(2026, 6, 1), tz=BERLIN, now=now)[0].start == utc(
        2026, 6, 1, 8
    )
    assert available_slots(consultant=consultant, day=date(2026, 6, 4), tz=BERLIN, now=now) == []


def test_per_day_limit_counts_the_consultants_local_day(consultant):
    consultant.max_bookings_per_day = 2
    consultant.save()
    # 23:30 Berlin on May 31 is 21:30Z: the previous local day, not counted for June 1.
    BookingFactory(consultant=consultant, start=utc(2026, 5, 31, 21, 30))
    BookingFactory(consultant=consultant, start=utc(2026, 6, 1, 7))
    now = utc(2026, 5, 1)
    assert len(available_slots(consultant=consultant, day=date(2026, 6, 1), tz=BERLIN, now=now)) == 15

    BookingFactory(consultant=consultant, start=utc(2026, 6, 1, 12))
    assert available_slots(consultant=consultant, day=date(2026, 6, 1), tz=BERLIN, now=now) == []
    assert len(available_slots(consultant=consultant, day=date(2026, 6, 2), tz=BERLIN, now=now)) == 16


def test_has_free_slot_needs_a_slot_start_and_ignores_the_excluded_booking(consultant):
    now = utc(2026, 5, 1)
    assert consultant_has_free_slot(consultant=consultant, start=utc(2026, 6, 1, 7), duration_minutes=30, now=now)
    assert not consultant_has_free_slot(
        consultant=consultant, start=utc(2026, 6, 1, 7, 10), duration_minutes=30, now=now
    )
    assert not consultant_has_free_slot(consultant=consultant, start=utc(2026, 6, 1, 5), duration_minutes=30, now=now)
    # A naive start is the input under test: the check refuses it rather than guess its zone.
    assert not consultant_has_free_slot(
        consultant=consultant,
        start=datetime(2026, 6, 1, 7),  # noqa: DTZ001
        duration_minutes=30,
        now=now,
    )
    booking = BookingFactory(consultant=consultant, start=utc(2026, 6, 1, 7))
    assert not consultant_has_free_slot(consultant=consultant, start=utc(2026, 6, 1, 7), duration_minutes=30, now=now)
    assert consultant_has_free_slot(
        consultant=consultant, start=utc(2026, 6, 1, 7), duration_minutes=30, now=now, exclude_booking_id=booking.pk
    )


@pytest.mark.parametrize(
    ("booking_type", "minutes", "expected"),
    [("30for30", None, 30), ("30for30", 30, 30), ("strategy", None, 30), ("audit", 240, 240), ("custom", 15, 15)],
)
def test_duration_rules(booking_type, minutes, expected):
    assert duration_for(booking_type, minutes) == expected


@pytest.mark.parametrize(
    ("booking_type", "minutes"), [("30for30", 60), ("strategy", 14), ("custom", 241), ("lunch", 30)]
)
def test_duration_rules_refuse(booking_type, minutes):
    with pytest.raises(BookingInvalid):
        duration_for(booking_type, minutes)
