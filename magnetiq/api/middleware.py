"""Request id and timing for every request (pages and API alike)."""

import re
import time
import uuid

_VALID_ID = re.compile(r"^[A-Za-z0-9._\-]{8,128}$")


class RequestIDMiddleware:
    """Give every request an id and echo it as ``X-Request-ID``.

    A client-supplied ``X-Request-ID`` of 8–128 safe characters is kept so a front end can follow
    its call through our logs; anything else is replaced by a fresh UUID4 hex. ``request.started_at``
    (``time.perf_counter()``) feeds ``metadata.execution_time_ms`` of the API envelope.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        supplied = request.headers.get("X-Request-ID", "")
        request.request_id = supplied if _VALID_ID.match(supplied) else uuid.uuid4().hex
        request.started_at = time.perf_counter()
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response
