"""No database lock is held while Stripe answers: a slow PaymentIntent create does not hold up
unrelated bookings (SQLite file database, IMMEDIATE transactions, real threads)."""

import threading
from functools import partial
from urllib.parse import urlencode

import httpx
import pytest
from django.db import connections

from bookings.models import BookingStatus
from magnetiq.testing import ReplayServer, Request
from magnetiq.tests.parallel import run_together
from payments.models import Payment
from payments.services import payment_create_for_booking

from .conftest import hold, next_slot

#: How long the slow Stripe holds the PaymentIntent create at most (the test releases it sooner).
STRIPE_DELAY_SECONDS = 5
HOP_BY_HOP = {"host", "content-length", "connection", "accept-encoding", "transfer-encoding", "content-encoding"}


class SlowStripe:
    """localstripe behind a proxy that holds ``POST /v1/payment_intents`` until :attr:`release` is
    set (or :data:`STRIPE_DELAY_SECONDS` pass): :attr:`create_seen` is set when it arrives."""

    def __init__(self, upstream: str):
        self.upstream = upstream
        self.create_seen = threading.Event()
        self.release = threading.Event()

    def __call__(self, request: Request) -> tuple[int, bytes, dict[str, str]]:
        if request.method == "POST" and request.path == "/v1/payment_intents":
            self.create_seen.set()
            self.release.wait(STRIPE_DELAY_SECONDS)
            self.release.set()  # from here on Stripe has answered, whoever let it go
        query = urlencode(request.query, doseq=True)
        answer = httpx.request(
            request.method,
            f"{self.upstream}{request.path}" + (f"?{query}" if query else ""),
            headers={k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP},
            content=request.body,
            timeout=10,
        )
        headers = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
        return answer.status_code, answer.content, headers


@pytest.mark.django_db(transaction=True)
def test_bookings_go_through_while_stripe_is_slow_to_create_a_payment_intent(localstripe, consultant, settings):
    held = hold(consultant)
    slow = SlowStripe(localstripe)
    with ReplayServer(slow) as server:
        settings.STRIPE_API_BASE = server.url
        paid: list = []

        def pay():
            try:
                paid.append(payment_create_for_booking(booking=held))
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                paid.append(error)
            finally:
                connections.close_all()

        payer = threading.Thread(target=pay)
        payer.start()
        assert slow.create_seen.wait(10), "the PaymentIntent create never reached Stripe"

        def book(i: int) -> tuple[str, bool]:
            booking = hold(consultant, start=next_slot(days=4 + i // 5, hour=10 + i % 5), email=f"c{i}@example.com")
            # Recorded before Stripe is let go: did the booking finish while the create was pending?
            return booking.status, not slow.release.is_set()

        outcomes = run_together([partial(book, i) for i in range(10)], join_timeout=STRIPE_DELAY_SECONDS * 4)
        slow.release.set()
        payer.join(STRIPE_DELAY_SECONDS * 4)

    assert outcomes == [(BookingStatus.PENDING_PAYMENT, True)] * 10
    assert len(paid) == 1 and isinstance(paid[0], Payment), paid
    assert Payment.objects.get(booking=held).payment_intent_id == paid[0].payment_intent_id
    assert [r.path for r in server.requests].count("/v1/payment_intents") == 1
