"""The public coupon endpoints answer in the client's language (``Accept-Language``): every refusal
reason's message, the field errors and the amounts in them (Babel), in English and German, and the
response names its language in ``Content-Language``."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient

from bookings.tests.factories import BookingFactory
from coupons.exceptions import REFUSALS

from .conftest import NOW, book
from .factories import CouponFactory

pytestmark = pytest.mark.django_db
EMAIL = "ann@example.com"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def api(language: str) -> APIClient:
    return APIClient(REMOTE_ADDR="198.51.100.7", HTTP_ACCEPT_LANGUAGE=language)


def scenario(reason: str, consultant) -> str:
    """Data under which code ``X`` is refused for ``reason`` when ``EMAIL`` validates it for a 30-for-30
    with ``consultant`` (100.00 USD list price); the code to send."""
    if reason == "unknown":
        return "NOPE"
    fields: dict = {
        "inactive": {"is_active": False},
        "not_started": {"valid_from": NOW + timedelta(days=1)},
        "expired": {"valid_until": NOW - timedelta(days=1)},
        "exhausted": {"max_uses_total": 1, "uses_count": 1},
        "not_for_this_service": {"applicable_to": "book_a_meeting"},
        "not_for_this_consultant": {"applicable_to": "specific_consultants"},
        "first_time_only": {"applicable_to": "first_time_users"},
        "already_used_by_you": {},
        "currency_mismatch": {"discount_type": "fixed_amount", "discount_value": Decimal("10"), "currency": "EUR"},
        "minimum_not_met": {"minimum_order_value": Decimal("150.00")},
    }[reason]
    CouponFactory(code="X", **fields)
    if reason == "first_time_only":
        BookingFactory(client_email=EMAIL, payment_status="completed")
    if reason == "already_used_by_you":
        book(consultant, code="X", email=EMAIL)
    return "X"


MESSAGES = {
    "unknown": ("This code does not exist.", "Diesen Code gibt es nicht."),
    "inactive": ("This code is not active.", "Dieser Code ist nicht aktiv."),
    "not_started": ("This code is not valid yet.", "Dieser Code ist noch nicht gültig."),
    "expired": ("This code has expired.", "Dieser Code ist abgelaufen."),
    "exhausted": ("This code has been used up.", "Dieser Code ist aufgebraucht."),
    "already_used_by_you": (
        "You have already used this code as often as allowed.",
        "Sie haben diesen Code bereits so oft wie erlaubt verwendet.",
    ),
    "first_time_only": ("This code is for first-time clients only.", "Dieser Code gilt nur für Erstkunden."),
    "not_for_this_consultant": (
        "This code cannot be used with this consultant.",
        "Dieser Code gilt nicht für diesen Berater.",
    ),
    "not_for_this_service": (
        "This code cannot be used for this kind of session.",
        "Dieser Code gilt nicht für diese Art von Termin.",
    ),
    "minimum_not_met": (
        "This code needs an order of at least $150.00.",
        "Dieser Code setzt einen Bestellwert von mindestens 150,00\xa0$ voraus.",
    ),
    "currency_mismatch": (
        "This code is in EUR and cannot be used for a price in USD.",
        "Dieser Code lautet auf EUR und kann nicht für einen Preis in USD verwendet werden.",
    ),
}


def test_every_refusal_reason_has_its_messages_here():
    assert set(MESSAGES) == set(REFUSALS)


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("reason", sorted(MESSAGES))
def test_validate_answers_each_refusal_in_the_clients_language(consultant, reason, language):
    code = scenario(reason, consultant)

    response = api(language).post(
        "/api/v1/public/coupons/validate",
        {"coupon_code": code, "user_email": EMAIL, "consultant_id": consultant.pk, "service_type": "30_for_30"},
        format="json",
    )

    english, german = MESSAGES[reason]
    data = response.json()["data"]
    assert response.status_code == 200
    assert (data["valid"], data["error_code"], data["errors"]) == (
        False,
        reason,
        [german if language == "de" else english],
    )
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("reason", ["unknown", "inactive", "not_started", "expired", "exhausted"])
def test_info_refuses_in_the_clients_language(consultant, reason, language):
    code = scenario(reason, consultant)

    response = api(language).get(f"/api/v1/public/coupons/{code}/info")

    english, german = MESSAGES[reason]
    message = german if language == "de" else english
    error = response.json()["error"]
    assert (error["code"], error["message"]) == (REFUSALS[reason].code, message)
    assert error["details"] == [{"field": "coupon_code", "message": message, "code": reason}]
    assert response["Content-Language"] == language


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("reason", ["expired", "minimum_not_met"])
def test_apply_refuses_in_the_clients_language(consultant, reason, language):
    code = scenario(reason, consultant)
    held = book(consultant, 5, email="bo@example.com")

    response = api(language).post(
        "/api/v1/public/coupons/apply",
        {"coupon_code": code, "booking_reference": held.reference, "user_email": "bo@example.com"},
        format="json",
    )

    english, german = MESSAGES[reason]
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (german if language == "de" else english)


@pytest.mark.parametrize(
    ("language", "blank", "email"),
    [
        ("en", "This field may not be blank.", "Enter a valid email address."),
        ("de", "Dieses Feld darf nicht leer sein.", "Gib eine gültige E-Mail Adresse an."),
    ],
)
def test_field_errors_are_in_the_clients_language(language, blank, email):
    response = api(language).post(
        "/api/v1/public/coupons/validate", {"coupon_code": "", "user_email": "nope"}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["error"]["details"] == [
        {"field": "coupon_code", "message": blank, "code": "blank"},
        {"field": "user_email", "message": email, "code": "invalid"},
    ]


def test_a_language_the_site_does_not_offer_gets_english(consultant):
    code = scenario("expired", consultant)

    response = api("fr-FR,fr;q=0.9").get(f"/api/v1/public/coupons/{code}/info")

    assert response.json()["error"]["message"] == "This code has expired."
    assert response["Content-Language"] == "en"
