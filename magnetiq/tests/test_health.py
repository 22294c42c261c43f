"""Health endpoints (spec 000 "Health Check Endpoint")."""

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_basic_health(api_client):
    body = api_client.get("/api/v1/health").json()
    assert body["success"] is True
    assert body["data"]["status"] == "healthy"
    assert body["data"]["version"] == "2.0.0"


def test_live_and_ready(api_client):
    assert api_client.get("/api/v1/health/live").json()["data"]["status"] == "alive"
    ready = api_client.get("/api/v1/health/ready")
    assert ready.status_code == 200
    assert ready.json()["data"]["services"]["migrations"] == {"status": "healthy", "pending": 0}


def test_detailed_reports_every_service(api_client):
    data = api_client.get("/api/v1/health/detailed").json()["data"]
    assert set(data["services"]) == {"database", "migrations", "filesystem", "tasks"}
    assert data["services"]["database"]["status"] == "healthy"
    assert data["status"] == "healthy"


def test_ready_is_503_when_migrations_are_pending(api_client, monkeypatch):
    from magnetiq import health

    monkeypatch.setattr(health, "check_migrations", lambda: {"status": "unhealthy", "pending": 3})
    response = api_client.get("/api/v1/health/ready")
    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "NOT_READY"
    assert error["details"] == [
        {"field": "migrations", "message": "{'status': 'unhealthy', 'pending': 3}", "code": "unhealthy"}
    ]


def test_ready_documents_its_503_as_the_error_envelope(api_client, monkeypatch):
    """The schema's 503 of the readiness probe is the shape the probe answers with (it said HealthDetailed)."""
    from magnetiq import health

    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    documented = schema["paths"]["/api/v1/health/ready"]["get"]["responses"]["503"]
    assert documented["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}
    monkeypatch.setattr(health, "check_migrations", lambda: {"status": "unhealthy", "pending": 1})
    body = api_client.get("/api/v1/health/ready").json()
    envelope = schema["components"]["schemas"]["ErrorEnvelope"]
    assert set(body) == set(envelope["properties"])
    assert set(body["error"]) == set(envelope["properties"]["error"]["properties"])


def test_system_health_is_staff_only(api_client):
    assert api_client.get("/api/v1/admin/system-health").status_code == 401
    client_user = User.objects.create_user("client@example.com", "pw", role="client")
    token = RefreshToken.for_user(client_user).access_token
    assert api_client.get("/api/v1/admin/system-health", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 403
    staff = User.objects.create_user("staff@example.com", "pw", role="viewer", is_staff=True)
    token = RefreshToken.for_user(staff).access_token
    response = api_client.get("/api/v1/admin/system-health", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["data"]["counts"]["users"] == 2
