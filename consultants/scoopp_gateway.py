"""The only module that talks to Scoopp, the service that scrapes LinkedIn profiles for us.

Scoopp's REST API under ``SCOOPP_BASE_URL`` (``https://api.scoopp.com/v1``), authenticated with
``Authorization: Bearer <SCOOPP_API_KEY>``, JSON both ways:

* ``POST /jobs`` with ``{"type": "linkedin_profile", "url", "webhook_url", "reference", "options":
  {"scrape_posts", "scrape_connections"}}`` and an ``Idempotency-Key`` header (the same key within
  24 h returns the same job) → 201/202 ``{"job_id", "status", "estimated_completion"}``;
* ``GET /jobs/<job_id>`` → ``{"job_id", "status", "result", "error"}``; ``status`` is one of
  ``queued``, ``running``, ``completed``, ``failed``, ``cancelled``; ``result`` (when completed) is
  ``{"profile": {"full_name", "headline", "summary", "location", "profile_picture_url",
  "public_url", "experience": [{"title", "company", "start_date": "YYYY-MM", "end_date"}],
  "skills": [str]}, "posts": [{"id", "text", "posted_at"}], "connections": {"count"}}``;
* ``DELETE /jobs/<job_id>`` → 204 (404 when Scoopp no longer knows it);
* errors: ``{"error": {"code", "message"}}`` with 400/404/422 (a URL it will not scrape), 401/403
  (bad key), 429 (``Retry-After`` seconds) and 5xx.

When a job ends Scoopp POSTs ``{"event": "job.completed" | "job.failed", "job_id", "status",
"result", "error", "reference"}`` to the job's ``webhook_url``, signed:
``X-Scoopp-Timestamp: <unix seconds>`` and ``X-Scoopp-Signature: v1=<hex HMAC-SHA256 of
"<timestamp>.<raw body>" keyed with SCOOPP_WEBHOOK_SECRET>`` (several ``v1=`` values, comma
separated, while Scoopp rotates the secret). :func:`verify_webhook` checks it with a 300 s tolerance.

Every request goes through :func:`magnetiq.http.vendor_request` (connect timeout
``VENDOR_CONNECT_TIMEOUT_SECONDS``, read timeout ``SCOOPP_TIMEOUT_SECONDS``; the start carries an
idempotency key, so it is retried like the GET and DELETE: a failed connection, a timeout, a 5xx or
a 429 with backoff) and never inside a database transaction. Scoopp's JSON leaves this module as
small dataclasses and the vendor-neutral profile of :func:`profile_from_result`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from magnetiq.api.parsers import json_loads
from magnetiq.http import VendorUnreachable, vendor_request

from .exceptions import ScooppError, ScooppNotConfigured, ScooppWebhookInvalid

USER_AGENT = "Magnetiq LinkedIn import"
#: How old a webhook's timestamp may be (seconds), either way, before it is refused as a replay.
WEBHOOK_TOLERANCE_SECONDS = 300
#: Scoopp's job states.
JOB_STATES = frozenset({"queued", "running", "completed", "failed", "cancelled"})
MAX_TEXT = 200
MAX_SKILLS = 30
MAX_SKILL_LENGTH = 60


@dataclass(frozen=True)
class StartedJob:
    """Scoopp's answer to a start: its job id, its state and when it expects to finish (aware or None)."""

    job_id: str
    status: str
    estimated_completion: datetime | None = None


@dataclass(frozen=True)
class JobState:
    """A job as Scoopp reports it (by ``GET /jobs/<id>`` or a webhook): ``status`` one of
    :data:`JOB_STATES`, ``result`` when completed, ``error`` when failed."""

    job_id: str
    status: str
    result: dict | None = None
    error: str = ""
    reference: str = ""


def is_configured() -> bool:
    """Whether ``SCOOPP_API_KEY`` and ``SCOOPP_BASE_URL`` are set."""
    return bool(settings.SCOOPP_API_KEY and settings.SCOOPP_BASE_URL)


def require_configured() -> None:
    """Raise :class:`ScooppNotConfigured` (503) unless :func:`is_configured`."""
    if not is_configured():
        raise ScooppNotConfigured()


def _request(method: str, path: str, *, body: dict | None = None, idempotency_key: str = "") -> tuple[int, Any]:
    """Send one request; returns ``(status, decoded JSON or None)`` for a 2xx, raises otherwise."""
    require_configured()
    headers = {
        "Authorization": f"Bearer {settings.SCOOPP_API_KEY}",
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
    }
    content = None
    if body is not None:
        headers["Content-Type"] = "application/json; charset=utf-8"
        content = json.dumps(body).encode()
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    try:
        response = vendor_request(
            method,
            f"{settings.SCOOPP_BASE_URL.rstrip('/')}{path}",
            vendor="Scoopp",
            read_timeout=float(settings.SCOOPP_TIMEOUT_SECONDS),
            headers=headers,
            content=content,
            # A start carries an idempotency key: repeating it cannot start a second job.
            idempotent=True,
        )
    except VendorUnreachable as error:
        raise ScooppError(_("Scoopp did not answer: %(reason)s") % {"reason": error.reason}, transient=True) from None
    if response.status_code >= 400:
        raise _http_error(response.status_code, response.content, response.headers.get("Retry-After", ""))
    if not response.content:
        return response.status_code, None
    try:
        return response.status_code, json_loads(response.content)
    except ValueError:
        raise ScooppError(_("Scoopp answered with a body that is not JSON."), transient=True) from None


def _http_error(status: int, content: bytes, retry_after: str) -> ScooppError:
    try:
        body = json.loads(content or b"{}")
    except ValueError:
        body = {}
    error = body.get("error") if isinstance(body, dict) else None
    detail = error.get("message") if isinstance(error, dict) else None
    if status in (401, 403):
        text = _("Scoopp refused the API key (HTTP %(status)s); check SCOOPP_API_KEY.") % {"status": status}
    elif detail:
        text = _("Scoopp answered %(status)s: %(detail)s") % {"status": status, "detail": str(detail)[:500]}
    else:
        text = _("Scoopp answered %(status)s.") % {"status": status}
    return ScooppError(
        text,
        transient=status >= 500 or status in (408, 429),
        http_status=status,
        retry_after=int(retry_after) if retry_after.isdigit() else None,
    )


def _state(data: Any) -> JobState:
    if not isinstance(data, dict) or not isinstance(data.get("job_id"), str) or not data["job_id"]:
        raise ScooppError(_("Scoopp answered without a job id."), transient=False)
    status = data.get("status")
    if status not in JOB_STATES:
        raise ScooppError(
            _("Scoopp reported an unknown job state: %(state)s") % {"state": str(status)[:50]}, transient=False
        )
    result = data.get("result")
    error = data.get("error")
    if isinstance(error, dict):
        error = error.get("message")
    return JobState(
        job_id=data["job_id"][:100],
        status=status,
        result=result if isinstance(result, dict) else None,
        error=str(error or "")[:2000],
        reference=str(data.get("reference") or "")[:20],
    )


def start_job(
    *,
    url: str,
    webhook_url: str,
    reference: str,
    idempotency_key: str,
    scrape_posts: bool = False,
    scrape_connections: bool = False,
) -> StartedJob:
    """Ask Scoopp to scrape the LinkedIn profile at ``url`` and report to ``webhook_url``.

    ``reference``: our job's id, echoed in the webhook; ``idempotency_key``: the same key never
    starts a second Scoopp job. Raises :class:`ScooppNotConfigured` (503) and :class:`ScooppError`.
    """
    _status, data = _request(
        "POST",
        "/jobs",
        body={
            "type": "linkedin_profile",
            "url": url,
            "webhook_url": webhook_url,
            "reference": reference,
            "options": {"scrape_posts": scrape_posts, "scrape_connections": scrape_connections},
        },
        idempotency_key=idempotency_key,
    )
    state = _state({"status": "queued", **data} if isinstance(data, dict) else data)
    estimated = data.get("estimated_completion") if isinstance(data, dict) else None
    try:
        eta = parse_datetime(estimated) if isinstance(estimated, str) else None
    except ValueError:
        eta = None
    return StartedJob(
        job_id=state.job_id, status=state.status, estimated_completion=eta if eta and eta.tzinfo else None
    )


def get_job(job_id: str) -> JobState:
    """The current state of Scoopp's job ``job_id``. Raises :class:`ScooppError` (a 404 is not transient)."""
    _status, data = _request("GET", f"/jobs/{job_id}")
    return _state(data)


def cancel_job(job_id: str) -> None:
    """Ask Scoopp to stop ``job_id``; a job Scoopp no longer knows (404) counts as stopped."""
    try:
        _request("DELETE", f"/jobs/{job_id}")
    except ScooppError as error:
        if error.http_status != 404:
            raise


# --- webhooks ----------------------------------------------------------------------------------


def sign_webhook(body: bytes, *, secret: str, timestamp: int) -> str:
    """The ``X-Scoopp-Signature`` value Scoopp sends for ``body`` at ``timestamp`` (``v1=<hex>``)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify_webhook(body: bytes, *, signature: str, timestamp: str, now: float | None = None) -> JobState:
    """Check a webhook's signature and return the job state it reports.

    ``signature``/``timestamp``: the ``X-Scoopp-Signature`` and ``X-Scoopp-Timestamp`` headers.
    Raises :class:`ScooppWebhookInvalid` (400) when the secret is not configured, a header is
    missing, the timestamp is more than 300 s away from ``now`` (unix seconds), no ``v1`` value
    matches, or the body is not a Scoopp job event.
    """
    secret = settings.SCOOPP_WEBHOOK_SECRET
    if not secret or not signature or not timestamp.strip().isdigit():
        raise ScooppWebhookInvalid()
    sent_at = int(timestamp.strip())
    if abs((time.time() if now is None else now) - sent_at) > WEBHOOK_TOLERANCE_SECONDS:
        raise ScooppWebhookInvalid(_("The Scoopp webhook is too old (or from the future)."))
    expected = sign_webhook(body, secret=secret, timestamp=sent_at)
    given = [part.strip() for part in signature.split(",")]
    if not any(hmac.compare_digest(expected, part) for part in given):
        raise ScooppWebhookInvalid()
    try:
        return _state(json_loads(body))
    except (ValueError, ScooppError):
        raise ScooppWebhookInvalid(_("The body is not a Scoopp job event.")) from None


# --- results -----------------------------------------------------------------------------------


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _url(value: Any) -> str:
    text = _text(value, 500)
    return text if text.startswith(("https://", "http://")) else ""


def _start_year(value: Any) -> int | None:
    text = _text(value, 10)
    return int(text[:4]) if len(text) >= 4 and text[:4].isdigit() and 1900 <= int(text[:4]) <= 2200 else None


def profile_from_result(result: dict | None) -> dict:
    """Scoopp's ``result`` as the vendor-neutral LinkedIn profile the consultants app stores.

    Returns ``{"full_name", "headline", "summary", "location", "title", "company",
    "profile_image_url", "public_url", "skills": [str], "career_start_year": int | None,
    "experience": [{"title", "company", "start_date", "end_date"}], "posts": [{"id", "text",
    "posted_at"}], "connections_count": int | None}``: texts trimmed to the profile's column sizes
    (200; the summary 5 000), skills de-duplicated (at most 30 of at most 60 characters), URLs only
    when http(s). The current position (no end date, else the first listed) gives title and company.
    """
    data: dict = result if isinstance(result, dict) else {}
    profile: dict = data["profile"] if isinstance(data.get("profile"), dict) else {}
    experience = [item for item in profile.get("experience") or [] if isinstance(item, dict)]
    current = next((item for item in experience if not item.get("end_date")), experience[0] if experience else {})
    skills: list[str] = []
    for skill in profile.get("skills") or []:
        text = _text(skill, MAX_SKILL_LENGTH)
        if text and text.lower() not in {known.lower() for known in skills}:
            skills.append(text)
    years = [year for year in (_start_year(item.get("start_date")) for item in experience) if year is not None]
    posts = [
        {
            "id": _text(post.get("id"), 100),
            "text": _text(post.get("text"), 3000),
            "posted_at": _text(post.get("posted_at"), 40),
        }
        for post in data.get("posts") or []
        if isinstance(post, dict)
    ]
    connections = data.get("connections")
    count = connections.get("count") if isinstance(connections, dict) else None
    return {
        "full_name": _text(profile.get("full_name")),
        "headline": _text(profile.get("headline"), 300),
        "summary": _text(profile.get("summary"), 5000),
        "location": _text(profile.get("location")),
        "title": _text(current.get("title")) or _text(profile.get("headline")),
        "company": _text(current.get("company")),
        "profile_image_url": _url(profile.get("profile_picture_url")),
        "public_url": _url(profile.get("public_url")),
        "skills": skills[:MAX_SKILLS],
        "career_start_year": min(years) if years else None,
        "experience": [
            {
                "title": _text(item.get("title")),
                "company": _text(item.get("company")),
                "start_date": _text(item.get("start_date"), 10),
                "end_date": _text(item.get("end_date"), 10),
            }
            for item in experience[:50]
        ],
        "posts": posts[:100],
        "connections_count": count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else None,
    }
