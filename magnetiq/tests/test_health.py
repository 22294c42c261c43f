"""Health endpoints (spec 000 "Health Check Endpoint")."""

import socket
import threading

import pytest
from django.db import transaction
from django.test import override_settings
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from magnetiq import health
from magnetiq.vendors import VendorCallInTransaction

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
    assert set(data["services"]) == {"database", "migrations", "filesystem", "tasks", "cache", "email", "vendors"}
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


# --- cache, SMTP, vendors -----------------------------------------------------------------------------

NO_VENDORS = {
    "STRIPE_SECRET_KEY": "",
    "PAYPAL_CLIENT_ID": "",
    "ZOOM_ACCOUNT_ID": "",
    "ODOO_URL": "",
    "OPENALEX_MAILTO": "",
}


class _Listener:
    """A loopback TCP server answering each connection with ``greeting`` then ``221`` to anything.

    :attr:`accepted` is exact, not a snapshot: the kernel completes a client's handshake before the
    serving thread calls ``accept()``, so a plain counter read right after the client returns may
    lag. Reading it queues a sentinel connection behind everything already made (the accept queue
    is first in, first out) and counts the connections accepted before the sentinel."""

    def __init__(self, greeting: bytes = b"220 test ESMTP\r\n"):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.greeting = greeting
        self._peers: list[tuple] = []
        self._sentinels: set[tuple] = set()
        self._changed = threading.Condition()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            with self._changed:
                self._peers.append(peer)
                self._changed.notify_all()
            with conn:
                try:
                    conn.sendall(self.greeting)
                    conn.settimeout(2)
                    while conn.recv(1024):
                        conn.sendall(b"221 bye\r\n")
                except OSError:
                    pass

    @property
    def accepted(self) -> int:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sentinel:
            mine = sentinel.getsockname()
            with self._changed:
                self._sentinels.add(mine)
                if not self._changed.wait_for(lambda: mine in self._peers, timeout=5):
                    raise AssertionError("the listener did not accept its sentinel connection within 5 s")
                before = self._peers[: self._peers.index(mine)]
        return sum(1 for peer in before if peer not in self._sentinels)

    def close(self):
        self.sock.close()


@pytest.fixture
def listener():
    server = _Listener()
    yield server
    server.close()


def _closed_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return sock.getsockname()[1]


def test_the_cache_check_writes_and_reads_back():
    assert health.check_cache() == {"status": "healthy", "backend": "LocMemCache"}


def test_a_failing_cache_is_unhealthy_and_degrades_the_report(api_client, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("Redis went away")

    monkeypatch.setattr(health.cache, "set", broken)

    data = api_client.get("/api/v1/health/detailed").json()["data"]

    assert data["services"]["cache"] == {"status": "unhealthy", "backend": "LocMemCache", "error": "Redis went away"}
    assert data["status"] == "degraded"


def test_a_local_email_backend_is_not_configured():
    assert health.check_email() == {"status": "healthy", "configured": False, "backend": "locmem"}
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend"):
        assert health.check_email() == {"status": "healthy", "configured": False, "backend": "console"}


def test_an_smtp_server_that_greets_is_healthy_and_probed_once_per_cache_period(listener):
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=listener.port
    ):
        first = health.check_email()
        second = health.check_email()

    expected = {"status": "healthy", "configured": True, "backend": "smtp"}
    assert first == second == expected
    assert listener.accepted == 1


def test_an_smtp_server_that_refuses_is_unhealthy():
    port = _closed_port()
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=port
    ):
        report = health.check_email()

    assert report["status"] == "unhealthy"
    assert report["configured"] is True
    assert "refused" in report["error"].lower()


@override_settings(**NO_VENDORS)
def test_vendors_without_settings_are_not_configured_and_not_contacted(monkeypatch):
    monkeypatch.setattr(health, "_tcp_probe", lambda url: pytest.fail(f"probed {url}"))

    report = health.check_vendors()

    assert report == {
        "status": "healthy",
        "vendors": {
            name: {"configured": False, "status": "healthy"}
            for name in ("stripe", "paypal", "zoom", "odoo", "openalex")
        },
    }


def test_configured_vendors_are_probed_reachable_or_not_and_their_hosts_not_shown(listener):
    closed = _closed_port()
    with override_settings(
        **{**NO_VENDORS, "STRIPE_SECRET_KEY": "sk_test_123", "ODOO_URL": f"http://127.0.0.1:{closed}"},
        STRIPE_API_BASE=f"http://127.0.0.1:{listener.port}",
        ODOO_DATABASE="acme",
        ODOO_API_KEY="key",
    ):
        report = health.check_vendors()
        again = health.check_vendors()

    assert report["vendors"]["stripe"] == {"configured": True, "status": "healthy", "reachable": True}
    odoo = report["vendors"]["odoo"]
    assert (odoo["configured"], odoo["status"], odoo["reachable"]) == (True, "warning", False)
    assert report["vendors"]["zoom"] == {"configured": False, "status": "healthy"}
    # An unreachable vendor is a warning: the report is not degraded by it.
    assert report["status"] == "warning"
    assert again == report
    assert listener.accepted == 1
    assert "127.0.0.1" not in str(report)


def test_vendor_probes_refuse_to_run_inside_a_transaction(listener):
    with (
        override_settings(
            **{**NO_VENDORS, "STRIPE_SECRET_KEY": "sk_test_123"}, STRIPE_API_BASE=f"http://127.0.0.1:{listener.port}"
        ),
        pytest.raises(VendorCallInTransaction),
        transaction.atomic(),
    ):
        health.check_vendors()
    assert listener.accepted == 0
