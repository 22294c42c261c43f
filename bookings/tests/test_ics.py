"""The booking's calendar invite (bookings.ics) parsed back with icalendar."""

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from bookings.feeds import consultant_calendar
from bookings.ics import booking_ics, summary
from bookings.tests.factories import BookingFactory
from consultants.tests.factories import ConsultantFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 6, 2, 7, 0, tzinfo=UTC)
STAMP = datetime(2026, 6, 1, 6, 0, tzinfo=UTC)


def make_booking(**kwargs):
    consultant = ConsultantFactory(first_name="Anna", last_name="Schmidt", email="anna@example.com")
    values = {
        "consultant": consultant,
        "start": START,
        "reference": "ref-abc",
        "sequence": 3,
        "client_name": "Clara Client",
        "client_email": "clara@example.com",
        "meeting_link": "https://meet.example.com/anna",
    }
    values.update(kwargs)
    return BookingFactory(**values)


def parse(data: bytes):
    calendar = Calendar.from_ical(data)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_request_carries_uid_sequence_utc_times_people_and_links():
    booking = make_booking()
    calendar, event = parse(
        booking_ics(booking, method="REQUEST", manage_url="https://site.example/bookings/ref-abc/?token=t", now=STAMP)
    )

    assert calendar["METHOD"] == "REQUEST"
    assert str(event["UID"]) == "booking-ref-abc@magnetiq"
    assert event["SEQUENCE"] == 3
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(minutes=30)
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTSTAMP") == STAMP
    assert str(event["SUMMARY"]) == "30-minute consultation with Anna Schmidt"
    assert str(event["DESCRIPTION"]) == (
        "Meeting link: https://meet.example.com/anna\n"
        "View, reschedule or cancel: https://site.example/bookings/ref-abc/?token=t"
    )
    assert str(event["LOCATION"]) == "https://meet.example.com/anna"
    assert str(event["URL"]) == "https://meet.example.com/anna"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ORGANIZER"]) == "mailto:anna@example.com"
    assert event["ORGANIZER"].params["CN"] == "Anna Schmidt"
    assert str(event["ATTENDEE"]) == "mailto:clara@example.com"
    assert event["ATTENDEE"].params["CN"] == "Clara Client"
    assert b"DTSTART:20260602T070000Z" in booking_ics(booking, now=STAMP)


def test_cancel_has_method_cancel_and_status_cancelled_with_the_same_uid():
    booking = make_booking(sequence=5)
    calendar, event = parse(booking_ics(booking, method="CANCEL", now=STAMP))
    assert calendar["METHOD"] == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == "booking-ref-abc@magnetiq"
    assert event["SEQUENCE"] == 5


def test_german_summary_and_no_link_means_no_location():
    booking = make_booking(language="de", meeting_link="", duration_minutes=60, end=START + timedelta(minutes=60))
    _, event = parse(booking_ics(booking, now=STAMP))
    assert str(event["SUMMARY"]) == "60-minütige Beratung mit Anna Schmidt"
    assert summary(booking, "en") == "60-minute consultation with Anna Schmidt"
    assert "LOCATION" not in event
    assert "URL" not in event
    assert "DESCRIPTION" not in event


def test_organizer_falls_back_to_the_site_sender(settings):
    settings.DEFAULT_FROM_EMAIL = "Magnetiq Bookings <bookings@magnetiq.example>"
    booking = make_booking()
    booking.consultant.email = ""
    _, event = parse(booking_ics(booking, now=STAMP))
    assert str(event["ORGANIZER"]) == "mailto:bookings@magnetiq.example"
    assert event["ORGANIZER"].params["CN"] == "Magnetiq Bookings"


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="method must be one of"):
        booking_ics(make_booking(), method="PUBLISH")


def test_consultant_feed_uses_the_same_uid_and_sequence():
    booking = make_booking()
    feed = Calendar.from_ical(consultant_calendar(booking.consultant, now=STAMP))
    (event,) = feed.walk("VEVENT")
    assert str(event["UID"]) == "booking-ref-abc@magnetiq"
    assert event["SEQUENCE"] == 3
