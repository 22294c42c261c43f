"""The API's envelope, error shape, status codes, pagination and X-Request-ID (``magnetiq/api/``)."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.urls("magnetiq.tests.urls")]

META_KEYS = {"timestamp", "request_id", "version", "execution_time_ms"}


def _bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(user).access_token}"}


def test_success_envelope(api_client):
    response = api_client.get("/api/v1/echo")
    body = response.json()
    assert response.status_code == 200
    assert body["success"] is True
    assert body["data"] == {"hello": "world"}
    assert body["message"] == "OK"
    assert set(body["metadata"]) == META_KEYS
    assert body["metadata"]["version"] == "v1"
    assert body["metadata"]["request_id"] == response["X-Request-ID"]


def test_created_with_message(api_client):
    response = api_client.post("/api/v1/echo", {"email": "a@example.com", "count": 2}, format="json")
    assert response.status_code == 201
    assert response.json()["message"] == "Echoed"
    assert response.json()["data"] == {"email": "a@example.com", "count": 2}


def test_validation_error_is_422_with_field_details(api_client):
    response = api_client.post("/api/v1/echo", {"email": "nope", "count": 0}, format="json")
    body = response.json()
    assert response.status_code == 422
    assert body["success"] is False
    assert body["error"]["code"] == "VALIDATION_ERROR"
    fields = {d["field"]: d["code"] for d in body["error"]["details"]}
    assert fields == {"email": "invalid", "count": "min_value"}
    assert set(body["metadata"]) == META_KEYS


def test_malformed_json_is_400(api_client):
    response = api_client.generic("POST", "/api/v1/echo", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "PARSE_ERROR"


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("conflict", 409, "BOOKING_UNAVAILABLE"),
        ("http404", 404, "NOT_FOUND"),
        ("integrity", 409, "CONFLICT"),
        ("django-validation", 422, "VALIDATION_ERROR"),
    ],
)
def test_domain_and_django_errors_share_the_shape(api_client, kind, status, code):
    response = api_client.get(f"/api/v1/fail/{kind}")
    body = response.json()
    assert response.status_code == status
    assert body["success"] is False
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["details"], list)


def test_unknown_api_path_is_enveloped_404(api_client):
    response = api_client.get("/api/v1/nothing-here")
    body = response.json()
    assert response.status_code == 404
    assert body["success"] is False
    assert body["error"]["code"] == "NOT_FOUND"
    assert response["X-Request-ID"]


def test_unhandled_error_is_enveloped_500_without_traceback():
    client = APIClient(raise_request_exception=False)
    response = client.get("/api/v1/fail/crash")
    body = response.json()
    assert response.status_code == 500
    assert body["error"]["code"] == "SERVER_ERROR"
    assert "boom" not in response.content.decode()


def test_throttled_is_429_with_retry_after(api_client):
    statuses = [api_client.get("/api/v1/throttled").status_code for _ in range(3)]
    response = api_client.get("/api/v1/throttled")
    assert statuses == [200, 200, 429]
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "RATE_LIMITED"
    # The rest of this window, plus up to 30 s while the full previous window (weighted 1 - x/60)
    # still counts in the sliding-window estimate: 2 * (1 - x/60) + 1 <= 2 from x = 30 s.
    assert 1 <= int(response["Retry-After"]) <= 90


def test_no_token_is_401(api_client):
    response = api_client.get("/api/v1/protected")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "NOT_AUTHENTICATED"


def test_bad_token_is_401(api_client):
    response = api_client.get("/api/v1/protected", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "AUTHENTICATION_FAILED"


def test_missing_permission_is_403_and_method_specific(api_client):
    user = User.objects.create_user("viewer@example.com", "pw-123456789")
    user.user_permissions.add(Permission.objects.get(codename="view_user"))
    assert api_client.get("/api/v1/protected", **_bearer(user)).status_code == 200
    response = api_client.post("/api/v1/protected", {}, format="json", **_bearer(user))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "PERMISSION_DENIED"


def test_request_id_is_echoed_when_safe_and_replaced_when_not(api_client):
    assert api_client.get("/api/v1/echo", HTTP_X_REQUEST_ID="trace-12345678")["X-Request-ID"] == "trace-12345678"
    replaced = api_client.get("/api/v1/echo", HTTP_X_REQUEST_ID="bad id <script>")["X-Request-ID"]
    assert len(replaced) == 32
    assert replaced != "bad id <script>"


def test_pagination_shape_and_limits(api_client):
    for i in range(25):
        User.objects.create_user(f"user{i:02d}@example.com", "pw")
    body = api_client.get("/api/v1/users?page=2&limit=10").json()
    assert body["data"]["pagination"] == {"page": 2, "limit": 10, "total": 25, "pages": 3}
    assert [u["email"] for u in body["data"]["users"]][:2] == ["user10@example.com", "user11@example.com"]
    assert api_client.get("/api/v1/users?limit=101").status_code == 422
    assert api_client.get("/api/v1/users?page=0").status_code == 422
    assert api_client.get("/api/v1/users?page=abc").status_code == 422
    assert api_client.get("/api/v1/users?page=9").status_code == 404
