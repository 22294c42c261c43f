"""Real parallel HTTP requests for the rate-limit tests: one thread per request, all released at
once by a ``threading.Barrier``, against pytest-django's ``live_server``."""

import http.client
import json
import threading
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from django.db import connections


def _post(url: str, body: dict, headers: dict) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request(
            "POST", parts.path, body=json.dumps(body), headers={"Content-Type": "application/json", **headers}
        )
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def widen_backlog(live_server, connections_at_once: int = 64) -> str:
    """Let pytest-django's ``live_server`` queue ``connections_at_once`` connections and return its
    URL. Django's test server listens with a backlog of 10, so 20 or 30 connections opened at the
    same moment are partly reset before Django sees them (a real deployment sits behind a server
    with a deep backlog). On Linux, listening again on the bound socket just changes the backlog."""
    live_server.thread.httpd.socket.listen(connections_at_once)
    return live_server.url


def post_in_parallel(url: str, bodies: list[dict], headers: list[dict] | None = None) -> list[int]:
    """POST ``bodies[i]`` (JSON, with ``headers[i]``) to ``url`` from one thread each, all at once.

    Returns the status codes in the order of ``bodies``; a request that raised is ``-1`` (so the
    caller's exact assertion fails instead of the error vanishing in a thread).
    """
    headers = headers or [{} for _ in bodies]
    barrier = threading.Barrier(len(bodies))
    statuses = [-1] * len(bodies)

    def send(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            statuses[index] = _post(url, bodies[index], headers[index])
        except Exception:  # noqa: BLE001 - recorded as -1 and asserted by the caller
            statuses[index] = -1
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def window_start(period: int = 60, offset: float = 1.0) -> datetime:
    """The start of the next rate-limit window of ``period`` seconds plus ``offset`` seconds, on the
    clock the test runs with: travelling there keeps a burst inside one window."""
    start = (time.time() // period + 1) * period + offset
    return datetime.fromtimestamp(start, tz=UTC)
