"""Encryption at rest of the networks' OAuth tokens (Fernet: AES-128-CBC with an HMAC-SHA256).

The key is ``SOCIAL_TOKEN_KEY`` (a Fernet key: 32 random bytes, URL-safe base64; make one with
``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``).
Production (``SOCIAL_TOKEN_KEY_REQUIRED``) has no fallback: without the key, connecting an account
and every call that needs a token is refused with :class:`SocialNotConfigured` naming the setting.
Development and tests derive a key from ``SECRET_KEY`` so nothing needs configuring there.
Rotating: ``SOCIAL_TOKEN_KEY`` may list several keys separated by commas, the first encrypts and
any decrypts (``MultiFernet``).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .exceptions import SocialAccountDisconnected, SocialNotConfigured


def _fernet() -> MultiFernet:
    raw = str(getattr(settings, "SOCIAL_TOKEN_KEY", "") or "")
    keys = [key.strip() for key in raw.split(",") if key.strip()]
    if not keys:
        if getattr(settings, "SOCIAL_TOKEN_KEY_REQUIRED", False):
            raise SocialNotConfigured(
                _(
                    'SOCIAL_TOKEN_KEY is not set: make one with python -c "from cryptography.fernet import '
                    'Fernet; print(Fernet.generate_key().decode())" and set it in the environment.'
                )
            )
        digest = hashlib.sha256(b"magnetiq.social.token-key:" + settings.SECRET_KEY.encode()).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise SocialNotConfigured(_("SOCIAL_TOKEN_KEY is not a Fernet key (32 bytes in URL-safe base64).")) from None


def encrypt(value: str) -> str:
    """``value`` encrypted (text); ``""`` stays ``""``."""
    return _fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(value: str) -> str:
    """The plain text of :func:`encrypt`'s output; a token the key cannot open (the key changed)
    raises :class:`SocialAccountDisconnected`, since only connecting again helps."""
    if not value:
        return ""
    try:
        return _fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        raise SocialAccountDisconnected(
            _("The stored token cannot be decrypted with SOCIAL_TOKEN_KEY: connect the account again.")
        ) from None
