"""RELIABILITY C-1 and C-2 (docs/reliability.md) with real parallel HTTP requests against the live server.

The test database is a SQLite file (WAL, IMMEDIATE transactions) or PostgreSQL (``DATABASE_URL``);
``transaction=True`` so each request commits for real and the threads race on the same rows.
"""

import http.client
import json
from datetime import UTC, datetime, time, timedelta
from functools import partial
from urllib.parse import urlsplit

import pytest

from bookings.models import ConsultationBooking
from bookings.tests.factories import weekday_rules
from consultants.tests.factories import ConsultantFactory
from magnetiq.api.throttling import PublicThrottle
from magnetiq.tests.parallel import run_together


def _post(url: str, payload: dict) -> tuple[int, dict]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("POST", parts.path, body=json.dumps(payload), headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    try:
        return response.status, json.loads(body)
    except ValueError:
        return response.status, {"raw": body.decode(errors="replace")}


def _race(url: str, payloads: list[dict]) -> list[tuple[int, dict]]:
    results = run_together([partial(_post, url, payload) for payload in payloads])
    return [(-1, {"exception": repr(r)}) if isinstance(r, Exception) else r for r in results]


def _payload(start: datetime, n: int) -> dict:
    return {
        "scheduled_date": start.isoformat().replace("+00:00", "Z"),
        "timezone": "Europe/Berlin",
        "client_name": f"Racer {n}",
        "client_email": f"racer{n}@example.com",
    }


@pytest.fixture
def racing_consultant(monkeypatch):
    # The race is about the slot, not the per-IP limit: every request comes from 127.0.0.1.
    monkeypatch.setattr(PublicThrottle, "allow_request", lambda self, request, view: True)
    consultant = ConsultantFactory(timezone="UTC", booking_buffer_minutes=0, max_bookings_per_day=48)
    weekday_rules(consultant, start=time(8), end=time(18), weekdays=range(7))
    return consultant


def _day_after_tomorrow() -> datetime:
    day = (datetime.now(UTC) + timedelta(days=3)).date()
    return datetime.combine(day, time(8), tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_thirty_parallel_requests_for_one_slot_make_exactly_one_booking(live_server, racing_consultant):
    start = _day_after_tomorrow() + timedelta(hours=2)
    url = f"{live_server.url}/api/v1/public/consultants/{racing_consultant.pk}/book-30for30"

    results = _race(url, [_payload(start, n) for n in range(30)])

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * 29, [r for r in results if r[0] not in (201, 409)]
    conflicts = [body for status, body in results if status == 409]
    assert {body["error"]["code"] for body in conflicts} == {"BOOKING_UNAVAILABLE"}
    assert not any("locked" in json.dumps(body).lower() for _, body in results)
    assert ConsultationBooking.objects.filter(consultant=racing_consultant, start=start).count() == 1
    assert ConsultationBooking.objects.active().filter(consultant=racing_consultant).count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_parallel_requests_for_different_slots_all_succeed(live_server, racing_consultant):
    first = _day_after_tomorrow()
    url = f"{live_server.url}/api/v1/public/consultants/{racing_consultant.pk}/book-30for30"
    payloads = [_payload(first + timedelta(minutes=30 * n), n) for n in range(20)]

    results = _race(url, payloads)

    assert [status for status, _ in results] == [201] * 20, results
    assert ConsultationBooking.objects.active().filter(consultant=racing_consultant).count() == 20
