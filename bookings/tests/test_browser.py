"""A visitor books a consultant through the pages in headless Chromium, gets the
confirmation e-mail with its calendar invite, then reschedules and cancels from the manage page.

The schedule is made relative to the real clock (the live server runs in another thread): the
consultant works every day 09:00–17:00 in New York, the browser runs in Berlin, so the page shows
the times in Berlin (the optional script switches the zone) — 15:00–23:00 in summer, 15:00–22:30 or
so around the switch days; the test reads the times from the page rather than assuming them.
"""

import importlib.util
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from icalendar import Calendar

from bookings.models import BookingStatus, ConsultationBooking
from bookings.tests.factories import weekday_rules
from consultants.tests.factories import ConsultantFactory
from magnetiq.formatting import format_money
from magnetiq.tests.axe import assert_accessible
from payments.models import Payment, PaymentIntentStatus
from payments.tests.test_browser import fill_card

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The confirmation e-mail comes from the notifications receivers (bookings.notifications).
HAS_NOTIFICATIONS = importlib.util.find_spec("bookings.notifications") is not None


def pick_day(page, earliest: date, nth: int = 0) -> str:
    """Click the ``nth`` free day on or after ``earliest`` in the month calendar, moving to the next
    month when this one has none; returns its date (``YYYY-MM-DD``)."""
    for _ in range(3):
        days = [
            d
            for d in page.eval_on_selector_all("a.day", "els => els.map(e => e.dataset.date)")
            if d >= earliest.isoformat()
        ]
        if len(days) > nth:
            chosen = days[nth]
            page.locator(f"a.day[data-date='{chosen}']").click()
            page.wait_for_url(re.compile(rf"date={chosen}"))
            return chosen
        page.locator("a.month-link").last.click()
        page.wait_for_load_state()
    raise AssertionError(f"no free day on or after {earliest}")


def berlin_today() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("Europe/Berlin")).date()


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
    assert_accessible(page)

    # A day a week ahead (more than 24 h away, so the booking can still be changed), its first slot.
    pick_day(page, berlin_today() + timedelta(days=7))
    first_slot = page.locator(".slot-grid .slot").first
    slot_value = first_slot.get_attribute("value")
    slot_label = first_slot.inner_text()
    assert "UTC+0" in slot_label  # Berlin's offset shown with the time
    first_slot.click()

    # Step 2: details, then confirm.
    page.wait_for_selector("#details")
    assert_accessible(page)
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
    pick_day(page, berlin_today() + timedelta(days=8))
    new_slot = page.locator(".slot-grid .slot").nth(1)
    new_value = new_slot.get_attribute("value")
    new_slot.click()
    page.wait_for_selector("#confirm-move")
    page.get_by_role("button", name="Move my booking").click()
    page.wait_for_selector("#booking")
    assert "Your booking was moved to" in page.locator(".message").inner_text()
    booking.refresh_from_db()
    assert (booking.start.strftime("%Y-%m-%dT%H:%MZ"), booking.reschedule_count) == (new_value, 1)
    assert page.request.get(first_url).status == 200  # the first link still leads to the booking

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


def test_german_phone_books_pays_downloads_the_invite_and_reschedules(localstripe, mobile_page_de):
    """The whole journey in German on a 390×844 phone: the policy is visible before payment, the price
    shown is the amount charged, the .ics parses with the booking's UTC start, and the manage link of
    the first e-mail still opens the booking after a reschedule. axe checks every step."""
    page = mobile_page_de
    consultant = ConsultantFactory(
        first_name="Berta",
        last_name="Berlin",
        timezone="Europe/Berlin",
        hourly_rate=Decimal("200.00"),
        currency="USD",
        booking_buffer_minutes=0,
        max_bookings_per_day=10,
    )
    weekday_rules(consultant, start=time(9), end=time(17), weekdays=range(7))
    mail.outbox.clear()
    policy = (
        "Sie können online bis 24 Stunden vor Beginn umbuchen oder stornieren; eine Stornierung bis dahin "
        "wird vollständig erstattet. Danach kann die Buchung nicht mehr geändert, storniert oder erstattet werden."
    )

    # Step 1: the month, the price of the session and the policy beside it.
    page.goto(f"/de/consultants/{consultant.slug}/book/")
    page.wait_for_selector("table.calendar")
    assert page.locator("#id_tz").input_value() == "Europe/Berlin"
    assert page.locator("#policy").is_visible()
    assert page.inner_text("#policy") == policy
    shown_price = page.inner_text("#price")
    assert shown_price == "100,00\xa0$"
    assert page.locator("#duration-field").is_hidden()  # 30-for-30 has no duration to choose
    assert_accessible(page)
    pick_day(page, berlin_today() + timedelta(days=3))
    assert_accessible(page)
    page.locator(".slot-grid .slot").first.click()

    # Step 2: the details, with the policy and the price again.
    page.wait_for_selector("#details")
    assert page.inner_text("#summary #price") == shown_price
    assert page.locator("#summary #policy").is_visible()
    assert page.locator(".steps .current").inner_text() == "2. Ihre Angaben"
    assert_accessible(page)
    page.fill("#id_name", "Greta Gast")
    page.fill("#id_email", "greta@example.com")
    page.locator("#details button[type=submit]").click()

    # Step 3: pay; consultant, time and policy are repeated next to the amount.
    page.wait_for_selector("#card-element input[placeholder=number]")
    booking = ConsultationBooking.objects.get()
    assert page.inner_text("#amount") == shown_price
    assert page.inner_text("#consultant") == "Berta Berlin"
    assert page.locator("#payment #policy").is_visible()
    assert page.locator(".steps .current").inner_text() == "3. Bezahlen"
    assert_accessible(page)
    fill_card(page, "4242424242424242")
    page.click("#pay-button")

    # Step 4: done; the amount charged is the price that was shown.
    page.wait_for_selector("#booking-status")
    assert page.inner_text("#booking-status") == "Bestätigt"
    assert page.locator(".steps .current").inner_text() == "4. Fertig"
    payment = Payment.objects.get()
    assert payment.status == PaymentIntentStatus.SUCCEEDED
    assert format_money(payment.amount, payment.currency, "de") == shown_price
    assert page.inner_text("#booking-amount") == shown_price
    assert "greta@example.com" in page.inner_text("#emailed")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the long manage link wraps
    assert_accessible(page)

    # The calendar file: a download that parses, starting at the booking's time in UTC.
    with page.expect_download() as download_info:
        page.click("#ics-download")
    download = download_info.value
    booking.refresh_from_db()
    assert download.suggested_filename == f"{booking.reference}.ics"
    content = Path(download.path()).read_bytes()
    (event,) = Calendar.from_ical(content).walk("VEVENT")
    assert event.decoded("DTSTART") == booking.start
    assert f"DTSTART:{booking.start:%Y%m%dT%H%M%S}Z" in content.decode()

    # The manage link of the confirmation e-mail.
    (confirmation,) = [m for m in mail.outbox if m.to == ["greta@example.com"]]
    first_link = re.search(r"https?://\S+/de/bookings/\S+token=\S+", confirmation.body).group(0)
    first_path = first_link.split("://", 1)[1].split("/", 1)[1]

    # Reschedule to another day.
    page.locator("#booking a.button", has_text="Verschieben").click()
    page.wait_for_selector(".slot-grid .slot")
    assert_accessible(page)
    pick_day(page, berlin_today() + timedelta(days=5))
    page.locator(".slot-grid .slot").nth(1).click()
    page.wait_for_selector("#confirm-move")
    assert_accessible(page)
    page.locator("#confirm-move button[type=submit]").click()
    page.wait_for_selector("#booking")
    booking.refresh_from_db()
    assert booking.reschedule_count == 1
    moved_time = page.inner_text("#your-time")

    # The first e-mail's link opens the booking at its new time.
    response = page.goto("/" + first_path)
    assert response.status == 200
    assert page.inner_text("#your-time") == moved_time
    assert page.inner_text("#booking-status") == "Bestätigt"

    # Cancel: the page says what is refunded, how much and when.
    page.locator("#booking a.button", has_text="Buchung stornieren").click()
    page.wait_for_selector("#cancel")
    assert page.inner_text("#refund-preview") == (
        f"Wenn Sie jetzt stornieren, wird die volle Zahlung von {shown_price} auf Ihre Karte erstattet; sie ist "
        "innerhalb von 5–10 Werktagen auf Ihrem Konto."
    )
    assert_accessible(page)
    page.locator("#cancel button[type=submit]").click()
    page.wait_for_selector("#cancelled")
    assert f"Die volle Zahlung von {shown_price}" in page.inner_text("#refund")
    assert_accessible(page)


def test_the_price_follows_the_type_and_duration_without_a_round_trip(page):
    consultant = ConsultantFactory(
        timezone="Europe/Berlin",
        hourly_rate=Decimal("200.00"),
        currency="USD",
        consultation_types=["30for30", "strategy"],
    )
    weekday_rules(consultant, start=time(9), end=time(17), weekdays=range(7))
    page.goto(f"/consultants/{consultant.slug}/book/?tz=Europe/Berlin")
    page.wait_for_selector("table.calendar")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    assert (page.inner_text("#price"), page.inner_text("#price-minutes")) == ("$100.00", "(30 minutes)")
    assert page.locator("#duration-field").is_hidden()

    page.select_option("#id_type", "strategy")
    assert page.locator("#duration-field").is_visible()
    assert (page.inner_text("#price"), page.inner_text("#price-minutes")) == ("$200.00", "(60 minutes)")
    page.select_option("#id_duration", "90")
    assert (page.inner_text("#price"), page.inner_text("#price-minutes")) == ("$300.00", "(90 minutes)")
    page.select_option("#id_type", "30for30")
    assert (page.inner_text("#price"), page.inner_text("#price-minutes")) == ("$100.00", "(30 minutes)")
    assert page.locator("#duration-field").is_hidden()
    assert requests == []  # no round trip
    assert_accessible(page)
