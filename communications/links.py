"""Signed links in campaign e-mails: unsubscribe and preferences, the open pixel, click redirects.

Each token is a :class:`django.core.signing.Signer` signature (HMAC-SHA256 with ``SECRET_KEY``,
one salt per purpose) over the send record's id, plus the link index for clicks, so a token cannot
be forged, reused for another purpose or pointed at another address. The addresses start with
``SITE_URL`` (``magnetiq.links``): an e-mail is read far from any request.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse
from django.utils import translation

from magnetiq.links import absolute_url

from .exceptions import InvalidTrackingLink

_UNSUBSCRIBE = signing.Signer(salt="communications.unsubscribe")
_OPEN = signing.Signer(salt="communications.open")
_CLICK = signing.Signer(salt="communications.click")


def unsubscribe_token(send_id: int) -> str:
    return _UNSUBSCRIBE.sign(str(send_id))


def unsubscribe_send_id(token: str) -> int:
    """The send id of an unsubscribe/preferences token; raises :class:`InvalidTrackingLink` (404)."""
    try:
        return int(_UNSUBSCRIBE.unsign(token))
    except (signing.BadSignature, ValueError):
        raise InvalidTrackingLink() from None


def _english(name: str, arg: str) -> str:
    # The pages are under i18n_patterns: English has no prefix, which these links use.
    with translation.override("en"):
        return absolute_url(reverse(name, args=[arg]))


def unsubscribe_url(send_id: int) -> str:
    """The one-click address (RFC 8058: the ``List-Unsubscribe`` https URI; GET shows the page)."""
    return _english("communications:unsubscribe", unsubscribe_token(send_id))


def preferences_url(send_id: int, language: str = "en") -> str:
    """The preference page in ``language`` (English without a prefix, German under ``/de/``)."""
    with translation.override(language):
        return absolute_url(reverse("communications:preferences", args=[unsubscribe_token(send_id)]))


def open_url(send_id: int) -> str:
    return _english("communications:open", _OPEN.sign(str(send_id)))


def open_send_id(token: str) -> int | None:
    """The send id of an open-pixel token, ``None`` when it does not verify."""
    try:
        return int(_OPEN.unsign(token))
    except (signing.BadSignature, ValueError):
        return None


def click_url(send_id: int, index: int) -> str:
    """The redirect to link ``index`` of the template (``PreparedMail.links``)."""
    return _english("communications:click", _CLICK.sign(f"{send_id}.{index}"))


def click_target(token: str) -> tuple[int, int]:
    """``(send_id, link index)``; raises :class:`InvalidTrackingLink` (404)."""
    try:
        send_id, index = _CLICK.unsign(token).split(".")
        return int(send_id), int(index)
    except (signing.BadSignature, ValueError):
        raise InvalidTrackingLink() from None
