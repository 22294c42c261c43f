"""The only module that talks to Zoom: one small module per outside service, so tests replace one thing.

Server-to-server OAuth: ``POST {ZOOM_OAUTH_URL}?grant_type=account_credentials&account_id=<id>``
with ``Authorization: Basic base64(client_id:client_secret)`` answers ``{"access_token",
"token_type": "bearer", "expires_in": 3599, "scope"}``; the token is cached (Django's cache) until
a minute before it expires. Meetings (``{ZOOM_API_URL}`` = ``https://api.zoom.us/v2``) with
``Authorization: Bearer <token>``:

- ``POST /users/me/meetings`` ``{"topic", "type": 2, "start_time": "2026-06-02T09:00:00Z",
  "duration": <minutes>, "timezone": "UTC", "agenda", "settings"}`` → 201 ``{"id", "join_url", …}``;
- ``PATCH /meetings/<id>`` ``{"start_time", "duration"}`` → 204;
- ``DELETE /meetings/<id>`` → 204 (404 code 3001 "Meeting does not exist": already gone).

Requests go through :func:`magnetiq.http.vendor_request` (connect timeout
``VENDOR_CONNECT_TIMEOUT_SECONDS``, read timeout ``ZOOM_TIMEOUT_SECONDS``; a failed connection is
retried, and so are a timeout, 5xx or 429 of the token request, a PATCH and a DELETE — not of the
meeting create, which could make a second meeting) and never inside a database transaction;
settings from :func:`bookings.conf.zoom_config`. A 401 from the API (token revoked early) drops
the cached token and retries once with a fresh one.
"""

import base64
import json
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

from magnetiq.http import VendorUnreachable, vendor_request

from .conf import ZoomConfig, zoom_config
from .exceptions import ZoomError

USER_AGENT = "Magnetiq bookings"
#: Seconds before the token's announced expiry at which we stop using it.
TOKEN_MARGIN_SECONDS = 60


@dataclass(frozen=True)
class ZoomMeeting:
    id: int
    join_url: str


def is_configured() -> bool:
    return zoom_config() is not None


def _config() -> ZoomConfig:
    config = zoom_config()
    if config is None:
        raise ZoomError(_("Zoom is not configured: set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET."))
    return config


def _token_cache_key(config: ZoomConfig) -> str:
    return f"bookings:zoom-token:{config.account_id}:{config.client_id}"


def _open(
    method: str, url: str, *, headers: dict, timeout: float, body: bytes | None = None, idempotent: bool | None = None
) -> tuple[int, bytes]:
    """Send one request to Zoom; returns ``(status, body)`` of a 2xx/3xx answer. Raises :class:`ZoomError`
    for an error status (with Zoom's ``message``/``code``) or no answer."""
    try:
        response = vendor_request(
            method, url, vendor="Zoom", read_timeout=timeout, headers=headers, content=body, idempotent=idempotent
        )
    except VendorUnreachable as error:
        raise ZoomError(_("Zoom did not answer: %(reason)s") % {"reason": error.reason}) from None
    if response.status_code >= 400:
        try:
            data = json.loads(response.content or b"{}")
        except ValueError:
            data = {}
        data = data if isinstance(data, dict) else {}
        detail = data.get("message") or data.get("reason") or data.get("error") or ""
        text = f"Zoom answered {response.status_code}" + (f": {detail}" if detail else "")
        raise ZoomError(text[:500], http_status=response.status_code, zoom_code=data.get("code"))
    return response.status_code, response.content


def access_token(*, refresh: bool = False) -> str:
    """A valid account token: the cached one, or a new one from the OAuth endpoint."""
    config = _config()
    key = _token_cache_key(config)
    if not refresh:
        cached = cache.get(key)
        if cached:
            return cached
    query = urllib.parse.urlencode({"grant_type": "account_credentials", "account_id": config.account_id})
    credentials = base64.b64encode(f"{config.client_id}:{config.client_secret}".encode()).decode()
    _status, body = _open(
        "POST",
        f"{config.oauth_url}?{query}",
        body=b"",
        headers={"Authorization": f"Basic {credentials}", "Accept": "application/json", "User-Agent": USER_AGENT},
        timeout=config.timeout,
        idempotent=True,
    )
    try:
        data = json.loads(body)
        token, expires_in = data["access_token"], int(data.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError):
        raise ZoomError(_("Zoom's token answer holds no access_token.")) from None
    if expires_in > TOKEN_MARGIN_SECONDS:
        cache.set(key, token, expires_in - TOKEN_MARGIN_SECONDS)
    return token


def _api(method: str, path: str, payload: dict | None = None) -> tuple[int, bytes]:
    config = _config()

    def send(token: str) -> tuple[int, bytes]:
        return _open(
            method,
            f"{config.api_url}{path}",
            body=json.dumps(payload).encode() if payload is not None else None,
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
            timeout=config.timeout,
        )

    try:
        return send(access_token())
    except ZoomError as error:
        if error.http_status != 401:
            raise
    # The cached token was revoked or expired early: one more try with a fresh one.
    cache.delete(_token_cache_key(config))
    return send(access_token(refresh=True))


def _zoom_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def create_meeting(*, topic: str, start: datetime, duration_minutes: int, agenda: str = "") -> ZoomMeeting:
    """Schedule a meeting (type 2) at ``start`` (aware) for ``duration_minutes``; returns its id and
    join URL. Raises :class:`ZoomError`."""
    payload = {
        "topic": topic[:200],
        "type": 2,
        "start_time": _zoom_time(start),
        "duration": duration_minutes,
        "timezone": "UTC",
        "agenda": agenda[:2000],
        "settings": {"join_before_host": False, "waiting_room": True},
    }
    _status, body = _api("POST", "/users/me/meetings", payload)
    try:
        data = json.loads(body)
        meeting = ZoomMeeting(id=int(data["id"]), join_url=str(data["join_url"]))
    except (ValueError, KeyError, TypeError):
        raise ZoomError(_("Zoom's meeting answer holds no id or join_url.")) from None
    if not meeting.join_url.startswith("https://"):
        raise ZoomError(_("Zoom's join_url is not an https URL."))
    return meeting


def update_meeting(meeting_id: int, *, start: datetime, duration_minutes: int) -> None:
    """Move meeting ``meeting_id`` to ``start`` for ``duration_minutes``. Raises :class:`ZoomError`."""
    _api("PATCH", f"/meetings/{int(meeting_id)}", {"start_time": _zoom_time(start), "duration": duration_minutes})


def delete_meeting(meeting_id: int) -> bool:
    """Delete meeting ``meeting_id``; ``False`` when Zoom no longer knows it. Raises :class:`ZoomError`."""
    try:
        _api("DELETE", f"/meetings/{int(meeting_id)}")
    except ZoomError as error:
        if error.http_status == 404:
            return False
        raise
    return True
