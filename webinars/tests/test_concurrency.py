"""Must show: 30 simultaneous registrations for 10 seats → exactly 10 registered, 20 waitlisted."""

import json
import urllib.error
import urllib.request
from functools import partial

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread, _StaticFilesHandler

from magnetiq.tests.parallel import run_together
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

    def register(index: int) -> tuple[int, dict]:
        payload = {
            "attendee": {"first_name": "Person", "last_name": str(index), "email": f"p{index}@example.com"},
            "terms_accepted": True,
        }
        request = urllib.request.Request(  # noqa: S310 - the live test server
            url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the live test server
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    results = run_together([partial(register, i) for i in range(PEOPLE)])

    assert [type(result) for result in results] == [tuple] * PEOPLE, results
    assert sorted(status for status, _ in results) == [201] * PEOPLE
    statuses = [body["data"]["status"] for _, body in results]
    assert statuses.count("registered") == SEATS
    assert statuses.count("waitlisted") == PEOPLE - SEATS
    positions = sorted(body["data"]["waitlist_position"] for _, body in results if body["data"]["waitlist_position"])
    assert positions == list(range(1, PEOPLE - SEATS + 1))
    assert WebinarRegistration.objects.filter(webinar=webinar, status=RegistrationStatus.REGISTERED).count() == SEATS
    assert WebinarRegistration.objects.filter(webinar=webinar, status=RegistrationStatus.WAITLISTED).count() == 20
