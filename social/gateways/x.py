"""The only module that talks to X (OAuth 2.0 authorization code with PKCE, API v2).

- Authorise: ``{X_AUTHORIZE_URL}?response_type=code&client_id&redirect_uri&scope&state&
  code_challenge=<S256 of the verifier>&code_challenge_method=S256``; the code is exchanged at
  ``POST {X_API_URL}/2/oauth2/token`` (form: ``grant_type=authorization_code``, ``code``,
  ``redirect_uri``, ``code_verifier``; a confidential client authenticates with HTTP Basic, a
  public one sends ``client_id``) for ``{"access_token", "expires_in": 7200, "refresh_token",
  "scope"}``; ``grant_type=refresh_token`` refreshes (X rotates the refresh token: never repeated).
- Who: ``GET /2/users/me?user.fields=public_metrics`` → ``{"data": {"id", "name", "username",
  "public_metrics": {"followers_count"}}}``.
- Images: ``POST /2/media/upload`` (multipart: ``media``, ``media_category=tweet_image``) →
  ``{"data": {"id"}}``.
- Tweets: ``POST /2/tweets`` ``{"text", "media"?: {"media_ids"}, "reply"?: {"in_reply_to_tweet_id"}}``
  → 201 ``{"data": {"id", "text"}}``; a thread is each part replying to the previous one.
- Engagement: ``GET /2/tweets?ids=…&tweet.fields=public_metrics`` → ``like_count``,
  ``reply_count``, ``retweet_count``, ``quote_count``, ``impression_count``.

Errors: see :mod:`social.gateways.common` (X's 429 carries ``x-rate-limit-reset``).
"""

from __future__ import annotations

import base64
import secrets
import urllib.parse

from django.utils.translation import gettext_lazy as _

from social.conf import ProviderConfig
from social.exceptions import SocialProviderError, SocialPublishUnknown

from .common import Counts, Identity, Published, TokenSet, read_json, send, token_set

NETWORK = "X"


def authorize_url(config: ProviderConfig, *, state: str, code_challenge: str) -> str:
    """The address staff are sent to; ``code_challenge``: base64url(SHA-256(verifier)) (RFC 7636)."""
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": config.client_id,
            "redirect_uri": config.redirect_uri,
            "scope": " ".join(config.scopes),
            "state": state,
            "code_challenge": code_challenge,
            "code_challenge_method": "S256",
        },
        quote_via=urllib.parse.quote,
    )
    return f"{config.authorize_url}?{query}"


def _token(config: ProviderConfig, form: dict[str, str]) -> TokenSet:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if config.client_secret:
        credentials = base64.b64encode(f"{config.client_id}:{config.client_secret}".encode()).decode()
        headers["Authorization"] = f"Basic {credentials}"
    else:
        form = {**form, "client_id": config.client_id}
    response = send(
        "POST",
        config.token_url,
        network=NETWORK,
        timeout=config.timeout,
        headers=headers,
        content=urllib.parse.urlencode(form).encode(),
        idempotent=False,
    )
    return token_set(read_json(response, network=NETWORK), network=NETWORK)


def exchange_code(config: ProviderConfig, *, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
    """Tokens for an authorisation ``code`` and the PKCE ``code_verifier`` it was started with."""
    return _token(
        config,
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        },
    )


def refresh(config: ProviderConfig, *, refresh_token: str) -> TokenSet:
    """New tokens (and a new refresh token) for ``refresh_token``."""
    return _token(config, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def whoami(config: ProviderConfig, *, token: str) -> Identity:
    """The user behind ``token``, with the follower count."""
    response = send(
        "GET",
        f"{config.api_url}/2/users/me",
        network=NETWORK,
        timeout=config.timeout,
        headers={"Authorization": f"Bearer {token}"},
        params={"user.fields": "public_metrics"},
    )
    data = read_json(response, network=NETWORK).get("data")
    if not isinstance(data, dict) or not data.get("id"):
        raise SocialProviderError(_("X's users/me answer holds no id."))
    followers = (data.get("public_metrics") or {}).get("followers_count")
    return Identity(
        external_id=str(data["id"]),
        name=str(data.get("name") or ""),
        handle=str(data.get("username") or ""),
        followers=int(followers) if isinstance(followers, int) else None,
    )


def upload_image(config: ProviderConfig, *, token: str, data: bytes, mime_type: str) -> str:
    """Upload one image; returns X's media id."""
    boundary = f"magnetiq-{secrets.token_hex(12)}"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="media_category"\r\n\r\ntweet_image\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="media"; filename="image"\r\n'
            f"Content-Type: {mime_type}\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = send(
        "POST",
        f"{config.api_url}/2/media/upload",
        network=NETWORK,
        timeout=config.timeout,
        headers={"Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"},
        content=body,
        # An uploaded image is not shown until a tweet uses it: sending it twice is harmless.
        idempotent=True,
    )
    media = read_json(response, network=NETWORK).get("data")
    media_id = media.get("id") if isinstance(media, dict) else None
    if not media_id:
        raise SocialProviderError(_("X's media answer holds no id."))
    return str(media_id)


def create_thread(config: ProviderConfig, *, token: str, parts: list[str], media_ids: list[str]) -> Published:
    """Tweet ``parts`` as a thread (``media_ids`` on the first). A part that gets no answer, or an
    error after the first went out, raises :class:`SocialPublishUnknown` with the ids published so
    far: repeating would tweet them again."""
    ids: list[str] = []
    for index, text in enumerate(parts):
        body: dict = {"text": text}
        if index == 0 and media_ids:
            body["media"] = {"media_ids": media_ids}
        if ids:
            body["reply"] = {"in_reply_to_tweet_id": ids[-1]}
        try:
            response = send(
                "POST",
                f"{config.api_url}/2/tweets",
                network=NETWORK,
                timeout=config.timeout,
                headers={"Authorization": f"Bearer {token}"},
                json_body=body,
                publish=True,
            )
            data = read_json(response, network=NETWORK).get("data")
            if not isinstance(data, dict) or not data.get("id"):
                raise SocialProviderError(_("X's answer names no tweet id."))
        except SocialPublishUnknown:
            raise SocialPublishUnknown(published_ids=ids) from None
        except Exception as error:
            if not ids:
                raise
            raise SocialPublishUnknown(
                _("Only %(done)s of %(total)s tweets of the thread were published (%(error)s).")
                % {"done": len(ids), "total": len(parts), "error": error},
                published_ids=ids,
            ) from None
        ids.append(str(data["id"]))
    return Published(external_id=ids[0], external_ids=ids, url=f"https://x.com/i/web/status/{ids[0]}")


def tweet_counts(config: ProviderConfig, *, token: str, ids: list[str]) -> dict[str, Counts]:
    """``{tweet id: Counts}`` for up to 100 ``ids`` (a deleted tweet is absent)."""
    response = send(
        "GET",
        f"{config.api_url}/2/tweets",
        network=NETWORK,
        timeout=config.timeout,
        headers={"Authorization": f"Bearer {token}"},
        params={"ids": ",".join(ids[:100]), "tweet.fields": "public_metrics"},
    )
    found: dict[str, Counts] = {}
    for tweet in read_json(response, network=NETWORK).get("data") or []:
        if not isinstance(tweet, dict) or not tweet.get("id"):
            continue
        metrics = tweet.get("public_metrics") or {}
        found[str(tweet["id"])] = Counts(
            likes=int(metrics.get("like_count") or 0),
            comments=int(metrics.get("reply_count") or 0),
            shares=int(metrics.get("retweet_count") or 0) + int(metrics.get("quote_count") or 0),
            impressions=int(metrics["impression_count"]) if isinstance(metrics.get("impression_count"), int) else None,
        )
    return found
