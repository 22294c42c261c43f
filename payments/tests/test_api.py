"""The payments API of spec 000 ("Payment Processing": process, validate, methods, setup-intent,
confirm) and spec 004 (consulting payment intent/confirm, subscriptions), driving the real ``stripe``
SDK against localstripe — or recorded Stripe responses where localstripe has no such call
(subscriptions with prices)."""

import logging
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.tests.factories import UserFactory
from bookings.models import BookingStatus
from bookings.tokens import manage_token
from payments.models import LedgerEntry, Payment, PaymentIntentStatus, Subscription, WebhookEvent, WebhookStatus
from payments.stripe_gateway import get_gateway

from .conftest import event_body, hold, sign

pytestmark = pytest.mark.django_db

PUBLIC = "/api/v1/public/payment/"


@pytest.fixture
def api():
    return APIClient()


def ref(booking, **extra) -> dict:
    return {"booking_reference": booking.reference, "token": manage_token(booking), **extra}


def card_token(number: str) -> str:
    return (
        get_gateway()
        .client.v1.tokens.create(
            params={"card": {"number": number, "exp_month": "12", "exp_year": "2030", "cvc": "123"}}
        )
        .id
    )


def error(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


class TestProcess:
    def test_starts_the_payment_once(self, api, localstripe, held_booking):
        first = api.post(PUBLIC + "process", ref(held_booking), format="json")
        assert first.status_code == 200
        data = first.json()["data"]
        payment = Payment.objects.get()
        assert data == {
            "payment_intent_id": payment.payment_intent_id,
            "client_secret": payment.client_secret,
            "status": "requires_payment_method",
            "amount": "100.00",
            "currency": "USD",
            "publishable_key": "pk_test_localstripe",
            "confirmation_url": data["confirmation_url"],
            "booking_status": "pending_payment",
            "booking_payment_status": "pending",
        }
        assert payment.client_secret.startswith(payment.payment_intent_id)
        assert held_booking.reference in data["confirmation_url"]
        assert first.json()["message"] == "Payment started"
        again = api.post(
            PUBLIC + "process", {"booking_id": held_booking.reference, "token": ref(held_booking)["token"]}
        )
        assert again.json()["data"]["payment_intent_id"] == payment.payment_intent_id
        assert Payment.objects.count() == 1

    def test_with_a_card_pays_and_confirms(self, api, localstripe, held_booking):
        response = api.post(PUBLIC + "process", ref(held_booking, payment_method_id="pm_card_visa"), format="json")
        assert response.status_code == 200
        data = response.json()["data"]
        assert (data["status"], data["booking_status"], data["booking_payment_status"]) == (
            "succeeded",
            "confirmed",
            "completed",
        )
        held_booking.refresh_from_db()
        assert held_booking.status == BookingStatus.CONFIRMED

    def test_a_declined_card_is_402_and_the_booking_stays_held(self, api, localstripe, held_booking):
        response = api.post(
            PUBLIC + "process", ref(held_booking, card_token=card_token("4000000000000002")), format="json"
        )
        assert error(response) == (402, "CARD_DECLINED")
        assert response.json()["error"]["details"][0]["code"] == "card_declined"
        held_booking.refresh_from_db()
        assert (held_booking.status, held_booking.payment_status) == (BookingStatus.PENDING_PAYMENT, "failed")

    def test_paypal_is_not_offered(self, api, localstripe, held_booking):
        response = api.post(PUBLIC + "process", ref(held_booking, payment_method="paypal"), format="json")
        assert error(response) == (409, "PAYMENT_METHOD_UNAVAILABLE")
        assert Payment.objects.count() == 0

    def test_wrong_token_is_404_and_creates_nothing(self, api, localstripe, held_booking):
        response = api.post(
            PUBLIC + "process", {"booking_reference": held_booking.reference, "token": "nope"}, format="json"
        )
        assert response.status_code == 404
        assert Payment.objects.count() == 0

    def test_missing_reference_is_422(self, api, localstripe):
        response = api.post(PUBLIC + "process", {"token": "x"}, format="json")
        assert error(response) == (422, "VALIDATION_ERROR")
        assert response.json()["error"]["details"][0]["field"] == "booking_reference"

    def test_a_free_booking_is_409(self, api, localstripe, consultant):
        consultant.hourly_rate = None
        consultant.save()
        booking = hold(consultant)
        assert error(api.post(PUBLIC + "process", ref(booking), format="json")) == (409, "PAYMENT_NOT_REQUIRED")


class TestValidateMethodsSetupIntent:
    def test_validate_a_held_booking(self, api, localstripe, held_booking):
        response = api.post(PUBLIC + "validate", ref(held_booking), format="json")
        assert response.status_code == 200
        data = response.json()["data"]
        assert (data["valid"], data["amount"], data["currency"], data["booking_status"]) == (
            True,
            "100.00",
            "USD",
            "pending_payment",
        )
        assert data["hold_expires_at"] is not None

    def test_validate_a_paid_booking_is_409(self, api, localstripe, held_booking):
        api.post(PUBLIC + "process", ref(held_booking, payment_method_id="pm_card_visa"), format="json")
        assert error(api.post(PUBLIC + "validate", ref(held_booking), format="json")) == (409, "PAYMENT_NOT_REQUIRED")

    def test_methods_card_only_without_paypal_credentials(self, api, localstripe, settings):
        settings.PAYPAL_CLIENT_ID = ""
        response = api.get(PUBLIC + "methods")
        assert response.status_code == 200
        assert response.json()["data"] == {
            "methods": [{"type": "card", "provider": "stripe", "label": "Credit or debit card"}],
            "publishable_key": "pk_test_localstripe",
        }

    def test_methods_with_paypal(self, api, localstripe, settings):
        settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET, settings.PAYPAL_WEBHOOK_ID = "id", "secret", "wh"
        types = [m["type"] for m in api.get(PUBLIC + "methods").json()["data"]["methods"]]
        assert types == ["card", "paypal"]

    def test_setup_intent_for_the_bookings_customer(self, api, localstripe, held_booking):
        api.post(PUBLIC + "process", ref(held_booking), format="json")
        response = api.post(PUBLIC + "setup-intent", ref(held_booking), format="json")
        assert response.status_code == 200
        data = response.json()["data"]
        assert data["setup_intent_id"].startswith("seti_")
        assert data["client_secret"].startswith(data["setup_intent_id"])
        assert data["publishable_key"] == "pk_test_localstripe"
        seti = get_gateway().client.v1.setup_intents.retrieve(data["setup_intent_id"])
        assert seti.customer == Payment.objects.get().customer_id

    def test_setup_intent_wrong_token_404(self, api, localstripe, held_booking):
        body = {"booking_reference": held_booking.reference, "token": "x"}
        assert api.post(PUBLIC + "setup-intent", body, format="json").status_code == 404


class TestConfirm:
    def test_before_paying_is_409_and_nothing_happens(self, api, localstripe, held_booking):
        api.post(PUBLIC + "process", ref(held_booking), format="json")
        assert error(api.post(PUBLIC + "confirm", ref(held_booking), format="json")) == (409, "PAYMENT_NOT_COMPLETED")
        held_booking.refresh_from_db()
        assert held_booking.status == BookingStatus.PENDING_PAYMENT
        assert LedgerEntry.objects.count() == 0

    def test_not_started_is_409(self, api, localstripe, held_booking):
        assert error(api.post(PUBLIC + "confirm", ref(held_booking), format="json")) == (409, "PAYMENT_NOT_STARTED")

    def test_another_payment_intent_is_409(self, api, localstripe, held_booking):
        api.post(PUBLIC + "process", ref(held_booking), format="json")
        response = api.post(PUBLIC + "confirm", ref(held_booking, payment_intent_id="pi_someone_else"), format="json")
        assert error(response) == (409, "PAYMENT_MISMATCH")

    def test_paid_through_stripe_js_confirms(self, api, localstripe, held_booking):
        pi = api.post(PUBLIC + "process", ref(held_booking), format="json").json()["data"]["payment_intent_id"]
        client = get_gateway().client
        client.v1.payment_intents.update(pi, params={"payment_method": "pm_card_visa"})
        client.v1.payment_intents.confirm(pi)
        response = api.post(PUBLIC + "confirm", ref(held_booking, payment_intent_id=pi), format="json")
        assert response.status_code == 200
        assert response.json()["message"] == "Payment confirmed"
        assert (response.json()["data"]["status"], response.json()["data"]["booking_status"]) == (
            "succeeded",
            "confirmed",
        )

    def test_with_a_card_confirms(self, api, localstripe, held_booking):
        api.post(PUBLIC + "process", ref(held_booking), format="json")
        response = api.post(PUBLIC + "confirm", ref(held_booking, payment_method_id="pm_card_visa"), format="json")
        assert response.json()["data"]["booking_status"] == "confirmed"


class TestAmountMismatch:
    """RELIABILITY S-5: Stripe's PaymentIntent says another amount or currency than the booking."""

    def _pay_then_tamper(self, api, held_booking, **changes):
        pi = api.post(PUBLIC + "process", ref(held_booking), format="json").json()["data"]["payment_intent_id"]
        client = get_gateway().client
        client.v1.payment_intents.update(pi, params={"payment_method": "pm_card_visa"})
        client.v1.payment_intents.confirm(pi)
        client.v1.payment_intents.update(pi, params=changes)
        return pi

    def assert_flagged_not_confirmed(self, held_booking, caplog, expected: str):
        held_booking.refresh_from_db()
        assert (held_booking.status, held_booking.payment_status) == (BookingStatus.PENDING_PAYMENT, "pending")
        payment = Payment.objects.get()
        assert payment.status == PaymentIntentStatus.REQUIRES_PAYMENT_METHOD
        assert payment.flagged_reason == expected
        assert LedgerEntry.objects.count() == 0
        alerts = [r for r in caplog.records if r.name == "payments.alerts"]
        assert [r.levelno for r in alerts] == [logging.ERROR]
        assert f"{payment.payment_intent_id} mismatch: {expected}" in alerts[0].getMessage()

    def test_other_amount_via_confirm(self, api, localstripe, held_booking, caplog):
        self._pay_then_tamper(api, held_booking, amount=5000)
        response = api.post(PUBLIC + "confirm", ref(held_booking), format="json")
        assert error(response) == (409, "PAYMENT_MISMATCH")
        self.assert_flagged_not_confirmed(held_booking, caplog, "Stripe has 50.00 USD, we expect 100.00 USD")

    def test_other_currency_via_webhook(
        self, client, localstripe, held_booking, caplog, django_capture_on_commit_callbacks
    ):
        pi = self._pay_then_tamper(APIClient(), held_booking, currency="eur")
        body = event_body("evt_m", "payment_intent.succeeded", {"id": pi, "object": "payment_intent"})
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/webhooks/stripe", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body)
            )
        assert response.status_code == 200
        assert WebhookEvent.objects.get().status == WebhookStatus.PROCESSED
        self.assert_flagged_not_confirmed(held_booking, caplog, "Stripe has 100.00 EUR, we expect 100.00 USD")


CONSULTING = "/api/v1/consulting/"


@pytest.fixture
def user(db):
    return UserFactory(role=Role.CLIENT, email="sam@example.com")


@pytest.fixture
def session(consultant, user):
    return hold(consultant, email=user.email, client_user=user)


@pytest.fixture
def auth(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


class TestConsultingIntent:
    @pytest.mark.parametrize("path", ["payments/intent", "payment/intent"])
    def test_creates_the_sessions_payment_intent(self, auth, localstripe, session, path):
        response = auth.post(CONSULTING + path, {"type": "session", "session_id": session.reference}, format="json")
        assert response.status_code == 200
        payment = Payment.objects.get()
        assert response.json()["data"] == {
            "client_secret": payment.client_secret,
            "amount": 100.0,
            "type": "session",
            "payment_intent_id": payment.payment_intent_id,
        }
        assert payment.booking_id == session.pk

    def test_missing_session_id_is_a_422_validation_error(self, auth, localstripe):
        response = auth.post(CONSULTING + "payments/intent", {"type": "session"}, format="json")
        assert error(response) == (422, "VALIDATION_ERROR")
        assert response.json()["error"]["details"] == [
            {"field": "session_id", "message": "This field is required for a session payment.", "code": "invalid"}
        ]
        assert Payment.objects.count() == 0

    def test_someone_elses_session_is_404(self, localstripe, session):
        other = APIClient()
        other.force_authenticate(UserFactory(role=Role.CLIENT, email="eve@example.com"))
        response = other.post(CONSULTING + "payments/intent", {"session_id": session.reference}, format="json")
        assert response.status_code == 404
        assert Payment.objects.count() == 0

    def test_anonymous_is_401(self, api, localstripe, session):
        assert api.post(CONSULTING + "payments/intent", {"session_id": session.reference}).status_code == 401


class TestConsultingConfirm:
    def test_unpaid_409_then_paid_200(self, auth, localstripe, session):
        pi = auth.post(CONSULTING + "payment/intent", {"session_id": session.reference}, format="json").json()["data"][
            "payment_intent_id"
        ]
        body = {"session_id": session.reference, "payment_intent_id": pi}
        assert error(auth.post(CONSULTING + "payment/confirm", body, format="json")) == (409, "PAYMENT_NOT_COMPLETED")
        client = get_gateway().client
        client.v1.payment_intents.update(pi, params={"payment_method": "pm_card_visa"})
        client.v1.payment_intents.confirm(pi)
        response = auth.post(CONSULTING + "payment/confirm", body, format="json")
        assert response.status_code == 200
        assert (response.json()["data"]["status"], response.json()["data"]["booking_status"]) == (
            "succeeded",
            "confirmed",
        )

    def test_a_payment_intent_of_another_session_is_409(self, auth, localstripe, session):
        body = {"session_id": session.reference, "payment_intent_id": "pi_other"}
        assert error(auth.post(CONSULTING + "payment/confirm", body, format="json")) == (409, "PAYMENT_MISMATCH")

    def test_missing_fields_422(self, auth, localstripe):
        assert error(auth.post(CONSULTING + "payment/confirm", {}, format="json")) == (422, "VALIDATION_ERROR")


class TestSubscriptions:
    """localstripe has plans but no prices and refuses ``payment_behavior=default_incomplete``:
    recorded Stripe responses instead."""

    @pytest.fixture
    def stripe(self, recorded_stripe, settings):
        settings.STRIPE_SUBSCRIPTION_PRICE_ID = "price_1QRecordedMonthly"
        recorded_stripe.route("POST", "/v1/customers", "customer.json")
        recorded_stripe.route("POST", "/v1/subscriptions", "subscription_incomplete.json")
        return recorded_stripe

    def test_creates_a_stripe_subscription_once(self, auth, stripe, user):
        response = auth.post(CONSULTING + "subscriptions")
        assert response.status_code == 201
        assert response.json()["message"] == "Subscription created successfully"
        data = response.json()["data"]
        assert (data["id"], data["user_id"], data["status"], data["end_date"]) == (
            "sub_1QRecordedSub01",
            user.pk,
            "incomplete",
            None,
        )
        assert data["start_date"] == "2026-11-18T11:06:40Z"
        assert data["current_period_end"] == "2026-12-18T11:06:40Z"
        customer, subscription = stripe.requests
        assert (customer.method, customer.path) == ("POST", "/v1/customers")
        assert customer.headers["idempotency-key"] == f"user-{user.pk}-customer"
        assert customer.form["email"] == ["sam@example.com"]
        assert subscription.headers["idempotency-key"] == f"user-{user.pk}-sub-price_1QRecordedMonthly"
        assert subscription.form == {
            "customer": ["cus_QRecordedSub01"],
            "items[0][price]": ["price_1QRecordedMonthly"],
            "payment_behavior": ["default_incomplete"],
        }
        stored = Subscription.objects.get()
        assert (stored.customer_id, stored.price_id, stored.customer_email) == (
            "cus_QRecordedSub01",
            "price_1QRecordedMonthly",
            "sam@example.com",
        )
        # Again: the same subscription, no new call to Stripe.
        assert auth.post(CONSULTING + "subscriptions").json()["data"]["id"] == "sub_1QRecordedSub01"
        assert len(stripe.requests) == 2

    def test_through_the_intent_endpoint(self, auth, stripe):
        response = auth.post(CONSULTING + "payments/intent", {"type": "subscription"}, format="json")
        assert response.status_code == 200
        assert response.json()["data"] == {
            "client_secret": "",
            "amount": None,
            "type": "subscription",
            "subscription_id": "sub_1QRecordedSub01",
        }

    def test_intent_output_schema_documents_the_subscription_shape(self, auth):
        """The schema said payment_intent_id was required and amount a number: the subscription
        answer (``amount`` null, no ``payment_intent_id``) broke it."""
        output = auth.get("/api/schema/", {"format": "json"}).json()["components"]["schemas"]["ConsultingIntentOutput"]
        assert sorted(output["required"]) == ["amount", "client_secret", "type"]
        assert output["properties"]["amount"]["nullable"] is True
        assert set(output["properties"]) == {"client_secret", "amount", "type", "payment_intent_id", "subscription_id"}

    def test_subscription_webhook_updates_it(self, auth, stripe, client, django_capture_on_commit_callbacks):
        auth.post(CONSULTING + "subscriptions")
        stripe.route("GET", "/v1/subscriptions/sub_1QRecordedSub01", "subscription_active.json")
        body = event_body(
            "evt_sub", "customer.subscription.updated", {"id": "sub_1QRecordedSub01", "status": "canceled"}
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                "/api/v1/webhooks/stripe", data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(body)
            )
        assert response.status_code == 200
        assert Subscription.objects.get().status == "active"

    def test_no_price_configured_is_503(self, auth, stripe, settings):
        settings.STRIPE_SUBSCRIPTION_PRICE_ID = ""
        assert error(auth.post(CONSULTING + "subscriptions")) == (503, "PAYMENT_NOT_CONFIGURED")
        assert stripe.requests == []

    def test_stripe_refusing_the_price_is_400_and_stores_nothing(self, auth, stripe):
        stripe.route(
            "POST",
            "/v1/subscriptions",
            b'{"error": {"type": "invalid_request_error", "code": "resource_missing", "param": "items[0][price]",'
            b' "message": "No such price: \'price_1QRecordedMonthly\'"}}',
            status=400,
        )
        assert error(auth.post(CONSULTING + "subscriptions")) == (400, "PAYMENT_ERROR")
        assert Subscription.objects.count() == 0

    def test_anonymous_is_401(self, api, stripe):
        assert api.post(CONSULTING + "subscriptions").status_code == 401


def test_amount_is_decimal_in_the_db(localstripe, held_booking):
    """Guard for the assertions above: the booking costs 100.00 USD (200/h × 30 min)."""
    assert (held_booking.payment_amount, held_booking.payment_currency) == (Decimal("100.00"), "USD")
