"""Test support: a real HTTP server on 127.0.0.1 that answers with recorded vendor responses.

The vendor gateways (Odoo, OpenAlex, Stripe, PayPal, Zoom) are tested through their real HTTP
clients against :class:`ReplayServer` instead of mocks: a test decides what each request gets back
and afterwards reads what was sent::

    def respond(request: Request) -> tuple[int, bytes, dict[str, str]]:
        return 200, b'{"ok": true}', {"Content-Type": "application/json"}

    with ReplayServer(respond) as server:
        settings.VENDOR_URL = server.url
        ...
    assert [(r.method, r.path) for r in server.requests] == [("POST", "/v1/things")]

Routing (a queue of replies, a table by path) is the caller's: ``respond`` is called for every
request, of any method, and the server only does the HTTP.
"""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Request:
    """One request as the server received it.

    ``path`` is the raw path without the query string (not percent-decoded); ``query`` is
    ``parse_qs`` of the query string (``{"page": ["2"]}``); ``headers`` keeps the names as the
    client spelled them (the last value of a repeated header); ``body`` is the raw body (``b""``
    when there is none; read by ``Content-Length``, so chunked uploads are not supported).
    """

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self):
        """The body parsed as JSON, ``None`` when the body is empty (``JSONDecodeError`` if it is not JSON)."""
        return json.loads(self.body) if self.body else None

    def form(self) -> dict[str, list[str]]:
        """The body parsed as an urlencoded form: ``{"email": ["a@example.com"]}``."""
        return parse_qs(self.body.decode())


#: ``respond(request) -> (status, body, headers)``; ``Content-Length`` is added by the server.
Responder = Callable[[Request], tuple[int, bytes, dict[str, str]]]


class ReplayServer:
    """A ``ThreadingHTTPServer`` on 127.0.0.1 (a free port) in a daemon thread, as a context manager.

    Every request is appended to :attr:`requests` before ``respond`` is called, so ``respond`` may
    look at how many came before. The access log is silenced. If ``respond`` raises, the client gets
    a 500 and the ``with`` block ends in an ``AssertionError`` caused by that error, so a broken
    stand-in cannot pass for a vendor failure. Leaving the block shuts the server down, closes its socket and
    joins the thread: the port refuses connections afterwards.
    """

    def __init__(self, respond: Responder) -> None:
        self.respond = respond
        self.requests: list[Request] = []
        self.errors: list[Exception] = []
        self.url = ""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> "ReplayServer":
        replay = self

        class Handler(BaseHTTPRequestHandler):
            def __getattr__(self, name: str):
                # http.server dispatches to do_<METHOD>; one handler answers every method.
                if name.startswith("do_"):
                    return self._handle
                raise AttributeError(name)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers=dict(self.headers.items()),
                    body=self.rfile.read(length) if length else b"",
                )
                replay.requests.append(request)
                try:
                    status, body, headers = replay.respond(request)
                except Exception as error:  # noqa: BLE001 - reported to the test when the block ends
                    replay.errors.append(error)
                    status, body, headers = 500, f"respond() raised {error!r}".encode(), {"Content-Type": "text/plain"}
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up waiting (a read-timeout test): there is nobody to answer.
                    return

            def log_message(self, format, *args):
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # A short poll interval keeps shutdown() (once per test) fast.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self

    def wait_for_requests(self, count: int, seconds: float = 10.0) -> list[Request]:
        """:attr:`requests` once it holds ``count`` requests; ``AssertionError`` after ``seconds``.

        A client that timed out has sent its request, but the server thread may record it only
        later on a loaded machine; a test counting requests right after the timeout waits here.
        """
        deadline = time.monotonic() + seconds
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.requests)} request(s) arrived within {seconds} s, {count} expected")
            time.sleep(0.01)
        return self.requests

    def __exit__(self, exc_type, exc, traceback) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        if self.errors and exc_type is None:
            raise AssertionError(f"respond() raised while serving {len(self.errors)} request(s)") from self.errors[0]
