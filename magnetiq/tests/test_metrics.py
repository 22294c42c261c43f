"""Prometheus metrics at /metrics (magnetiq/metrics.py): staff and the scraper's token only."""

import pytest
from django.conf import settings
from django.test import override_settings

from accounts.models import Role
from accounts.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The production middleware pair around the test settings' list (magnetiq/settings/production.py).
WITH_METRICS = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    *settings.MIDDLEWARE,
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]


def test_anonymous_gets_404(client):
    assert client.get("/metrics").status_code == 404


def test_a_signed_in_non_staff_user_gets_404(client):
    client.force_login(UserFactory(role=Role.CLIENT))
    assert client.get("/metrics").status_code == 404


@override_settings(METRICS_TOKEN="")
def test_a_bearer_token_is_refused_when_no_token_is_configured(client):
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@override_settings(METRICS_TOKEN="scrape-secret-0123456789")
def test_a_wrong_token_gets_404(client):
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-wrong").status_code == 404


@override_settings(MIDDLEWARE=WITH_METRICS)
def test_staff_read_the_request_metrics(client):
    client.get("/api/v1/health")
    client.force_login(UserFactory(role=Role.VIEWER))

    response = client.get("/metrics")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert "django_http_requests_total_by_method_total" in body
    assert 'django_http_responses_total_by_status_total{status="200"}' in body
    assert "django_http_requests_latency_seconds_by_view_method_bucket" in body
    assert "python_info" in body
    assert "max-age=0" in response["Cache-Control"]


@override_settings(METRICS_TOKEN="scrape-secret-0123456789")
def test_the_scraper_reads_them_with_the_token(client):
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-0123456789")

    assert response.status_code == 200
    assert "python_info" in response.content.decode()
