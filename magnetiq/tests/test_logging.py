"""Structured JSON logs (magnetiq/logging.py): the access line of every request, the request id on
every record logged while a request is handled, and production's formatter end to end."""

import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role
from accounts.tests.factories import UserFactory
from magnetiq.logging import REQUEST_LOGGER, JSONFormatter, RequestContextFilter, current_request_id

pytestmark = pytest.mark.django_db

WITH_REQUEST_LOG = [
    *settings.MIDDLEWARE[:1],
    "magnetiq.logging.RequestLogMiddleware",
    *settings.MIDDLEWARE[1:],
]


class _Lines(logging.Handler):
    """Formats each record as production does and keeps the parsed JSON objects."""

    def __init__(self):
        super().__init__()
        self.setFormatter(JSONFormatter())
        self.addFilter(RequestContextFilter())
        self.lines: list[dict] = []

    def emit(self, record):
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def access_lines():
    handler = _Lines()
    logger = logging.getLogger(REQUEST_LOGGER)
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    yield handler.lines
    logger.removeHandler(handler)
    logger.setLevel(previous)


@override_settings(MIDDLEWARE=WITH_REQUEST_LOG)
def test_an_anonymous_request_logs_one_json_access_line(client, access_lines):
    response = client.get("/api/v1/health?secret=not-logged", HTTP_X_REQUEST_ID="req-0123456789")

    assert response.status_code == 200
    [line] = access_lines
    assert line["level"] == "INFO"
    assert line["logger"] == "magnetiq.request"
    assert line["message"] == "GET /api/v1/health 200"
    assert line["request_id"] == "req-0123456789" == response["X-Request-ID"]
    assert line["user_id"] is None
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/v1/health", 200)
    assert isinstance(line["latency_ms"], float)
    assert line["latency_ms"] >= 0
    assert line["timestamp"].endswith("+00:00")
    assert "secret" not in json.dumps(line)


@override_settings(MIDDLEWARE=WITH_REQUEST_LOG)
def test_a_jwt_request_logs_the_user_id_and_a_404_its_status(api_client, access_lines):
    user = UserFactory(role=Role.CLIENT)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")

    api_client.get("/api/v1/auth/me")
    api_client.get("/api/v1/no-such-endpoint")

    assert (access_lines[0]["user_id"], access_lines[0]["status"]) == (user.pk, 200)
    assert access_lines[1]["status"] == 404
    assert access_lines[1]["path"] == "/api/v1/no-such-endpoint"


@override_settings(MIDDLEWARE=WITH_REQUEST_LOG)
def test_a_session_user_is_logged_by_id(client, access_lines):
    user = UserFactory(role=Role.CLIENT)
    client.force_login(user)

    client.get("/robots.txt")

    assert (access_lines[-1]["path"], access_lines[-1]["user_id"]) == ("/robots.txt", user.pk)


@override_settings(MIDDLEWARE=WITH_REQUEST_LOG)
def test_records_logged_during_a_request_carry_its_id_and_none_after(client, monkeypatch):
    handler = _Lines()
    logger = logging.getLogger("magnetiq.tests.during")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    from magnetiq import health

    original = health.check_database

    def logging_check():
        logger.info("checking", extra={"service": "database"})
        return original()

    monkeypatch.setattr(health, "check_database", logging_check)
    try:
        response = client.get("/api/v1/health/ready", HTTP_X_REQUEST_ID="ready-request-42")
        logger.info("after the request")
    finally:
        logger.removeHandler(handler)

    assert response.status_code == 200
    assert handler.lines[0]["request_id"] == "ready-request-42"
    assert handler.lines[0]["service"] == "database"
    assert handler.lines[1]["request_id"] is None
    assert current_request_id() is None


def test_a_traceback_is_one_json_field():
    handler = _Lines()
    record_logger = logging.getLogger("magnetiq.tests.exc")
    record_logger.addHandler(handler)
    try:
        try:
            raise ValueError("broken")
        except ValueError:
            record_logger.exception("failed")
    finally:
        record_logger.removeHandler(handler)

    [line] = handler.lines
    assert line["level"] == "ERROR"
    assert "ValueError: broken" in line["exc_info"]


def test_production_settings_log_json_lines(tmp_path):
    from magnetiq.keys import generate_pem_pair

    private, public = generate_pem_pair()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "JWT_"))}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "magnetiq.settings.production",
            "DJANGO_SECRET_KEY": "y" * 64,
            "DJANGO_ALLOWED_HOSTS": "portal.example.com",
            "JWT_PRIVATE_KEY": private,
            "JWT_PUBLIC_KEY": public,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        }
    )
    script = (
        "import json, logging; from django.conf import settings; "
        "logging.getLogger('magnetiq.probe').warning('hello %s', 'json'); print(json.dumps(settings.MIDDLEWARE))"
    )
    result = subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    middleware = json.loads(result.stdout.strip().splitlines()[-1])
    assert middleware[:3] == [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        "magnetiq.api.middleware.RequestIDMiddleware",
        "magnetiq.logging.RequestLogMiddleware",
    ]
    assert middleware[-1] == "django_prometheus.middleware.PrometheusAfterMiddleware"
    assert {k: line[k] for k in ("level", "logger", "message", "request_id")} == {
        "level": "WARNING",
        "logger": "magnetiq.probe",
        "message": "hello json",
        "request_id": None,
    }
