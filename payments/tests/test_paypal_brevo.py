"""PayPal (verified through PayPal's verify-webhook-signature API, recorded responses served on
127.0.0.1) and Brevo (shared secret) notifications: verified → stored once; refused → nothing stored."""

import base64
import json
from unittest import mock

import pytest

from payments.models import WebhookEvent, WebhookStatus

from .conftest import _free_port_for_tests

pytestmark = pytest.mark.django_db

PAYPAL = "/api/v1/public/payment/webhooks/paypal"
BREVO = "/api/v1/public/payment/webhooks/brevo"

#: Recorded from PayPal's sandbox (values shortened).
TOKEN = {
    "scope": "https://uri.paypal.com/services/payments/refund https://uri.paypal.com/services/applications/webhooks",
    "access_token": "A21AAFEpH4PsADK7qSS7pSRsgzfENtu-Q1ysgEDVDESseMHBYXVJYE8ovjj68elIDy8nF26AwPhfXTIeWAZHSLIsQkSYz9ifg",
    "token_type": "Bearer",
    "app_id": "APP-80W284485P519543T",
    "expires_in": 31668,
    "nonce": "2020-04-03T15:35:36ZaYZlGvEkV4yVSz8g6bAKFoGSEzuy3CQcz3ljhibkOHg",
}
EVENT = {
    "id": "WH-58D329510W468432D-8HN650336L201105X",
    "create_time": "2026-11-20T21:41:28.032Z",
    "resource_type": "capture",
    "event_type": "PAYMENT.CAPTURE.COMPLETED",
    "summary": "Payment completed for $ 100.0 USD",
    "resource": {
        "id": "42311647XV020574X",
        "status": "COMPLETED",
        "amount": {"currency_code": "USD", "value": "100.00"},
    },
    "event_version": "1.0",
    "resource_version": "2.0",
}
HEADERS = {
    "HTTP_PAYPAL_AUTH_ALGO": "SHA256withRSA",
    "HTTP_PAYPAL_CERT_URL": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270",
    "HTTP_PAYPAL_TRANSMISSION_ID": "dfb3be50-fd74-11ea-8aed-3b7e3e3e3e3e",
    "HTTP_PAYPAL_TRANSMISSION_SIG": "thoB4Jj0oEc1lJ6t8sOpS1DhyOd7v9U3tkwG1M9...==",
    "HTTP_PAYPAL_TRANSMISSION_TIME": "2026-11-20T21:41:31Z",
}


@pytest.fixture
def paypal(recorded_paypal):
    recorded_paypal.route("POST", "/v1/oauth2/token", TOKEN)
    recorded_paypal.route("POST", "/v1/notifications/verify-webhook-signature", {"verification_status": "SUCCESS"})
    return recorded_paypal


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    def _deliver(url, body, **headers):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data=data, content_type="application/json", **headers)

    return _deliver


class TestPayPal:
    def test_verified_is_stored_once(self, paypal, deliver):
        response = deliver(PAYPAL, EVENT, **HEADERS)
        assert response.status_code == 200
        assert response.json() == {
            "status": "success",
            "message": "Processed PAYMENT.CAPTURE.COMPLETED event",
            "event_id": EVENT["id"],
        }
        event = WebhookEvent.objects.get()
        assert (event.provider, event.event_id, event.type, event.object_id, event.payload) == (
            "paypal",
            EVENT["id"],
            "PAYMENT.CAPTURE.COMPLETED",
            "42311647XV020574X",
            EVENT,
        )
        # Recorded, no handler applies PayPal events (bookings are paid through Stripe).
        assert event.status == WebhookStatus.IGNORED

        token, verify = paypal.requests
        assert (token.method, token.path, token.body) == ("POST", "/v1/oauth2/token", b"grant_type=client_credentials")
        assert token.headers["authorization"] == "Basic " + base64.b64encode(b"AcPaypalClientId:EPaypalSecret").decode()
        assert verify.path == "/v1/notifications/verify-webhook-signature"
        assert verify.headers["authorization"] == f"Bearer {TOKEN['access_token']}"
        assert json.loads(verify.body) == {
            "auth_algo": "SHA256withRSA",
            "cert_url": HEADERS["HTTP_PAYPAL_CERT_URL"],
            "transmission_id": HEADERS["HTTP_PAYPAL_TRANSMISSION_ID"],
            "transmission_sig": HEADERS["HTTP_PAYPAL_TRANSMISSION_SIG"],
            "transmission_time": HEADERS["HTTP_PAYPAL_TRANSMISSION_TIME"],
            "webhook_id": "8PT597110X687430LKGECATA",
            "webhook_event": EVENT,
        }

    def test_duplicate_id_is_200_and_nothing_new(self, paypal, deliver):
        deliver(PAYPAL, EVENT, **HEADERS)
        stored = WebhookEvent.objects.get()
        response = deliver(PAYPAL, {**EVENT, "summary": "changed"}, **HEADERS)
        assert response.status_code == 200
        assert response.json()["message"] == "Duplicate PAYMENT.CAPTURE.COMPLETED event ignored."
        assert list(WebhookEvent.objects.values_list("pk", "payload")) == [(stored.pk, EVENT)]

    def test_failure_verdict_is_400_and_nothing_stored(self, paypal, deliver):
        paypal.route("POST", "/v1/notifications/verify-webhook-signature", {"verification_status": "FAILURE"})
        response = deliver(PAYPAL, EVENT, **HEADERS)
        assert response.status_code == 400
        assert response.json() == {"status": "error", "message": "PayPal could not verify the notification."}
        assert WebhookEvent.objects.count() == 0

    def test_missing_transmission_headers_is_400_without_asking_paypal(self, paypal, deliver):
        headers = {k: v for k, v in HEADERS.items() if k != "HTTP_PAYPAL_TRANSMISSION_SIG"}
        assert deliver(PAYPAL, EVENT, **headers).status_code == 400
        assert paypal.requests == []
        assert WebhookEvent.objects.count() == 0

    @pytest.mark.parametrize("body", [b"not json", b"[]", b'{"event_type": "X"}'])
    def test_not_an_event_is_400(self, paypal, deliver, body):
        assert deliver(PAYPAL, body, **HEADERS).status_code == 400
        assert WebhookEvent.objects.count() == 0

    def test_paypal_unreachable_is_503_so_paypal_retries(self, paypal, deliver, settings):
        settings.PAYPAL_API_BASE = f"http://127.0.0.1:{_free_port_for_tests()}"
        response = deliver(PAYPAL, EVENT, **HEADERS)
        assert response.status_code == 503
        assert response.json()["status"] == "error"
        assert WebhookEvent.objects.count() == 0

    def test_paypal_5xx_is_503(self, paypal, deliver):
        paypal.route("POST", "/v1/notifications/verify-webhook-signature", {"name": "INTERNAL_SERVICE_ERROR"}, 500)
        assert deliver(PAYPAL, EVENT, **HEADERS).status_code == 503
        assert WebhookEvent.objects.count() == 0

    def test_our_credentials_refused_is_503_not_a_lost_event(self, paypal, deliver):
        paypal.route("POST", "/v1/oauth2/token", {"error": "invalid_client"}, 401)
        response = deliver(PAYPAL, EVENT, **HEADERS)
        assert response.status_code == 503
        assert response.json()["message"] == "PayPal refused our API credentials."
        assert WebhookEvent.objects.count() == 0

    def test_not_configured_is_503(self, paypal, deliver, settings):
        settings.PAYPAL_WEBHOOK_ID = ""
        assert deliver(PAYPAL, EVENT, **HEADERS).status_code == 503
        assert paypal.requests == []


class TestBrevo:
    SECRET = "brevo-shared-secret-8f2c"
    EVENT = {"event": "delivered", "email": "lead@example.com", "id": 412345, "message-id": "<2026112017.1@smtp>"}

    @pytest.fixture(autouse=True)
    def secret(self, settings):
        settings.BREVO_WEBHOOK_SECRET = self.SECRET

    def test_right_secret_in_the_header_is_stored(self, deliver):
        response = deliver(BREVO, self.EVENT, HTTP_X_BREVO_SECRET=self.SECRET)
        assert response.status_code == 200
        event = WebhookEvent.objects.get()
        assert (event.provider, event.event_id, event.type, event.object_id) == (
            "brevo",
            "412345:delivered",
            "delivered",
            "<2026112017.1@smtp>",
        )
        again = deliver(BREVO, self.EVENT, HTTP_X_BREVO_SECRET=self.SECRET)
        assert (again.status_code, again.json()["message"]) == (200, "Duplicate delivered event ignored.")
        assert WebhookEvent.objects.count() == 1

    def test_right_secret_in_the_query_is_stored(self, deliver):
        assert deliver(f"{BREVO}?secret={self.SECRET}", self.EVENT).status_code == 200
        assert WebhookEvent.objects.count() == 1

    @pytest.mark.parametrize(
        "headers",
        [{}, {"HTTP_X_BREVO_SECRET": "wrong"}, {"HTTP_X_BREVO_SECRET": SECRET[:-1]}, {"HTTP_X_BREVO_SECRET": ""}],
        ids=["missing", "wrong", "prefix", "empty"],
    )
    def test_wrong_or_missing_secret_is_400_and_nothing_stored(self, deliver, headers):
        response = deliver(BREVO, self.EVENT, **headers)
        assert response.status_code == 400
        assert response.json() == {"status": "error", "message": "The webhook secret is missing or wrong."}
        assert WebhookEvent.objects.count() == 0

    def test_no_secret_configured_refuses_everything(self, deliver, settings):
        settings.BREVO_WEBHOOK_SECRET = ""
        assert deliver(BREVO, self.EVENT, HTTP_X_BREVO_SECRET="").status_code == 400
        assert WebhookEvent.objects.count() == 0

    def test_the_secret_is_compared_in_constant_time(self, deliver):
        with mock.patch("payments.views.constant_time_compare", return_value=False) as compare:
            assert deliver(BREVO, self.EVENT, HTTP_X_BREVO_SECRET=self.SECRET).status_code == 400
        compare.assert_called_once_with(self.SECRET, self.SECRET)

    def test_a_body_that_is_not_an_object_is_400(self, deliver):
        assert deliver(BREVO, b"[1, 2]", HTTP_X_BREVO_SECRET=self.SECRET).status_code == 400
        assert WebhookEvent.objects.count() == 0
