"""The response envelope of every ``/api/v1`` answer, built in one place so no endpoint can drift from it.

Success: ``{"success": true, "data": …, "message": "…", "metadata": {…}}``.
Error:   ``{"success": false, "error": {"code", "message", "details": [{"field", "message", "code"}]},
"metadata": {…}}``.
"""

import time
from datetime import UTC, datetime

from django.conf import settings


def metadata(request) -> dict:
    """``{"timestamp" (ISO 8601, UTC), "request_id", "version", "execution_time_ms" (float)}``."""
    started = getattr(request, "started_at", None)
    elapsed = round((time.perf_counter() - started) * 1000, 2) if started is not None else 0.0
    return {
        "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "request_id": getattr(request, "request_id", ""),
        "version": settings.API_VERSION,
        "execution_time_ms": elapsed,
    }


def error_body(code: str, message: str, details: list[dict] | None = None) -> dict:
    """The error part of the envelope (metadata is added by the renderer)."""
    return {"success": False, "error": {"code": code, "message": message, "details": details or []}}


def is_enveloped(data) -> bool:
    return isinstance(data, dict) and "success" in data and ("data" in data or "error" in data)
