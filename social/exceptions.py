"""Errors of the social app (each with a stable ``code``; mapped once by the API handler)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import Throttled

from magnetiq.exceptions import ApplicationError, Conflict, InvalidInput, NotFound

if TYPE_CHECKING:
    from magnetiq.exceptions import Message


class SocialNotConfigured(ApplicationError):
    """The network's OAuth client (``LINKEDIN_CLIENT_ID``/``X_CLIENT_ID`` and secret) or the token
    key (``SOCIAL_TOKEN_KEY`` in production) is not set. 400: nothing a retry can change."""

    code = "SOCIAL_NOT_CONFIGURED"
    status = 400
    message = _("This network is not configured on this server.")


class SocialAccountNotFound(NotFound):
    code = "SOCIAL_ACCOUNT_NOT_FOUND"
    message = _("No such connected account.")


class SocialPostNotFound(NotFound):
    code = "SOCIAL_POST_NOT_FOUND"
    message = _("No such post.")


class SocialMediaNotFound(NotFound):
    code = "SOCIAL_MEDIA_NOT_FOUND"
    message = _("No such media file.")


class OAuthStateInvalid(ApplicationError):
    """The ``state`` of an OAuth answer is unknown, already used, expired or of the other network. 400."""

    code = "OAUTH_STATE_INVALID"
    status = 400
    message = _("This authorisation is unknown or has expired: start connecting the account again.")


class NoConnectedAccount(ApplicationError):
    """A post needs a connected account of its network to be published. 400."""

    code = "SOCIAL_NO_ACCOUNT"
    status = 400
    message = _("Connect an account of this network first.")


class SocialAccountDisconnected(ApplicationError):
    """The account was disconnected, or its refresh token is gone or refused: connect it again. 400."""

    code = "SOCIAL_ACCOUNT_DISCONNECTED"
    status = 400
    message = _("The account is disconnected or its authorisation expired: connect it again.")


class SocialPostStateConflict(Conflict):
    """The post's status does not allow the action (edit a published post, publish one being published). 409."""

    code = "SOCIAL_POST_INVALID_STATE"
    message = _("The post's status does not allow this action.")


class SocialPostInvalid(InvalidInput):
    """A field of a post is not valid (too long for the network, a time in the past, media of
    another network, too many images). 422."""

    code = "VALIDATION_ERROR"


class SocialMediaInvalid(InvalidInput):
    """An upload the network does not take (type, size). 422."""

    code = "UNSUPPORTED_MEDIA_TYPE"


class SocialProviderError(ApplicationError):
    """The network refused the request (4xx other than 401/429) or answered something unreadable.
    ``http_status``: the network's status (``None`` when there was none). 502."""

    code = "SOCIAL_PROVIDER_ERROR"
    status = 502
    message = _("The network refused the request.")

    def __init__(self, message: Message | None = None, *, http_status: int | None = None, **kwargs):
        self.http_status = http_status
        super().__init__(message, **kwargs)


class SocialProviderUnreachable(SocialProviderError):
    """No connection could be made (the request never reached the network, so nothing happened there). 502."""

    code = "SOCIAL_PROVIDER_UNREACHABLE"
    message = _("The network could not be reached; nothing was sent.")


class SocialTokenRejected(SocialProviderError):
    """The network answered 401 to the access token (expired or revoked early). 502 when it stays so."""

    code = "SOCIAL_TOKEN_REJECTED"
    message = _("The network refused the account's authorisation.")


class SocialPublishUnknown(SocialProviderError):
    """A publish request was sent but no answer came (read timeout, dropped connection): the post
    may or may not be on the network. It is marked ``unknown`` and never retried automatically.
    ``published_ids``: the ids of the thread's parts that did get an answer. 502."""

    code = "SOCIAL_PUBLISH_UNKNOWN"
    message = _("The network did not answer in time: check on the network whether the post went out.")

    def __init__(self, message: Message | None = None, *, published_ids: list[str] | None = None, **kwargs):
        self.published_ids = published_ids or []
        super().__init__(message, **kwargs)


class SocialRateLimited(Throttled):
    """The network's rate limit is reached (its 429): ``wait`` seconds until its reset. The API
    answers 429 ``RATE_LIMITED`` with ``Retry-After``; a scheduled post stays scheduled."""

    default_detail = _("The network's rate limit is reached.")
    wait: float

    def __init__(self, *, network: str, wait: int):
        self.network = network
        detail = _("%(network)s's rate limit is reached: try again in %(seconds)s seconds.") % {
            "network": network,
            "seconds": wait,
        }
        super().__init__(wait=wait, detail=detail)
