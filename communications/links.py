"""Signed links in campaign e-mails: unsubscribe and preferences, the open pixel, click redirects.

Each token is a :class:`django.core.signing.Signer` signature (HMAC-SHA256 with ``SECRET_KEY``,
one salt per purpose) over the send record's id, plus the link index for clicks, so a token cannot
be forged, reused for another purpose or pointed at another address. The addresses start with
``SITE_URL`` (``magnetiq.links``): an e-mail is read far from any request.
"""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
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


_PLACEHOLDER = "T0KEN"


@lru_cache(maxsize=64)
def _around(name: str, language: str, site: str) -> tuple[str, str]:
    """The absolute address of URL ``name`` in ``language`` split around its token argument:
    reversed once, so a campaign does not resolve the URLconf for every recipient."""
    with translation.override(language):
        url = absolute_url(reverse(name, args=[_PLACEHOLDER]))
    before, _, after = url.partition(_PLACEHOLDER)
    return before, after


def _url(name: str, token: str, language: str = "en") -> str:
    # The pages are under i18n_patterns: English has no prefix, which every link but the
    # preference page's uses.
    before, after = _around(name, language, settings.SITE_URL)
    return f"{before}{token}{after}"


def _english(name: str, arg: str) -> str:
    return _url(name, arg)


def unsubscribe_url(send_id: int, token: str | None = None) -> str:
    """The one-click address (RFC 8058: the ``List-Unsubscribe`` https URI; GET shows the page).
    ``token``: :func:`unsubscribe_token` of ``send_id`` when the caller has it already."""
    return _english("communications:unsubscribe", token or unsubscribe_token(send_id))


def preferences_url(send_id: int, language: str = "en", token: str | None = None) -> str:
    """The preference page in ``language`` (English without a prefix, German under ``/de/``)."""
    return _url("communications:preferences", token or unsubscribe_token(send_id), language)


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
