"""The shared replay server of the vendor tests (magnetiq/testing.py): requests recorded and answered over
real HTTP, the server gone after the block."""

import json
import urllib.error
import urllib.request

import pytest

from magnetiq.testing import ReplayServer, Request


def echo(request: Request) -> tuple[int, bytes, dict]:
    """201 for a POST, 200 otherwise; the body names what arrived."""
    body = json.dumps({"method": request.method, "path": request.path, "length": len(request.body)}).encode()
    return (201 if request.method == "POST" else 200), body, {"Content-Type": "application/json", "X-Echo": "yes"}


def fetch(url: str, *, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    """``(status, response headers, body)`` of one request to the loopback test server."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)  # noqa: S310
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return response.status, dict(response.headers.items()), response.read()


def test_a_get_and_a_post_are_recorded_and_answered():
    with ReplayServer(echo) as server:
        assert server.url.startswith("http://127.0.0.1:")
        get = fetch(f"{server.url}/v1/things?page=2&tag=a&tag=b")
        post = fetch(
            f"{server.url}/v1/things",
            data=b"email=ann%40example.com&plan=pro",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": "k-1"},
        )

    assert get[0] == 200
    assert json.loads(get[2]) == {"method": "GET", "path": "/v1/things", "length": 0}
    assert (get[1]["Content-Type"], get[1]["X-Echo"], get[1]["Content-Length"]) == (
        "application/json",
        "yes",
        str(len(get[2])),
    )
    assert post[0] == 201
    assert json.loads(post[2]) == {"method": "POST", "path": "/v1/things", "length": 32}

    first, second = server.requests
    assert (first.method, first.path, first.query, first.body) == (
        "GET",
        "/v1/things",
        {"page": ["2"], "tag": ["a", "b"]},
        b"",
    )
    assert first.json() is None
    assert (second.method, second.path, second.query) == ("POST", "/v1/things", {})
    assert second.body == b"email=ann%40example.com&plan=pro"
    assert second.form() == {"email": ["ann@example.com"], "plan": ["pro"]}
    assert second.headers["Idempotency-Key"] == "k-1"
    assert second.headers["Content-Length"] == "32"


def test_json_body_and_any_method():
    with ReplayServer(echo) as server:
        assert fetch(f"{server.url}/v2/meetings/7", data=b'{"duration": 30}', method="PATCH")[0] == 200

    [patch] = server.requests
    assert (patch.method, patch.path, patch.json()) == ("PATCH", "/v2/meetings/7", {"duration": 30})


def test_the_server_is_gone_after_the_block():
    with ReplayServer(echo) as server:
        assert fetch(server.url)[0] == 200

    with pytest.raises(urllib.error.URLError) as refused:
        fetch(server.url)
    assert isinstance(refused.value.reason, ConnectionRefusedError)
    assert len(server.requests) == 1


def test_an_error_in_respond_is_a_500_and_fails_the_block():
    def broken(request: Request) -> tuple[int, bytes, dict]:
        raise KeyError("no route")

    raised = r"respond\(\) raised while serving 1 request\(s\)"
    with pytest.raises(AssertionError, match=raised) as failed, ReplayServer(broken) as server:
        with pytest.raises(urllib.error.HTTPError) as answered:
            fetch(f"{server.url}/anything")
        assert (answered.value.code, answered.value.read()) == (500, b"respond() raised KeyError('no route')")

    assert isinstance(failed.value.__cause__, KeyError)
