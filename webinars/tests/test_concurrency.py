"""Must show: 30 simultaneous registrations for 10 seats → exactly 10 registered, 20 waitlisted."""

import json
import threading
import urllib.error
import urllib.request

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread, _StaticFilesHandler

from webinars.models import RegistrationStatus, WebinarRegistration
from webinars.tests.factories import WebinarFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

PEOPLE = 30
SEATS = 10


class WideServer(ThreadedWSGIServer):
    # socketserver's listen backlog is 5: thirty connections arriving at once would be reset
    # before Django sees them. A real deployment sits behind a server with a deep backlog.
    request_queue_size = 64


class WideServerThread(LiveServerThread):
    server_class = WideServer


@pytest.fixture
def wide_live_server(transactional_db):
    """A live server like pytest-django's ``live_server`` that accepts 30 connections at once."""
    thread = WideServerThread("localhost", _StaticFilesHandler)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://localhost:{thread.port}"
    thread.terminate()


def test_thirty_simultaneous_http_registrations_for_ten_seats(wide_live_server, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "webinar_register": "1000/min"},
    }
    webinar = WebinarFactory(capacity=SEATS)
    url = f"{wide_live_server}/api/v1/public/webinars/{webinar.pk}/register"
    barrier = threading.Barrier(PEOPLE)
    results: list[tuple[int, dict]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def register(index: int) -> None:
        payload = {
            "attendee": {"first_name": "Person", "last_name": str(index), "email": f"p{index}@example.com"},
            "terms_accepted": True,
        }
        request = urllib.request.Request(  # noqa: S310 - the live test server
            url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            barrier.wait(timeout=30)
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the live test server
                    outcome = (response.status, json.loads(response.read()))
            except urllib.error.HTTPError as exc:
                outcome = (exc.code, json.loads(exc.read()))
            with lock:
                results.append(outcome)
        except BaseException as exc:  # noqa: BLE001 - recorded and asserted below
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(status for status, _ in results) == [201] * PEOPLE
    statuses = [body["data"]["status"] for _, body in results]
    assert statuses.count("registered") == SEATS
    assert statuses.count("waitlisted") == PEOPLE - SEATS
    positions = sorted(body["data"]["waitlist_position"] for _, body in results if body["data"]["waitlist_position"])
    assert positions == list(range(1, PEOPLE - SEATS + 1))
    assert WebinarRegistration.objects.filter(webinar=webinar, status=RegistrationStatus.REGISTERED).count() == SEATS
    assert WebinarRegistration.objects.filter(webinar=webinar, status=RegistrationStatus.WAITLISTED).count() == 20
