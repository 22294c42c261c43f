"""Work started at the same instant for the concurrency tests: :func:`run_together` runs calls in
threads released by one ``threading.Barrier``; :func:`post_in_parallel` sends real HTTP requests
that way to pytest-django's ``live_server``."""

import http.client
import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit

from django.db import connections

T = TypeVar("T")


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


def run_together(
    calls: list[Callable[[], T]], *, barrier_timeout: float = 30, join_timeout: float = 120
) -> list[T | Exception]:
    """Run each of ``calls`` in a thread of its own, all released at once by a ``threading.Barrier``.

    Returns, in the order of ``calls``, what each returned or the exception it raised (so the
    caller's exact assertion sees it instead of the error vanishing in a thread). A call still
    running ``join_timeout`` seconds after the threads started is a ``RuntimeError("did not
    finish")``; a barrier not reached by every thread within ``barrier_timeout`` seconds is a
    ``threading.BrokenBarrierError``. Each thread closes its database connections when done.
    """
    barrier = threading.Barrier(len(calls))
    results: list[T | Exception] = [RuntimeError("did not finish")] * len(calls)

    def attempt(index: int) -> None:
        try:
            barrier.wait(timeout=barrier_timeout)
            results[index] = calls[index]()
        except Exception as error:  # noqa: BLE001 - returned to the caller, which asserts on it
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + join_timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    # A copy: a thread that did not finish in time must not change what the caller asserts on.
    return list(results)


def post_in_parallel(url: str, bodies: list[dict], headers: list[dict] | None = None) -> list[int]:
    """POST ``bodies[i]`` (JSON, with ``headers[i]``) to ``url`` from one thread each, all at once.

    Returns the status codes in the order of ``bodies``; a request that raised is ``-1``.
    """
    headers = headers or [{} for _ in bodies]
    calls = [partial(_post, url, body, header) for body, header in zip(bodies, headers, strict=True)]
    return [result if isinstance(result, int) else -1 for result in run_together(calls)]


def window_start(period: int = 60, offset: float = 1.0) -> datetime:
    """The start of the next rate-limit window of ``period`` seconds plus ``offset`` seconds, on the
    clock the test runs with: travelling there keeps a burst inside one window."""
    start = (time.time() // period + 1) * period + offset
    return datetime.fromtimestamp(start, tz=UTC)
