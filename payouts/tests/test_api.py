"""The staff API: permissions per endpoint (403, never 500), shapes, manual payout limits."""

from datetime import UTC, datetime

import pytest
import time_machine

from consultants.tests.factories import ConsultantFactory
from payouts.models import ConsultantPayout
from payouts.tests.factories import paid_session

pytestmark = pytest.mark.django_db

ACCOUNT = "acct_1Q8xKz2eZvKYlo2C"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime(2026, 12, 2, 8, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def anna():
    return ConsultantFactory(first_name="Anna", stripe_account_id="", email="anna@example.com")


def url(consultant, action):
    return f"/api/v1/admin/consultants/{consultant.pk}/{action}"


@pytest.mark.parametrize(
    ("method", "action"),
    [
        ("post", "payment-setup"),
        ("get", "payment-status"),
        ("put", "kyc-verification"),
        ("get", "payouts"),
        ("post", "payouts"),
        ("get", "earnings"),
    ],
)
def test_without_permissions_403_and_without_token_401(api_client, no_perms, anna, method, action):
    assert getattr(api_client, method)(url(anna, action), {}, format="json").status_code == 401
    api_client.force_authenticate(no_perms)
    response = getattr(api_client, method)(url(anna, action), {}, format="json")
    assert response.status_code == 403
    assert response.json()["success"] is False


def test_consultant_manager_sees_setup_status_only(api_client, consultant_manager, anna):
    api_client.force_authenticate(consultant_manager)
    response = api_client.get(url(anna, "payment-status"))
    assert response.status_code == 200
    assert response.json()["data"] == {
        "consultant_id": anna.pk,
        "payment_setup_status": "not_started",
        "kyc_status": "not_submitted",
        "stripe_account_id": "",
        "bank_account_verified": False,
        "charges_enabled": None,
        "payouts_enabled": None,
        "details_submitted": None,
        "requirements": None,
        "can_receive_payouts": False,
        "blocked_reason": "no Stripe account connected",
    }
    assert api_client.get(url(anna, "payouts")).status_code == 403
    assert api_client.post(url(anna, "payment-setup"), {}, format="json").status_code == 403


def test_payment_setup_and_status(api_client, payment_manager, anna, fake_stripe):
    fake_stripe.reply("account_new.json")
    fake_stripe.reply("account_link.json")
    api_client.force_authenticate(payment_manager)

    response = api_client.post(
        url(anna, "payment-setup"), {"payment_method": "stripe", "account_details": {"country": "de"}}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["message"] == "Payment account created."
    assert body["data"]["setup_status"] == "in_progress"
    assert body["data"]["account_id"] == ACCOUNT
    assert body["data"]["verification_url"].startswith("https://connect.stripe.com/setup/e/")
    assert fake_stripe.requests[0].form["country"] == ["DE"]

    fake_stripe.reply("account_complete.json")
    status = api_client.get(url(anna, "payment-status")).json()["data"]
    assert (status["payment_setup_status"], status["kyc_status"], status["can_receive_payouts"]) == (
        "completed",
        "approved",
        True,
    )
    assert status["requirements"]["currently_due"] == []


def test_payment_setup_bad_input_is_422_and_stripe_down_is_503(api_client, payment_manager, anna, settings):
    api_client.force_authenticate(payment_manager)
    bad = api_client.post(url(anna, "payment-setup"), {"account_details": {"country": "Germany"}}, format="json")
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "account_details"

    settings.STRIPE_SECRET_KEY = ""
    response = api_client.post(url(anna, "payment-setup"), {}, format="json")
    assert (response.status_code, response.json()["error"]["code"]) == (503, "PAYMENT_NOT_CONFIGURED")


def test_kyc_verification(api_client, payment_manager, anna):
    api_client.force_authenticate(payment_manager)
    refused = api_client.put(url(anna, "kyc-verification"), {"status": "approved"}, format="json")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "KYC_TRANSITION_NOT_ALLOWED")
    assert api_client.put(url(anna, "kyc-verification"), {"status": "maybe"}, format="json").status_code == 422

    response = api_client.put(
        url(anna, "kyc-verification"),
        {"status": "under_review", "verification_notes": "Passport received."},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["data"]["kyc_status"] == "under_review"


def test_manual_payout_list_and_earnings(api_client, payment_manager, anna):
    paid_session(anna, start=datetime(2026, 11, 3, 9, tzinfo=UTC))
    paid_session(anna, start=datetime(2026, 11, 4, 9, tzinfo=UTC))
    api_client.force_authenticate(payment_manager)

    too_much = api_client.post(url(anna, "payouts"), {"amount": "160.01", "payout_method": "stripe"}, format="json")
    assert (too_much.status_code, too_much.json()["error"]["code"]) == (422, "PAYOUT_EXCEEDS_OWED")
    bad_method = api_client.post(url(anna, "payouts"), {"amount": "10", "payout_method": "cash"}, format="json")
    assert bad_method.status_code == 422
    negative = api_client.post(url(anna, "payouts"), {"amount": "-5", "payout_method": "stripe"}, format="json")
    assert negative.status_code == 422

    made = api_client.post(
        url(anna, "payouts"), {"amount": "80.00", "payout_method": "stripe", "notes": "Early"}, format="json"
    )
    assert made.status_code == 201, made.content
    data = made.json()["data"]
    assert (data["amount"], data["status"], data["kind"], data["consultations_count"]) == (
        "80.00",
        "pending",
        "manual",
        1,
    )
    assert ConsultantPayout.objects.get().created_by == payment_manager

    listed = api_client.get(url(anna, "payouts")).json()["data"]
    assert [p["id"] for p in listed["payouts"]] == [data["id"]]
    assert listed["pagination"]["total"] == 1

    earnings = api_client.get(url(anna, "earnings")).json()["data"]
    assert (earnings["total_consultations"], earnings["total_revenue"]) == (2, "200.00")
    [usd] = earnings["currencies"]
    assert (usd["gross"], usd["net_earned"], usd["in_flight"], usd["owed"], usd["paid_out"]) == (
        "200.00",
        "160.00",
        "80.00",
        "80.00",
        "0.00",
    )


def test_unknown_or_deleted_consultant_is_404(api_client, payment_manager):
    api_client.force_authenticate(payment_manager)
    gone = ConsultantFactory(deleted_at=datetime(2026, 1, 1, tzinfo=UTC))
    for consultant_url in ("/api/v1/admin/consultants/999999/earnings", url(gone, "payouts")):
        response = api_client.get(consultant_url)
        assert (response.status_code, response.json()["error"]["code"]) == (404, "CONSULTANT_NOT_FOUND")
