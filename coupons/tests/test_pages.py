"""The booking page takes a discount code: "Apply" shows the new price or the precise refusal (in the
page's language) before anything is booked; confirming holds the discounted amount; the booking
page, the payment page and the confirmation e-mail show the discount."""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
import time_machine
from django.core import mail

from bookings.models import BookingStatus, ConsultationBooking
from bookings.services import booking_confirm
from bookings.tokens import manage_token
from coupons.models import CouponUsage, UsageStatus

from .conftest import NOW
from .factories import CouponFactory

pytestmark = pytest.mark.django_db
TUESDAY_9_BERLIN = datetime(2026, 6, 2, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def details(code: str, **extra) -> dict:
    return {
        "type": "30for30",
        "tz": "Europe/Berlin",
        "start": TUESDAY_9_BERLIN.strftime("%Y-%m-%dT%H:%MZ"),
        "name": "Clara Client",
        "email": "clara@example.com",
        "coupon_code": code,
        **extra,
    }


class SubmitButtons(HTMLParser):
    """The submit buttons of the booking form (``form.booking-form``) in tree order, each as its
    attributes: the first is the default button, the one Enter in a text field clicks."""

    def __init__(self):
        super().__init__()
        self.in_form = False
        self.buttons: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.in_form = "booking-form" in (attributes.get("class") or "").split()
        elif self.in_form and tag in ("input", "button") and attributes.get("type") == "submit":
            self.buttons.append(attributes)

    def handle_endtag(self, tag):
        if tag == "form":
            self.in_form = False


def submit_buttons(html: str) -> list[dict[str, str | None]]:
    parser = SubmitButtons()
    parser.feed(html)
    return parser.buttons


def details_page(client, consultant, prefix: str = "") -> str:
    start = TUESDAY_9_BERLIN.strftime("%Y-%m-%dT%H:%MZ")
    response = client.get(f"{prefix}/consultants/{consultant.slug}/book/", {"start": start, "tz": "Europe/Berlin"})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("prefix", "confirm"), [("", "Confirm booking"), ("/de", "Buchung bestätigen")])
def test_the_default_button_is_a_hidden_copy_of_confirm_not_apply(client, consultant, prefix, confirm):
    buttons = submit_buttons(details_page(client, consultant, prefix))

    default, *others = buttons
    assert default == {
        "type": "submit",
        "value": confirm,
        "id": "default-submit",
        "class": "visually-hidden",
        "aria-hidden": "true",
        "tabindex": "-1",
    }
    assert [(b.get("id"), b.get("name")) for b in others] == [("apply-code", "check_code"), (None, None)]


def test_enter_in_a_details_field_books_with_the_code(client, consultant):
    """What a browser posts for Enter in the name field: the fields and the default button's name and
    value (if it has a name), so the booking is held at the discounted price, not quoted again."""
    CouponFactory(code="SPRING20")
    default = submit_buttons(details_page(client, consultant))[0]
    enter = {default["name"]: default["value"]} if default.get("name") else {}

    response = client.post(f"/consultants/{consultant.slug}/book/", details("SPRING20", **enter))

    booking = ConsultationBooking.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(f"/bookings/{booking.reference}/pay/")
    assert (str(booking.payment_amount), str(booking.discount_amount)) == ("80.00", "20.00")


def test_apply_shows_the_discounted_price_without_booking(client, consultant):
    CouponFactory(code="SPRING20")

    response = client.post(f"/consultants/{consultant.slug}/book/", details("spring20", check_code="1"))

    content = response.content.decode()
    assert response.status_code == 200
    assert '<strong id="discounted-price">$80.00</strong>' in content
    assert "<s>$100.00</s>" in content
    assert not ConsultationBooking.objects.exists()
    assert not CouponUsage.objects.exists()


def test_a_refused_code_is_shown_beside_the_field_in_german(client, consultant):
    CouponFactory(code="OLD", valid_until=NOW)

    response = client.post(f"/de/consultants/{consultant.slug}/book/", details("OLD", check_code="1"))
    confirm = client.post(f"/de/consultants/{consultant.slug}/book/", details("OLD"))

    assert '<span class="errorlist" id="coupon-error">Dieser Code ist abgelaufen.</span>' in response.content.decode()
    assert confirm.status_code == 422
    assert "Dieser Code ist abgelaufen." in confirm.content.decode()
    assert not ConsultationBooking.objects.exists()


def test_confirming_with_a_code_holds_the_discounted_amount_and_every_page_shows_it(
    client, consultant, django_capture_on_commit_callbacks
):
    CouponFactory(code="SPRING20")

    response = client.post(f"/consultants/{consultant.slug}/book/", details("SPRING20"))

    booking = ConsultationBooking.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(f"/bookings/{booking.reference}/pay/")
    assert (str(booking.payment_amount), str(booking.discount_amount)) == ("80.00", "20.00")
    token = manage_token(booking)
    manage = client.get(f"/bookings/{booking.reference}/?token={token}").content.decode()
    assert '<dd id="booking-discount">SPRING20: −$20.00 (list price $100.00)</dd>' in manage

    with django_capture_on_commit_callbacks(execute=True):
        booking_confirm(booking=booking, payment_intent_id="pi_x", now=NOW)

    assert ConsultationBooking.objects.get().status == BookingStatus.CONFIRMED
    assert CouponUsage.objects.get().status == UsageStatus.REDEEMED
    confirmation = next(m for m in mail.outbox if m.to == ["clara@example.com"])
    assert "Price: $100.00, discount code SPRING20: −$20.00, you pay $80.00." in confirmation.body
