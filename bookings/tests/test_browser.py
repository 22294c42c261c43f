"""A visitor books a consultant through the pages in headless Chromium, gets the
confirmation e-mail with its calendar invite, then reschedules and cancels from the manage page.

The schedule is made relative to the real clock (the live server runs in another thread): the
consultant works every day 09:00–17:00 in New York, the browser runs in Berlin, so the page shows
the times in Berlin (the optional script switches the zone) — 15:00–23:00 in summer, 15:00–22:30 or
so around the switch days; the test reads the times from the page rather than assuming them.
"""

import importlib.util
import re
from datetime import time

import pytest
from django.core import mail
from icalendar import Calendar

from bookings.models import BookingStatus, ConsultationBooking
from bookings.tests.factories import weekday_rules
from consultants.tests.factories import ConsultantFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The confirmation e-mail comes from the notifications receivers (bookings.notifications).
HAS_NOTIFICATIONS = importlib.util.find_spec("bookings.notifications") is not None


def test_visitor_books_reschedules_and_cancels_in_the_browser(page):
    consultant = ConsultantFactory(
        first_name="Nora",
        last_name="York",
        timezone="America/New_York",
        hourly_rate=None,  # free: confirmed at once
        booking_buffer_minutes=0,
        max_bookings_per_day=10,
    )
    weekday_rules(consultant, start=time(9), end=time(17), weekdays=range(7))
    mail.outbox.clear()

    # Profile → Book: the page switches to the browser's zone (Europe/Berlin) by itself.
    page.goto(f"/consultants/{consultant.slug}/")
    page.get_by_role("link", name="Book a consultation").click()
    page.wait_for_url(re.compile(r"/book/\?.*tz=Europe%2FBerlin"))
    assert page.locator("#id_tz").input_value() == "Europe/Berlin"
    assert page.locator(".day-heading").count() == 1

    # Next week (every day of it is more than 24 h away, so the booking can still be changed),
    # its third day, its first slot.
    page.get_by_role("link", name="Next week →").click()
    page.wait_for_url(re.compile(r"date="))
    free_days = page.locator("a.day")
    assert free_days.count() == 7
    chosen_day = free_days.nth(2).get_attribute("data-date")
    free_days.nth(2).click()
    page.wait_for_url(re.compile(rf"date={chosen_day}"))
    first_slot = page.locator(".slot-grid .slot").first
    slot_value = first_slot.get_attribute("value")
    slot_label = first_slot.inner_text()
    assert "UTC+0" in slot_label  # Berlin's offset shown with the time
    first_slot.click()

    # Step 2: details, then confirm.
    page.wait_for_selector("#details")
    your_time = page.locator("#your-time").inner_text()
    assert slot_label.split()[0] in your_time
    page.fill("#id_name", "Grace Hopper")
    page.fill("#id_email", "grace@example.com")
    page.fill("#id_company", "Navy")
    page.fill("#id_message", "Compilers at scale")
    page.fill("#id_questions", "Where to start?\nWhat does it cost?")
    page.get_by_role("button", name="Confirm booking").click()

    page.wait_for_selector("#booking")
    assert "Your booking is confirmed." in page.locator(".message").inner_text()
    assert page.locator("#booking-status").inner_text() == "Confirmed"
    assert page.locator("#your-time").inner_text() == your_time
    assert "Nora York's time" in page.locator("#booking").inner_text()

    booking = ConsultationBooking.objects.get()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.start.strftime("%Y-%m-%dT%H:%MZ") == slot_value
    assert (booking.client_email, booking.timezone, booking.questions) == (
        "grace@example.com",
        "Europe/Berlin",
        ["Where to start?", "What does it cost?"],
    )
    assert f"/bookings/{booking.reference}/?token=" in page.url

    if HAS_NOTIFICATIONS:
        (confirmation,) = [m for m in mail.outbox if m.to == ["grace@example.com"]]
        (invite,) = [a for a in confirmation.attachments if a[0] == "invite.ics"]
        content = invite[1] if isinstance(invite[1], bytes) else invite[1].encode()
        (event,) = Calendar.from_ical(content).walk("VEVENT")
        assert str(event["UID"]) == booking.ics_uid
        assert event.decoded("DTSTART") == booking.start

    # Reschedule: pick another time, confirm, land on the new address.
    first_url = page.url
    page.get_by_role("link", name="Reschedule").click()
    page.wait_for_selector(".slot-grid .slot")
    page.get_by_role("link", name="Next week →").click()
    page.wait_for_url(re.compile(r"date="))
    new_day = page.locator("a.day").nth(3)
    new_date = new_day.get_attribute("data-date")
    new_day.click()
    page.wait_for_url(re.compile(rf"date={new_date}"))
    new_slot = page.locator(".slot-grid .slot").nth(1)
    new_value = new_slot.get_attribute("value")
    new_slot.click()
    page.wait_for_selector("#confirm-move")
    page.get_by_role("button", name="Move my booking").click()
    page.wait_for_selector("#booking")
    assert "Your booking was moved to" in page.locator(".message").inner_text()
    assert page.url != first_url
    booking.refresh_from_db()
    assert (booking.start.strftime("%Y-%m-%dT%H:%MZ"), booking.reschedule_count) == (new_value, 1)
    assert page.request.get(first_url).status == 404  # the old link stopped working

    # Cancel: a confirmation step, then the booking is cancelled.
    page.get_by_role("link", name="Cancel booking").click()
    page.wait_for_selector("#cancel")
    page.fill("textarea[name=reason]", "Plans changed")
    page.get_by_role("button", name="Yes, cancel my booking").click()
    page.wait_for_selector("#booking")
    assert "Your booking is cancelled." in page.locator(".message").inner_text()
    assert page.locator("#booking-status").inner_text() == "Cancelled"
    booking.refresh_from_db()
    assert (booking.status, booking.cancellation_reason) == (BookingStatus.CANCELLED, "Plans changed")
