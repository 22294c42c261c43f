"""In headless Chromium against the live server and localstripe: a visitor enters a discount code on
the booking page (Enter in the code field applies it, Enter in the name field books), sees the
discounted price, pays it with Stripe's test card 4242…; the ledger and the monthly report then show
the gross (list price), the discount and the net charged.

The schedule and the code's validity are relative to the real clock (the live server runs in
another thread)."""

from datetime import UTC, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bookings.models import BookingStatus, ConsultationBooking
from bookings.tests.factories import weekday_rules
from bookings.tests.test_browser import berlin_today, pick_day
from consultants.tests.factories import ConsultantFactory
from coupons.models import CouponUsage, UsageStatus
from payments.models import LedgerEntry, LedgerKind
from payments.services.reports import report_monthly
from payments.tests.test_browser import fill_card

from .factories import CouponFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_pays_the_discounted_price_and_the_reports_show_gross_discount_and_net(localstripe, page):
    consultant = ConsultantFactory(
        first_name="Cora",
        last_name="Coupon",
        timezone="Europe/Berlin",
        hourly_rate=Decimal("200.00"),
        currency="USD",
        booking_buffer_minutes=0,
        max_bookings_per_day=10,
    )
    weekday_rules(consultant, start=time(9), end=time(17), weekdays=range(7))
    CouponFactory(code="SPRING20", valid_from=timezone.now() - timedelta(days=1))

    page.goto(f"/consultants/{consultant.slug}/book/")
    page.wait_for_selector("table.calendar")
    pick_day(page, berlin_today() + timedelta(days=3))
    page.locator(".slot-grid .slot").first.click()
    page.wait_for_selector("#details")
    assert page.inner_text("#summary #price") == "$100.00"
    page.fill("#id_name", "Dora Deal")
    page.fill("#id_email", "dora@example.com")

    # A wrong code first: the precise refusal beside the field; then the right one, applied with
    # Enter in the code field, and its price. Nothing is booked yet.
    page.fill("#id_coupon_code", "SPRING2O")
    page.click("#apply-code")
    page.wait_for_selector("#coupon-error")
    assert page.inner_text("#coupon-error") == "This code does not exist."
    page.fill("#id_coupon_code", "spring20")
    page.press("#id_coupon_code", "Enter")
    page.wait_for_selector("#discounted-price")
    assert page.inner_text("#discounted-price") == "$80.00"
    assert page.inner_text("#summary #price s") == "$100.00"
    assert page.input_value("#id_name") == "Dora Deal"
    assert not ConsultationBooking.objects.exists()

    # Enter in the name field books (the default button), it does not apply the code again.
    page.press("#id_name", "Enter")

    # Pay the discounted amount with the test card.
    page.wait_for_selector("#card-element input[placeholder=number]")
    assert page.inner_text("#amount") == "$80.00"
    assert page.inner_text("#discount") == "SPRING20: −$20.00"
    fill_card(page, "4242424242424242")
    page.click("#pay-button")
    page.wait_for_selector("#booking-status")
    assert page.inner_text("#booking-status") == "Confirmed"
    assert page.inner_text("#booking-amount") == "$80.00"
    assert page.inner_text("#booking-discount") == "SPRING20: −$20.00 (list price $100.00)"

    booking = ConsultationBooking.objects.get()
    assert (booking.status, booking.payment_amount, booking.discount_amount) == (
        BookingStatus.CONFIRMED,
        Decimal("80.00"),
        Decimal("20.00"),
    )
    assert CouponUsage.objects.get().status == UsageStatus.REDEEMED
    payment_row = LedgerEntry.objects.get(kind=LedgerKind.PAYMENT, booking=booking)
    assert payment_row.amount == Decimal("80.00")

    paid_on = payment_row.occurred_at.astimezone(UTC)
    report = report_monthly(year=paid_on.year, month=paid_on.month)
    (totals,) = report["totals"]
    (codes,) = report["discounts"]
    assert Decimal(totals["gross"]) == Decimal("80.00")
    assert (codes["list_gross"], codes["discounts"], codes["charged"]) == ("100.00", "20.00", "80.00")
    fees = LedgerEntry.objects.filter(kind=LedgerKind.FEE).values_list("amount", flat=True)
    assert Decimal(totals["net"]) == Decimal("80.00") + sum(fees, Decimal("0.00"))
