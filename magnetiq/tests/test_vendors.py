"""The guard that keeps every outside service out of open database transactions, tried on each
gateway's real client against a local server that must receive nothing."""

import logging
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import transaction

from bookings import zoom_gateway
from consulting import openalex_gateway
from leads import odoo_gateway
from magnetiq.mail import outbound_email_deliver
from magnetiq.testing import ReplayServer
from magnetiq.vendors import VendorCallInTransaction, assert_no_transaction, open_transaction_aliases
from payments import paypal_gateway
from payments.stripe_gateway import get_connect_gateway, get_gateway


def _ok(request):
    return 200, b'{"results": []}', {"Content-Type": "application/json"}


@pytest.fixture
def vendors(settings):
    """Every vendor pointed at one local server that answers ``{"results": []}``; yields the server."""
    with ReplayServer(_ok) as server:
        settings.STRIPE_SECRET_KEY = "sk_test_guard"
        settings.STRIPE_API_BASE = server.url
        settings.PAYPAL_API_BASE = server.url
        settings.PAYPAL_CLIENT_ID, settings.PAYPAL_CLIENT_SECRET, settings.PAYPAL_WEBHOOK_ID = "id", "secret", "wh"
        settings.ODOO_URL, settings.ODOO_DATABASE, settings.ODOO_API_KEY = server.url, "db", "key"
        settings.ZOOM_ACCOUNT_ID, settings.ZOOM_CLIENT_ID, settings.ZOOM_CLIENT_SECRET = "acc", "cid", "sec"
        settings.ZOOM_OAUTH_URL, settings.ZOOM_API_URL = f"{server.url}/oauth", server.url
        settings.OPENALEX_BASE_URL = server.url
        yield server


START = datetime.now(UTC) + timedelta(days=3)

CALLS = {
    "Stripe retrieve": ("Stripe", lambda: get_gateway().retrieve_payment_intent("pi_1")),
    "Stripe create": (
        "Stripe",
        lambda: get_gateway().create_customer(email="a@example.com", name="A", idempotency_key="k"),
    ),
    "Stripe cancel": (
        "Stripe",
        lambda: get_gateway().cancel_payment_intent(payment_intent_id="pi_1", idempotency_key="k"),
    ),
    "Stripe transfer": (
        "Stripe",
        lambda: get_connect_gateway().create_transfer(
            amount=1, currency="EUR", destination="acct_1", idempotency_key="k"
        ),
    ),
    "PayPal": (
        "PayPal",
        lambda: paypal_gateway.verify_webhook(
            headers={name: "x" for name in paypal_gateway.HEADER_FIELDS.values()}, event={}
        ),
    ),
    "Odoo": ("Odoo", lambda: odoo_gateway.create_lead({"name": "Lead"})),
    "Zoom": ("Zoom", lambda: zoom_gateway.create_meeting(topic="T", start=START, duration_minutes=30)),
    "OpenAlex": ("OpenAlex", lambda: openalex_gateway.search_authors("Ada")),
    "SMTP": (
        "SMTP",
        # Recording an e-mail in a transaction is the point of the outbox; delivering it is the SMTP call.
        lambda: outbound_email_deliver(email_id=1),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("name", CALLS)
def test_a_vendor_call_inside_atomic_is_refused_before_anything_is_sent(vendors, name):
    vendor, call = CALLS[name]
    with transaction.atomic(), pytest.raises(VendorCallInTransaction, match=f"^{vendor} was called inside"):
        call()
    assert vendors.requests == []
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_test_case_transaction_around_a_test_does_not_count(vendors):
    # pytest-django wraps this test in Django's TestCase atomics (marked _from_testcase).
    assert open_transaction_aliases() == []
    assert_no_transaction("Stripe")
    with transaction.atomic():
        assert open_transaction_aliases() == ["default"]
        with transaction.atomic():
            assert open_transaction_aliases() == ["default"]
    assert open_transaction_aliases() == []


@pytest.mark.django_db(transaction=True)
def test_outside_a_test_case_an_atomic_block_is_seen():
    assert open_transaction_aliases() == []
    with transaction.atomic(), pytest.raises(VendorCallInTransaction):
        assert_no_transaction("Zoom")
    assert_no_transaction("Zoom")


@pytest.mark.django_db
def test_log_mode_logs_an_error_and_lets_the_call_through(vendors, settings, caplog):
    settings.VENDOR_TRANSACTION_GUARD = "log"
    with caplog.at_level(logging.ERROR, logger="magnetiq.vendors"), transaction.atomic():
        openalex_gateway.search_authors("Ada")
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "OpenAlex was called inside an open database transaction (default)"
    ]
    assert [r.path for r in vendors.requests] == ["/authors"]


@pytest.mark.django_db
def test_off_mode_checks_nothing(vendors, settings):
    settings.VENDOR_TRANSACTION_GUARD = "off"
    with transaction.atomic():
        openalex_gateway.search_authors("Ada")
    assert [r.path for r in vendors.requests] == ["/authors"]
