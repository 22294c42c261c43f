"""The page cache follows a consultant's availability: edits of the weekly schedule, days off and
the schedule's admin page drop the cached pages (``pagecache.watch_models``, registered by
bookings), and so do booking changes that take or free a time of the directory's week, but not
other booking saves (bookings/public_pages.py).

The clock is frozen at 10:00 UTC today (``NOW``); consultants work in UTC on the weekday three days
ahead, 09:00–09:30 (one slot), so one booking fills their week."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bookings.models import BookingChange, BookingStatus, ConsultantAvailability
from bookings.public_pages import takes_or_frees_a_time_this_week
from bookings.services import (
    availability_override_add,
    availability_override_delete,
    availability_set_weekly,
    booking_cancel,
    booking_create,
    booking_set_payment_intent,
)
from bookings.tests.factories import AvailabilityRuleFactory, BookingFactory
from consultants.tests.factories import ConsultantFactory
from magnetiq import pagecache

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
DAY3 = NOW.date() + timedelta(days=3)
SLOT = datetime.combine(DAY3, time(9), tzinfo=UTC)
DIRECTORY = "/consultants/?available=on"


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ada():
    ada = ConsultantFactory(first_name="Ada", last_name="Adler", timezone="UTC", booking_buffer_minutes=0)
    AvailabilityRuleFactory(consultant=ada, weekday=DAY3.weekday(), start_time=time(9), end_time=time(9, 30))
    return ada


def listed() -> bool:
    return ">Ada Adler<" in Client().get(DIRECTORY).content.decode()


def rendered(url: str) -> bool:
    """Whether an anonymous GET of ``url`` rendered the page (a cache hit runs no query here)."""
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(url).status_code == 200
    return len(queries) > 0


def test_a_schedule_edit_shows_on_the_next_anonymous_get(ada):
    assert listed()
    assert not rendered(DIRECTORY) and rendered(ada.get_absolute_url()) and not rendered(ada.get_absolute_url())

    availability_set_weekly(consultant=ada, schedule={})
    assert not listed()
    assert rendered(ada.get_absolute_url())

    availability_set_weekly(consultant=ada, schedule={DAY3.strftime("%A").lower(): ["09:00-09:30"]})
    assert listed()


def test_a_day_off_added_and_removed_shows_on_the_next_anonymous_get(ada):
    assert listed()
    override = availability_override_add(consultant=ada, day=DAY3)
    assert not listed()
    availability_override_delete(consultant=ada, override_id=override.pk)
    assert listed()


def test_a_save_of_the_schedules_admin_page_drops_the_cache(ada):
    before = pagecache.content_version()
    schedule = ConsultantAvailability.objects.get(pk=ada.pk)
    schedule.max_bookings_per_day = 0
    schedule.save()
    assert pagecache.content_version() > before
    assert not listed()


def test_booking_the_last_free_slot_and_cancelling_it_show_on_the_next_anonymous_get(ada):
    assert listed()
    booking = booking_create(consultant=ada, start=SLOT, client_name="Clara", client_email="clara@example.com")
    assert booking.status == BookingStatus.PENDING_PAYMENT  # a hold takes the slot too
    assert not listed()

    booking_cancel(booking=booking, actor=None)
    assert listed()


def test_booking_saves_that_move_no_time_keep_the_cache(ada):
    booking = booking_create(consultant=ada, start=SLOT, client_name="Clara", client_email="clara@example.com")
    before = pagecache.content_version()
    booking_set_payment_intent(booking_id=booking.pk, payment_intent_id="pi_123")
    assert pagecache.content_version() == before

    # A booking three weeks ahead cannot change "available this week".
    ada.availability_rules.update(weekday=(NOW.date() + timedelta(days=21)).weekday())
    later = datetime.combine(NOW.date() + timedelta(days=21), time(9), tzinfo=UTC)
    booking_create(consultant=ada, start=later, client_name="Clara", client_email="clara@example.com")
    assert pagecache.content_version() == before


def change(kind: str, old_status: str, new_status: str, start: datetime, old_start: datetime | None = None):
    booking = BookingFactory.build(start=start)
    return BookingChange(
        booking=booking,
        kind=kind,
        old_status=old_status,
        new_status=new_status,
        new_start=start,
        new_end=start + timedelta(minutes=30),
        old_start=old_start,
        old_end=old_start + timedelta(minutes=30) if old_start else None,
    )


@pytest.mark.parametrize(
    ("kind", "old_status", "new_status", "start", "old_start", "expected"),
    [
        ("created", "", "pending_payment", SLOT, None, True),
        ("created", "", "confirmed", SLOT, None, True),
        ("confirmed", "pending_payment", "confirmed", SLOT, None, False),  # the hold already took it
        ("confirmed", "cancelled", "confirmed", SLOT, None, True),  # revived by a late payment
        ("cancelled", "confirmed", "cancelled", SLOT, None, True),
        ("hold_expired", "pending_payment", "cancelled", SLOT, None, True),
        ("rescheduled", "confirmed", "confirmed", SLOT + timedelta(days=20), SLOT, True),  # frees day 3
        ("rescheduled", "confirmed", "confirmed", SLOT, SLOT + timedelta(days=20), True),  # takes day 3
        ("rescheduled", "confirmed", "confirmed", SLOT + timedelta(days=21), SLOT + timedelta(days=20), False),
        ("created", "", "confirmed", NOW + timedelta(days=8, hours=1), None, False),  # after the week
        ("created", "", "confirmed", NOW + timedelta(days=7, hours=12), None, True),  # a buffer may reach back
        ("completed", "confirmed", "completed", NOW - timedelta(hours=2), None, False),  # in the past
    ],
)
def test_which_booking_changes_drop_the_cache(kind, old_status, new_status, start, old_start, expected):
    assert takes_or_frees_a_time_this_week(change(kind, old_status, new_status, start, old_start), NOW) is expected
