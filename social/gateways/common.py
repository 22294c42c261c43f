"""What both network gateways share: the shapes they return and the one mapping from an HTTP
answer (or none) to the social app's errors.

- no connection could be made → :class:`SocialProviderUnreachable` (nothing reached the network);
- a request sent without an answer (read timeout, dropped connection) → :class:`SocialPublishUnknown`
  for a publish (the post may exist), :class:`SocialProviderUnreachable` otherwise;
- 401 → :class:`SocialTokenRejected` (the service refreshes the token and tries once more);
- 429 → :class:`SocialRateLimited` with the seconds until the network's reset (X:
  ``x-rate-limit-reset``, an epoch second; else ``Retry-After``; else 60);
- any other 4xx/5xx → :class:`SocialProviderError` with the network's own message.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from django.utils.translation import gettext_lazy as _

from magnetiq.http import VendorUnreachable, vendor_request
from social.exceptions import (
    SocialProviderError,
    SocialProviderUnreachable,
    SocialPublishUnknown,
    SocialRateLimited,
    SocialTokenRejected,
)

USER_AGENT = "Magnetiq social"
#: Seconds to wait after a 429 that names no reset time.
DEFAULT_RATE_LIMIT_WAIT = 60


@dataclass(frozen=True)
class TokenSet:
    """An OAuth token answer: ``expires_in`` and ``refresh_expires_in`` in seconds (``None``: not said)."""

    access_token: str
    refresh_token: str = ""
    expires_in: int | None = None
    refresh_expires_in: int | None = None
    scope: str = ""


@dataclass(frozen=True)
class Identity:
    """Who a token belongs to: the network's id, a display name, the X handle, the LinkedIn author."""

    external_id: str
    name: str = ""
    handle: str = ""
    author_urn: str = ""
    followers: int | None = None


@dataclass(frozen=True)
class Published:
    """A post on the network: its id (the first tweet of a thread), every id, its public link."""

    external_id: str
    external_ids: list[str] = field(default_factory=list)
    url: str = ""


@dataclass(frozen=True)
class Counts:
    """Engagement counts of one post (``impressions`` ``None`` when the network does not say)."""

    likes: int = 0
    comments: int = 0
    shares: int = 0
    impressions: int | None = None


def _rate_limit_wait(response: httpx.Response) -> int:
    reset = response.headers.get("x-rate-limit-reset", "")
    if reset.isdigit():
        return max(1, int(reset) - int(time.time()))
    retry_after = response.headers.get("Retry-After", "")
    if retry_after.isdigit():
        return max(1, int(retry_after))
    return DEFAULT_RATE_LIMIT_WAIT


def _provider_message(response: httpx.Response) -> str:
    try:
        data = json.loads(response.content or b"{}")
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    for key in ("error_description", "detail", "message", "title", "error"):
        value = data.get(key)
        if isinstance(value, str) and value:
            return value
    errors = data.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message") or errors[0].get("detail") or "")
    return ""


def send(
    method: str,
    url: str,
    *,
    network: str,
    timeout: float,
    headers: dict[str, str],
    params: dict[str, str] | None = None,
    json_body: object = None,
    content: bytes | None = None,
    idempotent: bool | None = None,
    publish: bool = False,
) -> httpx.Response:
    """Send one request to ``network`` and return a 2xx/3xx answer; anything else raises as the
    module docstring says. ``publish``: the request creates something visible (a post, a tweet)."""
    try:
        response = vendor_request(
            method,
            url,
            vendor=network,
            read_timeout=timeout,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **headers},
            params=params,
            json=json_body,
            content=content,
            idempotent=idempotent,
        )
    except VendorUnreachable as error:
        never_sent = isinstance(error.__cause__, httpx.ConnectError | httpx.ConnectTimeout)
        if publish and not never_sent:
            raise SocialPublishUnknown() from None
        raise SocialProviderUnreachable(
            _("%(network)s could not be reached: %(reason)s") % {"network": network, "reason": error.reason}
        ) from None
    status = response.status_code
    if status < 400:
        return response
    detail = _provider_message(response)
    if status == 401:
        raise SocialTokenRejected(http_status=401)
    if status == 429:
        raise SocialRateLimited(network=network, wait=_rate_limit_wait(response))
    text = _("%(network)s answered %(status)s") % {"network": network, "status": status}
    raise SocialProviderError(f"{text}: {detail}"[:500] if detail else text, http_status=status)


def read_json(response: httpx.Response, *, network: str) -> dict[str, Any]:
    """The answer's JSON object; :class:`SocialProviderError` when it is not one."""
    try:
        data = json.loads(response.content or b"{}")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise SocialProviderError(_("%(network)s answered something that is not JSON.") % {"network": network})
    return data


def token_set(data: dict[str, Any], *, network: str) -> TokenSet:
    """A :class:`TokenSet` from an OAuth token answer (RFC 6749 §5.1)."""
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise SocialProviderError(_("%(network)s's token answer holds no access_token.") % {"network": network})

    def seconds(name: str) -> int | None:
        value = data.get(name)
        return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None

    return TokenSet(
        access_token=token,
        refresh_token=str(data.get("refresh_token") or ""),
        expires_in=seconds("expires_in"),
        refresh_expires_in=seconds("refresh_token_expires_in"),
        scope=str(data.get("scope") or ""),
    )
