"""Every role against every staff endpoint of the foundation, through the real role groups and a
real JWT: allowed (exact 2xx) or 403, never a 500; no token → 401.

The expected table is written out by hand from spec 000 "Permission-Based Access Control" (as
narrowed in ``accounts/roles.py``), so a change to the role table or to a view's permissions that
moves a cell fails here.
"""

from datetime import UTC, datetime, time, timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role
from accounts.tests.factories import UserFactory
from bookings.tests.factories import BookingFactory, weekday_rules
from consultants.models import ScrapingJob
from consultants.tests.factories import ConsultantFactory
from content.tests.factories import PageFactory
from coupons.tests.factories import CampaignFactory, CouponFactory
from fraud.tests.factories import BlockedIPFactory, WhitelistFactory
from reviews.tests.factories import ReviewFactory

pytestmark = pytest.mark.django_db

SA, AD, CM, PM, AV, ED, VI, CO, CL = (
    Role.SUPER_ADMIN,
    Role.ADMIN,
    Role.CONSULTANT_MANAGER,
    Role.PAYMENT_MANAGER,
    Role.ANALYTICS_VIEWER,
    Role.EDITOR,
    Role.VIEWER,
    Role.CONSULTANT,
    Role.CLIENT,
)
ALL_ROLES = (SA, AD, CM, PM, AV, ED, VI, CO, CL)
STAFF = {SA, AD, CM, PM, AV, ED, VI}
ANALYTICS = {SA, AD, CM, PM, AV}
#: Fraud controls: only admins touch them.
FRAUD = {SA, AD}
#: Coupons: editors (marketing) manage them; payment managers and analysts read them and their analytics.
COUPON_MANAGERS = {SA, AD, ED}
COUPON_READERS = {SA, AD, ED, PM, AV}


def _paragraph(text: str) -> dict:
    return {"_type": "block", "style": "normal", "markDefs": [], "children": [{"_type": "span", "text": text}]}


def _page_body(slug: str) -> dict:
    return {"slug": slug, "title": {"en": "Matrix"}, "content": {"en": [_paragraph("Body.")]}}


def _phone_booking() -> dict:
    """A free slot (10:00 UTC, three days ahead) of a consultant who works 08:00-18:00 every day."""
    consultant = ConsultantFactory(timezone="UTC", booking_buffer_minutes=0, max_bookings_per_day=10)
    weekday_rules(consultant, start=time(8), end=time(18), weekdays=range(7))
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    return {
        "consultant_id": consultant.pk,
        "scheduled_date": start.isoformat(),
        "timezone": "UTC",
        "client_name": "Paula Phone",
        "client_email": "paula@example.com",
    }


# (name, method, url template, body factory, success status, roles allowed)
ENDPOINTS = [
    ("users list", "get", "/api/v1/admin/users", None, 200, {SA, AD}),
    (
        "user create",
        "post",
        "/api/v1/admin/users",
        lambda: {"email": "new.person@example.com", "first_name": "New", "last_name": "Person", "role": "viewer"},
        201,
        {SA, AD},
    ),
    ("user get", "get", "/api/v1/admin/users/{user}", None, 200, {SA, AD}),
    ("user deactivate", "delete", "/api/v1/admin/users/{user}", None, 204, {SA, AD}),
    ("consultants list", "get", "/api/v1/admin/consultants", None, 200, STAFF),
    (
        "consultant create",
        "post",
        "/api/v1/admin/consultants",
        lambda: {"first_name": "Neo", "last_name": "Nagel", "email": "neo@example.com"},
        201,
        {SA, AD, CM},
    ),
    ("consultant get", "get", "/api/v1/admin/consultants/{consultant}", None, 200, STAFF),
    (
        "consultant status",
        "put",
        "/api/v1/admin/consultants/{consultant}/status",
        lambda: {"status": "suspended"},
        200,
        {SA, AD, CM},
    ),
    ("consultant delete", "delete", "/api/v1/admin/consultants/{consultant}", None, 204, {SA, AD}),
    ("pages list", "get", "/api/v1/content/pages", None, 200, STAFF),
    ("page create", "post", "/api/v1/content/pages", lambda: _page_body("matrix"), 201, {SA, AD, ED}),
    ("page get", "get", "/api/v1/content/pages/{page}", None, 200, STAFF),
    ("page html", "get", "/api/v1/content/pages/{page}/html", None, 200, STAFF),
    ("page patch", "patch", "/api/v1/content/pages/{page}", lambda: {"title": {"en": "New"}}, 200, {SA, AD, ED}),
    ("page delete", "delete", "/api/v1/content/pages/{page}", None, 204, {SA, AD}),
    ("admin pages list", "get", "/api/v1/admin/pages", None, 200, STAFF),
    ("media list", "get", "/api/v1/content/media", None, 200, STAFF),
    ("portable assets list", "get", "/api/v1/content/portable-assets", None, 200, STAFF),
    ("system health", "get", "/api/v1/admin/system-health", None, 200, STAFF),
    # LinkedIn import through Scoopp: spec 000 CONSULTANT_SCRAPING (super admins, consultant managers).
    (
        "linkedin scraping start",
        "post",
        "/api/v1/admin/consultants/{consultant}/linkedin-scraping",
        lambda: {"linkedin_url": "https://www.linkedin.com/in/matrix/"},
        202,
        {SA, CM},
    ),
    ("linkedin profile", "get", "/api/v1/admin/consultants/{scraped}/linkedin-profile", None, 200, STAFF),
    ("linkedin sync", "put", "/api/v1/admin/consultants/{scraped}/linkedin-sync", dict, 200, {SA, CM}),
    ("scraping jobs list", "get", "/api/v1/admin/consultants/scraping-jobs", None, 200, {SA, CM}),
    ("scraping job get", "get", "/api/v1/admin/consultants/scraping-jobs/{failed_job}", None, 200, {SA, CM}),
    ("scraping job retry", "post", "/api/v1/admin/consultants/scraping-jobs/{failed_job}/retry", None, 202, {SA, CM}),
    ("scraping job cancel", "delete", "/api/v1/admin/consultants/scraping-jobs/{active_job}", None, 200, {SA, CM}),
    # Reviews: consultant managers and admins moderate them.
    ("reviews list", "get", "/api/v1/admin/reviews", None, 200, {SA, AD, CM}),
    ("review approve", "post", "/api/v1/admin/reviews/{review}/approve", None, 200, {SA, AD, CM}),
    ("review reject", "post", "/api/v1/admin/reviews/{review}/reject", None, 200, {SA, AD, CM}),
    # Bookings: every staff role but editors reads them; consultant managers and admins book for a
    # client (a phone booking) and change bookings.
    ("business bookings list", "get", "/api/v1/business/bookings", None, 200, STAFF - {ED}),
    ("business booking create", "post", "/api/v1/business/bookings", _phone_booking, 201, {SA, AD, CM}),
    ("business booking get", "get", "/api/v1/business/bookings/{booking}", None, 200, STAFF - {ED}),
    (
        "business booking update",
        "put",
        "/api/v1/business/bookings/{booking}",
        lambda: {"status": "cancelled", "reason": "Client called"},
        200,
        {SA, AD, CM},
    ),
    # Spec 000 ANALYTICS_VIEW: every staff role but editors and viewers; ANALYTICS_EXPORT: super admins.
    ("analytics overview", "get", "/api/v1/admin/analytics", None, 200, ANALYTICS),
    ("analytics bookings", "get", "/api/v1/admin/analytics/bookings", None, 200, ANALYTICS),
    ("analytics revenue", "get", "/api/v1/admin/analytics/revenue", None, 200, ANALYTICS),
    ("analytics conversion", "get", "/api/v1/admin/analytics/conversion", None, 200, ANALYTICS),
    ("analytics user behavior", "get", "/api/v1/admin/analytics/user-behavior", None, 200, ANALYTICS),
    ("analytics csv export", "get", "/api/v1/admin/analytics/revenue?format=csv", None, 200, {SA}),
    ("consultant statistics", "get", "/api/v1/admin/consultants/statistics", None, 200, ANALYTICS),
    ("consultant performance", "get", "/api/v1/admin/consultants/performance", None, 200, ANALYTICS),
    ("consultant retention", "get", "/api/v1/admin/consultants/retention", None, 200, ANALYTICS),
    ("consultant engagement", "get", "/api/v1/admin/consultants/engagement", None, 200, ANALYTICS),
    ("one consultant's analytics", "get", "/api/v1/admin/consultants/{consultant}/analytics", None, 200, ANALYTICS),
    ("one consultant's statistics", "get", "/api/v1/admin/consultants/{consultant}/statistics", None, 200, ANALYTICS),
    # Fraud controls: super admins and admins only.
    ("fraud detection", "get", "/api/v1/admin/coupons/fraud-detection", None, 200, FRAUD),
    (
        "fraud flag user",
        "post",
        "/api/v1/admin/coupons/fraud/flag-user",
        lambda: {"email": "suspect@example.com"},
        201,
        FRAUD,
    ),
    ("fraud reports", "get", "/api/v1/admin/coupons/fraud/reports", None, 200, FRAUD),
    (
        "fraud whitelist add",
        "post",
        "/api/v1/admin/coupons/fraud/whitelist",
        lambda: {"user_id": UserFactory(email="whitelist-me@example.com").pk},
        201,
        FRAUD,
    ),
    ("fraud whitelist remove", "delete", "/api/v1/admin/coupons/fraud/whitelist/{whitelisted}", None, 204, FRAUD),
    ("security rate limits", "get", "/api/v1/admin/coupons/security/rate-limits", None, 200, FRAUD),
    (
        "security reset user",
        "post",
        "/api/v1/admin/coupons/security/reset-user",
        lambda: {"email": "x@example.com"},
        200,
        FRAUD,
    ),
    ("security blocked ips", "get", "/api/v1/admin/coupons/security/blocked-ips", None, 200, FRAUD),
    (
        "security block ip",
        "post",
        "/api/v1/admin/coupons/security/block-ip",
        lambda: {"ip": "2001:db8::99"},
        201,
        FRAUD,
    ),
    ("security unblock ip", "delete", "/api/v1/admin/coupons/security/block-ip/{blocked_ip}", None, 200, FRAUD),
    ("coupons list", "get", "/api/v1/admin/coupons", None, 200, COUPON_READERS),
    (
        "coupon create",
        "post",
        "/api/v1/admin/coupons",
        lambda: {"code": "MATRIX10", "internal_name": "Matrix", "discount_type": "percentage", "discount_value": "10"},
        201,
        COUPON_MANAGERS,
    ),
    ("coupon get", "get", "/api/v1/admin/coupons/{coupon}", None, 200, COUPON_READERS),
    ("coupon update", "put", "/api/v1/admin/coupons/{coupon}", lambda: {"notes": "Changed"}, 200, COUPON_MANAGERS),
    ("coupon delete", "delete", "/api/v1/admin/coupons/{coupon}", None, 204, COUPON_MANAGERS),
    ("coupon activate", "post", "/api/v1/admin/coupons/{coupon}/activate", None, 200, COUPON_MANAGERS),
    ("coupon deactivate", "post", "/api/v1/admin/coupons/{coupon}/deactivate", None, 200, COUPON_MANAGERS),
    (
        "coupons bulk",
        "post",
        "/api/v1/admin/coupons/bulk",
        lambda: {"prefix": "MX", "count": 3, "template": {"discount_type": "percentage", "discount_value": "5"}},
        201,
        COUPON_MANAGERS,
    ),
    ("coupons usage", "get", "/api/v1/admin/coupons/usage", None, 200, COUPON_READERS),
    ("coupon usage", "get", "/api/v1/admin/coupons/{coupon}/usage", None, 200, COUPON_READERS),
    ("coupon analytics", "get", "/api/v1/admin/coupons/{coupon}/analytics", None, 200, COUPON_READERS),
    ("coupons summary", "get", "/api/v1/admin/coupons/analytics/summary", None, 200, COUPON_READERS),
    ("coupon campaigns", "get", "/api/v1/admin/coupons/campaigns", None, 200, COUPON_READERS),
    (
        "coupon campaign create",
        "post",
        "/api/v1/admin/coupons/campaigns",
        lambda: {"name": "Matrix campaign", "velocity_cap_per_hour": 50},
        201,
        COUPON_MANAGERS,
    ),
    (
        "coupon campaign performance",
        "get",
        "/api/v1/admin/coupons/campaigns/{campaign}/performance",
        None,
        200,
        COUPON_READERS,
    ),
]

CASES = [
    pytest.param(role, endpoint, id=f"{role}-{endpoint[0].replace(' ', '-')}")
    for endpoint in ENDPOINTS
    for role in ALL_ROLES
]


def _scraping_job(status: str) -> int:
    return ScrapingJob.objects.create(
        consultant=ConsultantFactory(),
        job_type="linkedin_profile",
        target_url="https://www.linkedin.com/in/matrix/",
        status=status,
    ).pk


def _targets() -> dict:
    return {
        "user": UserFactory(role=Role.VIEWER, email="target@example.com").pk,
        "consultant": ConsultantFactory().pk,
        "scraped": ConsultantFactory(
            linkedin_scraped_data={"scraped_at": "2026-01-05T10:00:00+00:00", "title": "Partner", "skills": ["Go"]}
        ).pk,
        "failed_job": _scraping_job("failed"),
        "active_job": _scraping_job("pending"),
        "page": PageFactory().pk,
        "review": ReviewFactory().pk,
        "booking": BookingFactory(start=datetime.now(UTC).replace(microsecond=0) + timedelta(days=3)).pk,
        "blocked_ip": BlockedIPFactory(network="2001:db8::42/128").address,
        "whitelisted": WhitelistFactory(user=UserFactory(email="listed@example.com")).user_id,
        "coupon": CouponFactory().pk,
        "campaign": CampaignFactory().pk,
    }


@pytest.fixture(autouse=True)
def _scoopp_configured(settings):
    # Starting and retrying need a key; Scoopp itself is asked only after commit, which these
    # tests (inside one transaction) never reach.
    settings.SCOOPP_API_KEY = "matrix-key"


@pytest.mark.parametrize(("role", "endpoint"), CASES)
def test_role_against_endpoint(role, endpoint):
    name, method, url, body, success, allowed = endpoint
    url = url.format(**_targets())
    actor = UserFactory(role=role, email=f"{role}@example.com")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(actor).access_token}")
    response = getattr(client, method)(url, body() if body else None, format="json")
    if role in allowed:
        assert response.status_code == success, (name, role, response.content[:300])
    else:
        assert response.status_code == 403, (name, role, response.status_code)
        assert response.json()["error"]["code"] == "PERMISSION_DENIED"


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_no_token_is_401(endpoint):
    name, method, url, body, _success, _allowed = endpoint
    response = getattr(APIClient(), method)(url.format(**_targets()), body() if body else None, format="json")
    assert response.status_code == 401, name
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"
