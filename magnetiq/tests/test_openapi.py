"""The OpenAPI schema is valid and complete; docs are public in development, staff-only in production."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "/api/v1/health" in out.read_text()


def test_docs_render_offline(client):
    for url in ("/api/schema/", "/api/docs/", "/api/redoc/"):
        assert client.get(url).status_code == 200


@override_settings(API_DOCS_PUBLIC=False)
def test_docs_are_staff_only_in_production(client):
    assert client.get("/api/schema/").status_code in (401, 403)
    assert client.get("/api/docs/").status_code in (401, 403)
    staff = User.objects.create_user("staff@example.com", "pw", is_staff=True, role="viewer")
    client.force_login(staff)
    assert client.get("/api/schema/").status_code == 200


def test_the_webhook_receivers_are_documented_with_their_signature_headers():
    from magnetiq.api.schema import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    headers = {
        path: sorted(p["name"] for p in paths[path]["post"]["parameters"] if p["in"] == "header")
        for path in paths
        if "webhooks/" in path
    }
    assert headers == {
        "/api/v1/public/payment/webhooks/brevo": ["X-Brevo-Secret"],
        "/api/v1/public/payment/webhooks/paypal": [
            "PAYPAL-AUTH-ALGO",
            "PAYPAL-CERT-URL",
            "PAYPAL-TRANSMISSION-ID",
            "PAYPAL-TRANSMISSION-SIG",
            "PAYPAL-TRANSMISSION-TIME",
        ],
        "/api/v1/public/payment/webhooks/stripe": ["Stripe-Signature"],
        "/api/v1/webhooks/stripe": ["Stripe-Signature"],
        "/api/v1/webhooks/scoopp": ["X-Scoopp-Signature", "X-Scoopp-Timestamp"],
    }
    stripe = paths["/api/v1/webhooks/stripe"]["post"]
    assert sorted(stripe["responses"]) == ["200", "400", "503"]
    assert stripe["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"
    assert stripe["x-envelope"] is False
    assert "security" not in stripe
