"""Must-show: a paid booking completed in headless Chromium with a test card (localstripe's Stripe.js)."""

import pytest

from bookings.links import manage_url
from bookings.models import BookingStatus, ConsultationBooking
from bookings.tokens import manage_token
from payments.models import LedgerEntry, Payment, PaymentIntentStatus

from .conftest import hold, next_slot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_card(page, number: str) -> None:
    page.fill("#card-element input[placeholder=number]", number)
    page.fill("#card-element input[placeholder=exp_month]", "12")
    page.fill("#card-element input[placeholder=exp_year]", "30")
    page.fill("#card-element input[placeholder=cvc]", "123")
    page.fill("#card-element input[placeholder=postal_code]", "10115")


def test_pay_a_held_booking_with_a_test_card(localstripe, consultant, page):
    booking = hold(consultant)
    page.goto(manage_url(booking))
    page.click("#pay-link")
    page.wait_for_selector("#card-element input[placeholder=number]")
    assert page.inner_text("#amount") == "$100.00"
    assert "held for you until" in page.inner_text("#hold")

    fill_card(page, "4000000000000002")
    page.click("#pay-button")
    page.wait_for_selector("#payment-error:not([hidden])")
    assert page.inner_text("#payment-error") == "Your card was declined. Please use another card or contact your bank."
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING_PAYMENT

    page.fill("#card-element input[placeholder=number]", "4242424242424242")
    page.click("#pay-button")
    page.wait_for_selector("#booking-status")
    assert page.inner_text("#booking-status") == "Confirmed"
    booking.refresh_from_db()
    assert (booking.status, booking.payment_status) == (BookingStatus.CONFIRMED, "completed")
    assert Payment.objects.get().status == PaymentIntentStatus.SUCCEEDED
    assert LedgerEntry.objects.filter(kind="payment").count() == 1


def test_book_through_the_pages_lands_on_the_payment_page_and_a_declined_card_can_be_replaced(
    localstripe, consultant, page
):
    day = next_slot().date().isoformat()
    page.goto(f"/consultants/{consultant.slug}/book/?type=30for30&tz=UTC&date={day}")
    page.locator(".slot-grid .slot").first.click()
    page.wait_for_selector("#details")
    assert "while you pay by card on the next page" in page.inner_text("#summary")
    page.fill("#id_name", "Clara Client")
    page.fill("#id_email", "clara@example.com")
    page.get_by_role("button", name="Confirm booking").click()

    # Straight on to the payment step, no detour through the manage page.
    page.wait_for_selector("#card-element input[placeholder=number]")
    booking = ConsultationBooking.objects.get()
    assert page.url.endswith(f"/bookings/{booking.reference}/pay/?token={manage_token(booking)}")
    assert page.inner_text("#amount") == "$100.00"
    fill_card(page, "4000000000000002")
    page.click("#pay-button")
    page.wait_for_selector("#payment-error:not([hidden])")
    assert page.inner_text("#payment-error") == "Your card was declined. Please use another card or contact your bank."
    assert page.is_enabled("#pay-button")

    page.fill("#card-element input[placeholder=number]", "4242424242424242")
    page.click("#pay-button")
    page.wait_for_selector("#booking-status")
    assert page.inner_text("#booking-status") == "Confirmed"
    booking.refresh_from_db()
    assert (booking.status, booking.payment_status) == (BookingStatus.CONFIRMED, "completed")


def test_a_declined_card_on_the_german_pay_page_gets_the_german_message(localstripe, consultant, page):
    booking = hold(consultant)
    page.goto("/de" + manage_url(booking))
    assert page.inner_text("#pay-link") == "Jetzt bezahlen (100,00\xa0$)"
    page.click("#pay-link")
    page.wait_for_selector("#card-element input[placeholder=number]")
    fill_card(page, "4000000000000002")
    page.click("#pay-button")
    page.wait_for_selector("#payment-error:not([hidden])")
    assert page.inner_text("#payment-error") == (
        "Ihre Karte wurde abgelehnt. Bitte nutzen Sie eine andere Karte oder wenden Sie sich an Ihre Bank."
    )
    assert page.inner_text("#pay-button") == "100,00\xa0$ bezahlen"
