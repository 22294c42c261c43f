"""One HTTP client for the hand-written vendor gateways (Zoom, OpenAlex, Odoo, PayPal), on httpx.

:func:`vendor_request` sends one request with an explicit connect and read timeout and retries,
with exponential backoff, only what is safe to repeat:

- a connection that could not be made (connect error or connect timeout): the vendor never saw the
  request, so any method is retried;
- a read timeout, a dropped connection, a 5xx or a 429 answer: retried only for an ``idempotent``
  request (GET, HEAD, OPTIONS, PUT, DELETE by default; the caller marks a POST idempotent when
  repeating it cannot do anything twice — an OAuth token, a verification). A 429's ``Retry-After``
  (seconds) is honoured up to ``VENDOR_RETRY_MAX_DELAY_SECONDS``.

Any other answer (2xx, 3xx, 4xx, or the last 5xx/429 once the retries are spent) is returned as
it is: what a status means is the gateway's business. A request that got no answer at all raises
:class:`VendorUnreachable`. It asserts :func:`magnetiq.vendors.assert_no_transaction` first.

Settings (seconds, documented in ``.env.example``): ``VENDOR_CONNECT_TIMEOUT_SECONDS`` (3),
``VENDOR_MAX_RETRIES`` (2: at most 3 attempts), ``VENDOR_RETRY_BACKOFF_SECONDS`` (0.5: waits of
0.5 s, 1 s, …), ``VENDOR_RETRY_MAX_DELAY_SECONDS`` (5). The read timeout is the gateway's own
(``ZOOM_TIMEOUT_SECONDS``, ``ODOO_TIMEOUT_SECONDS``, …).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import httpx
from django.conf import settings

from .vendors import assert_no_transaction

logger = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: Statuses worth another attempt of an idempotent request.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class VendorUnreachable(Exception):
    """No answer from ``vendor``: the connection failed or timed out (after the retries).
    ``reason``: httpx's description. Gateways turn it into their own error type."""

    def __init__(self, vendor: str, reason: str):
        super().__init__(f"{vendor} did not answer: {reason}")
        self.vendor = vendor
        self.reason = reason


def _delay(attempt: int, response: httpx.Response | None) -> float:
    base = float(settings.VENDOR_RETRY_BACKOFF_SECONDS)
    cap = float(settings.VENDOR_RETRY_MAX_DELAY_SECONDS)
    wait = base * (2**attempt)
    if response is not None and response.status_code == 429:
        retry_after = response.headers.get("Retry-After", "")
        if retry_after.isdigit():
            wait = max(wait, float(retry_after))
    return min(wait, cap)


def vendor_request(
    method: str,
    url: str,
    *,
    vendor: str,
    read_timeout: float,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    json: object = None,
    content: bytes | None = None,
    idempotent: bool | None = None,
) -> httpx.Response:
    """Send ``method url`` to ``vendor`` (a name for messages and logs) and return the response.

    ``read_timeout``: seconds to wait for each read of the answer; ``json`` or ``content``: the body;
    ``idempotent``: whether repeating the request is harmless (default: by method, see the module
    docstring). Raises :class:`VendorUnreachable` when no answer came and
    :class:`magnetiq.vendors.VendorCallInTransaction` inside a transaction.
    """
    assert_no_transaction(vendor)
    method = method.upper()
    if idempotent is None:
        idempotent = method in IDEMPOTENT_METHODS
    retries = int(settings.VENDOR_MAX_RETRIES)
    timeout = httpx.Timeout(read_timeout, connect=float(settings.VENDOR_CONNECT_TIMEOUT_SECONDS))
    # Like urllib before it, follow redirects (OpenAlex answers a merged record with a 301).
    with httpx.Client(timeout=timeout, follow_redirects=True) as client:
        attempt = 0
        while True:
            response = None
            try:
                response = client.request(method, url, headers=headers, params=params, json=json, content=content)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                failure: Exception | None = error
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as error:
                if not idempotent or attempt >= retries:
                    raise VendorUnreachable(vendor, str(error) or type(error).__name__) from error
                failure = error
            else:
                if not (idempotent and response.status_code in RETRY_STATUSES and attempt < retries):
                    return response
                failure = None
            if response is None and attempt >= retries:
                raise VendorUnreachable(vendor, str(failure) or type(failure).__name__) from failure
            wait = _delay(attempt, response)
            logger.warning(
                "%s %s %s: %s; attempt %d of %d in %.1f s",
                vendor,
                method,
                url.split("?")[0],
                response.status_code if response is not None else type(failure).__name__,
                attempt + 2,
                retries + 1,
                wait,
            )
            time.sleep(wait)
            attempt += 1
