"""The payment page takes a discount code too: the full-price PaymentIntent made when the page opened
is canceled at Stripe (localstripe here), the code is reserved with the hold, and the page opens again
with the discounted amount and a new PaymentIntent (attempt v2); a refused code changes nothing and
is shown in the page's language. The code has a form of its own, so Enter in it applies the code and
never pays. On the real clock (the page and localstripe use it)."""

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from bookings.services import booking_create
from bookings.tokens import manage_token
from coupons.models import CouponUsage, UsageStatus
from payments.models import Payment, PaymentIntentStatus

from .factories import CouponFactory


@pytest.mark.django_db(transaction=True)
def test_a_code_entered_on_the_payment_page_replaces_the_full_price_payment(client, consultant, localstripe):
    CouponFactory(code="LATE10", discount_type="fixed_amount", discount_value=10, currency="USD")
    CouponFactory(code="OLD", valid_until=timezone.now())
    start = timezone.now().replace(hour=8, minute=0, second=0, microsecond=0) + timedelta(days=3)
    booking = book_now(consultant, start)
    page = f"/de/bookings/{booking.reference}/pay/?token={manage_token(booking)}"

    opened = client.get(page)
    assert opened.status_code == 200
    page_forms = forms(opened.content.decode())
    assert {name: page_forms[name] for name in ("coupon-form", "payment-form")} == {
        "coupon-form": {"fields": ["csrfmiddlewaretoken", "coupon_code"], "submits": ["apply-code"]},
        "payment-form": {"fields": [], "submits": ["pay-button"]},
    }
    first = Payment.objects.get()
    assert first.amount == Decimal("100.00")

    refused = client.post(page, {"coupon_code": "OLD"}, follow=True)
    assert "Dieser Code ist abgelaufen." in refused.content.decode()
    assert Payment.objects.get().status != PaymentIntentStatus.CANCELED

    applied = client.post(page, {"coupon_code": "late10"}, follow=True)

    content = applied.content.decode()
    assert '<dd id="amount">90,00\xa0$</dd>' in content
    assert '<dd id="discount">LATE10: −10,00\xa0$</dd>' in content
    first.refresh_from_db()
    assert first.status == PaymentIntentStatus.CANCELED
    second = Payment.objects.exclude(pk=first.pk).get()
    assert (second.amount, second.idempotency_key) == (Decimal("90.00"), f"booking-{booking.reference}-pi-v2")
    assert CouponUsage.objects.get().status == UsageStatus.RESERVED


def book_now(consultant, start):
    return booking_create(
        consultant=consultant,
        start=start,
        client_name="Paula Page",
        client_email="paula@example.com",
        visitor_timezone="Europe/Berlin",
    )


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.current: dict | None = None
        self.found: dict[str, dict[str, list[str]]] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.current = self.found.setdefault(attributes.get("id") or "", {"fields": [], "submits": []})
        elif self.current is not None and tag in ("input", "button"):
            if attributes.get("type") == "submit":
                self.current["submits"].append(attributes.get("id") or "")
            else:
                self.current["fields"].append(attributes.get("name") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def forms(html: str) -> dict[str, dict[str, list[str]]]:
    """Each form of ``html`` by id: the names of its fields and the ids of its submit buttons, in tree
    order (Enter in a field clicks its form's first submit button)."""
    parser = _Forms()
    parser.feed(html)
    return parser.found
