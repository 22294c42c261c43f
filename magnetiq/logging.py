"""Structured logs for production: one JSON object per line, and one access line per request.

Production (``magnetiq.settings.production``) formats every record with :class:`JSONFormatter`
and adds :class:`RequestLogMiddleware` right after ``magnetiq.api.middleware.RequestIDMiddleware``.
Each line is an object such as::

    {"timestamp": "2026-12-04T16:40:43.123456+00:00", "level": "INFO", "logger": "magnetiq.request",
     "message": "GET /api/v1/health 200", "request_id": "3f2c…", "user_id": 12, "method": "GET",
     "path": "/api/v1/health", "status": 200, "latency_ms": 3.4}

``request_id`` is the ``X-Request-ID`` the response carries; every other record logged while a request
is handled (a service's warning, ``django.request``'s traceback) carries it too, through
:class:`RequestContextFilter`. ``path`` never includes the query string: download links and webhook
secrets travel there.
"""

from __future__ import annotations

import contextvars
import logging
import time
from datetime import UTC, datetime

from pythonjsonlogger.json import JsonFormatter

REQUEST_LOGGER = "magnetiq.request"

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("magnetiq_request_id", default=None)
_logger = logging.getLogger(REQUEST_LOGGER)


def current_request_id() -> str | None:
    """The id of the request this thread (or task) is handling, ``None`` outside a request."""
    return _request_id.get()


class RequestContextFilter(logging.Filter):
    """Adds ``request_id`` (or ``None``) to every record that has none, so a JSON line can be tied to
    the request that caused it. Attach it to the handler, not a logger: handler filters see the
    records of every logger that propagates to it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = _request_id.get()
        return True


class JSONFormatter(JsonFormatter):
    """python-json-logger's formatter with fixed field names: ``timestamp`` (ISO 8601, UTC, from the
    record's creation time), ``level``, ``logger``, ``message``, then the record's extra fields
    (``request_id`` and the access fields), and ``exc_info`` (the traceback text) when there is one."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data: dict, record: logging.LogRecord, message_dict: dict) -> None:
        log_data["timestamp"] = datetime.fromtimestamp(record.created, tz=UTC).isoformat()
        super().add_fields(log_data, record, message_dict)


class RequestLogMiddleware:
    """Logs one INFO line per request on ``magnetiq.request`` (fields in the module docstring).

    ``latency_ms`` runs from ``RequestIDMiddleware`` (``request.started_at``) to the response, in
    milliseconds with one decimal. ``user_id`` is the signed-in user's id: a session user, or the JWT
    user once DRF has authenticated the request (DRF sets it on the Django request); ``None`` for
    anonymous requests.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_id.set(getattr(request, "request_id", None))
        started = getattr(request, "started_at", None) or time.perf_counter()
        try:
            response = self.get_response(request)
            _logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "request_id": _request_id.get(),
                    "user_id": _user_id(request),
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "latency_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            _request_id.reset(token)


def _user_id(request) -> int | None:
    user = getattr(request, "user", None)
    try:
        return user.pk if user is not None and user.is_authenticated else None
    except Exception:  # noqa: BLE001 - a failing session lookup must not turn a response into a 500
        return None
