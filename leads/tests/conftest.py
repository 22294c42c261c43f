"""A local stand-in for Odoo's JSON-2 API: a real HTTP server on 127.0.0.1 answering with the
recorded replies in ``fixtures/`` and keeping every request it received."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

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
    requests: list = field(default_factory=list)

    def reply(self, fixture: str, status: int = 200, times: int = 1) -> None:
        self.replies.extend([(status, (FIXTURES / fixture).read_bytes())] * times)


@pytest.fixture
def fake_odoo(settings):
    odoo = FakeOdoo()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            odoo.requests.append(
                RecordedRequest(self.path, dict(self.headers.items()), json.loads(self.rfile.read(length) or b"{}"))
            )
            status, body = odoo.replies.pop(0) if odoo.replies else (500, b'{"message": "no reply queued"}')
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format, *args):
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    odoo.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.ODOO_URL = odoo.url
    settings.ODOO_DATABASE = "magnetiq-test"
    settings.ODOO_API_KEY = "test-api-key-0123"
    yield odoo
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
