"""Stripe webhooks with genuinely signed payloads (RELIABILITY S-1…S-4, S-6, S-10, S-11)."""

import time
from decimal import Decimal
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from bookings.models import BookingStatus
from magnetiq.tests.parallel import run_together
from payments.models import LedgerEntry, Payment, PaymentIntentStatus, Refund, WebhookEvent, WebhookStatus
from payments.services import payment_create_for_booking
from payments.stripe_gateway import get_gateway

from .conftest import event_body, hold, sign

URL = "/api/v1/public/payment/webhooks/stripe"


def post(client, body: bytes, header: str | None, url: str = URL):
    headers = {"HTTP_STRIPE_SIGNATURE": header} if header is not None else {}
    return client.post(url, data=body, content_type="application/json", **headers)


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """POST like Stripe; the inbox's after-commit task runs as it would after a real commit."""

    def _deliver(body: bytes, header: str | None, url: str = URL, client=client):
        with django_capture_on_commit_callbacks(execute=True):
            return post(client, body, header, url)

    return _deliver


def pay_at_stripe(payment: Payment) -> None:
    """The client pays through Stripe.js: the PaymentIntent succeeds at Stripe only."""
    client = get_gateway().client
    client.v1.payment_intents.update(payment.payment_intent_id, params={"payment_method": "pm_card_visa"})
    client.v1.payment_intents.confirm(payment.payment_intent_id)


@pytest.fixture
def paid_at_stripe(localstripe, held_booking):
    payment = payment_create_for_booking(booking=held_booking)
    pay_at_stripe(payment)
    return payment


def succeeded_body(payment, event_id="evt_1", **kw) -> bytes:
    return event_body(
        event_id, "payment_intent.succeeded", {"id": payment.payment_intent_id, "object": "payment_intent"}, **kw
    )


@pytest.mark.django_db
class TestSignature:
    def test_valid_signature_applies_the_event(self, deliver, paid_at_stripe, held_booking):
        body = succeeded_body(paid_at_stripe)
        response = deliver(body, sign(body))
        assert response.status_code == 200
        assert response.json() == {
            "status": "success",
            "message": "Processed payment_intent.succeeded event",
            "event_id": "evt_1",
        }
        held_booking.refresh_from_db()
        assert held_booking.status == BookingStatus.CONFIRMED
        assert WebhookEvent.objects.get().status == WebhookStatus.PROCESSED

    def test_the_spec_004_path_works_too(self, deliver, paid_at_stripe, held_booking):
        body = succeeded_body(paid_at_stripe)
        assert deliver(body, sign(body), url="/api/v1/webhooks/stripe").status_code == 200
        held_booking.refresh_from_db()
        assert held_booking.status == BookingStatus.CONFIRMED

    @pytest.mark.parametrize(
        "case",
        ["wrong_secret", "body_changed", "301s_old", "10min_old", "missing", "garbage"],
    )
    def test_refused_with_400_and_no_side_effect(self, deliver, paid_at_stripe, held_booking, case):
        body = succeeded_body(paid_at_stripe)
        now = int(time.time())
        header = {
            "wrong_secret": sign(body, secret="whsec_other"),
            "body_changed": sign(body),
            "301s_old": sign(body, timestamp=now - 301),
            "10min_old": sign(body, timestamp=now - 600),
            "missing": None,
            "garbage": "t=abc,v1=zzz",
        }[case]
        sent = body.replace(b'"livemode": false', b'"livemode": falsE') if case == "body_changed" else body
        assert len(sent) == len(body)
        response = deliver(sent, header)
        assert response.status_code == 400
        assert response.json()["status"] == "error"
        assert WebhookEvent.objects.count() == 0
        held_booking.refresh_from_db()
        assert held_booking.status == BookingStatus.PENDING_PAYMENT

    def test_299_seconds_old_is_accepted(self, deliver, paid_at_stripe):
        body = succeeded_body(paid_at_stripe)
        assert deliver(body, sign(body, timestamp=int(time.time()) - 299)).status_code == 200

    def test_two_v1_values_one_valid(self, deliver, paid_at_stripe):
        body = succeeded_body(paid_at_stripe)
        good = sign(body)
        t, v1 = good.split(",")
        assert deliver(body, f"{t},v1={'0' * 64},{v1}").status_code == 200
        assert WebhookEvent.objects.count() == 1

    def test_no_csrf_token_needed(self, deliver, paid_at_stripe):
        body = succeeded_body(paid_at_stripe)
        assert deliver(body, sign(body), client=Client(enforce_csrf_checks=True)).status_code == 200


@pytest.mark.django_db
class TestIdempotence:
    def test_same_event_three_times_has_one_effect(self, deliver, paid_at_stripe, held_booking):
        body = succeeded_body(paid_at_stripe)
        answers = [deliver(body, sign(body)) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert [a.json()["message"] for a in answers[1:]] == ["Duplicate payment_intent.succeeded event ignored."] * 2
        assert WebhookEvent.objects.count() == 1
        assert LedgerEntry.objects.filter(kind="payment").count() == 1
        held_booking.refresh_from_db()
        assert held_booking.status == BookingStatus.CONFIRMED
        assert held_booking.changes.filter(kind="confirmed").count() == 1

    def test_events_in_reverse_order_end_in_stripes_state(self, deliver, paid_at_stripe, held_booking):
        pi = {"id": paid_at_stripe.payment_intent_id, "object": "payment_intent"}
        bodies = [
            event_body("evt_c", "payment_intent.succeeded", pi, created=300),
            event_body("evt_b", "payment_intent.processing", pi, created=200),
            event_body("evt_a", "payment_intent.payment_failed", pi, created=100),
        ]
        for body in bodies:
            assert deliver(body, sign(body)).status_code == 200
        payment = Payment.objects.get()
        assert payment.status == PaymentIntentStatus.SUCCEEDED
        held_booking.refresh_from_db()
        assert held_booking.status == BookingStatus.CONFIRMED
        assert held_booking.payment_status == "completed"
        assert LedgerEntry.objects.filter(kind="payment").count() == 1

    def test_charge_refunded_before_succeeded(self, deliver, paid_at_stripe, held_booking):
        refund = get_gateway().client.v1.refunds.create(
            params={"payment_intent": paid_at_stripe.payment_intent_id, "amount": 4000}
        )
        charge_id = get_gateway().retrieve_payment_intent(paid_at_stripe.payment_intent_id).charge_id
        refunded = event_body(
            "evt_r",
            "charge.refunded",
            {"id": charge_id, "object": "charge", "payment_intent": paid_at_stripe.payment_intent_id},
        )
        assert deliver(refunded, sign(refunded)).status_code == 200
        succeeded = succeeded_body(paid_at_stripe, event_id="evt_s")
        assert deliver(succeeded, sign(succeeded)).status_code == 200
        payment = Payment.objects.get()
        assert (payment.status, payment.amount_refunded) == (PaymentIntentStatus.SUCCEEDED, Decimal("40.00"))
        assert Refund.objects.get().refund_id == refund.id
        assert sorted(LedgerEntry.objects.values_list("kind", "amount")) == [
            ("fee", Decimal("0.00")),
            ("payment", Decimal("100.00")),
            ("refund", Decimal("-40.00")),
        ]

    def test_unknown_type_is_200_and_ignored(self, deliver, paid_at_stripe, held_booking):
        body = event_body("evt_x", "invoice.finalized", {"id": "in_1", "object": "invoice"})
        response = deliver(body, sign(body))
        assert response.status_code == 200
        assert WebhookEvent.objects.get().status == WebhookStatus.IGNORED
        held_booking.refresh_from_db()
        assert held_booking.status == BookingStatus.PENDING_PAYMENT
        assert LedgerEntry.objects.count() == 0

    def test_a_lock_timeout_in_the_handler_leaves_nothing_and_the_redelivery_applies_once(
        self, deliver, paid_at_stripe, held_booking
    ):
        """The task runs after the answer (as with a worker): the failure is recorded on the event,
        with no partial change, and Stripe's redelivery of the same event id processes it again."""
        body = succeeded_body(paid_at_stripe)
        with mock.patch(
            "payments.services.webhooks.payment_refresh", side_effect=OperationalError("database is locked")
        ):
            assert deliver(body, sign(body)).status_code == 200
        event = WebhookEvent.objects.get()
        assert (event.status, event.attempts) == (WebhookStatus.FAILED, 1)
        assert event.error == "OperationalError: database is locked"
        held_booking.refresh_from_db()
        assert held_booking.status == BookingStatus.PENDING_PAYMENT
        assert LedgerEntry.objects.count() == 0

        assert deliver(body, sign(body)).status_code == 200
        event.refresh_from_db()
        assert (event.status, event.attempts) == (WebhookStatus.PROCESSED, 2)
        held_booking.refresh_from_db()
        assert held_booking.status == BookingStatus.CONFIRMED
        assert LedgerEntry.objects.filter(kind="payment").count() == 1

    def test_storing_on_a_locked_database_answers_503(self, deliver, paid_at_stripe):
        body = succeeded_body(paid_at_stripe)
        with mock.patch("payments.views.webhook_receive", side_effect=OperationalError("database is locked")):
            assert deliver(body, sign(body)).status_code == 503
        assert WebhookEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_racing_deliveries_apply_once(localstripe, consultant):
    booking = hold(consultant)
    payment = payment_create_for_booking(booking=booking)
    pay_at_stripe(payment)
    body = succeeded_body(payment)
    codes = run_together([lambda: post(Client(), body, sign(body)).status_code] * 4)
    assert codes == [200, 200, 200, 200]
    assert WebhookEvent.objects.count() == 1
    assert LedgerEntry.objects.filter(kind="payment").count() == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.changes.filter(kind="confirmed").count() == 1


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_pay_clicks_share_one_key_and_one_intent(localstripe, consultant):
    booking = hold(consultant)
    gateway_cls = type(get_gateway())
    original = gateway_cls.create_payment_intent
    keys = []

    def spy(self, **kwargs):
        keys.append(kwargs["idempotency_key"])
        return original(self, **kwargs)

    with mock.patch.object(gateway_cls, "create_payment_intent", spy):
        results = run_together([lambda: payment_create_for_booking(booking=booking).payment_intent_id] * 10)
    assert [type(result) for result in results] == [str] * 10, results
    assert len(set(results)) == 1
    assert set(keys) == {f"booking-{booking.reference}-pi-v1"}
    assert Payment.objects.count() == 1


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_only_the_webhooks_are_csrf_exempt():
    """DRF's APIView.as_view() marks every API view csrf-exempt by design (DRF enforces CSRF itself
    for session auth); they are left out. Among the other views only the webhooks are exempt, and the
    API's catch-all JSON 404, which changes nothing and answers every method alike."""
    exempt = sorted(
        {
            f"{callback.__module__}.{callback.__name__}"
            for _, callback in _walk(get_resolver().url_patterns)
            if getattr(callback, "csrf_exempt", False) and not hasattr(callback, "cls")
        }
    )
    assert exempt == [
        # RFC 8058 one-click unsubscribe: a mail client POSTs without cookies or a CSRF token.
        "communications.views.one_click_unsubscribe",
        "magnetiq.api.handlers.handler404",
        "payments.views.brevo_webhook",
        "payments.views.paypal_webhook",
        "payments.views.stripe_webhook",
    ]
