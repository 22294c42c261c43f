"""The only module that talks to LinkedIn (3-legged OAuth 2.0, the Posts and Images APIs).

- Authorise: ``{LINKEDIN_AUTH_URL}/authorization?response_type=code&client_id&redirect_uri&state&scope``;
  the code is exchanged at ``POST {LINKEDIN_AUTH_URL}/accessToken`` (form: ``grant_type=
  authorization_code``, ``code``, ``redirect_uri``, ``client_id``, ``client_secret``) for
  ``{"access_token", "expires_in", "refresh_token", "refresh_token_expires_in", "scope"}``; the
  same endpoint with ``grant_type=refresh_token`` refreshes.
- Who: ``GET /v2/userinfo`` (OpenID Connect) → ``{"sub", "name"}``; posts come from
  ``urn:li:person:<sub>`` or, with ``LINKEDIN_ORGANIZATION_URN``, from the company page.
- Images: ``POST /rest/images?action=initializeUpload`` ``{"initializeUploadRequest": {"owner"}}``
  → ``{"value": {"uploadUrl", "image"}}``, then ``PUT uploadUrl`` with the bytes.
- Post: ``POST /rest/posts`` (``commentary`` in LinkedIn's "little text" format) → 201 with the
  post's URN in the ``x-restli-id`` header.
- Engagement: ``GET /rest/socialActions/{urn}`` → ``likesSummary.totalLikes``,
  ``commentsSummary.aggregatedTotalComments``; followers of a company page:
  ``GET /rest/networkSizes/{urn}?edgeType=COMPANY_FOLLOWED_BY_MEMBER`` → ``firstDegreeSize``.

REST calls carry ``LinkedIn-Version`` (``LINKEDIN_API_VERSION``) and ``X-Restli-Protocol-Version:
2.0.0``. Errors: see :mod:`social.gateways.common`.
"""

from __future__ import annotations

import urllib.parse

from django.utils.translation import gettext_lazy as _

from social.conf import ProviderConfig
from social.exceptions import SocialProviderError

from .common import Counts, Identity, Published, TokenSet, read_json, send, token_set

NETWORK = "LinkedIn"


def authorize_url(config: ProviderConfig, *, state: str) -> str:
    """The address staff are sent to, to let Magnetiq post for them."""
    query = urllib.parse.urlencode(
        {
            "response_type": "code",
            "client_id": config.client_id,
            "redirect_uri": config.redirect_uri,
            "state": state,
            "scope": " ".join(config.scopes),
        },
        quote_via=urllib.parse.quote,
    )
    return f"{config.authorize_url}?{query}"


def _token(config: ProviderConfig, form: dict[str, str]) -> TokenSet:
    response = send(
        "POST",
        config.token_url,
        network=NETWORK,
        timeout=config.timeout,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        content=urllib.parse.urlencode(
            {**form, "client_id": config.client_id, "client_secret": config.client_secret}
        ).encode(),
        idempotent=False,
    )
    return token_set(read_json(response, network=NETWORK), network=NETWORK)


def exchange_code(config: ProviderConfig, *, code: str, redirect_uri: str) -> TokenSet:
    """Tokens for an authorisation ``code``. Raises :class:`SocialProviderError` (bad or used code)."""
    return _token(config, {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri})


def refresh(config: ProviderConfig, *, refresh_token: str) -> TokenSet:
    """New tokens for ``refresh_token`` (LinkedIn keeps the refresh token's own expiry)."""
    return _token(config, {"grant_type": "refresh_token", "refresh_token": refresh_token})


def _rest_headers(config: ProviderConfig, token: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {token}",
        "LinkedIn-Version": config.api_version,
        "X-Restli-Protocol-Version": "2.0.0",
    }


def whoami(config: ProviderConfig, *, token: str) -> Identity:
    """The member behind ``token`` and the author posts will come from."""
    response = send(
        "GET",
        f"{config.api_url}/v2/userinfo",
        network=NETWORK,
        timeout=config.timeout,
        headers={"Authorization": f"Bearer {token}"},
    )
    data = read_json(response, network=NETWORK)
    sub = data.get("sub")
    if not isinstance(sub, str) or not sub:
        raise SocialProviderError(_("LinkedIn's userinfo answer holds no sub."))
    name = str(data.get("name") or " ".join(str(data.get(k) or "") for k in ("given_name", "family_name")).strip())
    if config.organization_urn:
        return Identity(external_id=config.organization_urn, name=name, author_urn=config.organization_urn)
    return Identity(external_id=f"urn:li:person:{sub}", name=name, author_urn=f"urn:li:person:{sub}")


def upload_image(config: ProviderConfig, *, token: str, owner: str, data: bytes, mime_type: str) -> str:
    """Upload one image for ``owner``'s posts; returns its ``urn:li:image:…``."""
    response = send(
        "POST",
        f"{config.api_url}/rest/images",
        network=NETWORK,
        timeout=config.timeout,
        headers=_rest_headers(config, token),
        params={"action": "initializeUpload"},
        json_body={"initializeUploadRequest": {"owner": owner}},
        # Initialising only reserves an id; a second one is harmless.
        idempotent=True,
    )
    value = read_json(response, network=NETWORK).get("value")
    if not isinstance(value, dict) or not value.get("uploadUrl") or not value.get("image"):
        raise SocialProviderError(_("LinkedIn's image answer holds no uploadUrl or image."))
    send(
        "PUT",
        str(value["uploadUrl"]),
        network=NETWORK,
        timeout=config.timeout,
        headers={"Authorization": f"Bearer {token}", "Content-Type": mime_type},
        content=data,
    )
    return str(value["image"])


def create_post(config: ProviderConfig, *, token: str, author: str, commentary: str, images: list[str]) -> Published:
    """Publish ``commentary`` (little text format) as ``author`` with ``images`` (image URNs).
    Raises :class:`SocialPublishUnknown` when the request got no answer."""
    body: dict = {
        "author": author,
        "commentary": commentary,
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": False,
    }
    if len(images) == 1:
        body["content"] = {"media": {"id": images[0]}}
    elif images:
        body["content"] = {"multiImage": {"images": [{"id": image} for image in images]}}
    response = send(
        "POST",
        f"{config.api_url}/rest/posts",
        network=NETWORK,
        timeout=config.timeout,
        headers=_rest_headers(config, token),
        json_body=body,
        publish=True,
    )
    urn = response.headers.get("x-restli-id", "")
    if not urn:
        raise SocialProviderError(_("LinkedIn's answer names no post (x-restli-id)."))
    return Published(
        external_id=urn,
        external_ids=[urn],
        url=f"https://www.linkedin.com/feed/update/{urllib.parse.quote(urn, safe=':')}/",
    )


def post_counts(config: ProviderConfig, *, token: str, urn: str) -> Counts:
    """Likes and comments of the post ``urn``."""
    response = send(
        "GET",
        f"{config.api_url}/rest/socialActions/{urllib.parse.quote(urn, safe='')}",
        network=NETWORK,
        timeout=config.timeout,
        headers=_rest_headers(config, token),
    )
    data = read_json(response, network=NETWORK)
    likes = (data.get("likesSummary") or {}).get("totalLikes") or 0
    comments = (data.get("commentsSummary") or {}).get("aggregatedTotalComments") or 0
    return Counts(likes=int(likes), comments=int(comments))


def followers(config: ProviderConfig, *, token: str, author: str) -> int | None:
    """Followers of a company page; ``None`` for a member (LinkedIn does not tell an app)."""
    if not author.startswith("urn:li:organization:"):
        return None
    response = send(
        "GET",
        f"{config.api_url}/rest/networkSizes/{urllib.parse.quote(author, safe='')}",
        network=NETWORK,
        timeout=config.timeout,
        headers=_rest_headers(config, token),
        params={"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"},
    )
    size = read_json(response, network=NETWORK).get("firstDegreeSize")
    return int(size) if isinstance(size, int) else None
