"""The social app's settings, read in one place (names documented in ``.env.example`` and docs/operations.md).

LinkedIn (3-legged OAuth 2.0): ``LINKEDIN_CLIENT_ID``, ``LINKEDIN_CLIENT_SECRET``,
``LINKEDIN_ORGANIZATION_URN`` (``urn:li:organization:…``: post as the company page; empty: as the
member who connected), ``LINKEDIN_AUTH_URL`` (``https://www.linkedin.com/oauth/v2``),
``LINKEDIN_API_URL`` (``https://api.linkedin.com``), ``LINKEDIN_API_VERSION`` (``YYYYMM``).
X (OAuth 2.0 authorization code with PKCE): ``X_CLIENT_ID``, ``X_CLIENT_SECRET`` (empty for a
public client), ``X_AUTHORIZE_URL`` (``https://x.com/i/oauth2/authorize``), ``X_API_URL``
(``https://api.x.com``). Both: ``<NETWORK>_REDIRECT_URI`` (default: the admin's callback under
``SITE_URL``), ``SOCIAL_TIMEOUT_SECONDS`` (read timeout of one call, 15).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .exceptions import SocialNotConfigured
from .models import Network

LINKEDIN_SCOPES = ("openid", "profile", "w_member_social")
LINKEDIN_ORGANIZATION_SCOPES = ("w_organization_social", "r_organization_social")
X_SCOPES = ("tweet.read", "tweet.write", "users.read", "media.write", "offline.access")


@dataclass(frozen=True)
class ProviderConfig:
    network: str
    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    api_url: str
    redirect_uri: str
    scopes: tuple[str, ...]
    timeout: float
    organization_urn: str = ""
    api_version: str = ""


def _setting(name: str, default: str = "") -> str:
    return str(getattr(settings, name, "") or default)


def default_redirect_uri(network: str) -> str:
    """The admin's OAuth callback for ``network`` under ``SITE_URL``."""
    path = reverse("admin:social_socialaccount_oauth_callback", kwargs={"network": network})
    return _setting("SITE_URL").rstrip("/") + path


def provider_config(network: str) -> ProviderConfig:
    """The settings of ``network`` (``"linkedin"`` or ``"x"``); raises :class:`SocialNotConfigured`
    naming the missing settings when the client id (or LinkedIn's secret) is not set."""
    timeout = float(getattr(settings, "SOCIAL_TIMEOUT_SECONDS", 15) or 15)
    if network == Network.LINKEDIN:
        if not (_setting("LINKEDIN_CLIENT_ID") and _setting("LINKEDIN_CLIENT_SECRET")):
            raise SocialNotConfigured(
                _("LinkedIn is not configured: set LINKEDIN_CLIENT_ID and LINKEDIN_CLIENT_SECRET.")
            )
        organization = _setting("LINKEDIN_ORGANIZATION_URN")
        auth = _setting("LINKEDIN_AUTH_URL", "https://www.linkedin.com/oauth/v2").rstrip("/")
        return ProviderConfig(
            network=network,
            client_id=_setting("LINKEDIN_CLIENT_ID"),
            client_secret=_setting("LINKEDIN_CLIENT_SECRET"),
            authorize_url=f"{auth}/authorization",
            token_url=f"{auth}/accessToken",
            api_url=_setting("LINKEDIN_API_URL", "https://api.linkedin.com").rstrip("/"),
            redirect_uri=_setting("LINKEDIN_REDIRECT_URI") or default_redirect_uri(network),
            scopes=LINKEDIN_SCOPES + (LINKEDIN_ORGANIZATION_SCOPES if organization else ()),
            timeout=timeout,
            organization_urn=organization,
            api_version=_setting("LINKEDIN_API_VERSION", "202501"),
        )
    if network == Network.X:
        if not _setting("X_CLIENT_ID"):
            raise SocialNotConfigured(
                _("X is not configured: set X_CLIENT_ID (and X_CLIENT_SECRET for a confidential client).")
            )
        api = _setting("X_API_URL", "https://api.x.com").rstrip("/")
        return ProviderConfig(
            network=network,
            client_id=_setting("X_CLIENT_ID"),
            client_secret=_setting("X_CLIENT_SECRET"),
            authorize_url=_setting("X_AUTHORIZE_URL", "https://x.com/i/oauth2/authorize"),
            token_url=f"{api}/2/oauth2/token",
            api_url=api,
            redirect_uri=_setting("X_REDIRECT_URI") or default_redirect_uri(network),
            scopes=X_SCOPES,
            timeout=timeout,
        )
    raise SocialNotConfigured(_("Unknown network."))


def is_configured(network: str) -> bool:
    try:
        provider_config(network)
    except SocialNotConfigured:
        return False
    return True
