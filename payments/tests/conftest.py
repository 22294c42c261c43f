"""Fixtures of the payments tests: a priced consultant, a held booking, signed Stripe events, and
recorded Stripe/PayPal responses served on 127.0.0.1 for what localstripe does not have."""

import hashlib
import hmac
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from urllib.parse import parse_qs

import pytest

from bookings.services import booking_create
from bookings.tests.factories import weekday_rules
from consultants.tests.factories import ConsultantFactory
from magnetiq.testing import ReplayServer, Request

WEBHOOK_SECRET = "whsec_test_secret"


def next_slot(days: int = 3, hour: int = 10) -> datetime:
    """A time ``days`` ahead at ``hour``:00 UTC (inside every test consultant's 09–17 UTC schedule)."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def consultant(db):
    """UTC, 09:00–17:00 every day, 200 USD an hour (a 30-minute booking costs 100.00)."""
    c = ConsultantFactory(timezone="UTC", booking_buffer_minutes=0, max_bookings_per_day=10, hourly_rate=200)
    weekday_rules(c, start=dtime(9), end=dtime(17), weekdays=range(7))
    return c


def hold(consultant, *, start=None, email="clara@example.com", now=None, client_user=None):
    """A priced booking held for payment (``pending_payment``) through the bookings core."""
    return booking_create(
        consultant=consultant,
        start=start or next_slot(),
        client_name="Clara Client",
        client_email=email,
        now=now,
        client_user=client_user,
    )


@pytest.fixture
def held_booking(consultant):
    return hold(consultant)


def sign(body: bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header computed like Stripe: ``t=…,v1=HMAC-SHA256(secret, f"{t}.{body}")``."""
    t = int(time.time()) if timestamp is None else timestamp
    signature = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={signature}"


def event_body(event_id: str, type_: str, obj: dict, *, created: int | None = None) -> bytes:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": type_,
            "created": created or int(time.time()),
            "livemode": False,
            "data": {"object": obj},
        }
    ).encode()


# --- recorded provider responses served on 127.0.0.1 (what localstripe lacks; PayPal) ----------

FIXTURES = Path(__file__).parent / "fixtures" / "stripe"


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict  # lower-case names
    body: bytes

    @property
    def form(self) -> dict:
        return parse_qs(self.body.decode())


#: Stripe's answer for an object it does not know.
RESOURCE_MISSING = (
    b'{"error": {"type": "invalid_request_error", "code": "resource_missing",'
    b' "message": "No such object (no recorded reply)."}}'
)


@dataclass
class RecordedServer:
    """Answers ``(method, path)`` with the reply set by :meth:`route` (the same reply every time until
    it is routed again, like an object at Stripe that keeps its state). Every request lands in
    ``requests``; an unrouted one gets Stripe's 404 ``resource_missing``, so nothing passes by accident."""

    base: str = ""
    routes: dict = field(default_factory=dict)
    received: list[Request] = field(default_factory=list)

    def route(self, method: str, path: str, reply, status: int = 200) -> None:
        """``reply``: a fixture file name (``dispute_won.json``), a dict, or ``bytes``."""
        if isinstance(reply, str):
            body = (FIXTURES / reply).read_bytes()
        elif isinstance(reply, dict):
            body = json.dumps(reply).encode()
        else:
            body = reply
        self.routes[(method, path)] = (status, body)

    @property
    def requests(self) -> list[Recorded]:
        return [
            Recorded(r.method, r.path, r.query, {k.lower(): v for k, v in r.headers.items()}, r.body)
            for r in self.received
        ]

    def calls(self, method: str, path: str) -> list[Recorded]:
        return [r for r in self.requests if (r.method, r.path) == (method, path)]

    def respond(self, request: Request) -> tuple[int, bytes, dict]:
        status, body = self.routes.get((request.method, request.path), (404, RESOURCE_MISSING))
        return status, body, {"Content-Type": "application/json", "Request-Id": f"req_recorded{len(self.received)}"}


@contextmanager
def _serve(recorded: RecordedServer):
    with ReplayServer(recorded.respond) as server:
        recorded.base, recorded.received = server.url, server.requests
        yield recorded


def _free_port_for_tests() -> int:
    """A loopback port nothing listens on (bound, then released): "the provider is unreachable"."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def recorded_stripe(settings):
    """The real ``stripe`` SDK pointed at recorded Stripe responses (disputes, failing refunds,
    subscriptions: what localstripe does not have)."""
    with _serve(RecordedServer()) as recorded:
        settings.STRIPE_SECRET_KEY = "sk_test_recorded"
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_recorded"
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_API_BASE = recorded.base
        settings.STRIPE_FEE_PERCENT = 0
        settings.STRIPE_FEE_FIXED = "0.00"
        yield recorded


@pytest.fixture
def recorded_paypal(settings):
    """PayPal's REST API as recorded: ``/v1/oauth2/token`` and ``/v1/notifications/verify-webhook-signature``."""
    with _serve(RecordedServer()) as recorded:
        settings.PAYPAL_API_BASE = recorded.base
        settings.PAYPAL_CLIENT_ID = "AcPaypalClientId"
        settings.PAYPAL_CLIENT_SECRET = "EPaypalSecret"
        settings.PAYPAL_WEBHOOK_ID = "8PT597110X687430LKGECATA"
        yield recorded
