"""The shared vendor HTTP client: timeouts, and retries only of what is safe to repeat."""

import socket
import threading

import pytest

from magnetiq.http import VendorUnreachable, vendor_request
from magnetiq.testing import ReplayServer


@pytest.fixture(autouse=True)
def _fast_backoff(settings):
    settings.VENDOR_RETRY_BACKOFF_SECONDS = 0.01
    settings.VENDOR_MAX_RETRIES = 2


def replies(*statuses):
    """A responder answering the given statuses in turn (the last one from then on)."""
    queue = list(statuses)

    def respond(request):
        status = queue.pop(0) if len(queue) > 1 else queue[0]
        return status, b"{}", {"Content-Type": "application/json", "Retry-After": "0"}

    return respond


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_an_idempotent_request_is_retried_after_a_transient_answer(status):
    with ReplayServer(replies(status, status, 200)) as server:
        response = vendor_request("GET", f"{server.url}/things", vendor="Test", read_timeout=2)
    assert response.status_code == 200
    assert [r.method for r in server.requests] == ["GET", "GET", "GET"]


def test_retries_are_bounded_and_the_last_answer_is_returned():
    with ReplayServer(replies(503)) as server:
        response = vendor_request("DELETE", f"{server.url}/things/1", vendor="Test", read_timeout=2)
    assert response.status_code == 503
    assert len(server.requests) == 3


def test_a_post_is_not_repeated_after_a_5xx_unless_marked_idempotent():
    with ReplayServer(replies(503, 200)) as server:
        first = vendor_request("POST", f"{server.url}/things", vendor="Test", read_timeout=2, json={"a": 1})
        assert (first.status_code, len(server.requests)) == (503, 1)
        second = vendor_request("POST", f"{server.url}/token", vendor="Test", read_timeout=2, idempotent=True)
    assert second.status_code == 200
    assert [r.path for r in server.requests] == ["/things", "/token"]


def test_a_client_error_is_returned_at_once():
    with ReplayServer(replies(404)) as server:
        response = vendor_request("GET", f"{server.url}/missing", vendor="Test", read_timeout=2)
    assert response.status_code == 404
    assert len(server.requests) == 1


def test_a_read_timeout_fails_a_post_once_and_an_idempotent_get_after_three_tries():
    release = threading.Event()

    def slow(request):
        release.wait(2)
        return 200, b"{}", {}

    with ReplayServer(slow) as server:
        with pytest.raises(VendorUnreachable, match=r"^Test did not answer"):
            vendor_request("POST", f"{server.url}/things", vendor="Test", read_timeout=0.2)
        assert len(server.wait_for_requests(1)) == 1
        with pytest.raises(VendorUnreachable):
            vendor_request("GET", f"{server.url}/things", vendor="Test", read_timeout=0.2)
        assert [r.method for r in server.wait_for_requests(4)] == ["POST", "GET", "GET", "GET"]
        release.set()


def test_a_refused_connection_raises_vendor_unreachable():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens on it once the socket is closed
    with pytest.raises(VendorUnreachable) as caught:
        vendor_request("POST", f"http://127.0.0.1:{port}/things", vendor="Test", read_timeout=1)
    assert caught.value.vendor == "Test"
