"""The coupon endpoints through ``APIClient``: answers, refusal codes, the fraud controls in front
of the public ones, staff CRUD, bulk CSV, and analytics of a seeded month against sums computed here."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role
from accounts.tests.factories import UserFactory
from bookings.models import BookingPaymentStatus, BookingStatus
from bookings.tests.factories import BookingFactory
from coupons.models import Coupon, CouponUsage, UsageStatus
from fraud.services import ip_block

from .conftest import NOW, book
from .factories import CampaignFactory, CouponFactory

pytestmark = pytest.mark.django_db
IP = "198.51.100.7"


@pytest.fixture
def public():
    return APIClient(REMOTE_ADDR=IP)


@pytest.fixture
def admin_api():
    client = APIClient()
    user = UserFactory(role=Role.ADMIN, email="admin@example.com")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def validate(client, **body):
    return client.post("/api/v1/public/coupons/validate", {"user_email": "ann@example.com", **body}, format="json")


@time_machine.travel(NOW, tick=False)
def test_validate_prices_on_the_server_and_answers_the_refusal_reason(public, consultant):
    CouponFactory(code="SPRING20")
    CouponFactory(code="OLD", valid_until=NOW - timedelta(days=1))

    good = validate(
        public,
        coupon_code="spring20",
        consultant_id=consultant.pk,
        service_type="30_for_30",
        original_amount_usd="1.00",
    )
    bad = validate(public, coupon_code="OLD", original_amount_usd="100.00")

    assert good.status_code == 200
    data = good.json()["data"]
    assert data["valid"] is True
    assert data["coupon"]["original_amount"] == "100.00"  # 200 USD/h × 30 min, not the 1.00 sent
    assert (data["coupon"]["discount_amount_usd"], data["coupon"]["final_amount_usd"]) == ("20.00", "80.00")
    assert data["user_eligibility"] == {"is_first_time_user": True, "previous_coupon_usage": 0, "eligible": True}
    assert bad.status_code == 200
    assert bad.json()["data"]["valid"] is False
    assert bad.json()["data"]["error_code"] == "expired"
    assert bad.json()["data"]["errors"] == ["This code has expired."]


@time_machine.travel(NOW, tick=False)
def test_apply_by_reference_and_email(public, consultant):
    CouponFactory(code="TEN", discount_type="fixed_amount", discount_value=10, currency="USD")
    booking = book(consultant)
    body = {"coupon_code": "ten", "user_email": "ann@example.com", "booking_reference": booking.reference}

    wrong = public.post("/api/v1/public/coupons/apply", {**body, "user_email": "eve@example.com"}, format="json")
    applied = public.post("/api/v1/public/coupons/apply", {**body, "utm_source": "newsletter"}, format="json")
    again = public.post("/api/v1/public/coupons/apply", body, format="json")

    assert wrong.status_code == 404
    assert applied.status_code == 200, applied.content
    assert applied.json()["data"]["final_amount_usd"] == "90.00"
    assert CouponUsage.objects.get().utm_source == "newsletter"
    assert CouponUsage.objects.get().ip_address == "198.51.100.0"
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "DISCOUNT_NOT_APPLICABLE"


@time_machine.travel(NOW, tick=False)
def test_apply_answers_the_codes_refusal(public, consultant):
    CouponFactory(code="USED", max_uses_total=1, uses_count=1)
    booking = book(consultant)
    response = public.post(
        "/api/v1/public/coupons/apply",
        {"coupon_code": "USED", "user_email": "ann@example.com", "booking_reference": booking.reference},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "COUPON_EXHAUSTED"


@time_machine.travel(NOW, tick=False)
def test_info_shows_a_usable_code_only(public):
    CouponFactory(code="OPEN", description={"en": "Open", "de": "Offen"})
    CouponFactory(code="OFF", is_active=False)

    assert public.get("/api/v1/public/coupons/open/info").json()["data"]["code"] == "OPEN"
    off = public.get("/api/v1/public/coupons/OFF/info")
    assert (off.status_code, off.json()["error"]["code"]) == (400, "COUPON_INACTIVE")
    assert public.get("/api/v1/public/coupons/NOPE/info").status_code == 404


def test_a_blocked_ip_is_refused_neutrally_and_guessing_is_throttled(public, settings):
    CouponFactory(code="OPEN")
    ip_block(ip=IP, duration_minutes=60)
    refused = public.get("/api/v1/public/coupons/OPEN/info")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "REQUEST_REFUSED")

    settings.FRAUD_ATTEMPT_RATE_IP = "3/min"
    other = APIClient(REMOTE_ADDR="192.0.2.44")
    statuses = [other.get(f"/api/v1/public/coupons/GUESS{n}/info").status_code for n in range(5)]
    assert statuses == [404, 404, 404, 429, 429]


def test_staff_create_update_deactivate_delete(admin_api, consultant):
    created = admin_api.post(
        "/api/v1/admin/coupons",
        {
            "code": "summer-25",
            "internal_name": "Summer",
            "description": {"en": "Summer", "de": "Sommer"},
            "discount_type": "percentage",
            "discount_value": "25",
            "max_uses_total": 100,
            "applicable_to": "specific_consultants",
            "consultant_restrictions": [consultant.pk],
            "funded_by": "consultant",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    coupon = created.json()["data"]
    assert (coupon["code"], coupon["current_usage_count"], coupon["created_by"]["email"]) == (
        "SUMMER-25",
        0,
        "admin@example.com",
    )
    url = f"/api/v1/admin/coupons/{coupon['id']}"
    duplicate = admin_api.post(
        "/api/v1/admin/coupons",
        {"code": "Summer-25", "internal_name": "x", "discount_type": "percentage", "discount_value": "5"},
        format="json",
    )
    assert duplicate.status_code == 409
    assert admin_api.put(url, {"notes": "Radio ad"}, format="json").json()["data"]["notes"] == "Radio ad"
    assert admin_api.post(f"{url}/deactivate").json()["data"]["deactivated_at"]
    assert admin_api.post(f"{url}/activate").json()["data"]["is_active"] is True
    assert admin_api.delete(url).status_code == 204
    assert admin_api.get(url).status_code == 404
    assert Coupon.objects.get().deleted_at is not None


def test_bulk_answers_a_csv_of_the_codes(admin_api):
    response = admin_api.post(
        "/api/v1/admin/coupons/bulk",
        {
            "prefix": "expo",
            "count": 20,
            "template": {"discount_type": "fixed_amount", "discount_value": "15", "currency": "EUR"},
        },
        format="json",
    )
    assert response.status_code == 201
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 20 == Coupon.objects.filter(code__startswith="EXPO-").count()
    assert {row["currency"] for row in rows} == {"EUR"}


def test_analytics_of_a_seeded_month_equal_independent_sums(admin_api):
    campaign = CampaignFactory(name="June")
    spring = CouponFactory(code="SPRING", campaign=campaign)
    other = CouponFactory(code="OTHER")
    seeded = [
        # (coupon, email, list, discount, status, booking status, day)
        (spring, "a@example.com", "100.00", "20.00", UsageStatus.REDEEMED, BookingStatus.COMPLETED, 2),
        (spring, "a@example.com", "150.00", "30.00", UsageStatus.REDEEMED, BookingStatus.NO_SHOW, 5),
        (spring, "b@example.com", "200.00", "40.00", UsageStatus.REDEEMED, BookingStatus.CONFIRMED, 9),
        (spring, "c@example.com", "100.00", "20.00", UsageStatus.RELEASED, BookingStatus.CANCELLED, 9),
        (spring, "d@example.com", "100.00", "100.00", UsageStatus.REDEEMED, BookingStatus.COMPLETED, 20),
        (other, "e@example.com", "80.00", "16.00", UsageStatus.REDEEMED, BookingStatus.CONFIRMED, 21),
    ]
    for n, (coupon, email, gross, discount, status, booking_status, day) in enumerate(seeded):
        moment = datetime(2026, 6, day, 10, tzinfo=UTC)
        booking = BookingFactory(
            start=moment + timedelta(hours=n),
            status=booking_status,
            payment_status=BookingPaymentStatus.COMPLETED,
            client_email=email,
        )
        CouponUsage.objects.create(
            coupon=coupon,
            booking=booking,
            status=status,
            email_normalised=email,
            identity_slot=n + 1,
            list_amount=Decimal(gross),
            discount_amount=Decimal(discount),
            final_amount=Decimal(gross) - Decimal(discount),
            currency="USD",
            funded_by="platform",
            risk_score=10 * n,
            reserved_at=moment,
            redeemed_at=moment if status == UsageStatus.REDEEMED else None,
        )
    mine = [row for row in seeded if row[0] == spring]
    redeemed = [row for row in mine if row[4] == UsageStatus.REDEEMED]
    discounts = sum(Decimal(row[3]) for row in redeemed)
    revenue = sum(Decimal(row[2]) - Decimal(row[3]) for row in redeemed)

    data = admin_api.get(f"/api/v1/admin/coupons/{spring.pk}/analytics").json()["data"]

    money = data["financial_impact"]
    assert money["total_discounts_given"] == str(discounts) == "190.00"
    assert money["revenue_generated"] == str(revenue) == "360.00"
    assert money["estimated_revenue_without_coupon"] == str(discounts + revenue)
    assert money["average_discount_per_use"] == str((discounts / len(redeemed)).quantize(Decimal("0.01")))
    stats = data["usage_statistics"]
    assert (stats["successful_uses"], stats["unique_users"], stats["repeat_users"]) == (4, 3, 1)
    conversion = data["conversion_metrics"]
    assert (conversion["sessions_attended"], conversion["attendance_rate_percent"]) == (2, round(200 / 3, 2))
    assert conversion["conversion_to_paid_customer"] == 3
    assert [d["date"] for d in data["usage_timeline"]] == ["2026-06-02", "2026-06-05", "2026-06-09", "2026-06-20"]
    assert data["fraud_analysis"]["risk_score_average"] == round(sum(10 * n for n in range(5)) / 5, 2)

    summary = admin_api.get("/api/v1/admin/coupons/analytics/summary").json()["data"]
    everything = [row for row in seeded if row[4] == UsageStatus.REDEEMED]
    assert summary["overview"]["successful_redemptions"] == len(everything)
    assert summary["financial_summary"]["total_discounts_given"] == str(sum(Decimal(r[3]) for r in everything))
    assert summary["top_performing_coupons"][0]["coupon_code"] == "SPRING"

    performance = admin_api.get(f"/api/v1/admin/coupons/campaigns/{campaign.pk}/performance").json()["data"]
    assert (performance["redemptions"], performance["financial_impact"]["revenue_generated"]) == (4, "360.00")


@time_machine.travel(NOW, tick=False)
def test_the_booking_api_takes_a_code_and_answers_its_refusal(public, consultant):
    CouponFactory(code="SPRING20")
    body = {
        "scheduled_date": "2026-06-03T08:00:00Z",
        "timezone": "Europe/Berlin",
        "client_name": "Api Client",
        "client_email": "api@example.com",
    }
    url = f"/api/v1/public/consultants/{consultant.pk}/book-30for30"

    refused = public.post(url, {**body, "coupon_code": "NOPE"}, format="json")
    booked = public.post(url, {**body, "coupon_code": "spring20"}, format="json")

    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "COUPON_UNKNOWN"
    assert refused.json()["error"]["details"][0]["field"] == "coupon_code"
    assert booked.status_code == 201, booked.content
    assert booked.json()["data"]["payment_amount"] == "80.00"
    assert CouponUsage.objects.get().ip_address == "198.51.100.0"
