""" "Available this week" (``public_consultant_search(available_this_week=True)``): a free slot the
booking page offers starting in the next 7 days, computed by the bookings app for all candidates at
once.

The clock is frozen at 10:00 UTC of today (``NOW``, day 0); the window is ``[NOW, NOW + 7 days)``
with the bookings' minimum notice of 12 hours, so the first bookable start is 22:00 UTC on day 0 and
the last one before 10:00 UTC on day 7. Consultants work in UTC unless a test is about zones, with
no buffer and no day limit in the way."""

from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import BookingPaymentStatus, BookingStatus, OverrideKind
from bookings.tests.factories import AvailabilityOverrideFactory, AvailabilityRuleFactory, BookingFactory
from consultants import free_slots
from consultants.selectors import public_consultant_search, with_free_slot
from consultants.tests.factories import ConsultantFactory

pytestmark = pytest.mark.django_db

NOW = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)
TODAY = NOW.date()


def day(offset: int):
    return TODAY + timedelta(days=offset)


def at(offset: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day(offset), time(hour, minute), tzinfo=UTC)


def consultant(name: str, zone: str = "UTC"):
    return ConsultantFactory(first_name=name, timezone=zone, booking_buffer_minutes=0, max_bookings_per_day=20)


def hours_on(who, offset: int, start: time, end: time):
    """Weekly hours on the weekday of day ``offset`` (the only time of that weekday in the window
    for offsets 1–6)."""
    return AvailabilityRuleFactory(consultant=who, weekday=day(offset).weekday(), start_time=start, end_time=end)


def available() -> list[str]:
    with time_machine.travel(NOW, tick=False):
        return sorted(c.first_name for c in public_consultant_search(available_this_week=True))


def test_a_fully_booked_week_is_not_available():
    ada = consultant("Ada")
    hours_on(ada, 3, time(9), time(10))  # two slots: 09:00 and 09:30 on day 3
    consultant("Ben")  # no hours at all
    assert available() == ["Ada"]

    BookingFactory(consultant=ada, start=at(3, 9))
    assert available() == ["Ada"]
    BookingFactory(consultant=ada, start=at(3, 9, 30))
    assert available() == []


def test_a_hold_on_the_last_slot_blocks_it_until_it_expires():
    ada = consultant("Ada")
    hours_on(ada, 3, time(9), time(9, 30))  # one slot
    hold = BookingFactory(
        consultant=ada,
        start=at(3, 9),
        status=BookingStatus.PENDING_PAYMENT,
        payment_status=BookingPaymentStatus.PENDING,
        hold_expires_at=NOW + timedelta(minutes=10),
    )
    assert available() == []

    hold.hold_expires_at = NOW - timedelta(minutes=1)
    hold.save()
    assert available() == ["Ada"]


def test_hours_inside_the_minimum_notice_or_already_past_are_not_available():
    soon = consultant("Soon")
    hours_on(soon, 0, time(11), time(22))  # today, all before NOW + 12 h (22:00); day 7 starts after 10:00
    past = consultant("Past")
    hours_on(past, 0, time(6), time(9, 30))  # today before NOW; day 7 is the same weekday: 06:00–09:30 counts
    late = consultant("Late")
    hours_on(late, 0, time(22), time(22, 30))  # the first start the notice allows
    assert available() == ["Late", "Past"]

    # Without day 7 the morning hours are all in the past.
    AvailabilityOverrideFactory(consultant=past, date=day(7), kind=OverrideKind.UNAVAILABLE)
    assert available() == ["Late"]


def test_one_free_slot_on_day_seven_is_enough_and_the_window_ends_at_now_plus_seven_days():
    ada = consultant("Ada")
    hours_on(ada, 0, time(9, 30), time(10))  # day 7 at 09:30: the last start before NOW + 7 days
    ben = consultant("Ben")
    hours_on(ben, 0, time(10), time(10, 30))  # day 7 at 10:00 = NOW + 7 days: outside
    assert available() == ["Ada"]


def test_days_off_and_blocked_windows_take_the_hours_away():
    whole = consultant("Whole")
    hours_on(whole, 3, time(9), time(12))
    AvailabilityOverrideFactory(consultant=whole, date=day(3), kind=OverrideKind.UNAVAILABLE)
    window = consultant("Window")  # the SQL pre-filter keeps it; the slots do not
    hours_on(window, 3, time(9), time(12))
    AvailabilityOverrideFactory(
        consultant=window, date=day(3), kind=OverrideKind.UNAVAILABLE, start_time=time(8), end_time=time(12)
    )
    part = consultant("Part")
    hours_on(part, 3, time(9), time(12))
    AvailabilityOverrideFactory(
        consultant=part, date=day(3), kind=OverrideKind.UNAVAILABLE, start_time=time(9), end_time=time(11, 30)
    )
    extra = consultant("Extra")  # no weekly hours, extra hours on a date of the week
    AvailabilityOverrideFactory(
        consultant=extra, date=day(5), kind=OverrideKind.EXTRA, start_time=time(14), end_time=time(15)
    )
    assert available() == ["Extra", "Part"]


def test_the_week_is_counted_in_the_consultants_own_zone():
    # Kiritimati is UTC+14 all year, Pago Pago UTC−11: NOW (10:00 UTC on day 0) is midnight starting
    # day 1 in Kiritimati and 23:00 of day −1 in Pago Pago.
    east = consultant("East", "Pacific/Kiritimati")
    hours_on(east, 0, time(9), time(10))  # local day 7 09:00 = day 6 19:00 UTC: inside
    west = consultant("West", "Pacific/Pago_Pago")
    hours_on(west, 0, time(9), time(10))  # local day 0 09:00 = 20:00 UTC, inside the notice; day 7 is outside
    late_extra = consultant("LateExtra", "Pacific/Kiritimati")
    AvailabilityOverrideFactory(  # local day 7 (a date after the UTC week) 08:00 = day 6 18:00 UTC
        consultant=late_extra, date=day(7), kind=OverrideKind.EXTRA, start_time=time(8), end_time=time(9)
    )
    too_late = consultant("TooLate", "Pacific/Kiritimati")
    AvailabilityOverrideFactory(  # local day 8 09:00 = day 7 19:00 UTC: after NOW + 7 days
        consultant=too_late, date=day(8), kind=OverrideKind.EXTRA, start_time=time(9), end_time=time(10)
    )
    assert available() == ["East", "LateExtra"]


def test_other_filters_apply_before_the_slots_are_computed():
    ada = consultant("Ada")
    hours_on(ada, 2, time(9), time(10))
    ben = ConsultantFactory(first_name="Ben", timezone="UTC", expertise_areas=["Legal"])
    hours_on(ben, 2, time(9), time(10))
    asked = []

    def spy(consultants, *, start, end):
        asked.extend(c.first_name for c in consultants)
        return finder(consultants, start=start, end=end)

    finder = free_slots._FINDERS["finder"]
    free_slots.register_free_slot_finder(spy)
    try:
        with time_machine.travel(NOW, tick=False):
            found = [c.first_name for c in public_consultant_search(available_this_week=True, expertise=["Legal"])]
    finally:
        free_slots.register_free_slot_finder(finder)
    assert found == ["Ben"]
    assert asked == ["Ben"]


def test_a_bounded_number_of_queries_whatever_the_number_of_candidates():
    def queries_for(total: int) -> int:
        for index in range(total):
            who = consultant(f"C{total}x{index}", ["UTC", "Europe/Berlin", "America/New_York"][index % 3])
            hours_on(who, 2, time(9), time(10))
            BookingFactory(consultant=who, start=at(2, 9))
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
            found = list(public_consultant_search(available_this_week=True, query=f"C{total}x"))
        assert len(found) == total
        return len(queries)

    # The candidates, their rules with their overrides, their bookings; then the page.
    assert queries_for(3) == queries_for(40) == 4


def test_no_candidates_no_slot_queries():
    consultant("Ben")  # no hours
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as queries:
        qs = with_free_slot(public_consultant_search())
    assert len(queries) == 1
    assert list(qs) == []


# --- available_date (the search API's ConsultantSearchRequest.available_date) -------------------------


def available_on(offset: int) -> list[str]:
    with time_machine.travel(NOW, tick=False):
        return sorted(c.first_name for c in public_consultant_search(available_date=day(offset)))


def test_available_date_keeps_those_with_a_free_slot_starting_that_utc_day():
    ada, ben = consultant("Ada"), consultant("Ben")
    hours_on(ada, 3, time(9), time(9, 30))
    hours_on(ben, 4, time(9), time(9, 30))

    assert (available_on(3), available_on(4), available_on(5)) == (["Ada"], ["Ben"], [])
    BookingFactory(consultant=ada, start=at(3, 9))
    assert available_on(3) == []


def test_available_date_today_counts_only_what_is_still_bookable_and_a_past_day_nobody():
    ada = consultant("Ada")
    AvailabilityOverrideFactory(
        consultant=ada, date=day(0), kind=OverrideKind.EXTRA, start_time=time(23), end_time=time(23, 30)
    )
    AvailabilityOverrideFactory(
        consultant=ada, date=day(-1), kind=OverrideKind.EXTRA, start_time=time(9), end_time=time(17)
    )

    assert available_on(0) == ["Ada"]  # 23:00 is after the 12-hour notice from 10:00
    assert available_on(-1) == []


def test_the_search_api_takes_available_date_and_available_this_week(api_client):
    ada = consultant("Ada")
    hours_on(ada, 3, time(9), time(9, 30))
    url = "/api/v1/public/consultants/search"

    with time_machine.travel(NOW, tick=False):
        on_day_3 = api_client.get(url, {"available_date": day(3).isoformat()})
        on_day_4 = api_client.get(url, {"available_date": day(4).isoformat()})
        this_week = api_client.get(url, {"available_this_week": "true"})
        bad = api_client.get(url, {"available_date": "next tuesday"})

    assert [c["first_name"] for c in on_day_3.json()["data"]["consultants"]] == ["Ada"]
    assert on_day_4.json()["data"]["consultants"] == []
    assert [c["first_name"] for c in this_week.json()["data"]["consultants"]] == ["Ada"]
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "available_date"


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_the_search_api_refuses_an_available_date_outside_the_supported_years(api_client, value):
    response = api_client.get("/api/v1/public/consultants/search", {"available_date": value})

    assert response.status_code == 422
    assert response.json()["error"]["details"][0] == {
        "field": "available_date",
        "message": "Give a date between the years 1900 and 2200.",
        "code": "out_of_range",
    }
