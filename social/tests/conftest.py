"""Fixtures of the social tests: a recorded-response stand-in for LinkedIn and X over real local
HTTP (:class:`magnetiq.testing.ReplayServer`), the settings pointing at it, and staff with roles."""

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import Role
from accounts.tests.factories import UserFactory
from magnetiq.testing import ReplayServer, Request

FIXTURES = Path(__file__).parent / "fixtures"

Reply = tuple[int, bytes, dict[str, str]]


def recorded(network: str, name: str, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """The recording ``fixtures/<network>/<name>.json`` as a reply."""
    body = (FIXTURES / network / f"{name}.json").read_bytes()
    return status, body, {"Content-Type": "application/json", **(headers or {})}


class FakeNetwork:
    """A stand-in for LinkedIn or X: ``routes[(method, path)]`` is a list of replies (the last one
    repeats) or a callable ``(request) -> reply``; ``sent(method, path)`` lists what arrived."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply] | Callable[[Request], Reply]] = {}
        self.server = ReplayServer(self.respond)
        self.lock = threading.Lock()

    def on(self, method: str, path: str, *replies: Reply | Callable[[Request], Reply]) -> None:
        if len(replies) == 1 and callable(replies[0]):
            self.routes[(method, path)] = replies[0]
        else:
            self.routes[(method, path)] = list(replies)

    def respond(self, request: Request) -> Reply:
        with self.lock:
            route = self.routes.get((request.method, request.path))
            if route is None:
                return 404, b'{"message": "no recording"}', {"Content-Type": "application/json"}
            if callable(route):
                return route(request)
            reply = route.pop(0) if len(route) > 1 else route[0]
        if callable(reply):
            return reply(request)
        return reply

    def sent(self, method: str | None = None, path: str | None = None) -> list[Request]:
        return [
            r
            for r in self.server.requests
            if (method is None or r.method == method) and (path is None or r.path == path)
        ]

    @property
    def url(self) -> str:
        return self.server.url


#: The read timeout (seconds) of the tests whose stand-in answers late, with ``slow(1.5, …)``.
SHORT_TIMEOUT = 0.5


def slow(seconds: float, reply: Reply) -> Callable[[Request], Reply]:
    """A reply that comes after ``seconds`` (longer than the read timeout: no answer in time)."""

    def respond(request: Request) -> Reply:
        time.sleep(seconds)
        return reply

    return respond


@pytest.fixture
def network(settings):
    """One stand-in serving both networks, with both configured to use it.

    The read timeout is generous (10 s) so a loaded machine never turns an answer into "no answer";
    a test about timeouts sets a short one itself (:data:`SHORT_TIMEOUT`) with a :func:`slow` reply."""
    fake = FakeNetwork()
    with fake.server:
        settings.LINKEDIN_CLIENT_ID = "li-client"
        settings.LINKEDIN_CLIENT_SECRET = "li-secret"
        settings.LINKEDIN_AUTH_URL = f"{fake.url}/oauth/v2"
        settings.LINKEDIN_API_URL = fake.url
        settings.LINKEDIN_ORGANIZATION_URN = ""
        settings.X_CLIENT_ID = "x-client"
        settings.X_CLIENT_SECRET = "x-secret"
        settings.X_API_URL = fake.url
        settings.X_AUTHORIZE_URL = "https://x.example/i/oauth2/authorize"
        settings.SOCIAL_TIMEOUT_SECONDS = 10
        settings.VENDOR_MAX_RETRIES = 1
        yield fake


def image_init(fake: FakeNetwork) -> Callable[[Request], Reply]:
    """LinkedIn's initializeUpload, with the upload address on the stand-in."""

    def respond(request: Request) -> Reply:
        status, body, headers = recorded("linkedin", "image_initialize")
        return status, body.replace(b"{base}", fake.url.encode()), headers

    return respond


@pytest.fixture
def api_as():
    """``api_as(role)``: an API client with a real JWT of a new user holding ``role``."""

    def make(role: str = Role.EDITOR) -> APIClient:
        user = UserFactory(role=role, email=f"{role}-{time.monotonic_ns()}@example.com")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        client.user = user
        return client

    return make


def json_of(request: Request):
    return json.loads(request.body)
