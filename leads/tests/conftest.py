"""A local stand-in for Odoo's JSON-2 API: a real HTTP server on 127.0.0.1 answering with the
recorded replies in ``fixtures/`` and keeping every request it received."""

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from magnetiq.testing import ReplayServer, Request

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class RecordedRequest:
    path: str
    headers: dict
    body: dict


@dataclass
class FakeOdoo:
    """Queue replies with :meth:`reply` (status, fixture file); requests land in ``requests``."""

    url: str = ""
    replies: list = field(default_factory=list)
    received: list[Request] = field(default_factory=list)

    def reply(self, fixture: str, status: int = 200, times: int = 1) -> None:
        self.replies.extend([(status, (FIXTURES / fixture).read_bytes())] * times)

    @property
    def requests(self) -> list[RecordedRequest]:
        return [RecordedRequest(r.path, r.headers, r.json() if r.body else {}) for r in self.received]

    def respond(self, request: Request) -> tuple[int, bytes, dict]:
        status, body = self.replies.pop(0) if self.replies else (500, b'{"message": "no reply queued"}')
        return status, body, {"Content-Type": "application/json; charset=utf-8"}


@pytest.fixture
def fake_odoo(settings):
    odoo = FakeOdoo()
    with ReplayServer(odoo.respond) as server:
        odoo.url, odoo.received = server.url, server.requests
        settings.ODOO_URL = odoo.url
        settings.ODOO_DATABASE = "magnetiq-test"
        settings.ODOO_API_KEY = "test-api-key-0123"
        yield odoo
