"""The analytics API: every endpoint on a seeded quarter (envelope, figures, filters, pagination),
CSV exports behind ``analytics.analytics_export``, 403 for roles without ``analytics_view``, 401
without a token, and bad parameters answered in the error shape (never a 500)."""

import csv
import io
from decimal import Decimal

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role
from accounts.tests.factories import UserFactory
from analytics import selectors

from .factories import BOOKINGS, seed_quarter

pytestmark = pytest.mark.django_db

BASE = "/api/v1/admin"
ENDPOINTS = [
    "/analytics",
    "/analytics/bookings",
    "/analytics/revenue",
    "/analytics/conversion",
    "/analytics/user-behavior",
    "/consultants/statistics",
    "/consultants/performance",
    "/consultants/retention",
    "/consultants/engagement",
    "/consultants/{a}/analytics",
    "/consultants/{a}/statistics",
]


def client_for(role: str) -> APIClient:
    user = UserFactory(role=role, email=f"{role}@example.com")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def quarter():
    return seed_quarter()


@pytest.fixture
def range_params(quarter):
    last = selectors.period_of_month(quarter.months[2].year, quarter.months[2].month).last
    return {"from": quarter.months[0].isoformat(), "to": last.isoformat()}


def url(path: str, quarter) -> str:
    return BASE + path.format(a=quarter.a.pk)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_every_endpoint_answers_the_envelope_for_an_analyst(quarter, range_params, path):
    response = client_for(Role.ANALYTICS_VIEWER).get(url(path, quarter), range_params)
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    assert body["success"] is True
    assert body["data"]["period"] == {**range_params, "timezone": "UTC"}


def test_revenue_per_month_matches_the_plan_as_strings(quarter, range_params):
    data = client_for(Role.PAYMENT_MANAGER).get(f"{BASE}/analytics/revenue", range_params).json()["data"]
    assert [m["month"] for m in data["by_month"]] == quarter.keys()
    for index, month in enumerate(data["by_month"]):
        usd = next(t for t in month["totals"] if t["currency"] == "USD")
        assert usd["revenue"] == f"{quarter.revenue(index, 'USD'):.2f}"
        assert usd["gross"] == f"{quarter.gross(index, 'USD'):.2f}"
    usd_total = next(t for t in data["totals"] if t["currency"] == "USD")
    assert usd_total["revenue"] == "750.00"
    assert usd_total["payments_count"] == len([row for row in BOOKINGS if row[3] == "a"])


def test_consultant_filter_narrows_bookings_and_revenue(quarter, range_params):
    client = client_for(Role.ANALYTICS_VIEWER)
    bookings = client.get(f"{BASE}/analytics/bookings", {**range_params, "consultant": quarter.b.pk}).json()["data"]
    assert bookings["summary"]["total"] == 4
    assert bookings["interval"] == "day"
    revenue = client.get(f"{BASE}/analytics/revenue", {**range_params, "consultant": quarter.b.pk}).json()["data"]
    assert [t["currency"] for t in revenue["totals"]] == ["EUR"]
    assert revenue["totals"][0]["revenue"] == "330.00"
    monthly = client.get(f"{BASE}/analytics/bookings", {**range_params, "interval": "month"}).json()["data"]
    assert [step["total"] for step in monthly["series"]] == [quarter.bookings_in(i) for i in range(3)]


def test_conversion_says_visitors_are_not_recorded(quarter, range_params):
    data = client_for(Role.ANALYTICS_VIEWER).get(f"{BASE}/analytics/conversion", range_params).json()["data"]
    assert data["visitors"]["count"] is None and data["visitors"]["recorded"] is False
    assert "not recorded" in data["visitors"]["note"]
    assert (data["leads"], data["leads_booked"], data["leads_paid"]) == (5, 4, 3)
    assert data["rates"]["lead_to_paid"] == "60.00"


def test_performance_is_paginated_and_ranked(quarter, range_params):
    client = client_for(Role.CONSULTANT_MANAGER)
    first = client.get(f"{BASE}/consultants/performance", {**range_params, "limit": 1}).json()["data"]
    assert first["pagination"] == {"page": 1, "limit": 1, "total": 2, "pages": 2}
    assert first["consultants"][0]["consultant_id"] == quarter.a.pk
    assert first["consultants"][0]["revenue"] == "750.00"
    eur = client.get(f"{BASE}/consultants/performance", {**range_params, "currency": "eur"}).json()["data"]
    assert eur["consultants"][0]["consultant_id"] == quarter.b.pk
    assert eur["consultants"][0]["revenue"] == "330.00"
    assert client.get(f"{BASE}/consultants/performance", {"page": 9}).status_code == 404


def test_retention_and_engagement_per_consultant(quarter, range_params):
    client = client_for(Role.ANALYTICS_VIEWER)
    retention = client.get(f"{BASE}/consultants/retention", range_params).json()["data"]
    rows = {row["consultant_id"]: row for row in retention["consultants"]}
    assert rows[quarter.b.pk]["name"] == "Bernd Beta"
    assert (rows[quarter.b.pk]["clients"], rows[quarter.b.pk]["returning_clients"]) == (3, 1)
    only_b = client.get(f"{BASE}/consultants/engagement", {**range_params, "consultant": quarter.b.pk}).json()["data"]
    assert [row["consultant_id"] for row in only_b["consultants"]] == [quarter.b.pk]
    assert only_b["consultants"][0]["no_shows"] == 1
    assert only_b["consultants"][0]["no_show_rate"] == "25.00"


def test_consultant_statistics_in_the_spec_shape(quarter, range_params):
    data = client_for(Role.ADMIN).get(f"{BASE}/consultants/{quarter.b.pk}/statistics", range_params).json()["data"]
    assert data["currency"] == "EUR"
    assert data["total_revenue"] == "330.00"
    assert data["revenue_by_month"] == {key: f"{quarter.revenue(i, 'EUR'):.2f}" for i, key in enumerate(quarter.keys())}
    assert data["completion_rate"] == "75.00"


def test_csv_export_for_super_admins(quarter, range_params):
    client = client_for(Role.SUPER_ADMIN)
    response = client.get(f"{BASE}/analytics/revenue", {**range_params, "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="analytics-revenue-')
    rows = dict(csv.reader(io.StringIO(response.content.decode())))
    assert rows["totals.USD.revenue"] == "750.00"
    assert rows[f"by_month.{quarter.keys()[0]}.totals.USD.revenue"] == f"{quarter.revenue(0, 'USD'):.2f}"
    listing = client.get(f"{BASE}/consultants/performance", {**range_params, "format": "csv", "limit": 1})
    table = list(csv.reader(io.StringIO(listing.content.decode())))
    assert table[0][:2] == ["consultant_id", "name"]
    assert len(table) == 3  # every consultant, whatever the page size
    assert Decimal(table[1][-1]) == Decimal("750.00")


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ANALYTICS_VIEWER, Role.PAYMENT_MANAGER])
def test_csv_needs_the_export_permission(quarter, role):
    response = client_for(role).get(f"{BASE}/analytics", {"format": "csv"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER, Role.CONSULTANT, Role.CLIENT])
@pytest.mark.parametrize("path", ENDPOINTS)
def test_roles_without_analytics_view_get_403(quarter, role, path):
    response = client_for(role).get(url(path, quarter))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"


@pytest.mark.parametrize("path", ENDPOINTS)
def test_no_token_is_401(quarter, path):
    assert APIClient().get(url(path, quarter)).status_code == 401


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"from": "2026-13-01"}, "VALIDATION_ERROR", "from"),
        ({"to": "yesterday"}, "VALIDATION_ERROR", "to"),
        ({"from": "1066-10-14"}, "VALIDATION_ERROR", "from"),
        ({"from": "9999-12-31", "to": "9999-12-31"}, "VALIDATION_ERROR", "from"),
        ({"from": "2026-03-02", "to": "2026-03-01"}, "INVALID_PERIOD", "to"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "INVALID_PERIOD", "to"),
        ({"format": "xml"}, "VALIDATION_ERROR", "format"),
        ({"consultant": "0"}, "VALIDATION_ERROR", "consultant"),
        ({"consultant": "99999999999999999999999"}, "VALIDATION_ERROR", "consultant"),
        ({"from": "2025-01-01", "to": "2026-12-31", "interval": "day"}, "INVALID_PERIOD", "interval"),
    ],
)
def test_bad_parameters_are_422_in_the_error_shape(params, code, field):
    response = client_for(Role.SUPER_ADMIN).get(f"{BASE}/analytics/bookings", params)
    assert response.status_code == 422, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == code
    assert field in {detail["field"] for detail in error["details"]}


def test_unknown_consultants_are_404(quarter):
    client = client_for(Role.SUPER_ADMIN)
    for path in (f"{BASE}/consultants/999999/statistics", f"{BASE}/consultants/999999/analytics"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "CONSULTANT_NOT_FOUND"
    assert client.get(f"{BASE}/analytics/revenue", {"consultant": 999999}).status_code == 404


def test_consultant_admin_routes_still_reach_the_consultants_app(quarter):
    client = client_for(Role.SUPER_ADMIN)
    response = client.get(f"{BASE}/consultants/{quarter.a.pk}")
    assert response.status_code == 200
    assert response.json()["data"]["email"] == quarter.a.email


def test_every_endpoint_is_in_the_openapi_schema():
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for path in ENDPOINTS:
        documented = "/api/v1/admin" + path.replace("{a}", "{id}")
        assert documented in paths, documented
        operation = paths[documented]["get"]
        assert "200" in operation["responses"] and "422" in operation["responses"]
        assert {p["name"] for p in operation["parameters"]} >= {"from", "to", "format"}
